"""Evaluate manifest models on a labelled set in FairFace layout (already aligned chips).

For every model: accuracy, per-class precision/recall/F1, confusion matrix, and accuracy broken
down by race, gender and age group, each group with its size and a 95% Wilson interval (the
audit's too: facexai.evaluation.metrics.proportion_ci). For every biased model, a per-race
comparison with its reference (its control arm's model where the bundle has one, else the unbiased
model of the same task): the recall of each race under both and the gap, with a paired bootstrap
interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from facexai.core.fairface import LabelTable, decode_images, keep_present, read_labels
from facexai.core.labels import TASK_LABELS
from facexai.evaluation.metrics import (
    DEFAULT_BOOT,
    LEVEL,
    accuracy_ci,
    classification_report,
    group_accuracy,
    paired_gap,
)
from facexai.models.manifest import Manifest, ModelSpec

if TYPE_CHECKING:
    from facexai.models.registry import LoadedModel

Log = Callable[[str], None]
#: the columns every model is broken down by, in the labels' order
GROUP_COLUMNS: tuple[str, ...] = ("race", "gender", "age")


@dataclass
class EvalData:
    """The evaluation rows whose image exists, decoded lazily once per input size."""

    table: LabelTable
    image_root: Path
    missing: list[str]
    workers: int = 8

    def __post_init__(self) -> None:
        self._images: dict[int, np.ndarray] = {}

    @classmethod
    def load(cls, labels_csv: Path, image_root: Path, limit: int = 0, workers: int = 8, log: Log = print) -> EvalData:
        table = read_labels(labels_csv).head(limit)
        present = keep_present(table, image_root)
        if present.missing:
            log(f"{labels_csv}: {len(present.missing)} of {len(table)} images missing under {image_root}, skipped")
        if not len(present.table):
            raise FileNotFoundError(f"none of the {len(table)} images of {labels_csv} exist under {image_root}")
        return cls(present.table, Path(image_root), present.missing, workers)

    def images(self, size: int) -> np.ndarray:
        if size not in self._images:
            paths = [self.image_root / row["file"] for row in self.table.rows]
            self._images[size] = decode_images(paths, size, self.workers)
        return self._images[size]

    def column(self, name: str) -> np.ndarray:
        return np.array(self.table.column(name))


def predict(loaded: LoadedModel, pixels: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities for uint8 pixels, preprocessed batch by batch (no full float copy)."""
    out = [
        np.asarray(loaded.model.predict_on_batch(loaded.prepare(pixels[start : start + batch_size])), np.float32)
        for start in range(0, len(pixels), batch_size)
    ]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def score_model(spec: ModelSpec, probs: np.ndarray, data: EvalData) -> tuple[dict[str, Any], np.ndarray]:
    """All figures of one model from its probabilities; also returns the per-row correct flags."""
    truth = data.table.encode(spec.task)
    predicted = probs.argmax(axis=1)
    correct = predicted == truth
    report = classification_report(truth, predicted, spec.labels)
    low, high = accuracy_ci(correct)
    by_group = {column: group_accuracy(correct, data.column(column), TASK_LABELS[column]) for column in GROUP_COLUMNS}
    race_acc = {race: g["accuracy"] for race, g in by_group["race"].items()}
    observed = [a for race, a in race_acc.items() if by_group["race"][race]["n"] > 0]
    result = {
        "task": spec.task,
        "architecture": spec.architecture,
        "biased": spec.biased,
        "file": spec.file,
        "input_size": spec.input_size,
        "accuracy": report["accuracy"],
        "accuracy_ci": [low, high],
        "n": report["n"],
        "macro_f1": report["macro_f1"],
        "balanced_accuracy": report["balanced_accuracy"],
        "per_class": report["per_class"],
        "confusion": report["confusion"],
        "accuracy_by_race": race_acc,
        "race_accuracy_gap": (max(observed) - min(observed)) if observed else float("nan"),
        "by_group": by_group,
    }
    return result, correct


