"""The HTTP contract, through the ASGI app with a small untrained model bundle."""

import base64
import io
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from facexai.api.main import create_app
from facexai.core.errors import ModelFileMissing
from facexai.core.labels import RACE
from facexai.service.comparison import REGION_GAP, STRENGTH_RATIO
from facexai.service.settings import Settings

MODELS = ["age", "gender", "race", "race_biased"]
#: what each shared photo must give: 200 (with the number of faces) or its 4xx code
EXPECTED = {
    "alpha_astronaut_rgba.png": 200,
    "astronaut.png": 200,
    "cmyk_astronaut.jpg": 200,
    "exif_orientation_6_astronaut.jpg": 200,
    "gen__1x1.png": "no_face",
    "gen__noise_512.png": "no_face",
    "grace_hopper.jpg": 200,
    "grayscale_hopper.png": 200,
    "invalid_text_named.jpg": "unsupported_type",
    "invalid_truncated.jpg": "invalid_image",
    "invalid_zero_bytes.jpg": "invalid_image",
    "large_astronaut_6000x4000_face_small.jpg": 200,
    "multi_face_astronaut_hopper.jpg": 200,
    "skimage__chelsea.png": "no_face",
    "tiny_image_hopper_24x24.png": 200,
    "webp_astronaut_lossy.webp": 200,
}


def png_of(b64: str) -> Image.Image:
    raw = base64.b64decode(b64)
    assert raw.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(raw))


def post(client, path: Path, **params):
    with path.open("rb") as f:
        return client.post("/analyze", params=params, files={"file": (path.name, f, "application/octet-stream")})


@pytest.fixture(scope="module")
def two_faces(client, images_dir):
    r = post(client, images_dir / "multi_face_astronaut_hopper.jpg")
    assert r.status_code == 200, r.text
    return r.json()


def test_health_and_models(client):
    health = client.get("/health").json()
    assert health == {
        "status": "ok",
        "models_loaded": 4,
        "models_total": 4,
        "models": MODELS,
        "detail": None,
        "store": "memory",
        "failed": {},
    }
    body = client.get("/models").json()
    models = body["models"]
    assert [m["name"] for m in models] == MODELS
    race = next(m for m in models if m["name"] == "race")
    assert race["labels"][0] == "White" and len(race["labels"]) == 7 and race["gradcam_layer"] == "block4_relu"
    assert next(m for m in models if m["name"] == "race_biased")["biased"] is True
    # what the web app words the comparison with, from their one definition
    assert body["races"] == list(RACE) == race["labels"]
    assert body["rules"] == {"strength_ratio": STRENGTH_RATIO, "region_gap": REGION_GAP}


def test_analyze_response_contract(two_faces):
    body = two_faces
    assert body["faces_found"] == 2 and body["faces_skipped"] == 0 and len(body["faces"]) == 2
    assert body["models"] == MODELS and body["image"] == {"width": 1100, "height": 560, "format": "jpeg"}
    left, right = body["faces"]
    assert left["box"]["right"] < 550 < right["box"]["left"]
    for face in body["faces"]:
        assert set(face["box"]) == {"left", "top", "right", "bottom"}
        assert png_of(face["aligned_image"]).size == (224, 224)
        assert set(face["predictions"]) == set(MODELS) == set(face["explanations"])
        for name, pred in face["predictions"].items():
            probs = pred["probabilities"]
            assert pred["label"] == max(probs, key=probs.get)
            assert abs(sum(probs.values()) - 1) < 1e-4
            ex = face["explanations"][name]
            assert ex["target"] == pred["label"] and abs(ex["target_probability"] - probs[ex["target"]]) < 1e-6
            ig = ex["integrated_gradients"]
            assert ig["steps"] == 8 and ig["baseline"] == "black" and ig["output"] == "probability"
            # IG explains the very probability reported, from the black image's
            assert abs(ig["score_input"] - ex["target_probability"]) < 1e-5 and 0 <= ig["score_baseline"] <= 1
            # the absolute error is the relative one times |F(x) - F(b)|, in probability units
            delta = abs(ig["score_input"] - ig["score_baseline"])
            assert ig["completeness_error_abs"] == pytest.approx(ig["completeness_error"] * delta, rel=1e-3, abs=1e-6)
            for key in ("image", "signed_image"):
                assert png_of(ig[key]).size == (224, 224)
            assert png_of(ig["heatmap"]).mode == "RGBA"
            assert png_of(ex["grad_cam"]["image"]).size == (224, 224)
            assert ex["grad_cam"]["layer"] == "block4_relu"


