"""WaveformFilterDisplay: a 1-D convolution's filters as short waveforms, each above its
frequency response (what band of the sound it passes)."""

from __future__ import annotations

import math

import numpy as np

from vizcnn.display._waveform import WAVE_COLOUR, check_sample_rate
from vizcnn.language import text
from vizcnn.validation import check_array, check_int, check_ints, check_positive_int

_PANEL = (1.35, 0.85)  # inches per filter panel (width, height of each of its two rows)
_MAX_COLUMNS = 8


def frequency_responses(kernels, *, n_fft: int | None = None, sample_rate=None):
    """The magnitude of each filter's frequency response.

    Each kernel ``(k,)`` is zero-padded to ``n_fft`` taps and transformed with
    ``np.fft.rfft``: ``|H(f)| = |sum_t w[t] exp(-2 pi i f t)|`` at ``n_fft // 2 + 1``
    frequencies from 0 to the Nyquist frequency.

    Parameters
    ----------
    kernels : array-like, shape (k, c_in, c_out)
        A 1-D convolution's kernel (``vz.filters(layer)``).
    n_fft : int, optional
        Length of the transform, at least ``k``; default ``max(64, k)`` rounded up to a
        power of two, fine enough to draw a smooth curve.
    sample_rate : float, optional
        Samples per second: frequencies in Hz; default cycles per sample (0 to 0.5).

    Returns
    -------
    frequencies : numpy.ndarray, shape (n_fft // 2 + 1,)
    magnitudes : numpy.ndarray, shape (n_fft // 2 + 1, c_in, c_out)
    """
    kernels = check_array(kernels, "kernels", ndim=3, shape_text="(k, c_in, c_out)", what="3-D")
    k = kernels.shape[0]
    if n_fft is None:
        n_fft = 2 ** math.ceil(math.log2(max(64, k)))
    n_fft = check_int(n_fft, "n_fft", minimum=k)
    magnitudes = np.abs(np.fft.rfft(kernels.astype("float64"), n=n_fft, axis=0))
    frequencies = np.fft.rfftfreq(n_fft, d=1.0 if sample_rate is None else 1.0 / sample_rate)
    return frequencies, magnitudes


