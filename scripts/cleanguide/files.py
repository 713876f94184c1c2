"""Writing files: atomically, readable by everyone, only when the bytes change.

Every file cleanguide writes (generated pages, the audit, the screenshot cache and its
index, the link-check results) goes through `atomic_write`: a temporary file in the same
folder, flushed to disk, then renamed over the target, so a reader (or a build killed
half-way) never sees half a file. Temporary files are created private (0600); the file is
given `mode` (0644: published files must be readable by the web server and by other users
of a shared cache) before it takes the target's name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o644


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step (its folder is created if missing).

    Without `durable`, the data is not flushed to disk before the rename: a reader never
    sees half a file, but a crash of the machine may leave it short (for files the caller
    can tell are short and rebuild)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_if_changed(
    path: Path, data: bytes, mode: int = FILE_MODE, *, durable: bool = True
) -> bool:
    """`atomic_write` unless `path` already holds exactly `data`; True if written."""
    with contextlib.suppress(OSError):
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    atomic_write(path, data, mode, durable=durable)
    return True


__all__ = ["FILE_MODE", "atomic_write", "write_if_changed"]
