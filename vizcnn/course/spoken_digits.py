"""Spoken digits, 0 to 9 in English and Korean, made on this machine by espeak-ng.

Course material: lesson 07's real sound, for a raw-waveform Conv1D and a spectrogram Conv2D.

What is said is declared in data, ``vizcnn/data_files/spoken_digits.json``: the words of
each language (Korean: the Sino-Korean numerals 영 일 이 삼 사 오 육 칠 팔 구; zero is 영,
the numeral's reading in counting and arithmetic, not 공, the telephone reading), the
voices (espeak-ng's *variants*, the timbres ``m1``, ``f2``, ``klatt``, ...), speeds and
pitches, and the split. Each voice says every digit in both languages at every speed and
pitch; English takes its accents (``en-us``, ``en-gb-scotland``, ...) in turn. Both
languages share the ten classes: label ``k`` is the digit ``k``. The split is **by
voice**: valid and test hold voices the network never heard.

The clean recordings are made once and cached
(:mod:`~vizcnn.course.spoken_digits_recordings`). Each load places every word at a random
time in its one-second window and adds white noise at a random signal-to-noise ratio,
both drawn from ``seed``: the same seed, the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizcnn.course.spoken_digits_declaration import read_declaration
from vizcnn.course.spoken_digits_recordings import (
    INT16_SCALE,
    clean_recordings,
    default_declaration,
)
from vizcnn.validation import check_int, check_one_of

__all__ = ["SPOKEN_DIGIT_CLASSES", "SpokenDigits", "load_spoken_digits", "word_spans"]

SPOKEN_DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
_SPLITS = ("train", "valid", "test")


@dataclass(frozen=True, eq=False)
class SpokenDigits:
    """The spoken digits: waveforms, labels, and per clip who said what.

    Attributes
    ----------
    waveforms : np.ndarray, float32, shape (N, T, 1)
        One-second clips (``T = sample_rate``), a word somewhere in each, with noise.
    labels : np.ndarray, int32, shape (N,)
        The digit said, 0-9, in both languages.
    split, voice, language, accent, word : np.ndarray of str, shape (N,)
        ``"train"``/``"valid"``/``"test"``; espeak-ng's variant (``"m3"``); ``"en"`` or
        ``"ko"``; the espeak-ng voice of the accent (``"en-gb-scotland"``, ``"ko"``); the
        word said (``"seven"``, ``"칠"``).
    speed, pitch : np.ndarray of int, shape (N,)
        Words per minute, and pitch (0-99), as given to espeak-ng.
    sample_rate : int
        Samples per second.
    espeak_ng : str
        The version of espeak-ng that made the recordings.
    """

    waveforms: np.ndarray
    labels: np.ndarray
    split: np.ndarray
    voice: np.ndarray
    language: np.ndarray
    accent: np.ndarray
    word: np.ndarray
    speed: np.ndarray
    pitch: np.ndarray
    sample_rate: int
    espeak_ng: str

    @classmethod
    def from_groups(cls, waveforms, groups, *, sample_rate: int, espeak_ng: str):
        """Label the clips of ``groups`` (ten each, digits in order) in recording order."""

        def per_clip(values):
            return np.repeat(np.array(values), len(SPOKEN_DIGIT_CLASSES))

        return cls(
            waveforms=waveforms,
            labels=np.tile(np.arange(len(SPOKEN_DIGIT_CLASSES), dtype=np.int32), len(groups)),
            split=per_clip([g.split for g in groups]),
            voice=per_clip([g.voice for g in groups]),
            language=per_clip([g.language for g in groups]),
            accent=per_clip([g.accent for g in groups]),
            word=np.array([word for g in groups for word in g.words]),
            speed=per_clip([g.speed for g in groups]),
            pitch=per_clip([g.pitch for g in groups]),
            sample_rate=sample_rate,
            espeak_ng=espeak_ng,
        )

    def __len__(self) -> int:
        return len(self.labels)

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of one split: ``"train"``, ``"valid"`` or ``"test"``."""
        split = check_one_of(split, "split", _SPLITS)
        chosen = self.split == split
        return self.waveforms[chosen], self.labels[chosen]

    def table(self):
        """One row per clip (no samples): split, voice, language, accent, word, label, ..."""
        import pandas as pd

        columns = ("split", "voice", "language", "accent", "word", "speed", "pitch")
        return pd.DataFrame({"label": self.labels, **{c: getattr(self, c) for c in columns}})


