"""An explanation's numbers to what a person sees: PNG overlays and heatmaps (``facexai.service.results``).

Each method draws its own map (``Method.picture`` in ``facexai/explain/<name>.py``); the class grid puts
one method's maps of every class on one colour scale. The colour scales themselves are in
``facexai.explain.render``.
"""

from __future__ import annotations

import numpy as np

from facexai.explain import render
from facexai.explain.base import Attribution, MapResult
from facexai.explain.methods import METHODS
from facexai.explain.options import ExplainMethod
from facexai.service.results import ClassGrid, ClassMap


def picture(attribution: Attribution, chip: np.ndarray) -> MapResult:
    """One map drawn over ``chip`` (the face at display size) by its method."""
    return METHODS[attribution.method].picture(attribution, chip)


def class_grid_picture(
    attributions: list[Attribution], labels: list[str], chip: np.ndarray, method: ExplainMethod
) -> ClassGrid:
    """Every class's map over ``chip`` on ONE scale (``Method.shared_scale`` of the maps as its pictures
    draw them: IG's robust maximum of all classes' |maps| together, Grad-CAM's maximum of all classes'
    maps), so colours compare across classes."""
    spec = METHODS[method]
    size = chip.shape[0]
    maps = [spec.display_map(a, size) for a in attributions]
    scale = spec.shared_scale(maps)
    classes = {}
    for label, a, (mags, top) in zip(labels, attributions, maps, strict=True):
        unit = render.normalize(mags, scale)
        classes[label] = ClassMap(
            image=render.to_png(render.overlay(chip, unit, spec.colours)),
            heatmap=render.to_png(render.heatmap_rgba(unit, spec.colours)),
            probability=a.probability,
            max_value=top,
        )
    return ClassGrid(method=method, scale_max=scale, classes=classes)
