"""The spoken digits' clean recordings: made by espeak-ng once, then kept in the cache.

Course material: the sound of lesson 07 (:mod:`vizcnn.course.spoken_digits` loads it).

The recordings depend only on the declaration (:mod:`~vizcnn.course.spoken_digits_declaration`)
and on espeak-ng's version. They are kept in the course's cache (``$VIZCNN_CACHE``, else
``~/.cache/vizcnn``) as ``spoken_digits/KEY.npz`` (``KEY``: the start of the declaration's
SHA-256) with ``KEY.json`` beside it: espeak-ng's version, the file's SHA-256, and a SHA-256
of the samples themselves (the same on every machine with the same espeak-ng). Another
espeak-ng version makes them again; a damaged file is made again with a
:class:`DamagedCacheWarning` that names it, never half used (the checksum is checked before
the file is read). Without espeak-ng, an intact cache is still used.
"""

from __future__ import annotations

import io
import json
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np

from vizcnn.course import espeak
from vizcnn.course.cache import cache_root, sha256, write_atomic
from vizcnn.course.spoken_digits_declaration import Group, read_declaration
from vizcnn.signal import resample, trim_silence

__all__ = ["DamagedCacheWarning", "clean_recordings", "default_declaration", "prepare_word"]

_FORMAT = 1
INT16_SCALE = 32767.0  # int16 samples <-> floats in [-1, 1]


class DamagedCacheWarning(UserWarning):
    """A cached file failed its checksum (or could not be read) and was made again."""


def default_declaration() -> Path:
    """The package's declaration, ``vizcnn/data_files/spoken_digits.json``."""
    return Path(str(resources.files("vizcnn") / "data_files" / "spoken_digits.json"))


# -- making the clean recordings ----------------------------------------------------------


