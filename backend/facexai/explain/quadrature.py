"""Quadrature rules on [0, 1] for the Integrated Gradients path integral.

Each rule is a pure function ``n -> (alphas, weights)`` with ``sum(weights) == 1``; IG is then
``(x - baseline) * sum_k weights[k] * grad F(baseline + alphas[k] (x - baseline))``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


RULES: dict[str, Rule] = {
    "left_riemann": left_riemann,
    "midpoint": midpoint,
    "trapezoid": trapezoid,
    "gauss_legendre": gauss_legendre,
}


def quadrature(rule: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        fn = RULES[rule]
    except KeyError:
        raise ValueError(f"unknown quadrature rule {rule!r}; expected one of {sorted(RULES)}") from None
    return fn(n)
