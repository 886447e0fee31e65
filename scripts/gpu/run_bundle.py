#!/usr/bin/env python
"""Train the whole default model bundle in one process, sized to a wall-clock budget (issue 4).

    KERAS_BACKEND=jax python scripts/gpu/run_bundle.py --pack .gpu/pack --out "$OUT" --budget-s 420

Made for the GPU machine (JAX, no TensorFlow; see docs/gpu-run.md), and tested on the CPU here.
Two groups of models share one trunk each (multi-task: one forward and backward pass trains
every head, so three models cost about one):

- ``all``: ``age``, ``gender`` and ``race`` on every training chip;
- ``biased``: ``race_biased`` (and ``age_biased``, ``gender_biased``) on the packed race-imbalanced
  subset (12,584 of 40,000 rows).

``--separate`` trains one network per model instead. Each head is exported as a plain model of
the pipeline's architecture (``lean``: trunk + that head, weights copied, outputs checked equal),
saved without optimizer state, with a manifest entry, a model card and a per-epoch log made by
the training pipeline's own code (facexai.training). The schedule is fixed before training:
linear warm-up, then cosine decay over as many epochs as the measured step time lets fit in the
budget; label smoothing and augmentation run inside the compiled step. The validation set is only
watched (per-epoch curves); it never picks weights or stops training, so its figures stay fair.

Written to ``--out``: one ``<name>.keras`` per model and ``bundle.tar`` (manifest.json, cards,
logs, the run's settings), rewritten after each group, so a run cut short still returns
what it finished.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import sys
import tarfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "backend"))  # run without installing
sys.path.insert(0, str(HERE))

import pack_data  # noqa: E402
from bundle_card import render_bundle_card  # noqa: E402

from facexai.labels import labels_for  # noqa: E402
from facexai.training.config import Config, load_config  # noqa: E402
from facexai.training.data import LabelTable, Split, keep_present, load_split, read_labels  # noqa: E402

#: the architecture layer every head starts after (the pooled features)
HEAD_FROM = "gap"
ALL_TASKS = ("age", "gender", "race")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


@dataclass
class Group:
    """Models trained together on one set of rows: one shared trunk, one head per task."""

    key: str
    subset: str  # "all" or "race_biased" (the pipeline's data.subset values)
    tasks: tuple[str, ...]
    index: np.ndarray  # rows of the decoded train images
    table: LabelTable
    names: dict[str, str] = field(default_factory=dict)  # task -> model name
    epochs_planned: int = 0
    step_s: float = 0.0
    compile_s: float = 0.0

    def name(self, task: str) -> str:
        return self.names[task]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pack", type=Path, help="a pack made by pack_data.py (unpacked to --unpack-dir)")
    src.add_argument("--data", type=Path, help="an unpacked FairFace-layout folder with the three label CSVs")
    p.add_argument("--unpack-dir", type=Path, default=Path("/tmp/facexai-fairface"))
    p.add_argument("--out", type=Path, required=True, help="models and bundle.tar go here ($OUT on the device)")
    p.add_argument("--stage", type=Path, help="working folder for the bundle (default: <out>/../facexai-stage)")
    p.add_argument("--budget-s", type=float, default=420.0, help="wall-clock budget of this whole script")
    p.add_argument("--epochs", type=int, default=0, help="fixed epochs (0 = as many as the budget allows)")
    p.add_argument("--max-epochs", type=int, default=60)
    p.add_argument("--min-epochs", type=int, default=1)
    p.add_argument("--architecture", default="lean")
    p.add_argument("--input-size", type=int, default=0, help="0 = the pack's chip size")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--val-batch-size", type=int, default=500)
    p.add_argument("--learning-rate", type=float, default=2e-3, help="peak learning rate (AdamW)")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup-epochs", type=int, default=2)
    p.add_argument("--final-lr-fraction", type=float, default=0.01)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--rotation", type=float, default=15.0, help="degrees")
    p.add_argument("--zoom", type=float, default=0.10)
    p.add_argument("--translate", type=float, default=0.06)
    p.add_argument("--contrast", type=float, default=0.2)
    p.add_argument("--brightness", type=float, default=0.15)
    p.add_argument("--biased-tasks", default="race,age,gender", help="heads of the biased group (race first)")
    p.add_argument("--separate", action="store_true", help="one network per model instead of shared trunks")
    p.add_argument("--limit", type=int, default=0, help="first N train rows (0 = all)")
    p.add_argument("--val-limit", type=int, default=0)
    p.add_argument("--calib-steps", type=int, default=10, help="timed steps per group before sizing the schedule")
    p.add_argument("--smoke", action="store_true", help="partial pack allowed; 1 epoch of 2 steps per group")
    p.add_argument("--workers", type=int, default=min(16, os.cpu_count() or 2), help="decoding/batching threads")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--compile-cache", type=Path, help="JAX persistent compilation cache folder")
    args = p.parse_args(argv)
    args.biased_tasks = tuple(t.strip() for t in args.biased_tasks.split(",") if t.strip())
    unknown = set(args.biased_tasks) - set(ALL_TASKS)
    if unknown or not args.biased_tasks:
        p.error(f"--biased-tasks must name some of {ALL_TASKS}, got {args.biased_tasks}")
    if args.smoke:
        args.epochs = 1
    return args


# ---- data -------------------------------------------------------------------------------------


def load_data(args: argparse.Namespace) -> tuple[Path, int, dict]:
    """Unpack (or point at) the data; return its folder, chip size and pack.json (or {})."""
    if args.pack:
        info = pack_data.unpack(args.pack, args.unpack_dir, partial=args.smoke, log=log)
        return args.unpack_dir, int(info["image_size"]), info
    return args.data, 0, {}


def read_tables(root: Path, args: argparse.Namespace) -> tuple[LabelTable, LabelTable, LabelTable]:
    train = read_labels(root / pack_data.TRAIN_CSV)
    val = read_labels(root / pack_data.VAL_CSV)
    biased = read_labels(root / pack_data.BIASED_CSV)
    if args.smoke:  # only the chips of the shards carried so far
        train, val = keep_present(train, root).table, keep_present(val, root).table
        biased = keep_present(biased, root).table
    train, val = train.head(args.limit), val.head(args.val_limit)
    in_train = {r["file"] for r in train.rows}
    biased = LabelTable([r for r in biased.rows if r["file"] in in_train], biased.source)
    return train, val, biased


def one_hot(table: LabelTable, task: str) -> np.ndarray:
    return np.eye(len(labels_for(task)), dtype=np.float32)[table.encode(task)]


def make_batches(keras: Any) -> type:
    class Batches(keras.utils.PyDataset):
        """Fixed-shape batches gathered from the decoded uint8 array, so the compiled step never retraces.

        Training (``shuffle``): a new permutation each epoch, the remainder dropped. Evaluation:
        every row once, the last batch padded with zero-weight rows.
        """

        def __init__(
            self,
            images: np.ndarray,
            index: np.ndarray,
            targets: dict[str, np.ndarray],
            batch_size: int,
            shuffle: bool,
            seed: int = 0,
            steps: int = 0,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            if len(index) == 0:
                raise ValueError("no rows to batch")
            if shuffle and len(index) < batch_size:  # a smoke test on few rows: repeat them to fill a batch
                index = np.resize(index, batch_size)
                targets = {k: np.resize(v, (batch_size, *v.shape[1:])) for k, v in targets.items()}
            self.images, self.index, self.targets = images, np.asarray(index), targets
            self.batch_size, self.shuffle = batch_size, shuffle
            self.rng = np.random.default_rng(seed)
            self.steps = steps
            self.order = self.rng.permutation(len(index)) if shuffle else np.arange(len(index))
            if not shuffle:
                pad = -len(index) % batch_size
                self.weight = np.concatenate([np.ones(len(index), np.float32), np.zeros(pad, np.float32)])
                self.order = np.concatenate([self.order, np.zeros(pad, np.int64)])

        def __len__(self) -> int:
            full = len(self.order) // self.batch_size
            return min(full, self.steps) if self.steps else full

        def __getitem__(self, i: int) -> tuple:
            rows = self.order[i * self.batch_size : (i + 1) * self.batch_size]
            x = self.images[self.index[rows]]
            y = {task: t[rows] for task, t in self.targets.items()}
            if self.shuffle:
                return x, y
            w = self.weight[i * self.batch_size : (i + 1) * self.batch_size]
            return x, y, {task: w for task in self.targets}

        def on_epoch_end(self) -> None:
            if self.shuffle:
                self.order = self.rng.permutation(len(self.index))

    return Batches


# ---- models -----------------------------------------------------------------------------------


def build_multitask(keras: Any, architecture: str, tasks: tuple[str, ...], size: int, name: str) -> Any:
    """The architecture's trunk once, then a copy of its head (everything after ``gap``) per task."""
    from facexai.architectures import build_model

    ref = build_model(architecture, 2, size)
    layer_names = [layer.name for layer in ref.layers]
    if HEAD_FROM not in layer_names:
        raise ValueError(f"architecture {architecture!r} has no {HEAD_FROM!r} layer to share a trunk at")
    head = ref.layers[layer_names.index(HEAD_FROM) + 1 :]
    features = ref.get_layer(HEAD_FROM).output
    outputs = {}
    for task in tasks:
        x = features
        for layer in head:
            config = {**layer.get_config(), "name": f"{task}_{layer.name}"}
            if layer.name == "logits":
                config["units"] = len(labels_for(task))
            x = layer.__class__.from_config(config)(x)
        outputs[task] = x
    return keras.Model(ref.input, outputs, name=name)