@pytest.mark.parametrize(
    ("mode", "ig", "cam"), [("none", False, False), ("grad_cam", False, True), ("integrated_gradients", True, False)]
)
def test_explain_modes(client, images_dir, mode, ig, cam):
    body = post(client, images_dir / "grace_hopper.jpg", explain=mode).json()
    ex = body["faces"][0]["explanations"]["race"]
    assert (ex["integrated_gradients"] is not None) is ig
    assert (ex["grad_cam"] is not None) is cam
    assert ("integrated_gradients" in body["timings_ms"]) is ig


def test_any_class_of_any_model_without_uploading_again(client, two_faces):
    aid = two_faces["analysis_id"]
    r = client.get(f"/analyses/{aid}/faces/1/explanations/race_biased", params={"target": "Indian", "ig_steps": 4})
    assert r.status_code == 200, r.text
    ex = r.json()
    assert ex["target"] == "Indian" and ex["integrated_gradients"]["steps"] == 4
    assert (
        abs(ex["target_probability"] - two_faces["faces"][1]["predictions"]["race_biased"]["probabilities"]["Indian"])
        < 1e-5
    )
    r = client.get(
        f"/analyses/{aid}/faces/0/explanations/age", params={"target": "more than 70", "explain": "grad_cam"}
    )
    assert r.status_code == 200 and r.json()["integrated_gradients"] is None
    errors = {
        f"/analyses/{aid}/faces/0/explanations/race?target=Martian": (422, "unknown_label"),
        f"/analyses/{aid}/faces/0/explanations/eye_colour": (404, "unknown_model"),
        f"/analyses/{aid}/faces/7/explanations/race": (404, "face_not_found"),
        "/analyses/nope/faces/0/explanations/race": (404, "analysis_not_found"),
        f"/analyses/{aid}/faces/0/explanations/race?ig_steps=100000": (422, "validation_error"),
        f"/analyses/{aid}/faces/0/explanations/race?ig_rule=simpson": (422, "validation_error"),
    }
    for url, (status, code) in errors.items():
        r = client.get(url)
        assert (r.status_code, r.json()["code"]) == (status, code), url


def test_compare_race_models_on_a_shared_scale(client, two_faces):
    aid = two_faces["analysis_id"]
    r = client.get(f"/analyses/{aid}/faces/0/compare", params={"target": "Black", "ig_steps": 4})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["models"] == ["race", "race_biased"] and c["target"] == "Black"
    assert c["scale_max"] > 0
    assert set(c["images"]) == set(c["heatmaps"]) == set(c["raw"]) == {"race", "race_biased"}
    grid = np.array(c["raw"]["race"])
    assert grid.shape == (c["grid_size"], c["grid_size"]) and grid.min() >= 0 and grid.max() <= 1
    for model in c["models"]:
        assert abs(sum(r["shares"][model] for r in c["regions"]) - 1) < 1e-4
    assert "Race (biased training)" in c["summary"] and "Black" in c["summary"]
    assert "race_biased" not in c["summary"] and "correlation" not in c["summary"]
    assert set(c["strength"]) == {"race", "race_biased"} and all(v >= 0 for v in c["strength"].values())
    assert png_of(c["difference_image"]).size == (224, 224)
    cam = client.get(f"/analyses/{aid}/faces/0/compare", params={"method": "grad_cam"}).json()
    assert cam["method"] == "grad_cam" and cam["target"] == two_faces["faces"][0]["predictions"]["race"]["label"]
    for pair in (["race", "age"], ["race", "race"]):
        bad = client.get(f"/analyses/{aid}/faces/0/compare", params={"models": pair})
        assert (bad.status_code, bad.json()["code"]) == (422, "models_not_comparable"), pair
        assert all(name in bad.json()["detail"] for name in pair)
    bad = client.get(f"/analyses/{aid}/faces/0/compare", params={"target": "Martian"})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_label")


