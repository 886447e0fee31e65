#!/usr/bin/env python
"""Issue 22 screening: can Cydral's age and gender networks (facexai.models.age_gender_net) lift the
bundle's gender and age? Measured with cached features on TRAIN chips only (never val).

    PYTHONPATH=backend nice -n 19 .venv/bin/python scripts/screen_age_gender.py --fairface ../shared/fairface

Splits of fairface_label_train.csv:

* ``selection`` (S): the bundle's own held-out selection chips (BundleConfig: 4,000 rows, seed 42),
  so the served bundle never trained on them and its accuracy there is honest; ``--selection-n``
  takes a fixed random part of them.
* ``probe`` (T): ``--probe-n`` random rows (seed 7) of the bundle's 36,000 training rows, on which
  linear probes of FROZEN features are fitted.

Features (each chip and its mirror image, averaged; cached in ``--work`` in chunks, so a rerun
resumes): dlib's face ResNet as published (256-D pool + 128-D descriptor), the served bundle
(models/balanced.npz: 256-D pool and its race/gender/age logits; S only, as T is its training
data), Cydral's gender network (16-D hidden layer, 4,096-D pooled map, 2 logits; 32 px) and age
network (256-D pool, 81 logits; 64 px), both fed the central 1.4/1.5 of the 150 px chip.

What is reported on S (n, accuracy, 95% bootstrap interval; gaps to the bundle paired):

1. the bundle as served;
2. Cydral's networks zero-shot (gender argmax; age: the 81 ages' probabilities summed into
   FairFace's 9 bins, and the expected age put in its bin);
3. softmax-regression probes fitted on T of dlib's features, Cydral's, and both;
4. fusions with the bundle, fitted by 10-fold cross-validation on S itself (the bundle's outputs
   exist only there without training bias): the bundle's logits plus a probe's or Cydral's.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from facexai.core.fairface import LabelTable, decode_images, keep_present, read_labels
from facexai.evaluation.metrics import bootstrap_ci, paired_gap
from facexai.models import age_gender_net as agn
from facexai.training.bundle import BundleConfig, phase_data

TASKS = ("race", "gender", "age")
#: FairFace's age bins as [low, high] years; the last is open
AGE_BINS = ((0, 2), (3, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 200))
CHUNK = 500


# ----------------------------------------------------------------------------- features


def extractors(models_dir: Path) -> dict[str, Callable[[], Callable[[np.ndarray], dict[str, np.ndarray]]]]:
    """name -> a factory of f(uint8 chips at 150 px) -> {feature name: (N, D)}, mirror-averaged."""

    def mirrored(model: Any, prep: Callable[[np.ndarray], np.ndarray], names: list[str]):
        def run(chips: np.ndarray) -> dict[str, np.ndarray]:
            x = prep(chips).astype(np.float32)
            both = np.concatenate([x, x[:, :, ::-1]])
            outs = model.predict(both, batch_size=64, verbose=0)
            outs = outs if isinstance(outs, list) else [outs]
            n = len(chips)
            return {k: ((o[:n] + o[n:]) / 2).astype(np.float32) for k, o in zip(names, outs, strict=True)}

        return run

    def dlib_frozen():
        import keras

        from facexai.models.dlib_resnet import build_backbone, dat_path, read_dat

        model = build_backbone(read_dat(dat_path()), with_descriptor=True)
        both = keras.Model(model.inputs, [model.get_layer("gap").output, model.output])
        return mirrored(both, lambda c: c, ["gap", "descriptor"])

    def bundle():
        import keras
        from keras import layers

        from facexai.models.dlib_resnet import DAT_SHA256, backbone_graph
        from facexai.models.dlib_tasks import apply_backbone_weights, dlib_network, read_weights

        weights = read_weights(models_dir / "balanced.npz")
        inputs = keras.Input((150, 150, 3))
        gap, made = backbone_graph(dlib_network(DAT_SHA256), inputs)
        apply_backbone_weights(made.values(), weights)
        outs = [gap]
        for task in TASKS:
            dense = layers.Dense(weights[f"{task}_logits/kernel"].shape[1], name=f"{task}_logits")
            outs.append(dense(gap))
            dense.set_weights([weights[f"{task}_logits/kernel"], weights[f"{task}_logits/bias"]])
        return mirrored(keras.Model(inputs, outs), lambda c: c, ["gap", *(f"{t}_logits" for t in TASKS)])

    def cydral(task: str, names: dict[str, str]):
        def factory():
            import keras

            model = agn.load_network(task)
            heads = [model.get_layer(layer).output for layer in names.values()]
            size = agn.NETWORKS[task].input_size
            return mirrored(keras.Model(model.inputs, heads), lambda c: agn.chip_to_input(c, size), list(names))

        return factory

    return {
        "dlib": dlib_frozen,
        "bundle": bundle,
        "cydral_gender": cydral("gender", {"hidden": "layer_3_relu", "pooled": "layer_4_flatten", "logits": "logits"}),
        "cydral_age": cydral("age", {"gap": "layer_2_global_average_pool", "logits": "logits"}),
    }


def cached_features(
    name: str,
    factory: Callable[[], Callable[[np.ndarray], dict[str, np.ndarray]]],
    files: list[str],
    fairface: Path,
    folder: Path,
    log: Callable[[str], None],
) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    run = None
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, len(files), CHUNK):
        path = folder / f"{name}_{start:06d}.npz"
        batch = files[start : start + CHUNK]
        if path.is_file():
            with np.load(path) as data:
                if list(data["files"]) == batch:
                    parts.append({k: data[k] for k in data.files if k != "files"})
                    continue
        if run is None:
            run = factory()
        t0 = time.perf_counter()
        chips = decode_images([fairface / f for f in batch], 150)
        feats = run(chips)
        np.savez(path.with_suffix(".tmp.npz"), files=np.array(batch), **feats)
        path.with_suffix(".tmp.npz").replace(path)
        ms = 1000 * (time.perf_counter() - t0) / len(batch)
        log(f"  {name} {folder.name} {start + len(batch)}/{len(files)}: {ms:.1f} ms/chip")
        parts.append(feats)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


# ----------------------------------------------------------------------------- probes


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean, std = train.mean(0), train.std(0) + 1e-6
    return [(a - mean) / std for a in (train, *others)]


def fit_softmax(x: np.ndarray, y: np.ndarray, k: int, l2: float, steps: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, full batch Adam on the mean cross-entropy + l2 * |W|^2."""
    import tensorflow as tf

    xt, yt = tf.constant(x, tf.float32), tf.constant(y, tf.int32)
    w = tf.Variable(tf.zeros((x.shape[1], k)))
    b = tf.Variable(tf.zeros((k,)))
    opt = tf.keras.optimizers.Adam(0.02)

    @tf.function
    def step() -> None:
        with tf.GradientTape() as tape:
            logits = xt @ w + b
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yt, logits))
            loss += l2 * tf.reduce_sum(w * w)
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b], strict=True))

    for _ in range(steps):
        step()
    return w.numpy(), b.numpy()


