"""Quadrature rules on [0, 1] for the Integrated Gradients path integral.

Each rule gives ``(alphas, weights)`` with ``sum(weights) == 1``; IG is then
``(x - baseline) * sum_k weights[k] * grad F(baseline + alphas[k] (x - baseline))``. The fixed
rules are pure functions ``n -> (alphas, weights)``; the guided and adaptive rules also look at
the path. ``SAMPLERS`` is the one table of every rule, and :func:`sample` takes the options whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from facexai.explain.options import IGOptions, QuadratureRule

Rule = Callable[[int], tuple[np.ndarray, np.ndarray]]


def _check(n: int, minimum: int = 1) -> None:
    if n < minimum:
        raise ValueError(f"need at least {minimum} points, got {n}")


def left_riemann(n: int) -> tuple[np.ndarray, np.ndarray]:
    """alpha = k/n for k = 0..n-1 (the seed's rule): first-order, misses the end point."""
    _check(n)
    return np.arange(n, dtype=np.float64) / n, np.full(n, 1.0 / n)


def midpoint(n: int) -> tuple[np.ndarray, np.ndarray]:
    """alpha = (k + 1/2)/n: second-order at the cost of a left Riemann sum."""
    _check(n)
    return (np.arange(n, dtype=np.float64) + 0.5) / n, np.full(n, 1.0 / n)


def trapezoid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n evenly spaced points including both ends, half weight at the ends."""
    _check(n, 2)
    weights = np.full(n, 1.0 / (n - 1))
    weights[[0, -1]] /= 2
    return np.linspace(0.0, 1.0, n), weights


def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes mapped from [-1, 1] to [0, 1]: exact for polynomials of degree 2n-1."""
    _check(n)
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return (nodes + 1.0) / 2.0, weights / 2.0


#: the fixed rules; "guided" and "adaptive" choose their points from the path itself (below)
RULES: dict[QuadratureRule, Rule] = {
    QuadratureRule.left_riemann: left_riemann,
    QuadratureRule.midpoint: midpoint,
    QuadratureRule.trapezoid: trapezoid,
    QuadratureRule.gauss_legendre: gauss_legendre,
}


def quadrature(rule: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        fn = RULES[QuadratureRule(rule)]
    except (KeyError, ValueError):
        raise ValueError(
            f"unknown quadrature rule {rule!r}; expected one of {sorted(r.value for r in RULES)}"
        ) from None
    return fn(n)


#: points of the forward-only probe that the guided rule uses to find where the output changes
GUIDED_PROBE_POINTS = 17


def guided(n: int, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Midpoint rule on a non-uniform grid that puts points where the explained output changes fastest.

    ``probe`` holds the output at ``m + 1`` evenly spaced alphas (0, 1/m, ..., 1). Each of the
    ``m`` intervals gets one point, and the other ``n - m`` go to intervals in proportion to how
    much the output changes across them (largest remainder); within an interval the points are
    its midpoint rule. A confident softmax changes sharply over a short stretch of the path,
    which is what makes the worst completeness errors of evenly spaced rules.
    """
    probe = np.asarray(probe, dtype=np.float64)
    m = len(probe) - 1
    if m < 1:
        raise ValueError("the probe needs at least two points")
    if n < m:
        return midpoint(n)
    change = np.abs(np.diff(probe))
    total = change.sum()
    share = change / total if total > 0 else np.full(m, 1.0 / m)
    extra = (n - m) * share
    counts = 1 + np.floor(extra).astype(int)
    remainder = n - counts.sum()
    if remainder > 0:
        counts[np.argsort(-(extra - np.floor(extra)), kind="stable")[:remainder]] += 1
    alphas, weights = [], []
    width = 1.0 / m
    for i, k in enumerate(counts):
        a, w = midpoint(int(k))
        alphas.append((i + a) * width)
        weights.append(w * width)
    return np.concatenate(alphas), np.concatenate(weights)


def adaptive(
    steps: int,
    forward: Callable[[np.ndarray], np.ndarray],
    slope: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    rounds: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Midpoint rule refined where it is measurably wrong, with ``steps`` gradient evaluations in all.

    ``forward(alphas)`` gives the explained output F along the path (forward passes only);
    ``slope(alphas)`` gives (dF/dalpha, F) at those points (one gradient each). Half the budget
    goes to an even midpoint grid; each interval's error is then known exactly, because the
    integral of dF/dalpha over [a, b] is F(b) - F(a), which forward passes give. The remaining
    budget, in ``rounds``, halves the intervals with the largest error (each split costs two
    new gradients; the old midpoint becomes the new boundary). A ReLU network's gradient jumps
    wherever a unit switches, so the error concentrates in a few intervals; this finds them.
    The result is an ordinary quadrature rule: the attributions are not rescaled, and the
    completeness error stays an honest measurement.
    """
    _check(steps, 2)
    splits = (steps - max(1, steps // 2)) // 2
    m = steps - 2 * splits
    edges = np.linspace(0.0, 1.0, m + 1)
    f_edges = np.asarray(forward(edges), dtype=np.float64)
    mids = (edges[:-1] + edges[1:]) / 2
    s_mid, f_mid = (np.asarray(v, dtype=np.float64) for v in slope(mids))
    # one row per interval: a, b, F(a), F(b), midpoint, slope at midpoint, F(midpoint)
    rows = np.column_stack([edges[:-1], edges[1:], f_edges[:-1], f_edges[1:], mids, s_mid, f_mid])
    per_round = [splits // rounds + (1 if r < splits % rounds else 0) for r in range(rounds)]
    for k in per_round:
        if k == 0:
            continue
        errors = np.abs(rows[:, 5] * (rows[:, 1] - rows[:, 0]) - (rows[:, 3] - rows[:, 2]))
        worst = np.argsort(-errors, kind="stable")[:k]
        a, b, fa, fb, c, _, fc = rows[worst].T
        left_mid, right_mid = (a + c) / 2, (c + b) / 2
        s_new, f_new = (np.asarray(v, dtype=np.float64) for v in slope(np.concatenate([left_mid, right_mid])))
        left = np.column_stack([a, c, fa, fc, left_mid, s_new[:k], f_new[:k]])
        right = np.column_stack([c, b, fc, fb, right_mid, s_new[k:], f_new[k:]])
        rows = np.vstack([np.delete(rows, worst, axis=0), left, right])
    rows = rows[np.argsort(rows[:, 4])]
    return rows[:, 4], rows[:, 1] - rows[:, 0]


class Path(Protocol):
    """The straight path from the baseline to the input, as a rule that looks at it sees it."""

    def forward(self, alphas: np.ndarray) -> np.ndarray:
        """The explained output F at each alpha (forward passes only)."""
        ...

    def slope(self, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dF/dalpha, F) at each alpha (one gradient each)."""
        ...


Sampler = Callable[[int, Path], tuple[np.ndarray, np.ndarray]]


def _fixed(rule: Rule) -> Sampler:
    return lambda n, path: rule(n)


def _guided(n: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    return guided(n, path.forward(np.linspace(0.0, 1.0, GUIDED_PROBE_POINTS)))


def _adaptive(n: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    return adaptive(n, path.forward, path.slope)


#: every rule of ``QuadratureRule``: (number of points, the path) -> (alphas, weights)
SAMPLERS: dict[QuadratureRule, Sampler] = {
    **{rule: _fixed(fn) for rule, fn in RULES.items()},
    QuadratureRule.guided: _guided,
    QuadratureRule.adaptive: _adaptive,
}


def sample(options: IGOptions, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The points and weights of ``options.rule`` with ``options.steps`` points on ``path``."""
    return SAMPLERS[options.rule](options.steps, path)
