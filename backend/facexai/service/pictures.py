"""An explanation's numbers to what a person sees: PNG overlays and heatmaps (``facexai.service.results``).

``PICTURES`` is the table from a method to its renderer, next to ``facexai.explain.EXPLAINERS``;
the colour scales themselves are in ``facexai.explain.render``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from facexai.explain import render
from facexai.explain.base import Attribution
from facexai.explain.options import ExplainedOutput, ExplainMethod, QuadratureRule
from facexai.service.results import ClassGrid, ClassMap, GradCamResult, IntegratedGradientsResult, MethodResult

#: IG's baseline as the API reports it: the black image in pixel space, before preprocessing
BASELINE = "black"


def grad_cam_picture(attribution: Attribution, chip: np.ndarray) -> GradCamResult:
    """Grad-CAM over ``chip`` (the face at display size), divided by its maximum."""
    t = time.perf_counter()
    size = chip.shape[0]
    unit, peak = render.gradcam_unit(attribution.heatmap, (size, size))
    return GradCamResult(
        image=render.to_png(render.overlay(chip, unit, "jet")),
        heatmap=render.to_png(render.heatmap_rgba(unit, "jet")),
        layer=str(attribution.details["layer"]),
        max_value=peak,
        elapsed_ms=round(attribution.elapsed_ms + (time.perf_counter() - t) * 1000, 2),
    )


def integrated_gradients_picture(attribution: Attribution, chip: np.ndarray) -> IntegratedGradientsResult:
    """|IG| and signed IG over ``chip``, smoothed for display, each on its own 99th-percentile scale."""
    size = chip.shape[0]
    heat = render.resize_map(render.smooth(attribution.heatmap), (size, size))
    magnitude = render.ig_magnitude(heat)
    assert attribution.completeness_error is not None
    assert attribution.score_input is not None and attribution.score_baseline is not None
    return IntegratedGradientsResult(
        image=render.to_png(render.overlay(chip, magnitude, "inferno")),
        heatmap=render.to_png(render.heatmap_rgba(magnitude, "inferno")),
        signed_image=render.to_png(render.overlay(chip, render.ig_signed(heat), "RdBu_r", alpha=0.8)),
        completeness_error=attribution.completeness_error,
        completeness_error_abs=attribution.completeness_error_abs or 0.0,
        steps=int(attribution.details["steps"]),
        rule=QuadratureRule(attribution.details["rule"]),
        output=ExplainedOutput(attribution.details["output"]),
        baseline=BASELINE,
        clip_percentile=render.CLIP_PERCENTILE,
        score_input=attribution.score_input,
        score_baseline=attribution.score_baseline,
        elapsed_ms=attribution.elapsed_ms,
    )


PICTURES: dict[ExplainMethod, Callable[[Attribution, np.ndarray], MethodResult]] = {
    ExplainMethod.grad_cam: grad_cam_picture,
    ExplainMethod.integrated_gradients: integrated_gradients_picture,
}


def picture(attribution: Attribution, chip: np.ndarray) -> MethodResult:
    return PICTURES[attribution.method](attribution, chip)


def _grid_magnitudes(attribution: Attribution, size: int) -> tuple[np.ndarray, float]:
    """A class's map as the single pictures draw it, at ``size``, before scaling: (map >= 0, its own top).

    IG: |heatmap| smoothed and upsampled, its top the 99th percentile; Grad-CAM: relu'd and upsampled
    bilinearly, its top the maximum."""
    if attribution.method == ExplainMethod.integrated_gradients:
        mags = np.abs(render.resize_map(render.smooth(attribution.heatmap), (size, size)))
        return mags, render.robust_max(mags)
    up = np.maximum(render.resize_map(attribution.heatmap, (size, size)), 0.0)
    return up, float(up.max()) if up.size else 0.0


def class_grid_picture(
    attributions: list[Attribution], labels: list[str], chip: np.ndarray, method: ExplainMethod
) -> ClassGrid:
    """Every class's map over ``chip`` on ONE scale: IG's robust maximum (99th percentile) of all
    classes' |maps| together, Grad-CAM's maximum of all classes' maps, so colours compare across classes."""
    size = chip.shape[0]
    maps = [_grid_magnitudes(a, size) for a in attributions]
    if method == ExplainMethod.integrated_gradients:
        scale = render.robust_max(np.concatenate([m.ravel() for m, _ in maps]))
        cmap = "inferno"
    else:
        scale = max((top for _, top in maps), default=0.0)
        cmap = "jet"
    classes = {}
    for label, a, (mags, top) in zip(labels, attributions, maps, strict=True):
        unit = render.normalize(mags, scale)
        classes[label] = ClassMap(
            image=render.to_png(render.overlay(chip, unit, cmap)),
            heatmap=render.to_png(render.heatmap_rgba(unit, cmap)),
            probability=a.probability,
            max_value=top,
        )
    return ClassGrid(method=method, scale_max=scale, classes=classes)
