"""One training run: config -> ``<name>.keras``, manifest entry, per-epoch CSV log, model card.

Keras 3 only and backend-agnostic; TensorFlow is never imported. This is the from-scratch path
(seed and lean architectures, one task per model); the served bundle is trained by
facexai.training.bundle. Training wraps the model in a throw-away outer model
(uint8 pixels -> float -> augmentation -> named preprocessing -> model), so the augmentation
runs inside the compiled train step on the accelerator and is never saved: the saved model is
the inner one, which was never compiled and so carries no optimizer state.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np

from facexai.core.fairface import LabelTable, read_labels
from facexai.core.labels import RACE, labels_for
from facexai.core.machine import cpu_name
from facexai.evaluation.metrics import classification_report, group_accuracy, json_safe
from facexai.models.architectures import GRADCAM_LAYER, build_model
from facexai.models.manifest import ModelSpec, load_or_new_manifest
from facexai.models.preprocessing import get_preprocessor
from facexai.training.biased import make_biased_subset
from facexai.training.config import Config, to_toml
from facexai.training.data import ImageCache, Split, load_split
from facexai.training.modelcard import render_model_card

Log = Callable[[str], None]


class Preprocess(keras.layers.Layer):
    """Cast pixels to float32 and apply a named transform from facexai.models.preprocessing."""

    def __init__(self, transform: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transform = transform
        self._fn = get_preprocessor(transform)

    def call(self, x: Any) -> Any:
        return self._fn(keras.ops.cast(x, "float32"))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "transform": self.transform}


def augmentation_layers(config: Config) -> list[keras.layers.Layer]:
    """Keras preprocessing layers, active only when ``training=True``."""
    t = config.training
    out: list[keras.layers.Layer] = []
    if t.rotation_degrees > 0:
        out.append(keras.layers.RandomRotation(t.rotation_degrees / 360.0, fill_mode="reflect", seed=t.seed))
    mode = {(True, False): "horizontal", (False, True): "vertical", (True, True): "horizontal_and_vertical"}.get(
        (t.horizontal_flip, t.vertical_flip)
    )
    if mode:
        out.append(keras.layers.RandomFlip(mode, seed=t.seed + 1))
    return out


def training_model(model: keras.Model, config: Config) -> keras.Model:
    """uint8 pixels -> float -> augmentation (training only) -> preprocessing -> ``model``."""
    size = config.model.input_size
    inputs = keras.Input((size, size, 3), dtype="uint8", name="pixels")
    x = keras.ops.cast(inputs, "float32")
    for layer in augmentation_layers(config):
        x = layer(x)
    x = Preprocess(config.model.preprocessing, name="preprocess")(x)
    return keras.Model(inputs, model(x), name=f"{model.name}_training")


def make_optimizer(config: Config) -> keras.optimizers.Optimizer:
    t = config.training
    classes = {
        "nadam": keras.optimizers.Nadam,
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
    }
    return classes[t.optimizer](learning_rate=t.learning_rate)


class TimeLimit(keras.callbacks.Callback):
    """Stop after an epoch when the next one (as long as the slowest so far) would overrun the limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.stopped_after: int | None = None
        self._start = 0.0
        self._epoch_start = 0.0
        self._longest = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        now = time.perf_counter()
        self._longest = max(self._longest, now - self._epoch_start)
        if now - self._start + self._longest > self.seconds:
            self.model.stop_training = True
            self.stopped_after = epoch + 1


