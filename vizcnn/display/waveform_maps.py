"""WaveformFeatureMapDisplay: a 1-D layer's feature maps as a time × channel heat map,
under the waveform they were computed from."""

from __future__ import annotations

import numpy as np

from vizcnn.display._grid import given_axes
from vizcnn.display._waveform import (
    check_sample_rate,
    check_waveform,
    draw_waveform,
    time_label,
    unit_extent,
)
from vizcnn.language import text
from vizcnn.style import ACTIVATION_CMAP, SIGNED_CMAP
from vizcnn.validation import check_array, check_bool, check_int, check_positive_int


class WaveformFeatureMapDisplay:
    """One sequence (a sound) and a 1-D layer's feature maps, on one time axis.

    Top: the waveform. Below: the maps as a heat map, one row per channel, time running
    left to right as in the waveform above it, so a channel that fires on a burst of
    sound lights up under that burst.

    Parameters
    ----------
    waveform : array-like, shape (T, C) or (T,)
        The model's input for one example.
    maps : array-like, shape (T', C')
        The layer's maps for it (``vz.feature_maps(model, x, layer)[i]``); unit ``t'``
        is drawn over the steps ``t' T / T' .. (t' + 1) T / T'``.
    layer_name : str, optional
        Named in the title.
    channels : sequence of int, optional
        The channel numbers of ``maps``' rows, for the axis (default 0..C'-1).
    sample_rate : float, optional
        Samples per second: time in seconds; default time in samples.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes, shape (2,)
        The waveform's Axes, then the maps'.
    lines_ : list of matplotlib.lines.Line2D
        The waveform, one line per input channel.
    image_ : matplotlib.image.AxesImage
        The heat map, ``maps.T``.
    colorbar_ : matplotlib.colorbar.Colorbar or None
    """

    def __init__(self, waveform, maps, *, layer_name=None, channels=None, sample_rate=None):
        self.waveform = waveform
        self.maps = maps
        self.layer_name = layer_name
        self.channels = channels
        self.sample_rate = sample_rate

    @classmethod
    def from_model(
        cls, model, x, *, layer, index: int = 0, max_maps: int = 64, channels=None, **options
    ):
        """Compute the maps of ``x[index]`` at ``layer`` and draw them under it.

        Parameters
        ----------
        model : keras.Model
            A 1-D model, taking ``(N, T, C)``.
        x : array-like, shape (N, T, C)
            A batch; only ``x[index]`` runs through the model.
        layer : str or keras.layers.Layer
            A layer with maps ``(N, T', C')`` (a ``Conv1D``, a pooling layer...).
        index : int, default=0
        max_maps : int, default=64
            Draw at most this many channels (the first ones unless ``channels`` is given).
        channels : sequence of int, optional
        **options
            ``sample_rate`` and :meth:`plot`'s options.
        """
        from vizcnn.display.feature_maps import select_channels
        from vizcnn.inspection import feature_maps, find_layer
        from vizcnn.validation import check_batch

        max_maps = check_positive_int(max_maps, "max_maps")
        x = check_batch(model, x)
        if x.ndim != 3:
            raise ValueError(
                f"{cls.__name__} draws 1-D models (x shaped (N, T, C)); model {model.name!r} "
                "takes images: use vz.FeatureMapDisplay"
            )
        index = check_int(index, "index", minimum=0, maximum=len(x) - 1)
        target = find_layer(model, layer)[-1]
        maps = feature_maps(model, x[index : index + 1], target)[0]
        if maps.ndim != 2:
            raise ValueError(
                f"layer {target.name!r} outputs shape {maps.shape} per example; the heat map "
                "needs maps (T', C'), e.g. a Conv1D or pooling layer"
            )
        chosen = select_channels(maps[None], channels, max_maps=max_maps, layer_name=target.name)
        return cls.from_result(
            x[index], maps[:, chosen], layer_name=target.name, channels=chosen, **options
        )

    @classmethod
    def from_result(
        cls, waveform, maps, *, layer_name=None, channels=None, sample_rate=None, **plot_kwargs
    ):
        """Draw maps already computed under their waveform (options as in ``__init__``;
        the rest go to :meth:`plot`)."""
        display = cls(
            waveform, maps, layer_name=layer_name, channels=channels, sample_rate=sample_rate
        )
        return display.plot(**plot_kwargs)

    def plot(self, *, ax=None, cmap=None, colorbar: bool = True):
        """Draw the waveform and, under it, the heat map.

        Parameters
        ----------
        ax : pair of matplotlib.axes.Axes, optional
            The waveform's Axes and the maps'; a new figure when None.
        cmap : str, optional
            Default: a signed map centred on 0 when any value is negative, else viridis.
        colorbar : bool, default=True

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        wave = check_waveform(self.waveform)
        maps = check_array(self.maps, "maps", ndim=2, shape_text="(T', C')", what="maps")
        channels = _check_channels(self.channels, maps.shape[1])
        rate = check_sample_rate(self.sample_rate)
        colorbar = check_bool(colorbar, "colorbar")
        if ax is None:
            self.figure_, axes = plt.subplots(
                2,
                1,
                figsize=(7.0, 1.2 + 0.12 * min(len(channels), 40) + 1.0),
                sharex=True,
                height_ratios=(1, 2),
                layout="constrained",
            )
        else:
            self.figure_, axes = given_axes(ax, 2)
        self.axes_ = np.asarray(axes, dtype=object).reshape(-1)[:2]
        top, bottom = self.axes_
        self.lines_ = draw_waveform(top, wave, rate)
        top.set_ylabel(text("display.waveform.amplitude"), fontsize=8)
        negative = bool((maps < 0).any())
        limit = float(np.abs(maps).max()) or 1.0
        scale = {"vmin": -limit, "vmax": limit} if negative else {"vmin": 0.0, "vmax": limit}
        left, right = unit_extent(len(wave), rate)
        self.image_ = bottom.imshow(
            maps.T,
            aspect="auto",
            origin="lower",
            interpolation="nearest",
            cmap=cmap or (SIGNED_CMAP if negative else ACTIVATION_CMAP),
            extent=(left, right, -0.5, len(channels) - 0.5),
            **scale,
        )
        bottom.set_xlim(left, right)
        ticks = np.arange(len(channels)) if len(channels) <= 16 else None
        if ticks is not None:
            bottom.set_yticks(ticks, [str(c) for c in channels], fontsize=7)
        bottom.set_ylabel(text("display.waveform.channel"), fontsize=8)
        bottom.set_xlabel(time_label(rate), fontsize=8)
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = self.figure_.colorbar(self.image_, ax=bottom, pad=0.01, fraction=0.04)
            self.colorbar_.ax.tick_params(labelsize=7)
        if self.layer_name:
            top.set_title(
                text("display.waveform.maps_title", layer=self.layer_name, steps=maps.shape[0]),
                fontsize=9,
            )
        return self


def _check_channels(channels, n: int) -> list[int]:
    if channels is None:
        return list(range(n))
    channels = [check_int(c, "channels[i]", minimum=0) for c in channels]
    if len(channels) != n:
        raise ValueError(f"channels must name the {n} rows of maps, got {len(channels)} numbers")
    return channels