def pair_biased(specs: Sequence[ModelSpec]) -> list[tuple[ModelSpec, ModelSpec]]:
    """(reference, biased) pairs of the same task, the reference chosen as the per-face comparison
    chooses it (:meth:`Manifest.partner`): the control arm's model of the biased model's replicate (the
    same recipe and data size, every race equally) where there is one, else the unbiased model named
    like the task, else the first unbiased one of that task."""
    manifest = Manifest(models=list(specs))
    pairs = []
    for biased in (s for s in specs if s.biased):
        reference = manifest.partner(biased)
        if reference is not None:
            pairs.append((reference, biased))
    return pairs


def bias_table(
    unbiased: ModelSpec,
    biased: ModelSpec,
    correct: dict[str, np.ndarray],
    data: EvalData,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
) -> dict[str, Any]:
    """Per race: recall (= accuracy on that race's rows) of both models and the gap unbiased - biased."""
    races = data.column("race")
    rows = []
    for k, race in enumerate(TASK_LABELS["race"]):
        mask = races == race
        a, b = correct[unbiased.name][mask], correct[biased.name][mask]
        ci_a, ci_b = accuracy_ci(a), accuracy_ci(b)
        gap = paired_gap(a, b, n_boot=n_boot, seed=seed + k)
        rows.append(
            {
                "race": race,
                "n": int(mask.sum()),
                "unbiased": float(a.mean()) if a.size else float("nan"),
                "unbiased_ci": list(ci_a),
                "biased": float(b.mean()) if b.size else float("nan"),
                "biased_ci": list(ci_b),
                "gap": gap["gap"],
                "gap_ci": [gap["ci_low"], gap["ci_high"]],
            }
        )
    return {"task": unbiased.task, "unbiased": unbiased.name, "biased": biased.name, "rows": rows}


def evaluate_manifest(
    manifest: Manifest,
    data: EvalData,
    names: Sequence[str] | None = None,
    batch_size: int = 64,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    log: Log = print,
) -> dict[str, Any]:
    """Load each chosen model through the service's registry, one at a time, predict the set, and score it."""
    from facexai.models.registry import ModelRegistry  # imports Keras

    specs = [manifest.get(n) for n in names] if names else list(manifest.models)
    results: dict[str, Any] = {}
    correct: dict[str, np.ndarray] = {}
    for spec in specs:
        started = time.perf_counter()
        loaded = ModelRegistry.from_manifest(manifest, [spec.name]).models[spec.name]
        pixels = data.images(spec.input_size)
        t = time.perf_counter()
        probs = predict(loaded, pixels, batch_size)
        predict_s = time.perf_counter() - t
        result, correct[spec.name] = score_model(spec, probs, data)
        log_name = spec.training.get("log") if isinstance(spec.training, dict) else None
        result["training_log"] = str((manifest.root / log_name).resolve()) if log_name else None
        result["predict_s"] = round(predict_s, 2)
        result["description"] = spec.description
        result["card"] = spec.card or None
        training = spec.training if isinstance(spec.training, dict) else {}
        result["selected"] = {
            k: training[k] for k in ("phase", "best_epoch", "epochs", "selection", "model_selected_on") if k in training
        }
        results[spec.name] = result
        log(
            f"{spec.name}: accuracy {result['accuracy']:.4f} on {result['n']} "
            f"(95% CI {result['accuracy_ci'][0]:.4f}-{result['accuracy_ci'][1]:.4f}), "
            f"{time.perf_counter() - started:.1f}s"
        )
    comparisons = [bias_table(u, b, correct, data, n_boot=n_boot, seed=seed) for u, b in pair_biased(specs)]
    return {
        "dataset": {
            "n": len(data.table),
            "missing": len(data.missing),
            "counts": {
                column: {label: data.table.counts(column).get(label, 0) for label in TASK_LABELS[column]}
                for column in GROUP_COLUMNS
            },
        },
        "accuracy_interval": {"method": "wilson", "level": LEVEL},
        "bootstrap": {"resamples": n_boot, "level": LEVEL, "seed": seed, "method": "percentile"},
        "models": results,
        "bias_comparison": comparisons,
    }