def export_head(keras: Any, multitask: Any, architecture: str, task: str, size: int) -> Any:
    """A plain ``architecture`` model for ``task``: the shared trunk's and the task head's weights."""
    from facexai.architectures import build_model

    model = build_model(architecture, len(labels_for(task)), size)
    names = [layer.name for layer in model.layers]
    head_names = set(names[names.index(HEAD_FROM) + 1 :])
    for layer in model.layers:
        if not layer.weights:
            continue
        source = multitask.get_layer(f"{task}_{layer.name}" if layer.name in head_names else layer.name)
        layer.set_weights(source.get_weights())
    return model


def training_wrapper(keras: Any, model: Any, config: Config, args: argparse.Namespace) -> Any:
    """uint8 -> float -> augmentation (training only) -> preprocessing -> ``model``; never saved.

    The pipeline's augmentation (rotation, flips) and Preprocess layer, plus zoom, shift and
    photometric jitter.
    """
    from facexai.training.train import Preprocess, augmentation_layers

    size, seed = config.model.input_size, config.training.seed
    extra = []
    if args.zoom > 0:
        extra.append(keras.layers.RandomZoom((-args.zoom, args.zoom), fill_mode="reflect", seed=seed + 2))
    if args.translate > 0:
        extra.append(keras.layers.RandomTranslation(args.translate, args.translate, fill_mode="reflect", seed=seed + 3))
    if args.contrast > 0:
        extra.append(keras.layers.RandomContrast(args.contrast, seed=seed + 4))
    if args.brightness > 0:
        extra.append(keras.layers.RandomBrightness(args.brightness, value_range=(0.0, 255.0), seed=seed + 5))
    inputs = keras.Input((size, size, 3), dtype="uint8", name="pixels")
    x = keras.ops.cast(inputs, "float32")
    for layer in [*augmentation_layers(config), *extra]:
        x = layer(x)
    x = Preprocess(config.model.preprocessing, name="preprocess")(x)
    return keras.Model(inputs, model(x), name=f"{model.name}_training")


