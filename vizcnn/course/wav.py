"""A learner's own recording, made ready for the spoken-digit networks.

Course material: lesson 07 classifies the learner's own voice. :func:`load_wav` reads a WAV
file (Python's :mod:`wave`, PCM of 8, 16, 24 or 32 bits); :func:`prepare_clip` takes
samples already in memory. Both give what the data set's clips are: mono float32 at the
data set's sample rate, the word (silence trimmed as in the data set) in the middle of a
one-second window, ``(T, 1)``. A stereo file is averaged to mono (a phone's two channels
hold the same voice); a float or compressed WAV is refused with the way to convert it.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from vizcnn.course.spoken_digits_declaration import read_declaration
from vizcnn.course.spoken_digits_recordings import default_declaration, prepare_word
from vizcnn.validation import check_positive_int
from vizcnn.validation.arrays import check_array

__all__ = ["load_wav", "prepare_clip", "read_wav"]

_CONVERT = "save it as 16-bit PCM WAV (Audacity: Export > WAV, signed 16-bit PCM)"
_MAX_RATE = 384_000


def read_wav(path) -> tuple[np.ndarray, int]:
    """The samples of a PCM WAV file, mono float64 in [-1, 1], and its sample rate.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it is empty, not a WAV file, not integer PCM, or holds no samples.
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes); expected a WAV file")
    try:
        with wave.open(str(path), "rb") as stream:
            channels, width = stream.getnchannels(), stream.getsampwidth()
            rate, data = stream.getframerate(), stream.readframes(stream.getnframes())
    except (wave.Error, EOFError) as error:  # EOFError: a header cut short
        raise ValueError(
            f"{path} is not a WAV file this reader understands ({error}); expected an "
            f"integer PCM WAV (8, 16, 24 or 32 bits): {_CONVERT}"
        ) from None
    if width not in (1, 2, 3, 4):
        raise ValueError(f"{path} has {width}-byte samples; expected 1 to 4 bytes: {_CONVERT}")
    frames = len(data) // (width * channels)
    if frames == 0:
        raise ValueError(f"{path} holds no samples; expected a recording of a word")
    raw = np.frombuffer(data[: frames * width * channels], dtype=np.uint8).reshape(-1, width)
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        samples = (raw[:, 0].astype(np.float64) - 128) / 128
    else:  # little-endian signed: put the bytes at the top of an int32, then scale
        padded = np.zeros((len(raw), 4), dtype=np.uint8)
        padded[:, 4 - width :] = raw
        samples = padded.view("<i4")[:, 0].astype(np.float64) / 2.0**31
    return samples.reshape(frames, channels).mean(axis=1), rate


def prepare_clip(samples, *, sample_rate: int) -> np.ndarray:
    """Samples of one recording, made like a clip of the spoken-digit data set.

    Resampled to the data set's rate, silence trimmed from both ends, the word put in the
    middle of a window of the data set's length (its middle kept if it is longer).

    Parameters
    ----------
    samples : array-like, shape (T,) or (T, 1), floating point in [-1, 1]
        One mono recording.
    sample_rate : int
        Its samples per second.

    Returns
    -------
    np.ndarray, float32, shape (window, 1)
        Add a batch axis (``clip[None]``) to give it to a model.

    Raises
    ------
    TypeError
        For non-numeric samples or a non-int ``sample_rate``.
    ValueError
        For another shape, integer samples (divide int16 by 32768), values outside
        [-1, 1], an empty or non-finite recording, or a ``sample_rate`` out of range.
    """
    sample_rate = check_positive_int(sample_rate, "sample_rate", maximum=_MAX_RATE)
    try:
        rank = np.ndim(samples)
    except ValueError:  # ragged nested lists: check_array names the problem
        rank = 1
    array = check_array(
        samples,
        "samples",
        ndim=2 if rank == 2 else 1,
        shape_text="(T,) or (T, 1)",
        what="one mono recording",
    )
    if array.ndim == 2 and array.shape[1] != 1:
        raise ValueError(
            f"samples must be one mono recording shaped (T,) or (T, 1), got shape "
            f"{array.shape}; average the channels first (samples.mean(axis=1))"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"samples must be floating point in [-1, 1], got dtype {array.dtype}; "
            "divide int16 samples by 32768"
        )
    peak = float(np.abs(array).max())
    if peak > 1:
        raise ValueError(f"samples must lie in [-1, 1], got a peak of {peak:.4g}")
    declaration = read_declaration(default_declaration())
    sound = prepare_word(array.reshape(-1), sample_rate=sample_rate, declaration=declaration)
    window = declaration["window"]
    clip = np.zeros((window, 1), dtype=np.float32)
    offset = (window - len(sound)) // 2
    clip[offset : offset + len(sound), 0] = sound
    return clip


def load_wav(path) -> np.ndarray:
    """A WAV file made like a clip of the spoken-digit data set (see :func:`prepare_clip`).

    Parameters
    ----------
    path : str or pathlib.Path
        An integer PCM WAV file (8, 16, 24 or 32 bits), mono or stereo (averaged), any
        sample rate.

    Returns
    -------
    np.ndarray, float32, shape (window, 1)

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it is empty, not a WAV file, float or compressed WAV, or holds no samples.
    """
    samples, rate = read_wav(path)
    if not 1 <= rate <= _MAX_RATE:
        raise ValueError(f"{path} declares a sample rate of {rate} Hz; expected 1 to {_MAX_RATE}")
    return prepare_clip(samples, sample_rate=rate)
