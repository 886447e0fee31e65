"""The sanity checks of the maps (facexai.evaluation.audit.sanity) on models whose answer is known: a
network whose IG map is the input's edges whatever its weights must fail the randomisation check, a
linear model's IG must pass it; the similarity rules for constant maps; and, on the untrained bundle,
the shape of ``sanity`` in audit.json (slow: Ray)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import numpy as np
import pytest

from facexai.evaluation.audit import sanity
from facexai.evaluation.audit.sanity import (
    DLIB_BLOCKS,
    FAIL_ABOVE,
    Block,
    Randomisable,
    SanityOptions,
    blocks_of,
    other_class,
    sanity_batch,
    section,
    similarity,
)

SIZE = 24
CLASSES = 3


def test_similarity_of_a_map_with_itself_and_with_constant_maps() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((32, 32))
    same = similarity(a, a * 3.0)
    assert same["spearman"] == pytest.approx(1.0) and same["ssim"] == pytest.approx(1.0)
    assert same["hog"] == pytest.approx(1.0)
    other = similarity(a, rng.random((32, 32)))
    assert abs(other["spearman"]) < 0.2 and other["ssim"] < 0.5
    # a constant trained map: nothing to compare, left out (NaN here, n reduced in the summary)
    assert all(np.isnan(v) for v in similarity(np.zeros((32, 32)), a).values())
    # a constant map after randomisation kept nothing: 0, never NaN
    assert similarity(a, np.zeros((32, 32))) == {"spearman": 0.0, "ssim": 0.0, "hog": 0.0}


def test_summary_leaves_out_constant_trained_maps_and_counts_constant_others_as_zero() -> None:
    arrays = {
        "files": np.array(["a", "b", "c", "d"]),
        "ig_logit_spearman": np.array([np.nan, 0.0, 0.5, 0.7]),
        "ig_logit_ssim": np.array([np.nan, 0.0, 0.4, 0.6]),
        "ig_logit_hog": np.array([np.nan, 0.0, 0.3, 0.5]),
    }
    for measure in sanity.MEASURES:
        arrays[f"ig_cascading_{measure}"] = np.array([[np.nan], [0.0], [0.1], [0.2]])
    result = section({"m": arrays}, {"m": [Block("head", ("logits",))]}, n_boot=200)["m"]
    assert list(result) == ["integrated_gradients"]
    logit = result["integrated_gradients"]["random_logit"]
    assert logit["n"] == 3 and logit["constant_maps"] == 1
    assert logit["spearman"]["mean"] == pytest.approx(0.4)
    step = result["integrated_gradients"]["cascading"][0]
    assert step["n"] == 3 and step["layers"] == ["logits"]
    for measure in sanity.MEASURES:
        v = step[measure]
        assert v["ci_low"] <= v["mean"] <= v["ci_high"] and all(np.isfinite(list(v.values())))


def test_the_dlib_blocks_cover_every_convolution_once() -> None:
    layers = [name for _, names in DLIB_BLOCKS for name in names]
    convs = [n for n in layers if n.startswith("conv")]
    assert sorted(convs) == sorted(f"conv{i}" for i in range(1, 30))
    assert DLIB_BLOCKS[0][0] == "head"  # top first


def test_the_other_class_is_another_class_and_fixed_by_the_file() -> None:
    for target in range(CLASSES):
        draws = {other_class(f"val/{i}.jpg", target, CLASSES, 0) for i in range(50)}
        assert target not in draws and draws <= set(range(CLASSES)) and len(draws) == CLASSES - 1
    assert other_class("val/7.jpg", 1, 2, 0) == 0
    assert other_class("val/7.jpg", 2, 7, 3) == other_class("val/7.jpg", 2, 7, 3)


# ------------------------------------------------------------------------------- the known answers


def _edges_model():
    """logits = Dense(Dense(sum of the input's squared Sobel edges)): every weight multiplies one scalar of a
    fixed function of the input, so the IG map is that function's map (the edges) times a number, whatever
    the weights."""
    import keras
    import tensorflow as tf

    class Edges(keras.layers.Layer):
        def call(self, x):
            edges = tf.image.sobel_edges(tf.reduce_mean(x, axis=-1, keepdims=True))
            return tf.reduce_sum(tf.square(edges), axis=[1, 2, 3, 4])[:, None] / 100.0

    x_in = keras.Input((SIZE, SIZE, 3))
    h = keras.layers.Dense(4, name="mix")(Edges(name="edges")(x_in))
    logits = keras.layers.Dense(CLASSES, name="logits")(h)
    probs = keras.layers.Activation("softmax", name="probabilities")(logits)
    return keras.Model(x_in, probs)


def _linear_model(seed: int = 0):
    """logits = W . x + b, its "trained" weights smooth blobs (one per class): IG of a logit from a black
    baseline is exactly x * W[:, class]."""
    import keras

    keras.utils.set_random_seed(seed)
    x_in = keras.Input((SIZE, SIZE, 3))
    logits = keras.layers.Dense(CLASSES, name="logits")(keras.layers.Flatten(name="flat")(x_in))
    model = keras.Model(x_in, keras.layers.Activation("softmax", name="probabilities")(logits))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    centres = [(0.3, 0.3), (0.7, 0.4), (0.5, 0.75)]
    blobs = [np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 0.02) for cy, cx in centres]
    kernel = np.stack([np.repeat(b[:, :, None], 3, axis=2).ravel() for b in blobs], axis=1).astype(np.float32)
    model.get_layer("logits").set_weights([kernel, np.zeros(CLASSES, np.float32)])
    return model


def _subject(model) -> Randomisable:
    from facexai.explain.integrated_gradients import IntegratedGradients
    from facexai.explain.options import IGOptions

    ig = IntegratedGradients(model)
    options = IGOptions(steps=16, rule="gauss_legendre", output="logit")

    def maps(method: str, batch: np.ndarray, targets: list[int]) -> list[np.ndarray]:
        return [np.abs(a.heatmap) for a in ig.explain(batch, targets, options)]

    return Randomisable(model, blocks_of(model), maps, lambda b: model.predict(b, verbose=0))


def _faces(n: int = 8, seed: int = 1) -> np.ndarray:
    """Images with structure (a bright square on noise) and no pixel near zero."""
    rng = np.random.default_rng(seed)
    batch = rng.uniform(0.5, 1.0, (n, SIZE, SIZE, 3)).astype(np.float32)
    for i in range(n):
        y, x = rng.integers(2, SIZE - 10, 2)
        batch[i, y : y + 8, x : x + 8] += 1.0
    return batch


def _check(model) -> dict:
    subject = _subject(model)
    before = [w.copy() for w in model.get_weights()]
    files = [f"face{i}.png" for i in range(8)]
    arrays = sanity_batch(subject, files, _faces(), SanityOptions(methods=("integrated_gradients",)))
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)), "the trained weights come back"
    assert arrays["ig_cascading_spearman"].shape == (8, len(subject.blocks))
    assert arrays["ig_maps"].shape == (8, len(subject.blocks) + 1, sanity.SMALL, sanity.SMALL)
    return section({"m": arrays}, {"m": subject.blocks}, n_boot=300)["m"]["integrated_gradients"]


def test_a_map_that_ignores_the_weights_fails() -> None:
    result = _check(_edges_model())
    assert [s["block"] for s in result["cascading"]] == ["head", "mix"]
    for step in [*result["cascading"], *result["independent"]]:
        assert step["spearman"]["mean"] > 0.99 and step["spearman"]["ci_low"] > FAIL_ABOVE
    assert result["passes"] is False
    assert "survives randomising every weight" in result["summary"]


def test_a_linear_models_integrated_gradients_pass() -> None:
    result = _check(_linear_model())
    assert [s["block"] for s in result["cascading"]] == ["head"]
    step = result["cascading"][-1]
    assert step["n"] == 8 and step["spearman"]["ci_high"] < FAIL_ABOVE
    assert result["passes"] is True and result["random_logit_passes"] is True
    assert "depends on what the model learned" in result["summary"]


def test_randomise_is_seeded_and_changes_only_the_named_layers() -> None:
    model = _edges_model()
    trained = {layer.name: [w.copy() for w in layer.get_weights()] for layer in model.layers if layer.weights}
    sanity.randomise(model, ["logits"], seed=5)
    first = [w.copy() for w in model.get_layer("logits").get_weights()]
    assert not np.array_equal(first[0], trained["logits"][0])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_layer("mix").get_weights(), trained["mix"], strict=True))
    model.get_layer("logits").set_weights(trained["logits"])
    sanity.randomise(model, ["logits"], seed=5)
    assert np.array_equal(model.get_layer("logits").get_weights()[0], first[0])


# ------------------------------------------------------------------------------------ in the audit


@pytest.mark.slow
def test_audit_sanity_writes_the_section(untrained_bundle: Path, tmp_path: Path) -> None:
    from test_audit import write_set  # tests/ is on the path (pytest, rootdir without __init__)

    from facexai.commands import main as cli

    labels = write_set(tmp_path / "faces", per_race=1, bad_rows=False)
    out = tmp_path / "audit"
    bundle = shutil.copytree(untrained_bundle.parent, tmp_path / "bundle") / untrained_bundle.name
    args = [
        "audit", "--manifest", str(bundle), "--labels", str(labels), "--images", str(tmp_path / "faces"),
        "--out", str(out), "--models", "race", "gender", "--explain", "race", "--ig-steps", "2",
        "--ig-rule", "midpoint", "--bootstrap", "100", "--permutations", "100", "--no-progress", "--workers", "1",
        "--sanity", "--sanity-modes", "cascading", "--store-sanity",
    ]  # fmt: skip
    assert cli(args) == 0
    data = json.loads((out / "audit.json").read_text())
    assert set(data["sanity"]) == {"race", "gender"}
    for methods in data["sanity"].values():
        assert set(methods) == {"integrated_gradients", "grad_cam"}
        for r in methods.values():
            assert r["cascading"] and "independent" not in r
            for step in [*r["cascading"], r["random_logit"]]:
                assert isinstance(step["n"], int) and step["n"] <= 7
                for measure in ("spearman", "ssim"):
                    v = step[measure]
                    assert set(v) == {"mean", "ci_low", "ci_high"}
                    assert all(isinstance(x, float) for x in v.values())
            for k, step in enumerate(r["cascading"]):
                assert len(step["layers"]) >= k + 1
    assert data["sanity_settings"]["modes"] == ["cascading"]
    html = (out / "audit.html").read_text()
    assert "Do the maps depend on the model?" in html and html.count("data:image/png") >= 2
    stored = json.loads((bundle.parent / "sanity.json").read_text())
    assert set(stored["models"]) == {"race", "gender"}
    # a second run computes nothing: the shards are keyed by weights and options
    runs = (out / "runs.jsonl").read_text().splitlines()
    assert cli(args) == 0
    assert (out / "runs.jsonl").read_text().splitlines() == runs


@pytest.mark.slow
def test_one_public_domain_faces_maps_at_each_step(untrained_bundle: Path, images_dir: Path) -> None:
    from types import SimpleNamespace

    from facexai.explain.options import IGOptions

    config = SimpleNamespace(
        manifest=untrained_bundle,
        sanity_face=images_dir / "grace_hopper.jpg",
        seed=0,
        ig=IGOptions(steps=2, rule="midpoint"),
    )
    maps = sanity.face_maps(config, ["race"])["race"]
    assert set(maps) == {"ig_maps", "gc_maps"}
    assert maps["ig_maps"].shape == (6, sanity.SMALL, sanity.SMALL)  # trained + the lean model's 5 blocks
    assert np.isfinite(maps["ig_maps"].astype(np.float32)).all()


def test_the_bundles_sanity_json_is_what_get_models_serves(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from facexai.api.schemas import ModelSanity
    from facexai.explain.options import IGOptions
    from facexai.models.manifest import Manifest
    from facexai.models.sanity import FILE_NAME, load_sanity

    rng = np.random.default_rng(0)
    arrays = {"files": np.array([f"f{i}" for i in range(6)])}
    for p in ("ig", "gc"):
        for measure in sanity.MEASURES:
            arrays[f"{p}_logit_{measure}"] = rng.uniform(0, 0.4, 6)
            arrays[f"{p}_cascading_{measure}"] = rng.uniform(0, 0.4, (6, 2))
    blocks = [Block("head", ("head",)), Block("conv28-29", ("conv28", "conv29"))]
    sections = section({"race": arrays}, {"race": blocks}, n_boot=100)
    config = SimpleNamespace(
        labels=Path("val.csv"), limit=40, population=1, seed=0, ig=IGOptions(), sanity_modes=("cascading",)
    )
    manifest = Manifest([], root=tmp_path)
    assert load_sanity(manifest) == {}
    (tmp_path / FILE_NAME).write_text(json.dumps(sanity.bundle_file(config, sections)))
    served = load_sanity(manifest)["race"]
    assert served["faces"] == 6 and served["fail_above"] == FAIL_ABOVE
    info = ModelSanity.model_validate(served)
    assert info.integrated_gradients is not None and info.grad_cam is not None
    assert [s.block for s in info.integrated_gradients.cascading] == ["head", "conv28-29"]
    assert info.integrated_gradients.passes and info.integrated_gradients.summary.startswith("after randomising")


def test_the_committed_sanity_run_covers_every_served_model_and_method() -> None:
    """models/sanity.json (facexai audit --sanity --store-sanity, docs/sanity.md): at least 50 val faces for
    every model POST /analyze runs, both methods, a step per block."""
    from facexai.api.schemas import ModelSanity
    from facexai.models.manifest import load_manifest
    from facexai.models.sanity import load_sanity

    root = Path(__file__).resolve().parents[1] / "models"
    if not (root / "manifest.json").is_file():
        pytest.skip("no model bundle committed in models/")
    manifest = load_manifest(root / "manifest.json")
    served = load_sanity(manifest)
    for spec in manifest.models:
        if spec.on_request:
            continue
        result = ModelSanity.model_validate(served[spec.name])
        assert result.faces >= 50, spec.name
        for method in (result.integrated_gradients, result.grad_cam):
            assert method is not None and len(method.cascading) == len(DLIB_BLOCKS)
            assert method.random_logit.n >= 50 and method.summary
