from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from facexai.api.deps import RegistryDep
from facexai.api.schemas import HealthResponse, ModelInfo, ModelsResponse

router = APIRouter(tags=["service"])


@router.get("/models", response_model=ModelsResponse)
def list_models(registry: RegistryDep) -> ModelsResponse:
    """The served models with their labels, metrics and model cards."""
    return ModelsResponse(
        models=[
            ModelInfo(
                name=m.spec.name,
                display_name=m.spec.display_name,
                task=m.spec.task,
                labels=m.spec.labels,
                input_size=m.spec.input_size,
                preprocessing=m.spec.preprocessing,
                gradcam_layer=m.spec.gradcam_layer,
                architecture=m.spec.architecture,
                biased=m.spec.biased,
                description=m.spec.description,
                metrics=m.spec.metrics,
                training=m.spec.training,
                card_markdown=m.card_markdown,
            )
            for m in registry.models.values()
        ]
    )


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def health(request: Request) -> JSONResponse | HealthResponse:
    """Ready (200) only once every model is loaded."""
    registry = getattr(request.app.state, "registry", None)
    if registry is None:
        body = HealthResponse(status="loading", models_loaded=0, models=[])
        return JSONResponse(status_code=503, content=body.model_dump())
    return HealthResponse(status="ok", models_loaded=len(registry.models), models=registry.names)
