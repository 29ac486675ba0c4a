"""The spoken digits' declaration: what is said, by which voices, in which split.

Course material: reads ``vizcnn/data_files/spoken_digits.json`` (or a teacher's file of the
same shape), checks it, and lists the *groups* to record: one group is one voice saying
the ten digits of one language at one speed and pitch, which espeak-ng says in one call.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Group", "read_declaration", "DIGITS"]

DIGITS = 10
_SPLITS = ("train", "valid", "test")
_KEYS = ("format", "sample_rate", "clip_seconds", "languages", "speeds", "pitches", "splits")


@dataclass(frozen=True)
class Group:
    """One call of espeak-ng: ``voice`` says ``words`` (digits 0-9 in order) in ``accent``."""

    split: str
    voice: str
    language: str
    accent: str
    speed: int
    pitch: int
    words: tuple[str, ...]

    @property
    def voice_option(self) -> str:
        """What ``espeak-ng -v`` takes: the accent's voice with the variant, ``en-us+m3``."""
        return f"{self.accent}+{self.voice}"


def _fail(path, message: str):
    raise ValueError(f"{path}: {message}")


def _ints(path, value, key: str, low: int, high: int) -> list[int]:
    ok = isinstance(value, list) and value and all(type(v) is int for v in value)
    if not ok or not all(low <= v <= high for v in value):
        _fail(path, f"'{key}' must be a non-empty list of integers from {low} to {high}")
    return value


def _check_languages(path, languages) -> None:
    if not isinstance(languages, dict) or not languages:
        _fail(path, "'languages' must map a language code to its words and accents")
    for code, spec in languages.items():
        if not isinstance(spec, dict):
            _fail(path, f"languages.{code} must be {{'words': [...], 'accents': [...]}}")
        words, accents = spec.get("words"), spec.get("accents")
        if not (isinstance(words, list) and len(words) == DIGITS and all(words)):
            _fail(path, f"languages.{code}.words must list the {DIGITS} digits' words, 0 first")
        if len(set(words)) != DIGITS or any(set(w) & set("<>&\"'") for w in words):
            _fail(path, f"languages.{code}.words must be {DIGITS} different plain words")
        if not (isinstance(accents, list) and accents and all(isinstance(a, str) for a in accents)):
            _fail(path, f"languages.{code}.accents must list espeak-ng voices, e.g. ['en-us']")


def _check_splits(path, splits) -> None:
    if not isinstance(splits, dict) or set(splits) != set(_SPLITS):
        _fail(path, f"'splits' must name the voices of each of {list(_SPLITS)}")
    seen: dict[str, str] = {}
    for split in _SPLITS:
        voices = splits[split]
        if not (isinstance(voices, list) and voices and all(isinstance(v, str) for v in voices)):
            _fail(path, f"splits.{split} must be a non-empty list of espeak-ng variants")
        for voice in voices:
            if voice in seen:  # the split is by voice: one voice, one split
                _fail(path, f"voice {voice!r} is in both splits.{seen[voice]} and splits.{split}")
            seen[voice] = split


def _groups(spec: dict) -> list[Group]:
    renditions = list(itertools.product(spec["speeds"], spec["pitches"]))
    voices = [(split, voice) for split in _SPLITS for voice in spec["splits"][split]]
    groups = []
    for v, (split, voice) in enumerate(voices):
        for language, lang in spec["languages"].items():
            for r, (speed, pitch) in enumerate(renditions):
                # accents in turn, continuing from voice to voice, so each is heard often
                accent = lang["accents"][(v * len(renditions) + r) % len(lang["accents"])]
                words = tuple(lang["words"])
                groups.append(Group(split, voice, language, accent, speed, pitch, words))
    return groups


def read_declaration(path) -> dict:
    """The declaration in ``path``, checked, with its groups.

    Returns
    -------
    dict
        ``path``, ``json`` (the file's content), ``sha256`` (of that content, canonical),
        ``sample_rate``, ``window`` (samples per clip), ``silence_db``, ``snr_db``
        (low, high), ``groups`` (list of :class:`Group`, the recording order) and ``clips``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it is no JSON, or a key is missing or wrong: the message names the file and key.
    """
    path = Path(path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        _fail(path, f"not a JSON declaration of spoken digits ({error})")
    missing = [key for key in _KEYS if not isinstance(spec, dict) or key not in spec]
    if missing:
        _fail(path, f"a declaration of spoken digits needs the keys {missing}")
    if spec["format"] != 1:
        _fail(path, f"format {spec['format']!r}; this vizcnn reads format 1")
    sample_rate = _ints(path, [spec["sample_rate"]], "sample_rate", 1000, 48000)[0]
    seconds = spec["clip_seconds"]
    if not isinstance(seconds, (int, float)) or not 0.1 <= seconds <= 10:
        _fail(path, "'clip_seconds' must be a number of seconds from 0.1 to 10")
    _check_languages(path, spec["languages"])
    _ints(path, spec["speeds"], "speeds", 80, 450)  # espeak-ng's range of words per minute
    _ints(path, spec["pitches"], "pitches", 0, 99)
    _check_splits(path, spec["splits"])
    snr_db = spec.get("noise", {}).get("snr_db", [10, 40])
    if not (isinstance(snr_db, list) and len(snr_db) == 2 and snr_db[0] <= snr_db[1]):
        _fail(path, "noise.snr_db must be [low, high] in decibels, low <= high")
    silence_db = spec.get("silence_db", -40)
    if not isinstance(silence_db, (int, float)) or not silence_db < 0:
        _fail(path, "'silence_db' must be a negative number of decibels")
    groups = _groups(spec)
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()
    return {
        "path": path,
        "json": spec,
        "sha256": hashlib.sha256(canonical).hexdigest(),
        "sample_rate": sample_rate,
        "window": round(sample_rate * seconds),
        "silence_db": float(silence_db),
        "snr_db": (float(snr_db[0]), float(snr_db[1])),
        "groups": groups,
        "clips": DIGITS * len(groups),
    }
