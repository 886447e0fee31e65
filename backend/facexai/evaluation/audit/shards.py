"""Results on disk, one folder per (model weights, what was computed), one .npz per finished batch.

A folder's name is the model's name and a hash of its key: the sha256 of the weights file and,
for explanations, the IG options, the explained target ("labelled" or "predicted") and the small
map's size. A rerun reads what the folder holds and computes only the faces it lacks; new weights
or other options give a new folder, so nothing stale is ever reused. A shard holds numbers only
(probabilities, targets, region shares, 28 x 28 maps): never a face's pixels.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class ShardSet:
    """One folder of shards."""

    folder: Path
    key: dict[str, Any]

    @classmethod
    def open(cls, root: Path, model: str, key: dict[str, Any]) -> ShardSet:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        folder = root / f"{model}-{key['kind']}-{digest}"
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "key.json"
        if not key_file.is_file():
            key_file.write_text(json.dumps({"model": model, **key}, indent=2, sort_keys=True) + "\n")
        return cls(folder, key)

    def write(self, arrays: dict[str, np.ndarray]) -> Path:
        """One finished batch, written whole or not at all (a temporary name, then a rename)."""
        name = f"{uuid.uuid4().hex}.npz"
        tmp = self.folder / f".{name}.tmp"
        with tmp.open("wb") as f:
            save: Any = np.savez  # numpy's stubs type **arrays as its keyword options
            save(f, **arrays)
        final = self.folder / name
        os.replace(tmp, final)
        return final

    def read(self) -> dict[str, np.ndarray]:
        """Every shard concatenated (the first of any duplicate file kept), in file order."""
        parts = [dict(np.load(p, allow_pickle=False)) for p in sorted(self.folder.glob("*.npz"))]
        if not parts:
            return {}
        merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        _, first = np.unique(merged["files"], return_index=True)
        keep = np.sort(first)
        return {k: v[keep] for k, v in merged.items()}

    def done(self) -> set[str]:
        files: set[str] = set()
        for p in self.folder.glob("*.npz"):
            with np.load(p, allow_pickle=False) as z:
                files.update(z["files"].tolist())
        return files
