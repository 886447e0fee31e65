"""Parts of scripts/gpu/run_bundle.py: the schedule, the batches, the per-model logs, and the
export of one head of a multi-task network as a plain model with the same outputs."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest

GPU = Path(__file__).resolve().parents[1] / "scripts" / "gpu"
sys.path.insert(0, str(GPU))
_spec = importlib.util.spec_from_file_location("gpu_run_bundle", GPU / "run_bundle.py")
run_bundle = sys.modules["gpu_run_bundle"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_bundle)


def test_learning_rate_warms_up_then_decays_to_the_final_fraction() -> None:
    args = Namespace(learning_rate=2e-3, warmup_epochs=2, final_lr_fraction=0.01)
    lrs = [run_bundle.lr_at(e, 30, args) for e in range(30)]
    assert lrs[0] < lrs[1] < lrs[2] == pytest.approx(2e-3)
    assert all(a >= b for a, b in itertools.pairwise(lrs[2:]))
    assert lrs[-1] == pytest.approx(2e-5)
    assert run_bundle.lr_at(0, 1, args) == pytest.approx(2e-3)  # one epoch: no warm-up left


def test_batches_keep_one_shape() -> None:
    import keras

    Batches = run_bundle.make_batches(keras)
    images = np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1)
    targets = {"gender": np.eye(2, dtype=np.float32)[np.arange(10) % 2]}
    train = Batches(images, np.arange(10), targets, 4, True, 0)
    assert len(train) == 2  # the remainder is dropped
    x, y = train[0]
    assert x.shape == (4, 1, 1, 1) and y["gender"].shape == (4, 2)
    np.testing.assert_array_equal(y["gender"].argmax(1), x.ravel() % 2)  # targets follow their rows
    val = Batches(images, np.arange(10), targets, 4, False)
    assert len(val) == 3
    x, y, w = val[2]
    assert x.shape == (4, 1, 1, 1) and list(w["gender"]) == [1, 1, 0, 0]  # padding weighs nothing
    few = Batches(images, np.arange(3), {k: v[:3] for k, v in targets.items()}, 4, True, 0)
    assert len(few) == 1 and few[0][0].shape == (4, 1, 1, 1)


def test_per_task_history_and_log(tmp_path: Path) -> None:
    history = {
        "loss": [3.0],
        "age_loss": [2.0],
        "age_accuracy": [0.3],
        "val_age_loss": [2.1],
        "val_age_accuracy": [0.2],
    }
    assert run_bundle.per_task_history(history, "age", 3) == {
        "loss": [2.0],
        "val_loss": [2.1],
        "accuracy": [0.3],
        "val_accuracy": [0.2],
    }
    single = {"loss": [1.0], "accuracy": [0.5], "val_loss": [1.1], "val_accuracy": [0.4]}
    assert run_bundle.per_task_history(single, "race", 1) == single
    run_bundle.write_task_log(tmp_path / "log.csv", single, [0.001])
    with (tmp_path / "log.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {
            "epoch": "0",
            "accuracy": "0.5",
            "loss": "1.0",
            "val_accuracy": "0.4",
            "val_loss": "1.1",
            "learning_rate": "0.001",
        }
    ]


def test_exported_head_equals_the_multitask_network() -> None:
    import keras

    multitask = run_bundle.build_multitask(keras, "lean", ("age", "gender"), 64, name="all_multitask")
    for layer in multitask.layers:  # move every weight off its initial value
        layer.set_weights([w + np.random.default_rng(0).normal(0, 0.05, w.shape) for w in layer.get_weights()])
    x = np.random.default_rng(1).uniform(-1, 1, (3, 64, 64, 3)).astype(np.float32)
    joint = multitask(x, training=False)
    for task in ("age", "gender"):
        model = run_bundle.export_head(keras, multitask, "lean", task, 64)
        assert model.name == "lean" and model.output_shape == (None, len(joint[task][0]))
        np.testing.assert_allclose(model(x, training=False), joint[task], atol=1e-5)