def probe(x_tr: np.ndarray, y_tr: np.ndarray, x_te: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """Logits on x_te of a probe fitted on (x_tr, y_tr); its l2 chosen on a 20% split of the training rows."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_tr))
    cut = len(x_tr) // 5
    va, tr = order[:cut], order[cut:]
    best = (-1.0, 0.0)
    for l2 in (1e-4, 1e-3, 1e-2):
        a, b = standardize(x_tr[tr], x_tr[va])
        w, c = fit_softmax(a, y_tr[tr], k, l2)
        acc = float(((b @ w + c).argmax(1) == y_tr[va]).mean())
        best = max(best, (acc, l2))
    a, b = standardize(x_tr, x_te)
    w, c = fit_softmax(a, y_tr, k, best[1])
    return b @ w + c, best[1]


def cross_fitted(x: np.ndarray, y: np.ndarray, k: int, l2: float = 1e-3, folds: int = 10, seed: int = 0) -> np.ndarray:
    """Out-of-fold logits of a softmax regression on S itself (each row predicted by a fit without it)."""
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(x)) % folds
    out = np.zeros((len(x), k), np.float32)
    for f in range(folds):
        a, b = standardize(x[fold != f], x[fold == f])
        w, c = fit_softmax(a, y[fold != f], k, l2)
        out[fold == f] = b @ w + c
    return out


# ----------------------------------------------------------------------------- age bins


def ages_to_bins(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the 81 ages' probabilities summed per FairFace bin (N, 9), the bin of the expected age (N,))."""
    ages = np.arange(probabilities.shape[1])
    mass = np.stack([probabilities[:, (ages >= lo) & (ages <= hi)].sum(1) for lo, hi in AGE_BINS], 1)
    expected = agn.expected_age(probabilities)
    edges = np.array([hi for _, hi in AGE_BINS[:-1]], np.float64) + 0.5  # 2.5, 9.5, ...
    return mass, np.searchsorted(edges, expected)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--work", type=Path, default=Path("runs/screen"))
    parser.add_argument("--selection-n", type=int, default=4000)
    parser.add_argument("--probe-n", type=int, default=10000)
    parser.add_argument("--features-only", action="store_true")
    parser.add_argument("--pooled", action="store_true", help="also probe Cydral gender's 4,096-D pooled map")
    args = parser.parse_args()
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {msg}", flush=True)

    table = keep_present(read_labels(args.fairface / "fairface_label_train.csv"), args.fairface).table
    split = phase_data(table, "balanced", BundleConfig(fairface_dir=args.fairface))
    sel_rows = np.array(split.selection_rows)
    if args.selection_n < len(sel_rows):
        sel_rows = np.sort(np.random.default_rng(11).choice(sel_rows, args.selection_n, replace=False))
    probe_rows = np.sort(np.random.default_rng(7).choice(split.train_rows, args.probe_n, replace=False))
    assert not set(sel_rows.tolist()) & set(probe_rows.tolist())
    rows = {"selection": sel_rows, "probe": probe_rows}
    labels = {s: LabelTable([table.rows[i] for i in r]) for s, r in rows.items()}
    y = {s: {t: labels[s].encode(t) for t in TASKS} for s in rows}
    log(f"selection {len(sel_rows)} chips (the bundle's held-out rows), probe {len(probe_rows)} chips")

    ext = extractors(args.models)
    feats: dict[str, dict[str, dict[str, np.ndarray]]] = {"selection": {}, "probe": {}}
    for name in ("cydral_gender", "cydral_age", "bundle", "dlib"):
        for s in ("selection", "probe"):
            if name == "bundle" and s == "probe":
                continue
            files = [table.rows[i]["file"] for i in rows[s]]
            feats[s][name] = cached_features(name, ext[name], files, args.fairface, args.work / s, log)
    if args.features_only:
        return

    report: dict[str, Any] = {"n_selection": len(sel_rows), "n_probe": len(probe_rows), "results": {}}
    results = report["results"]
    ys = y["selection"]
    baseline: dict[str, np.ndarray] = {}

    def record(task: str, what: str, pred: np.ndarray, **extra: Any) -> None:
        correct = pred == ys[task]
        low, high = bootstrap_ci(correct)
        entry = {"accuracy": float(correct.mean()), "ci": [low, high], "n": int(correct.size), **extra}
        if what != "bundle" and task in baseline:
            entry["vs_bundle"] = paired_gap(correct, baseline[task])
        results.setdefault(task, {})[what] = entry
        gap = entry.get("vs_bundle")
        gap_s = f"  vs bundle {gap['gap']:+.3f} ({gap['ci_low']:+.3f}..{gap['ci_high']:+.3f})" if gap else ""
        log(f"{task:6s} {what:48s} {correct.mean():.3f} ({low:.3f}-{high:.3f}){gap_s}")

    sb, sg, sa = (feats["selection"][k] for k in ("bundle", "cydral_gender", "cydral_age"))
    for task in TASKS:
        pred = sb[f"{task}_logits"].argmax(1)
        record(task, "bundle", pred)
        baseline[task] = pred == ys[task]

    # Cydral zero-shot; FairFace's gender labels are Male, Female; Cydral's female, male
    from facexai.core.labels import labels_for

    male = labels_for("gender").index("Male")
    cydral_male = sg["logits"].argmax(1) == agn.NETWORKS["gender"].labels.index("male")
    record("gender", "cydral zero-shot", np.where(cydral_male, male, 1 - male))
    mass, expected_bin = ages_to_bins(softmax(sa["logits"]))
    record("age", "cydral zero-shot: probability mass per bin", mass.argmax(1))
    record("age", "cydral zero-shot: expected age's bin", expected_bin)

    # probes on T
    sources = {
        "dlib (gap+descriptor)": lambda s: np.hstack([feats[s]["dlib"]["gap"], feats[s]["dlib"]["descriptor"]]),
        "cydral gender (hidden+logits)": lambda s: np.hstack(
            [feats[s]["cydral_gender"]["hidden"], feats[s]["cydral_gender"]["logits"]]
        ),
        "cydral age (gap+logits)": lambda s: np.hstack(
            [feats[s]["cydral_age"]["gap"], feats[s]["cydral_age"]["logits"]]
        ),
    }
    sources["cydral both"] = lambda s: np.hstack(
        [sources["cydral gender (hidden+logits)"](s), sources["cydral age (gap+logits)"](s)]
    )
    sources["dlib + cydral both"] = lambda s: np.hstack(
        [sources["dlib (gap+descriptor)"](s), sources["cydral both"](s)]
    )
    if args.pooled:  # Cydral gender's 4,096-D pooled map: 5 min a probe on the loaded 2 cores
        sources["cydral gender pooled 4096"] = lambda s: feats[s]["cydral_gender"]["pooled"]
    probe_logits: dict[tuple[str, str], np.ndarray] = {}
    for task in TASKS:
        k = len(labels_for(task))
        for src, get in sources.items():
            t0 = time.perf_counter()
            logits, l2 = probe(get("probe"), y["probe"][task], get("selection"), k)
            probe_logits[(task, src)] = logits
            record(task, f"probe on T: {src}", logits.argmax(1), l2=l2, fit_s=round(time.perf_counter() - t0, 1))

    # fusions with the bundle, cross-fitted on S
    for task in TASKS:
        k = len(labels_for(task))
        own = sb[f"{task}_logits"]
        extra_sets = {
            "bundle logits + cydral logits": [sg["logits"], sa["logits"]],
            "bundle logits + probe(cydral both)": [probe_logits[(task, "cydral both")]],
            "bundle logits + probe(dlib + cydral both)": [probe_logits[(task, "dlib + cydral both")]],
            "bundle gap + cydral features": [sb["gap"], sources["cydral both"]("selection")],
            "bundle logits only (recalibrated)": [],
        }
        if task == "age":
            extra_sets["bundle logits + cydral bin mass"] = [np.log(mass + 1e-6)]
        for what, extra in extra_sets.items():
            x = np.hstack([own, *extra])
            record(task, f"CV on S: {what}", cross_fitted(x, ys[task], k).argmax(1), dims=int(x.shape[1]))

    report["seconds"] = round(time.perf_counter() - started, 1)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "report.json").write_text(json.dumps(report, indent=1))
    log(f"wrote {args.work / 'report.json'}")


if __name__ == "__main__":
    main()
