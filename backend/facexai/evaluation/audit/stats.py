"""The statistics of an audit, on well-kept libraries: Fairlearn's MetricFrame for per-group
metrics and gaps, scipy.stats for intervals, bootstrap and paired permutation tests, statsmodels'
multipletests for the correction, scikit-learn's calibration_curve for reliability.

Conventions: intervals are 95%; an accuracy's interval is Wilson's score interval, the one the
evaluation uses too (facexai.evaluation.metrics.proportion_ci: it lies in [0, 1] and contains the
estimate, also at 0 and n); a mean share's interval is a percentile
bootstrap over faces; a paired difference is B minus A on the same faces, its interval a
bootstrap of the per-face differences, its p-value a paired permutation test (the pair's labels
swapped face by face) corrected over every test of the table. A group with n < 30 is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats as sps

from facexai.evaluation.metrics import LEVEL, proportion_ci

SMALL_N = 30
CALIBRATION_BINS = 10


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Expected calibration error of the top class (equal-width bins of confidence) and the
    reliability curve (scikit-learn's calibration_curve, same bins)."""
    from sklearn.calibration import calibration_curve

    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, bool)
    if correct.size == 0:
        return {"ece": float("nan"), "curve": {"confidence": [], "accuracy": [], "n": []}}
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.searchsorted(edges[1:-1], confidence, side="right")  # calibration_curve's binning
    counts = np.bincount(which, minlength=bins)
    acc = np.bincount(which, weights=correct, minlength=bins)
    conf = np.bincount(which, weights=confidence, minlength=bins)
    full = counts > 0
    ece = float(np.sum(np.abs(acc[full] - conf[full])) / correct.size)
    if correct.all() or not correct.any():  # calibration_curve needs both outcomes
        prob_true, prob_pred = acc[full] / counts[full], conf[full] / counts[full]
    else:
        prob_true, prob_pred = calibration_curve(correct, confidence, n_bins=bins, strategy="uniform")
    return {
        "ece": ece,
        "curve": {"confidence": prob_pred.tolist(), "accuracy": prob_true.tolist(), "n": counts[full].tolist()},
    }


def group_metrics(
    y_true: np.ndarray, probs: np.ndarray, groups: np.ndarray, labels: Sequence[str], order: Sequence[str] | None = None
) -> dict[str, Any]:
    """Per group: accuracy with its Wilson interval and n, one-vs-rest TPR and FPR per class,
    ECE; and the largest accuracy gap between groups (Fairlearn's MetricFrame)."""
    from fairlearn.metrics import MetricFrame, count, false_positive_rate, true_positive_rate
    from sklearn.metrics import accuracy_score

    y_true = np.asarray(y_true)
    y_pred = probs.argmax(axis=1)
    groups = np.asarray(groups).astype(str)
    metrics: dict[str, Any] = {"accuracy": accuracy_score, "n": count}
    for c, label in enumerate(labels):
        metrics[f"tpr:{label}"] = _one_vs_rest(true_positive_rate, c)
        metrics[f"fpr:{label}"] = _one_vs_rest(false_positive_rate, c)
    frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    table = frame.by_group
    names = [g for g in (order or sorted(set(groups.tolist()))) if g in table.index]
    confidence = probs.max(axis=1)
    correct = y_pred == y_true
    out: dict[str, Any] = {}
    for g in names:
        row = table.loc[g]
        n = int(row["n"])
        k = int(correct[groups == g].sum())
        low, high = proportion_ci(k, n)
        cal = calibration(confidence[groups == g], correct[groups == g])
        out[g] = {
            "accuracy": float(row["accuracy"]),
            "ci_low": low,
            "ci_high": high,
            "n": n,
            "small_n": n < SMALL_N,
            "ece": cal["ece"],
            "tpr": {label: _num(row[f"tpr:{label}"]) for label in labels},
            "fpr": {label: _num(row[f"fpr:{label}"]) for label in labels},
        }
    accuracies = {g: out[g]["accuracy"] for g in out}
    gap: dict[str, Any] = {"accuracy": None}
    if len(accuracies) >= 2:
        best, worst = max(accuracies, key=accuracies.get), min(accuracies, key=accuracies.get)  # type: ignore[arg-type]
        gap = {
            "accuracy": float(frame.difference(method="between_groups")["accuracy"]),
            "highest": best,
            "lowest": worst,
            "small_n_involved": out[best]["small_n"] or out[worst]["small_n"],
        }
    return {"groups": out, "largest_gap": gap}


