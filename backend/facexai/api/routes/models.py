from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from facexai.api.deps import RegistryDep, SettingsDep
from facexai.api.schemas import HealthResponse, ModelInfo, ModelsResponse, SummaryRules
from facexai.core.labels import RACE
from facexai.models.population import PopulationPictures, load_imbalance, load_pictures
from facexai.models.sanity import load_sanity
from facexai.service.comparison import REGION_GAP, STRENGTH_RATIO

router = APIRouter(tags=["service"])


@router.get("/models", response_model=ModelsResponse)
def list_models(registry: RegistryDep, settings: SettingsDep) -> ModelsResponse:
    """The served models with their labels, metrics and model cards, their mean attribution maps per
    race when the bundle has them, the Integrated Gradients steps a request gets and may ask for, the
    race labels and the thresholds the comparison's summary words its figures with."""
    population = load_pictures(registry.manifest)
    sanity = load_sanity(registry.manifest)
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
                arm=m.spec.arm,
                replicate=m.spec.replicate,
                on_request=m.spec.on_request,
                description=m.spec.description,
                metrics=m.spec.metrics,
                training=m.spec.training,
                card_markdown=m.card_markdown,
                user_supplied=m.spec.user_supplied,
                label_map=m.spec.label_map or None,
                **population_fields(population.get(m.name)),
                sanity=sanity.get(m.name),
            )
            for m in registry.models.values()
        ],
        races=list(RACE),
        rules=SummaryRules(strength_ratio=STRENGTH_RATIO, region_gap=REGION_GAP),
        ig_steps=settings.ig_steps,
        ig_max_steps=settings.ig_max_steps,
        imbalance=load_imbalance(registry.manifest),
        compare_default=registry.manifest.compare_default(),
        failed=registry.failed,
    )


def population_fields(p: PopulationPictures | None) -> dict[str, Any]:
    if p is None:
        return {}
    return {
        "mean_attribution_by_race": p.by_race,
        "mean_attribution_all": p.all,
        "mean_attribution_difference_by_race": p.difference_by_race,
        "mean_attribution_faces": p.faces,
        "mean_attribution_regions": p.regions,
        "mean_attribution_comparison": p.comparison,
    }


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
def health(request: Request) -> JSONResponse | HealthResponse:
    """200 "ok" once every model is loaded, or 200 "degraded" when some models are served and others
    failed to load (each named in `failed` with its reason); until then 503 "loading" with the progress,
    or 503 "failed" with the reason when no model could be loaded. `store` says where follow-ups' faces
    are kept and whether that store answers (uploads get 503 store_unavailable while it does not)."""
    registry = getattr(request.app.state, "registry", None)
    store = request.app.state.store.status()  # 200 also without the store: it is reported, not a failure
    if registry is not None:
        return HealthResponse(
            status="degraded" if registry.failed else "ok",
            models_loaded=len(registry.models),
            models_total=len(registry.models) + len(registry.failed),
            models=registry.names,
            store=store,
            failed=registry.failed,
        )
    loading = request.app.state.loading
    body = HealthResponse(
        status="failed" if loading.error else "loading",
        models_loaded=len(loading.loaded),
        models_total=loading.total,
        models=list(loading.loaded),
        detail=loading.error,
        store=store,
    )
    return JSONResponse(status_code=503, content=body.model_dump())
