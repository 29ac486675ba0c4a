"""The course's cache folder, and files written there atomically with their SHA-256.

Course material: where the lessons keep what they can rebuild (checkpoints of unfinished
runs, the generated spoken digits), outside the repository: ``$VIZCNN_CACHE``, else
``$XDG_CACHE_HOME/vizcnn`` or ``~/.cache/vizcnn``.

Every file is written to a temporary name and renamed into place, so a process killed at
any moment leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["cache_root", "sha256", "write_atomic"]


def cache_root() -> Path:
    """``$VIZCNN_CACHE``, else ``$XDG_CACHE_HOME/vizcnn``, else ``~/.cache/vizcnn``."""
    chosen = os.environ.get("VIZCNN_CACHE", "").strip()
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "vizcnn"


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, in hexadecimal."""
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would keep shipped files from others
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
