"""Two models' maps on one scale: the statistics a person reads, on maps with known answers."""

import numpy as np
import pytest

from facexai.core.regions import OUTSIDE, region_masks
from facexai.explain.base import Attribution
from facexai.explain.options import ExplainMethod
from facexai.service.comparison import compare_maps

SIZE = 32
CHIP = np.full((SIZE, SIZE, 3), 128, np.uint8)


def cam(heatmap: np.ndarray, probability: float = 0.8) -> Attribution:
    return Attribution(
        method=ExplainMethod.grad_cam,
        target=0,
        probabilities=np.array([probability, 1 - probability]),
        heatmap=heatmap.astype(np.float32),
        elapsed_ms=0.0,
        details={"layer": "features"},
    )


def region(name: str) -> np.ndarray:
    return region_masks(SIZE)[name].astype(np.float32)


def test_regions_tile_the_chip():
    masks = region_masks(SIZE)
    assert sum(m.astype(int) for m in masks.values()).tolist() == np.ones((SIZE, SIZE), int).tolist()
    assert masks[OUTSIDE].any() and masks["eyes and brows"].any()


def test_identical_maps_agree_everywhere():
    eyes = region("eyes and brows")
    c = compare_maps({"a": cam(eyes), "b": cam(eyes)}, {"a": "X", "b": "X"}, CHIP)
    assert c.correlation == pytest.approx(1.0)
    eyes_share = next(r for r in c.regions if r.region == "eyes and brows").shares
    assert eyes_share == {"a": pytest.approx(1.0), "b": pytest.approx(1.0)}
    assert c.raw["a"] == c.raw["b"]
    assert c.strength["a"] == pytest.approx(c.strength["b"]) and c.strength["a"] > 0
    assert "about as strong" in c.summary and "same parts of the face" in c.summary


def test_maps_on_different_regions_disagree_and_the_summary_names_the_region():
    c = compare_maps({"a": cam(region("eyes and brows")), "b": cam(region("mouth"))}, {"a": "X", "b": "X"}, CHIP)
    assert c.correlation < 0
    shares = {r.region: r.shares for r in c.regions}
    assert shares["mouth"] == {"a": 0.0, "b": pytest.approx(1.0)}
    assert "b relies more on the mouth" in c.summary and "a more on the eyes and brows" in c.summary
    assert c.target == "X" and c.models == ["a", "b"] and c.probabilities == {"a": 0.8, "b": 0.8}


def test_shares_are_the_one_region_share_computation_of_each_methods_magnitude():
    """The comparison's regions are core.regions.region_shares of each map as its method makes it
    comparable (Method.magnitude), at the chip's size: the computation the audit's shares use too."""
    from facexai.core.regions import REGION_NAMES, region_shares
    from facexai.explain import render
    from facexai.explain.methods import METHODS

    rng = np.random.default_rng(3)
    for make in (lambda h: cam(np.maximum(h, 0)), lambda h: ig(h, 0.7)):
        a, b = make(rng.normal(size=(8, 8))), make(rng.normal(size=(8, 8)))
        c = compare_maps({"a": a, "b": b}, {"a": "X", "b": "X"}, CHIP)
        for name, att in (("a", a), ("b", b)):
            magnitude = render.resize_map(METHODS[att.method].magnitude(att), (SIZE, SIZE))
            expected = dict(zip(REGION_NAMES, region_shares(magnitude), strict=True))
            assert {r.region: r.shares[name] for r in c.regions} == expected


def ig(heatmap: np.ndarray, probability: float, error: float = 0.0, error_abs: float = 0.0) -> Attribution:
    return Attribution(
        method=ExplainMethod.integrated_gradients,
        target=0,
        probabilities=np.array([probability, 1 - probability]),
        heatmap=heatmap.astype(np.float32),
        elapsed_ms=0.0,
        score_input=1.0,
        score_baseline=0.0,
        completeness_error=error,
        completeness_error_abs=error_abs,
    )


def test_the_summary_reads_like_the_pictures_with_display_names_only():
    """A map 4x weaker on the shared scale is called weaker, with the class, both probabilities and the
    regions in plain words; the ids, "correlation" and "attends" never appear."""
    eyes, mouth = region("eyes and brows"), region("mouth")
    c = compare_maps(
        {"race": ig(eyes, 0.62), "race_biased": ig(0.25 * mouth + 0.05 * eyes, 0.35)},
        {"race": "Black", "race_biased": "Black"},
        CHIP,
        names={"race": "Race", "race_biased": "Race (biased training)"},
    )
    s = c.summary
    assert "\u201cBlack\u201d" in s and "62%" in s and "35%" in s
    ratio = c.strength["race"] / c.strength["race_biased"]
    assert ratio > 1.5
    assert f"Race (biased training)'s map is {ratio:.1f}\u00d7 weaker than Race's" in s
    assert "Race (biased training) relies more on the mouth; Race more on the eyes and brows" in s
    assert "race_biased" not in s and "correlation" not in s and "attend" not in s
    assert c.approximate == [] and "approximate" not in s


def test_an_approximate_map_is_said_first_and_a_tiny_change_alone_is_not_approximate():
    eyes, mouth = region("eyes and brows"), region("mouth")
    names = {"race": "Race model (balanced data)", "race_biased": "Race model (biased data)"}
    c = compare_maps(
        {"race": ig(eyes, 0.62, 0.02, 0.012), "race_biased": ig(mouth, 0.35, 0.5, 0.17)},
        {"race": "Black", "race_biased": "Black"},
        CHIP,
        names=names,
    )
    assert c.approximate == ["race_biased"] and c.completeness_errors == {"race": 0.02, "race_biased": 0.5}
    second = c.summary.split(". ")[1]
    assert "Read with care: Race model (biased data)'s map (50% completeness error) is approximate" in c.summary
    assert "recompute with more steps" in c.summary and second.startswith("Read with care")
    # 1278% of an almost unchanged probability (Hopper): large relative, tiny absolute error -> not approximate
    tiny = compare_maps(
        {"race": ig(eyes, 0.62, 12.78, 0.004), "race_biased": ig(mouth, 0.35, 0.01, 0.001)},
        {"race": "Black", "race_biased": "Black"},
        CHIP,
        names=names,
    )
    assert tiny.approximate == [] and "Read with care" not in tiny.summary
    cams = compare_maps({"a": cam(eyes), "b": cam(mouth)}, {"a": "X", "b": "X"}, CHIP)
    assert cams.approximate == [] and cams.completeness_errors == {}
