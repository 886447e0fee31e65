"""The effect of the race imbalance, with retraining in the error bar (issue 26).

Two arms of models trained with one recipe on subsets of the same size: ``biased`` (race-imbalanced)
and ``control`` (race-balanced), each with several training seeds. Every model sees the same faces.
For one race and one quantity per face (a region's share of the attribution, or 1/0 for a correct
prediction), ``y[model, face]``:

* **effect** = mean over the biased seeds of their face-mean minus the same over the control seeds.
* **retraining**: what retraining alone moves, the root mean square difference between two seeds'
  face-means within an arm: ``sqrt(2 s²)``, where ``s²`` is the pooled within-arm variance of the
  seed means (for two seeds per arm: the RMS of the two observed seed-to-seed differences).
* **interval and test**: the trained network is the experimental unit (a crossed design: every
  network sees the same faces), so the noise has two parts: training runs, ``s² (1/k_b + 1/k_c)``
  (the networks' shifts and their own face noise averaged over the faces), and what a new sample of
  faces would move, ``(var_f(d_f) - σ_w² (1/k_b + 1/k_c)) / n`` (at least 0), where ``d_f`` is face
  f's biased-arm mean minus its control-arm mean and ``σ_w²`` the networks' own face noise, from the
  within-arm network × face residuals. Student's t with the seeds' ``k_b + k_c - 2`` degrees of
  freedom (Welch–Satterthwaite's larger estimate called 6–7% of null cells at two seeds per arm).
* **beyond_retraining**: the interval excludes 0 *and* the effect is larger than ``retraining``.
  Calls are per cell (race × region) at 5%, not corrected over the 49 cells: with no effect at
  all about 2.5 of 49 are expected by chance (tested on synthetic shares, docs/audit.md).

With two seeds per arm the seed variance has 2 degrees of freedom: the t quantile is 4.3, not 1.96,
so only effects several times larger than retraining's are called. That is the sound inference for
that many networks; a third seed per arm (4 degrees of freedom, t = 2.78) narrows it, and
docs/audit.md says whether it changed any call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats as sps

from facexai.evaluation.metrics import LEVEL


def seed_effect(biased: np.ndarray, control: np.ndarray, level: float = LEVEL) -> dict[str, np.ndarray]:
    """Per column of (k_b, n, m) and (k_c, n, m) arrays (seeds, faces, cells; the same faces in the
    same order for every model): effect, ci_low, ci_high, p_value, retraining, beyond_retraining,
    df, and each seed's face-mean (``seed_means_biased``, ``seed_means_control``)."""
    b = np.asarray(biased, np.float64)
    c = np.asarray(control, np.float64)
    if b.ndim == 2:
        b, c = b[..., None], np.asarray(c, np.float64)[..., None]
    if b.ndim != 3 or c.ndim != 3 or b.shape[1:] != c.shape[1:]:
        raise ValueError(f"need (seeds, faces, cells) arrays on the same faces, got {b.shape} and {c.shape}")
    kb, n, _ = b.shape
    kc = c.shape[0]
    if kb < 1 or kc < 1 or kb + kc < 3:
        raise ValueError(
            f"the imbalance effect needs at least one model per arm and two seeds in one arm (got {kb} biased, "
            f"{kc} control): without two seeds nothing says what retraining alone moves"
        )
    if n < 1:
        raise ValueError("no faces")
    mb, mc = b.mean(axis=1), c.mean(axis=1)  # (k, m): each seed's face-mean
    effect = mb.mean(axis=0) - mc.mean(axis=0)
    df_seed = kb + kc - 2
    s2 = (((mb - mb.mean(axis=0)) ** 2).sum(axis=0) + ((mc - mc.mean(axis=0)) ** 2).sum(axis=0)) / df_seed
    v_seed = s2 * (1 / kb + 1 / kc)  # the networks' shifts, and their own face noise averaged over n faces
    # what a new sample of faces adds: the spread of the per-face effect, less the part of it that is the
    # networks' own face noise (already in v_seed); that noise from the within-arm network x face residuals
    d = b.mean(axis=0) - c.mean(axis=0)  # (n, m): each face's arm difference
    if n > 1:
        resid = sum(
            (((a - a.mean(axis=0) - a.mean(axis=1, keepdims=True) + a.mean(axis=(0, 1))) ** 2).sum(axis=(0, 1)))
            for a in (b, c)
        )
        dfw = (kb - 1 + kc - 1) * (n - 1)
        noise = resid / dfw if dfw else np.zeros_like(effect)
        v_face = np.maximum(0.0, d.var(axis=0, ddof=1) - noise * (1 / kb + 1 / kc)) / n
    else:
        v_face = np.zeros_like(effect)
    var = v_seed + v_face
    se = np.sqrt(var)
    # the seeds' degrees of freedom (the networks are the unit); the faces' where there is no network spread
    df = np.where(v_seed > 0, float(df_seed), np.where(v_face > 0, float(max(n - 1, 1)), np.inf))
    q = sps.t.ppf(0.5 + level / 2, df)
    half = np.where(se > 0, q * se, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(effect) / np.where(se > 0, se, 1.0), np.where(effect != 0, np.inf, 0.0))
    p = np.where(np.isinf(t), 0.0, 2 * sps.t.sf(t, df))
    retraining = np.sqrt(2 * s2)
    excludes_zero = (effect - half > 0) | (effect + half < 0)
    return {
        "effect": effect,
        "ci_low": effect - half,
        "ci_high": effect + half,
        "p_value": p,
        "df": df,
        "retraining": retraining,
        "beyond_retraining": excludes_zero & (np.abs(effect) > retraining),
        "seed_means_biased": mb,
        "seed_means_control": mc,
    }


