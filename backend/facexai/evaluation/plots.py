"""PNG figures of an evaluation (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

DPI = 110


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def read_log(path: Path) -> dict[str, list[float]]:
    """A Keras CSVLogger file as columns of floats."""
    with Path(path).open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {key: [float(r[key]) if r.get(key) not in (None, "") else float("nan") for r in rows] for key in rows[0]}


def training_curves(log_path: Path, title: str, out: Path) -> Path | None:
    log = read_log(log_path)
    if not log.get("epoch"):
        return None
    epochs = np.asarray(log["epoch"]) + 1
    panels = [("loss", "loss"), ("accuracy", "accuracy")] + (
        [("learning_rate", None)] if "learning_rate" in log else []
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    for ax, (key, val_key) in zip(np.atleast_1d(axes), panels, strict=True):
        if key in log:
            ax.plot(epochs, log[key], label=f"train {key}" if val_key else key)
        if key == "accuracy" and "selection_accuracy" in log:  # the bundle: chosen on held-out train chips
            ax.plot(epochs, log["selection_accuracy"], label="held-out train chips (selection)")
        if val_key and f"val_{val_key}" in log:
            ax.plot(epochs, log[f"val_{val_key}"], label=f"val {val_key}")
            best = int(np.nanargmin(log["val_loss"])) if "val_loss" in log else None
            if best is not None:
                ax.axvline(epochs[best], color="grey", ls=":", lw=1, label="best val loss")
        if key == "learning_rate":
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(key.replace("_", " "))
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _save(fig, out)


def per_class_bars(name: str, per_class: dict[str, dict[str, float]], out: Path) -> Path:
    labels = list(per_class)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(labels) + 2), 3.8))
    for i, metric in enumerate(("precision", "recall", "f1")):
        ax.bar(x + (i - 1) * 0.27, [per_class[k][metric] for k in labels], 0.27, label=metric)
    ax.set_xticks(x, [f"{k}\n(n={per_class[k]['support']})" for k in labels], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(f"{name}: per-class precision, recall and F1")
    ax.legend(fontsize=8)
    return _save(fig, out)


def confusion(name: str, confusion: dict[str, Any], out: Path) -> Path:
    labels = confusion["labels"]
    cm = np.asarray(confusion["matrix"], dtype=np.float64)
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    size = 1.0 + 0.75 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(
                j,
                i,
                f"{int(cm[i, j])}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if norm[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{name}: confusion (counts; colour = share of the true class)")
    fig.colorbar(image, ax=ax, fraction=0.046)
    return _save(fig, out)


def _bars_with_ci(ax: Any, groups: list[str], series: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Grouped bars of accuracy with their asymmetric (Wilson) intervals as error bars."""
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series):
        acc = np.array([_nan(v["accuracy"]) for v in values])
        low = np.array([_nan(v["ci_low"]) for v in values])
        high = np.array([_nan(v["ci_high"]) for v in values])
        err = np.nan_to_num(np.vstack([acc - low, high - acc]), nan=0.0).clip(min=0)
        ax.bar(x + (i - (len(series) - 1) / 2) * width, np.nan_to_num(acc), width, yerr=err, capsize=2, label=label)
    ax.set_xticks(x, groups, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)


def accuracy_by_group(name: str, by_group: dict[str, dict[str, dict[str, Any]]], out: Path) -> Path:
    fig, axes = plt.subplots(1, len(by_group), figsize=(4.5 * len(by_group), 3.8))
    for ax, (column, groups) in zip(np.atleast_1d(axes), by_group.items(), strict=True):
        names = list(groups)
        _bars_with_ci(ax, [f"{g} ({groups[g]['n']})" for g in names], [(name, [groups[g] for g in names])])
        ax.set_title(f"accuracy by {column}")
    fig.suptitle(f"{name}: accuracy by group (n; 95% Wilson interval)")
    return _save(fig, out)


def accuracy_by_race_all(models: dict[str, dict[str, Any]], out: Path) -> Path:
    races = list(next(iter(models.values()))["by_group"]["race"])
    fig, ax = plt.subplots(figsize=(9, 4))
    _bars_with_ci(ax, races, [(name, [m["by_group"]["race"][r] for r in races]) for name, m in models.items()])
    ax.set_ylabel("accuracy")
    ax.set_title("accuracy of every model by race (95% Wilson interval)")
    ax.legend(fontsize=8, ncol=min(4, len(models)))
    return _save(fig, out)


def bias_bars(table: dict[str, Any], out: Path) -> Path:
    rows = table["rows"]
    groups = [f"{r['race']} ({r['n']})" for r in rows]

    def series(key: str) -> list[dict[str, Any]]:
        return [{"accuracy": r[key], "ci_low": r[f"{key}_ci"][0], "ci_high": r[f"{key}_ci"][1]} for r in rows]

    fig, ax = plt.subplots(figsize=(9, 4))
    _bars_with_ci(ax, groups, [(table["unbiased"], series("unbiased")), (table["biased"], series("biased"))])
    ax.set_ylabel("recall of the true race")
    ax.set_title(f"{table['unbiased']} vs {table['biased']}: per-race recall (95% Wilson interval)")
    ax.legend(fontsize=8)
    return _save(fig, out)
