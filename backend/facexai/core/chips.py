"""Resizing a face chip to a model's input size: the one function the service, training and
evaluation share, so a model sees chips resized the same way it learnt from.

It needs only OpenCV (no dlib), so training and evaluation can run where dlib is not installed.
"""

from __future__ import annotations

import cv2
import numpy as np


def resize_chip(chip: np.ndarray, size: int) -> np.ndarray:
    """A square chip (H, W, C) resized to (size, size, C), same dtype: area averaging when
    shrinking (no aliasing), bilinear when enlarging; returned unchanged when already that size."""
    if chip.shape[0] == size and chip.shape[1] == size:
        return chip
    interpolation = cv2.INTER_AREA if chip.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(chip, (size, size), interpolation=interpolation)


def known_chip(size: int) -> np.ndarray:
    """A deterministic drawing of a face, as a dlib-aligned chip would frame one (uint8 RGB, size x size):
    the known input ``facexai models add`` runs a new model on. Drawn here, from arithmetic alone, so it
    is the same everywhere and owes nothing to any photo or data set."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1)
    img = np.empty((size, size, 3), np.float32)
    img[...] = np.stack([0.35 + 0.2 * y, 0.45 + 0.1 * x, 0.6 - 0.1 * y], axis=-1)  # a soft background

    def ellipse(cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0

    face = ellipse(0.5, 0.52, 0.36, 0.46)
    shade = np.clip(1.0 - 0.5 * ((x - 0.45) ** 2 + (y - 0.45) ** 2), 0.6, 1.0)[..., None]
    img[face] = (np.array([0.86, 0.66, 0.52], np.float32) * shade)[face]
    img[face & (y < 0.22)] = (0.25, 0.17, 0.12)  # hair
    for cx in (0.35, 0.65):
        img[ellipse(cx, 0.34, 0.09, 0.025)] = (0.3, 0.2, 0.15)  # brows
        img[ellipse(cx, 0.42, 0.07, 0.035)] = (0.95, 0.95, 0.95)  # eyes
        img[ellipse(cx, 0.42, 0.03, 0.03)] = (0.15, 0.1, 0.08)  # irises
    img[ellipse(0.5, 0.56, 0.04, 0.09) & (x > 0.5)] *= 0.8  # the nose's shadow
    img[ellipse(0.5, 0.73, 0.13, 0.04)] = (0.7, 0.3, 0.3)  # mouth
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)
