"""Two models' maps on one scale: the statistics a person reads, on maps with known answers."""

import numpy as np
import pytest

from facexai.comparison import OUTSIDE, compare_maps, region_masks
from facexai.explain.base import Attribution
from facexai.explain.options import ExplainMethod

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
    assert "largely agree" in c.summary


def test_maps_on_different_regions_disagree_and_the_summary_names_the_region():
    c = compare_maps({"a": cam(region("eyes and brows")), "b": cam(region("mouth"))}, {"a": "X", "b": "X"}, CHIP)
    assert c.correlation < 0
    shares = {r.region: r.shares for r in c.regions}
    assert shares["mouth"] == {"a": 0.0, "b": pytest.approx(1.0)}
    assert "disagree" in c.summary and ("eyes" in c.summary or "mouth" in c.summary)
    assert c.target == "X" and c.models == ["a", "b"] and c.probabilities == {"a": 0.8, "b": 0.8}
