"""The app as `facexai serve` runs it, with the built web app mounted at /: the web app is served, and the
API keeps its answers (a wrong method on an API path is 405 with Allow, not the static files' 404)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from facexai.api.main import create_app
from facexai.service.settings import Settings

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for frontend/dist: an index.html and one asset."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>facexai</title>")
    (dist / "assets").mkdir()
    (dist / "assets" / "app.js").write_text("console.log('facexai')")
    return dist


@pytest.fixture(scope="module")
def served(web_app: Path):
    app = create_app(Settings(frontend_dist=web_app), load_models=False)
    assert any(getattr(r, "name", None) == "frontend" for r in app.routes), "the web app is not mounted"
    with TestClient(app) as client:
        yield client


def test_the_web_app_is_served_at_the_root(served):
    r = served.get("/")
    assert r.status_code == 200 and "<title>facexai</title>" in r.text
    assert served.get("/assets/app.js").text == "console.log('facexai')"
    assert served.get("/assets/missing.js").status_code == 404


def test_every_api_path_answers_a_wrong_method_with_405_and_allow(served):
    paths = served.get("/openapi.json").json()["paths"]
    concrete = {"{analysis_id}": "a1", "{face_index}": "0", "{model}": "race"}
    checked = 0
    for template, operations in paths.items():
        path = template
        for name, value in concrete.items():
            path = path.replace(name, value)
        allowed = {m.upper() for m in operations}
        for method in METHODS:
            if method in operations:
                continue
            r = served.request(method.upper(), path)
            assert (r.status_code, r.json()["code"]) == (405, "method_not_allowed"), f"{method.upper()} {path}"
            assert set(r.headers["allow"].split(", ")) == allowed, f"{method.upper()} {path}"
            checked += 1
    assert checked >= 4 * len(paths)
    r = served.get("/analyze")  # the case the issue names
    assert (r.status_code, r.headers["allow"]) == (405, "POST")


def test_the_models_say_the_ig_step_limit_the_environment_sets(untrained_bundle, web_app, monkeypatch):
    """The web app offers recomputes up to what the running service accepts, a run-time setting."""
    for name, value in {
        "FACEXAI_IG_MAX_STEPS": "40",
        "FACEXAI_IG_STEPS": "16",
        "FACEXAI_MODELS_MANIFEST": str(untrained_bundle),
        "FACEXAI_FRONTEND_DIST": str(web_app),
        "FACEXAI_WARM_UP": "false",
        "FACEXAI_LOAD_IN_BACKGROUND": "false",
    }.items():
        monkeypatch.setenv(name, value)
    with TestClient(create_app(Settings())) as client:
        body = client.get("/models").json()
        assert (body["ig_max_steps"], body["ig_steps"]) == (40, 16)
        assert [m["name"] for m in body["models"]] == ["age", "gender", "race", "race_biased"]
