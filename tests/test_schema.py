"""The schema tells the truth: requests generated from it (schemathesis) get only the answers it documents.

A bounded run: a fixed seed and about 450 requests, valid and invalid ones and every unsupported
method, against the ASGI app with the small untrained bundle, served as ``facexai serve`` serves it
(a web app mounted at /). Checked: no server error; status codes, content types and bodies as
documented; 405 with ``Allow``; requests that break a declared bound are refused.

Fuzzed bytes are never a photo, so the follow-ups (the operations POST /analyze's OpenAPI links
lead to) name an analysis stored first, and their face index and model are mostly drawn from the
real ones (schemathesis dictionaries), so they reach the models and answer 200s too. DELETE
/analyses/{id} (forgetting) gets an analysis of its own each time, so it answers 204 and the
others keep theirs.
"""

import io
import weakref
from collections import Counter
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from facexai.api.main import create_app
from facexai.models.untrained import DEFAULT_MODELS
from facexai.service.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
    negative_data_rejection,
]
CONFIG = {
    "seed": 20261129,
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    "generation": {"mode": "all", "max-examples": 40},
    # most generated face indices and model names are real ones; the rest stay fuzzed (404s)
    "dictionaries": {"faces": {"values": [0]}, "models": {"values": [name for name, _ in DEFAULT_MODELS]}},
    "parameters": {
        "path.face_index": {"dictionary": "faces", "probability": 0.8},
        "path.model": {"dictionary": "models", "probability": 0.8},
    },
}


#: a low ig_steps bound keeps the follow-ups' Integrated Gradients cheap now that most of them reach the models
FUZZ_IG = {"ig_steps": 8, "ig_max_steps": 16}

#: the schema as the service serves it (it does not depend on the models)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(frontend_dist=Path("/nonexistent"), **FUZZ_IG), load_models=False).openapi(),
    config=schemathesis.Config.from_dict(CONFIG),
)


@pytest.fixture(scope="module")
def fuzzed_app(untrained_bundle: Path, tmp_path_factory: pytest.TempPathFactory):
    web_app = tmp_path_factory.mktemp("dist")
    (web_app / "index.html").write_text("<!doctype html><title>facexai</title>")
    app = create_app(
        Settings(
            models_manifest=untrained_bundle,
            frontend_dist=web_app,
            **FUZZ_IG,
            warm_up=False,
            load_in_background=False,
        )
    )
    assert app.openapi() == schema.raw_schema
    return app


#: analyzer -> the id of an analysis it stores
_STORED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stored_analysis(app, own: bool = False) -> str:
    """An analysis of an aligned chip (no face detection needed) for the follow-ups to name; ``own``:
    a new one, not the one the follow-ups share (for DELETE to forget).

    schemathesis starts the app (its lifespan: the models load) anew for each operation's test,
    with an empty store, so one is made per start.
    """
    with asgi.get_client(app) as client:  # the client that sends the cases: it starts the lifespan
        analyzer = app.state.analyzer
        if own or analyzer not in _STORED:
            chip = io.BytesIO()
            Image.new("RGB", (64, 64), (180, 140, 120)).save(chip, format="PNG")
            r = client.post("/analyze", params={"align": "false", "explain": "none"}, files={"file": chip.getvalue()})
            assert r.status_code == 200, r.text
            if own:
                return r.json()["analysis_id"]
            _STORED[analyzer] = r.json()["analysis_id"]
        return _STORED[analyzer]


def forgets(case) -> bool:
    """DELETE /analyses/{id}: the analysis it names is gone afterwards."""
    return case.method.upper() == "DELETE"


FOLLOW_UPS = {
    link["operationId"] for link in schema.raw_schema["paths"]["/analyze"]["post"]["responses"]["200"]["links"].values()
}


@pytest.mark.slow
@schema.parametrize()
def test_every_answer_is_one_the_schema_documents(case, fuzzed_app):
    if "analysis_id" in (case.path_parameters or {}):
        case.path_parameters["analysis_id"] = stored_analysis(fuzzed_app, own=forgets(case))
    case.validate_response(case.call(app=fuzzed_app), checks=CHECKS)


@pytest.fixture(scope="module")
def follow_up_answers(fuzzed_app) -> dict[str, Counter]:
    """operation -> status code -> how many answers, for 12 valid cases of each follow-up drawn from the
    fuzz's schema and config (its dictionaries of real faces and models) against a stored analysis: its own
    run, so that no test reads what another left behind."""
    answers: dict[str, Counter] = {op: Counter() for op in FOLLOW_UPS}

    def fuzz(op: str) -> None:
        @hypothesis.settings(
            max_examples=12,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=schema.find_operation_by_id(op).as_strategy())
        def call(case) -> None:
            case.path_parameters["analysis_id"] = stored_analysis(fuzzed_app, own=forgets(case))
            answers[op][case.call(app=fuzzed_app).status_code] += 1

        call()

    for op in FOLLOW_UPS:
        fuzz(op)
    return answers


@pytest.mark.slow
def test_the_fuzz_reaches_every_follow_up_with_a_real_analysis(follow_up_answers):
    """The follow-ups answer 200s (DELETE 204), not only 404s for unknown analyses, faces and models."""
    assert len(FOLLOW_UPS) == 4  # explanations, grid, compare, forget (DELETE)
    ok = {op: sum(n for status, n in counts.items() if 200 <= status < 300) for op, counts in follow_up_answers.items()}
    assert all(ok.values()), {op: dict(counts) for op, counts in follow_up_answers.items()}


def test_the_ig_steps_bound_is_the_setting_and_declared(untrained_bundle):
    settings = Settings(
        models_manifest=untrained_bundle,
        frontend_dist=Path("/nonexistent"),
        warm_up=False,
        ig_max_steps=12,
        load_in_background=False,
    )
    with TestClient(create_app(settings)) as client:
        declared = []
        for operations in client.get("/openapi.json").json()["paths"].values():
            for operation in operations.values():
                for param in operation.get("parameters", []):
                    if param["name"] == "ig_steps":
                        declared += [b["maximum"] for b in param["schema"]["anyOf"] if b.get("type") == "integer"]
        assert declared == [12, 12, 12, 12]  # /analyze, explanations, compare, grid
        chip = io.BytesIO()
        Image.new("RGB", (64, 64), (180, 140, 120)).save(chip, format="PNG")
        r = client.post("/analyze", params={"align": "false", "explain": "none"}, files={"file": chip.getvalue()})
        url = f"/analyses/{r.json()['analysis_id']}/faces/0/explanations/race"
        at_most = client.get(url, params={"ig_steps": 12, "explain": "integrated_gradients"})
        assert at_most.status_code == 200 and at_most.json()["integrated_gradients"]["steps"] == 12
        beyond = client.get(url, params={"ig_steps": 13})
        assert (beyond.status_code, beyond.json()["code"]) == (422, "validation_error")


def test_405_says_which_methods_are_allowed(client):
    r = client.put("/analyze")
    assert (r.status_code, r.json()["code"], r.headers["allow"]) == (405, "method_not_allowed", "POST")
    r = client.delete("/models")
    assert (r.status_code, r.headers["allow"]) == (405, "GET")
