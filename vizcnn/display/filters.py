"""FilterDisplay: draw the kernels of a convolution layer."""

from __future__ import annotations

import numpy as np

from vizcnn.display._grid import check_positive_int, panel_axes
from vizcnn.style import SIGNED_CMAP


class FilterDisplay:
    """The filters of a convolution layer.

    A first layer over RGB input is drawn as colour patches (one per filter; grey is a
    zero weight, so every patch shares one scale). Other kernels are drawn per input
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
    axes_ : np.ndarray of Axes, 2-D
    images_ : list of AxesImage, one per drawn panel
    """

    def __init__(self, kernels, *, layer_name: str | None = None):
        kernels = np.asarray(kernels, dtype="float32")
        if kernels.ndim != 4:
            raise ValueError(
                f"kernels must be shaped (kh, kw, c_in, c_out), got shape {kernels.shape}"
            )
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
        ax : sequence of Axes, optional
            Enough Axes for the panels; a new figure when None.
        max_filters : int, optional
            Draw only the first ``max_filters`` filters (default: all).
        max_channels : int, default=8
            In ``"channels"`` mode, the first input channels to draw per filter.
        mode : {"auto", "rgb", "channels"}
            ``"auto"`` draws colour patches when there are 3 input channels.
        ncols : int, optional
            Columns of the grid in ``"rgb"`` mode.
        cmap : str, default="RdBu_r"
            Signed colour map for ``"channels"`` mode.
        colorbar : bool, default=True
            Add the shared colour scale (``"channels"`` mode).

        Returns
        -------
        self
        """
        _, _, c_in, c_out = self.kernels.shape
        n = (
            c_out
            if max_filters is None
            else min(check_positive_int(max_filters, "max_filters"), c_out)
        )
        max_channels = check_positive_int(max_channels, "max_channels")
        if mode not in ("auto", "rgb", "channels"):
            raise ValueError(f"mode must be 'auto', 'rgb' or 'channels', got {mode!r}")
        if mode == "rgb" and c_in != 3:
            raise ValueError(f"mode='rgb' needs 3 input channels, the kernel has {c_in}")
        if mode == "auto":
            mode = "rgb" if c_in == 3 else "channels"
        self.mode_ = mode
        kernels = self.kernels[..., :n]
        name = self.layer_name or "filters"
        if mode == "rgb":
            self._plot_rgb(kernels, ax=ax, ncols=ncols, name=name)
        else:
            self._plot_channels(
                kernels[:, :, :max_channels], ax=ax, cmap=cmap, colorbar=colorbar, name=name
            )
        return self

    def _plot_rgb(self, kernels, *, ax, ncols, name):
        n = kernels.shape[-1]
        limit = float(np.abs(kernels).max()) or 1.0
        patches = 0.5 + kernels / (2 * limit)  # one scale for all: grey = 0
        self.figure_, self.axes_ = panel_axes(n, ax=ax, ncols=ncols, panel_size=0.9)
        self.images_ = []
        for i, panel in enumerate(self.axes_.flat[:n]):
            self.images_.append(panel.imshow(patches[..., i], vmin=0, vmax=1))
            panel.set_title(f"{i}", fontsize=8, pad=2)
        self.figure_.suptitle(f"{name}: {n} filters as RGB patches (grey = 0)")

    def _plot_channels(self, kernels, *, ax, cmap, colorbar, name):
        kh, kw, c_in, n = kernels.shape
        limit = float(np.abs(kernels).max()) or 1.0
        if ax is None:
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(
                n, c_in, figsize=(0.9 * c_in + 1.2, 0.9 * n + 0.6), squeeze=False
            )
        else:
            fig, axes = panel_axes(n * c_in, ax=ax)
            axes = axes.reshape(-1)[: n * c_in].reshape(n, c_in)
        self.figure_, self.axes_ = fig, axes
        self.images_ = []
        for f in range(n):
            for c in range(c_in):
                panel = axes[f, c]
                image = panel.imshow(kernels[:, :, c, f], cmap=cmap, vmin=-limit, vmax=limit)
                self.images_.append(image)
                panel.set_xticks([])
                panel.set_yticks([])
                if f == 0:
                    panel.set_title(f"in {c}", fontsize=8, pad=2)
                if c == 0:
                    panel.set_ylabel(f"filter {f}", fontsize=8)
        fig.suptitle(f"{name}: {n} filters x {c_in} input channels ({kh}x{kw})")
        if colorbar:
            fig.colorbar(self.images_[0], ax=axes, shrink=0.6, label="weight")
