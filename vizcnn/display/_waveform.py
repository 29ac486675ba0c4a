"""What the 1-D displays share: a waveform checked, its time axis (samples or seconds),
and the waveform drawn as a line, so every 1-D display reads time the same way."""

from __future__ import annotations

import numpy as np

from vizcnn.language import text
from vizcnn.validation import check_array, check_number

WAVE_COLOUR = "0.15"


def check_waveform(wave, name: str = "waveform") -> np.ndarray:
    """One sequence ``(T, C)`` (or ``(T,)``, one channel) of finite numbers, as float32."""
    if np.ndim(wave) == 1:
        wave = np.asarray(wave)[:, None]
    hint = "; for a batch x pass x[0]" if np.ndim(wave) == 3 else ""
    shape_text = "(T, C) or (T,)"
    return check_array(
        wave, name, ndim=2, shape_text=shape_text, what="one sequence", hint=hint
    ).astype("float32")


def check_sample_rate(sample_rate):
    """``None`` (time in samples) or a positive number of samples per second."""
    if sample_rate is None:
        return None
    return check_number(sample_rate, "sample_rate", above=0)


def step_times(n_steps: int, sample_rate) -> np.ndarray:
    """Where each input step lies on the time axis: sample ``t``, or ``t / sample_rate`` s."""
    steps = np.arange(n_steps, dtype="float64")
    return steps if sample_rate is None else steps / sample_rate


def unit_extent(n_steps: int, sample_rate) -> tuple[float, float]:
    """The time span ``(left, right)`` a layer's ``T'`` units are drawn over: the input's
    ``T`` steps, each unit a cell of ``T / T'`` steps, the half-step convention of
    :func:`vizcnn.grad_cam`'s resize (unit ``t'`` centred on ``(t' + 0.5) T / T' - 0.5``)."""
    left, right = -0.5, n_steps - 0.5
    if sample_rate is not None:
        left, right = left / sample_rate, right / sample_rate
    return left, right


def time_label(sample_rate) -> str:
    """The time axis' label, in the lesson's language."""
    key = (
        "display.waveform.time_samples" if sample_rate is None else "display.waveform.time_seconds"
    )
    return text(key)


def draw_waveform(ax, wave: np.ndarray, sample_rate, *, linewidth: float = 0.8) -> list:
    """``wave`` ``(T, C)`` as one line per channel over the time axis; the lines."""
    times = step_times(len(wave), sample_rate)
    lines = ax.plot(times, wave, color=WAVE_COLOUR, linewidth=linewidth)
    left, right = unit_extent(len(wave), sample_rate)
    ax.set_xlim(left, right)
    return lines
