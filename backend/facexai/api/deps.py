"""Typed dependencies: routes read like signatures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from facexai.core.errors import InvalidParameter, ModelsNotReady
from facexai.explain.options import MIN_STEPS, ExplainedOutput, IGOptions, QuadratureRule
from facexai.models.registry import ModelRegistry
from facexai.service.admission import Admission
from facexai.service.analyzer import Analyzer
from facexai.service.settings import Settings
from facexai.service.store import AnalysisStore


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_registry(request: Request) -> ModelRegistry:
    registry = getattr(request.app.state, "registry", None)
    if registry is None:
        loading = request.app.state.loading
        if loading.error:
            raise ModelsNotReady(f"the models could not be loaded ({loading.error}); see the service's log")
        raise ModelsNotReady(
            f"the models are still loading ({len(loading.loaded)} of {loading.total} loaded)", retry_after_s=5
        )
    return registry


def get_analyzer(request: Request) -> Analyzer:
    get_registry(request)
    return request.app.state.analyzer


def get_admission(request: Request) -> Admission:
    return request.app.state.admission


def get_store(request: Request) -> AnalysisStore:
    """The analyses' store, there before the models load (forgetting one needs no model)."""
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RegistryDep = Annotated[ModelRegistry, Depends(get_registry)]
AnalyzerDep = Annotated[Analyzer, Depends(get_analyzer)]
AdmissionDep = Annotated[Admission, Depends(get_admission)]
StoreDep = Annotated[AnalysisStore, Depends(get_store)]


IGSteps = Annotated[
    int | None,
    Query(ge=MIN_STEPS, description="Integrated Gradients points (default and maximum: the service's settings)"),
]
IGRule = Annotated[QuadratureRule | None, Query(description="quadrature rule (default: the service's setting)")]
IGOutput = Annotated[ExplainedOutput | None, Query(description="explain the class logit or its probability")]


def get_ig_options(
    settings: SettingsDep, ig_steps: IGSteps = None, ig_rule: IGRule = None, ig_output: IGOutput = None
) -> IGOptions:
    """The request's IG query parameters over the service's defaults."""
    try:
        return settings.ig_defaults().override(ig_steps, ig_rule, ig_output, max_steps=settings.ig_max_steps)
    except ValueError as exc:
        raise InvalidParameter(str(exc)) from None


IGOptionsDep = Annotated[IGOptions, Depends(get_ig_options)]

MeasureFaithfulness = Annotated[
    bool,
    Query(
        description="also score each Integrated Gradients and Grad-CAM map's faithfulness (deletion and insertion "
        "curves and 6 random orders, one extra batch of 122 images per map through the model): slower"
    ),
]


def declare_ig_steps_maximum(schema: dict[str, Any], max_steps: int) -> dict[str, Any]:
    """The most steps a request may ask for is a setting, enforced above per app; declare it in the schema too."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["name"] == "ig_steps":
                    for branch in param["schema"].get("anyOf", [param["schema"]]):
                        if branch.get("type") == "integer":
                            branch["maximum"] = max_steps
    return schema
