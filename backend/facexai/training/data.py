"""FairFace splits for training: decoded once into memory and kept across runs in one process.

The label files and images are read by facexai.core.fairface (shared with evaluation); this adds the
training side: a cache of decoded chips and a split of images with the task's class indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facexai.core.fairface import DataError, LabelTable, decode_images, keep_present


class ImageCache:
    """Decoded chips kept across training runs in one process (several models, one decode).

    Keyed by (image root, input size); a request decodes only the files not seen before.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, int], tuple[dict[str, int], list[np.ndarray]]] = {}

    def get(self, root: Path | str, files: Sequence[str], size: int, workers: int = 8) -> np.ndarray:
        index, blocks = self._store.setdefault((str(Path(root).resolve()), size), ({}, []))
        new = list(dict.fromkeys(f for f in files if f not in index))
        if new:
            start = sum(len(b) for b in blocks)
            blocks.append(decode_images([Path(root) / f for f in new], size, workers))
            index.update({f: start + i for i, f in enumerate(new)})
            if len(blocks) > 1:  # keep one contiguous array
                blocks[:] = [np.concatenate(blocks)]
        return blocks[0][np.array([index[f] for f in files], dtype=np.int64)]


@dataclass
class Split:
    """One decoded split: images (uint8), class indices of the task, and the rows they came from."""

    images: np.ndarray
    targets: np.ndarray
    table: LabelTable
    missing: list[str]


def load_split(
    table: LabelTable,
    image_root: Path | str,
    task: str,
    size: int,
    workers: int = 8,
    log=print,
    cache: ImageCache | None = None,
) -> Split:
    """Drop (and report) rows without an image, then decode the rest (through ``cache`` if given)."""
    present = keep_present(table, image_root)
    if present.missing:
        shown = ", ".join(present.missing[:5]) + (" ..." if len(present.missing) > 5 else "")
        log(f"{table.source}: {len(present.missing)} of {len(table)} images missing, skipped ({shown})")
    if not len(present.table):
        raise DataError(f"{table.source}: none of the {len(table)} images exist under {image_root}")
    files = present.table.column("file")
    if cache is not None:
        images = cache.get(image_root, files, size, workers)
    else:
        images = decode_images([Path(image_root) / f for f in files], size, workers)
    return Split(images, present.table.encode(task), present.table, present.missing)