def test_more_ig_steps_shrink_the_completeness_error(client, two_faces):
    """The error is what it says: IG's sum against F(x) - F(b) converges as the integral's points grow."""
    url = f"/analyses/{two_faces['analysis_id']}/faces/0/explanations/race"
    errors = []
    for steps in (2, 8, 64):
        r = client.get(url, params={"ig_steps": steps, "ig_rule": "left_riemann", "explain": "integrated_gradients"})
        errors.append(r.json()["integrated_gradients"]["completeness_error"])
    assert errors[0] > errors[1] > errors[2], errors
    assert errors[2] < errors[0] / 8, errors  # first order: about 1/steps


@pytest.mark.slow
def test_the_cnn_detector_per_request(client, images_dir):
    """detector=cnn uses dlib's CNN detector for this request only; an unknown detector is a 422."""
    hog = post(client, images_dir / "multi_face_astronaut_hopper.jpg", explain="none").json()
    cnn = post(client, images_dir / "multi_face_astronaut_hopper.jpg", explain="none", detector="cnn").json()
    assert hog["faces_found"] == cnn["faces_found"] == 2
    for a, b in zip(hog["faces"], cnn["faces"], strict=True):  # the same two faces, boxes within a few pixels
        assert abs(a["box"]["left"] - b["box"]["left"]) < 40 and abs(a["box"]["top"] - b["box"]["top"]) < 40
    bad = post(client, images_dir / "grace_hopper.jpg", explain="none", detector="sift")
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    cat = post(client, images_dir / "skimage__chelsea.png", explain="none", detector="cnn")
    assert cat.status_code == 422 and cat.json()["code"] == "no_face" and "cnn detector" in cat.json()["detail"]


def test_aligned_chip_upload(client, images_dir):
    body = post(client, images_dir / "grace_hopper.jpg", align="false", explain="none").json()
    assert body["aligned"] is False and body["faces_found"] == 1
    assert body["faces"][0]["box"] == {"left": 0, "top": 0, "right": 512, "bottom": 600}


def test_a_large_photo_is_reported_in_its_own_pixels(client, images_dir):
    """It is decoded at 1/4 scale; its size and the face's box are still the 24-megapixel photo's."""
    body = post(client, images_dir / "large_astronaut_6000x4000_face_small.jpg", explain="none").json()
    assert body["image"] == {"width": 6000, "height": 4000, "format": "jpeg"}
    box = body["faces"][0]["box"]
    assert 600 < box["right"] - box["left"] < 720 and 2400 < box["left"] < 2480 and 600 < box["top"] < 690


@pytest.mark.slow
def test_every_shared_photo_gets_200_or_a_clean_4xx(client, images_dir):
    names = sorted(p.name for p in images_dir.iterdir() if p.suffix != ".md")
    assert set(names) >= set(EXPECTED), "a test photo is missing"
    for name in names:
        r = post(client, images_dir / name, explain="grad_cam")
        body = r.json()
        expected = EXPECTED.get(name)
        if r.status_code == 200:
            assert expected == 200, f"{name}: expected {expected}"
            assert body["faces"], name
        else:
            assert 400 <= r.status_code < 500, f"{name}: {r.status_code}"
            assert set(body) == {"code", "detail"} and body["code"] == expected, f"{name}: {body}"
        assert client.get("/health").status_code == 200
    assert post(client, images_dir / "multi_face_astronaut_hopper.jpg", explain="none").json()["faces_found"] == 2


def test_limits(untrained_bundle, images_dir, monkeypatch):
    settings = Settings(
        models_manifest=untrained_bundle,
        frontend_dist=Path("/nonexistent"),
        max_upload_bytes=50_000,
        max_pixels=1_000_000,
        warm_up=False,
        load_in_background=False,
    )
    with TestClient(create_app(settings)) as c:
        r = post(c, images_dir / "grace_hopper.jpg")  # 73 kB
        assert (r.status_code, r.json()["code"]) == (413, "upload_too_large")
        small = io.BytesIO()
        Image.new("RGB", (2000, 1000)).save(small, format="PNG")  # small file, 2 megapixels
        r = c.post("/analyze", files={"file": ("big.png", small.getvalue(), "image/png")})
        assert (r.status_code, r.json()["code"]) == (413, "image_too_large")
        assert c.get("/health").status_code == 200


