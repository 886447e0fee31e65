"""The FairFace-layout loader on synthetic chips: missing images are counted and skipped, labels
are encoded in the shared order, images are decoded to uint8 at the input size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.labels import AGE, RACE
from facexai.training.data import DataError, LabelTable, load_split, read_labels


def write_chip(path: Path, colour: tuple[int, int, int], size: int = 40) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), colour).save(path, quality=95)


def table(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> LabelTable:
    csv = tmp_path / "labels.csv"
    csv.write_text("file,age,gender,race,service_test\n" + "".join(f"{f},{a},{g},{r},True\n" for f, a, g, r in rows))
    return read_labels(csv)


def test_missing_images_are_counted_reported_and_skipped(tmp_path: Path) -> None:
    write_chip(tmp_path / "train" / "1.jpg", (200, 10, 10))
    write_chip(tmp_path / "train" / "3.jpg", (10, 10, 200))
    labels = table(
        tmp_path,
        [
            ("train/1.jpg", "3-9", "Male", "Indian"),
            ("train/2.jpg", "20-29", "Female", "White"),
            ("train/3.jpg", "more than 70", "Female", "Middle Eastern"),
        ],
    )
    messages: list[str] = []
    split = load_split(labels, tmp_path, "race", 32, workers=2, log=messages.append)
    assert split.missing == ["train/2.jpg"]
    assert len(messages) == 1 and "1 of 3 images missing" in messages[0] and "train/2.jpg" in messages[0]
    assert split.images.shape == (2, 32, 32, 3) and split.images.dtype == np.uint8
    assert split.targets.tolist() == [RACE.index("Indian"), RACE.index("Middle Eastern")]
    assert split.table.encode("age").tolist() == [AGE.index("3-9"), AGE.index("more than 70")]
    # resized, colours kept (JPEG is lossy: allow a little)
    assert np.abs(split.images[0].astype(int) - [200, 10, 10]).max() < 12
    assert np.abs(split.images[1].astype(int) - [10, 10, 200]).max() < 12


def test_no_images_at_all_is_an_error(tmp_path: Path) -> None:
    labels = table(tmp_path, [("train/9.jpg", "3-9", "Male", "Indian")])
    with pytest.raises(DataError, match="none of the 1 images"):
        load_split(labels, tmp_path, "race", 32, log=lambda _: None)


def test_unknown_label_is_an_error(tmp_path: Path) -> None:
    labels = table(tmp_path, [("train/1.jpg", "3-9", "Male", "Martian")])
    with pytest.raises(DataError, match="'Martian'"):
        labels.encode("race")


def test_missing_column_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("file,age,gender\ntrain/1.jpg,3-9,Male\n")
    with pytest.raises(DataError, match="race"):
        read_labels(tmp_path / "bad.csv")
