"""Issue 27, "Audit your own model": a small Keras model built here (a few conv layers; FairFace's race
labels, and one with UTKFace's five races and a label map) is added with ``facexai models add``, served,
explained with both methods, compared with a bundle model and audited; every refusal of ``add`` has its
test, with its message, exit code 2 and the models folder left exactly as it was. No photo or data set
is needed: the faces are drawn (facexai.core.chips.known_chip) or noise.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from fastapi.testclient import TestClient
from keras import layers
from PIL import Image

from facexai.api.main import create_app
from facexai.commands import main as cli
from facexai.core.checksums import file_sha256
from facexai.core.chips import known_chip
from facexai.core.labels import RACE
from facexai.models.labelmap import LabelMapError, audit_view, normalise, relate
from facexai.service.settings import Settings

UTK = ["White", "Black", "Asian", "Indian", "Others"]
UTK_MAP = {"White": "White", "Black": "Black", "Asian": ["East Asian", "Southeast Asian"], "Indian": "Indian"}


@keras.saving.register_keras_serializable(package="facexai_tests")
class StraightThroughRound(layers.Layer):
    """Rounds its input to steps of 64 on the way forward and passes the gradient through unchanged:
    a model with it is not differentiable end to end, and IG's completeness shows it."""

    def call(self, x):
        return x + keras.ops.stop_gradient(keras.ops.round(x / 64.0) * 64.0 - x)


def conv_model(classes: int, size: int = 64, end: str = "softmax", stem: list | None = None) -> keras.Model:
    """A few conv layers, as a person's own classifier might be; ``end``: softmax (a Softmax layer),
    dense_softmax (a softmax Dense), or logits."""
    inputs = keras.Input((size, size, 3))
    x = inputs
    for layer in stem or []:
        x = layer(x)
    x = layers.Rescaling(1 / 127.5, offset=-1)(x)
    for i, filters in enumerate((8, 16, 16)):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{i}")(x)
        if i < 2:
            x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    if end == "dense_softmax":
        return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))
    logits = layers.Dense(classes, kernel_initializer=keras.initializers.RandomNormal(stddev=3.0))(x)
    return keras.Model(inputs, logits if end == "logits" else layers.Softmax()(logits))


