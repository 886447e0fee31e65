"""Classification metrics and their intervals.

Precision, recall and F1 of a class with no predictions (or no examples) are 0.0, never NaN.
An accuracy (a proportion of correct faces) has one interval, in ``evaluate``, ``train`` and the
audit alike: Wilson's score interval (:func:`proportion_ci`), which lies in [0, 1] and contains the
estimate also at 0 and n correct, where a percentile bootstrap collapses to a point. A paired gap's
interval is scipy.stats.bootstrap's percentile interval of the per-example differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_BOOT = 1000
LEVEL = 0.95


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """``cm[i, j]`` = number of examples of true class i predicted as j."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{name} holds a class outside 0..{num_classes - 1}")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def precision_recall_f1(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall, F1 and support from a confusion matrix."""
    tp = np.diag(cm).astype(np.float64)
    precision = _ratio(tp, cm.sum(axis=0))
    recall = _ratio(tp, cm.sum(axis=1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1, cm.sum(axis=1)


def proportion_ci(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval of k successes in n (scipy.stats.binomtest); (nan, nan) when n = 0."""
    from scipy.stats import binomtest

    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def accuracy_ci(correct: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """:func:`proportion_ci` of 0/1 flags; (nan, nan) for an empty group."""
    correct = np.asarray(correct, dtype=bool)
    return proportion_ci(int(correct.sum()), int(correct.size), level)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true = np.asarray(y_true)
    return float(np.mean(y_true == np.asarray(y_pred))) if y_true.size else float("nan")


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro F1, balanced accuracy, per-class precision/recall/F1/support, confusion."""
    cm = confusion_matrix(y_true, y_pred, len(labels))
    precision, recall, f1, support = precision_recall_f1(cm)
    present = support > 0
    return {
        "accuracy": accuracy(y_true, y_pred),
        "n": int(cm.sum()),
        "macro_f1": float(f1[present].mean()) if present.any() else float("nan"),
        "balanced_accuracy": float(recall[present].mean()) if present.any() else float("nan"),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {"labels": list(labels), "matrix": cm.tolist()},
    }


def group_accuracy(
    correct: np.ndarray,
    groups: np.ndarray | Sequence[str],
    order: Sequence[str] | None = None,
    level: float = LEVEL,
) -> dict[str, dict[str, Any]]:
    """Accuracy of each group with its size and Wilson interval (:func:`accuracy_ci`), in ``order``
    (groups absent from the data are reported with n = 0 and NaN accuracy)."""
    correct = np.asarray(correct, dtype=bool)
    groups = np.asarray(groups)
    if correct.shape != groups.shape:
        raise ValueError(f"correct {correct.shape} and groups {groups.shape} differ in shape")
    names = list(order) if order is not None else sorted(set(groups.tolist()))
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        flags = correct[groups == name]
        low, high = accuracy_ci(flags, level)
        out[name] = {
            "accuracy": float(flags.mean()) if flags.size else float("nan"),
            "n": int(flags.size),
            "ci_low": low,
            "ci_high": high,
        }
    return out


def paired_gap(
    correct_a: np.ndarray, correct_b: np.ndarray, n_boot: int = DEFAULT_BOOT, seed: int = 0, level: float = LEVEL
) -> dict[str, float]:
    """Accuracy of A minus accuracy of B on the same examples, with a paired bootstrap interval
    (the same resampled examples for both models, so shared difficulty cancels)."""
    a = np.asarray(correct_a, dtype=np.float64)
    b = np.asarray(correct_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("paired_gap needs both models' results on the same examples")
    if a.size == 0:
        return {"gap": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    from scipy.stats import bootstrap

    diff = a - b
    gap = float(diff.mean())
    if np.all(diff == diff[0]):  # no spread: every resample gives the same gap
        return {"gap": gap, "ci_low": gap, "ci_high": gap}
    res = bootstrap(
        (diff,),
        np.mean,
        n_resamples=n_boot,
        confidence_level=level,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return {"gap": gap, "ci_low": float(res.confidence_interval.low), "ci_high": float(res.confidence_interval.high)}


def json_safe(obj: Any) -> Any:
    """Numpy scalars to Python, NaN and infinities to None: strict JSON that browsers parse."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if np.isfinite(value) else None
    return obj