def _one_vs_rest(fn: Any, c: int) -> Any:
    def metric(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        t = np.asarray(y_true) == c
        p = np.asarray(y_pred) == c
        if fn.__name__ == "true_positive_rate" and not t.any():
            return float("nan")
        if fn.__name__ == "false_positive_rate" and t.all():
            return float("nan")
        return float(fn(t, p, pos_label=True))

    return metric


def _num(v: Any) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def mean_ci(samples: np.ndarray, n_resamples: int = 2000, seed: int = 0, level: float = LEVEL) -> dict[str, np.ndarray]:
    """Column means of (n, k) samples with percentile-bootstrap intervals (scipy.stats.bootstrap)."""
    samples = np.asarray(samples, np.float64)
    mean = samples.mean(axis=0) if len(samples) else np.full(samples.shape[1:], np.nan)
    if len(samples) < 2:
        return {"mean": mean, "ci_low": np.full_like(mean, np.nan), "ci_high": np.full_like(mean, np.nan)}
    res = sps.bootstrap(
        (samples,),
        np.mean,
        axis=0,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=level,
        method="percentile",
        batch=_batch(samples),
        random_state=np.random.default_rng(seed),
    )
    low = np.minimum(res.confidence_interval.low, mean)  # a percentile interval can miss a skewed mean by a hair
    high = np.maximum(res.confidence_interval.high, mean)
    return {"mean": mean, "ci_low": low, "ci_high": high}


def paired_test(
    a: np.ndarray, b: np.ndarray, n_resamples: int = 2000, seed: int = 0, level: float = LEVEL
) -> dict[str, np.ndarray]:
    """B minus A on the same faces, per column of (n, k) arrays: the mean difference, its bootstrap
    interval and a two-sided paired permutation test's p-value (scipy.stats.permutation_test,
    permutation_type='samples': each face's pair of values swapped or not)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a paired test needs the same faces: {a.shape} vs {b.shape}")
    diff = b - a
    ci = mean_ci(diff, n_resamples, seed, level)
    if len(a) < 2:
        return {
            "difference": ci["mean"],
            "ci_low": ci["ci_low"],
            "ci_high": ci["ci_high"],
            "p_value": np.full(a.shape[1:], np.nan),
        }

    def statistic(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
        return np.mean(y - x, axis=axis)

    res = sps.permutation_test(
        (a, b),
        statistic,
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="two-sided",
        axis=0,
        batch=_batch(a),
        random_state=np.random.default_rng(seed),
    )
    return {
        "difference": ci["mean"],
        "ci_low": ci["ci_low"],
        "ci_high": ci["ci_high"],
        "p_value": np.asarray(res.pvalue),
    }


def _batch(samples: np.ndarray, budget: int = 20_000_000) -> int:
    """Resamples per batch so one batch holds about ``budget`` numbers (a 200-face x 784-cell map
    resampled 2500 times at once would take gigabytes)."""
    return max(1, budget // max(1, samples.size))


def correct(p_values: np.ndarray, method: str = "holm", alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """(reject, adjusted p) over every finite p-value of the array (statsmodels multipletests);
    NaN p-values are never significant."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, np.float64)
    flat = p.ravel()
    ok = np.isfinite(flat)
    reject = np.zeros(flat.shape, bool)
    adjusted = np.full(flat.shape, np.nan)
    if ok.any():
        r, adj, _, _ = multipletests(flat[ok], alpha=alpha, method=method)
        reject[ok] = r
        adjusted[ok] = adj
    return reject.reshape(p.shape), adjusted.reshape(p.shape)
