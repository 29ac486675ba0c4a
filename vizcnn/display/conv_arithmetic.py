"""ConvArithmeticDisplay: where a kernel window lands, with TensorFlow's exact padding.

In the spirit of Dumoulin & Visin's conv_arithmetic figures, but drawn from
``vizcnn.arithmetic`` so every cell is where TensorFlow puts it: the ``same`` padding's
odd extra cell sits *after* (bottom / right), dilated taps skip cells, and the input
cells that no window reads (what ``valid`` drops) are greyed out.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch, Rectangle

from vizcnn.arithmetic import conv_geometry

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
_CATEGORIES = ("input", "unread", "padding", "extra")


class ConvArithmeticDisplay:
    """One input grid, its padding, a kernel window and the output grid it produces.

    Parameters
    ----------
    input_size : int or (int, int)
        Input ``(height, width)``; an ``int`` for a square input.
    kernel_size : int or (int, int)
        Kernel (or pool) size.
    strides : int, (int, int) or None, default=1
        ``None`` means ``kernel_size`` (Keras' pooling default).
    padding : {"valid", "same"}, default="valid"
    dilation_rate : int or (int, int), default=1

    Attributes
    ----------
    rows_, cols_ : vizcnn.arithmetic.AxisGeometry
        Geometry along the height and the width (padding, output size, taps).
    output_size_ : (int, int)
    padding_ : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` padding cells.
    figure_ : matplotlib.figure.Figure
    ax_ : matplotlib.axes.Axes
        The axes of :meth:`plot` (``axes_`` holds the panels of :meth:`plot_positions`).
    position_ : (int, int)
        The highlighted output cell of the last :meth:`plot` / :meth:`update`.

    Raises
    ------
    ValueError
        For settings Keras refuses (see :func:`vizcnn.arithmetic.conv_output_size`).

    Examples
    --------
    >>> import vizcnn as vz
    >>> disp = vz.ConvArithmeticDisplay(7, 4, padding="same").plot(position=(-1, -1))
    >>> disp.padding_
    ((1, 2), (1, 2))
    """

    def __init__(self, input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
        self._set(input_size, kernel_size, strides, padding, dilation_rate)

    def _set(self, input_size, kernel_size, strides, padding, dilation_rate):
        pair = _as_pair
        geometry = conv_geometry(
            pair(input_size),
            pair(kernel_size),
            strides=None if strides is None else pair(strides),
            padding=padding,
            dilation_rate=pair(dilation_rate),
        )
        self.rows_, self.cols_ = geometry
        self.input_size = (self.rows_.input_size, self.cols_.input_size)
        self.kernel_size = (self.rows_.kernel_size, self.cols_.kernel_size)
        self.strides = (self.rows_.strides, self.cols_.strides)
        self.padding = self.rows_.padding
        self.dilation_rate = (self.rows_.dilation_rate, self.cols_.dilation_rate)
        self.output_size_ = (self.rows_.output_size, self.cols_.output_size)
        self.padding_ = (
            (self.rows_.pad_before, self.rows_.pad_after),
            (self.cols_.pad_before, self.cols_.pad_after),
        )

    # ------------------------------------------------------------------ compute
    def cell_categories(self):
        """Kind of every cell of the padded input, as indices into ``("input", "unread",
        "padding", "extra")``.

        Returns
        -------
        np.ndarray of int, shape (top + height + bottom, left + width + right)
        """
        r, c = self.rows_, self.cols_
        rows = _axis_categories(r)
        cols = _axis_categories(c)
        cat = np.where(rows[:, None] == 1, 1, 0) | np.where(cols[None, :] == 1, 1, 0)
        padding = (rows[:, None] >= 2) | (cols[None, :] >= 2)
        extra = (rows[:, None] == 3) | (cols[None, :] == 3)
        cat = np.where(padding, 2, cat)
        return np.where(extra, 3, cat)

    def window(self, position):
        """Input coordinates ``(rows, cols)`` of the taps of output cell ``position``.

        Negative coordinates and those past the input are padding cells.
        """
        i, j = self._position(position)
        return self.rows_.taps(i), self.cols_.taps(j)

    def _position(self, position):
        try:
            i, j = (int(p) for p in position)
        except (TypeError, ValueError):
            raise ValueError(
                f"position must be a (row, column) output cell, got {position!r}"
            ) from None
        h, w = self.output_size_
        if not (-h <= i < h and -w <= j < w):
            raise ValueError(
                f"position {position!r} is outside the {h}x{w} output "
                f"(rows 0..{h - 1}, columns 0..{w - 1}; negative counts from the end)"
            )
        return i % h, j % w

    # ------------------------------------------------------------------ draw
    def plot(self, *, ax=None, position=(0, 0), title=None, legend=True, labels=True, arrow=True):
        """Draw the padded input, the window of ``position`` and the output grid.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure sized to the grids when None.
        position : (int, int), default=(0, 0)
            Output cell to highlight; negative indices count from the end, so
            ``(-1, -1)`` shows the last window (where the extra ``same`` cell is).
        title : str, optional
            Replaces the automatic two-line title (``""`` for none).
        legend : bool, default=True
            Show the colour key under the grids.
        labels : bool, default=True
            Label the grids with their sizes (and the padding split).
        arrow : bool, default=True
            Draw an arrow from the window to the output cell it produces.

        Returns
        -------
        self
        """
        if ax is None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=self._figsize(legend))
        self.figure_, self.ax_ = ax.figure, ax
        self._title, self._show_arrow, self._labels = title, arrow, labels
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.invert_yaxis()  # row 0 at the top, as in an image
        self.artists_ = a = {}
        a["input"] = ax.imshow(np.zeros((1, 1, 4)), interpolation="nearest", zorder=1)
        a["output"] = ax.imshow(np.zeros((1, 1, 4)), interpolation="nearest", zorder=1)
        a["grid"] = LineCollection([], colors=COLORS["grid"], linewidths=0.6, zorder=2)
        ax.add_collection(a["grid"])
        a["frame"] = Rectangle((0, 0), 1, 1, fill=False, ec=COLORS["edge"], lw=1.8, zorder=3)
        a["window"] = Rectangle((0, 0), 1, 1, fill=False, ec=COLORS["tap"], lw=2.2, zorder=5)
        a["current"] = Rectangle(
            (0, 0), 1, 1, fc=COLORS["current"], ec=COLORS["edge"], lw=1.5, zorder=4
        )
        for name in ("frame", "window", "current"):
            ax.add_patch(a[name])
        a["taps"] = ax.scatter([], [], marker="s", c=COLORS["tap"], alpha=0.85, zorder=4)
        a["input_label"] = ax.text(0, 0, "", ha="center", va="bottom", fontsize=9)
        a["output_label"] = ax.text(0, 0, "", ha="center", va="bottom", fontsize=9)
        a["arrow"] = ax.annotate(
            "",
            xy=(0, 0),
            xytext=(0, 0),
            arrowprops=dict(
                arrowstyle="-|>",
                color=COLORS["tap"],
                lw=1.4,
                shrinkA=2,
                shrinkB=4,
                connectionstyle="arc3,rad=-0.2",
            ),
            zorder=6,
        )
        a["message"] = ax.text(
            0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", wrap=True, color="C3"
        )
        a["title"] = ax.set_title("")
        self.legend_ = None
        if legend:
            self.legend_ = ax.legend(
                handles=_legend_handles(),
                loc="upper center",
                bbox_to_anchor=(0.5, 0.0),
                ncol=4,
                fontsize=8,
                handlelength=1.2,
                columnspacing=1.0,
            )
        self.update(position=position)
        return self

    def update(self, *, position=None, **settings):
        """Change settings and/or the highlighted cell, redrawing the artists in place.

        Parameters
        ----------
        position : (int, int), optional
            New output cell; kept (clipped to the new output) when None.
        **settings
            Any of ``input_size``, ``kernel_size``, ``strides``, ``padding``,
            ``dilation_rate``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For impossible settings; the display keeps its previous state.
        """
        unknown = set(settings) - {
            "input_size",
            "kernel_size",
            "strides",
            "padding",
            "dilation_rate",
        }
        if unknown:
            raise TypeError(f"update() got unknown settings {sorted(unknown)}")
        if settings:
            current = dict(
                input_size=self.input_size,
                kernel_size=self.kernel_size,
                strides=self.strides,
                padding=self.padding,
                dilation_rate=self.dilation_rate,
            )
            current.update(settings)
            self._set(**current)
        if position is None:
            old = getattr(self, "position_", (0, 0))
            position = tuple(min(p, n - 1) for p, n in zip(old, self.output_size_, strict=True))
        self.position_ = self._position(position)
        if hasattr(self, "artists_"):
            self._redraw()
        return self

    def show_message(self, text):
        """Hide the diagram and show ``text`` instead (for impossible settings)."""
        for name, artist in self.artists_.items():
            artist.set_visible(name == "message")
        self.artists_["message"].set_text(text)
        self.figure_.canvas.draw_idle()
        return self

    def _redraw(self):
        a, ax = self.artists_, self.ax_
        r, c = self.rows_, self.cols_
        (top, bottom), (left, right) = self.padding_
        h, w = self.input_size
        ho, wo = self.output_size_
        for artist in a.values():
            artist.set_visible(True)
        a["message"].set_text("")

        # input: one RGBA pixel per cell, so a 64 x 64 grid costs one image, not 4096 patches
        palette = np.array([to_rgba(COLORS[k]) for k in _CATEGORIES])
        a["input"].set_data(palette[self.cell_categories()])
        x0, x1 = -left - 0.5, w + right - 0.5
        y0, y1 = -top - 0.5, h + bottom - 0.5
        a["input"].set_extent((x0, x1, y1, y0))
        a["frame"].set_bounds(-0.5, -0.5, w, h)

        # output, to the right of the input at the same cell scale, top-aligned
        gap = max(2.0, 0.25 * (x1 - x0))
        ox = x1 + gap
        a["output"].set_data(np.broadcast_to(to_rgba(COLORS["output"]), (ho, wo, 4)))
        a["output"].set_extent((ox, ox + wo, ho - 0.5, -0.5))
        segments = _grid_lines(x0, x1, y0, y1) + _grid_lines(ox, ox + wo, -0.5, ho - 0.5)
        a["grid"].set_segments(segments)

        # the highlighted window: its dilated span, its taps, the output cell it makes
        i, j = self.position_
        rows, cols = r.taps(i), c.taps(j)
        a["window"].set_bounds(cols[0] - 0.5, rows[0] - 0.5, c.span, r.span)
        tap_y, tap_x = np.meshgrid(rows, cols, indexing="ij")
        a["taps"].set_offsets(np.column_stack([tap_x.ravel(), tap_y.ravel()]))
        a["current"].set_bounds(ox + j, i - 0.5, 1, 1)

        # limits first: the tap marker size is in points, so it depends on the zoom
        y_top = min(y0, -0.5) - (1.6 if self._labels else 0.7)
        y_bottom = max(y1, ho - 0.5) + 0.6
        ax.set_xlim(x0 - 0.6, ox + wo + 0.6)
        ax.set_ylim(y_bottom, y_top)
        a["taps"].set_sizes([(0.55 * _cell_points(ax)) ** 2])

        if self._labels:
            a["input_label"].set_position(((x0 + x1) / 2, y0 - 0.3))
            a["input_label"].set_text(_input_label(self))
            a["output_label"].set_position((ox + wo / 2, -0.8))
            a["output_label"].set_text(f"output {ho}×{wo}")
        if self._show_arrow:
            start = (cols[0] - 0.5 + c.span, rows[0] - 0.5 + r.span / 2)
            a["arrow"].xy = (ox + j + 0.5, i)
            a["arrow"].set_position(start)
            # bend away from the output's label when the arrow goes up to the first rows
            rad = 0.2 if i <= start[1] else -0.2
            a["arrow"].arrow_patch.set_connectionstyle(f"arc3,rad={rad}")
        a["arrow"].set_visible(self._show_arrow)
        a["title"].set_text(_title(self) if self._title is None else self._title)
        self.figure_.canvas.draw_idle()

    def _figsize(self, legend):
        (top, bottom), (left, right) = self.padding_
        width_cells = self.input_size[1] + left + right
        cells_w = width_cells + max(2.0, 0.25 * width_cells) + self.output_size_[1] + 1.2
        cells_h = max(self.input_size[0] + top + bottom, self.output_size_[0]) + 2.2
        scale = min(0.42, 9.0 / cells_w, 7.0 / cells_h)
        return (max(cells_w * scale, 5.5), cells_h * scale + 0.8 + (0.5 if legend else 0))

    def plot_positions(self, *, max_positions=36, ncols=None, figsize=None):
        """Small multiples: the window of every output position, one panel each.

        Parameters
        ----------
        max_positions : int, default=36
            Draw at most this many positions (row-major, from the first).
        ncols : int, optional
            Panels per row (default: the output width, capped at 8).
        figsize : (float, float), optional

        Returns
        -------
        self
            With ``figure_`` and ``axes_`` (2-D array of Axes).
        """
        import matplotlib.pyplot as plt

        if not isinstance(max_positions, int) or max_positions < 1:
            raise ValueError(f"max_positions must be a positive int, got {max_positions!r}")
        ho, wo = self.output_size_
        positions = [(i, j) for i in range(ho) for j in range(wo)][:max_positions]
        ncols = ncols or min(wo, 8, len(positions))
        nrows = -(-len(positions) // ncols)
        if figsize is None:
            figsize = (1.6 * ncols, 1.6 * nrows + 0.5)
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
        palette = np.array([to_rgba(COLORS[k]) for k in _CATEGORIES])
        colors = palette[self.cell_categories()]
        (top, bottom), (left, right) = self.padding_
        h, w = self.input_size
        extent = (-left - 0.5, w + right - 0.5, h + bottom - 0.5, -top - 0.5)
        for ax in axes.flat:
            ax.set_axis_off()
        for ax, (i, j) in zip(axes.flat, positions, strict=False):
            ax.imshow(colors, extent=extent, interpolation="nearest")
            ax.add_collection(
                LineCollection(
                    _grid_lines(*extent[:2], extent[3], extent[2]), colors=COLORS["grid"], lw=0.4
                )
            )
            ax.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, ec=COLORS["edge"], lw=1))
            rows, cols = self.rows_.taps(i), self.cols_.taps(j)
            ax.add_patch(
                Rectangle(
                    (cols[0] - 0.5, rows[0] - 0.5),
                    self.cols_.span,
                    self.rows_.span,
                    fill=False,
                    ec=COLORS["tap"],
                    lw=1.5,
                )
            )
            ax.set_xlim(extent[0] - 0.1, extent[1] + 0.1)  # keep the outer grid lines whole
            ax.set_ylim(extent[2] + 0.1, extent[3] - 0.1)
            ty, tx = np.meshgrid(rows, cols, indexing="ij")
            ax.scatter(tx.ravel(), ty.ravel(), marker="s", s=8, c=COLORS["tap"])
            ax.set_title(f"output ({i}, {j})", fontsize=8)
        shown = "" if len(positions) == ho * wo else f" (first {len(positions)} of {ho * wo})"
        fig.suptitle(f"Every window position{shown}", fontsize=10)
        self.figure_, self.axes_ = fig, axes
        return self


def _as_pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _axis_categories(g):
    """Per padded-axis cell: 0 read input, 1 unread input, 2 padding, 3 the extra cell."""
    cat = np.full(g.pad_before + g.input_size + g.pad_after, 1)
    cat[: g.pad_before] = 2
    cat[g.pad_before + g.input_size :] = 2
    if g.pad_after > g.pad_before:  # odd total: TF's extra cell is the last one, after
        cat[-1] = 3
    read = np.asarray(g.read_cells(), dtype=int)
    cat[g.pad_before + read] = 0
    return cat


def _grid_lines(x0, x1, y0, y1):
    xs = np.arange(x0, x1 + 0.01)
    ys = np.arange(y0, y1 + 0.01)
    return [((x, y0), (x, y1)) for x in xs] + [((x0, y), (x1, y)) for y in ys]


def _cell_points(ax):
    """Size of one data unit in points at the current limits and figure size."""
    bbox = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    per_pixel = min(bbox.width / abs(x1 - x0), bbox.height / abs(y1 - y0))
    return per_pixel * 72.0 / ax.figure.dpi


def _input_label(d):
    h, w = d.input_size
    (top, bottom), (left, right) = d.padding_
    if d.padding == "valid":
        return f"input {h}×{w}"
    return f"input {h}×{w} + padding (top {top}, bottom {bottom}, left {left}, right {right})"


def _title(d):
    (kh, kw), (sh, sw), (dh, dw) = d.kernel_size, d.strides, d.dilation_rate
    h, w = d.input_size
    ho, wo = d.output_size_
    head = (
        f"{h}×{w} input, kernel {kh}×{kw}, stride {_pair_text(sh, sw)}, "
        f"padding '{d.padding}', dilation {_pair_text(dh, dw)} → {ho}×{wo} output"
    )
    notes = []
    dropped = (d.rows_.dropped, d.cols_.dropped)
    if any(dropped):
        parts = [
            f"the last {n} {name}{'s' if n > 1 else ''}"
            for n, name in zip(dropped, ("row", "column"), strict=True)
            if n
        ]
        notes.append(f"{' and '.join(parts)} never read by any window")
    (top, bottom), (left, right) = d.padding_
    if bottom > top or right > left:
        notes.append("odd padding total: TensorFlow puts the extra cell after (bottom/right)")
    return head + ("\n" + "; ".join(notes) if notes else "")


def _pair_text(a, b):
    return str(a) if a == b else f"{a}×{b}"


def _legend_handles():
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
