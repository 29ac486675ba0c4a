"""FilterDisplay: draw the kernels of a convolution layer."""

from __future__ import annotations

import math
import warnings

import numpy as np

from vizcnn.display._axes import check_ax
from vizcnn.display._grid import GAP, Mosaic, bare, grid_shape, new_axes, transparent_gutters
from vizcnn.display.filter_indices import check_filter_indices
from vizcnn.language import text
from vizcnn.style import SIGNED_CMAP
from vizcnn.validation import (
    check_array,
    check_bool,
    check_int,
    check_number,
    check_one_of,
    check_positive_int,
)

LABEL_SPACE = 0.12  # inches above each grid panel for its filter index (6 pt text + margin)


class FilterDisplay:
    """The filters of a convolution layer, drawn as one mosaic image.

    Three layouts (``mode_``):

    ``"rgb"``
        A first layer over RGB input: one colour patch per filter (grey is a zero weight,
        and every patch shares one scale), in a grid.
    ``"grid"``
        A first layer over grey input (one input channel): one patch per filter in a
        near-square grid, each labelled with its filter index, on one symmetric signed
        colour scale (red positive, blue negative, white zero) with a colour bar. For a
        kernel with more input channels, ``mode="grid"`` draws one input channel this way.
    ``"channels"``
        Other kernels, per input channel: one row per filter, one column per input
        channel, on one signed colour scale.

    A depthwise kernel (``DepthwiseConv2D``, the depthwise part of ``SeparableConv2D``)
    holds one spatial kernel per input channel (times the depth multiplier), not filters
    over every channel: it is drawn in ``"grid"`` mode, one patch per kernel, labelled with
    its output channel ``c * multiplier + m``.

    Parameters
    ----------
    kernels : array-like, shape (kh, kw, c_in, c_out)
        The kernel, as returned by ``vz.filters``; ``(kh, kw, c_in, multiplier)`` when
        ``depthwise``.
    layer_name : str, optional
        Used in titles.
    depthwise : bool, default=False
        Whether ``kernels`` is a depthwise kernel (``from_layer`` and ``from_model`` set
        it from the layer).

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    ax_ : matplotlib.axes.Axes
    image_ : matplotlib.image.AxesImage
        The mosaic.
    mode_ : {"rgb", "grid", "channels"}
        The layout drawn.
    filter_indices_ : numpy.ndarray of int
        The filters drawn, in drawing order (original indices in the kernel).
    mosaic_ : Mosaic
        Where each panel sits in the image (``mosaic_.nrows`` x ``mosaic_.ncols`` panels).

    Examples
    --------
    >>> import numpy as np, vizcnn as vz
    >>> kernel = np.random.default_rng(0).normal(size=(7, 7, 1, 64))
    >>> display = vz.FilterDisplay(kernel, layer_name="conv1").plot()
    >>> display.mode_, (display.mosaic_.nrows, display.mosaic_.ncols)
    ('grid', (8, 8))
    >>> strongest = np.argsort(-np.abs(kernel).sum(axis=(0, 1, 2)))[:16]
    >>> display = vz.FilterDisplay(kernel).plot(filter_indices=strongest, ncols=8)
    """

    def __init__(self, kernels, *, layer_name: str | None = None, depthwise: bool = False):
        self.kernels = kernels
        self.layer_name = layer_name
        self.depthwise = depthwise

    @classmethod
    def from_result(
        cls, kernels, *, layer_name: str | None = None, depthwise: bool = False, **plot_kwargs
    ):
        """Draw a kernel already read (``vz.filters``); ``**plot_kwargs`` go to :meth:`plot`."""
        return cls(kernels, layer_name=layer_name, depthwise=depthwise).plot(**plot_kwargs)

    @classmethod
    def from_layer(cls, layer, *, part: str | None = None, **plot_kwargs):
        """Draw the filters of ``layer`` (a Conv2D-like layer).

        ``part`` picks a ``SeparableConv2D``'s kernel: ``"depthwise"`` (the default, its
        spatial kernels, one per input channel) or ``"pointwise"`` (its 1x1 mixing of
        channels); the title says which. See ``vz.filters``.
        """
        from vizcnn.inspection.activations import filters, is_depthwise

        check_ax(plot_kwargs.get("ax"))  # before reading the weights
        kernels = filters(layer, part=part)
        name = layer.name
        if type(layer).__name__ == "SeparableConv2D":
            name = f"{name} ({part or 'depthwise'} part)"
        depthwise = is_depthwise(layer, part)
        return cls.from_result(kernels, layer_name=name, depthwise=depthwise, **plot_kwargs)

    @classmethod
    def from_model(cls, model, layer, *, part: str | None = None, **plot_kwargs):
        """Draw the filters of ``layer`` (name or object) of ``model`` (see
        :meth:`from_layer` for ``part``)."""
        from vizcnn.inspection import find_layer

        check_ax(plot_kwargs.get("ax"))
        target = find_layer(model, layer)[-1]
        return cls.from_layer(target, part=part, **plot_kwargs)

    def plot(
        self,
        *,
        ax=None,
        max_filters: int | None = None,
        max_channels: int = 8,
        mode: str = "auto",
        ncols: int | None = None,
        cmap=SIGNED_CMAP,
        colorbar: bool = True,
        filter_indices=None,
        channel: int = 0,
        limit: float | None = None,
    ):
        """Draw the filters.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when None.
        max_filters : int, optional
            Draw only the first ``max_filters`` filters (default: all), or the first
            ``max_filters`` of ``filter_indices``.
        max_channels : int, default=8
            In ``"channels"`` mode, the first input channels to draw per filter.
        mode : {"auto", "rgb", "grid", "channels"}
            ``"auto"`` draws colour patches when there are 3 input channels, a grid when
            there is 1, and one row per filter otherwise.
        ncols : int, optional
            Patches per row in ``"rgb"`` and ``"grid"`` mode (default: a near-square grid
            in ``"grid"`` mode, a wide one in ``"rgb"`` mode).
        cmap : str, default="RdBu_r"
            Signed colour map for ``"grid"`` and ``"channels"`` mode.
        colorbar : bool, default=True
            Add the shared colour scale, labelled "weight" (``"grid"`` and ``"channels"``
            mode).
        filter_indices : sequence of int, optional
            The filters to draw, in this order (for instance sorted by a score); distinct
            indices in ``0..c_out - 1``. Panels are labelled with these original indices.
            Default: all filters, in order.
        channel : int, default=0
            The input channel drawn in ``"grid"`` mode, in ``0..c_in - 1``; any other
            value than 0 needs ``"grid"`` mode.
        limit : float, optional
            The colour scale runs from ``-limit`` to ``+limit`` (grey patches in ``"rgb"``
            mode: ``limit`` maps to full colour). Default: the largest absolute weight
            drawn. Give the same ``limit`` to two displays to compare them on one scale,
            e.g. a layer before and after training.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            For an option of the wrong kind (``filter_indices`` holding floats or strings,
            or given as a string or a single int).
        ValueError
            For an option out of range: ``filter_indices`` empty, repeating a filter, or
            naming one the kernel lacks; ``channel`` outside the input channels, or not 0
            outside ``"grid"`` mode; ``mode="rgb"`` without 3 input channels.
        """
        check_ax(ax)
        # NaN/inf allowed: a diverged layer is drawn with a warning, not refused
        stored = check_array(
            self.kernels,
            "kernels",
            ndim=4,
            shape_text="(kh, kw, c_in, c_out)",
            what="4-D",
            finite=False,
        ).astype("float32")
        depthwise = check_bool(self.depthwise, "depthwise")
        if depthwise:  # one kernel per input channel (x multiplier): a grid of them
            kh, kw, c_in, multiplier = self._depthwise_shape = stored.shape
            stored = stored.reshape(kh, kw, 1, c_in * multiplier)
            if check_one_of(mode, "mode", ("auto", "grid", "rgb", "channels")) != "auto":
                if mode != "grid":
                    raise ValueError(
                        f"a depthwise kernel is drawn in mode='grid' (one patch per input "
                        f"channel), got mode={mode!r}"
                    )
            mode = "grid"
        kh, kw, c_in, c_out = stored.shape
        if max_filters is not None:
            max_filters = check_positive_int(max_filters, "max_filters")
        max_channels = check_positive_int(max_channels, "max_channels")
        mode = check_one_of(mode, "mode", ("auto", "rgb", "grid", "channels"))
        colorbar = check_bool(colorbar, "colorbar")
        if ncols is not None:
            ncols = check_positive_int(ncols, "ncols")
        channel = check_int(channel, "channel", minimum=0)
        if channel >= c_in:
            raise ValueError(
                f"channel must be in 0..{c_in - 1} (the kernel has {c_in} input channels), "
                f"got {channel}"
            )
        indices = check_filter_indices(filter_indices, c_out)[:max_filters]
        if limit is not None:
            limit = check_number(limit, "limit", above=0)
        fixed_limit = limit
        if mode == "rgb" and c_in != 3:
            raise ValueError(f"mode='rgb' needs 3 input channels, the kernel has {c_in}")
        if mode == "auto":
            mode = {3: "rgb", 1: "grid"}.get(c_in, "channels")
        if channel and mode != "grid":
            raise ValueError(
                f"channel={channel} picks the input channel drawn in mode='grid', but this "
                f"draws mode={mode!r}: pass mode='grid'"
            )
        self.mode_ = mode
        self.filter_indices_ = indices
        n = len(indices)
        kernels = stored[..., indices]
        bad = int(kernels.size - np.count_nonzero(np.isfinite(kernels)))
        if bad:  # a diverged training: say so instead of drawing a blank picture
            warnings.warn(
                f"{bad} weights are NaN or infinite (drawn blank): the layer is broken",
                RuntimeWarning,
                stacklevel=2,
            )
            kernels = np.where(np.isfinite(kernels), kernels, np.nan)
        name = self.layer_name or text("display.filter.default_name")
        count = text(f"display.filter.count_{'all' if n == c_out else 'some'}", n=n, total=c_out)
        words = dict(name=name, count=count, kh=kh, kw=kw)  # what the titles fill in
        scale = 0.32 / max(kh, kw)  # inches per kernel pixel: a 3x3 patch is ~0.3 in
        if self.mode_ == "rgb":
            nrows, ncols = grid_shape(n, ncols)
            self._positions = [divmod(i, ncols) for i in range(n)]
            self.mosaic_ = Mosaic(nrows, ncols, kh, kw)
            limit = fixed_limit or float(np.nanmax(np.abs(kernels), initial=0.0)) or 1.0
            panels = [0.5 + kernels[..., i] / (2 * limit) for i in range(n)]  # grey = 0
            mosaic = self.mosaic_.assemble(panels, self._positions, depth=3)
            rgba = np.concatenate([np.nan_to_num(mosaic, nan=1.0), ~np.isnan(mosaic[..., :1])], -1)
            self.figure_, self.ax_ = new_axes(
                ax, width_px=self.mosaic_.width, height_px=self.mosaic_.height, scale=scale * 1.6
            )
            self.image_ = self.ax_.imshow(rgba, interpolation="nearest")
            self._label_panels(indices)
            title = text("display.filter.title_rgb", **words)
        elif self.mode_ == "grid":
            if ncols is None:  # near-square: 64 filters make 8 x 8
                ncols = math.ceil(math.sqrt(n))
            nrows, ncols = grid_shape(n, ncols)
            scale = scale * 1.6  # a 7x7 patch is ~0.5 in, as in "rgb" mode
            row_gap = max(GAP, math.ceil(LABEL_SPACE / scale))  # room for the labels
            self._positions = [divmod(i, ncols) for i in range(n)]
            self.mosaic_ = Mosaic(nrows, ncols, kh, kw, row_gap=row_gap)
            panels = [kernels[:, :, channel, i] for i in range(n)]
            limit = (
                fixed_limit or float(np.nanmax(np.abs(kernels[:, :, channel]), initial=0.0)) or 1.0
            )
            self._draw_signed(
                ax,
                panels,
                cmap,
                limit,
                scale,
                extra_width=0.8 if colorbar else 0.0,
                label_px=row_gap,
            )
            self._label_panels(indices)
            if colorbar:
                label = text("display.filter.weight")
                self.figure_.colorbar(
                    self.image_, ax=self.ax_, shrink=0.8, fraction=0.08, label=label
                )
            of = text("display.filter.of_channel", channel=channel, total=c_in) if c_in > 1 else ""
            title = text("display.filter.title_grid", of_channel=of, **words)
            if depthwise:
                words["count"] = _depthwise_count(n, self._depthwise_shape)
                title = text("display.filter.title_depthwise", **words)
        else:
            channels = min(c_in, max_channels)
            self._positions = [(row, c) for row in range(n) for c in range(channels)]
            self.mosaic_ = Mosaic(n, channels, kh, kw)
            panels = [kernels[:, :, c, row] for row, c in self._positions]
            limit = (
                fixed_limit
                or float(np.nanmax(np.abs(kernels[:, :, :channels]), initial=0.0))
                or 1.0
            )
            self._draw_signed(ax, panels, cmap, limit, scale, extra_width=1.0 if colorbar else 0.0)
            for c in range(channels):
                top, left = self.mosaic_.origin(0, c)
                label = text("display.filter.input_column", channel=c)
                self.ax_.text(left + kw / 2 - 0.5, -1, label, ha="center", fontsize=7)
            for row, f in enumerate(indices):
                top, _ = self.mosaic_.origin(row, 0)
                label = text("display.filter.filter_row", filter=f)
                self.ax_.text(-1, top + kh / 2 - 0.5, label, ha="right", va="center", fontsize=7)
            if colorbar:
                label = text("display.filter.weight")
                self.figure_.colorbar(self.image_, ax=self.ax_, shrink=0.8, label=label)
            title = text("display.filter.title_channels", channels=channels, **words)
        if bad:
            title += "\n" + text("display.filter.broken", bad=bad)
        bare(self.ax_)
        self.ax_.set_title(title, pad=14)
        return self

    def _draw_signed(self, ax, panels, cmap, limit, scale, *, extra_width, label_px=0) -> None:
        """Draw ``panels`` as one mosaic on one signed scale ``-limit..limit``.

        ``label_px`` mosaic pixels above it leave room for the first row's labels.
        """
        self.figure_, self.ax_ = new_axes(
            ax,
            width_px=self.mosaic_.width,
            height_px=self.mosaic_.height + label_px,
            scale=scale,
            extra_width=extra_width,
        )
        self.image_ = self.ax_.imshow(
            self.mosaic_.assemble(panels, self._positions),
            cmap=transparent_gutters(cmap),
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
        )

    def _label_panels(self, indices) -> None:
        """The filter index, small, above each patch of a grid."""
        kw = self.mosaic_.w
        for f, (row, col) in zip(indices, self._positions, strict=True):
            top, left = self.mosaic_.origin(row, col)
            self.ax_.text(left + kw / 2 - 0.5, top - 0.6, str(f), ha="center", fontsize=6)

    def panel(self, i: int) -> np.ndarray:
        """The array drawn in panel ``i``, in drawing order.

        An RGB patch (``"rgb"`` mode), the 2-D kernel of filter ``filter_indices_[i]``
        (``"grid"`` mode), or one filter-channel slice, row by row (``"channels"`` mode).
        """
        row, col = self._positions[i]
        drawn = self.mosaic_.extract(self.image_.get_array(), row, col)
        return np.asarray(drawn)[..., :3] if self.mode_ == "rgb" else np.asarray(drawn)


def _depthwise_count(n: int, shape) -> str:
    """``"12 of 384 depthwise kernels (3x3), one per input channel"`` and the like."""
    kh, kw, c_in, multiplier = shape
    total = c_in * multiplier
    count = text(f"display.filter.depthwise_{'all' if n == total else 'some'}", n=n, total=total)
    per = text(
        f"display.filter.{'one' if multiplier == 1 else 'many'}_per_channel", multiplier=multiplier
    )
    return f"{count} ({kh}x{kw}), {per}"