class EpochTimer(keras.callbacks.Callback):
    """Wall time and learning rate of each epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self.learning_rates: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)
        self.learning_rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def hardware() -> dict[str, Any]:
    """What ran the training: backend, devices, CPU. No TensorFlow import."""
    info: dict[str, Any] = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu": cpu_name(),
    }
    try:
        info["devices"] = list(keras.distribution.list_devices())
    except (RuntimeError, NotImplementedError, AttributeError, ValueError):
        info["devices"] = []
    accelerators = [d for d in info["devices"] if not str(d).lower().startswith("cpu")]
    info["accelerator"] = str(accelerators[0]) if accelerators else None
    return info


@dataclass
class TrainResult:
    spec: ModelSpec
    model_path: Path
    manifest_path: Path
    log_path: Path
    card_path: Path
    history: dict[str, list[float]]


def prepare_tables(config: Config, log: Log = print) -> tuple[LabelTable, LabelTable]:
    train = read_labels(config.train_csv)
    if config.data.subset == "race_biased":
        train = make_biased_subset(train, seed=config.data.subset_seed)
        log(f"race_biased subset (seed {config.data.subset_seed}): {len(train)} rows {train.counts('race')}")
    train = train.head(config.data.limit)
    val = read_labels(config.val_csv).head(config.data.val_limit)
    return train, val


def _counts(split: Split, task: str) -> dict[str, Any]:
    labels = labels_for(task)
    return {
        "n": len(split.table),
        "missing": len(split.missing),
        "by_class": {labels[i]: int((split.targets == i).sum()) for i in range(len(labels))},
        "by_race": {r: int(c) for r, c in sorted(split.table.counts("race").items(), key=lambda kv: RACE.index(kv[0]))},
    }


def run_training(config: Config, log: Log = print, cache: ImageCache | None = None) -> TrainResult:
    """Train one model as ``config`` says and write its file, log, card and manifest entry.

    ``cache`` shares decoded images between runs in one process (e.g. the four models of a bundle).
    """
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    task, name, size = config.data.task, config.name, config.model.input_size
    labels = labels_for(task)
    keras.utils.set_random_seed(config.training.seed)

    train_table, val_table = prepare_tables(config, log)
    log(
        f"{name}: task {task}, {len(train_table)} train rows, {len(val_table)} val rows, "
        f"images under {config.image_root}"
    )
    t = time.perf_counter()
    train = load_split(train_table, config.image_root, task, size, config.data.workers, log, cache)
    val = load_split(val_table, config.image_root, task, size, config.data.workers, log, cache)
    decode_s = time.perf_counter() - t
    log(f"decoded {len(train.images)} + {len(val.images)} images at {size}px in {decode_s:.1f}s")

    model = build_model(
        config.model.architecture,
        len(labels),
        size,
        weights=config.model.weights or None,
        freeze_stem=config.model.freeze_stem,
    )
    trainer = training_model(model, config)
    trainer.compile(
        optimizer=make_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=config.training.steps_per_execution,
    )
    out_dir = config.outputs_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / f"{name}.log.csv"
    tc = config.training
    timer = EpochTimer()
    time_limit = TimeLimit(tc.time_limit_s) if tc.time_limit_s > 0 else None
    callbacks = [
        # with patience 0 it never stops, but still restores the best epoch's weights
        keras.callbacks.EarlyStopping(
            monitor=tc.monitor,
            patience=tc.early_stopping_patience if tc.early_stopping_patience > 0 else tc.epochs + 1,
            restore_best_weights=tc.restore_best_weights,
            verbose=1,
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor=tc.monitor, factor=tc.lr_factor, patience=tc.lr_patience, min_lr=tc.min_lr, verbose=1
        ),
        keras.callbacks.TerminateOnNaN(),
        timer,
        *([time_limit] if time_limit else []),
        keras.callbacks.CSVLogger(str(log_path)),  # last, so it sees the learning rate set above
    ]
    log(f"{model.name}: {model.count_params():,} parameters; training up to {tc.epochs} epochs, batch {tc.batch_size}")
    t = time.perf_counter()
    history = trainer.fit(
        train.images,
        train.targets,
        batch_size=tc.batch_size,
        epochs=tc.epochs,
        validation_data=(val.images, val.targets),
        shuffle=True,
        callbacks=callbacks,
        verbose=tc.verbose,
    ).history
    fit_s = time.perf_counter() - t
    if time_limit and time_limit.stopped_after:
        log(f"time limit {tc.time_limit_s:.0f}s: stopped after epoch {time_limit.stopped_after}")

    # the inner model holds the restored best weights; evaluate it on val through the wrapper
    probs = trainer.predict(val.images, batch_size=tc.batch_size, verbose=0)
    predicted = np.argmax(probs, axis=1)
    metrics = _val_metrics(val, predicted, probs, labels, history, config)

    model_path = out_dir / f"{name}.keras"
    model.save(model_path)  # never compiled itself: no optimizer state in the file
    card_path = out_dir / f"{name}.md"
    (out_dir / f"{name}.config.toml").write_text(to_toml(config))

    epochs_run = len(history.get("loss", []))
    hw = hardware()
    training_info: dict[str, Any] = {
        "config": config.to_dict(),
        "optimizer": tc.optimizer,
        "learning_rate": tc.learning_rate,
        "batch_size": tc.batch_size,
        "max_epochs": tc.epochs,
        "epochs_run": epochs_run,
        "best_epoch": metrics.pop("best_epoch"),
        "early_stopping_patience": tc.early_stopping_patience,
        "stopped_by_time_limit": bool(time_limit and time_limit.stopped_after),
        "monitor": tc.monitor,
        "lr_schedule": {"factor": tc.lr_factor, "patience": tc.lr_patience, "min_lr": tc.min_lr},
        "final_learning_rate": timer.learning_rates[-1] if timer.learning_rates else tc.learning_rate,
        "augmentation": {
            "rotation_degrees": tc.rotation_degrees,
            "horizontal_flip": tc.horizontal_flip,
            "vertical_flip": tc.vertical_flip,
        },
        "seed": tc.seed,
        "weights": config.model.weights or None,
        "freeze_stem": config.model.freeze_stem,
        "parameters": int(model.count_params()),
        "data": {
            "train_csv": str(config.train_csv),
            "val_csv": str(config.val_csv),
            "subset": config.data.subset,
            "subset_seed": config.data.subset_seed if config.data.subset != "all" else None,
            "train": _counts(train, task),
            "val": _counts(val, task),
        },
        "model_selected_on": f"val ({tc.monitor}, early stopping)",
        "log": log_path.name,
        "started": started.isoformat(timespec="seconds"),
        "time_s": {
            "total": round(time.perf_counter() - t0, 1),
            "decode": round(decode_s, 1),
            "fit": round(fit_s, 1),
            "median_epoch": round(float(np.median(timer.seconds)), 2) if timer.seconds else None,
        },
        "images_per_s": round(len(train.images) * epochs_run / fit_s, 1) if fit_s > 0 else None,
        "hardware": hw,
        "backend": hw["backend"],
        "file_bytes": model_path.stat().st_size,
    }
    spec = ModelSpec(
        name=name,
        task=task,
        file=model_path.name,
        labels=list(labels),
        input_size=size,
        preprocessing=config.model.preprocessing,
        gradcam_layer=GRADCAM_LAYER[config.model.architecture],
        architecture=config.model.architecture,
        card=card_path.name,
        description=config.model.description or _describe(config),
        biased=config.data.subset == "race_biased",
        metrics=json_safe(metrics),
        training=json_safe(training_info),
    )
    card_path.write_text(render_model_card(spec))
    manifest_path = config.manifest_path
    manifest = load_or_new_manifest(manifest_path)
    manifest.upsert(spec)
    manifest.save(manifest_path)
    log(
        f"{name}: val accuracy {metrics['val_accuracy']:.4f} (best epoch {training_info['best_epoch']} of "
        f"{epochs_run}), {training_info['time_s']['total']}s; wrote {model_path} "
        f"({training_info['file_bytes'] / 1e6:.1f} MB), {card_path.name}, {log_path.name}, {manifest_path}"
    )
    return TrainResult(spec, model_path, manifest_path, log_path, card_path, history)


def _describe(config: Config) -> str:
    what = {
        "age": "Age group (9 bins)",
        "gender": "Gender (binary, as labelled in FairFace)",
        "race": "Race (7 groups)",
    }
    text = f"{what[config.data.task]} from a face chip; {config.model.architecture} architecture"
    if config.data.subset == "race_biased":
        text += "; trained on a deliberately race-imbalanced subset to show bias"
    return text


def _val_metrics(
    val: Split,
    predicted: np.ndarray,
    probs: np.ndarray,
    labels: tuple[str, ...],
    history: dict[str, list[float]],
    config: Config,
) -> dict[str, Any]:
    report = classification_report(val.targets, predicted, labels)
    eps = 1e-7
    loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), val.targets], eps, 1.0))))
    races = np.array(val.table.column("race"))
    by_race = group_accuracy(predicted == val.targets, races, RACE)
    monitored = history.get(config.training.monitor, [])
    if monitored:
        pick = np.argmin if config.training.monitor.endswith("loss") else np.argmax
        best_epoch = int(pick(monitored)) + 1
    else:
        best_epoch = 0
    return {
        "val_accuracy": report["accuracy"],
        "val_loss": round(loss, 5),
        "val_macro_f1": report["macro_f1"],
        "val_n": len(val.targets),
        "accuracy_by_race": {r: g["accuracy"] for r, g in by_race.items()},
        "accuracy_by_race_detail": by_race,
        "recall_by_class": {label: c["recall"] for label, c in report["per_class"].items()},
        "best_epoch": best_epoch,
    }


def summary_json(result: TrainResult) -> str:
    return json.dumps(result.spec.to_dict(), indent=2)
