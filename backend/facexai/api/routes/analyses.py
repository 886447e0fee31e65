from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from facexai.api.deps import AdmissionDep, AnalyzerDep, IGOptionsDep, MeasureFaithfulness, StoreDep
from facexai.api.handlers import UNAVAILABLE
from facexai.api.schemas import ClassGrid, Comparison, ErrorResponse, ExplainMethod, ExplainMode, Explanation
from facexai.core.errors import ModelsNotComparable

router = APIRouter(prefix="/analyses", tags=["analysis"])

FaceIndex = Annotated[int, Path(ge=0, description="the face's `index` in the analysis", examples=[0])]
ModelName = Annotated[str, Path(description="a served model's name (GET /models)", examples=["race"])]

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "analysis_not_found (expired), face_not_found or unknown_model"},
    422: {"model": ErrorResponse, "description": "unknown_label, models_not_comparable, or validation_error"},
    503: UNAVAILABLE,
}

FORGET_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "analysis_not_found: unknown, expired or forgotten already"},
    503: {
        "model": ErrorResponse,
        "description": "store_unavailable: the shared analysis store (Redis) does not answer (with Retry-After)",
        "headers": {
            "Retry-After": {
                "description": "seconds after which a retry may succeed",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}


@router.delete("/{analysis_id}", status_code=204, response_class=Response, responses=FORGET_ERRORS)
def forget_analysis(
    store: StoreDep,
    analysis_id: Annotated[str, Path(description="the `analysis_id` POST /analyze answered")],
) -> None:
    """Forget an analysis now: its aligned faces leave the store (this process's memory, or Redis for every
    replica) instead of expiring after `expires_in_s`; its follow-ups then answer 404 analysis_not_found."""
    store.delete(analysis_id)


@router.get("/{analysis_id}/faces/{face_index}/explanations/{model}", response_model=Explanation, responses=ERRORS)
async def explain_face(
    analyzer: AnalyzerDep,
    admission: AdmissionDep,
    ig: IGOptionsDep,
    analysis_id: str,
    face_index: FaceIndex,
    model: ModelName,
    target: Annotated[str | None, Query(description="the label to explain (default: the model's top class)")] = None,
    explain: Annotated[ExplainMode, Query()] = ExplainMode.both,
    faithfulness: MeasureFaithfulness = False,
) -> Explanation:
    """Explain any class of any model for a face of a recent analysis, without uploading again."""
    async with admission.slot():
        result = await run_in_threadpool(
            analyzer.explain, analysis_id, face_index, model, target, explain.methods, ig, faithfulness
        )
    return Explanation.model_validate(result)


@router.get("/{analysis_id}/faces/{face_index}/compare", response_model=Comparison, responses=ERRORS)
async def compare_models(
    analyzer: AnalyzerDep,
    admission: AdmissionDep,
    ig: IGOptionsDep,
    analysis_id: str,
    face_index: FaceIndex,
    models: Annotated[
        list[str] | None,
        Query(
            min_length=2,
            max_length=2,
            description="two different models with the same labels (default: the bundle's bias pair, "
            "`compare_default` in GET /models: race_control and race_biased)",
        ),
    ] = None,
    reference: Annotated[
        bool,
        Query(
            description="also explain another training seed of the first model on this face, where the bundle has "
            "one (race_control_2 for race_control): what retraining alone moves here; one explanation more"
        ),
    ] = True,
    target: Annotated[
        str | None, Query(description="the label to explain (default: the first model's top class)")
    ] = None,
    method: Annotated[ExplainMethod, Query()] = ExplainMethod.integrated_gradients,
) -> Comparison:
    """Two models' explanations of one class on one shared colour scale, their difference and a summary."""
    async with admission.slot():
        pair = models or analyzer.registry.manifest.compare_default()
        if pair is None:
            raise ModelsNotComparable("name two models: this bundle has no biased model with a reference to compare")
        result = await run_in_threadpool(
            analyzer.compare, analysis_id, face_index, pair, target, method, ig, reference=reference
        )
    return Comparison.model_validate(result)


@router.get("/{analysis_id}/faces/{face_index}/grid/{model}", response_model=ClassGrid, responses=ERRORS)
async def class_grid(
    analyzer: AnalyzerDep,
    admission: AdmissionDep,
    ig: IGOptionsDep,
    analysis_id: str,
    face_index: FaceIndex,
    model: ModelName,
    method: Annotated[ExplainMethod, Query()] = ExplainMethod.integrated_gradients,
) -> ClassGrid:
    """Every class of a model explained for a face of a recent analysis, all maps on one shared colour scale,
    so what speaks for each class can be compared at a glance."""
    async with admission.slot():
        result = await run_in_threadpool(analyzer.class_grid, analysis_id, face_index, model, method, ig)
    return ClassGrid.model_validate(result)
