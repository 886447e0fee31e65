"""A file's sha256, the one way the package computes it: read in 1 MiB blocks (a weights file never
sits in memory whole), remembered per process by the file's path, size and modification time."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20
_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path | str) -> str:
    """The hex sha256 of the file's bytes. A file changed since (another size or modification time)
    is read again."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(_BLOCK), b""):
                digest.update(block)
        _CACHE[key] = digest.hexdigest()
    return _CACHE[key]