def save(model: keras.Model, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The person's models, saved as they would save them."""
    folder = tmp_path_factory.mktemp("mine")
    keras.utils.set_random_seed(7)
    files = {
        "race": save(conv_model(7), folder, "my_race"),
        "utk": save(conv_model(5, end="dense_softmax"), folder, "my_utk"),
        "logits": save(conv_model(7, end="logits"), folder, "my_logits"),
    }
    (folder / "utk_map.json").write_text(json.dumps({**UTK_MAP, "Others": None}))
    files["utk_map"] = folder / "utk_map.json"
    return files


def fresh_bundle(untrained_bundle: Path, folder: Path) -> Path:
    """A copy of the untrained test bundle: add writes into it."""
    shutil.copytree(untrained_bundle.parent, folder)
    return folder / "manifest.json"


def add(manifest: Path, file: Path, name: str, *extra: str, labels: tuple[str, ...] | list[str] = RACE) -> int:
    return cli(["models", "add", str(file), "--name", name, "--task", "race", "--labels", ",".join(labels),
                "--manifest", str(manifest), *extra])  # fmt: skip


@pytest.fixture(scope="module")
def added(own: dict[str, Path], untrained_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle with the person's race model (as "mine") and UTKFace-labelled model (as "utk") added."""
    manifest = fresh_bundle(untrained_bundle, tmp_path_factory.mktemp("served") / "models")
    assert add(manifest, own["race"], "mine") == 0
    assert add(manifest, own["utk"], "utk", "--label-map", str(own["utk_map"]), labels=UTK) == 0
    return manifest


# ------------------------------------------------------------------------------------------ add


@pytest.mark.slow
def test_add_copies_the_file_and_writes_its_entry_and_card(added: Path, own: dict[str, Path], untrained_bundle: Path):
    data = json.loads(added.read_text())
    before = json.loads(untrained_bundle.read_text())["models"]
    assert data["models"][: len(before)] == before  # the bundle's entries as they were
    mine = next(m for m in data["models"] if m["name"] == "mine")
    assert mine["architecture"] == "keras" and mine["file"] == "mine.keras" and mine["labels"] == list(RACE)
    assert (mine["input_size"], mine["preprocessing"], mine["gradcam_layer"]) == (64, "raw", "conv2")
    supplied = mine["supplied"]
    assert supplied["sha256"] == file_sha256(own["race"]) == file_sha256(added.parent / "mine.keras")
    assert supplied["from"] == str(own["race"].resolve()) and "@" in supplied["by"] and supplied["at"]
    checks = supplied["checks"]
    assert checks["gradcam_layer_from"] == "found" and checks["ig_completeness_error"] < 0.05
    card = (added.parent / "mine.md").read_text()
    assert "A model you supplied" in card and "conv2" in card and "0..255" in card
    utk = next(m for m in data["models"] if m["name"] == "utk")
    assert utk["label_map"] == {**{k: [v] if isinstance(v, str) else v for k, v in UTK_MAP.items()}, "Others": []}
    assert "Its labels in FairFace's terms" in (added.parent / "utk.md").read_text()


@pytest.mark.slow
def test_a_model_with_a_nested_backbone_is_added_with_its_inner_layers(untrained_bundle: Path, tmp_path: Path):
    """keras.applications backbones sit inside a classifier as a nested model; Grad-CAM reads their layers."""
    from facexai.explain.options import ExplainMethod
    from facexai.models.manifest import load_manifest
    from facexai.models.registry import ModelRegistry

    keras.utils.set_random_seed(11)
    inner_in = keras.Input((48, 48, 3))
    y = layers.Conv2D(8, 3, activation="relu", name="inner_conv0")(inner_in)
    backbone = keras.Model(inner_in, layers.Conv2D(8, 3, activation="relu", name="inner_conv1")(y), name="backbone")
    inputs = keras.Input((48, 48, 3))
    x = layers.GlobalAveragePooling2D()(backbone(layers.Rescaling(1 / 255)(inputs)))
    nested = save(keras.Model(inputs, layers.Dense(2, activation="softmax")(x)), tmp_path, "nested")
    manifest = fresh_bundle(untrained_bundle, tmp_path / "models")
    assert cli(["models", "add", str(nested), "--name", "nested", "--task", "gender", "--labels", "Male,Female",
                "--manifest", str(manifest)]) == 0  # fmt: skip
    spec = load_manifest(manifest).get("nested")
    assert spec.gradcam_layer == "inner_conv1" and spec.input_size == 48
    loaded = ModelRegistry.from_manifest(load_manifest(manifest), ["nested"]).get("nested")
    chip = loaded.prepare_batch([known_chip(48)])
    expected = np.asarray(keras.saving.load_model(nested)(chip))
    assert np.allclose(loaded.predict(chip), expected, atol=1e-6)  # the flattened graph computes the same
    assert loaded.explain(ExplainMethod.grad_cam, chip, [0])[0].heatmap.shape == (44, 44)


@pytest.mark.slow
def test_list_and_remove(added: Path, tmp_path: Path, capsys):
    manifest = fresh_bundle(added, tmp_path / "models")
    assert cli(["models", "list", "--manifest", str(manifest)]) == 0
    out = capsys.readouterr().out
    assert "mine" in out and "yours, added" in out and "(label map)" in out
    assert cli(["models", "remove", "race", "--manifest", str(manifest)]) == 2
    assert "bundle's models" in capsys.readouterr().err
    assert cli(["models", "remove", "mine", "--manifest", str(manifest)]) == 0
    assert not (manifest.parent / "mine.keras").exists() and not (manifest.parent / "mine.md").exists()
    assert "mine" not in [m["name"] for m in json.loads(manifest.read_text())["models"]]


# ------------------------------------------------------------------------------------------ refusals


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def target(untrained_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_bundle(untrained_bundle, tmp_path_factory.mktemp("refusals") / "models")


def refused(capsys, manifest: Path, file: Path, *extra: str, labels: tuple[str, ...] | list[str] = RACE) -> str:
    """Run add, expecting a refusal: exit 2, the folder byte for byte as it was; returns the message."""
    before = snapshot(manifest.parent)
    assert add(manifest, file, "refused", *extra, labels=labels) == 2
    assert snapshot(manifest.parent) == before
    err = capsys.readouterr().err
    assert "nothing was written" in err
    return err


def test_refuses_a_file_that_does_not_load(target: Path, tmp_path: Path, capsys):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"not a zip archive")
    assert "broken.keras does not load with Keras" in refused(capsys, target, bad)
    savedmodel = tmp_path / "saved_model"
    savedmodel.mkdir()
    err = refused(capsys, target, savedmodel)
    assert "a TensorFlow SavedModel?" in err and "TFSMLayer" in err and "save the model as .keras" in err


def test_refuses_an_output_that_is_not_a_probability_vector_of_its_labels(target: Path, own: dict[str, Path], capsys):
    err = refused(capsys, target, own["race"], labels=UTK)
    assert "not a probability vector of 5 classes" in err and "(7,)" in err
    err = refused(capsys, target, own["logits"])
    assert "not a probability vector" in err and "needs --logits" in err
    err = refused(capsys, target, own["race"], "--logits")
    assert "already is a probability vector" in err and "leave out --logits" in err


def test_refuses_an_input_that_is_not_an_image(target: Path, tmp_path: Path, capsys):
    inputs = keras.Input((128,))
    flat = save(keras.Model(inputs, layers.Dense(7, activation="softmax")(inputs)), tmp_path, "vector")
    assert "the input shape is not an image: (128,)" in refused(capsys, target, flat)


def test_refuses_a_model_no_layer_of_which_can_serve_grad_cam(target: Path, tmp_path: Path, capsys):
    inputs = keras.Input((32, 32, 3))
    x = layers.Flatten(name="flatten")(layers.Rescaling(1 / 255)(inputs))
    dense = save(keras.Model(inputs, layers.Dense(7, activation="softmax")(x)), tmp_path, "dense")
    assert "no layer can serve Grad-CAM" in refused(capsys, target, dense)
    err = refused(capsys, target, dense, "--gradcam-layer", "flatten")
    assert "--gradcam-layer 'flatten': its output is not 4-D" in err
    assert "no such layer" in refused(capsys, target, dense, "--gradcam-layer", "nowhere")


def test_refuses_a_model_that_is_not_differentiable_end_to_end(target: Path, tmp_path: Path, capsys):
    keras.utils.set_random_seed(3)
    rounded = save(conv_model(7, stem=[StraightThroughRound()]), tmp_path, "rounded")
    err = refused(capsys, target, rounded)
    assert "Integrated Gradients' completeness fails on the known chip" in err
    assert "not differentiable end to end" in err and "over the service's 5% and 0.01" in err


def test_refuses_a_name_taken_and_a_label_map_that_does_not_fit(target: Path, own: dict[str, Path], tmp_path, capsys):
    before = snapshot(target.parent)
    assert cli(["models", "add", str(own["race"]), "--name", "race", "--task", "race", "--labels",
                ",".join(RACE), "--manifest", str(target)]) == 2  # fmt: skip
    assert "already has a model named 'race'" in capsys.readouterr().err and snapshot(target.parent) == before
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"Asian": "Asian"}))
    err = refused(capsys, target, own["utk"], "--label-map", str(wrong), labels=UTK)
    assert "'Asian' -> ['Asian']: not FairFace race label(s)" in err