def _offsets(rng, lengths: np.ndarray, window: int) -> np.ndarray:
    """Where each word starts in its window: the seed's first draw (``word_spans`` replays
    it without the noise)."""
    return rng.integers(0, window - lengths + 1)  # uniform: anywhere the word fits


def _windows(arrays: dict, declaration: dict, seed: int) -> np.ndarray:
    """Every word at a random place in its window, plus noise: (N, T, 1) float32."""
    window, (low, high) = declaration["window"], declaration["snr_db"]
    lengths = arrays["lengths"].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rng = np.random.default_rng(seed)
    offsets = _offsets(rng, lengths, window)
    snr_db = rng.uniform(low, high, size=len(lengths))
    waveforms = rng.standard_normal((len(lengths), window), dtype=np.float32)
    for i, (start, length, offset) in enumerate(zip(starts, lengths, offsets, strict=True)):
        word = arrays["samples"][start : start + length].astype(np.float32) / INT16_SCALE
        power = float(np.mean(np.square(word, dtype=np.float64))) if length else 0.0
        waveforms[i] *= np.float32(np.sqrt(power / 10 ** (snr_db[i] / 10)))  # the noise
        waveforms[i, offset : offset + length] += word
    return waveforms[..., None]


def load_spoken_digits(*, seed: int = 0, declaration=None) -> SpokenDigits:
    """The spoken digits: one-second waveforms, labels 0-9, and who said what.

    The first call makes the recordings with espeak-ng (seconds) and caches them; later
    calls read the cache.

    Parameters
    ----------
    seed : int, default=0
        Draws each word's place in its window and its noise: the same seed gives the same
        arrays (with the same espeak-ng version).
    declaration : str or pathlib.Path, optional
        A JSON file shaped like ``vizcnn/data_files/spoken_digits.json`` (a teacher's own
        voices); by default that file.

    Returns
    -------
    SpokenDigits
        ``waveforms`` float32 ``(N, T, 1)`` (``T = sample_rate``: one second at 8 kHz),
        ``labels`` ``(N,)``, and per clip its ``split``, ``voice``, ``language``,
        ``accent``, ``word``, ``speed`` and ``pitch``; ``.arrays("train")`` is ``(X, y)``
        of one split, ``.table()`` the clips as a table.

    Raises
    ------
    FileNotFoundError
        If espeak-ng is missing and nothing is cached: the message says how to install it.
    ValueError
        If the declaration is wrong (the message names the file and key).
    """
    seed = check_int(seed, "seed", minimum=0)
    declaration = read_declaration(default_declaration() if declaration is None else declaration)
    arrays, record = clean_recordings(declaration)
    return SpokenDigits.from_groups(
        _windows(arrays, declaration, seed),
        declaration["groups"],
        sample_rate=declaration["sample_rate"],
        espeak_ng=record["espeak_ng"],
    )


def word_spans(*, seed: int = 0, declaration=None) -> np.ndarray:
    """Where the word is in each clip of :func:`load_spoken_digits` with the same ``seed``.

    Parameters
    ----------
    seed : int, default=0
    declaration : str or pathlib.Path, optional
        As in :func:`load_spoken_digits`.

    Returns
    -------
    np.ndarray, int64, shape (N, 2)
        ``[start, stop)`` of each clip's word in samples, in the clips' order: outside it
        the clip holds only noise.
    """
    seed = check_int(seed, "seed", minimum=0)
    declaration = read_declaration(default_declaration() if declaration is None else declaration)
    arrays, _ = clean_recordings(declaration)
    lengths = arrays["lengths"].astype(np.int64)
    starts = _offsets(np.random.default_rng(seed), lengths, declaration["window"])
    return np.stack([starts, starts + lengths], axis=1)
