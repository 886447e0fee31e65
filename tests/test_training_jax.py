"""The same tiny training run under KERAS_BACKEND=jax with TensorFlow made unimportable, as on
the GPU machine, in a subprocess; the model it saves loads and predicts under TensorFlow, as the
service does."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
#: run a script with every ``tensorflow`` import failing, as if it were not installed
WITHOUT_TENSORFLOW = """
import importlib.abc, runpy, sys

class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoTensorFlow())
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    print("tensorflow imported:", "tensorflow" in sys.modules, file=sys.stderr)
"""


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_train_script_under_jax(fairface_dir: Path, tmp_path: Path) -> None:
    import keras

    env = {**os.environ, "KERAS_BACKEND": "jax", "FACEXAI_FAIRFACE_DIR": str(fairface_dir), "JAX_PLATFORMS": "cpu"}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_TENSORFLOW,
            str(REPO / "scripts" / "train.py"),
            "--config",
            str(REPO / "scripts" / "configs" / "gender.toml"),
            *("--set", "data.limit=64", "--set", "data.val_limit=16", "--set", "data.workers=2"),
            *("--set", "model.input_size=64", "--set", "training.epochs=1", "--set", "training.batch_size=32"),
            *("--set", f"outputs.dir={tmp_path}"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "tensorflow imported: False" in run.stderr
    entry = json.loads((tmp_path / "manifest.json").read_text())["models"][0]
    assert entry["name"] == "gender" and entry["training"]["backend"] == "jax"
    assert entry["training"]["hardware"]["jax"]
    assert keras.backend.backend() == "tensorflow"
    model = keras.saving.load_model(tmp_path / "gender.keras", compile=False)
    probs = model.predict(np.zeros((3, 64, 64, 3), np.float32), verbose=0)
    assert probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
