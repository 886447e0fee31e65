"""Fixed face regions of an aligned chip, and what one face's attribution is reduced to.

FairFace chips (and the service's faces) are aligned by dlib's five-point alignment at padding
0.25, so the eyes, nose and mouth fall in the same place on every chip, give or take a few
percent: fixed boxes, as fractions of the chip's side, are a defensible stand-in for landmarks.
The boxes are the comparison's (facexai.service.comparison.REGIONS, which this layer may not
import; tests/test_audit_stats.py checks the two agree). Each pixel belongs to the first box that
holds it, in this order; what no box holds is "outside" (hair, ears, background).
"""

from __future__ import annotations

import cv2
import numpy as np

#: (name, (x0, y0, x1, y1)) as fractions of the chip's width and height; first match wins
REGIONS: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("eyes and brows", (0.15, 0.16, 0.85, 0.40)),
    ("nose", (0.33, 0.40, 0.67, 0.58)),
    ("mouth", (0.28, 0.58, 0.72, 0.78)),
    ("cheeks", (0.10, 0.40, 0.90, 0.66)),
    ("chin and jaw", (0.12, 0.66, 0.88, 0.97)),
    ("forehead", (0.15, 0.0, 0.85, 0.16)),
)
OUTSIDE = "hair, ears and background"
REGION_NAMES: tuple[str, ...] = (*(name for name, _ in REGIONS), OUTSIDE)
#: the side of the small |IG| map kept per face (population maps are averages of these)
SMALL = 28


def region_masks(size: int) -> dict[str, np.ndarray]:
    """Boolean masks (size x size) of every region, disjoint and covering the chip."""
    taken = np.zeros((size, size), bool)
    masks: dict[str, np.ndarray] = {}
    grid = (np.arange(size) + 0.5) / size
    ys, xs = np.meshgrid(grid, grid, indexing="ij")
    for name, (x0, y0, x1, y1) in REGIONS:
        mask = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1) & ~taken
        masks[name] = mask
        taken |= mask
    masks[OUTSIDE] = ~taken
    return masks


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