class WaveformFilterDisplay:
    """The filters of a 1-D convolution (a first layer on raw sound, most of all): each
    filter's taps drawn as a short waveform, and under it its frequency response.

    A filter that oscillates ``f`` times per sample passes sound near ``f``: a first layer
    trained on raw audio often learns a bank of such band-pass filters.

    Parameters
    ----------
    kernels : array-like, shape (k, c_in, c_out)
        The kernel (``vz.filters(layer)``). With several input channels, input channel
        ``input_channel`` is drawn.
    layer_name : str, optional
    sample_rate : float, optional
        Samples per second: taps in milliseconds and frequencies in Hz.
    input_channel : int, default=0

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    axes_ : numpy.ndarray of matplotlib.axes.Axes, shape (2 * rows, columns)
        For filter ``j`` at ``(row, column)``: its taps at ``axes_[2 * row, column]``, its
        response at ``axes_[2 * row + 1, column]``.
    filter_indices_ : numpy.ndarray of int
    frequencies_ : numpy.ndarray
    responses_ : numpy.ndarray, shape (n_fft // 2 + 1, len(filter_indices_))
        ``|H(f)|`` of each drawn filter.
    """

    def __init__(self, kernels, *, layer_name=None, sample_rate=None, input_channel: int = 0):
        self.kernels = kernels
        self.layer_name = layer_name
        self.sample_rate = sample_rate
        self.input_channel = input_channel

    @classmethod
    def from_layer(cls, layer, **options):
        """Draw the filters of a built 1-D convolution layer (``Conv1D``)."""
        from vizcnn.inspection.activations import filters

        kernels = filters(layer)
        if kernels.ndim != 3:
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) has a 2-D kernel "
                f"{kernels.shape}: draw it with vz.FilterDisplay"
            )
        return cls.from_result(kernels, layer_name=layer.name, **options)

    @classmethod
    def from_model(cls, model, *, layer, **options):
        """Draw the filters of ``layer`` of ``model`` (by name or object)."""
        from vizcnn.inspection import find_layer

        return cls.from_layer(find_layer(model, layer)[-1], **options)

    @classmethod
    def from_result(
        cls, kernels, *, layer_name=None, sample_rate=None, input_channel=0, **plot_kwargs
    ):
        """Draw a kernel already read (options as in ``__init__``; the rest go to
        :meth:`plot`)."""
        display = cls(
            kernels, layer_name=layer_name, sample_rate=sample_rate, input_channel=input_channel
        )
        return display.plot(**plot_kwargs)

    def plot(self, *, ax=None, filter_indices=None, ncols: int | None = None, n_fft=None):
        """Draw each filter's taps above its frequency response.

        Parameters
        ----------
        ax : array-like of matplotlib.axes.Axes, optional
            ``(2 * rows, columns)`` Axes as ``axes_`` describes; a new figure when None.
        filter_indices : sequence of int, optional
            Which filters, in drawing order (default all).
        ncols : int, optional
            Filters per row (default up to 8).
        n_fft : int, optional
            As in :func:`frequency_responses`.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        kernels = check_array(
            self.kernels, "kernels", ndim=3, shape_text="(k, c_in, c_out)", what="3-D"
        )
        rate = check_sample_rate(self.sample_rate)
        c_in = kernels.shape[1]
        channel = check_int(self.input_channel, "input_channel", minimum=0, maximum=c_in - 1)
        self.filter_indices_ = _chosen_filters(filter_indices, kernels.shape[2])
        n = len(self.filter_indices_)
        frequencies, magnitudes = frequency_responses(kernels, n_fft=n_fft, sample_rate=rate)
        self.frequencies_ = frequencies
        self.responses_ = magnitudes[:, channel, self.filter_indices_]
        taps = kernels[:, channel, self.filter_indices_]
        if ncols is None:
            ncols = math.ceil(n / math.ceil(n / _MAX_COLUMNS))
        ncols = check_positive_int(ncols, "ncols")
        nrows = math.ceil(n / ncols)
        if ax is None:
            self.figure_, self.axes_ = plt.subplots(
                2 * nrows,
                ncols,
                figsize=(ncols * _PANEL[0], 2 * nrows * _PANEL[1] + 0.4),
                squeeze=False,
                layout="constrained",
            )
        else:
            self.axes_ = np.asarray(ax, dtype=object).reshape(-1, ncols)
            if self.axes_.shape[0] < 2 * nrows:
                raise ValueError(
                    f"ax must hold {2 * nrows} rows of {ncols} Axes (taps above response "
                    f"for {n} filters), got {self.axes_.shape[0]} rows"
                )
            self.figure_ = self.axes_.flat[0].figure
        times = np.arange(kernels.shape[0]) * (1.0 if rate is None else 1000.0 / rate)
        peak = float(np.abs(taps).max()) or 1.0
        for slot in range(nrows * ncols):
            row, col = divmod(slot, ncols)
            wave_ax, response_ax = self.axes_[2 * row, col], self.axes_[2 * row + 1, col]
            if slot >= n:
                wave_ax.set_visible(False)
                response_ax.set_visible(False)
                continue
            wave_ax.axhline(0, color="0.8", linewidth=0.6)
            wave_ax.plot(times, taps[:, slot], color=WAVE_COLOUR, marker=".", markersize=3)
            wave_ax.set_ylim(-1.1 * peak, 1.1 * peak)
            index = int(self.filter_indices_[slot])
            wave_ax.set_title(text("display.waveform.filter", index=index), fontsize=7)
            response_ax.plot(frequencies, self.responses_[:, slot], color="tab:blue")
            response_ax.set_ylim(0, None)
            for axes in (wave_ax, response_ax):
                axes.tick_params(labelsize=6)
        tap_key = "display.waveform.tap_steps" if rate is None else "display.waveform.tap_ms"
        self.axes_[0, 0].set_ylabel(text(tap_key), fontsize=7)
        key = "display.waveform.frequency_" + ("cycles" if rate is None else "hz")
        for col in range(ncols):
            self.axes_[2 * nrows - 1, col].set_xlabel(text(key), fontsize=7)
        if self.layer_name and ax is None:
            self.figure_.suptitle(
                text("display.waveform.filters_title", layer=self.layer_name), fontsize=9
            )
        return self


def _chosen_filters(filter_indices, c_out: int) -> np.ndarray:
    """``filter_indices`` as distinct filters in ``0..c_out - 1``, all of them for None."""
    if filter_indices is None:
        return np.arange(c_out)
    what = "a sequence of distinct filter indices (ints)"
    if not isinstance(filter_indices, (tuple, list, range, np.ndarray)):
        raise TypeError(f"filter_indices must be {what}, got {type(filter_indices).__name__}")
    chosen = check_ints(
        tuple(filter_indices), "filter_indices", len(filter_indices), minimum=0, what=what
    )
    if not chosen or max(chosen) >= c_out or len(set(chosen)) < len(chosen):
        raise ValueError(
            f"filter_indices must be {what} in 0..{c_out - 1} (the kernel has {c_out} "
            f"filters), got {list(chosen)}"
        )
    return np.asarray(chosen, dtype=int)
