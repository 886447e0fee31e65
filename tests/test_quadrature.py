import numpy as np
import pytest

from facexai.explain.quadrature import (
    RULES,
    adaptive,
    gauss_legendre,
    guided,
    left_riemann,
    midpoint,
    quadrature,
    trapezoid,
)

R3 = np.sqrt(3.0)
R35 = np.sqrt(3.0 / 5.0)


@pytest.mark.parametrize(
    ("rule", "n", "alphas", "weights"),
    [
        (left_riemann, 2, [0.0, 0.5], [0.5, 0.5]),
        (left_riemann, 3, [0.0, 1 / 3, 2 / 3], [1 / 3] * 3),
        (midpoint, 2, [0.25, 0.75], [0.5, 0.5]),
        (midpoint, 3, [1 / 6, 0.5, 5 / 6], [1 / 3] * 3),
        (trapezoid, 2, [0.0, 1.0], [0.5, 0.5]),
        (trapezoid, 3, [0.0, 0.5, 1.0], [0.25, 0.5, 0.25]),
        (gauss_legendre, 2, [0.5 - 0.5 / R3, 0.5 + 0.5 / R3], [0.5, 0.5]),
        (gauss_legendre, 3, [0.5 - 0.5 * R35, 0.5, 0.5 + 0.5 * R35], [5 / 18, 8 / 18, 5 / 18]),
    ],
)
def test_exact_points_and_weights(rule, n, alphas, weights):
    a, w = rule(n)
    np.testing.assert_allclose(a, alphas, atol=1e-12)
    np.testing.assert_allclose(w, weights, atol=1e-12)


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("n", [2, 5, 64])
def test_weights_sum_to_one_inside_the_interval(name, n):
    a, w = quadrature(name, n)
    assert a.shape == w.shape == (n,)
    assert np.isclose(w.sum(), 1.0)
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_gauss_legendre_is_exact_to_degree_2n_minus_1():
    a, w = gauss_legendre(4)
    for degree in range(8):
        assert np.isclose((w * a**degree).sum(), 1 / (degree + 1)), degree
    assert not np.isclose((w * a**8).sum(), 1 / 9)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown quadrature rule"):
        quadrature("simpson", 4)
    with pytest.raises(ValueError):
        trapezoid(1)
    with pytest.raises(ValueError):
        midpoint(0)


def test_guided_rule_puts_points_where_the_output_changes():
    flat = np.zeros(17)
    np.testing.assert_allclose(guided(32, flat)[0], midpoint(32)[0])  # no change: evenly spaced
    step = np.r_[np.zeros(8), np.ones(9)]  # the output jumps between alpha 7/16 and 8/16
    a, w = guided(32, step)
    assert len(a) == 32 and np.isclose(w.sum(), 1.0)
    inside = (a > 7 / 16) & (a < 8 / 16)
    assert inside.sum() == 17  # one point for each of the 16 intervals, the other 16 in the jump
    np.testing.assert_allclose(w[inside], (1 / 16) / 17)
    assert np.allclose(guided(8, step)[0], midpoint(8)[0])  # fewer points than intervals: midpoint


class CountingPath:
    """F(alpha) = a smooth ramp plus a jump at 0.3, with dF/dalpha; counts gradient evaluations."""

    def __init__(self) -> None:
        self.gradients = 0

    @staticmethod
    def f(a: np.ndarray) -> np.ndarray:
        return 0.2 * a + (np.asarray(a) > 0.3)

    def forward(self, a: np.ndarray) -> np.ndarray:
        return self.f(a)

    def slope(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.gradients += len(a)
        return np.full(len(a), 0.2), self.f(a)


@pytest.mark.parametrize("steps", [2, 7, 32, 64])
def test_adaptive_rule_spends_exactly_its_budget(steps):
    path = CountingPath()
    a, w = adaptive(steps, path.forward, path.slope)
    assert path.gradients == steps
    assert np.isclose(w.sum(), 1.0) and np.all(np.diff(a) > 0)


def test_adaptive_rule_refines_the_interval_with_the_error():
    path = CountingPath()
    a, w = adaptive(32, path.forward, path.slope)
    even = midpoint(16)[1][0]
    # the interval holding the jump at 0.3 has the largest error in each of the two rounds,
    # so it is halved twice; the other intervals have no error
    holding = np.abs(a - 0.3) <= w / 2
    assert holding.sum() == 1 and np.isclose(w[holding][0], even / 4)
    linear = adaptive(32, lambda x: 0.5 * x, lambda x: (np.full(len(x), 0.5), 0.5 * x))
    assert np.isclose((linear[1] * 0.5).sum(), 0.5)  # exact on a smooth path


def test_one_table_holds_every_rule_and_takes_the_options_whole() -> None:
    from facexai.explain.options import IGOptions, QuadratureRule
    from facexai.explain.quadrature import RULES, SAMPLERS, sample

    assert set(SAMPLERS) == set(QuadratureRule)

    class Line:  # F(alpha) = alpha: the output changes evenly along the path
        def __init__(self) -> None:
            self.forward_calls = self.slope_calls = self.gradients = 0

        def forward(self, alphas: np.ndarray) -> np.ndarray:
            self.forward_calls += 1
            return np.asarray(alphas, dtype=np.float64)

        def slope(self, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            self.slope_calls += 1
            self.gradients += len(alphas)
            return np.ones(len(alphas)), np.asarray(alphas, dtype=np.float64)

    for rule in QuadratureRule:
        path = Line()
        alphas, weights = sample(IGOptions(steps=12, rule=rule), path)
        assert np.isclose(weights.sum(), 1.0), rule
        # steps counts gradients: one per point, or for the adaptive rule every gradient it took
        assert (path.gradients if rule == QuadratureRule.adaptive else len(alphas)) == 12, rule
        if rule in RULES:  # fixed rules never look at the path
            np.testing.assert_array_equal(alphas, RULES[rule](12)[0])
            assert path.forward_calls == path.slope_calls == 0
        else:
            assert path.forward_calls + path.slope_calls > 0, rule
