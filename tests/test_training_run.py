"""A tiny training run on 64 FairFace chips (TensorFlow backend): the .keras file, its manifest
entry, log and card; the file loads with compile=False, holds no optimizer state or augmentation,
predicts what the manifest's metrics say, loads in the service's registry, and `facexai evaluate`
reproduces its validation accuracy."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from facexai.core.labels import RACE
from facexai.models.manifest import load_manifest

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]  # it trains
VAL_ROWS = 32


@pytest.fixture(scope="module")
def tiny_run(fairface_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    from facexai.training.config import load_config
    from facexai.training.train import run_training

    out = tmp_path_factory.mktemp("train")
    config = load_config(
        Path(__file__).resolve().parents[1] / "scripts" / "configs" / "race.toml",
        [
            f"data.dir={fairface_dir}",
            "data.limit=64",
            f"data.val_limit={VAL_ROWS}",
            "data.workers=2",
            "model.input_size=64",
            "training.epochs=2",
            "training.batch_size=16",
            "training.verbose=0",
            f"outputs.dir={out}",
        ],
    )
    messages: list[str] = []
    result = run_training(config, log=messages.append)
    return result, config, messages


def test_run_writes_model_log_card_and_manifest(tiny_run) -> None:
    _, config, messages = tiny_run
    out = config.outputs_dir
    assert {p.name for p in out.iterdir()} >= {
        "race.keras",
        "race.log.csv",
        "race.md",
        "race.config.toml",
        "manifest.json",
    }
    log = (out / "race.log.csv").read_text().splitlines()
    assert log[0].split(",") == ["epoch", "accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"]
    assert len(log) == 3  # header + 2 epochs
    card = (out / "race.md").read_text()
    assert "perceived" in card and "binary" in card and "validation set" in card
    assert "| White | " in card  # counts per race
    assert any("decoded 64 + 32 images" in m for m in messages)


def test_manifest_entry(tiny_run) -> None:
    _, config, _ = tiny_run
    spec = load_manifest(config.manifest_path).get("race")
    assert spec.file == "race.keras" and spec.card == "race.md"
    assert spec.labels == list(RACE)
    assert (spec.input_size, spec.preprocessing, spec.architecture) == (64, "resnet_v2", "seed")
    assert spec.gradcam_layer == "block4_relu" and spec.biased is False
    assert set(spec.metrics["accuracy_by_race"]) == set(RACE)
    assert 0.0 <= spec.metrics["val_accuracy"] <= 1.0
    t = spec.training
    assert t["backend"] == "tensorflow"
    assert (t["optimizer"], t["learning_rate"], t["batch_size"], t["epochs_run"]) == ("nadam", 0.0008, 16, 2)
    assert t["data"]["train"]["n"] == 64 and t["data"]["val"]["n"] == VAL_ROWS
    assert sum(t["data"]["train"]["by_race"].values()) == 64
    assert t["log"] == "race.log.csv" and t["time_s"]["fit"] > 0
    assert t["hardware"]["cpu_count"] >= 1


def test_saved_model_loads_and_matches_its_metrics(tiny_run, fairface_dir: Path) -> None:
    import keras

    from facexai.core.fairface import read_labels
    from facexai.models.preprocessing import preprocess
    from facexai.training.data import load_split

    result, config, _ = tiny_run
    spec = result.spec
    model = keras.saving.load_model(result.model_path, compile=False)
    assert getattr(model, "optimizer", None) is None
    kinds = {type(layer).__name__ for layer in model.layers}
    assert not kinds & {"RandomRotation", "RandomFlip", "Preprocess"}  # augmentation stays in training
    assert model.layers[-1].name == "probabilities"

    val = load_split(read_labels(config.val_csv).head(VAL_ROWS), fairface_dir, "race", 64, workers=2)
    inputs = preprocess(spec.preprocessing, val.images.astype(np.float32))
    probs = model.predict(inputs, verbose=0)
    assert probs.shape == (VAL_ROWS, 7)
    # the explainers read the "logits" layer: it must be exactly what the softmax turns into the output
    logits = keras.Model(model.inputs, model.get_layer("logits").output).predict(inputs, verbose=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(logits)), probs, atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = float(np.mean(probs.argmax(axis=1) == val.targets))
    assert accuracy == pytest.approx(spec.metrics["val_accuracy"])


def test_saved_file_has_no_optimizer_state(tiny_run) -> None:
    import h5py

    result, _, _ = tiny_run
    with zipfile.ZipFile(result.model_path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        assert not json.loads(z.read("config.json")).get("compile_config")  # never compiled
        with z.open("model.weights.h5") as raw, h5py.File(raw, "r") as h5:
            assert "optimizer" not in h5
    # about 4 bytes per parameter: weights only
    assert result.model_path.stat().st_size < 4.2 * result.spec.training["parameters"] + 200_000


def test_the_service_registry_loads_the_trained_bundle(tiny_run) -> None:
    from facexai.models.registry import ModelRegistry

    _, config, _ = tiny_run
    registry = ModelRegistry.load(config.manifest_path, ig_batch_size=4)
    loaded = registry.get("race")
    x = loaded.prepare(np.full((64, 64, 3), 128, np.uint8))
    probs, cams, chosen = loaded.gradcam.maps(x[None])
    assert probs.shape == (1, 7) and cams.shape[0] == 1 and 0 <= chosen[0] < 7


def test_evaluate_reproduces_the_validation_accuracy(tiny_run, fairface_dir: Path, tmp_path: Path) -> None:
    from facexai.commands import main

    result, config, _ = tiny_run
    out = tmp_path / "eval"
    code = main(
        [
            "evaluate",
            "--manifest",
            str(config.manifest_path),
            "--images",
            str(fairface_dir),
            "--labels",
            str(config.val_csv),
            "--limit",
            str(VAL_ROWS),
            "--bootstrap",
            "200",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads((out / "evaluation.json").read_text())
    race = data["models"]["race"]
    assert race["accuracy"] == pytest.approx(result.spec.metrics["val_accuracy"])
    assert race["n"] == VAL_ROWS
    assert sum(g["n"] for g in race["by_group"]["race"].values()) == VAL_ROWS
    for race_name, acc in race["accuracy_by_race"].items():
        assert acc == result.spec.metrics["accuracy_by_race"][race_name]
    assert (out / "curves_race.png").is_file() and (out / "report.md").is_file()
    # each model's section says what the model is and where its card (how it was trained) is
    assert race["description"] == result.spec.description and race["card"] == result.spec.card
    report = (out / "report.md").read_text()
    assert f"{result.spec.description}. Model card: `{result.spec.card}`" in report
    assert race["selected"]["best_epoch"] == result.spec.training["best_epoch"]
    assert f"Training: epoch {race['selected']['best_epoch']} kept, chosen on val" in report
