"""WaveformGradCamDisplay: each sound with its Grad-CAM map as a band of colour behind it:
where in time the evidence for the class lies."""

from __future__ import annotations

import numpy as np

from vizcnn.display._grid import given_axes
from vizcnn.display._waveform import (
    check_sample_rate,
    draw_waveform,
    time_label,
    unit_extent,
)
from vizcnn.display.grad_cam import HEATMAP_CMAP, GradCamDisplay
from vizcnn.validation import check_array

_ROW = (7.0, 1.1)  # inches: width, height of one waveform's row


class WaveformGradCamDisplay(GradCamDisplay):
    """Sequences (sounds) with their Grad-CAM maps, one row each, time left to right.

    The map (``vz.grad_cam`` of a 1-D model, ``(N, T)`` in [0, 1]) is drawn as a band of
    colour behind the waveform, so the loud part that decided the class glows under it.
    Titles, classes and the colour bar are :class:`~vizcnn.GradCamDisplay`'s; only the
    pictures differ.

    Parameters
    ----------
    images : array-like, shape (N, T, C)
        The sequences (named ``images`` as in :class:`~vizcnn.GradCamDisplay`, whose
        arguments these are).
    heatmaps : array-like, shape (N, t)
        One map per sequence, values in [0, 1]; stretched over the sequence if ``t``
        differs from ``T``.
    sample_rate : float, optional
        Samples per second: time in seconds; default time in samples.
    predicted, confidence, y_true, class_names, class_index, layer_name
        As in :class:`~vizcnn.GradCamDisplay`.

    Attributes
    ----------
    figure_, axes_, titles_, colorbar_, heatmaps_, predicted_, ...
        As in :class:`~vizcnn.GradCamDisplay`; ``axes_`` holds one Axes per sequence.
    lines_ : list of list of matplotlib.lines.Line2D
        Each sequence's waveform.
    overlays_ : list of matplotlib.image.AxesImage
        The bands, one per sequence.
    """

    def __init__(self, images, heatmaps, *, predicted, sample_rate=None, **options):
        super().__init__(images, heatmaps, predicted=predicted, **options)
        self.sample_rate = sample_rate

    @classmethod
    def from_result(cls, images, heatmaps, *, predicted, sample_rate=None, **options):
        """Draw maps already computed behind their sequences (see
        :meth:`GradCamDisplay.from_result`)."""
        options.pop("ncols", None)  # one sequence per row
        display_options = {k: options.pop(k) for k in list(options) if k in _STORED}
        display = cls(
            images, heatmaps, predicted=predicted, sample_rate=sample_rate, **display_options
        )
        return display.plot(**options)

    @classmethod
    def from_model(cls, model, x, *, sample_rate=None, **options):
        """Predict, compute the Grad-CAM maps of the sequences ``x`` ``(N, T, C)`` and draw
        them; options as in :meth:`GradCamDisplay.from_model`."""
        from vizcnn.validation import check_batch

        if check_batch(model, x).ndim != 3:
            raise ValueError(
                f"{cls.__name__} draws 1-D models (x shaped (N, T, C)); model {model.name!r} "
                "takes images: use vz.GradCamDisplay"
            )
        options.pop("ncols", None)  # one sequence per row
        return super().from_model(model, x, sample_rate=sample_rate, **options)

    def _check(self) -> None:
        pictures = check_array(
            self.images, "images", ndim=3, shape_text="(N, T, C)", what="a batch of sequences"
        )
        heatmaps = check_array(
            self.heatmaps, "heatmaps", ndim=2, shape_text="(N, t)", what="a batch of maps"
        )
        # the base class checks the classes against a batch of (N, h, w) maps
        images, maps = self.images, self.heatmaps
        self.images, self.heatmaps = pictures[..., None], heatmaps[..., None]
        try:
            super()._check()
        finally:
            self.images, self.heatmaps = images, maps
        self._pictures = pictures.astype("float32")
        self.heatmaps_ = heatmaps.astype("float32")

    def plot(self, *, ax=None, alpha: float = 0.6, cmap=HEATMAP_CMAP, colorbar: bool = True):
        """Draw each sequence over its band.

        Parameters
        ----------
        ax : array-like of matplotlib.axes.Axes, optional
            At least one per sequence; a new figure (one row each) when None.
        alpha : float, default=0.6
            Opacity of the bands.
        cmap : str or matplotlib.colors.Colormap, default="inferno"
        colorbar : bool, default=True

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        alpha, colorbar = self._checked(alpha, colorbar)
        rate = check_sample_rate(self.sample_rate)
        n = len(self._pictures)
        if ax is None:
            self.figure_, axes = plt.subplots(
                n,
                1,
                figsize=(_ROW[0], _ROW[1] * n + 0.4),
                squeeze=False,
                sharex=True,
                layout="constrained",
            )
        else:
            self.figure_, axes = given_axes(ax, n)
        self.axes_ = np.asarray(axes, dtype=object)
        self.lines_, self.overlays_, self.titles_ = [], [], []
        used = list(self.axes_.flat)[:n]
        for i, axes_i in enumerate(used):
            wave = self._pictures[i]
            lines = draw_waveform(axes_i, wave, rate)
            low, high = float(wave.min()), float(wave.max())
            pad = 0.05 * (high - low or 1.0)
            left, right = unit_extent(len(wave), rate)
            self.overlays_.append(
                axes_i.imshow(
                    self.heatmaps_[i][None, :],
                    cmap=cmap,
                    vmin=0.0,
                    vmax=1.0,
                    alpha=alpha,
                    aspect="auto",
                    interpolation="bilinear",
                    extent=(left, right, low - pad, high + pad),
                    zorder=0,
                )
            )
            axes_i.set_ylim(low - pad, high + pad)
            self.lines_.append(lines)
            self._add_title(axes_i, i, self._title(i), loc="left")
            axes_i.tick_params(labelsize=7)
        used[-1].set_xlabel(time_label(rate), fontsize=8)
        for axes_i in list(self.axes_.flat)[n:]:
            axes_i.set_visible(False)
        self.images_ = []  # no picture under the bands: the lines are the sequences
        colorbar = dict(fraction=0.03, pad=0.01) if colorbar else None
        self._finish(own_figure=ax is None, used=used, cmap=cmap, colorbar=colorbar)
        return self


_STORED = ("confidence", "y_true", "class_names", "class_index", "layer_name")
