"""Fixed face regions of an aligned chip, and what one face's attribution is reduced to.

FairFace chips (and the service's faces) are aligned by dlib's five-point alignment at padding
0.25, so the eyes, nose and mouth fall in the same place on every chip, give or take a few
percent: fixed boxes, as fractions of the chip's side, are a defensible stand-in for landmarks.
The boxes are those of facexai.core.regions, the same ones the service's comparison uses.
"""

from __future__ import annotations

import cv2
import numpy as np

from facexai.core.regions import OUTSIDE, REGION_NAMES, REGIONS, region_masks

__all__ = ["OUTSIDE", "REGIONS", "REGION_NAMES", "SMALL", "region_masks", "shares", "small_map"]

#: the side of the small |IG| map kept per face (population maps are averages of these)
SMALL = 28


def shares(magnitude: np.ndarray) -> np.ndarray:
    """The share of a non-negative map's total in each region (REGION_NAMES order); zeros when
    the map is all zero."""
    magnitude = np.asarray(magnitude, np.float64)
    masks = region_masks(magnitude.shape[0])
    total = float(magnitude.sum())
    if total <= 0:
        return np.zeros(len(REGION_NAMES))
    return np.array([magnitude[masks[name]].sum() / total for name in REGION_NAMES])


def small_map(magnitude: np.ndarray, size: int = SMALL) -> np.ndarray:
    """A non-negative map area-resized to size x size and divided by its sum (each face counts
    equally in a mean); zeros when the map is all zero."""
    cells = cv2.resize(np.asarray(magnitude, np.float32), (size, size), interpolation=cv2.INTER_AREA)
    total = float(cells.sum())
    return cells / total if total > 0 else np.zeros_like(cells)


def reduce_ig(heatmap: np.ndarray, size: int = SMALL) -> tuple[np.ndarray, np.ndarray]:
    """One face's signed IG (summed over channels) -> (region shares of |IG|, small |IG| map)."""
    magnitude = np.abs(np.asarray(heatmap, np.float32))
    return shares(magnitude), small_map(magnitude, size)


def reduce_gradcam(heatmap: np.ndarray, size: int = SMALL) -> tuple[np.ndarray, np.ndarray]:
    """One face's Grad-CAM (at its layer's resolution, >= 0) upsampled to a square chip, then
    reduced like IG."""
    cam = np.maximum(np.asarray(heatmap, np.float32), 0)
    up = cv2.resize(cam, (size * 4, size * 4), interpolation=cv2.INTER_LINEAR)
    return shares(up), small_map(up, size)