def lr_at(epoch: int, epochs: int, args: argparse.Namespace) -> float:
    """Linear warm-up to the peak, then cosine decay to ``final_lr_fraction`` of it at the last epoch."""
    peak, final = args.learning_rate, args.learning_rate * args.final_lr_fraction
    warmup = min(args.warmup_epochs, max(0, epochs - 1))
    if epoch < warmup:
        return peak * (epoch + 1) / (warmup + 1)
    span = max(1, epochs - 1 - warmup)
    return final + (peak - final) * 0.5 * (1 + math.cos(math.pi * min(1.0, (epoch - warmup) / span)))


def base_config(args: argparse.Namespace, size: int, task: str, subset: str, name: str) -> Config:
    """The pipeline's config for one model: what the manifest records and augmentation_layers reads."""
    return load_config(
        None,
        [
            f"data.task={task}",
            f"data.subset={subset}",
            f"model.name={name}",
            f"model.architecture={args.architecture}",
            f"model.input_size={size}",
            "training.optimizer=adamw",
            f"training.learning_rate={args.learning_rate}",
            f"training.batch_size={args.batch_size}",
            f"training.epochs={max(args.epochs, 1)}",
            "training.early_stopping_patience=0",
            "training.restore_best_weights=false",
            f"training.rotation_degrees={args.rotation}",
            f"training.seed={args.seed}",
            "training.monitor=val_loss",
        ],
    )


