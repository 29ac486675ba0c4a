"""FilterDisplay: draw the kernels of a convolution layer."""

from __future__ import annotations

import warnings

import numpy as np

from vizcnn.display._grid import Mosaic, bare, grid_shape, new_axes, transparent_gutters
from vizcnn.style import SIGNED_CMAP
from vizcnn.validation import check_array, check_bool, check_one_of, check_positive_int


class FilterDisplay:
    """The filters of a convolution layer, drawn as one mosaic image.

    A first layer over RGB input is drawn as colour patches (one per filter; grey is a
    zero weight, and every patch shares one scale). Other kernels are drawn per input
    channel: one row per filter, one column per input channel, on one signed colour
    scale (red positive, blue negative).

    Parameters
    ----------
    kernels : array-like, shape (kh, kw, c_in, c_out)
        The kernel, as returned by ``vz.filters``.
    layer_name : str, optional
        Used in titles.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    ax_ : matplotlib.axes.Axes
    image_ : matplotlib.image.AxesImage
        The mosaic.
    mode_ : {"rgb", "channels"}
    """

    def __init__(self, kernels, *, layer_name: str | None = None):
        # NaN/inf allowed: a diverged layer is drawn with a warning, not refused
        kernels = check_array(
            kernels, "kernels", ndim=4, shape_text="(kh, kw, c_in, c_out)", what="4-D", finite=False
        ).astype("float32")
        self.kernels = kernels
        self.layer_name = layer_name

    @classmethod
    def from_layer(cls, layer, **plot_kwargs):
        """Draw the filters of ``layer`` (a Conv2D-like layer)."""
        from vizcnn.inspection import filters

        return cls(filters(layer), layer_name=layer.name).plot(**plot_kwargs)

    @classmethod
    def from_model(cls, model, *, layer, **plot_kwargs):
        """Draw the filters of ``layer`` (name or object) of ``model``."""
        from vizcnn.inspection import filters, find_layer

        target = find_layer(model, layer)[-1]
        return cls(filters(target), layer_name=target.name).plot(**plot_kwargs)

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
    ):
        """Draw the filters.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when None.
        max_filters : int, optional
            Draw only the first ``max_filters`` filters (default: all).
        max_channels : int, default=8
            In ``"channels"`` mode, the first input channels to draw per filter.
        mode : {"auto", "rgb", "channels"}
            ``"auto"`` draws colour patches when there are 3 input channels.
        ncols : int, optional
            Patches per row in ``"rgb"`` mode.
        cmap : str, default="RdBu_r"
            Signed colour map for ``"channels"`` mode.
        colorbar : bool, default=True
            Add the shared colour scale (``"channels"`` mode).

        Returns
        -------
        self
        """
        kh, kw, c_in, c_out = self.kernels.shape
        n = (
            c_out
            if max_filters is None
            else min(check_positive_int(max_filters, "max_filters"), c_out)
        )
        max_channels = check_positive_int(max_channels, "max_channels")
        mode = check_one_of(mode, "mode", ("auto", "rgb", "channels"))
        colorbar = check_bool(colorbar, "colorbar")
        if ncols is not None:
            ncols = check_positive_int(ncols, "ncols")
        if mode == "rgb" and c_in != 3:
            raise ValueError(f"mode='rgb' needs 3 input channels, the kernel has {c_in}")
        self.mode_ = ("rgb" if c_in == 3 else "channels") if mode == "auto" else mode
        kernels = self.kernels[..., :n]
        bad = int(kernels.size - np.count_nonzero(np.isfinite(kernels)))
        if bad:  # a diverged training: say so instead of drawing a blank picture
            warnings.warn(
                f"{bad} weights are NaN or infinite (drawn blank): the layer is broken",
                RuntimeWarning,
                stacklevel=2,
            )
            kernels = np.where(np.isfinite(kernels), kernels, np.nan)
        name = self.layer_name or "filters"
        scale = 0.32 / max(kh, kw)  # inches per kernel pixel: a 3x3 patch is ~0.3 in
        if self.mode_ == "rgb":
            nrows, ncols = grid_shape(n, ncols)
            self._positions = [divmod(f, ncols) for f in range(n)]
            self.mosaic_ = Mosaic(nrows, ncols, kh, kw)
            limit = float(np.nanmax(np.abs(kernels), initial=0.0)) or 1.0
            panels = [0.5 + kernels[..., f] / (2 * limit) for f in range(n)]  # grey = 0
            mosaic = self.mosaic_.assemble(panels, self._positions, depth=3)
            rgba = np.concatenate([np.nan_to_num(mosaic, nan=1.0), ~np.isnan(mosaic[..., :1])], -1)
            self.figure_, self.ax_ = new_axes(
                ax, width_px=self.mosaic_.width, height_px=self.mosaic_.height, scale=scale * 1.6
            )
            self.image_ = self.ax_.imshow(rgba, interpolation="nearest")
            for f, (row, col) in enumerate(self._positions):
                top, left = self.mosaic_.origin(row, col)
                self.ax_.text(left + kw / 2 - 0.5, top - 0.6, str(f), ha="center", fontsize=6)
            title = f"{name}: {n} filters as RGB patches (grey = 0)"
        else:
            channels = min(c_in, max_channels)
            self._positions = [(f, c) for f in range(n) for c in range(channels)]
            self.mosaic_ = Mosaic(n, channels, kh, kw)
            panels = [kernels[:, :, c, f] for f, c in self._positions]
            limit = float(np.nanmax(np.abs(kernels[:, :, :channels]), initial=0.0)) or 1.0
            self.figure_, self.ax_ = new_axes(
                ax,
                width_px=self.mosaic_.width,
                height_px=self.mosaic_.height,
                scale=scale,
                extra_width=1.0 if colorbar else 0.0,
            )
            self.image_ = self.ax_.imshow(
                self.mosaic_.assemble(panels, self._positions),
                cmap=transparent_gutters(cmap),
                vmin=-limit,
                vmax=limit,
                interpolation="nearest",
            )
            for c in range(channels):
                top, left = self.mosaic_.origin(0, c)
                self.ax_.text(left + kw / 2 - 0.5, -1, f"in {c}", ha="center", fontsize=7)
            for f in range(n):
                top, _ = self.mosaic_.origin(f, 0)
                self.ax_.text(
                    -1, top + kh / 2 - 0.5, f"filter {f}", ha="right", va="center", fontsize=7
                )
            if colorbar:
                self.figure_.colorbar(self.image_, ax=self.ax_, shrink=0.8, label="weight")
            title = f"{name}: {n} filters x {channels} input channels ({kh}x{kw})"
        if bad:
            title += f"\n{bad} weights are NaN or infinite (drawn blank)"
        bare(self.ax_)
        self.ax_.set_title(title, pad=14)
        return self

    def panel(self, i: int) -> np.ndarray:
        """The array drawn in panel ``i`` (RGB patch, or one filter-channel slice)."""
        row, col = self._positions[i]
        drawn = self.mosaic_.extract(self.image_.get_array(), row, col)
        return np.asarray(drawn)[..., :3] if self.mode_ == "rgb" else np.asarray(drawn)
