"""Drawing pieces of the convolution-arithmetic diagrams: colours, grids, words, panels.

:class:`vizcnn.ConvArithmeticDisplay` draws one diagram itself and its small multiples
(one panel per output position, :meth:`~vizcnn.ConvArithmeticDisplay.plot_positions`)
through :func:`draw_window_panels`. Everything drawn comes from
:mod:`vizcnn.arithmetic`; nothing is computed here.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch, Rectangle

from vizcnn.arithmetic.cells import CELL_CATEGORIES, cell_categories

__all__ = [
    "COLORS",
    "cell_colors",
    "cell_points",
    "diagram_title",
    "draw_window_panels",
    "grid_lines",
    "input_label",
    "legend_handles",
    "padded_extent",
]

# One colour per kind of cell; chosen to stay distinct for common colour blindness.
COLORS = {
    "input": "#a6cee3",  # a real input cell that some window reads
    "unread": "#d0d0d0",  # a real input cell that no window reads
    "padding": "#ffffff",  # padding (zeros for Conv2D, ignored by pooling)
    "extra": "#fdbf6f",  # the odd extra padding cell that TF puts after
    "tap": "#08306b",  # a kernel tap of the highlighted window
    "output": "#b2df8a",
    "current": "#33a02c",  # the highlighted output cell
    "grid": "#8c8c8c",
    "edge": "#252525",
}


def cell_colors(rows, cols) -> np.ndarray:
    """RGBA image ``(padded height, padded width, 4)`` of the padded input's cells.

    One pixel per cell, coloured by :func:`vizcnn.arithmetic.cell_categories`: a 64 x 64
    grid costs one image, not 4096 patches.
    """
    palette = np.array([to_rgba(COLORS[name]) for name in CELL_CATEGORIES])
    return palette[cell_categories(rows, cols)]


def grid_lines(x0, x1, y0, y1):
    """Segments of the cell borders of a grid spanning ``[x0, x1] x [y0, y1]``."""
    xs = np.arange(x0, x1 + 0.01)
    ys = np.arange(y0, y1 + 0.01)
    return [((x, y0), (x, y1)) for x in xs] + [((x0, y), (x1, y)) for y in ys]


def padded_extent(rows, cols):
    """``(left, right, bottom, top)`` of the padded input, cell ``(r, c)`` centred at
    ``(c, r)`` (the ``extent`` of ``imshow``)."""
    return (
        -cols.pad_before - 0.5,
        cols.input_size + cols.pad_after - 0.5,
        rows.input_size + rows.pad_after - 0.5,
        -rows.pad_before - 0.5,
    )


def draw_window_panels(figure, rows, cols, positions, ncols):
    """Clear ``figure`` and draw one panel per output position: the padded input, the
    position's window (its dilated span) and its taps.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Drawn into after ``figure.clear()``; the same figure object is kept.
    rows, cols : vizcnn.arithmetic.AxisGeometry
        The geometry along the height and the width.
    positions : list of (int, int)
        Output cells, one panel each, in order.
    ncols : int
        Panels per row of the figure.

    Returns
    -------
    axes : np.ndarray of Axes, shape (nrows, ncols)
        Every Axes of the grid; those past the last position are empty and hidden.
    panels : list of dict
        One per position: ``"position"``, and the artists ``"cells"`` (the image),
        ``"grid"``, ``"frame"`` (the real input's outline), ``"window"`` (Rectangle of
        the dilated span), ``"taps"`` (scatter of the taps, ``(x, y) = (column, row)``)
        and ``"title"``.
    """
    figure.clear()
    nrows = -(-len(positions) // ncols)
    axes = figure.subplots(nrows, ncols, squeeze=False)
    colors = cell_colors(rows, cols)
    extent = padded_extent(rows, cols)
    x0, x1, y1, y0 = extent
    panels = []
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (i, j) in zip(axes.flat, positions, strict=False):
        panel = {"position": (i, j)}
        panel["cells"] = ax.imshow(colors, extent=extent, interpolation="nearest")
        panel["grid"] = LineCollection(grid_lines(x0, x1, y0, y1), colors=COLORS["grid"], lw=0.4)
        ax.add_collection(panel["grid"])
        panel["frame"] = Rectangle(
            (-0.5, -0.5), cols.input_size, rows.input_size, fill=False, ec=COLORS["edge"], lw=1
        )
        ax.add_patch(panel["frame"])
        tap_rows, tap_cols = rows.taps(i), cols.taps(j)
        panel["window"] = Rectangle(
            (tap_cols[0] - 0.5, tap_rows[0] - 0.5),
            cols.span,
            rows.span,
            fill=False,
            ec=COLORS["tap"],
            lw=1.5,
        )
        ax.add_patch(panel["window"])
        ax.set_xlim(x0 - 0.1, x1 + 0.1)  # keep the outer grid lines whole
        ax.set_ylim(y1 + 0.1, y0 - 0.1)
        ty, tx = np.meshgrid(tap_rows, tap_cols, indexing="ij")
        panel["taps"] = ax.scatter(tx.ravel(), ty.ravel(), marker="s", s=8, c=COLORS["tap"])
        panel["title"] = ax.set_title(f"output ({i}, {j})", fontsize=8)
        panels.append(panel)
    total = rows.output_size * cols.output_size
    shown = "" if len(positions) == total else f" (first {len(positions)} of {total})"
    figure.suptitle(f"Every window position{shown}", fontsize=10)
    return axes, panels


def cell_points(ax):
    """Size of one data unit in points at the current limits and figure size."""
    bbox = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    per_pixel = min(bbox.width / abs(x1 - x0), bbox.height / abs(y1 - y0))
    return per_pixel * 72.0 / ax.figure.dpi


# -- the diagram's words ---------------------------------------------------------------


def input_label(rows, cols) -> str:
    """``"input 7×7"``, with the padding split for ``same``."""
    text = f"input {rows.input_size}×{cols.input_size}"
    if rows.padding == "valid":
        return text
    return (
        f"{text} + padding (top {rows.pad_before}, bottom {rows.pad_after}, "
        f"left {cols.pad_before}, right {cols.pad_after})"
    )


def diagram_title(rows, cols) -> str:
    """The settings and output size, then what is dropped and where the extra cell goes."""
    head = (
        f"{rows.input_size}×{cols.input_size} input, "
        f"kernel {rows.kernel_size}×{cols.kernel_size}, "
        f"stride {_pair_text(rows.strides, cols.strides)}, padding '{rows.padding}', "
        f"dilation {_pair_text(rows.dilation_rate, cols.dilation_rate)} "
        f"→ {rows.output_size}×{cols.output_size} output"
    )
    notes = []
    dropped = (rows.dropped, cols.dropped)
    if any(dropped):
        parts = [
            f"the last {n} {name}{'s' if n > 1 else ''}"
            for n, name in zip(dropped, ("row", "column"), strict=True)
            if n
        ]
        notes.append(f"{' and '.join(parts)} never read by any window")
    if rows.pad_after > rows.pad_before or cols.pad_after > cols.pad_before:
        notes.append("odd padding total: TensorFlow puts the extra cell after (bottom/right)")
    return head + ("\n" + "; ".join(notes) if notes else "")


def _pair_text(a, b):
    return str(a) if a == b else f"{a}×{b}"


def legend_handles():
    """The colour key of the diagram, as legend handles."""
    return [
        Patch(fc=COLORS["input"], ec=COLORS["grid"], label="input cell"),
        Patch(fc=COLORS["padding"], ec=COLORS["grid"], label="padding"),
        Patch(fc=COLORS["extra"], ec=COLORS["grid"], label="extra padding (after)"),
        Patch(fc=COLORS["unread"], ec=COLORS["grid"], label="never read (dropped)"),
        Patch(fc=COLORS["tap"], label="kernel tap"),
        Patch(fill=False, ec=COLORS["tap"], lw=2, label="window"),
        Patch(fc=COLORS["output"], ec=COLORS["grid"], label="output cell"),
        Patch(fc=COLORS["current"], ec=COLORS["edge"], label="this output"),
    ]
