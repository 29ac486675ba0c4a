"""Sound as numbers: spectrograms (plain and mel), resampling, trimming silence.

Generic signal arithmetic for 1-D inputs, in NumPy (SciPy for resampling); no
TensorFlow. A spectrogram turns a waveform ``(T,)`` into an image ``(frames, bins)`` that
a Conv2D network reads like any other picture; :func:`spectrogram_axes` says which time
and frequency each row and column stands for.

The short-time Fourier transform follows ``tf.signal.stft`` with ``pad_end=False``: frames
of ``frame_length`` samples every ``frame_step`` samples, only whole frames, a periodic
Hann window, magnitudes of ``frame_length // 2 + 1`` frequency bins (bin ``k`` is
``k * sample_rate / frame_length`` Hz). The mel scale is HTK's,
``mel = 2595 log10(1 + f / 700)``, with triangular bands of peak 1 whose centres are
evenly spaced in mels from 0 Hz to the Nyquist frequency.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import numpy as np

from vizcnn.validation import check_bool, check_number, check_positive_int
from vizcnn.validation.arrays import check_array

__all__ = [
    "hz_to_mel",
    "mel_filterbank",
    "mel_to_hz",
    "resample",
    "spectrogram",
    "spectrogram_axes",
    "trim_silence",
]

LOG_FLOOR = 1e-6  # log(magnitude + LOG_FLOOR): silence becomes about -14, never -inf
_CHUNK = 256  # clips per FFT, so a batch of thousands needs tens of MB, not GB


def hz_to_mel(hz):
    """HTK's mel scale: ``2595 log10(1 + hz / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """The inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def _mel_edges(sample_rate: int, mel_bins: int) -> np.ndarray:
    # mel_bins triangles need mel_bins + 2 edges: band m rises from edge m to its centre,
    # edge m + 1, and falls to edge m + 2
    return mel_to_hz(np.linspace(0.0, hz_to_mel(sample_rate / 2), mel_bins + 2))


def mel_filterbank(*, sample_rate: int, frame_length: int, mel_bins: int) -> np.ndarray:
    """The matrix that turns STFT magnitudes into mel bands.

    Parameters
    ----------
    sample_rate : int
        Samples per second.
    frame_length : int
        Samples per STFT frame (the FFT length): ``frame_length // 2 + 1`` bins.
    mel_bins : int
        Number of mel bands.

    Returns
    -------
    np.ndarray, shape (frame_length // 2 + 1, mel_bins), float32
        Column ``m`` is band ``m``'s triangle, 1 at its centre frequency.

    Raises
    ------
    ValueError
        If a band falls between two frequency bins and would stay empty (too many bands
        for so short a frame): the message says how many fit.
    """
    sample_rate = check_positive_int(sample_rate, "sample_rate")
    frame_length = check_positive_int(frame_length, "frame_length")
    mel_bins = check_positive_int(mel_bins, "mel_bins")
    weights = _triangles(sample_rate, frame_length, mel_bins)
    empty = np.flatnonzero(weights.max(axis=0) == 0)
    if len(empty):
        fit = max(
            m for m in range(1, mel_bins) if _triangles(sample_rate, frame_length, m).max(0).all()
        )
        raise ValueError(
            f"mel_bins={mel_bins} is too many for frame_length={frame_length} at "
            f"{sample_rate} Hz: band {int(empty[0])} falls between two frequency bins and "
            f"stays empty; use mel_bins <= {fit} or a longer frame_length"
        )
    return weights.astype(np.float32)


def _triangles(sample_rate: int, frame_length: int, mel_bins: int) -> np.ndarray:
    bins = np.arange(frame_length // 2 + 1) * sample_rate / frame_length
    edges = _mel_edges(sample_rate, mel_bins)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None).T


def _check_options(sample_rate, frame_length, frame_step, mel_bins):
    sample_rate = check_positive_int(sample_rate, "sample_rate")
    frame_length = check_positive_int(frame_length, "frame_length")
    frame_step = check_positive_int(frame_step, "frame_step")
    if frame_length < 2:
        raise ValueError(f"frame_length must be at least 2 samples, got {frame_length}")
    if mel_bins is not None:
        mel_bins = check_positive_int(mel_bins, "mel_bins")
    return sample_rate, frame_length, frame_step, mel_bins


def _check_waveforms(x) -> np.ndarray:
    try:
        ndim = np.ndim(x)
    except ValueError:  # ragged nested lists: check_array names the problem
        ndim = 3
    # three ranks are right; any other is checked as rank 3, so the message names all three
    array = check_array(
        x,
        "x",
        ndim=ndim if ndim in (1, 2, 3) else 3,
        shape_text="(T,), (T, 1) or (N, T, 1)",
        what="a waveform",
    )
    if array.ndim > 1 and array.shape[-1] != 1:
        raise ValueError(
            f"x must be a waveform shaped (T,), (T, 1) or (N, T, 1): one channel, got "
            f"shape {array.shape}"
        )
    return array


