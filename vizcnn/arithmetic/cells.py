"""What each cell of a padded input is: read, never read, padding, or TF's extra padding.

Pure NumPy over :class:`~vizcnn.arithmetic.geometry.AxisGeometry` (no TensorFlow, no
matplotlib): :class:`vizcnn.ConvArithmeticDisplay` colours its grids with it, and a test
can check the categories without drawing anything.
"""

from __future__ import annotations

import numpy as np

from vizcnn.arithmetic.geometry import AxisGeometry

__all__ = ["CELL_CATEGORIES", "cell_categories"]

#: Names of the values :func:`cell_categories` returns, by index.
CELL_CATEGORIES = ("input", "unread", "padding", "extra")
_INPUT, _UNREAD, _PADDING, _EXTRA = range(len(CELL_CATEGORIES))


def cell_categories(rows: AxisGeometry, cols: AxisGeometry) -> np.ndarray:
    """The kind of every cell of a padded input, as indices into :data:`CELL_CATEGORIES`.

    Parameters
    ----------
    rows, cols : AxisGeometry
        The window geometry along the height and along the width, e.g. the two entries
        of :func:`vizcnn.arithmetic.conv_geometry` for ``(height, width)`` arguments. Their
        input sizes must be known and their padding not negative (no cropping).

    Returns
    -------
    np.ndarray of int, shape (top + height + bottom, left + width + right)
        Cell ``[r, c]`` is the padded input's row ``r - top``, column ``c - left``:

        - ``0`` ``"input"``: a real input cell that some window reads;
        - ``1`` ``"unread"``: a real input cell that no window reads (what ``valid``
          with a stride drops);
        - ``2`` ``"padding"``: a padding cell;
        - ``3`` ``"extra"``: in the last row / column of an odd ``same`` padding total,
          the extra cell TensorFlow puts *after* (bottom / right). The whole extra row
          and column get this value, their corners included.

    Raises
    ------
    TypeError
        If ``rows`` or ``cols`` is not an :class:`AxisGeometry`.
    ValueError
        For an unknown input size or a negative (cropping) padding.

    Examples
    --------
    >>> from vizcnn.arithmetic import conv_geometry
    >>> rows, cols = conv_geometry((3, 4), 2, padding="same")
    >>> cell_categories(rows, cols)
    array([[0, 0, 0, 0, 3],
           [0, 0, 0, 0, 3],
           [0, 0, 0, 0, 3],
           [3, 3, 3, 3, 3]])
    """
    per_row = _axis_categories(rows, "rows")
    per_col = _axis_categories(cols, "cols")
    row, col = per_row[:, None], per_col[None, :]
    categories = np.where((row == _UNREAD) | (col == _UNREAD), _UNREAD, _INPUT)
    categories = np.where((row >= _PADDING) | (col >= _PADDING), _PADDING, categories)
    return np.where((row == _EXTRA) | (col == _EXTRA), _EXTRA, categories)


def _axis_categories(axis: AxisGeometry, name: str) -> np.ndarray:
    """One category per cell of a padded axis."""
    if not isinstance(axis, AxisGeometry):
        raise TypeError(f"{name} must be an AxisGeometry, got {type(axis).__name__}")
    if axis.input_size is None or axis.pad_before is None or axis.pad_after is None:
        raise ValueError(f"{name}: the cells need a known input size (got input_size=None)")
    if axis.pad_before < 0 or axis.pad_after < 0:
        raise ValueError(
            f"{name}: padding ({axis.pad_before}, {axis.pad_after}) crops the input; "
            "cell categories need padding >= 0"
        )
    before, size = axis.pad_before, axis.input_size
    categories = np.full(before + size + axis.pad_after, _PADDING)
    categories[before : before + size] = _UNREAD
    categories[before + np.asarray(axis.read_cells(), dtype=int)] = _INPUT
    if axis.padding == "same" and axis.pad_after > before:
        categories[-1] = _EXTRA  # odd total: TensorFlow's extra cell is the last one
    return categories
