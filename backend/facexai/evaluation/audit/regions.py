"""Fixed face regions of an aligned chip, and the side of the small map the audit keeps per face.

FairFace chips (and the service's faces) are aligned by dlib's five-point alignment at padding
0.25, so the eyes, nose and mouth fall in the same place on every chip, give or take a few
percent: fixed boxes, as fractions of the chip's side, are a defensible stand-in for landmarks.
The boxes and the one share computation are those of facexai.core.regions, which the service's
comparison uses too; what a face's map is reduced to is each method's (``Method.reduce``, with
``region_shares`` and ``facexai.explain.render.small_map``).
"""

from __future__ import annotations

from facexai.core.regions import OUTSIDE, REGION_NAMES, REGIONS, region_masks

__all__ = ["OUTSIDE", "REGIONS", "REGION_NAMES", "SMALL", "region_masks"]

#: the side of the small map kept per face (population maps are averages of these)
SMALL = 28
