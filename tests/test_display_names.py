"""Display names: what the app shows a person for each model, from the manifest or derived from its id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facexai.core.labels import labels_for
from facexai.models.manifest import ModelSpec, default_display_name, load_manifest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("race", "Race"), ("gender", "Gender"), ("age", "Age"), ("race_biased", "Race (biased training)")],
)
def test_default_display_name(name: str, expected: str) -> None:
    assert default_display_name(name) == expected


def test_spec_without_display_name_gets_the_default_and_keeps_an_explicit_one() -> None:
    base = {"task": "race", "file": "x.keras", "labels": list(labels_for("race"))}
    assert ModelSpec.from_dict({"name": "race_biased", **base}).display_name == "Race (biased training)"
    assert ModelSpec.from_dict({"name": "race", "display_name": "  ", **base}).display_name == "Race"
    explicit = ModelSpec.from_dict({"name": "race", "display_name": "Race (FairFace)", **base})
    assert explicit.display_name == "Race (FairFace)"
    # Written back out, the name travels with the entry.
    assert ModelSpec.from_dict({"name": "race_biased", **base}).to_dict()["display_name"] == "Race (biased training)"


def test_served_manifest_sets_every_display_name() -> None:
    path = REPO / "models" / "manifest.json"
    if not path.is_file():
        pytest.skip("no models/manifest.json")
    raw = json.loads(path.read_text())
    assert all(entry.get("display_name") for entry in raw["models"]), "set display_name explicitly in models/"
    names = {spec.name: spec.display_name for spec in load_manifest(path).models}
    # Each name reads as a model in a sentence ("Race model (biased data) relies more on …"), and the
    # balanced one says so too: no bare "Race" beside a qualified partner.
    assert {n: names[n] for n in ("race", "gender", "age", "race_biased")} == {
        "race": "Race model (balanced data)",
        "gender": "Gender model",
        "age": "Age model",
        "race_biased": "Race model (biased data)",
    }
    # the imbalance experiment's control and further seeds say what they are (issue 26)
    expected = {
        "race_control": "Race model (small balanced data)",
        "race_biased_2": "Race model (biased data, seed 2)",
        "race_control_2": "Race model (small balanced data, seed 2)",
    }
    assert {n: names[n] for n in expected if n in names} == {n: v for n, v in expected.items() if n in names}
    assert all("_" not in name for name in names.values())
    assert len(set(names.values())) == len(names)


def test_get_models_carries_display_names(client) -> None:
    response = client.get("/models")
    assert response.status_code == 200
    names = {m["name"]: m["display_name"] for m in response.json()["models"]}
    assert names == {"race": "Race", "gender": "Gender", "age": "Age", "race_biased": "Race (biased training)"}


def test_openapi_declares_display_name_required(client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ModelInfo"]
    assert "display_name" in schema["required"]
