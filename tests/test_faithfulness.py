"""Deletion and insertion scores (facexai.service.faithfulness): on a model with a known answer, and via the API."""

import numpy as np
import pytest

from facexai.explain.options import ExplainMethod
from facexai.service.faithfulness import RANDOM_ORDERS, STEPS, curves, pixel_order, score, score_map, verdict

SIZE = 8
#: the only pixels the toy model looks at: the top-left 2 x 4 block (8 of 64)
REGION = np.zeros((SIZE, SIZE), bool)
REGION[:2, :4] = True


def toy_model(batch: np.ndarray) -> np.ndarray:
    """Class 0's probability is the mean brightness of REGION (all channels), class 1 the rest."""
    p = batch[:, REGION, :].mean(axis=(1, 2))
    return np.stack([p, 1 - p], axis=1)


X = np.ones((SIZE, SIZE, 3), np.float32)
BASELINE = np.zeros_like(X)


def test_a_map_ranking_the_used_pixels_first_beats_random_and_an_inverted_map_loses():
    good = score(toy_model, X, BASELINE, REGION.astype(float), target=0)
    inverted = score(toy_model, X, BASELINE, -REGION.astype(float), target=0)
    # 16 steps of 4 pixels: the region is gone after 2 steps (1, 0.5, then 0 for 15 points)
    assert good.deletion_auc == pytest.approx(1.5 / 17)
    assert good.insertion_auc == pytest.approx(15.5 / 17)
    assert inverted.deletion_auc == pytest.approx(15.5 / 17)
    assert inverted.insertion_auc == pytest.approx(1.5 / 17)
    random = good.random_deletion_auc
    assert random == inverted.random_deletion_auc  # the reference depends on nothing but the input
    assert good.deletion_auc < random < inverted.deletion_auc
    assert 0.3 < random < 0.7  # roughly a straight line from 1 to 0
    # the verdict weighs the gap against the random orders' own spread
    assert good.verdict == "clearer_than_random" and inverted.verdict == "worse_than_random"
    assert good.margin == inverted.margin > 0 and good.random_orders == RANDOM_ORDERS
    assert good.deletion_auc < random - good.margin and inverted.deletion_auc > random + good.margin


def test_a_map_no_better_than_chance_gets_the_third_answer():
    # a map that ranks the pixels in a random order of its own: its deletion area is one draw from the
    # random orders' distribution, within their margin
    rng = np.random.default_rng(123)
    chance = score(toy_model, X, BASELINE, rng.random((SIZE, SIZE)), target=0, random_orders=12)
    assert abs(chance.deletion_auc - chance.random_deletion_auc) <= chance.margin
    assert chance.verdict == "no_clearer_than_random"
    # and the rule itself, on numbers: within the margin, outside it either way, and one order has no spread
    aucs = np.array([0.40, 0.44, 0.50, 0.56, 0.60])
    said, margin = verdict(0.47, aucs)
    assert said == "no_clearer_than_random" and margin == pytest.approx(1.96 * aucs.std(ddof=1))
    assert verdict(0.50 - margin - 0.01, aucs)[0] == "clearer_than_random"
    assert verdict(0.50 + margin + 0.01, aucs)[0] == "worse_than_random"
    assert verdict(0.49, np.array([0.5])) == ("clearer_than_random", 0.0)


def test_the_curves_are_one_batch_from_the_input_to_the_baseline():
    calls = []

    def counting(batch):
        calls.append(batch.shape)
        return toy_model(batch)

    deletion, insertion, random = curves(counting, X, BASELINE, REGION.astype(float), target=0)
    # x and the baseline once, each curve's inner points
    assert calls == [((2 + RANDOM_ORDERS) * (STEPS - 1) + 2, SIZE, SIZE, 3)]
    assert len(deletion) == len(insertion) == STEPS + 1 and random.shape == (RANDOM_ORDERS, STEPS + 1)
    assert deletion[0] == insertion[-1] == 1.0 and np.all(random[:, 0] == 1.0)  # nothing removed / all inserted
    assert deletion[-1] == insertion[0] == 0.0 and np.all(random[:, -1] == 0.0)  # the baseline
    assert len({tuple(r) for r in random}) == RANDOM_ORDERS  # different orders, different curves
    assert np.all(np.diff(deletion) <= 0) and np.all(np.diff(insertion) >= 0)


