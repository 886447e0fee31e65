"""The one file checksum: hashlib's sha256 of the whole file, read in blocks, read again once the file changes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from facexai.core.checksums import file_sha256


def test_a_file_larger_than_a_block_hashes_as_a_whole(tmp_path: Path) -> None:
    data = os.urandom((1 << 20) * 2 + 123)  # two blocks and a part
    path = tmp_path / "weights.bin"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(str(path)) == file_sha256(path)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_sha256(empty) == hashlib.sha256(b"").hexdigest()


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"first")
    assert file_sha256(path) == hashlib.sha256(b"first").hexdigest()
    path.write_bytes(b"second, longer")
    assert file_sha256(path) == hashlib.sha256(b"second, longer").hexdigest()
