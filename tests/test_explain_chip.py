"""`facexai explain-chip` on a synthetic chip with small untrained models: both methods, the per-class
IG grid in the seed's layout, and a summary whose IG numbers satisfy completeness."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.evaluation.chip_explanations import grid_shape


@pytest.mark.parametrize(("classes", "shape"), [(2, (1, 2)), (7, (3, 3)), (9, (3, 3)), (4, (2, 2))])
def test_grid_shape(classes: int, shape: tuple[int, int]) -> None:
    assert grid_shape(classes) == shape


@pytest.mark.slow
def test_explain_chip_writes_figures_and_summary(untrained_bundle: Path, tmp_path: Path) -> None:
    from facexai.commands import main

    rng = np.random.default_rng(0)
    (tmp_path / "val").mkdir()
    Image.fromarray(rng.integers(0, 255, (80, 80, 3), dtype=np.uint8)).save(tmp_path / "val" / "1.jpg")
    labels = tmp_path / "labels.csv"
    labels.write_text("file,age,gender,race,service_test\nval/1.jpg,30-39,Female,Indian,False\n")
    out = tmp_path / "out"
    code = main(
        [
            "explain-chip",
            *("--manifest", str(untrained_bundle), "--images", str(tmp_path), "--labels", str(labels)),
            *(
                "--models",
                "gender",
                "race",
                "--steps",
                "64",
                "--rule",
                "midpoint",
                "--output",
                "logit",
                "--out",
                str(out),
            ),
        ]
    )
    assert code == 0
    summary = json.loads((out / "explain_chip.json").read_text())
    assert summary["sample"] == {"file": "val/1.jpg", "labels": {"age": "30-39", "gender": "Female", "race": "Indian"}}
    by_model = {m["model"]: m for m in summary["models"]}
    assert set(by_model) == {"gender", "race"}
    race = by_model["race"]
    assert race["true_label"] == "Indian"
    assert race["predicted"] == max(race["probabilities"], key=race["probabilities"].get)
    assert sum(race["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
    assert len(race["ig"]["completeness_error_by_class"]) == 7
    errors = race["ig"]["completeness_error_by_class"]
    assert race["ig"]["completeness_error_top"] == errors[race["predicted"]]
    assert all(0.0 <= e < 1.0 for e in errors.values())  # finite, and the path integral is roughly right
    for name in ("gender", "race"):
        for fig in (f"{name}_explanation.png", f"{name}_ig_per_class.png"):
            assert (out / fig).read_bytes()[:4] == b"\x89PNG"
    # the grid figure is wider than tall for gender (1 x 2) and about square for race (3 x 3)
    w2, h2 = Image.open(out / "gender_ig_per_class.png").size
    w7, h7 = Image.open(out / "race_ig_per_class.png").size
    assert w2 > 1.5 * h2 and 0.7 < w7 / h7 < 1.3


@pytest.mark.parametrize("command", ["explain-chip", "run-test"])  # run-test: the old name, kept as an alias
def test_explain_chip_rejects_unknown_models(command: str, untrained_bundle: Path, tmp_path: Path) -> None:
    from facexai.commands import main

    assert main([command, "--manifest", str(untrained_bundle), "--models", "nope", "--out", str(tmp_path)]) == 2
