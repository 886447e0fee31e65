"""Explanation methods. ``EXPLAINERS`` is the one table of them: a method's name -> how to build it
for a model. Callers (the registry, the analysis) go through this table and the shared
:class:`~facexai.explain.base.Explainer` call shape, so a new method is one class and one row here
(and its picture in ``facexai.service.pictures``).

TensorFlow is imported only when this table is used, not by ``facexai.explain.options`` or
``facexai.explain.render``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from facexai.explain.options import ExplainMethod

if TYPE_CHECKING:
    from facexai.explain.base import Explainer, Forward


@dataclass(frozen=True)
class ExplainerConfig:
    """What the methods need to know about one model beyond its Keras graph."""

    gradcam_layer: str
    baseline: np.ndarray  # IG's reference image, preprocessed like an input
    ig_batch_size: int = 16


def _grad_cam(forward: Forward, config: ExplainerConfig) -> Explainer:
    from facexai.explain.gradcam import GradCam

    return GradCam(forward, config.gradcam_layer)


def _integrated_gradients(forward: Forward, config: ExplainerConfig) -> Explainer:
    from facexai.explain.integrated_gradients import IntegratedGradients

    return IntegratedGradients(forward, batch_size=config.ig_batch_size, baseline=config.baseline)


EXPLAINERS: dict[ExplainMethod, Callable[[Forward, ExplainerConfig], Explainer]] = {
    ExplainMethod.grad_cam: _grad_cam,
    ExplainMethod.integrated_gradients: _integrated_gradients,
}


def build_explainers(forward: Forward, config: ExplainerConfig) -> dict[ExplainMethod, Explainer]:
    """Every method of the table for one model, all on its one forward pass."""
    return {method: build(forward, config) for method, build in EXPLAINERS.items()}
