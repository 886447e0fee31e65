"""The built web app (frontend/dist) served at /, behind the API.

A plain ``app.mount("/", StaticFiles(...))`` matches every path, so the router never falls back to
the API route whose path matched with another method: ``GET /analyze`` got the static files' 404
instead of 405 with ``Allow: POST``. This mount steps aside for any path an API route matches.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Match, Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class WebAppMount(Mount):
    def __init__(self, directory: Path, router: Router) -> None:
        super().__init__("/", app=StaticFiles(directory=directory, html=True), name="frontend")
        self.router = router

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and any(self._api_path(route, scope) for route in self.router.routes):
            return Match.NONE, {}  # the router then answers with that route's 405 and its Allow header
        return super().matches(scope)

    def _api_path(self, route: BaseRoute, scope: Scope) -> bool:
        return route is not self and route.matches(scope)[0] is not Match.NONE


def mount_web_app(router: Router, directory: Path) -> None:
    """Serve ``directory`` at / after every route already in ``router``."""
    router.routes.append(WebAppMount(directory, router))
