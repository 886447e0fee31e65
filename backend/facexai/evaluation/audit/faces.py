"""The labelled set of an audit: a FairFace-layout label CSV (file,age,gender,race) and its chips.

Every row is checked once, here: a row whose file is missing or unreadable, or whose label is not
one of the task's (facexai.core.labels), is *skipped* with its reason and the audit goes on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from facexai.core.chips import resize_chip
from facexai.core.fairface import read_labels
from facexai.core.labels import TASK_LABELS


@dataclass(frozen=True)
class Face:
    row: int  # 0-based row of the label CSV
    file: str  # as the CSV names it, relative to the image root
    labels: dict[str, str]  # task -> label


@dataclass
class LabelledSet:
    faces: list[Face]
    skipped: list[dict[str, object]] = field(default_factory=list)  # {"row", "file", "reason"}
    source: str = ""

    def column(self, task: str) -> np.ndarray:
        return np.array([f.labels[task] for f in self.faces])


def read_set(labels: Path, images: Path, limit: int = 0, check_images: bool = True) -> LabelledSet:
    """The CSV's rows (the first ``limit`` when > 0) as faces, minus the skipped ones."""
    table = read_labels(labels).head(limit)
    faces: list[Face] = []
    skipped: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        file = row.get("file", "")
        reason = None
        bad = [
            f"unknown {task} label {row.get(task, '')!r}"
            for task in TASK_LABELS
            if row.get(task) not in TASK_LABELS[task]
        ]
        if not file:
            reason = "no file name"
        elif bad:
            reason = "; ".join(bad)
        elif not (images / file).is_file():
            reason = "missing file"
        elif check_images:
            reason = unreadable(images / file)
        if reason:
            skipped.append({"row": i, "file": file, "reason": reason})
            continue
        faces.append(Face(i, file, {task: row[task] for task in TASK_LABELS}))
    return LabelledSet(faces, skipped, str(labels))


def unreadable(path: Path) -> str | None:
    """None when the file decodes as an image, else why not."""
    try:
        with Image.open(path) as img:
            img.convert("RGB").load()
    except Exception as exc:  # PIL raises many kinds; any of them makes the row unusable
        return f"unreadable image ({type(exc).__name__})"
    return None


def decode_chip(data: bytes, size: int) -> np.ndarray:
    """A file's bytes -> uint8 RGB chip at the model's input size (the service's resize)."""
    with Image.open(io.BytesIO(data)) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return resize_chip(pixels, size)


def choose_population(faces: list[Face], per_race: int, seed: int = 0) -> list[Face]:
    """``per_race`` faces of each race (all where fewer), the first ``per_race`` of a seeded
    permutation of the race's faces (so a larger N keeps the smaller N's faces: a run can grow),
    interleaved race by race so a partial run has about as many faces of every race."""
    rng = np.random.default_rng(seed)
    chosen: list[list[Face]] = []
    for race in TASK_LABELS["race"]:
        of_race = [f for f in faces if f.labels["race"] == race]
        order = rng.permutation(len(of_race))
        chosen.append([of_race[k] for k in order[: per_race if per_race > 0 else len(of_race)]])
    out: list[Face] = []
    for k in range(max((len(c) for c in chosen), default=0)):
        out.extend(c[k] for c in chosen if k < len(c))
    return out
