"""scripts/gpu/run_bundle.py end to end on the CPU, as the GPU machine runs it: JAX backend,
TensorFlow unimportable, data from a pack. The bundle it returns loads in the service under
TensorFlow, and its cards and training logs are what `facexai evaluate` reads."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
GPU = REPO / "scripts" / "gpu"
MODELS = ("age", "gender", "race", "race_biased", "age_biased", "gender_biased")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_run_bundle_under_jax_without_tensorflow(fairface_dir: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": str(REPO / "backend"),
    }
    started = time.perf_counter()
    pack_args = ["--fairface", str(fairface_dir), "--out", str(tmp_path / "pack"), "--limit", "48", "--val-limit", "8"]
    packing = subprocess.run(
        [sys.executable, str(GPU / "pack_data.py"), "pack", *pack_args, "--max-shard-mib", "0.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert packing.returncode == 0, packing.stderr[-2000:]
    # The smallest run that goes through every step: 64 px, one step of 8 per group and epoch,
    # no extra augmentation (each geometric layer adds about a minute of XLA compiling on this CPU).
    options = {
        "--pack": tmp_path / "pack",
        "--unpack-dir": tmp_path / "data",
        "--out": tmp_path / "out",
        "--stage": tmp_path / "stage",
        "--input-size": 64,
        "--batch-size": 8,
        "--val-batch-size": 8,
        "--epochs": 1,
        "--calib-steps": 1,
        "--workers": 2,
        "--budget-s": 600,
        **{f"--{aug}": 0 for aug in ("rotation", "zoom", "translate", "contrast", "brightness")},
    }
    run = subprocess.run(
        [sys.executable, str(GPU / "without_tensorflow.py"), str(GPU / "run_bundle.py")]
        + [str(item) for pair in options.items() for item in pair],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    elapsed = time.perf_counter() - started

    out = tmp_path / "out"
    returned = sorted(p.name for p in out.iterdir())
    assert returned == sorted([*(f"{m}.keras" for m in MODELS), "bundle.tar"])  # + run.log: 8 files at most
    bundle = tmp_path / "bundle"
    with tarfile.open(out / "bundle.tar") as tar:
        tar.extractall(bundle, filter="data")
    for name in MODELS:
        shutil.copy2(out / f"{name}.keras", bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert [m["name"] for m in manifest["models"]] == list(MODELS)
    for entry in manifest["models"]:
        t = entry["training"]
        assert t["backend"] == "jax" and t["epochs_run"] == 1 and t["multitask"]["shared_trunk"]
        assert t["multitask"]["export_check_max_abs_diff"] < 1e-3
        assert entry["biased"] == entry["name"].endswith("_biased")
        assert t["data"]["subset"] == ("race_biased" if entry["biased"] else "all")
        assert entry["architecture"] == "lean" and (bundle / entry["file"]).stat().st_size < 10e6
        card = (bundle / entry["card"]).read_text()
        assert "## Training" in card and "label smoothing" in card and "| race | n | accuracy |" in card
        with (bundle / t["log"]).open() as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 1 and {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(
            rows[0]
        )

    import keras

    from facexai.registry import ModelRegistry

    assert keras.backend.backend() == "tensorflow"
    registry = ModelRegistry.load(bundle / "manifest.json")
    assert registry.names == list(MODELS)
    for name, loaded in registry.models.items():
        model = keras.saving.load_model(bundle / f"{name}.keras", compile=False)
        probs = model.predict(loaded.prepare(np.zeros((64, 64, 3), np.uint8))[None], verbose=0)
        assert probs.shape == (1, len(loaded.spec.labels))
        np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)
    print(f"pack + run_bundle under JAX: {elapsed:.0f}s")
