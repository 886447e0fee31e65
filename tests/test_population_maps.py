"""Population maps: ``evaluate --population-maps N`` on the small test bundle, the stored format, and
GET /models drawing them (and null when the manifest has none)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.core.fairface import LabelTable, write_labels
from facexai.core.labels import labels_for
from facexai.evaluation.population import choose_faces, face_share_map
from facexai.models.population import decode_map, encode_map

RACES = list(labels_for("race"))
PER_RACE = 2


def png_of(b64: str) -> Image.Image:
    import base64

    return Image.open(io.BytesIO(base64.b64decode(b64)))


@pytest.fixture(scope="module")
def labelled_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three noise chips per race (no real faces) and their label CSV."""
    root = tmp_path_factory.mktemp("noise_set")
    rng = np.random.default_rng(0)
    rows = []
    for k, race in enumerate(RACES * 3):
        name = f"val/{k}.jpg"
        (root / "val").mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (96, 96, 3), np.uint8)).save(root / name)
        rows.append({"file": name, "age": "20-29", "gender": "Male", "race": race, "service_test": "False"})
    write_labels(rows, root / "labels.csv")
    return root, root / "labels.csv"


@pytest.fixture(scope="module")
def evaluated(untrained_bundle: Path, labelled_set, tmp_path_factory: pytest.TempPathFactory):
    """``facexai evaluate --population-maps 2 --only-population-maps --store-population-maps`` on a copy
    of the test bundle: (the bundle's manifest, the output folder)."""
    from facexai.commands import main

    bundle = tmp_path_factory.mktemp("bundle_with_maps")
    shutil.copytree(untrained_bundle.parent, bundle, dirs_exist_ok=True)
    out = bundle / "evaluation"
    images, labels = labelled_set
    args = ["evaluate", "--manifest", str(bundle / "manifest.json"), "--images", str(images), "--labels", str(labels)]
    args += ["--out", str(out), "--population-maps", str(PER_RACE), "--only-population-maps"]
    assert main([*args, "--store-population-maps", "--workers", "2"]) == 0
    return bundle / "manifest.json", out


def test_the_faces_are_n_per_race_with_a_fixed_seed():
    rows = [{"file": f"{i}.jpg", "race": race} for i, race in enumerate(RACES * 5 + ["White"])]
    table = LabelTable(rows)
    chosen = choose_faces(table, 3, seed=1)
    assert list(chosen) == RACES and all(len(v) == 3 for v in chosen.values())
    assert all(rows[i]["race"] == race for race, idx in chosen.items() for i in idx)
    assert chosen == choose_faces(table, 3, seed=1) != choose_faces(table, 3, seed=2)
    assert len(choose_faces(table, 10)["Black"]) == 5  # all of them where a race has fewer


def test_each_face_counts_equally_and_maps_survive_their_encoding():
    loud, quiet = np.ones((112, 112)) * 100, np.ones((112, 112)) * 0.01
    assert face_share_map(loud, 56).sum() == pytest.approx(1) and face_share_map(quiet, 56).sum() == pytest.approx(1)
    assert face_share_map(np.zeros((10, 10)), 5).sum() == 0
    values = np.random.default_rng(0).random((56, 56)) / 3136
    entry = encode_map(values)
    assert np.abs(decode_map(entry) - values).max() <= entry["max"] / 255 / 2 + 1e-9


def test_evaluate_writes_the_maps_with_n_recorded_and_the_race_keys(evaluated):
    manifest_path, out = evaluated
    data = json.loads((out / "population_maps.json").read_text())
    assert data["faces_per_race"] == PER_RACE and data["seed"] == 0 and data["labels"] == "labels.csv"
    assert data["ig"] == {"steps": 64, "rule": "adaptive", "output": "probability"}  # the service's defaults
    assert data["counts"] == dict.fromkeys(RACES, PER_RACE)
    assert set(data["models"]) == {"age", "gender", "race", "race_biased"}
    for m in data["models"].values():
        assert list(m["by_race"]) == RACES and m["all"]["n"] == PER_RACE * len(RACES)
        assert decode_map(m["all"]).sum() == pytest.approx(1, abs=0.02)  # the mean of maps that sum to 1
        assert decode_map(m["by_race"]["Black"]).shape == (data["size"], data["size"])
    summary = json.loads((out / "evaluation.json").read_text())["population_maps"]
    assert summary["faces_per_race"] == PER_RACE and summary["file"] == "population_maps.json"
    pngs = json.loads((out / "evaluation.json").read_text())["figures"]["population_maps"]
    assert "population_race_Latino_Hispanic.png" in pngs and "population_race_biased_all.png" in pngs
    assert "population_maps.png" in pngs and all((out / p).is_file() for p in pngs)
    with Image.open(out / "population_race_East_Asian.png") as img:
        assert img.size == (224, 224) and img.mode == "RGBA"
    assert not (out / "report.md").exists()  # --only-population-maps: no accuracy report
    stored = json.loads(manifest_path.read_text())
    assert stored["population_maps"] == "population_maps.json"
    assert (manifest_path.parent / "population_maps.json").read_text() == (out / "population_maps.json").read_text()


def test_get_models_draws_the_maps_of_a_bundle_that_has_them(evaluated, app_settings):
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app

    manifest_path, _ = evaluated
    settings = app_settings.model_copy(update={"models_manifest": manifest_path})
    with TestClient(create_app(settings)) as client:
        models = {m["name"]: m for m in client.get("/models").json()["models"]}
    for name, m in models.items():
        assert list(m["mean_attribution_by_race"]) == RACES, name
        with png_of(m["mean_attribution_by_race"]["Middle Eastern"]) as img:
            assert img.size == (224, 224) and img.mode == "RGBA"
        assert png_of(m["mean_attribution_all"]).size == (224, 224)
        assert m["mean_attribution_faces"] == {**dict.fromkeys(RACES, PER_RACE), "all": PER_RACE * len(RACES)}
    assert list(models["race_biased"]["mean_attribution_difference_by_race"]) == RACES
    assert models["race"]["mean_attribution_difference_by_race"] is None


def test_get_models_says_null_without_maps(client):
    for m in client.get("/models").json()["models"]:
        assert m["mean_attribution_by_race"] is None and m["mean_attribution_all"] is None
        assert m["mean_attribution_difference_by_race"] is None and m["mean_attribution_faces"] is None


def test_a_manifest_without_maps_still_loads_and_saves_without_them(untrained_bundle, tmp_path):
    from facexai.models.manifest import load_manifest

    manifest = load_manifest(untrained_bundle)
    assert manifest.population_maps == "" and manifest.population_maps_path() is None
    manifest.save(tmp_path / "m.json")
    assert "population_maps" not in json.loads((tmp_path / "m.json").read_text())
