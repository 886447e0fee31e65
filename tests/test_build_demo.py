"""scripts/build_demo.py (`make demo`): its request keys match the web app's recorded transport, the samples are
small, public domain and listed, and recording a sample writes every answer the app asks for."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("build_demo", REPO / "scripts" / "build_demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_demo"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


demo = _load()


def test_body_hash_is_fnv1a32():
    # the published test vectors; frontend/src/api/recorded.test.ts checks the same in the browser's code
    assert demo.fnv1a32(b"") == "811c9dc5"
    assert demo.fnv1a32(b"a") == "e40c292c"
    assert demo.fnv1a32(b"foobar") == "bf9cf968"


def test_request_keys_are_those_of_the_web_app():
    # The same strings as recorded.test.ts computes from the requests the app's client makes.
    explanation = (("target", "East Asian"), ("explain", "both"), ("faithfulness", "true"))
    assert (
        demo.request_key("GET", "/analyses/abc/faces/0/explanations/race", explanation)
        == "GET /analyses/abc/faces/0/explanations/race?explain=both&faithfulness=true&target=East Asian"
    )
    compare = (("models", "race_control"), ("models", "race_biased"), ("method", "integrated_gradients"))
    assert (
        demo.request_key("GET", "/analyses/abc/faces/1/compare", (*compare, ("target", "White")))
        == "GET /analyses/abc/faces/1/compare?method=integrated_gradients&models=race_control&models=race_biased"
        "&target=White"
    )
    grid = demo.request_key("GET", "/analyses/abc/faces/0/grid/age", (("method", "grad_cam"),))
    assert grid == "GET /analyses/abc/faces/0/grid/age?method=grad_cam"
    assert demo.request_key("GET", "/models") == "GET /models"
    upload = demo.request_key("POST", "/analyze", demo.ANALYZE_QUERY, b"foobar")
    assert upload == "POST /analyze?align=true&explain=grad_cam body=bf9cf968"


def test_compared_pair_is_the_apps():
    assert demo.compared_pair(["race_control", "race_biased"]) == ("race_control", "race_biased")
    assert demo.compared_pair(None) is None  # the app guesses no pair where GET /models names none
    assert demo.compared_pair(["race", "race"]) is None


def test_largest_face_is_the_one_the_app_shows_first():
    def face(left: int, size: int) -> dict:
        return {"box": {"left": left, "top": 0, "right": left + size, "bottom": size}}

    assert demo.largest_face([face(0, 50), face(100, 80), face(300, 80)]) == 1
    assert demo.largest_face([]) == 0


def test_samples_are_small_public_domain_photos_with_their_licences():
    samples = demo.load_samples()
    assert [s.id for s in samples] == ["astronaut", "grace_hopper", "two_portraits"]
    licences = (demo.SAMPLES_DIR / "LICENSES.md").read_text()
    entries = json.loads(demo.SAMPLES_JSON.read_text())
    for sample, entry in zip(samples, entries, strict=True):
        for name in (sample.file, entry["thumb"]):
            path = demo.SAMPLES_DIR / name
            assert path.read_bytes()[:3] == b"\xff\xd8\xff", f"{name} is not a JPEG"
            assert path.stat().st_size < 100_000, f"{name} is over 100 kB"
        assert f"`{sample.file}`" in licences
    assert "public domain" in licences.lower() and "FairFace" in licences
    with pytest.raises(SystemExit, match="unknown sample"):
        demo.load_samples(["lena"])


def test_refuses_to_empty_a_folder_that_is_not_a_demo(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit, match="neither empty nor an earlier demo"):
        demo.prepare_out(tmp_path)
    assert (tmp_path / "notes.txt").exists()
    earlier = tmp_path / "earlier"
    (earlier / "api").mkdir(parents=True)
    (earlier / "api" / "index.json").write_text(json.dumps({"kind": demo.MARKER}))
    demo.prepare_out(earlier)
    assert [p.name for p in earlier.iterdir()] == [demo.MARKER_FILE]  # emptied, and marked first
    (earlier / "index.html").write_text("a build cut short: no index.json yet")
    demo.prepare_out(earlier)
    assert [p.name for p in earlier.iterdir()] == [demo.MARKER_FILE]


@pytest.mark.slow
def test_records_every_answer_the_app_asks_for(tmp_path: Path, untrained_bundle: Path):
    """One sample with the small untrained bundle: the upload, each model's explanation, the comparison with
    both methods, the class grids of one model, /models and /health, each listed under its key."""
    samples = demo.load_samples(["astronaut"])
    index = demo.record(tmp_path, untrained_bundle, samples, demo.Grids("astronaut", frozenset({"gender"})))
    assert index["kind"] == demo.MARKER and index["samples"] == {"astronaut": 1}
    responses = index["responses"]
    upload = next(k for k in responses if k.startswith("POST /analyze"))
    analysis = json.loads((tmp_path / "api" / responses[upload]).read_text())
    faces = f"/analyses/{analysis['analysis_id']}/faces/0"
    explained = [k for k in responses if k.startswith(f"GET {faces}/explanations/")]
    assert len(explained) == len(analysis["models"]) == 4
    assert all("explain=both&faithfulness=true&target=" in k for k in explained)
    compared = sorted(k.split("method=")[1].split("&")[0] for k in responses if "/compare?" in k)
    assert compared == ["grad_cam", "integrated_gradients"]  # untrained bundle: race and race_biased
    assert sorted(k for k in responses if "/grid/" in k) == [
        f"GET {faces}/grid/gender?method=grad_cam",
        f"GET {faces}/grid/gender?method=integrated_gradients",
    ]
    assert {"GET /models", "GET /health"} <= set(responses)
    for name in responses.values():
        assert json.loads((tmp_path / "api" / name).read_text())
