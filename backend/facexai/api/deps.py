"""Typed dependencies: routes read like signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from facexai.analysis import Analyzer, IGOptions
from facexai.config import Settings
from facexai.errors import InvalidParameter, ModelsNotReady
from facexai.registry import ModelRegistry


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_registry(request: Request) -> ModelRegistry:
    registry = getattr(request.app.state, "registry", None)
    if registry is None:
        raise ModelsNotReady("the models are still loading")
    return registry


def get_analyzer(request: Request) -> Analyzer:
    get_registry(request)
    return request.app.state.analyzer


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RegistryDep = Annotated[ModelRegistry, Depends(get_registry)]
AnalyzerDep = Annotated[Analyzer, Depends(get_analyzer)]


def ig_options(settings: Settings, steps: int | None, rule: str | None, output: str | None) -> IGOptions:
    if steps is not None and steps > settings.ig_max_steps:
        raise InvalidParameter(f"ig_steps must be at most {settings.ig_max_steps}")
    return IGOptions(
        steps=steps or settings.ig_steps,
        rule=rule or settings.ig_rule,
        output=output or settings.ig_output,
    )