def test_uploads_over_one_mebibyte_never_touch_the_disk(client, images_dir, monkeypatch):
    """Starlette spools file parts over 1 MiB to a temporary file unless told otherwise."""
    data = (images_dir / "large_astronaut_6000x4000_face_small.jpg").read_bytes()
    assert len(data) > 1024 * 1024

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_disk)
    r = client.post("/analyze", params={"explain": "none"}, files={"file": ("big.jpg", data, "image/jpeg")})
    assert r.status_code == 200, r.text


def test_validation_errors_are_json(client):
    r = client.post("/analyze")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = client.post("/analyze?explain=everything", files={"file": ("x.png", b"x", "image/png")})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = client.get("/nowhere")
    assert r.status_code == 404 and r.json() == {"code": "not_found", "detail": "Not Found"}
    assert client.get("/openapi.json").json()["paths"]["/analyze"]["post"]


def test_refuses_to_start_without_any_model_file(untrained_bundle, tmp_path):
    manifest = json.loads(untrained_bundle.read_text())
    for entry in manifest["models"]:
        entry["file"] = f"gone_{entry['name']}.keras"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    settings = Settings(
        models_manifest=tmp_path / "manifest.json", frontend_dist=Path("/nonexistent"), load_in_background=False
    )
    with pytest.raises(ModelFileMissing, match=r"gone_race\.keras"), TestClient(create_app(settings)):
        pass


def wait_for_health(c, status: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = c.get("/health").json()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_the_service_answers_while_the_models_load_in_the_background(untrained_bundle, images_dir, monkeypatch):
    from facexai.models.registry import ModelRegistry

    gate = threading.Event()
    real_load = ModelRegistry.load
    monkeypatch.setattr(ModelRegistry, "load", classmethod(lambda cls, *a, **k: gate.wait(60) and real_load(*a, **k)))
    settings = Settings(models_manifest=untrained_bundle, frontend_dist=Path("/nonexistent"), warm_up=False)
    assert settings.load_in_background
    with TestClient(create_app(settings)) as c:
        r = c.get("/health")
        assert r.status_code == 503 and r.json() == {
            "status": "loading",
            "models_loaded": 0,
            "models_total": 4,
            "models": [],
            "detail": None,
            "store": "memory",
            "failed": {},
        }
        r = post(c, images_dir / "grace_hopper.jpg", explain="none")
        assert (r.status_code, r.json()["code"], r.headers["Retry-After"]) == (503, "models_not_ready", "5")
        assert "0 of 4" in r.json()["detail"]
        gate.set()
        assert wait_for_health(c, "ok")["models_loaded"] == 4
        assert post(c, images_dir / "grace_hopper.jpg", explain="none").status_code == 200


def test_a_failed_background_load_is_reported_not_hidden(untrained_bundle, tmp_path, images_dir):
    manifest = json.loads(untrained_bundle.read_text())
    for entry in manifest["models"]:
        entry["file"] = "gone.keras"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    settings = Settings(models_manifest=tmp_path / "manifest.json", frontend_dist=Path("/nonexistent"))
    with TestClient(create_app(settings)) as c:
        body = wait_for_health(c, "failed")
        assert body["status"] == "failed" and "gone.keras" in body["detail"]
        assert c.get("/health").status_code == 503
        r = post(c, images_dir / "grace_hopper.jpg", explain="none")
        assert (r.status_code, r.json()["code"]) == (503, "models_not_ready") and "gone.keras" in r.json()["detail"]


def test_one_missing_model_file_degrades_the_service_instead_of_stopping_it(untrained_bundle, tmp_path):
    manifest = json.loads(untrained_bundle.read_text())
    manifest["models"][2]["file"] = "gone.keras"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    for entry in manifest["models"][:2] + manifest["models"][3:]:
        (tmp_path / entry["file"]).write_bytes((untrained_bundle.parent / entry["file"]).read_bytes())
    settings = Settings(
        models_manifest=tmp_path / "manifest.json",
        frontend_dist=Path("/nonexistent"),
        load_in_background=False,
        warm_up=False,
    )
    with TestClient(create_app(settings)) as c:
        health = c.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        name = manifest["models"][2]["name"]
        assert list(health.json()["failed"]) == [name] and "gone.keras" in health.json()["failed"][name]
        assert name not in health.json()["models"] and len(health.json()["models"]) == 3
