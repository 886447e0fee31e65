"""Face regions of an aligned chip, and the share of a map in each: one definition for the service's
comparison of two maps and the audit's population statistics (``region_shares`` is the only place a
share is computed).

FairFace chips (and the service's faces) are aligned by dlib's five-point alignment at padding 0.25,
so the eyes, nose and mouth fall in the same place on every chip, give or take a few percent: fixed
boxes, as fractions of the chip's side, are a defensible stand-in for landmarks. Measured from dlib's
68 landmarks on chips cut at padding 0.25: brows y ~0.22, eyes y ~0.31, nose tip y ~0.52, mouth
y ~0.68, chin y ~0.93, jaw x 0.11-0.88. Each pixel belongs to the first box that holds it, in this
order; what no box holds is "outside" (hair, ears, background).
"""

from __future__ import annotations

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


def region_shares(values: np.ndarray) -> np.ndarray:
    """The share of a non-negative square map's total in each region, in ``REGION_NAMES`` order (float64);
    zeros when the map is all zero. Sums in the map's own precision (the audit passes float64, the
    comparison its float32 maps), each divided as a Python float."""
    masks = region_masks(values.shape[0])
    total = float(values.sum())
    if total <= 0:
        return np.zeros(len(REGION_NAMES))
    return np.array([float(values[masks[name]].sum()) / total for name in REGION_NAMES])
