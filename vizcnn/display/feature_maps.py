"""FeatureMapDisplay: draw the feature maps of one image at one layer."""

from __future__ import annotations

import warnings

import numpy as np

from vizcnn.display._axes import check_ax
from vizcnn.display._grid import Mosaic, bare, grid_shape, new_axes, transparent_gutters
from vizcnn.language import text
from vizcnn.style import ACTIVATION_CMAP, SIGNED_CMAP
from vizcnn.validation import (
    check_array,
    check_bool,
    check_images,
    check_int,
    check_positive_int,
)


class FeatureMapDisplay:
    """Feature maps of one image, one panel per channel, drawn as one mosaic image.

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
    maps_ : numpy.ndarray, shape (H, W, C)
        The checked maps drawn (float32); ``channels_`` their channel numbers.
    figure_ : matplotlib.figure.Figure
    ax_ : matplotlib.axes.Axes
    image_ : matplotlib.image.AxesImage
        The mosaic; update with :meth:`set_maps`.
    titles_ : list of matplotlib.text.Text, one per panel
        The channel number (``"ch 5"``); the layer is named once, in the Axes title.
    vmin_, vmax_ : float
        The colour scale (shared by every panel unless ``shared_scale=False``, in which
        case each panel is scaled to its own range before drawing).
    """

    def __init__(self, maps, *, layer_name: str | None = None, channels=None):
        self.maps = maps
        self.layer_name = layer_name
        self.channels = channels

    @classmethod
    def from_result(cls, maps, *, layer_name: str | None = None, channels=None, **plot_kwargs):
        """Draw maps already computed (``vz.feature_maps(...)[i]``); ``**plot_kwargs`` go
        to :meth:`plot`."""
        return cls(maps, layer_name=layer_name, channels=channels).plot(**plot_kwargs)

    @classmethod
    def from_model(
        cls,
        model,
        x,
        layer,
        *,
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

        check_ax(plot_kwargs.get("ax"))  # before any TensorFlow work
        max_maps = check_positive_int(max_maps, "max_maps")
        x = check_images(x, "x")
        image_index = check_int(image_index, "image_index", minimum=0, maximum=len(x) - 1)
        target = find_layer(model, layer)[-1]
        maps = feature_maps(model, x[image_index : image_index + 1], target)[0]
        channels = select_channels(maps, channels, max_maps=max_maps, layer_name=target.name)
        return cls.from_result(
            maps[..., channels], layer_name=target.name, channels=channels, **plot_kwargs
        )

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
        ax : matplotlib.axes.Axes, optional
            Where to draw the mosaic; a new figure when None.
        ncols : int, optional
            Panels per row.
        cmap : str, optional
            Default: a signed map centred on 0 when any value is negative, else viridis.
        shared_scale : bool, default=True
            One colour scale for all panels, so brightness compares across channels.
        colorbar : bool, default=True
            Add the colour bar (only with a shared scale).
        title : str, optional
            Axes title (default names the layer and the map size).

        Returns
        -------
        self
        """
        check_ax(ax)
        self.maps_, self.channels_ = _check_maps(self.maps, self.channels)
        h, w, n = self.maps_.shape
        self.shared_scale = check_bool(shared_scale, "shared_scale")
        colorbar = check_bool(colorbar, "colorbar")
        if ncols is not None:
            ncols = check_positive_int(ncols, "ncols")
        nrows, ncols = grid_shape(n, ncols, aspect=h / w)
        # a gutter tall enough for each panel's title, narrow between columns
        self.mosaic_ = Mosaic(nrows, ncols, h, w, row_gap=max(2, h // 5), col_gap=max(1, w // 25))
        self._positions = [divmod(i, ncols) for i in range(n)]
        scale = 1.6 / max(w, h) if n > 1 else 4.0 / max(w, h)  # inches per pixel
        extra = 1.0 if colorbar and shared_scale else 0.0
        self.figure_, self.ax_ = new_axes(
            ax,
            width_px=self.mosaic_.width,
            height_px=self.mosaic_.height,
            scale=scale,
            extra_width=extra,
        )
        negative = bool((self.maps_ < 0).any())  # NaN compares False
        self.cmap_ = transparent_gutters(cmap or (SIGNED_CMAP if negative else ACTIVATION_CMAP))
        self.image_ = self.ax_.imshow(self._mosaic(), cmap=self.cmap_, interpolation="nearest")
        self._set_scale()
        self.titles_ = []
        for row, col in self._positions:
            top, left = self.mosaic_.origin(row, col)
            self.titles_.append(
                self.ax_.text(left + w / 2, top - 0.6, "", ha="center", va="bottom", fontsize=7)
            )
        self._set_titles()
        bare(self.ax_)
        self._given_title = title
        self.ax_.set_title(title or self._default_title(), pad=18)
        if colorbar and shared_scale:
            label = text("display.feature_map.activation")
            self.figure_.colorbar(self.image_, ax=self.ax_, shrink=0.8, label=label)
        return self

    def set_maps(self, maps, *, channels=None, layer_name: str | None = None):
        """Replace the drawn maps in place (same number of panels, same size).

        For widgets: one ``set_data`` on the mosaic, new titles, ``draw_idle``.
        """
        maps, channels = _check_maps(maps, channels)
        if maps.shape != self.maps_.shape:
            raise ValueError(
                f"maps must keep the drawn shape {self.maps_.shape}, got {maps.shape}; "
                "make a new display for a different layer"
            )
        self.maps, self.channels = self.maps_, self.channels_ = maps, channels
        if layer_name is not None:
            self.layer_name = layer_name
            if self._given_title is None:  # the layer is named there, and only there
                self.ax_.set_title(self._default_title(), pad=18)
        self.image_.set_data(self._mosaic())
        self._set_scale()
        self._set_titles()
        self.figure_.canvas.draw_idle()
        return self

    def panel(self, i: int) -> np.ndarray:
        """The array drawn in panel ``i`` (as it was put into the mosaic)."""
        row, col = self._positions[i]
        return self.mosaic_.extract(self.image_.get_array().filled(np.nan), row, col)

    def _default_title(self) -> str:
        h, w, n = self.maps_.shape
        name = self.layer_name or text("display.feature_map.default_name")
        return text("display.feature_map.title", name=name, n=n, h=h, w=w) + self._broken()

    def _broken(self) -> str:
        """A warning, and words for the title, when the model produced NaN or inf."""
        bad = int(self.maps_.size - np.count_nonzero(np.isfinite(self.maps_)))
        if not bad:
            return ""
        message = text("display.feature_map.broken", language="en", bad=bad)  # to Python: English
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        return "\n" + text("display.feature_map.broken", bad=bad)

    def _mosaic(self):
        maps = np.where(np.isfinite(self.maps_), self.maps_, np.nan)
        if not self.shared_scale:  # each panel to its own range: [-1, 1] or [0, 1]
            limits = np.nanmax(np.abs(maps), axis=(0, 1), initial=0.0)
            maps = maps / np.where(limits > 0, limits, 1.0)
        panels = [maps[..., i] for i in range(maps.shape[-1])]
        return self.mosaic_.assemble(panels, self._positions)

    def _set_scale(self):
        finite = self.maps_[np.isfinite(self.maps_)]  # NaN/inf must not blank every panel
        if finite.size == 0:
            finite = np.zeros(1, dtype="float32")
        negative = bool((finite < 0).any())
        if not self.shared_scale:
            self.vmin_, self.vmax_ = (-1.0 if negative else 0.0), 1.0
        elif negative:
            limit = float(np.abs(finite).max()) or 1.0
            self.vmin_, self.vmax_ = -limit, limit
        else:
            self.vmin_, self.vmax_ = 0.0, float(finite.max()) or 1.0
        self.image_.set_clim(self.vmin_, self.vmax_)

    def _set_titles(self):
        # the layer is named once, in the title above the mosaic: a long name
        # (ConvNeXt, NASNet) repeated in every panel would overlap its neighbours
        for title, channel in zip(self.titles_, self.channels_, strict=True):
            title.set_text(text("display.feature_map.channel", channel=channel))


def _check_maps(maps, channels):
    # NaN/inf allowed: drawing a broken model's maps is the point (the display warns)
    maps = check_array(
        maps, "maps", ndim=3, shape_text="(H, W, C)", what="one image's feature maps", finite=False
    ).astype("float32")
    if channels is None:
        channels = list(range(maps.shape[-1]))
    else:
        channels = [check_int(c, "channels[i]", minimum=0) for c in channels]
    if len(channels) != maps.shape[-1]:
        raise ValueError(
            f"channels must name each of the {maps.shape[-1]} maps, got {len(channels)}"
        )
    return maps, channels


def select_channels(maps, channels, *, max_maps: int, layer_name: str) -> list[int]:
    """Validate a channel choice against one image's ``maps`` (H, W, C); cap at max_maps."""
    if maps.ndim != 3:
        raise ValueError(
            f"layer {layer_name!r} outputs shape {maps.shape} per image; feature maps "
            "need a spatial layer (H, W, C), e.g. a Conv2D or pooling layer"
        )
    if channels is None:
        return list(range(min(max_maps, maps.shape[-1])))
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__iter__"):
        raise TypeError(f"channels must be a sequence of ints, got {type(channels).__name__}")
    channels = [check_int(c, "channels[i]") for c in channels]
    if not channels:
        raise ValueError("channels is empty: name at least one channel")
    bad = [c for c in channels if not 0 <= c < maps.shape[-1]]
    if bad:
        raise ValueError(
            f"channels {bad} are out of range: layer {layer_name!r} has {maps.shape[-1]} channels"
        )
    return channels[:max_maps]