def seed_pairs(names: Sequence[str], means: np.ndarray) -> list[dict[str, Any]]:
    """Every pair of seeds of one arm: (a, b, b's face-mean minus a's) per cell."""
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            out.append({"a": names[i], "b": names[j], "difference": means[j] - means[i]})
    return out


def cell(result: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """One cell of :func:`seed_effect` as JSON numbers (never null): the five keys, plus the test."""
    return {
        "effect": float(result["effect"][i]),
        "ci_low": float(result["ci_low"][i]),
        "ci_high": float(result["ci_high"][i]),
        "retraining": float(result["retraining"][i]),
        "beyond_retraining": bool(result["beyond_retraining"][i]),
        "p_value": float(result["p_value"][i]),
        "df": float(min(result["df"][i], 1e6)),
    }


# ---------------------------------------------------------------------------------------------- audit


def section(
    faces_labels: Sequence[str],
    shares: dict[str, np.ndarray],
    explained_labels: Sequence[str],
    correct: dict[str, np.ndarray],
    biased: Sequence[str],
    control: Sequence[str],
    regions: Sequence[str],
    races: Sequence[str],
    faces_per_race: int,
) -> dict[str, Any]:
    """audit.json's ``imbalance``: per race, every region's effect and the accuracy's, with what
    retraining alone moves.

    ``shares``: model -> (explained faces, regions) IG shares, the faces in ``explained_labels``'
    order (their races); ``correct``: model -> (faces,) 1/0 per predicted face, in ``faces_labels``'
    order. Every model of both arms must be in both."""
    explained = np.asarray(explained_labels)
    predicted = np.asarray(faces_labels)
    by_race: dict[str, Any] = {}
    pairs: dict[str, list[dict[str, Any]]] = {
        arm: [{"arm": arm, "a": a, "b": b, "regions": {}, "accuracy": {}} for a, b in _pairs(names)]
        for arm, names in (("biased", biased), ("control", control))
    }
    for race in races:
        rows, acc_rows = explained == race, predicted == race
        if not rows.any() or not acc_rows.any():
            continue
        share = seed_effect(np.stack([shares[n][rows] for n in biased]), np.stack([shares[n][rows] for n in control]))
        accuracy = seed_effect(
            np.stack([correct[n][acc_rows][:, None] for n in biased]),
            np.stack([correct[n][acc_rows][:, None] for n in control]),
        )
        by_race[race] = {
            "n": int(rows.sum()),
            "n_accuracy": int(acc_rows.sum()),
            "regions": {region: cell(share, r) for r, region in enumerate(regions)},
            "accuracy": cell(accuracy, 0),
        }
        for arm, key in (("biased", "seed_means_biased"), ("control", "seed_means_control")):
            names = list(biased if arm == "biased" else control)
            for pair in pairs[arm]:
                i, j = names.index(pair["a"]), names.index(pair["b"])
                pair["regions"][race] = {
                    region: float(share[key][j, r] - share[key][i, r]) for r, region in enumerate(regions)
                }
                pair["accuracy"][race] = float(accuracy[key][j, 0] - accuracy[key][i, 0])
    retraining = pairs["biased"] + pairs["control"]
    cells = sum(len(e["regions"]) for e in by_race.values())
    calls = sum(c["beyond_retraining"] for e in by_race.values() for c in e["regions"].values())
    out: dict[str, Any] = {
        "biased": list(biased),
        "control": list(control),
        "faces_per_race": faces_per_race,
        "method": METHOD.format(kb=len(biased), kc=len(control), df=len(biased) + len(control) - 2),
        "calls": int(calls),
        "cells": int(cells),
        "expected_false_calls": round(cells * (1 - LEVEL), 2),
        "by_race": by_race,
        "retraining": retraining,
    }
    out["summary"] = summary(out)
    out["retraining_summary"] = retraining_summary(out)
    return out


METHOD = (
    "effect = the mean over the {kb} biased-arm seeds minus the mean over the {kc} control-arm seeds of each "
    "network's mean over the race's faces; 95% interval and two-sided t test with the networks as the unit "
    "({df} degrees of freedom), noise from retraining (between seeds) and from the sample of faces; "
    "'beyond retraining' where the interval excludes 0 and the effect exceeds retraining (the root mean square "
    "difference between two seeds of one arm); per cell, not corrected over the cells"
)


def _pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]


