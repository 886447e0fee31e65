"""facexai.core.chips.resize_chip, the one resize the service, training and evaluation share: area
averaging when shrinking, bilinear when enlarging, shape (size, size, C) and dtype kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facexai.core.chips import resize_chip


def random_chip(side: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)


@pytest.mark.parametrize(("source", "size"), [(224, 64), (224, 160), (300, 150), (50, 64), (64, 224)])
def test_shape_and_dtype_are_kept(source: int, size: int) -> None:
    for dtype in (np.uint8, np.float32):
        out = resize_chip(random_chip(source).astype(dtype), size)
        assert out.shape == (size, size, 3)
        assert out.dtype == dtype


def test_a_chip_already_at_size_is_returned_unchanged() -> None:
    chip = random_chip(64)
    assert resize_chip(chip, 64) is chip


def test_shrinking_averages_blocks() -> None:
    # an integer factor: each output pixel is the mean of its 4x4 block (not one sampled pixel)
    chip = random_chip(224, seed=1)
    out = resize_chip(chip, 56)
    means = chip.reshape(56, 4, 56, 4, 3).astype(np.float64).mean(axis=(1, 3))
    assert np.abs(out.astype(np.float64) - means).max() <= 0.5 + 1e-9
    # a checkerboard of 0 and 255 shrunk by 2 is uniform grey, where nearest-neighbour would alias
    board = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)
    grey = resize_chip(np.repeat(board[..., None], 3, axis=2), 32)
    assert np.abs(grey.astype(int) - 128).max() <= 1


@pytest.mark.parametrize(("source", "size"), [(224, 64), (224, 160), (300, 224)])
def test_shrinking_is_opencv_area_interpolation(source: int, size: int) -> None:
    chip = random_chip(source, seed=source + size)
    expected = cv2.resize(chip, (size, size), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(resize_chip(chip, size), expected)


@pytest.mark.parametrize(("source", "size"), [(50, 64), (64, 224)])
def test_enlarging_is_bilinear(source: int, size: int) -> None:
    chip = random_chip(source, seed=source + size)
    expected = cv2.resize(chip, (size, size), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(resize_chip(chip, size), expected)
    # bilinear: no value outside the range of the source's, and a constant chip stays constant
    out = resize_chip(chip, size)
    assert out.min() >= chip.min() and out.max() <= chip.max()
    flat = np.full((source, source, 3), 77, dtype=np.uint8)
    assert (resize_chip(flat, size) == 77).all()


def test_the_service_feeds_each_model_the_chip_resized_as_training_did() -> None:
    from facexai.service.store import StoredFace

    chip = np.random.default_rng(5).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    face = StoredFace(chip=chip)
    for size in (150, 64, 224, 300):
        np.testing.assert_array_equal(face.at(size), resize_chip(chip, size))
    assert face.at(150) is face.at(150)  # resized once per size
