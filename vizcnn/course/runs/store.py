"""Where runs live, and their two files: the record (JSON) and the weights (float16 NumPy).

Course material: the lessons' trained networks, not part of the drawing library.

The store is ``vizcnn/data_files/runs/`` inside the package (so a wheel carries the shipped
runs), or the folder ``VIZCNN_RUNS`` names. A finished run is ``NAME/seed_K/record.json``
plus, for seeds that ship weights, ``NAME/seed_K/weights.npz``. Checkpoints of unfinished
runs live outside the repository, in a cache (``VIZCNN_CACHE``, else
``$XDG_CACHE_HOME/vizcnn`` or ``~/.cache/vizcnn``), under ``runs/NAME/seed_K/``.

Every file is written to a temporary name and renamed into place, so a process killed at
any moment leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import io
import json
import os
from importlib import resources
from pathlib import Path

import numpy as np

from vizcnn.course.cache import cache_root, sha256, write_atomic

__all__ = [
    "DamagedRunError",
    "cache_dir",
    "read_record",
    "read_weights",
    "run_dir",
    "store_dir",
    "write_atomic",
    "write_record",
    "write_weights",
]

RECORD, WEIGHTS = "record.json", "weights.npz"
FORMAT = 1
_FLOAT16_MAX = float(np.finfo(np.float16).max)


class DamagedRunError(ValueError):
    """A stored run whose file is missing, truncated, altered or does not fit its model."""


def store_dir() -> Path:
    """The folder of finished runs: ``$VIZCNN_RUNS``, else the package's own."""
    chosen = os.environ.get("VIZCNN_RUNS", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return Path(str(resources.files("vizcnn") / "data_files" / "runs"))


def cache_dir() -> Path:
    """The folder of checkpoints (outside the repository): ``runs/`` in the course's cache."""
    return cache_root() / "runs"


def run_dir(name: str, seed: int, *, root: Path | None = None) -> Path:
    """``root/NAME/seed_K`` (``root``: the store)."""
    return (store_dir() if root is None else root) / name / f"seed_{seed}"


def write_record(folder: Path, record: dict) -> Path:
    """Save ``record`` as ``folder/record.json``, atomically."""
    path = folder / RECORD
    write_atomic(path, (json.dumps(record, indent=1, sort_keys=False) + "\n").encode())
    return path


def read_record(folder: Path) -> dict:
    """The record in ``folder``; a damaged one is refused by name."""
    path = folder / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DamagedRunError(f"{path} is damaged (not valid JSON: {error})") from None
    needed = {"format", "name", "seed", "history", "test_accuracy", "weights"}
    if not isinstance(record, dict) or not needed <= set(record):
        raise DamagedRunError(f"{path} is damaged: a record needs the keys {sorted(needed)}")
    if record["format"] != FORMAT:
        raise DamagedRunError(f"{path} has format {record['format']!r}; this vizcnn reads {FORMAT}")
    return record


def encode_weights(arrays, names) -> bytes:
    """``arrays`` as an ``.npz`` in float16 (float32 where a value would overflow it)."""
    stored = {}
    for i, array in enumerate(arrays):
        array = np.asarray(array)
        small = array.size == 0 or float(np.abs(array).max()) < _FLOAT16_MAX
        stored[f"w{i:04d}"] = array.astype(np.float16 if small else np.float32)
    stored["names"] = np.array(list(names))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **stored)
    return buffer.getvalue()


def write_weights(folder: Path, data: bytes) -> dict:
    """Save encoded weights as ``folder/weights.npz``; returns what the record keeps of them."""
    write_atomic(folder / WEIGHTS, data)
    return {"file": WEIGHTS, "sha256": sha256(data), "bytes": len(data), "dtype": "float16"}


def decode_weights(data: bytes, where) -> tuple[list, list]:
    """The float32 arrays and variable names of encoded weights (``where``: for errors)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            keys = sorted(k for k in stored.files if k.startswith("w"))
            arrays = [stored[k].astype(np.float32) for k in keys]
            names = [str(n) for n in stored["names"]]
    except (OSError, ValueError, KeyError, EOFError) as error:
        raise DamagedRunError(f"{where} is damaged and cannot be read: {error}") from None
    return arrays, names


def read_weights(folder: Path, record: dict) -> tuple[list, list]:
    """The weights of a run, checked against the hash in its record before use.

    Raises
    ------
    DamagedRunError
        If the record ships no weights, the file is missing, or its bytes are not those
        the record's SHA-256 names (truncated or altered): never half-loaded.
    """
    kept = record.get("weights")
    path = folder / WEIGHTS
    if not kept:
        raise DamagedRunError(
            f"run {record['name']!r} seed {record['seed']} ships its training record only, "
            "no weights: its curves are in vizcnn.course.runs.history(); train it to get a model"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DamagedRunError(
            f"{path} is missing (its record {folder / RECORD} names it)"
        ) from None
    if len(data) != kept["bytes"] or sha256(data) != kept["sha256"]:
        raise DamagedRunError(
            f"{path} is damaged: its {len(data):,} bytes do not match the SHA-256 in "
            f"{folder / RECORD} ({kept['bytes']:,} bytes); retrain the run or restore the file"
        )
    return decode_weights(data, path)
