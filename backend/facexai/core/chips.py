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
