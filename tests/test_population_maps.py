"""Population maps: the stored format (both versions), each face counting equally, GET /models
with and without them. The maps themselves are made by ``facexai audit`` (tests/test_audit.py runs
it and serves its maps); ``evaluate --population-maps`` now says where they went."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facexai.core.labels import labels_for
from facexai.explain.render import small_map
from facexai.models.population import (
    FORMAT_VERSION,
    decode_map,
    decode_signed_map,
    encode_map,
    encode_signed_map,
    render_pictures,
)

RACES = list(labels_for("race"))


def test_each_face_counts_equally_and_maps_survive_their_encoding():
    loud, quiet = np.ones((112, 112)) * 100, np.ones((112, 112)) * 0.01
    assert small_map(loud, 28).sum() == pytest.approx(1) and small_map(quiet, 28).sum() == pytest.approx(1)
    assert small_map(np.zeros((10, 10)), 5).sum() == 0
    values = np.random.default_rng(0).random((28, 28)) / 784
    entry = encode_map(values)
    assert np.abs(decode_map(entry) - values).max() <= entry["max"] / 255 / 2 + 1e-9


def test_signed_maps_keep_their_zeros_and_signs():
    values = np.zeros((28, 28))
    values[3:6, 4:9] = 0.002
    values[20:22, 10:12] = -0.001
    back = decode_signed_map(encode_signed_map(values))
    assert np.all(back[values == 0] == 0)  # not significant stays exactly zero: transparent
    assert np.abs(back - values).max() <= 0.002 / 127 / 2 + 1e-9
    assert np.all(decode_signed_map(encode_signed_map(np.zeros((4, 4)))) == 0)


def _specs(untrained_bundle: Path):
    from facexai.models.manifest import load_manifest

    return load_manifest(untrained_bundle).models


def test_version_1_maps_still_draw_with_raw_differences(untrained_bundle):
    """A file made by the former ``evaluate --population-maps`` (predicted class, no statistics)."""
    maps = {race: {"n": 3, **encode_map(np.full((56, 56), 1 / 3136))} for race in RACES}
    data = {"version": 1, "models": {n: {"by_race": maps, "all": maps["White"]} for n in ("race", "race_biased")}}
    pictures = render_pictures(data, _specs(untrained_bundle))
    assert set(pictures) == {"race", "race_biased"}
    assert pictures["race"].regions is None and pictures["race_biased"].comparison is None
    assert list(pictures["race_biased"].difference_by_race or {}) == RACES


def test_version_2_maps_carry_regions_and_the_pairs_tests(untrained_bundle):
    region = {"difference": 0.01, "ci_low": 0.0, "ci_high": 0.02, "p_value": 0.01, "p_adjusted": 0.2}
    shares = {"mouth": {"share": 0.2, "ci_low": 0.18, "ci_high": 0.22}}
    maps = {race: {"n": 5, **encode_map(np.full((28, 28), 1 / 784)), "regions": shares} for race in RACES}
    diff = encode_signed_map(np.zeros((28, 28)))
    data = {
        "version": FORMAT_VERSION,
        "models": {n: {"by_race": maps, "all": None} for n in ("race", "race_biased")},
        "comparison": {
            "a": "race",
            "b": "race_biased",
            "test": "t",
            "correction": "holm",
            "tests": 7,
            "summary": "none",
            "by_race": {
                r: {
                    "n": 5,
                    "regions": {"mouth": {**region, "significant": False}},
                    "significant_cells": 0,
                    "difference_map": diff,
                }
                for r in RACES
            },
        },
    }
    pictures = render_pictures(data, _specs(untrained_bundle))
    assert pictures["race"].regions["White"] == shares and pictures["race"].comparison is None
    comparison = pictures["race_biased"].comparison
    assert comparison["partner"] == "race" and "difference_map" not in comparison["by_race"]["White"]
    assert list(pictures["race_biased"].difference_by_race or {}) == RACES


def test_evaluate_points_to_the_audit_for_population_maps(untrained_bundle, tmp_path, capsys):
    from facexai.commands import main

    assert (
        main(["evaluate", "--manifest", str(untrained_bundle), "--population-maps", "2", "--out", str(tmp_path)]) == 2
    )
    assert "facexai audit --population N --store-population-maps" in capsys.readouterr().out


def test_get_models_says_null_without_maps(client):
    for m in client.get("/models").json()["models"]:
        assert m["mean_attribution_by_race"] is None and m["mean_attribution_all"] is None
        assert m["mean_attribution_difference_by_race"] is None and m["mean_attribution_faces"] is None
        assert m["mean_attribution_regions"] is None and m["mean_attribution_comparison"] is None


def test_a_manifest_without_maps_still_loads_and_saves_without_them(untrained_bundle, tmp_path):
    from facexai.models.manifest import load_manifest

    manifest = load_manifest(untrained_bundle)
    assert manifest.population_maps == "" and manifest.population_maps_path() is None
    manifest.save(tmp_path / "m.json")
    assert "population_maps" not in json.loads((tmp_path / "m.json").read_text())
