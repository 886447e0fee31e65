"""The audit's statistics: intervals in [0, 1] that contain their estimate, the audit's accuracy
intervals the evaluation's, the libraries agreeing with the hand-written code they replace, the
paired test finding a planted difference and not a null one, and the audit's fixed regions matching
the service's comparison regions. No Ray here."""

from __future__ import annotations

import numpy as np
import pytest

from facexai.core.regions import region_shares
from facexai.evaluation.audit import stats
from facexai.evaluation.audit.regions import OUTSIDE, REGIONS, region_masks
from facexai.evaluation.metrics import group_accuracy, paired_gap, proportion_ci
from facexai.explain.render import small_map


@pytest.mark.parametrize("k,n", [(0, 1), (0, 10), (10, 10), (3, 7), (29, 29), (500, 1000), (1, 4000)])
def test_wilson_interval_lies_in_0_1_and_contains_the_estimate(k: int, n: int) -> None:
    low, high = proportion_ci(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low < high


def test_empty_group_has_no_interval() -> None:
    assert all(np.isnan(proportion_ci(0, 0)))


def test_group_metrics_intervals_gaps_and_small_groups() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    probs = rng.dirichlet([1, 1, 1], 300)
    probs[np.arange(200), y[:200]] += 2  # the first 200 mostly right
    probs /= probs.sum(axis=1, keepdims=True)
    groups = np.array(["a"] * 200 + ["b"] * 80 + ["c"] * 20)
    out = stats.group_metrics(y, probs, groups, ["x", "y", "z"], ["a", "b", "c", "d"])
    assert list(out["groups"]) == ["a", "b", "c"]  # absent groups are left out
    for g in out["groups"].values():
        assert 0 <= g["ci_low"] <= g["accuracy"] <= g["ci_high"] <= 1
        assert 0 <= g["ece"] <= 1
        for v in [*g["tpr"].values(), *g["fpr"].values()]:
            assert v is None or 0 <= v <= 1
    assert out["groups"]["c"]["small_n"] and not out["groups"]["a"]["small_n"]
    accs = [g["accuracy"] for g in out["groups"].values()]
    assert out["largest_gap"]["accuracy"] == pytest.approx(max(accs) - min(accs))
    assert out["largest_gap"]["highest"] == "a"
    # one-vs-rest TPR of class x in group a, by hand
    pred = probs.argmax(1)
    a = groups == "a"
    assert out["groups"]["a"]["tpr"]["x"] == pytest.approx(np.mean(pred[a & (y == 0)] == 0))
    assert out["groups"]["a"]["fpr"]["x"] == pytest.approx(np.mean(pred[a & (y != 0)] == 0))
    # one interval method: the audit's per-group accuracy intervals are the evaluation's, to the bit
    evaluation = group_accuracy(pred == y, groups, ["a", "b", "c"])
    for g, row in out["groups"].items():
        assert (row["ci_low"], row["ci_high"]) == (evaluation[g]["ci_low"], evaluation[g]["ci_high"])


def test_ece_of_a_calibrated_and_an_overconfident_model() -> None:
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.3, 1.0, 20000)
    calibrated = rng.random(20000) < conf
    assert stats.calibration(conf, calibrated)["ece"] < 0.02
    assert stats.calibration(np.full(1000, 0.99), np.arange(1000) < 500)["ece"] == pytest.approx(0.49)


def _old_paired_gap(a: np.ndarray, b: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    diff = a.astype(float) - b.astype(float)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    low, high = np.percentile(diff[idx].mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


@pytest.mark.parametrize("n,p", [(50, 0.7), (400, 0.55), (4000, 0.68)])
def test_scipy_paired_gap_agrees_with_the_former_numpy_bootstrap(n: int, p: float) -> None:
    rng = np.random.default_rng(n)
    rng.random(n)  # the draw the accuracy interval's check used: the same faces as before
    a, b = rng.random(n) < p, rng.random(n) < p - 0.05
    gap = paired_gap(a, b, n_boot=4000, seed=0)
    old_low, old_high = _old_paired_gap(a, b, 4000, 0)
    assert gap["ci_low"] == pytest.approx(old_low, abs=0.02 * 50 / np.sqrt(n) + 0.002)
    assert gap["ci_high"] == pytest.approx(old_high, abs=0.02 * 50 / np.sqrt(n) + 0.002)


def test_share_intervals_contain_their_mean_and_lie_in_0_1() -> None:
    rng = np.random.default_rng(2)
    samples = rng.dirichlet(np.ones(7), 40)
    ci = stats.mean_ci(samples, 1000, 0)
    assert np.all(
        (ci["ci_low"] >= 0) & (ci["ci_low"] <= ci["mean"]) & (ci["mean"] <= ci["ci_high"]) & (ci["ci_high"] <= 1)
    )


def test_paired_test_finds_a_planted_difference_and_not_a_null_one() -> None:
    rng = np.random.default_rng(3)
    a = rng.dirichlet(np.ones(4) * 20, 200)
    b = a + rng.normal(0, 0.01, a.shape)
    b[:, 1] += 0.01  # B puts a point more on region 1, face by face
    t = stats.paired_test(a, b, 2000, 0)
    reject, adjusted = stats.correct(t["p_value"], "holm")
    assert reject.tolist() == [False, True, False, False]
    assert t["ci_low"][1] <= t["difference"][1] <= t["ci_high"][1]
    assert t["difference"][1] == pytest.approx(0.01, abs=0.003)
    assert np.all(adjusted >= t["p_value"])


def test_regions_cover_the_chip_once_and_are_the_services() -> None:
    from facexai.service import comparison

    assert comparison.region_shares is region_shares  # one definition of the regions and their shares
    assert [name for name, _ in REGIONS] + [OUTSIDE] == list(region_masks(28))
    masks = np.stack(list(region_masks(28).values()))
    assert np.all(masks.sum(axis=0) == 1)
    m = np.random.default_rng(0).random((150, 150))
    assert region_shares(m).sum() == pytest.approx(1.0)
    assert small_map(m, 28).shape == (28, 28) and small_map(m, 28).sum() == pytest.approx(1.0)
    assert np.all(region_shares(np.zeros((10, 10))) == 0)