def spectrogram(
    x,
    *,
    sample_rate: int,
    frame_length: int = 256,
    frame_step: int = 128,
    mel_bins: int | None = None,
    log: bool = True,
) -> np.ndarray:
    """The magnitude spectrogram of a waveform or a batch of them, an image for a Conv2D.

    Parameters
    ----------
    x : array-like, shape (T,), (T, 1) or (N, T, 1)
        One waveform, or a batch (as a Conv1D network takes it); finite real numbers.
    sample_rate : int
        Samples per second of ``x``.
    frame_length, frame_step : int, default=256, 128
        Samples per frame, and between the starts of two frames (32 ms and 16 ms at
        8 kHz). Only whole frames are kept: ``1 + (T - frame_length) // frame_step``.
    mel_bins : int, optional
        Sum the frequency bins into this many mel bands (:func:`mel_filterbank`);
        ``None`` keeps the ``frame_length // 2 + 1`` linear bins.
    log : bool, default=True
        Return ``log(magnitude + 1e-6)``: loud and quiet sounds on one scale, as ears hear.

    Returns
    -------
    np.ndarray, float32
        ``(frames, bins)`` for ``(T,)``; ``(frames, bins, 1)`` for ``(T, 1)``;
        ``(N, frames, bins, 1)`` for ``(N, T, 1)``: time down the rows, frequency across.

    Raises
    ------
    TypeError
        For a non-numeric ``x`` or non-int options.
    ValueError
        For a wrong shape, non-finite samples, a waveform shorter than one frame, or
        options out of range.
    """
    sample_rate, frame_length, frame_step, mel_bins = _check_options(
        sample_rate, frame_length, frame_step, mel_bins
    )
    log = check_bool(log, "log")
    array = _check_waveforms(x)
    samples = array.shape[1] if array.ndim == 3 else array.shape[0]
    if samples < frame_length:
        raise ValueError(
            f"x holds {samples} samples per waveform, fewer than one frame "
            f"(frame_length={frame_length})"
        )
    flat = array.reshape(-1, samples) if array.ndim == 3 else array.reshape(1, samples)
    window = np.hanning(frame_length + 1)[:-1].astype(np.float32)  # periodic Hann
    bank = (
        None
        if mel_bins is None
        else mel_filterbank(sample_rate=sample_rate, frame_length=frame_length, mel_bins=mel_bins)
    )
    chunks = []
    for start in range(0, len(flat), _CHUNK):
        part = flat[start : start + _CHUNK].astype(np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(part, frame_length, axis=1)
        magnitude = np.abs(np.fft.rfft(frames[:, ::frame_step] * window, axis=-1))
        if bank is not None:
            magnitude = magnitude @ bank
        chunks.append(np.log(magnitude + LOG_FLOOR) if log else magnitude)
    result = np.concatenate(chunks).astype(np.float32)
    if array.ndim == 1:
        return result[0]
    return result[..., None] if array.ndim == 3 else result[0][..., None]


def spectrogram_axes(
    n_samples: int,
    *,
    sample_rate: int,
    frame_length: int = 256,
    frame_step: int = 128,
    mel_bins: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The time of each row and the frequency of each column of :func:`spectrogram`.

    Returns
    -------
    times : np.ndarray, shape (frames,)
        Seconds at the centre of each frame.
    frequencies : np.ndarray, shape (bins,)
        Hz of each linear bin, or of each mel band's centre.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    sample_rate, frame_length, frame_step, mel_bins = _check_options(
        sample_rate, frame_length, frame_step, mel_bins
    )
    frames = max(0, 1 + (n_samples - frame_length) // frame_step)
    times = (np.arange(frames) * frame_step + frame_length / 2) / sample_rate
    if mel_bins is None:
        return times, np.arange(frame_length // 2 + 1) * sample_rate / frame_length
    return times, _mel_edges(sample_rate, mel_bins)[1:-1]


def resample(x, *, rate_in: int, rate_out: int) -> np.ndarray:
    """A 1-D waveform at another sample rate (polyphase filtering, ``scipy.signal``).

    Returns
    -------
    np.ndarray, float64, shape (ceil(T * rate_out / rate_in),)
    """
    rate_in = check_positive_int(rate_in, "rate_in")
    rate_out = check_positive_int(rate_out, "rate_out")
    array = check_array(x, "x", ndim=1, shape_text="(T,)", what="a waveform")
    if rate_in == rate_out:
        return array.astype(np.float64)
    from scipy.signal import resample_poly  # imported here: a second or so, only when used

    ratio = Fraction(rate_out, rate_in)
    up, down = ratio.numerator, ratio.denominator
    return resample_poly(array.astype(np.float64), up, down, window=_lowpass(up, down))


@cache
def _lowpass(up: int, down: int) -> np.ndarray:
    """``resample_poly``'s own filter, designed once per ratio (designing it took 60 ms,
    filtering one word 1 ms)."""
    from scipy.signal import firwin

    half_length = 10 * max(up, down)
    return firwin(2 * half_length + 1, 1.0 / max(up, down), window=("kaiser", 5.0))


def trim_silence(x, *, sample_rate: int, silence_db: float = -40.0) -> np.ndarray:
    """``x`` from its first to its last loud 10 ms frame.

    A frame is loud when its RMS is at most ``-silence_db`` decibels below the loudest
    frame's. A waveform with no sound at all (only zeros) is returned whole.

    Returns
    -------
    np.ndarray
        A view of ``x``: whole frames, the first starting where a frame starts.
    """
    sample_rate = check_positive_int(sample_rate, "sample_rate")
    silence_db = check_number(silence_db, "silence_db", below=0)
    array = check_array(x, "x", ndim=1, shape_text="(T,)", what="a waveform")
    size = max(1, sample_rate // 100)
    padded = np.pad(array.astype(np.float64), (0, -len(array) % size))
    rms = np.sqrt(np.mean(padded.reshape(-1, size) ** 2, axis=1))
    if rms.max() == 0:
        return array
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (silence_db / 20))
    return array[loud[0] * size : (loud[-1] + 1) * size]