class TimeGuard:
    """Stop a group's training at an epoch end once the deadline has passed (keras callback factory)."""

    @staticmethod
    def make(keras: Any, deadline: float) -> Any:
        class _Guard(keras.callbacks.Callback):
            stopped_at: int | None = None

            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                if time.perf_counter() > deadline:
                    self.stopped_at = epoch + 1
                    self.model.stop_training = True
                    log(f"time guard: stopping after epoch {epoch + 1}, past the budget")

        return _Guard()


# ---- the run ----------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A group ready to train: its training network, the shared multi-task model inside, its data."""

    wrapper: Any
    multitask: Any
    train: Any  # Batches
    val: Any  # Batches
    config: Config


def prepare_group(keras: Any, g: Group, train: Split, val: Split, size: int, args: argparse.Namespace) -> Prepared:
    """Build and compile the group's network, then compile and time its steps (before sizing the schedule).

    The steps taken here run at a sixth of the peak learning rate: an extra bit of warm-up.
    """
    Batches = make_batches(keras)
    bs, vbs = args.batch_size, args.val_batch_size
    loader = {"workers": args.workers, "use_multiprocessing": False, "max_queue_size": 8}
    config = base_config(args, size, g.tasks[0], g.subset, g.name(g.tasks[0]))
    multitask = build_multitask(keras, args.architecture, g.tasks, size, name=f"{g.key}_multitask")
    wrapper = training_wrapper(keras, multitask, config, args)
    wrapper.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=args.learning_rate, weight_decay=args.weight_decay),
        loss={task: keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing) for task in g.tasks},
        metrics={task: [keras.metrics.CategoricalAccuracy(name="accuracy")] for task in g.tasks},
    )
    targets = {task: one_hot(g.table, task) for task in g.tasks}
    val_targets = {task: one_hot(val.table, task) for task in g.tasks}
    everything = np.arange(len(val.images))
    # a smoke test trains 2 steps per epoch; the timing below still takes up to --calib-steps
    train_set = Batches(train.images, g.index, targets, bs, True, args.seed, 2 if args.smoke else 0, **loader)
    val_set = Batches(val.images, everything, val_targets, vbs, False, **loader)
    log(
        f"group {g.key}: {', '.join(g.names.values())}; {len(g.index)} train rows, {len(train_set)} steps of "
        f"{bs} per epoch; {multitask.count_params():,} parameters in the shared network"
    )
    wrapper.optimizer.learning_rate.assign(args.learning_rate / 6)
    t = time.perf_counter()
    first_val = Batches(val.images, everything[:vbs], {k: v[:vbs] for k, v in val_targets.items()}, vbs, False)
    wrapper.fit(
        Batches(train.images, g.index, targets, bs, True, args.seed + 7, 1),
        epochs=1,
        verbose=0,
        validation_data=first_val,
    )
    wrapper.predict(first_val, verbose=0)
    g.compile_s = time.perf_counter() - t
    steps = max(1, min(args.calib_steps, len(g.index) // bs))
    timed = Batches(train.images, g.index, targets, bs, True, args.seed + 8, steps, **loader)
    t = time.perf_counter()
    wrapper.fit(timed, epochs=1, verbose=0)
    g.step_s = (time.perf_counter() - t) / steps
    log(f"group {g.key}: compiled in {g.compile_s:.1f}s; {g.step_s * 1000:.0f} ms per step ({bs / g.step_s:.0f} img/s)")
    return Prepared(wrapper, multitask, train_set, val_set, config)


def epoch_cost(p: Prepared, g: Group, args: argparse.Namespace) -> float:
    """Seconds per epoch: the training steps, and validation (forward only: about a third of a step),
    with 10% to spare (a time-guard stop would cut the cosine decay short)."""
    val_s = len(p.val) * g.step_s * args.val_batch_size / args.batch_size / 3
    return 1.1 * (len(p.train) * g.step_s + val_s) + 0.5


@dataclass
class Trained:
    history: dict[str, list[float]]
    epochs: int
    fit_s: float
    learning_rates: list[float]
    epoch_seconds: list[float]
    stopped_by_time: bool


def train_group(keras: Any, g: Group, p: Prepared, epochs: int, guard_at: float, stage: Path, args) -> Trained:
    from facexai.training.train import EpochTimer

    g.epochs_planned = epochs
    timer = EpochTimer()
    guard = TimeGuard.make(keras, guard_at)
    callbacks = [
        keras.callbacks.LearningRateScheduler(lambda e, _lr: lr_at(e, epochs, args)),
        keras.callbacks.TerminateOnNaN(),
        guard,
        timer,
        keras.callbacks.CSVLogger(str(stage / f"group_{g.key}.log.csv")),
    ]
    log(f"group {g.key}: training {epochs} epochs")
    t = time.perf_counter()
    history = p.wrapper.fit(p.train, epochs=epochs, validation_data=p.val, callbacks=callbacks, verbose=2).history
    return Trained(
        history, epochs, time.perf_counter() - t, timer.learning_rates, timer.seconds, guard.stopped_at is not None
    )


def export_group(keras, g: Group, p: Prepared, r: Trained, train: Split, val: Split, size: int, ctx: dict) -> list:
    """Per head: the plain model (checked against the joint network), its metrics, card, log and manifest entry."""
    from facexai.evaluation.metrics import json_safe
    from facexai.manifest import ModelSpec, load_or_new_manifest
    from facexai.preprocessing import get_preprocessor
    from facexai.training.train import _counts, _describe, _val_metrics

    args, stage, out, hw, pack_info = ctx["args"], ctx["stage"], ctx["out"], ctx["hw"], ctx["pack"]
    epochs_run = len(r.history.get("loss", []))
    images_per_s = len(p.train) * args.batch_size * epochs_run / r.fit_s if r.fit_s > 0 else None
    predicted = p.wrapper.predict(p.val, verbose=0)
    if not isinstance(predicted, dict):
        predicted = {g.tasks[0]: predicted}
    check = min(8, len(val.images))
    x_check = get_preprocessor(p.config.model.preprocessing)(val.images[:check].astype(np.float32))
    summary = []
    for task in g.tasks:
        name, labels = g.name(task), labels_for(task)
        probs = np.asarray(predicted[task])[: len(val.images)]
        model = export_head(keras, p.multitask, args.architecture, task, size)
        drift = float(np.abs(keras.ops.convert_to_numpy(model(x_check, training=False)) - probs[:check]).max())
        if drift > 0.02:
            raise RuntimeError(f"{name}: the exported model differs from the trained network by {drift:.4f}")
        model_path = stage / f"{name}.keras"
        model.save(model_path)  # never compiled: no optimizer state
        shutil.copy2(model_path, out / model_path.name)

        config = base_config(args, size, task, g.subset, name)
        config.training.epochs = r.epochs
        history = per_task_history(r.history, task, len(g.tasks))
        write_task_log(stage / f"{name}.log.csv", history, r.learning_rates)
        val_split = Split(val.images, val.table.encode(task), val.table, [])
        train_split = Split(train.images[:0], g.table.encode(task), g.table, [])
        metrics = _val_metrics(val_split, np.argmax(probs, axis=1), probs, labels, history, config)
        final_lr = args.learning_rate * args.final_lr_fraction
        training_info = {
            "config": config.to_dict(),
            "optimizer": "adamw",
            "learning_rate": args.learning_rate,
            "weight_decay": args.weight_decay,
            "label_smoothing": args.label_smoothing,
            "batch_size": args.batch_size,
            "max_epochs": r.epochs,
            "epochs_run": epochs_run,
            "best_epoch": metrics.pop("best_epoch"),
            "best_epoch_note": "lowest val loss, for information only: the last epoch's weights are kept",
            "early_stopping_patience": 0,
            "monitor": None,
            "lr_schedule": {
                "kind": "linear warm-up then cosine decay, per epoch",
                "warmup_epochs": min(args.warmup_epochs, max(0, r.epochs - 1)),
                "peak": args.learning_rate,
                "final": final_lr,
                "factor": None,
                "patience": None,
                "min_lr": final_lr,
            },
            "final_learning_rate": r.learning_rates[-1] if r.learning_rates else args.learning_rate,
            "augmentation": {
                "rotation_degrees": args.rotation,
                "horizontal_flip": True,
                "vertical_flip": False,
                "zoom": args.zoom,
                "translate": args.translate,
                "contrast": args.contrast,
                "brightness": args.brightness,
            },
            "multitask": {
                "group": g.key,
                "tasks": list(g.tasks),
                "models": [g.name(t) for t in g.tasks],
                "shared_trunk": len(g.tasks) > 1,
                "export_check_max_abs_diff": round(drift, 6),
            },
            "stopped_by_time_guard": r.stopped_by_time,
            "seed": args.seed,
            "weights": None,
            "freeze_stem": False,
            "parameters": int(model.count_params()),
            "data": {
                "train_csv": pack_data.BIASED_CSV if g.subset == "race_biased" else pack_data.TRAIN_CSV,
                "val_csv": pack_data.VAL_CSV,
                "subset": g.subset,
                "subset_seed": pack_info.get("biased_subset", {}).get("seed") if g.subset != "all" else None,
                "train": _counts(train_split, task),
                "val": _counts(val_split, task),
                "pack": pack_info.get("encoding"),
            },
            "model_selected_on": "none: the last epoch of a fixed schedule (val only watched)",
            "log": f"{name}.log.csv",
            "started": ctx["started"],
            "time_s": {
                "total": round(time.perf_counter() - ctx["t0"], 1),
                "decode": round(ctx["decode_s"], 1),
                "compile": round(g.compile_s, 1),
                "fit": round(r.fit_s, 1),
                "median_epoch": round(float(np.median(r.epoch_seconds)), 2) if r.epoch_seconds else None,
            },
            "images_per_s": round(images_per_s, 1) if images_per_s else None,
            "hardware": hw,
            "backend": hw["backend"],
            "file_bytes": model_path.stat().st_size,
        }
        joint = [g.name(t) for t in g.tasks if t != task]
        spec = ModelSpec(
            name=name,
            task=task,
            file=model_path.name,
            labels=list(labels),
            input_size=size,
            preprocessing=config.model.preprocessing,
            gradcam_layer=_gradcam_layer(args.architecture),
            architecture=args.architecture,
            card=f"{name}.md",
            description=_describe(config)
            + (f"; trained jointly with {', '.join(joint)} on a shared trunk" if joint else ""),
            biased=g.subset == "race_biased",
            metrics=json_safe(metrics),
            training=json_safe(training_info),
        )
        (stage / f"{name}.md").write_text(render_bundle_card(spec))
        manifest = load_or_new_manifest(stage / "manifest.json")
        manifest.upsert(spec)
        manifest.save(stage / "manifest.json")
        summary.append(
            {
                "name": name,
                "val_accuracy": metrics["val_accuracy"],
                "val_macro_f1": metrics["val_macro_f1"],
                "accuracy_by_race": metrics["accuracy_by_race"],
                "epochs": epochs_run,
                "fit_s": round(r.fit_s, 1),
                "images_per_s": training_info["images_per_s"],
                "mb": round(model_path.stat().st_size / 1e6, 2),
            }
        )
        log(
            f"{name}: val accuracy {metrics['val_accuracy']:.4f}, macro F1 {metrics['val_macro_f1']:.3f}; "
            f"{epochs_run} epochs in {r.fit_s:.0f}s; {model_path.name} {model_path.stat().st_size / 1e6:.2f} MB; "
            f"export check {drift:.1e}"
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc)
    args = parse_args(argv)
    deadline = t0 + args.budget_s
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    stage = (args.stage or out.parent / "facexai-stage").resolve()
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)

    root, chip_size, pack_info = load_data(args)
    size = args.input_size or chip_size or 224
    train_table, val_table, biased_table = read_tables(root, args)

    import keras

    if keras.backend.backend() == "jax" and args.compile_cache:
        import jax

        jax.config.update("jax_compilation_cache_dir", str(args.compile_cache))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    keras.utils.set_random_seed(args.seed)
    from facexai.evaluation.metrics import json_safe
    from facexai.training.train import hardware

    hw = hardware()
    log(f"keras {keras.__version__} on {hw['backend']}; devices {hw['devices']}; accelerator {hw['accelerator']}")

    t = time.perf_counter()
    train = load_split(train_table, root, "race", size, args.workers, log)
    val = load_split(val_table, root, "race", size, args.workers, log)
    decode_s = time.perf_counter() - t
    log(f"decoded {len(train.images)} train + {len(val.images)} val chips at {size}px in {decode_s:.1f}s")
    row_of = {r["file"]: i for i, r in enumerate(train.table.rows)}
    biased_index = np.array([row_of[r["file"]] for r in biased_table.rows], dtype=np.int64)

    groups = [
        Group("all", "all", ALL_TASKS, np.arange(len(train.images)), train.table),
        Group("biased", "race_biased", args.biased_tasks, biased_index, biased_table),
    ]
    for g in groups:
        g.names = {task: task if g.subset == "all" else f"{task}_biased" for task in g.tasks}
    if args.separate:
        groups = [
            Group(f"{g.key}_{task}", g.subset, (task,), g.index, g.table, {task: g.names[task]})
            for g in groups
            for task in g.tasks
        ]

    # every compilation happens here, before the schedule is sized
    prepared = {g.key: prepare_group(keras, g, train, val, size, args) for g in groups}
    n_models = sum(len(g.tasks) for g in groups)
    finalize_s = 15.0 + 6.0 * n_models  # predicting val, exporting, checking and saving each model
    available = deadline - time.perf_counter() - finalize_s
    per_epoch = sum(epoch_cost(prepared[g.key], g, args) for g in groups)
    planned = args.epochs or max(args.min_epochs, min(args.max_epochs, int(available // per_epoch)))
    log(
        f"schedule: {planned} epochs per group ({per_epoch:.1f}s per epoch of all groups, {available:.0f}s "
        f"available of the {args.budget_s:.0f}s budget after {time.perf_counter() - t0:.0f}s of set-up)"
    )
    settings = {
        "script": "scripts/gpu/run_bundle.py",
        "argv": sys.argv[1:] if argv is None else list(argv),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "pack": pack_info,
        "hardware": hw,
        "started": started.isoformat(timespec="seconds"),
        "planned_epochs": planned,
        "step_s": {g.key: round(g.step_s, 4) for g in groups},
        "compile_s": {g.key: round(g.compile_s, 1) for g in groups},
    }
    (stage / "run_settings.json").write_text(json.dumps(json_safe(settings), indent=2, default=str) + "\n")
    ctx = {
        "args": args,
        "stage": stage,
        "out": out,
        "hw": hw,
        "pack": pack_info,
        "started": settings["started"],
        "t0": t0,
        "decode_s": decode_s,
    }

    summary: list[dict[str, Any]] = []
    for i, g in enumerate(groups):
        rest = groups[i:]
        # this group's and the later groups' share of the time kept for exporting
        reserve = finalize_s * sum(len(r.tasks) for r in rest) / n_models
        fits = int(
            (deadline - time.perf_counter() - reserve) // sum(epoch_cost(prepared[r.key], r, args) for r in rest)
        )
        epochs = planned if args.epochs else max(1, min(planned, fits))
        result = train_group(keras, g, prepared[g.key], epochs, deadline - reserve, stage, args)
        t = time.perf_counter()
        summary += export_group(keras, g, prepared[g.key], result, train, val, size, ctx)
        log(f"group {g.key}: exported {len(g.tasks)} model(s) in {time.perf_counter() - t:.1f}s")
        (stage / "summary.json").write_text(json.dumps(json_safe(summary), indent=2) + "\n")
        write_bundle_tar(stage, out / "bundle.tar")

    log("summary:")
    for s in summary:
        log(
            f"  {s['name']:<14} val acc {s['val_accuracy']:.4f}  F1 {s['val_macro_f1']:.3f}  "
            f"{s['epochs']} epochs  {s['fit_s']}s  {s['images_per_s']} img/s  {s['mb']} MB"
        )
    for s in summary:
        if s["name"].startswith("race"):  # the bias the report must show
            log(
                f"  {s['name']} accuracy by race: "
                + ", ".join(f"{k} {v:.3f}" for k, v in s["accuracy_by_race"].items() if v is not None)
            )
    log(
        f"done in {time.perf_counter() - t0:.0f}s of {args.budget_s:.0f}s; models "
        f"{sum(s['mb'] for s in summary):.1f} MB in all; wrote {sorted(p.name for p in out.iterdir())}"
    )
    return 0


def _gradcam_layer(architecture: str) -> str:
    from facexai.architectures import GRADCAM_LAYER

    return GRADCAM_LAYER[architecture]


def per_task_history(history: dict[str, list[float]], task: str, n_tasks: int) -> dict[str, list[float]]:
    """This task's columns of a (multi-output) Keras history, under single-model names."""
    out: dict[str, list[float]] = {}
    for key in ("loss", "accuracy"):
        for prefix in ("", "val_"):
            for candidate in (f"{prefix}{task}_{key}", f"{prefix}{key}" if n_tasks == 1 else None):
                if candidate and candidate in history:
                    out[f"{prefix}{key}"] = [float(v) for v in history[candidate]]
                    break
    return out


def write_task_log(path: Path, history: dict[str, list[float]], learning_rates: list[float]) -> None:
    """A CSVLogger-shaped file (epoch, accuracy, learning_rate, loss, val_*) that evaluate plots."""
    keys = sorted(history)
    n = max((len(v) for v in history.values()), default=0)
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["epoch", *keys, "learning_rate"])
        for e in range(n):
            lr = learning_rates[e] if e < len(learning_rates) else ""
            writer.writerow([e, *(history[k][e] if e < len(history[k]) else "" for k in keys), lr])


def write_bundle_tar(stage: Path, target: Path) -> None:
    """Everything but the model files (those travel separately) in one small tar."""
    tmp = target.with_suffix(".tmp")
    with tarfile.open(tmp, "w") as tar:
        for path in sorted(stage.iterdir()):
            if path.suffix != ".keras":
                tar.add(path, arcname=path.name)
    tmp.replace(target)


if __name__ == "__main__":
    sys.exit(main())
