"""How faithful is a map to the model? Deletion and insertion curves (Petsiuk et al., 2018), any method.

A map ranks the input's pixels (most important first; each method says how: ``Method.ranking``).
Deleting them in that order (setting them to the baseline) should make the explained class's probability
fall fast; inserting them in that order into the baseline should make it rise fast. Each curve is sampled
at ``steps + 1`` points, 0%, 1/steps, ..., 100% of the pixels changed, and scored by the mean probability
over those points (the area under the curve with every point weighted alike): ``deletion_auc`` (lower is
better), ``insertion_auc`` (higher is better) and ``random_deletion_auc``, the mean of the same deletion
in ``RANDOM_ORDERS`` random pixel orders (fixed seeds): the reference a faithful map's deletion must beat.

A verdict needs the reference's own spread: one random order's area varies from order to order, so
``margin`` is 1.96 times the standard deviation of the random orders' areas (where 95% of random
rankings' deletion areas fall, for roughly normal areas). The map's deletion is ``clearer_than_random``
when below the random mean by more than the margin, ``worse_than_random`` when above it by more, and
``no_clearer_than_random`` in between.

Everything is numpy plus one callable, the model's probabilities of a batch; the (2 + R) * (steps - 1)
+ 2 distinct images of the curves (each starts or ends at the input or the baseline) go through it
in one call: 122 with the default 16 steps and R = 6 random orders.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from facexai.explain import render
from facexai.explain.methods import METHODS
from facexai.explain.options import ExplainMethod
from facexai.service.results import Faithfulness

#: points per curve minus one: 0%, 6.25%, ..., 100% of the pixels removed or inserted
STEPS = 16
#: the first random order's seed (the others follow it): fixed, so a face gets the same reference every time
SEED = 0
#: random pixel orders whose deletion areas give the reference and its spread
RANDOM_ORDERS = 6
#: the margin in standard deviations of the random orders' areas (a two-sided 95% band)
MARGIN_Z = 1.96

Probabilities = Callable[[np.ndarray], np.ndarray]


def pixel_order(importance: np.ndarray) -> np.ndarray:
    """Flat pixel indices, most important first; ties keep their raster order (a stable sort)."""
    values = np.nan_to_num(np.asarray(importance, dtype=np.float64).ravel(), nan=-np.inf)
    return np.argsort(-values, kind="stable")


def _masks(order: np.ndarray, shape: tuple[int, int], steps: int) -> np.ndarray:
    """(steps + 1, H, W, 1) bool: at point k, the first round(k / steps * pixels) pixels of ``order``."""
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    counts = np.rint(np.linspace(0, order.size, steps + 1)).astype(np.int64)
    return (rank[None, :] < counts[:, None]).reshape(steps + 1, *shape, 1)


def curves(
    probabilities: Probabilities,
    x: np.ndarray,
    baseline: np.ndarray,
    importance: np.ndarray,
    target: int,
    steps: int = STEPS,
    seed: int = SEED,
    random_orders: int = RANDOM_ORDERS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The target's probability along the deletion and insertion curves, (steps + 1,) each, and along
    ``random_orders`` random-deletion curves, (random_orders, steps + 1).

    ``x`` and ``baseline`` are one preprocessed image each (H, W, C); ``importance`` is a map of any
    size, upsampled bilinearly to (H, W) when it differs; ``probabilities`` maps a batch (N, H, W, C)
    to (N, classes) and is called once, with (2 + random_orders) * (steps - 1) + 2 images.
    """
    if steps < 1 or random_orders < 1:
        raise ValueError("steps and random_orders must be at least 1")
    x = np.asarray(x, dtype=np.float32)
    baseline = np.broadcast_to(np.asarray(baseline, dtype=np.float32), x.shape)
    shape = (x.shape[0], x.shape[1])
    importance = np.asarray(importance, dtype=np.float32)
    if importance.shape != shape:
        importance = render.resize_map(importance, (shape[1], shape[0]))
    # the curves' inner points; every curve starts or ends at x itself or at the baseline, computed once
    ranked = _masks(pixel_order(importance), shape, steps)[1:-1]
    shuffled = [
        _masks(np.random.default_rng(seed + r).permutation(shape[0] * shape[1]), shape, steps)[1:-1]
        for r in range(random_orders)
    ]
    batch = np.concatenate(
        [
            np.stack([x, baseline]),
            np.where(ranked, baseline, x),  # deletion: the most important pixels go first
            np.where(ranked, x, baseline),  # insertion: the most important pixels come first
            *(np.where(s, baseline, x) for s in shuffled),  # deletion in random orders
        ]
    )
    probs = np.asarray(probabilities(batch), dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] != len(batch) or not 0 <= target < probs.shape[1]:
        raise ValueError(f"expected probabilities of shape ({len(batch)}, classes > {target}), got {probs.shape}")
    p = np.clip(probs[:, target], 0.0, 1.0)
    at_x, at_baseline = p[:1], p[1:2]
    inner = p[2:].reshape(2 + random_orders, steps - 1)
    deletion = np.concatenate([at_x, inner[0], at_baseline])
    insertion = np.concatenate([at_baseline, inner[1], at_x])
    n = random_orders
    random = np.concatenate([np.repeat(at_x, n)[:, None], inner[2:], np.repeat(at_baseline, n)[:, None]], axis=1)
    return deletion, insertion, random


def verdict(deletion_auc: float, random_aucs: np.ndarray) -> tuple[str, float]:
    """(verdict, margin) of a map's deletion area against the random orders' areas."""
    random_aucs = np.asarray(random_aucs, dtype=np.float64)
    margin = float(MARGIN_Z * random_aucs.std(ddof=1)) if len(random_aucs) > 1 else 0.0
    reference = float(random_aucs.mean())
    if deletion_auc < reference - margin:
        return "clearer_than_random", margin
    if deletion_auc > reference + margin:
        return "worse_than_random", margin
    return "no_clearer_than_random", margin


def score(
    probabilities: Probabilities,
    x: np.ndarray,
    baseline: np.ndarray,
    importance: np.ndarray,
    target: int,
    steps: int = STEPS,
    seed: int = SEED,
    random_orders: int = RANDOM_ORDERS,
) -> Faithfulness:
    """The areas, each the mean of its curve's ``steps + 1`` points, in [0, 1], and the verdict."""
    deletion, insertion, random = curves(probabilities, x, baseline, importance, target, steps, seed, random_orders)
    random_aucs = random.mean(axis=1)
    said, margin = verdict(float(deletion.mean()), random_aucs)
    return Faithfulness(
        deletion_auc=float(deletion.mean()),
        insertion_auc=float(insertion.mean()),
        random_deletion_auc=float(random_aucs.mean()),
        verdict=said,
        margin=margin,
        random_orders=random_orders,
    )


def score_map(
    probabilities: Probabilities,
    x: np.ndarray,
    baseline: np.ndarray,
    method: ExplainMethod,
    heatmap: np.ndarray,
    target: int,
    steps: int = STEPS,
) -> Faithfulness:
    """``score`` of one method's map, its pixels ranked by the method (``Method.ranking``)."""
    return score(probabilities, x, baseline, METHODS[method].ranking(heatmap), target, steps)
