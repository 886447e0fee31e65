"""What an analysis returns, as plain dataclasses: the domain's own types.

The web layer (``facexai.api.schemas``) mirrors these field by field and maps them with
``from_attributes``; nothing here knows about HTTP or pydantic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from facexai.explain.base import Faithfulness, MapResult, Png
from facexai.explain.grad_cam import GradCamResult
from facexai.explain.integrated_gradients import IntegratedGradientsResult
from facexai.explain.options import ExplainMethod

# each method's result is defined with the method (facexai/explain/<name>.py); the domain's types are all here
__all__ = ["Faithfulness", "GradCamResult", "IntegratedGradientsResult", "MapResult", "Png"]


class BoxLike(Protocol):
    left: int
    top: int
    right: int
    bottom: int


@dataclass
class Prediction:
    label: str  # the most probable label
    probabilities: dict[str, float]  # in the model's label order

    @classmethod
    def of(cls, labels: Sequence[str], probabilities: np.ndarray) -> Prediction:
        return cls(
            label=labels[int(np.argmax(probabilities))],
            probabilities={lab: float(p) for lab, p in zip(labels, probabilities, strict=True)},
        )


@dataclass
class Explanation:
    """One class's explanations: one field per method of ``facexai.explain.methods.METHODS``, named after it
    and holding its ``Method.result`` (None when not asked for); tests/test_explanations.py checks they agree."""

    target: str
    target_probability: float
    integrated_gradients: IntegratedGradientsResult | None = None
    grad_cam: GradCamResult | None = None

    def put(self, method: ExplainMethod, result: MapResult) -> None:
        """Store one method's result under the field of the method's name."""
        setattr(self, method.value, result)


@dataclass
class FaceResult:
    index: int
    box: BoxLike  # in the photo's own pixels
    aligned_image: Png  # the aligned face chip, at the largest model input size
    predictions: dict[str, Prediction] = field(default_factory=dict)
    explanations: dict[str, Explanation] = field(default_factory=dict)


@dataclass
class ImageInfo:
    width: int
    height: int
    format: str


@dataclass
class AnalysisResult:
    analysis_id: str
    expires_in_s: int
    image: ImageInfo
    aligned: bool
    faces_found: int
    faces_skipped: int
    models: list[str]
    faces: list[FaceResult]
    timings_ms: dict[str, float]


@dataclass
class ClassMap:
    """One class's map in a class grid, on the grid's shared scale."""

    image: Png  # overlay on the aligned face
    heatmap: Png  # RGBA: the map alone, alpha = its value on the shared scale
    probability: float
    max_value: float  # the map's own top (IG: 99th percentile of |map|; Grad-CAM: maximum), in scale_max's units


@dataclass
class ClassGrid:
    """Every class of one model for one face, all maps on one shared colour scale."""

    method: ExplainMethod
    scale_max: float
    classes: dict[str, ClassMap]  # in the model's label order


@dataclass
class RegionShare:
    region: str
    shares: dict[str, float]  # model -> share of its |attribution| in this region


@dataclass
class Comparison:
    target: str
    method: ExplainMethod
    models: list[str]
    scale_max: float
    images: dict[str, Png]
    heatmaps: dict[str, Png]
    difference_image: Png
    raw: dict[str, list[list[float]]]
    grid_size: int
    correlation: float
    regions: list[RegionShare]
    summary: str
    probabilities: dict[str, float]
    strength: dict[str, float] = field(default_factory=dict)  # model -> mean of its map on the shared scale
    completeness_errors: dict[str, float] = field(default_factory=dict)  # model -> its IG map's relative error
    approximate: list[str] = field(default_factory=list)  # models whose IG map is too coarse to read parts from
    #: another seed of the first model explained on this face (what retraining alone moves), its largest
    #: region-share gap to the first model, and the second model's
    reference: str | None = None
    largest_difference: float | None = None
    largest_retraining: float | None = None
    #: model -> the label its map explains (the second model's differs where the two relate through a label map)
    targets: dict[str, str] = field(default_factory=dict)
