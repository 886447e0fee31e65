"""Every class of a model at once: GET /analyses/{id}/faces/{i}/grid/{model}, all maps on one scale."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from facexai.explain import render

MODELS = ["age", "gender", "race", "race_biased"]


def pixels(b64: str) -> np.ndarray:
    raw = base64.b64decode(b64)
    assert raw.startswith(b"\x89PNG")
    return np.asarray(Image.open(io.BytesIO(raw)))


@pytest.fixture(scope="module")
def analysis(client, images_dir):
    with (images_dir / "astronaut.png").open("rb") as f:
        r = client.post("/analyze", params={"explain": "none"}, files={"file": ("astronaut.png", f, "image/png")})
    assert r.status_code == 200, r.text
    return r.json()


def grid(client, analysis, model, **params):
    return client.get(f"/analyses/{analysis['analysis_id']}/faces/0/grid/{model}", params=params)


@pytest.mark.parametrize("method", ["grad_cam", "integrated_gradients"])
def test_every_label_on_one_scale(client, analysis, method):
    labels = {m["name"]: m["labels"] for m in client.get("/models").json()["models"]}
    for model in ("race", "gender"):
        r = grid(client, analysis, model, method=method, ig_steps=4)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"classes", "scale_max", "method"} and body["method"] == method
        assert list(body["classes"]) == labels[model]  # every label, in the model's order
        assert sum(c["probability"] for c in body["classes"].values()) == pytest.approx(1.0, abs=1e-4)
        assert body["classes"] == grid(client, analysis, model, method=method, ig_steps=4).json()["classes"]
        assert body["scale_max"] > 0
        alpha = {}
        for label, c in body["classes"].items():
            assert pixels(c["image"]).shape == (224, 224, 3)
            heat = pixels(c["heatmap"])
            assert heat.shape == (224, 224, 4)
            alpha[label] = int(heat[..., 3].max())
            assert c["max_value"] >= 0
        tops = {label: c["max_value"] for label, c in body["classes"].items()}
        strongest = max(tops, key=tops.__getitem__)
        assert alpha[strongest] == 255  # the strongest class reaches the top of the shared scale
        if method == "grad_cam":
            # the scale is the largest map's maximum: it reaches 255, every other class in proportion
            # (through the alpha ramp that keeps near-zero values transparent)
            assert body["scale_max"] == pytest.approx(tops[strongest], rel=1e-6)
            for label, top in tops.items():
                assert abs(alpha[label] - 255 * float(render.alpha_ramp(np.array(top / body["scale_max"])))) <= 1.5
        else:
            # the 99th percentile of all classes together lies between the classes' own (up to interpolation)
            assert min(tops.values()) * 0.99 <= body["scale_max"] <= max(tops.values()) * 1.01


def test_the_top_class_agrees_with_its_single_explanation(client, analysis):
    aid = analysis["analysis_id"]
    single = client.get(f"/analyses/{aid}/faces/0/explanations/race", params={"explain": "grad_cam"}).json()
    body = grid(client, analysis, "race", method="grad_cam").json()
    assert body["classes"][single["target"]]["probability"] == pytest.approx(single["target_probability"], abs=1e-5)


def test_errors(client, analysis):
    aid = analysis["analysis_id"]
    cases = {
        f"/analyses/{aid}/faces/0/grid/eye_colour": (404, "unknown_model"),
        f"/analyses/{aid}/faces/7/grid/race": (404, "face_not_found"),
        "/analyses/nope/faces/0/grid/race": (404, "analysis_not_found"),
        f"/analyses/{aid}/faces/0/grid/race?method=lime": (422, "validation_error"),
        f"/analyses/{aid}/faces/0/grid/race?ig_steps=100000": (422, "validation_error"),
    }
    for url, (status, code) in cases.items():
        r = client.get(url)
        assert (r.status_code, r.json()["code"]) == (status, code), url
