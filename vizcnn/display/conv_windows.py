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
from vizcnn.language import text

__all__ = [
    "COLORS",
    "cell_colors",
    "cell_points",
    "diagram_figsize",
    "diagram_title",
    "draw_window_panels",
    "grid_lines",
    "input_label",
    "legend_handles",
    "MAX_INCHES",
    "MAX_POSITIONS",
    "padded_extent",
    "positions_layout",
    "redraw_diagram",
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


# plot_positions draws one Axes per position: 1,600 of them made a 320-inch figure that
# took 44 s; 64 panels (8 rows of 8), on a figure at most 30 inches a side, take a few
# seconds (100 took 12 s on a busy two-core laptop)
MAX_POSITIONS = 64
MAX_INCHES = 30.0
_PANEL = 1.6  # inches per small-multiple panel


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
        panel["title"] = ax.set_title(text("display.conv_arithmetic.panel", i=i, j=j), fontsize=8)
        panels.append(panel)
    total = rows.output_size * cols.output_size
    shown = ""
    if len(positions) != total:
        shown = text("display.conv_arithmetic.first_positions", shown=len(positions), total=total)
    figure.suptitle(text("display.conv_arithmetic.every_position", shown=shown), fontsize=10)
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
    label = text("display.conv_arithmetic.input", h=rows.input_size, w=cols.input_size)
    if rows.padding == "valid":
        return label
    return text(
        "display.conv_arithmetic.input_padding",
        input=label,
        top=rows.pad_before,
        bottom=rows.pad_after,
        left=cols.pad_before,
        right=cols.pad_after,
    )


def diagram_title(rows, cols) -> str:
    """The settings and output size, then what is dropped and where the extra cell goes."""
    head = text(
        "display.conv_arithmetic.title",
        h=rows.input_size,
        w=cols.input_size,
        kh=rows.kernel_size,
        kw=cols.kernel_size,
        strides=_pair_text(rows.strides, cols.strides),
        padding=rows.padding,
        dilation=_pair_text(rows.dilation_rate, cols.dilation_rate),
        oh=rows.output_size,
        ow=cols.output_size,
    )
    notes = []
    parts = [
        text(f"display.conv_arithmetic.last_{name}{'s' if n > 1 else ''}", n=n)
        for n, name in ((rows.dropped, "row"), (cols.dropped, "column"))
        if n
    ]
    if len(parts) == 2:
        parts = [text("display.conv_arithmetic.rows_and_columns", rows=parts[0], columns=parts[1])]
    if parts:
        notes.append(text("display.conv_arithmetic.never_read", cells=parts[0]))
    if rows.pad_after > rows.pad_before or cols.pad_after > cols.pad_before:
        notes.append(text("display.conv_arithmetic.odd_padding"))
    return head + ("\n" + "; ".join(notes) if notes else "")


def _pair_text(a, b):
    return str(a) if a == b else f"{a}×{b}"


def legend_handles():
    """The colour key of the diagram, as legend handles (in the lesson's language)."""

    def label(key):
        return text(f"display.conv_arithmetic.legend.{key}")

    return [
        Patch(fc=COLORS["input"], ec=COLORS["grid"], label=label("input")),
        Patch(fc=COLORS["padding"], ec=COLORS["grid"], label=label("padding")),
        Patch(fc=COLORS["extra"], ec=COLORS["grid"], label=label("extra")),
        Patch(fc=COLORS["unread"], ec=COLORS["grid"], label=label("unread")),
        Patch(fc=COLORS["tap"], label=label("tap")),
        Patch(fill=False, ec=COLORS["tap"], lw=2, label=label("window")),
        Patch(fc=COLORS["output"], ec=COLORS["grid"], label=label("output")),
        Patch(fc=COLORS["current"], ec=COLORS["edge"], label=label("current")),
    ]


def diagram_figsize(rows, cols, *, legend=True):
    """``(width, height)`` in inches of a one-diagram figure: input, gap and output at
    one cell scale, at most about 9 x 7 inches of cells (and the legend's row)."""
    width_cells = cols.input_size + cols.pad_before + cols.pad_after
    cells_w = width_cells + max(2.0, 0.25 * width_cells) + cols.output_size + 1.2
    cells_h = max(rows.input_size + rows.pad_before + rows.pad_after, rows.output_size) + 2.2
    scale = min(0.42, 9.0 / cells_w, 7.0 / cells_h)
    return (max(cells_w * scale, 5.5), cells_h * scale + 0.8 + (0.5 if legend else 0))


def redraw_diagram(ax, artists, rows, cols, position, *, labels, arrow, title):
    """Move the diagram's ``artists`` (made by ``ConvArithmeticDisplay.plot``) to show the
    geometry ``rows``/``cols`` with output cell ``position`` highlighted; the caller
    redraws the canvas. ``title`` None: the automatic one."""
    a, r, c = artists, rows, cols
    ho, wo = r.output_size, c.output_size
    for name, artist in a.items():
        artist.set_visible(name != "message")
    a["message"].set_text("")

    a["input"].set_data(cell_colors(r, c))
    x0, x1, y1, y0 = extent = padded_extent(r, c)
    a["input"].set_extent(extent)
    a["frame"].set_bounds(-0.5, -0.5, c.input_size, r.input_size)

    # output, to the right of the input at the same cell scale, top-aligned
    gap = max(2.0, 0.25 * (x1 - x0))
    ox = x1 + gap
    a["output"].set_data(np.broadcast_to(to_rgba(COLORS["output"]), (ho, wo, 4)))
    a["output"].set_extent((ox, ox + wo, ho - 0.5, -0.5))
    a["grid"].set_segments(grid_lines(x0, x1, y0, y1) + grid_lines(ox, ox + wo, -0.5, ho - 0.5))

    # the highlighted window: its dilated span, its taps, the output cell it makes
    i, j = position
    rows, cols = r.taps(i), c.taps(j)
    a["window"].set_bounds(cols[0] - 0.5, rows[0] - 0.5, c.span, r.span)
    tap_y, tap_x = np.meshgrid(rows, cols, indexing="ij")
    a["taps"].set_offsets(np.column_stack([tap_x.ravel(), tap_y.ravel()]))
    a["current"].set_bounds(ox + j, i - 0.5, 1, 1)

    # limits first: the tap marker size is in points, so it depends on the zoom
    y_top = min(y0, -0.5) - (1.6 if labels else 0.7)
    y_bottom = max(y1, ho - 0.5) + 0.6
    ax.set_xlim(x0 - 0.6, ox + wo + 0.6)
    ax.set_ylim(y_bottom, y_top)
    a["taps"].set_sizes([(0.55 * cell_points(ax)) ** 2])

    if labels:
        a["input_label"].set_position(((x0 + x1) / 2, y0 - 0.3))
        a["input_label"].set_text(input_label(r, c))
        a["output_label"].set_position((ox + wo / 2, -0.8))
        a["output_label"].set_text(text("display.conv_arithmetic.output", h=ho, w=wo))
    if arrow:
        start = (cols[0] - 0.5 + c.span, rows[0] - 0.5 + r.span / 2)
        a["arrow"].xy = (ox + j + 0.5, i)
        a["arrow"].set_position(start)
        # bend away from the output's label when the arrow goes up to the first rows
        rad = 0.2 if i <= start[1] else -0.2
        a["arrow"].arrow_patch.set_connectionstyle(f"arc3,rad={rad}")
    a["arrow"].set_visible(arrow)
    a["title"].set_text(diagram_title(r, c) if title is None else title)


def positions_layout(output_size, options):
    """The positions drawn, panels per row and figure size of :meth:`plot_positions`.

    Raises ValueError for a figure larger than ``MAX_INCHES`` a side.
    """
    max_positions, ncols, figsize = options
    if max_positions > MAX_POSITIONS:
        raise ValueError(
            f"max_positions must be at most {MAX_POSITIONS} (one small figure per "
            f"position: 1,600 took 44 s to draw), got {max_positions}; to follow one "
            "window, use plot(position=...) and update(position=...)"
        )
    ho, wo = output_size
    positions = [(i, j) for i in range(ho) for j in range(wo)][:max_positions]
    if ncols is None:  # one row per output row, unless the rows would not fit
        rows_that_fit = int((MAX_INCHES - 0.5) // _PANEL)
        ncols = max(min(wo, 8, len(positions)), -(-len(positions) // rows_that_fit))
    nrows = -(-len(positions) // ncols)
    size = figsize or (_PANEL * ncols, _PANEL * nrows + 0.5)
    if max(size) > MAX_INCHES:
        raise ValueError(
            f"plot_positions would draw a {size[0]:.3g} x {size[1]:.3g} inch figure "
            f"({len(positions)} panels, {ncols} per row); the limit is {MAX_INCHES:g} inches "
            "a side: pass fewer max_positions, another ncols or a smaller figsize"
        )
    return positions, ncols, size
