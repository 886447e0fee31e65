"""The FairFace-layout loader on synthetic chips: missing images are counted and skipped, labels
are encoded in the shared order, images are decoded to uint8 at the input size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.core.fairface import DataError, LabelTable, read_labels
from facexai.core.labels import AGE, RACE
from facexai.training.data import load_split


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


def test_image_cache_decodes_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from facexai.core import fairface
    from facexai.training import data

    for i, colour in enumerate([(250, 0, 0), (0, 250, 0), (0, 0, 250)]):
        write_chip(tmp_path / f"{i}.jpg", colour)
    decoded: list[str] = []
    real = fairface.load_image

    def counting(path: Path, size: int) -> np.ndarray:
        decoded.append(Path(path).name)
        return real(path, size)

    monkeypatch.setattr(fairface, "load_image", counting)
    cache = data.ImageCache()
    first = cache.get(tmp_path, ["0.jpg", "1.jpg"], 16, workers=1)
    second = cache.get(tmp_path, ["2.jpg", "0.jpg", "0.jpg"], 16, workers=1)
    assert sorted(decoded) == ["0.jpg", "1.jpg", "2.jpg"]  # 0.jpg decoded once
    np.testing.assert_array_equal(second[1], first[0])
    np.testing.assert_array_equal(second[2], first[0])
    assert second[0, 0, 0].argmax() == 2 and first[1, 0, 0].argmax() == 1  # order kept
    # another input size is another entry
    assert cache.get(tmp_path, ["1.jpg"], 8, workers=1).shape == (1, 8, 8, 3)


def test_time_limit_stops_before_an_epoch_would_overrun(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from facexai.training import train

    now = [0.0]
    monkeypatch.setattr(train, "time", SimpleNamespace(perf_counter=lambda: now[0]))

    def run(limit: float, epoch_s: list[float]) -> tuple[int | None, int]:
        callback, model = train.TimeLimit(limit), SimpleNamespace(stop_training=False)
        callback.set_model(model)
        now[0] = 0.0
        callback.on_train_begin()
        ran = 0
        for epoch, seconds in enumerate(epoch_s):
            callback.on_epoch_begin(epoch)
            now[0] += seconds
            callback.on_epoch_end(epoch)
            ran += 1
            if model.stop_training:
                break
        return callback.stopped_after, ran

    # 10 s epochs, 35 s limit: after 3 epochs (30 s) a 4th would end at 40 s
    assert run(35, [10] * 10) == (3, 3)
    # the slowest epoch so far is the estimate: a 20 s first epoch (compilation) stops it after 2
    assert run(45, [20, 10, 10, 10]) == (2, 2)
    assert run(100, [10, 10, 10]) == (None, 3)
