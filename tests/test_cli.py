import json

import pytest
from PIL import Image

from facexai.commands import main


@pytest.mark.slow
def test_analyze_writes_json_and_overlays(untrained_bundle, images_dir, tmp_path, capsys):
    out = tmp_path / "results"
    photo = images_dir / "multi_face_astronaut_hopper.jpg"
    code = main(["analyze", str(photo), "--out", str(out), "--manifest", str(untrained_bundle), "--ig-steps", "4"])
    assert code == 0
    result = json.loads((out / "analysis.json").read_text())
    assert len(result["faces"]) == 2
    face = result["faces"][1]
    for name in ("age", "gender", "race", "race_biased"):
        ex = face["explanations"][name]
        for png in (ex["integrated_gradients"]["image"], ex["grad_cam"]["image"], face["aligned_image"]):
            with Image.open(out / png) as img:
                assert img.size == (224, 224)
    assert ex["integrated_gradients"]["steps"] == 4
    assert "face 1 at" in capsys.readouterr().out


def test_analyze_reports_bad_input(untrained_bundle, images_dir, tmp_path, capsys):
    args = ["--out", str(tmp_path / "r"), "--manifest", str(untrained_bundle)]
    assert main(["analyze", str(images_dir / "skimage__chelsea.png"), *args]) == 1
    assert "no_face" in capsys.readouterr().out
    assert main(["analyze", str(tmp_path / "missing.jpg"), *args]) == 2
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("photo", "code"),
    [("multi_face_astronaut_hopper.jpg", "upload_too_large"), ("invalid_truncated.jpg", "invalid_image")],
)
def test_analyze_refuses_bad_input_before_loading_models(photo, code, images_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACEXAI_MAX_UPLOAD_BYTES", str(100_000))  # the two-face photo is larger
    # no manifest there: the photo is refused before any model is looked for
    args = ["--out", str(tmp_path / "r"), "--manifest", str(tmp_path / "none.json")]
    assert main(["analyze", str(images_dir / photo), *args]) == 1
    out = capsys.readouterr().out
    assert f"facexai: {code}:" in out and "manifest" not in out
    assert not (tmp_path / "r").exists()


def test_serve_refuses_without_a_manifest(tmp_path, monkeypatch, capsys):
    from facexai.service.settings import get_settings

    monkeypatch.setenv("FACEXAI_MODELS_MANIFEST", str(tmp_path / "none.json"))
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 2
    finally:
        get_settings.cache_clear()
    assert "none.json" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_refuses_a_backbone_other_than_the_one_trained_on(tmp_path, monkeypatch, capsys):
    """A dlib_resnet manifest whose .dat sha256 differs from the installed file stops start-up,
    naming the package to install, before any model is built."""

    from facexai.models.untrained import write_untrained_bundle
    from facexai.service.settings import get_settings

    bundle = write_untrained_bundle(tmp_path / "bundle", architecture="lean", input_size=64)
    manifest = json.loads(bundle.read_text())
    entry = manifest["models"][0]
    entry.update(architecture="dlib_resnet", head=entry["task"], backbone={"sha256": "0" * 64})
    bundle.write_text(json.dumps(manifest))
    monkeypatch.setenv("FACEXAI_MODELS_MANIFEST", str(bundle))
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the service started"))
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "face-recognition-models==0.3.0" in err and "0" * 64 in err
