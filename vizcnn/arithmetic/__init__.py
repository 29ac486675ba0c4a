"""Pure arithmetic of convolution and pooling (no TensorFlow): widgets answer instantly.

- :mod:`~vizcnn.arithmetic.geometry`: output sizes, TensorFlow's ``same`` padding split,
  dilation, and the per-axis window geometry (:class:`AxisGeometry`) everything else uses;
- :mod:`~vizcnn.arithmetic.fields`: the receptive-field recurrences over those windows.
"""

from vizcnn.arithmetic.cells import cell_categories
from vizcnn.arithmetic.fields import (
    AxisField,
    ReceptiveField,
    apply_window,
    input_axis,
    union_axes,
)
from vizcnn.arithmetic.geometry import (
    PADDINGS,
    AxisGeometry,
    axis_window,
    conv_geometry,
    conv_output_size,
    dropped_cells,
    explicit_padding,
    same_padding,
)

__all__ = [
    "PADDINGS",
    "AxisField",
    "AxisGeometry",
    "ReceptiveField",
    "apply_window",
    "axis_window",
    "cell_categories",
    "conv_geometry",
    "conv_output_size",
    "dropped_cells",
    "explicit_padding",
    "input_axis",
    "same_padding",
    "union_axes",
]
