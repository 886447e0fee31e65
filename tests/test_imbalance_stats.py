"""The imbalance effect's statistics on synthetic shares where the truth is known, seed-to-seed
variation included: the interval covers the true effect about 95% of the time, with no effect the
false calls stay at or under the nominal 5%, a planted effect is found, a face-level test that
ignores the seeds is shown to call retraining noise an effect (why the seeds are in the error bar),
and the edge cases give numbers, never NaN."""

from __future__ import annotations

import numpy as np
import pytest

from facexai.evaluation.audit import stats
from facexai.evaluation.audit.imbalance import cell, seed_effect, seed_pairs


def simulate(
    rng: np.random.Generator,
    effect: np.ndarray,
    seeds: int = 2,
    faces: int = 40,
    seed_sd: float = 0.01,
    face_sd: float = 0.05,
    face_effect_sd: float = 0.01,
    noise_sd: float = 0.03,
) -> tuple[np.ndarray, np.ndarray]:
    """(biased, control) shares, (seeds, faces, cells): a base per cell, the planted effect for the
    biased arm, a per-network shift (retraining), per-face levels shared by every network, a per-face
    effect around the planted one, and per-network per-face noise."""
    cells = effect.shape[0]
    base = rng.uniform(0.1, 0.3, cells)
    face = rng.normal(0, face_sd, (faces, cells))
    face_effect = rng.normal(0, face_effect_sd, (faces, cells))

    def arm(shift: np.ndarray) -> np.ndarray:
        network = rng.normal(0, seed_sd, (seeds, 1, cells))
        return base + shift + face + network + rng.normal(0, noise_sd, (seeds, faces, cells))

    return arm(effect + face_effect), arm(np.zeros(cells))


def test_no_effect_false_calls_stay_at_the_nominal_rate_and_the_interval_covers() -> None:
    rng = np.random.default_rng(0)
    cells = 4000
    biased, control = simulate(rng, np.zeros(cells))
    r = seed_effect(biased, control)
    excludes_zero = (r["ci_low"] > 0) | (r["ci_high"] < 0)
    assert excludes_zero.mean() <= 0.06  # nominal 5% (conservative: a little under)
    assert r["beyond_retraining"].mean() <= 0.06
    assert np.mean(r["p_value"] < 0.05) == pytest.approx(excludes_zero.mean(), abs=1e-9)
    # with a planted effect, the interval covers the truth about 95% of the time
    truth = rng.uniform(-0.03, 0.03, cells)
    biased, control = simulate(rng, truth)
    r = seed_effect(biased, control)
    covered = (r["ci_low"] <= truth) & (truth <= r["ci_high"])
    assert 0.94 <= covered.mean() <= 0.995


def test_a_planted_effect_is_found_beyond_retraining() -> None:
    rng = np.random.default_rng(1)
    planted = np.zeros(400)
    planted[:200] = 0.08  # 8 points of share, eight times the network-to-network shift
    biased, control = simulate(rng, planted)
    r = seed_effect(biased, control)
    assert r["beyond_retraining"][:200].mean() >= 0.8
    assert r["beyond_retraining"][200:].mean() <= 0.06
    assert np.all(r["retraining"] >= 0)
    np.testing.assert_allclose(r["effect"][:200].mean(), 0.08, atol=0.005)


def test_a_third_seed_narrows_the_interval() -> None:
    rng = np.random.default_rng(2)
    widths = []
    for seeds in (2, 3):
        biased, control = simulate(rng, np.zeros(2000), seeds=seeds)
        r = seed_effect(biased, control)
        widths.append(float(np.median(r["ci_high"] - r["ci_low"])))
    assert widths[1] < 0.8 * widths[0]


def test_a_face_level_paired_test_calls_retraining_an_effect() -> None:
    """What the audit did before: one network per arm, faces as the only noise. With no effect and
    the networks differing only by their seeds, most cells come out 'significant' at 200 faces."""
    rng = np.random.default_rng(3)
    biased, control = simulate(rng, np.zeros(60), seeds=2, faces=200, seed_sd=0.01, noise_sd=0.02)
    face_level = stats.paired_test(control[0], biased[0], n_resamples=999, seed=0)
    assert np.mean(face_level["p_value"] < 0.05) > 0.5
    assert seed_effect(biased, control)["beyond_retraining"].mean() <= 0.1


def test_retraining_is_the_rms_of_the_seed_differences_and_pairs_are_listed() -> None:
    rng = np.random.default_rng(4)
    biased, control = simulate(rng, np.zeros(5))
    r = seed_effect(biased, control)
    db = biased[1].mean(0) - biased[0].mean(0)
    dc = control[1].mean(0) - control[0].mean(0)
    np.testing.assert_allclose(r["retraining"], np.sqrt((db**2 + dc**2) / 2))
    pairs = seed_pairs(["b1", "b2"], r["seed_means_biased"])
    assert len(pairs) == 1 and pairs[0]["a"] == "b1"
    np.testing.assert_allclose(pairs[0]["difference"], db)
    assert len(seed_pairs(["c1", "c2", "c3"], np.zeros((3, 5)))) == 3


@pytest.mark.parametrize("faces", [1, 2, 6])
def test_every_key_is_a_number_also_with_few_faces_and_identical_networks(faces: int) -> None:
    rng = np.random.default_rng(5)
    biased, control = simulate(rng, np.full(3, 0.05), faces=faces)
    same = np.repeat(control[:1], 2, axis=0)  # two identical networks: no retraining spread at all
    accuracy = np.ones((2, faces, 1))  # every face right by every network
    for b, c in ((biased, control), (same, same), (accuracy, np.zeros((2, faces, 1)))):
        r = seed_effect(b, c)
        for i in range(b.shape[2]):
            out = cell(r, i)
            assert set(out) >= {"effect", "ci_low", "ci_high", "retraining", "beyond_retraining"}
            assert all(np.isfinite(v) for k, v in out.items() if k != "beyond_retraining")
            assert out["ci_low"] <= out["effect"] <= out["ci_high"] and out["retraining"] >= 0
    assert not cell(seed_effect(same, same), 0)["beyond_retraining"]
    perfect = cell(seed_effect(accuracy, np.zeros((2, faces, 1))), 0)
    assert perfect["effect"] == 1.0 and perfect["beyond_retraining"]


def test_refuses_without_two_seeds_in_an_arm_or_on_different_faces() -> None:
    one = np.zeros((1, 5, 2))
    with pytest.raises(ValueError, match="two seeds"):
        seed_effect(one, one)
    with pytest.raises(ValueError, match="same faces"):
        seed_effect(np.zeros((2, 5, 2)), np.zeros((2, 6, 2)))
