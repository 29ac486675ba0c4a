"""ConvArithmeticDisplay: where a kernel window lands, with TensorFlow's exact padding.

In the spirit of Dumoulin & Visin's conv_arithmetic figures, but drawn from
``vizcnn.arithmetic`` so every cell is where TensorFlow puts it: the ``same`` padding's
odd extra cell sits *after* (bottom / right), dilated taps skip cells, and the input
cells that no window reads (what ``valid`` drops) are greyed out. The cell categories are
computed by :func:`vizcnn.arithmetic.cell_categories`; this module only draws.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from vizcnn.arithmetic import PADDINGS, AxisGeometry, cell_categories, conv_geometry
from vizcnn.display._axes import check_ax
from vizcnn.display.conv_windows import (
    COLORS,
    diagram_figsize,
    draw_window_panels,
    legend_handles,
    positions_layout,
    redraw_diagram,
)
from vizcnn.validation import (
    check_bool,
    check_figsize,
    check_int_pair,
    check_one_of,
    check_position,
    check_positive_int,
)

__all__ = ["COLORS", "ConvArithmeticDisplay"]

_SETTINGS = ("input_size", "kernel_size", "strides", "padding", "dilation_rate")


class _Keep:
    def __repr__(self):
        return "<keep>"


_KEEP = _Keep()  # update()'s default position: keep the highlighted cell


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
        Case-insensitive, as in Keras.
    dilation_rate : int or (int, int), default=1

    ``__init__`` only stores the settings as given; they are checked, the geometry is
    computed and the settings stored resolved (``5`` as ``(5, 5)``) when first read
    (``output_size_``, :meth:`plot`, ...), so wrong settings raise then.
    :meth:`from_params` checks and computes at once; :meth:`from_result` builds the
    display from computed geometry.

    Attributes
    ----------
    rows_, cols_ : vizcnn.arithmetic.AxisGeometry
        Geometry along the height and the width (padding, output size, taps).
    output_size_ : (int, int)
    padding_ : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` padding cells.
    position_ : (int, int)
        The highlighted output cell (see :meth:`plot` / :meth:`update`).
    view_ : {"diagram", "positions"}
        What the last :meth:`plot` (one diagram) or :meth:`plot_positions` (small
        multiples) drew; :meth:`update` redraws that view, in the same figure.
    figure_ : matplotlib.figure.Figure
        The figure of the current view.
    axes_ : np.ndarray of matplotlib.axes.Axes, shape (nrows, ncols)
        Every Axes of the current view (``(1, 1)`` for the diagram).
    ax_ : matplotlib.axes.Axes
        ``axes_.flat[0]``: the diagram's Axes, or the first panel.
    artists_ : dict or None
        The diagram's artists by name (``"input"``, ``"output"``, ``"taps"``,
        ``"window"``, ``"current"``, ...); None in the ``"positions"`` view.
    panels_ : list of dict or None
        One dict per small-multiple panel (see
        :func:`vizcnn.display.conv_windows.draw_window_panels`); None in the diagram view.
    legend_ : matplotlib.legend.Legend or None

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind, and settings Keras refuses (see
        :func:`vizcnn.conv_output_size`).

    Examples
    --------
    >>> import vizcnn as vz
    >>> disp = vz.ConvArithmeticDisplay(7, 4, padding="same")
    >>> h, w = disp.output_size_
    >>> disp = disp.plot(position=(h - 1, w - 1))  # the last window
    >>> disp.padding_
    ((1, 2), (1, 2))
    """

    def __init__(self, input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
        # stored as given: checked, and the geometry computed, when first needed
        self.input_size = input_size
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.dilation_rate = dilation_rate
        self._axes = None

    @classmethod
    def from_params(cls, input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
        """Compute the geometry of these settings now (raising for impossible ones) and
        build the display from it: :meth:`from_result`. Same parameters as the class."""
        settings = dict(strides=strides, padding=padding, dilation_rate=dilation_rate)
        return cls.from_result(
            *cls._geometry(input_size=input_size, kernel_size=kernel_size, **settings)
        )

    @classmethod
    def from_result(cls, rows, cols):
        """A display of computed geometry: the :class:`vizcnn.arithmetic.AxisGeometry` of
        the height (``rows``) and of the width (``cols``), as from
        :func:`vizcnn.arithmetic.conv_geometry`."""
        for name, axis in (("rows", rows), ("cols", cols)):
            if not isinstance(axis, AxisGeometry):
                raise TypeError(f"{name} must be an AxisGeometry, got {type(axis).__name__}")
        if rows.padding != cols.padding:
            raise ValueError(f"rows and cols must share one padding, got {rows.padding!r} "
                             f"and {cols.padding!r}")  # fmt: skip
        display = cls.__new__(cls)
        display._apply((rows, cols))
        return display

    @staticmethod
    def _geometry(*, input_size, kernel_size, strides, padding, dilation_rate):
        """Validate the settings and compute both axes, without changing ``self``."""
        return conv_geometry(
            check_int_pair(input_size, "input_size"),
            check_int_pair(kernel_size, "kernel_size"),
            strides=None if strides is None else check_int_pair(strides, "strides"),
            padding=check_one_of(padding, "padding", PADDINGS, ignore_case=True),
            dilation_rate=check_int_pair(dilation_rate, "dilation_rate"),
        )

    def _apply(self, geometry):
        self._axes = r, c = tuple(geometry)
        self.input_size = (r.input_size, c.input_size)
        self.kernel_size = (r.kernel_size, c.kernel_size)
        self.strides = (r.strides, c.strides)
        self.padding = r.padding
        self.dilation_rate = (r.dilation_rate, c.dilation_rate)

    def _computed(self):
        if self._axes is None:  # first use: compute the stored settings' geometry
            self._apply(self._geometry(**{name: getattr(self, name) for name in _SETTINGS}))
        return self._axes

    @property
    def rows_(self):
        return self._computed()[0]

    @property
    def cols_(self):
        return self._computed()[1]

    @property
    def output_size_(self):
        r, c = self._computed()
        return (r.output_size, c.output_size)

    @property
    def padding_(self):
        r, c = self._computed()
        return ((r.pad_before, r.pad_after), (c.pad_before, c.pad_after))

    # ------------------------------------------------------------------ compute
    def cell_categories(self):
        """Kind of every cell of the padded input: :func:`vizcnn.arithmetic.cell_categories`
        of :attr:`rows_` and :attr:`cols_` (indices into ``("input", "unread", "padding",
        "extra")``)."""
        return cell_categories(self.rows_, self.cols_)

    def window(self, position=None):
        """Input coordinates ``(rows, cols)`` of the taps of output cell ``position``.

        ``position`` is a ``(row, column)`` output cell, ``None`` for the centre one.
        Negative coordinates and those past the input are padding cells.
        """
        i, j = check_position(position, self.output_size_)
        return self.rows_.taps(i), self.cols_.taps(j)

    # ------------------------------------------------------------------ draw
    def plot(self, *, ax=None, position=(0, 0), title=None, legend=True, labels=True, arrow=True):
        """Draw the padded input, the window of ``position`` and the output grid.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure sized to the grids when None.
        position : (int, int) or None, default=(0, 0)
            Output cell to highlight (non-negative indices); None for the centre cell.
            The last window is ``(h - 1, w - 1)`` with ``h, w = disp.output_size_``.
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
        check_ax(ax)
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str or None, got {type(title).__name__}")
        legend, labels = check_bool(legend, "legend"), check_bool(labels, "labels")
        arrow = check_bool(arrow, "arrow")
        position = check_position(position, self.output_size_)
        if ax is None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=diagram_figsize(self.rows_, self.cols_, legend=legend))
        self.view_, self.figure_, self.ax_ = "diagram", ax.figure, ax
        self.axes_ = np.array([[ax]], dtype=object)
        self.panels_ = None
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
        arrowprops = dict(
            arrowstyle="-|>", color=COLORS["tap"], lw=1.4, shrinkA=2, shrinkB=4,
            connectionstyle="arc3,rad=-0.2",
        )  # fmt: skip
        a["arrow"] = ax.annotate("", xy=(0, 0), xytext=(0, 0), arrowprops=arrowprops, zorder=6)
        a["message"] = ax.text(
            0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", wrap=True, color="C3"
        )
        a["title"] = ax.set_title("")
        self.legend_ = None
        if legend:
            self.legend_ = ax.legend(
                handles=legend_handles(),
                loc="upper center",
                bbox_to_anchor=(0.5, 0.0),
                ncol=4,
                fontsize=8,
                handlelength=1.2,
                columnspacing=1.0,
            )
        self.update(position=position)
        return self

    def plot_positions(self, *, max_positions=36, ncols=None, figsize=None):
        """Small multiples: the window of every output position, one panel each.

        Always draws a new figure; a later :meth:`update` redraws the panels for the new
        settings in that same figure.

        Parameters
        ----------
        max_positions : int, default=36
            Draw at most this many positions (row-major, from the first), at most
            ``MAX_POSITIONS`` (64).
        ncols : int, optional
            Panels per row (default: the output width, capped at 8, widened where the
            rows would not fit ``MAX_INCHES``).
        figsize : (float, float), optional
            Default: 1.6 inches per panel (recomputed by :meth:`update`); at most
            ``MAX_INCHES`` (30) a side.

        Returns
        -------
        self
            ``view_ == "positions"``, with ``figure_``, ``axes_`` (2-D array of Axes),
            ``ax_ = axes_.flat[0]`` and ``panels_``.

        Raises ValueError, before any drawing, for ``max_positions`` above
        ``MAX_POSITIONS`` or a figure larger than ``MAX_INCHES`` a side.
        """
        import matplotlib.pyplot as plt

        max_positions = check_positive_int(max_positions, "max_positions")
        ncols = None if ncols is None else check_positive_int(ncols, "ncols")
        figsize = None if figsize is None else check_figsize(figsize)
        options = (max_positions, ncols, figsize)
        positions_layout(self.output_size_, options)  # too large: refused before drawing
        self._panel_options = options
        self.view_, self.figure_ = "positions", plt.figure(figsize=(1, 1))
        self.artists_ = self.legend_ = None
        self._draw_positions()
        return self

    def _draw_positions(self):
        positions, ncols, size = positions_layout(self.output_size_, self._panel_options)
        self.figure_.set_size_inches(size)
        self.axes_, self.panels_ = draw_window_panels(
            self.figure_, self.rows_, self.cols_, positions, ncols
        )
        self.ax_ = self.axes_.flat[0]

    def update(self, *, position=_KEEP, **settings):
        """Change settings and/or the highlighted cell, and redraw the current view.

        The diagram's artists move in place (same figure, same artists); the small
        multiples of :meth:`plot_positions` are redrawn in the same figure.

        Parameters
        ----------
        position : (int, int) or None, optional
            New output cell (non-negative indices); None for the centre cell. When
            omitted, the current cell is kept, clipped to the new output size.
        **settings
            Any of ``input_size``, ``kernel_size``, ``strides``, ``padding``,
            ``dilation_rate``.

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            For unknown names, impossible settings or a position outside the (new)
            output; the display keeps its previous state.
        """
        unknown = set(settings) - set(_SETTINGS)
        if unknown:
            raise TypeError(f"update() got unknown settings {sorted(unknown)}")
        current = {name: getattr(self, name) for name in _SETTINGS}
        geometry = self._geometry(**{**current, **settings}) if settings else None
        output_size = self.output_size_ if geometry is None else tuple(
            g.output_size for g in geometry
        )  # fmt: skip
        if position is _KEEP:
            old = getattr(self, "position_", (0, 0))
            position = tuple(min(p, n - 1) for p, n in zip(old, output_size, strict=True))
        position = check_position(position, output_size)
        if getattr(self, "view_", None) == "positions":  # a figure too large is refused here
            positions_layout(output_size, self._panel_options)
        if geometry is not None:
            self._apply(geometry)
        self.position_ = position
        view = getattr(self, "view_", None)
        if view == "diagram":
            self._redraw()
        elif view == "positions":
            self._draw_positions()
        return self

    def show_message(self, text):
        """Hide the drawing and show ``text`` instead (for impossible settings); the next
        :meth:`update` draws again."""
        if getattr(self, "view_", None) != "diagram":
            raise RuntimeError("show_message() needs the diagram: call plot() first")
        for name, artist in self.artists_.items():
            artist.set_visible(name == "message")
        self.artists_["message"].set_text(str(text))
        self.figure_.canvas.draw_idle()
        return self

    def _redraw(self):
        redraw_diagram(
            self.ax_,
            self.artists_,
            self.rows_,
            self.cols_,
            self.position_,
            labels=self._labels,
            arrow=self._show_arrow,
            title=self._title,
        )
        self.figure_.canvas.draw_idle()