def prepare_word(sound: np.ndarray, *, sample_rate: int, declaration: dict) -> np.ndarray:
    """A recording of one word at the declared rate, silence trimmed, at most a window long.

    The one preparation of a word, for espeak-ng's recordings and a learner's alike; a word
    longer than the window keeps its middle.
    """
    rate = declaration["sample_rate"]
    sound = resample(sound, rate_in=sample_rate, rate_out=rate)
    sound = trim_silence(sound, sample_rate=rate, silence_db=declaration["silence_db"])
    start = max(0, (len(sound) - declaration["window"]) // 2)
    return sound[start : start + declaration["window"]]


def _record_group(exe: str, group: Group, declaration: dict) -> tuple[list[np.ndarray], bool]:
    """One group's ten words, prepared, as int16."""
    pieces, rate, one_call = espeak.say_words(
        exe, group.words, voice=group.voice_option, speed=group.speed, pitch=group.pitch
    )
    words = []
    for piece in pieces:
        sound = prepare_word(piece / INT16_SCALE, sample_rate=rate, declaration=declaration)
        words.append(np.clip(np.round(sound * INT16_SCALE), -INT16_SCALE, INT16_SCALE))
    return [word.astype(np.int16) for word in words], one_call


def _generate(exe: str, declaration: dict) -> tuple[dict, dict]:
    """Every group said, in the declaration's order; arrays and facts for the record."""
    missing = sorted({g.voice for g in declaration["groups"]} - espeak.espeak_variants(exe))
    if missing:
        raise ValueError(
            f"{declaration['path']} names voices this espeak-ng does not know: {missing}; "
            "`espeak-ng --voices=variant` lists the ones it has"
        )
    started = time.perf_counter()
    # espeak-ng runs in its own process; threads only wait for it (and resample without
    # the GIL), so a thread per core keeps every core busy
    with ThreadPoolExecutor() as pool:
        done = list(pool.map(lambda g: _record_group(exe, g, declaration), declaration["groups"]))
    words = [word for group_words, _ in done for word in group_words]
    arrays = {
        "lengths": np.array([len(w) for w in words], dtype="<i4"),
        "samples": np.concatenate(words).astype("<i2"),
    }
    facts = {
        "seconds": round(time.perf_counter() - started, 2),
        "calls_cut_into_words": sum(one_call for _, one_call in done),
        "calls_said_word_by_word": sum(not one_call for _, one_call in done),
    }
    return arrays, facts


def _content_sha256(arrays: dict) -> str:
    return sha256(arrays["lengths"].tobytes() + arrays["samples"].tobytes())


# -- the cache ----------------------------------------------------------------------------


def _cache_paths(declaration: dict) -> tuple[Path, Path]:
    folder = cache_root() / "spoken_digits"
    key = declaration["sha256"][:16]
    return folder / f"{key}.npz", folder / f"{key}.json"


def _damaged(path: Path, why: str) -> None:
    warnings.warn(
        f"{path} is damaged ({why}); it is not used, and the spoken digits are made again",
        DamagedCacheWarning,
        stacklevel=4,
    )


def _read_cache(declaration: dict, version: str | None) -> tuple[dict, dict] | None:
    """The cached arrays and their record, or None (absent, another espeak-ng, damaged)."""
    data_path, record_path = _cache_paths(declaration)
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        expected = (record["format"], record["sha256"], record["bytes"], record["espeak_ng"])
    except (ValueError, KeyError, TypeError) as error:  # JSON errors are ValueErrors
        _damaged(record_path, f"not a record: {error}")
        return None
    if expected[0] != _FORMAT or (version is not None and expected[3] != version):
        return None  # another format, or made by another espeak-ng: make it again
    data = data_path.read_bytes() if data_path.exists() else b""
    if len(data) != expected[2] or sha256(data) != expected[1]:
        _damaged(data_path, f"{len(data):,} bytes that do not match the SHA-256 in {record_path}")
        return None
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:  # the bytes just checked
        arrays = {name: stored[name] for name in ("lengths", "samples")}
    if len(arrays["lengths"]) != declaration["clips"]:  # intact, yet not this declaration's
        _damaged(data_path, f"{len(arrays['lengths'])} clips, not {declaration['clips']}")
        return None
    return arrays, record


def _write_cache(declaration: dict, arrays: dict, record: dict) -> None:
    data_path, record_path = _cache_paths(declaration)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    data = buffer.getvalue()
    write_atomic(data_path, data)
    record = {**record, "file": data_path.name, "bytes": len(data), "sha256": sha256(data)}
    write_atomic(record_path, (json.dumps(record, indent=1, ensure_ascii=False) + "\n").encode())


def clean_recordings(declaration=None) -> tuple[dict, dict]:
    """The recordings a declaration describes, from the cache or made now.

    Parameters
    ----------
    declaration : str, pathlib.Path or dict, optional
        A JSON file shaped like ``vizcnn/data_files/spoken_digits.json`` (a teacher's
        own voices, say), or what :func:`read_declaration` made of one; by default that file.

    Returns
    -------
    arrays : dict
        ``"lengths"`` (clips,) int32 and ``"samples"``: every clip's int16 samples, one
        after the other, at the declared rate, silence trimmed.
    record : dict
        What the cache's ``.json`` holds: espeak-ng's version, the SHA-256 of the file and
        of the samples, how long making them took, and the declaration.

    Raises
    ------
    FileNotFoundError
        If espeak-ng is not installed and no intact cache exists (the message says how to
        install it).
    """
    if not isinstance(declaration, dict):
        declaration = read_declaration(declaration or default_declaration())
    try:
        exe = espeak.find_espeak()
    except FileNotFoundError:
        exe = None
    version = None if exe is None else espeak.espeak_version(exe)
    cached = _read_cache(declaration, version)
    if cached is not None:
        return cached
    if exe is None:
        espeak.find_espeak()  # raises again, with the advice
    arrays, facts = _generate(exe, declaration)
    record = {
        "format": _FORMAT,
        "espeak_ng": version,
        "clips": declaration["clips"],
        "content_sha256": _content_sha256(arrays),
        **facts,
        "declaration": declaration["json"],
    }
    _write_cache(declaration, arrays, record)
    return arrays, record
