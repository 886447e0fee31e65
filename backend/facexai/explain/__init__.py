"""Explanation methods. Each is one module, ``facexai/explain/<name>.py``, whose ``METHOD`` (a
:class:`~facexai.explain.base.Method`) builds its explainer on a model's shared forward pass and says how
its maps are drawn, compared, ranked for faithfulness and reduced by the audit; its name is its value in
``facexai.explain.options.ExplainMethod``, and ``facexai.explain.methods.METHODS`` lists them. Callers
(the registry, the analysis, the comparison, the audit) go through that table, never branch on a method.

TensorFlow is imported only when that table is used, not by this package, ``facexai.explain.options``
or ``facexai.explain.render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from facexai.explain.base import Explainer, Forward
    from facexai.explain.options import ExplainMethod


@dataclass(frozen=True)
class ExplainerConfig:
    """What the methods need to know about one model beyond its Keras graph."""

    gradcam_layer: str
    baseline: np.ndarray  # IG's reference image, preprocessed like an input
    ig_batch_size: int = 16


def build_explainers(forward: Forward, config: ExplainerConfig) -> dict[ExplainMethod, Explainer]:
    """Every method's explainer for one model, all on its one forward pass."""
    from facexai.explain.methods import METHODS

    return {name: method.build(forward, config) for name, method in METHODS.items()}
