"""Assembles the app: settings, lifespan (models load once), middleware, routers, error handlers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from facexai import __version__
from facexai.api.deps import declare_ig_steps_maximum
from facexai.api.handlers import install_error_handlers
from facexai.api.limits import ENVELOPE_BYTES, BodyLimit, keep_uploads_in_memory
from facexai.api.openapi import link_follow_ups
from facexai.api.replica import ReplicaHeader, declare_replica_header
from facexai.api.routes import analyses, analyze, models
from facexai.api.security import SecurityHeaders
from facexai.api.webapp import mount_web_app
from facexai.service.admission import Admission
from facexai.service.settings import Settings, get_settings
from facexai.service.store import open_store

log = logging.getLogger("facexai")


class Loading:
    """The models' loading, as /health reports it: which are loaded, and why it failed if it did."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.loaded: list[str] = []
        self.error: str | None = None


def build_state(app: FastAPI, settings: Settings) -> None:
    """Load the models and build everything requests use. (TensorFlow is already imported with this module:
    the routes' dependencies name the registry's and the analyzer's types. ``facexai serve`` checks the
    manifest and the backbone before it imports this module, so a missing model is reported at once.)"""
    from facexai.models.registry import ModelRegistry
    from facexai.service.analyzer import Analyzer

    loading: Loading = app.state.loading
    # one model that fails (a bad entry, a missing or broken file) is reported by /health ("degraded"),
    # not fatal: only when none loads does the loading fail
    registry = ModelRegistry.load(
        settings.models_manifest,
        ig_batch_size=settings.ig_batch_size,
        on_loaded=loading.loaded.append,
        tolerate_failures=True,
    )
    if settings.warm_up:
        registry.warm_up()
    app.state.analyzer = Analyzer.from_settings(registry, settings, app.state.store)
    app.state.registry = registry
    log.info("facexai ready: models %s", ", ".join(registry.names))
    for name, reason in registry.failed.items():
        log.error("facexai degraded: model %s is not served: %s", name, reason)


def load_in_background(app: FastAPI, settings: Settings) -> threading.Thread:
    """Serve at once (/health answers 503 "loading" meanwhile); a failure is logged and reported by /health."""

    def run() -> None:
        try:
            build_state(app, settings)
        except Exception as exc:  # reported, not raised: the thread has no caller
            log.exception("loading the models failed")
            app.state.loading.error = f"{type(exc).__name__}: {exc}"

    thread = threading.Thread(target=run, name="facexai-load-models", daemon=True)
    thread.start()
    return thread


def create_app(settings: Settings | None = None, load_models: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # made here, on the loop that serves the requests
        app.state.admission = Admission(
            settings.max_running_analyses, settings.max_queued_analyses, settings.busy_retry_after_s
        )
        if load_models:
            app.state.loading = Loading(total=_model_count(settings))
            if settings.load_in_background:
                load_in_background(app, settings)
            else:
                build_state(app, settings)
        yield
        app.state.registry = None

    app = FastAPI(
        title="facexai",
        version=__version__,
        description="Age, gender and race of every face in a photo, explained with Integrated Gradients and Grad-CAM.",
        lifespan=lifespan,
        # Swagger UI's validator badge would send the schema's address to validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.registry = None
    app.state.loading = Loading(total=0)
    app.state.store = open_store(settings)  # memory, or Redis shared by every replica (FACEXAI_REDIS_URL)
    keep_uploads_in_memory(settings.max_upload_bytes)
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_upload_bytes + ENVELOPE_BYTES)
    app.add_middleware(ReplicaHeader, name=settings.replica_name)
    # CSP, nosniff, Referrer-Policy, Permissions-Policy on every answer; /docs and /redoc get their own CSP
    app.add_middleware(SecurityHeaders, docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url))
    install_error_handlers(app)
    app.include_router(analyze.router)
    app.include_router(analyses.router)
    app.include_router(models.router)
    app.openapi_schema = declare_replica_header(declare_ig_steps_maximum(app.openapi(), settings.ig_max_steps))
    link_follow_ups(app.openapi_schema)
    if settings.frontend_dist.is_dir():
        mount_web_app(app.router, settings.frontend_dist)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory facexai.api.main:app_factory``."""
    return create_app()


def _model_count(settings: Settings) -> int:
    """How many models the manifest names (0 when it cannot be read; loading then says why)."""
    try:
        return len(json.loads(settings.models_manifest.read_text()).get("models", []))
    except (OSError, ValueError, AttributeError):
        return 0