# ------------------------------------------------------------------------------------------ served


def chip_png(size: int = 150) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(known_chip(size)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def served(added: Path):
    settings = Settings(
        models_manifest=added, frontend_dist=Path("/nonexistent"), ig_steps=8, warm_up=False, load_in_background=False
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def analysis(served) -> dict:
    r = served.post("/analyze", params={"align": "false"}, files={"file": ("chip.png", chip_png(), "image/png")})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.slow
def test_served_listed_and_explained_with_both_methods(served, analysis):
    assert served.get("/health").json()["status"] == "ok"
    models = {m["name"]: m for m in served.get("/models").json()["models"]}
    assert models["mine"]["user_supplied"] is True and models["race"]["user_supplied"] is False
    assert "A model you supplied" in models["mine"]["card_markdown"]
    assert models["utk"]["label_map"]["Asian"] == ["East Asian", "Southeast Asian"]
    assert models["utk"]["label_map"]["Others"] == [] and models["mine"]["label_map"] is None
    face = analysis["faces"][0]
    for name, labels in (("mine", list(RACE)), ("utk", UTK)):
        assert list(face["predictions"][name]["probabilities"]) == labels
        explanation = face["explanations"][name]
        assert explanation["grad_cam"]["image"] and explanation["integrated_gradients"]["image"]
    follow = served.get(f"/analyses/{analysis['analysis_id']}/faces/0/explanations/utk", params={"target": "Others"})
    assert follow.status_code == 200 and follow.json()["target"] == "Others"


@pytest.mark.slow
def test_compared_with_a_bundle_model_directly_and_through_its_label_map(served, analysis):
    url = f"/analyses/{analysis['analysis_id']}/faces/0/compare"
    same = served.get(url, params={"models": ["race", "mine"], "target": "Indian", "reference": False})
    assert same.status_code == 200, same.text
    assert same.json()["targets"] == {"race": "Indian", "mine": "Indian"}
    mapped = served.get(url, params={"models": ["race", "utk"], "target": "Southeast Asian", "method": "grad_cam"})
    assert mapped.status_code == 200, mapped.text
    body = mapped.json()
    assert body["targets"] == {"race": "Southeast Asian", "utk": "Asian"} and body["models"] == ["race", "utk"]
    assert "its map explains “Asian”" in body["summary"]
    back = served.get(url, params={"models": ["utk", "race"], "target": "Asian"}).json()
    assert back["targets"]["race"] in ("East Asian", "Southeast Asian")


@pytest.mark.slow
def test_models_whose_labels_do_not_map_onto_each_other_are_not_compared(served, analysis):
    url = f"/analyses/{analysis['analysis_id']}/faces/0/compare"
    for params, words in (
        ({"models": ["gender", "utk"]}, "different tasks"),
        ({"models": ["utk", "race"], "target": "Others"}, "“Others” is unmapped"),
        ({"models": ["race", "utk"], "target": "Latino_Hispanic"}, "utk has no label that stands for"),
    ):
        r = served.get(url, params=params)
        assert (r.status_code, r.json()["code"]) == (422, "models_not_comparable"), r.text
        assert words in r.json()["detail"]


@pytest.mark.slow
def test_analyze_cli_reads_the_service_manifest_and_compares(added: Path, tmp_path: Path, monkeypatch, capsys):
    photo = tmp_path / "chip.png"
    photo.write_bytes(chip_png())
    monkeypatch.setenv("FACEXAI_MODELS_MANIFEST", str(added))
    monkeypatch.setenv("FACEXAI_IG_STEPS", "8")
    out = tmp_path / "out"
    assert cli(["analyze", str(photo), "--no-align", "--explain", "grad_cam", "--out", str(out),
                "--compare", "race", "utk"]) == 0  # fmt: skip
    assert "mine" in json.loads((out / "analysis.json").read_text())["models"]
    comparison = json.loads((out / "comparison.json").read_text())[0]
    assert comparison["models"] == ["race", "utk"] and (out / comparison["difference_image"]).is_file()
    assert cli(["analyze", str(photo), "--no-align", "--out", str(out), "--compare", "gender", "utk"]) == 2
    assert "models_not_comparable" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ degraded


@pytest.mark.slow
def test_a_model_that_fails_to_load_does_not_take_the_others_down(added: Path, tmp_path: Path, monkeypatch, capsys):
    manifest = fresh_bundle(added, tmp_path / "models")
    data = json.loads(manifest.read_text())
    mine = next(m for m in data["models"] if m["name"] == "mine")
    data["models"].append({**mine, "name": "mine_none", "preprocessing": "none"})  # the trial's manifest
    data["models"].append({**mine, "name": "mine_gone", "file": "gone.keras"})
    (manifest.parent / "utk.keras").write_bytes((manifest.parent / "mine.keras").read_bytes())  # not what was added
    manifest.write_text(json.dumps(data))
    settings = Settings(
        models_manifest=manifest, frontend_dist=Path("/nonexistent"), warm_up=False, load_in_background=False
    )
    with TestClient(create_app(settings)) as c:
        health = c.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        failed = health.json()["failed"]
        assert set(failed) == {"mine_none", "mine_gone", "utk"}
        assert "unknown preprocessing 'none'" in failed["mine_none"]
        assert "gone.keras" in failed["mine_gone"] and "not the file that was added" in failed["utk"]
        assert "mine" in health.json()["models"] and c.get("/models").json()["failed"] == failed
        r = c.post("/analyze", params={"align": "false", "explain": "none"}, files={"file": ("c.png", chip_png())})
        assert r.status_code == 200 and "mine" in r.json()["models"] and "utk" not in r.json()["models"]
    # facexai serve starts too, saying what it will not serve
    monkeypatch.setenv("FACEXAI_MODELS_MANIFEST", str(manifest))
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    from facexai.service.settings import get_settings

    get_settings.cache_clear()
    try:
        assert cli(["serve"]) == 0
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "not served: model 'mine_none': unknown preprocessing 'none'" in err and "gone.keras" in err


# ------------------------------------------------------------------------------------------ label maps


def test_a_label_map_is_checked_against_the_labels_and_the_task():
    assert normalise(UTK_MAP, UTK, "race")["Others"] == []
    with pytest.raises(LabelMapError, match="does not have"):
        normalise({"Purple": "White"}, UTK, "race")
    with pytest.raises(LabelMapError, match="not FairFace race label"):
        normalise({"Asian": "Asian"}, UTK, "race")
    with pytest.raises(LabelMapError, match="no FairFace labels to map onto"):
        normalise({"yes": "Male"}, ["yes", "no"], "smiling")


def test_the_audit_reads_a_mapped_model_in_fairface_terms():
    view = audit_view(UTK, "race", normalise(UTK_MAP, UTK, "race"))
    assert view is not None and not view.identity
    assert view.labels == ["White", "Black", "East Asian / Southeast Asian", "Indian", "(unmapped)"]
    assert view.truth["Southeast Asian"] == view.truth["East Asian"] == 2 and "Latino_Hispanic" not in view.truth
    probs = np.array([[0.1, 0.2, 0.3, 0.15, 0.25]])
    assert np.allclose(view.project(probs), probs)  # one column per label here: nothing summed
    ages = [str(a) for a in range(20, 40)]
    age_view = audit_view(ages, "age", normalise({a: ("20-29" if int(a) < 30 else "30-39") for a in ages}, ages, "age"))
    assert age_view is not None and age_view.labels == ["20-29", "30-39"]
    assert np.allclose(age_view.project(np.full((1, 20), 0.05)), [[0.5, 0.5]])
    assert audit_view(["yes", "no"], "smiling", None) is None
    assert audit_view(list(reversed(RACE)), "race", None).identity  # FairFace's labels in another order


def test_two_models_relate_only_through_labels_that_map_onto_each_other():
    race = ("race", "race", list(RACE), None)
    utk = ("utk", "race", UTK, normalise(UTK_MAP, UTK, "race"))
    assert relate(race, utk).counterparts("Southeast Asian") == ["Asian"]
    assert relate(utk, race).counterparts("Asian") == ["East Asian", "Southeast Asian"]
    with pytest.raises(LabelMapError, match="no label map to FairFace's race labels"):
        relate(race, ("raw", "race", UTK, None))
    with pytest.raises(LabelMapError, match="different tasks"):
        relate(race, ("gender", "gender", ["Male", "Female"], None))


# ------------------------------------------------------------------------------------------ audit


@pytest.mark.slow
def test_audit_refuses_a_pair_that_does_not_map_onto_each_other_and_reads_the_service_manifest(
    added: Path, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setenv("FACEXAI_MODELS_MANIFEST", str(added))
    labels = tmp_path / "labels.csv"
    labels.write_text("file,age,gender,race\n")
    args = ["audit", "--labels", str(labels), "--images", str(tmp_path), "--out", str(tmp_path / "a"), "--no-progress"]
    assert cli([*args, "--compare", "gender", "utk"]) == 2
    out = capsys.readouterr().out
    assert "--compare gender utk: they predict different labels" in out and "have different tasks" in out
    assert cli([*args, "--models", "nobody"]) == 2
    assert f"the manifest {added} has" in capsys.readouterr().out


@pytest.mark.slow
def test_audited_on_a_few_chips_with_a_bundle_model(added: Path, tmp_path: Path):
    pytest.importorskip("ray", reason="ray is not installed (make install)")
    from test_audit import write_set  # tests/ is on the path (pytest, rootdir without __init__)

    labels = write_set(tmp_path / "faces", per_race=2, bad_rows=False)
    manifest = fresh_bundle(added, tmp_path / "models")  # with a model of a task of its own, too
    keras.utils.set_random_seed(5)
    smiling = save(conv_model(2), tmp_path, "smiling")
    assert cli(["models", "add", str(smiling), "--name", "smiling", "--task", "smiling", "--labels", "no,yes",
                "--manifest", str(manifest)]) == 0  # fmt: skip
    out = tmp_path / "audit"
    assert cli(["audit", "--manifest", str(manifest), "--labels", str(labels), "--images", str(tmp_path / "faces"),
                "--out", str(out), "--models", "race", "mine", "utk", "smiling", "--compare", "race", "utk",
                "--ig-steps", "4", "--bootstrap", "100", "--permutations", "100", "--workers", "1",
                "--no-progress"]) == 0  # fmt: skip
    audit = json.loads((out / "audit.json").read_text())
    assert set(audit["models"]) == {"race", "mine", "utk"}
    assert audit["models"]["mine"]["user_supplied"] is True and audit["models"]["mine"]["n"] == 14
    utk = audit["models"]["utk"]
    assert utk["classes"] == ["White", "Black", "East Asian / Southeast Asian", "Indian", "(unmapped)"]
    assert utk["unmapped_faces"] == 4 and utk["n"] == 10  # Latino_Hispanic and Middle Eastern: no label of its own
    assert audit["comparison"]["a"] == "race" and audit["comparison"]["b"] == "utk"
    shares = audit["predictions_only"]["smiling"]  # no smiling label in the set: predictions per race
    assert "smiling" not in audit["models"] and shares["n"] == 14 and shares["by_race"]["White"]["n"] == 2
    assert sum(v["share"] for v in shares["by_race"]["White"]["predicted"].values()) == pytest.approx(1.0)
    page = (out / "audit.html").read_text()
    assert "utk" in page and "smiling: predictions by race" in page