def test_a_coarse_map_is_upsampled_and_ties_keep_raster_order():
    coarse = np.array([[1.0, 0.0], [0.0, 0.0]])  # a Grad-CAM-like map: the top-left quadrant
    upsampled = score(toy_model, X, BASELINE, coarse, target=0)
    assert upsampled.deletion_auc < upsampled.random_deletion_auc
    assert list(pixel_order(np.zeros((3, 3)))) == list(range(9))
    assert list(pixel_order(np.array([[0.0, 2.0], [2.0, 1.0]]))) == [1, 2, 3, 0]


def test_method_rankings():
    signed = np.where(REGION, -5.0, 0.1)  # IG: strong evidence against still ranks first (|attribution|)
    ig = score_map(toy_model, X, BASELINE, ExplainMethod.integrated_gradients, signed, target=0)
    cam = score_map(toy_model, X, BASELINE, ExplainMethod.grad_cam, signed, target=0)  # relu: the region last
    assert ig.deletion_auc < ig.random_deletion_auc < cam.deletion_auc
    # the ranking is the method's own (Method.ranking), nothing of it is decided here
    from facexai.explain.methods import METHODS

    for method in ExplainMethod:
        ranked = score(toy_model, X, BASELINE, METHODS[method].ranking(signed), target=0)
        assert score_map(toy_model, X, BASELINE, method, signed, target=0) == ranked


def test_scores_are_in_the_unit_interval():
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(SIZE * SIZE * 3, 4))

    def softmax_model(batch):
        z = batch.reshape(len(batch), -1) @ weights
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    for _ in range(5):
        x = rng.normal(size=(SIZE, SIZE, 3))
        s = score(softmax_model, x, BASELINE, rng.normal(size=(SIZE, SIZE)), target=int(rng.integers(4)))
        for value in (s.deletion_auc, s.insertion_auc, s.random_deletion_auc):
            assert 0.0 <= value <= 1.0
    with pytest.raises(ValueError):
        score(lambda b: np.ones((len(b), 2)), X, BASELINE, REGION, target=5)


def check(scores):
    areas = {"deletion_auc", "insertion_auc", "random_deletion_auc"}
    assert set(scores) == areas | {"verdict", "margin", "random_orders"}
    assert all(0.0 <= scores[k] <= 1.0 for k in areas) and scores["margin"] >= 0
    assert scores["random_orders"] == RANDOM_ORDERS
    gap = scores["deletion_auc"] - scores["random_deletion_auc"]
    expected = (
        "clearer_than_random"
        if gap < -scores["margin"]
        else "worse_than_random"
        if gap > scores["margin"]
        else "no_clearer_than_random"
    )
    assert scores["verdict"] == expected


@pytest.mark.slow
def test_the_api_scores_when_asked_and_only_then(client, images_dir):
    with (images_dir / "astronaut.png").open("rb") as f:
        data = f.read()
    asked = client.post(
        "/analyze", params={"faithfulness": "true", "ig_steps": 4}, files={"file": ("a.png", data, "image/png")}
    )
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert "faithfulness" in body["timings_ms"]
    for explanation in body["faces"][0]["explanations"].values():
        check(explanation["integrated_gradients"]["faithfulness"])
        check(explanation["grad_cam"]["faithfulness"])
    plain = client.post("/analyze", params={"ig_steps": 4}, files={"file": ("a.png", data, "image/png")}).json()
    assert "faithfulness" not in plain["timings_ms"]
    for explanation in plain["faces"][0]["explanations"].values():
        assert explanation["integrated_gradients"]["faithfulness"] is None
        assert explanation["grad_cam"]["faithfulness"] is None

    url = f"/analyses/{body['analysis_id']}/faces/0/explanations/race"
    one = client.get(url, params={"faithfulness": "true", "ig_steps": 4}).json()
    check(one["integrated_gradients"]["faithfulness"])
    # the same map gets the same scores: the random order's seed is fixed
    assert one["grad_cam"]["faithfulness"] == body["faces"][0]["explanations"]["race"]["grad_cam"]["faithfulness"]
    cam_only = client.get(url, params={"faithfulness": "true", "explain": "grad_cam"}).json()
    assert cam_only["integrated_gradients"] is None and cam_only["grad_cam"]["faithfulness"] is not None
    assert client.get(url, params={"explain": "grad_cam"}).json()["grad_cam"]["faithfulness"] is None
    assert client.get(url, params={"faithfulness": "maybe"}).status_code == 422
