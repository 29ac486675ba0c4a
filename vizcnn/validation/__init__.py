"""Argument checks for every public entry point: one wording, one meaning per word.

Every check names the argument, says what was expected and what came, and raises
``TypeError`` for the wrong kind of value or ``ValueError`` for a wrong value of the right
kind, before any TensorFlow work starts. NumPy scalars count as the Python numbers they
hold (``np.int64(3)`` is an int); ``bool`` is never a number here, although Python says
``True == 1``.

Words that mean the same everywhere:

``position``
    One unit ``(row, column)`` on a layer's output grid: two non-negative integers inside
    the grid (one step ``t`` or ``(t,)`` on the grid of a 1-D model). ``None`` means the
    centre unit ``(rows // 2, columns // 2)``.
``layer``
    A layer object, or its name; ``"outer/inner"`` names a layer inside a nested model
    (the keys :func:`vizcnn.receptive_fields` returns where a name repeats).
``x``
    A batch of images ``(N, H, W, C)``, finite numbers, or of sequences ``(N, T, C)`` for a
    1-D model (sound, text). ``image`` is one ``(H, W, C)``.

One package in three modules: :mod:`~vizcnn.validation.values` (numbers, options, pairs,
``position``), :mod:`~vizcnn.validation.arrays` (images, labels) and
:mod:`~vizcnn.validation.models` (models, batches for a model). It imports no TensorFlow;
the model checks import Keras when first called. Finding a layer by name is
:mod:`vizcnn.graph.lookup`'s job.
"""

from vizcnn.validation.arrays import (
    check_array,
    check_captions,
    check_image,
    check_images,
    check_labels,
    check_pixels,
    check_xy,
)
from vizcnn.validation.models import check_batch, check_model, model_inputs
from vizcnn.validation.values import (
    check_bool,
    check_figsize,
    check_int,
    check_int_pair,
    check_ints,
    check_number,
    check_one_of,
    check_position,
    check_positive_int,
    check_value_range,
)

__all__ = [
    "check_array",
    "check_batch",
    "check_bool",
    "check_captions",
    "check_figsize",
    "check_image",
    "check_images",
    "check_int",
    "check_int_pair",
    "check_ints",
    "check_labels",
    "check_model",
    "check_number",
    "check_one_of",
    "check_pixels",
    "check_position",
    "check_positive_int",
    "check_value_range",
    "check_xy",
    "model_inputs",
]
