"""FairFace in its official layout: label CSVs and JPEG chips, read by training and evaluation alike.

A label CSV has the columns ``file,age,gender,race,service_test`` with ``file`` relative to the
image root. Rows whose image is missing are found by ``keep_present`` so callers can report and
skip them. Images are decoded in parallel (PIL releases the GIL while decoding) straight into one
uint8 array at the model's input size, resized the service's way (facexai.core.chips.resize_chip).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from facexai.core.chips import resize_chip
from facexai.core.labels import labels_for

COLUMNS: tuple[str, ...] = ("file", "age", "gender", "race", "service_test")
#: the columns every label table needs (service_test is optional for evaluation sets)
REQUIRED: tuple[str, ...] = ("file", "age", "gender", "race")


class DataError(ValueError):
    """A label file is malformed or holds labels outside the task's vocabulary."""


@dataclass
class LabelTable:
    """Rows of a FairFace label CSV, one dict of strings per row."""

    rows: list[dict[str, str]]
    source: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[str]:
        return [row[name] for row in self.rows]

    def counts(self, name: str) -> dict[str, int]:
        return dict(Counter(self.column(name)).most_common())

    def head(self, n: int) -> LabelTable:
        return LabelTable(self.rows[:n] if n > 0 else list(self.rows), self.source)

    def encode(self, task: str) -> np.ndarray:
        """Class indices in the task's label order (see facexai.core.labels)."""
        index = {label: i for i, label in enumerate(labels_for(task))}
        try:
            return np.array([index[row[task]] for row in self.rows], dtype=np.int32)
        except KeyError as exc:
            raise DataError(f"{self.source}: {task} label {exc.args[0]!r} is not one of {list(index)}") from None


def read_labels(path: Path | str) -> LabelTable:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"label file not found: {path}")
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = set(REQUIRED) - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path}: missing columns {sorted(missing)}; expected {list(COLUMNS)}")
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    return LabelTable(rows, source=str(path))


def write_labels(table: LabelTable | Sequence[dict[str, str]], path: Path | str) -> None:
    rows = table.rows if isinstance(table, LabelTable) else list(table)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS})


@dataclass
class Present:
    """The rows whose image exists, and the files that did not."""

    table: LabelTable
    missing: list[str] = field(default_factory=list)


def keep_present(table: LabelTable, image_root: Path | str) -> Present:
    root = Path(image_root)
    kept: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    for row in table.rows:
        (kept if (root / row["file"]).is_file() else missing).append(row)
    return Present(LabelTable(kept, table.source), [row["file"] for row in missing])


def load_image(path: Path | str, size: int) -> np.ndarray:
    """One RGB chip as uint8 (size, size, 3), resized the service's way when needed."""
    with Image.open(path) as file:
        pixels = np.asarray(file.convert("RGB"), dtype=np.uint8)
    return resize_chip(pixels, size)


def decode_images(paths: Iterable[Path | str], size: int, workers: int = 8) -> np.ndarray:
    """Decode ``paths`` in parallel into one preallocated uint8 array (N, size, size, 3)."""
    paths = list(paths)
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)

    def fill(i: int) -> None:
        out[i] = load_image(paths[i], size)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in pool.map(fill, range(len(paths))):
            pass
    return out
