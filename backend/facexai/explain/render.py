"""Heatmaps to pictures: colour maps, overlays, shared scales, PNG/base64. No TensorFlow here.

Colour scales (documented in docs/how_it_works.md):
- IG magnitude: |attribution| summed over channels, scaled to [0, 1] by its 99th percentile
  (``CLIP_PERCENTILE``) and clipped, so a few extreme pixels do not wash out the rest.
- IG signed: symmetric around 0 at the 99th percentile of |map|; red is evidence for the
  target class, blue against.
- Grad-CAM: divided by its maximum (a map that is all zero stays zero).

Opacity: every heatmap is transparent below ``ALPHA_LOW`` of its scale and opaque from
``ALPHA_HIGH`` on, with a smooth ramp between (``alpha_ramp``). Near-zero attribution is therefore
invisible: the face shows through where a map says nothing, instead of being tinted all over by
the colour map's low end (inferno's dark purple, jet's dark blue), which made an IG map read as a
vein texture with its signal in a few bright flecks. Only the picture changes; the attributions,
scales and every number in the responses do not.

IG maps are smoothed for display with a Gaussian of sigma = 1% of the face's side (2.2 px at
224), which turns pixel speckle into readable regions without moving them; completeness and
the numbers in responses use the unsmoothed attributions. Every picture is drawn at
``DISPLAY_SIZE`` (or the model's input size, if larger): maps are upsampled bilinearly onto a
sharp chip rather than the chip being shrunk to a small model's input.
"""

from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from matplotlib import colormaps
from PIL import Image

CLIP_PERCENTILE = 99.0
OVERLAY_ALPHA = 0.7
DISPLAY_SIZE = 224
SMOOTH_FRACTION = 0.01
#: the alpha ramp's ends, as fractions of the colour scale (|value| on [0, 1])
ALPHA_LOW = 0.15
ALPHA_HIGH = 0.6
_LUTS = {
    name: (colormaps[name](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)
    for name in ("inferno", "jet", "RdBu_r")
}


def robust_max(values: np.ndarray, percentile: float = CLIP_PERCENTILE) -> float:
    """The ``percentile`` of |values|; falls back to the maximum, and to 0 for an all-zero map."""
    mags = np.abs(values)
    top = float(np.percentile(mags, percentile)) if mags.size else 0.0
    if top <= 0.0:
        top = float(mags.max()) if mags.size else 0.0
    return top


def normalize(values: np.ndarray, scale: float) -> np.ndarray:
    """values / scale clipped to [0, 1] (or [-1, 1] for signed values); zeros when scale is 0."""
    if scale <= 0.0 or not np.isfinite(scale):
        return np.zeros_like(values, dtype=np.float32)
    lo = -1.0 if np.any(values < 0) else 0.0
    return np.clip(values / scale, lo, 1.0).astype(np.float32)


def resize_map(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float map to (width, height)."""
    if values.shape[::-1] == size:
        return values.astype(np.float32)
    img = Image.fromarray(values.astype(np.float32), mode="F")
    return np.asarray(img.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def colorize(unit: np.ndarray, cmap: str = "inferno") -> np.ndarray:
    """Map [0, 1] (or [-1, 1] for diverging maps) to uint8 RGB."""
    lut = _LUTS[cmap]
    if cmap == "RdBu_r":
        unit = (unit + 1.0) / 2.0
    idx = np.clip(np.rint(unit * 255), 0, 255).astype(np.intp)
    return lut[idx]


def alpha_ramp(unit: np.ndarray, low: float = ALPHA_LOW, high: float = ALPHA_HIGH) -> np.ndarray:
    """Opacity of a map on [0, 1] (or [-1, 1]): 0 up to |value| = ``low``, 1 from ``high``, smoothstep between."""
    t = np.clip((np.abs(unit) - low) / (high - low), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def heatmap_rgba(unit: np.ndarray, cmap: str = "inferno") -> np.ndarray:
    """Colour map with alpha = alpha_ramp(|value|), so a heatmap can be laid over the face at any opacity."""
    rgb = colorize(unit, cmap)
    alpha = np.clip(np.rint(alpha_ramp(unit) * 255), 0, 255).astype(np.uint8)
    return np.dstack([rgb, alpha])


def overlay(face: np.ndarray, unit: np.ndarray, cmap: str = "inferno", alpha: float = OVERLAY_ALPHA) -> np.ndarray:
    """Blend a coloured map over the face (uint8 RGB, same height and width); weight = alpha * alpha_ramp."""
    if face.shape[:2] != unit.shape:
        unit = resize_map(unit, (face.shape[1], face.shape[0]))
    rgb = colorize(unit, cmap).astype(np.float32)
    # near-zero stays transparent, the strongest evidence is drawn at full `alpha`
    weight = (alpha * alpha_ramp(unit))[..., None]
    out = face.astype(np.float32) * (1 - weight) + rgb * weight
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def to_png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def to_base64_png(pixels: np.ndarray) -> str:
    return base64.b64encode(to_png(pixels)).decode("ascii")


def smooth(values: np.ndarray, fraction: float = SMOOTH_FRACTION) -> np.ndarray:
    """Gaussian smoothing with sigma = ``fraction`` of the map's side."""
    sigma = fraction * max(values.shape)
    if sigma < 0.3:
        return values.astype(np.float32)
    return cv2.GaussianBlur(values.astype(np.float32), (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)


def display_size(model_size: int) -> int:
    return max(DISPLAY_SIZE, model_size)


def ig_magnitude(heatmap: np.ndarray, scale: float | None = None) -> np.ndarray:
    """|IG heatmap| on [0, 1], by its own 99th percentile unless a shared ``scale`` is given."""
    mags = np.abs(heatmap)
    return normalize(mags, robust_max(mags) if scale is None else scale)


def ig_signed(heatmap: np.ndarray, scale: float | None = None) -> np.ndarray:
    return normalize(heatmap, robust_max(heatmap) if scale is None else scale)


def gradcam_unit(cam: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Upsample a Grad-CAM map to ``size`` and divide by its maximum; returns (map, max)."""
    up = np.maximum(resize_map(cam, size), 0.0)
    peak = float(cam.max()) if cam.size else 0.0
    return normalize(up, float(up.max()) if peak > 0 else 0.0), peak


def pool_grid(values: np.ndarray, grid: int) -> np.ndarray:
    """Average-pool a map to grid x grid cells (edges that do not divide evenly are included)."""
    h, w = values.shape
    ys = np.linspace(0, h, grid + 1).astype(int)
    xs = np.linspace(0, w, grid + 1).astype(int)
    return np.array(
        [[float(values[ys[i] : ys[i + 1], xs[j] : xs[j + 1]].mean()) for j in range(grid)] for i in range(grid)]
    )


def small_map(magnitude: np.ndarray, size: int) -> np.ndarray:
    """A non-negative map area-resized to size x size and divided by its sum (each face counts
    equally in a mean: the audit's population maps); zeros when the map is all zero."""
    cells = cv2.resize(np.asarray(magnitude, np.float32), (size, size), interpolation=cv2.INTER_AREA)
    total = float(cells.sum())
    return cells / total if total > 0 else np.zeros_like(cells)