def readable(label: str) -> str:
    """A FairFace label as a sentence reads it: "Latino_Hispanic" -> "Latino/Hispanic"."""
    return label.replace("_", "/")


def _points(v: float) -> str:
    return f"{v * 100:.1f}"


def summary(result: dict[str, Any], named: int = 5) -> str:
    """The finding in plain words: only effects beyond retraining, largest first, with size and
    interval; or, plainly, that none is."""
    found = sorted(
        (
            (race, region, c)
            for race, e in result["by_race"].items()
            for region, c in e["regions"].items()
            if c["beyond_retraining"]
        ),
        key=lambda f: -abs(f[2]["effect"]),
    )
    arms = f"{len(result['biased'])} biased and {len(result['control'])} control seeds"
    ns = sorted({e["n"] for e in result["by_race"].values()})
    faces = (f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}") if ns else "0"
    if not found:
        return (
            f"No region's share of the attribution moves beyond what retraining alone moves ({arms}, {faces} faces "
            f"per race, {result['cells']} race × region cells): measured against a control of the same size and "
            "recipe, the imbalance does not change where the race model looks by more than another training seed does."
        )
    parts = [
        f"on {readable(race)} faces the biased models put {_points(abs(c['effect']))} points "
        f"{'more' if c['effect'] > 0 else 'less'} on the {region} (95% CI {c['ci_low'] * 100:+.1f} to "
        f"{c['ci_high'] * 100:+.1f}; retraining alone moves it {_points(c['retraining'])})"
        for race, region, c in found[:named]
    ]
    rest = found[named:]
    more = f"; {len(rest)} more, none above {_points(abs(rest[0][2]['effect']))} points, in the table" if rest else ""
    return (
        f"Beyond retraining ({arms}, {faces} faces per race; {len(found)} of {result['cells']} cells, "
        f"{result['expected_false_calls']:g} expected by chance): " + "; ".join(parts) + more + "."
    )


def retraining_summary(result: dict[str, Any]) -> str:
    """What retraining alone moves, in plain words: the typical and the largest seed-to-seed
    difference of a region's share, and of accuracy."""
    diffs = [abs(v) for p in result["retraining"] for race in p["regions"].values() for v in race.values()]
    accs = [abs(v) for p in result["retraining"] for v in p["accuracy"].values()]
    if not diffs:
        return "No two seeds of one arm were compared."
    return (
        f"Retraining alone (another seed of the same arm: {len(result['retraining'])} pair(s)) moves a region's "
        f"share by {_points(float(np.mean(diffs)))} points on average and by up to {_points(max(diffs))}; "
        f"a race's accuracy by up to {_points(max(accs))} points."
    )
