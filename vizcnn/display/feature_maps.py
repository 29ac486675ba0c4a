"""FeatureMapDisplay: draw the feature maps of one image at one layer."""

from __future__ import annotations

import numpy as np

from vizcnn.display._grid import check_positive_int, panel_axes
from vizcnn.style import ACTIVATION_CMAP, SIGNED_CMAP


class FeatureMapDisplay:
    """Feature maps of one image, one panel per channel.

    Parameters
    ----------
    maps : array-like, shape (H, W, C)
        One image's feature maps (use ``vz.feature_maps(...)[i]``).
    layer_name : str, optional
        Used in titles.
    channels : sequence of int, optional
        The channel numbers of ``maps``' last axis, for titles (default 0..C-1).

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : np.ndarray of Axes, 2-D
    images_ : list of AxesImage, one per channel drawn (update with ``set_data``)
    vmin_, vmax_ : float
        The colour scale used (shared by every panel unless ``shared_scale=False``).
    """

    def __init__(self, maps, *, layer_name: str | None = None, channels=None):
        maps = np.asarray(maps, dtype="float32")
        if maps.ndim != 3:
            raise ValueError(
                f"maps must be one image's feature maps shaped (H, W, C), got shape {maps.shape}"
            )
        if channels is None:
            channels = range(maps.shape[-1])
        channels = [int(c) for c in channels]
        if len(channels) != maps.shape[-1]:
            raise ValueError(
                f"channels must name each of the {maps.shape[-1]} maps, got {len(channels)}"
            )
        self.maps = maps
        self.layer_name = layer_name
        self.channels = channels

    @classmethod
    def from_model(
        cls,
        model,
        x,
        *,
        layer,
        max_maps: int = 32,
        channels=None,
        image_index: int = 0,
        **plot_kwargs,
    ):
        """Compute and draw the feature maps of ``x[image_index]`` at ``layer``.

        Parameters
        ----------
        model : keras.Model
        x : array-like, shape (N, H, W, C)
            A batch; only ``x[image_index]`` is run through the model.
        layer : str or keras.layers.Layer
        max_maps : int, default=32
            Draw at most this many channels (the first ones unless ``channels`` is given).
        channels : sequence of int, optional
            Which channels to draw.
        image_index : int, default=0
        **plot_kwargs
            Passed to :meth:`plot`.
        """
        from vizcnn.inspection import feature_maps, find_layer

        max_maps = check_positive_int(max_maps, "max_maps")
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"x must be a batch shaped (N, H, W, C), got shape {x.shape}")
        if not -len(x) <= image_index < len(x):
            raise ValueError(f"image_index must be in [0, {len(x)}), got {image_index}")
        target = find_layer(model, layer)[-1]
        maps = feature_maps(model, x[image_index : image_index + 1 or None], target)[0]
        if maps.ndim != 3:
            raise ValueError(
                f"layer {target.name!r} outputs shape {maps.shape} per image; feature maps "
                "need a spatial layer (H, W, C), e.g. a Conv2D or pooling layer"
            )
        if channels is None:
            channels = list(range(min(max_maps, maps.shape[-1])))
        else:
            channels = [int(c) for c in channels]
            bad = [c for c in channels if not 0 <= c < maps.shape[-1]]
            if bad:
                raise ValueError(
                    f"channels {bad} are out of range: layer {target.name!r} has "
                    f"{maps.shape[-1]} channels"
                )
            channels = channels[:max_maps]
        display = cls(maps[..., channels], layer_name=target.name, channels=channels)
        return display.plot(**plot_kwargs)

    def plot(
        self,
        *,
        ax=None,
        ncols: int | None = None,
        cmap=None,
        shared_scale: bool = True,
        colorbar: bool = True,
        title: str | None = None,
    ):
        """Draw one panel per channel.

        Parameters
        ----------
        ax : sequence of Axes, optional
            At least one Axes per channel; a new figure when None.
        ncols : int, optional
            Columns of the grid.
        cmap : str, optional
            Default: a signed map centred on 0 when any value is negative, else viridis.
        shared_scale : bool, default=True
            One colour scale for all panels, so brightness compares across channels.
        colorbar : bool, default=True
            Add the colour bar (only with a shared scale).
        title : str, optional
            Figure title (default names the layer and the map size).

        Returns
        -------
        self
        """
        h, w, n = self.maps.shape
        negative = bool((self.maps < 0).any())
        if cmap is None:
            cmap = SIGNED_CMAP if negative else ACTIVATION_CMAP
        if negative:
            limit = float(np.abs(self.maps).max()) or 1.0
            self.vmin_, self.vmax_ = -limit, limit
        else:
            self.vmin_ = 0.0
            self.vmax_ = float(self.maps.max()) or 1.0
        self.figure_, self.axes_ = panel_axes(n, ax=ax, ncols=ncols, aspect=h / w)
        self.images_ = []
        name = self.layer_name or "feature maps"
        for i, panel in enumerate(self.axes_.flat[:n]):
            scale = (
                {"vmin": self.vmin_, "vmax": self.vmax_}
                if shared_scale
                else _own_scale(self.maps[..., i], negative)
            )
            self.images_.append(panel.imshow(self.maps[..., i], cmap=cmap, **scale))
            panel.set_title(f"{name} ch {self.channels[i]}", fontsize=8, pad=2)
        self.figure_.suptitle(title or f"{name}: {n} feature maps, {h}x{w}")
        if colorbar and shared_scale:
            self.figure_.colorbar(self.images_[0], ax=self.axes_, shrink=0.6, label="activation")
        return self


def _own_scale(channel, negative):
    if negative:
        limit = float(np.abs(channel).max()) or 1.0
        return {"vmin": -limit, "vmax": limit}
    return {"vmin": 0.0, "vmax": float(channel.max()) or 1.0}
