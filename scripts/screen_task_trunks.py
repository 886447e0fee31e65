#!/usr/bin/env python
"""Issue 22 screening: one shared trunk for race, gender and age, a gender loss weight, or a
gender-only trunk? Measured in minutes on cached feature maps of TRAIN chips (never val).

    PYTHONPATH=backend nice -n 19 .venv/bin/python scripts/screen_task_trunks.py --fairface ../shared/fairface

dlib's face ResNet as published is run once up to ``res10_relu`` (8x8x128, the end of the
128-channel stage) on the same splits as scripts/screen_age_gender.py: T (``--probe-n`` of the
bundle's training rows) to train on, S (the bundle's held-out selection rows) to score on, S also
mirrored (its logits averaged with the original's, as the service does). The maps are cached in
``--work`` (float16). Then the last two stages (conv22-conv29, 4.4 M parameters, dlib's weights as
the start) and one softmax head per task are trained from those maps with each loss weighting,
the same recipe for all (AdamW, 1e-4 trunk / 1e-3 heads as one 1e-4 AdamW with heads scaled x10
would be; label smoothing 0.1, dropout 0.2, batch 64, cosine decay, ``--epochs``); every epoch is
scored on S. A finished configuration is kept in ``<work>/trunks_<name>.json`` and skipped on a
rerun. No augmentation (the maps are fixed), so absolute accuracies sit below a full fine-tune's:
only the differences between configurations are the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_age_gender import TASKS, cached_features

from facexai.core.fairface import LabelTable, keep_present, read_labels
from facexai.core.labels import labels_for
from facexai.evaluation.metrics import bootstrap_ci, paired_gap
from facexai.training.bundle import BundleConfig, phase_data

CONFIGS: dict[str, dict[str, float]] = {
    "shared": {"race": 1.0, "gender": 1.0, "age": 1.0},
    "gender_x3": {"race": 1.0, "gender": 3.0, "age": 1.0},
    "gender_only": {"race": 0.0, "gender": 1.0, "age": 0.0},
    # the gender loss of faces under 20 (FairFace bins 0-2, 3-9, 10-19) weighted x3: most of the
    # bundle's gender errors are theirs
    "gender_young_x3": {"race": 1.0, "gender": 1.0, "age": 1.0, "young": 3.0},
}


def stage_factory(mirror: bool):
    def factory():
        import keras

        from facexai.models.dlib_resnet import build_backbone, dat_path, read_dat

        full = build_backbone(read_dat(dat_path()))
        model = keras.Model(full.inputs, full.get_layer("res10_relu").output)

        def run(chips: np.ndarray) -> dict[str, np.ndarray]:
            x = chips[:, :, ::-1] if mirror else chips
            return {"res10": model.predict(x.astype(np.float32), batch_size=64, verbose=0).astype(np.float16)}

        return run

    return factory


def build(weights: dict[str, float], dropout: float = 0.2) -> Any:
    import keras
    from keras import layers

    from facexai.models.dlib_resnet import build_backbone, dat_path, read_dat

    full = build_backbone(read_dat(dat_path()))
    trunk = keras.Model(full.get_layer("res10_relu").output, full.output, name="stages45")
    inputs = keras.Input((8, 8, 128))
    x = layers.Dropout(dropout)(trunk(inputs))
    outs = {t: layers.Dense(len(labels_for(t)), name=t)(x) for t in TASKS if weights[t] > 0}
    return keras.Model(inputs, outs), trunk


def train(name: str, weights: dict[str, float], data: dict[str, Any], epochs: int, log) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model, trunk = build(weights)
    n = len(data["x"])
    steps = epochs * (n // 64)
    head_vars = [v for layer in model.layers if layer.name in TASKS for v in layer.trainable_weights]
    trunk_vars = trunk.trainable_weights
    schedule = keras.optimizers.schedules.CosineDecay(1e-4, steps, warmup_target=None)
    opt_trunk = keras.optimizers.AdamW(schedule, weight_decay=0.01)
    opt_head = keras.optimizers.AdamW(keras.optimizers.schedules.CosineDecay(1e-3, steps), weight_decay=0.01)
    tasks = [t for t in TASKS if weights[t] > 0]
    if weights.get("young", 1.0) != 1.0:
        log(f"[{name}] gender loss of faces under 20 weighted x{weights['young']}")
    ce = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    classes = {t: len(labels_for(t)) for t in tasks}

    @tf.function
    def step(x, ys):
        with tf.GradientTape() as tape:
            out = model(x, training=True)
            young = tf.where(ys["age"] < 3, weights.get("young", 1.0), 1.0)
            loss = tf.add_n(
                [
                    weights[t]
                    * ce(tf.one_hot(ys[t], classes[t]), out[t], sample_weight=young if t == "gender" else None)
                    for t in tasks
                ]
            )
        grads = tape.gradient(loss, trunk_vars + head_vars)
        opt_trunk.apply_gradients(zip(grads[: len(trunk_vars)], trunk_vars, strict=True))
        opt_head.apply_gradients(zip(grads[len(trunk_vars) :], head_vars, strict=True))
        return loss

    history = []
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = rng.permutation(n)
        for i in range(n // 64):
            idx = np.sort(order[i * 64 : (i + 1) * 64])
            step(tf.constant(data["x"][idx], tf.float32), {t: tf.constant(data["y"][t][idx]) for t in TASKS})
        fit_s = time.perf_counter() - t0
        pa = model.predict(data["s"].astype(np.float32), batch_size=256, verbose=0)
        pb = model.predict(data["s_mirror"].astype(np.float32), batch_size=256, verbose=0)
        preds = {t: (np.asarray(pa[t]) + np.asarray(pb[t])).argmax(1) for t in tasks}
        acc = {t: float((preds[t] == data["ys"][t]).mean()) for t in tasks}
        history.append({"epoch": epoch + 1, "accuracy": acc, "fit_s": round(fit_s, 1)})
        log(f"[{name}] epoch {epoch + 1}: " + ", ".join(f"{t} {a:.3f}" for t, a in acc.items()) + f" ({fit_s:.0f} s)")
    return {
        "weights": weights,
        "history": history,
        "final_correct": {t: (preds[t] == data["ys"][t]).tolist() for t in tasks},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    parser.add_argument("--work", type=Path, default=Path("runs/screen"))
    parser.add_argument("--probe-n", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    args = parser.parse_args()
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {msg}", flush=True)

    table = keep_present(read_labels(args.fairface / "fairface_label_train.csv"), args.fairface).table
    split = phase_data(table, "balanced", BundleConfig(fairface_dir=args.fairface))
    sel_rows = np.array(split.selection_rows)
    probe_rows = np.sort(np.random.default_rng(7).choice(split.train_rows, args.probe_n, replace=False))
    files = {s: [table.rows[i]["file"] for i in r] for s, r in (("selection", sel_rows), ("probe", probe_rows))}
    data = {
        "x": cached_features("res10", stage_factory(False), files["probe"], args.fairface, args.work / "probe", log)[
            "res10"
        ],
        "s": cached_features(
            "res10", stage_factory(False), files["selection"], args.fairface, args.work / "selection", log
        )["res10"],
        "s_mirror": cached_features(
            "res10_mirror", stage_factory(True), files["selection"], args.fairface, args.work / "selection", log
        )["res10"],
        "y": {t: LabelTable([table.rows[i] for i in probe_rows]).encode(t) for t in TASKS},
        "ys": {t: LabelTable([table.rows[i] for i in sel_rows]).encode(t) for t in TASKS},
    }
    results: dict[str, Any] = {}
    for name in args.configs.split(","):
        path = args.work / f"trunks_{name}.json"
        if path.is_file():
            results[name] = json.loads(path.read_text())
            log(f"[{name}] done before: {results[name]['history'][-1]['accuracy']}")
            continue
        results[name] = train(name, CONFIGS[name], data, args.epochs, log)
        path.write_text(json.dumps(results[name]))
    if "shared" in results:
        base = np.array(results["shared"]["final_correct"]["gender"])
        for name, r in results.items():
            c = np.array(r["final_correct"]["gender"])
            low, high = bootstrap_ci(c)
            gap = paired_gap(c, base)
            log(
                f"gender {name:12s} {c.mean():.3f} ({low:.3f}-{high:.3f}) vs shared {gap['gap']:+.3f} "
                f"({gap['ci_low']:+.3f}..{gap['ci_high']:+.3f}), n = {c.size}"
            )


if __name__ == "__main__":
    main()
