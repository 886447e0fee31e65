"""Integrated Gradients and Grad-CAM checked against their axioms and hand-computed values."""

import keras
import numpy as np
import pytest

from facexai.explain import render
from facexai.explain.grad_cam import GradCam
from facexai.explain.integrated_gradients import IntegratedGradients
from facexai.explain.options import IGOptions


def small_cnn(seed: int = 0, size: int = 16, classes: int = 3) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh", name="features")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, keras.layers.Activation("softmax", name="probabilities")(x))


@pytest.fixture(scope="module")
def cnn() -> keras.Model:
    return small_cnn()


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(1).uniform(-1, 1, (16, 16, 3)).astype(np.float32)


@pytest.mark.parametrize("output", ["logit", "probability"])
def test_ig_completeness_on_a_small_model(cnn, image, output):
    ig = IntegratedGradients(cnn, batch_size=16)
    baseline = np.full_like(image, -1.0)
    result = ig.attribute(image, 1, baseline, IGOptions(steps=64, rule="gauss_legendre", output=output))
    scores = cnn(np.stack([image, baseline])).numpy()[:, 1] if output == "probability" else None
    if scores is not None:
        assert np.isclose(result.score_input, scores[0], atol=1e-5)
        assert np.isclose(result.score_baseline, scores[1], atol=1e-5)
    assert result.completeness_error < 0.01
    assert result.attributions.shape == image.shape


@pytest.mark.parametrize("rule", ["guided", "adaptive"])
def test_probing_rules_are_complete_on_a_small_model(cnn, image, rule):
    result = IntegratedGradients(cnn, batch_size=5).attribute(image, 1, None, IGOptions(32, rule, "probability"))
    assert result.options.steps == 32 and result.options.rule == rule
    assert result.completeness_error < 0.01


def test_ig_completeness_improves_with_steps_for_the_seed_rule(cnn, image):
    ig = IntegratedGradients(cnn)
    coarse = ig.attribute(image, 0, None, IGOptions(4, "left_riemann", "probability")).completeness_error
    fine = ig.attribute(image, 0, None, IGOptions(256, "left_riemann", "probability")).completeness_error
    assert fine < coarse


def test_ig_batched_equals_unbatched(cnn, image):
    one = IntegratedGradients(cnn, batch_size=1).attribute(image, 2, None, IGOptions(20, "midpoint"))
    many = IntegratedGradients(cnn, batch_size=7).attribute(image, 2, None, IGOptions(20, "midpoint"))
    np.testing.assert_allclose(one.attributions, many.attributions, rtol=1e-4, atol=1e-6)
    assert np.isclose(one.score_input, many.score_input)


def test_ig_is_exact_for_a_linear_model():
    inputs = keras.Input((4, 4, 3))
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax")(x))
    x_img = np.random.default_rng(0).normal(size=(4, 4, 3)).astype(np.float32)
    base = np.zeros_like(x_img)
    result = IntegratedGradients(model).attribute(x_img, 1, base, IGOptions(2, "trapezoid", "logit"))
    weights = model.get_layer("logits").kernel.numpy()[:, 1].reshape(4, 4, 3)
    np.testing.assert_allclose(result.attributions, weights * x_img, rtol=1e-4, atol=1e-6)
    assert result.completeness_error < 1e-4


def test_ig_does_not_mutate_inputs_and_handles_x_equal_baseline(cnn, image):
    before = image.copy()
    result = IntegratedGradients(cnn).attribute(image, 0, image, IGOptions(steps=8))
    np.testing.assert_array_equal(image, before)
    assert np.all(result.attributions == 0)
    assert result.completeness_error == 0.0


def test_ig_rejects_bad_targets_and_shapes(cnn, image):
    ig = IntegratedGradients(cnn)
    with pytest.raises(ValueError):
        ig.attribute(image, 3)
    with pytest.raises(ValueError):
        ig.attribute(image[:8], 0)
    with pytest.raises(ValueError):
        IGOptions(output="softmax")


def hand_model(kernel: np.ndarray, dense: np.ndarray) -> keras.Model:
    """input (4x4x2) -> 1x1 conv 'features' with a known kernel -> mean pool -> Dense 'logits' -> softmax."""
    inputs = keras.Input((4, 4, 2))
    features = keras.layers.Conv2D(2, 1, use_bias=False, name="features")
    x = features(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(2, use_bias=False, name="logits")
    x = logits(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax")(x))
    features.set_weights([kernel.reshape(1, 1, 2, 2)])
    logits.set_weights([dense])
    return model


def test_grad_cam_matches_the_hand_computed_map():
    kernel = np.eye(2, dtype=np.float32)  # the feature maps are the input channels
    dense = np.array([[2.0, -1.0], [-3.0, 0.5]], np.float32)  # logit_c = sum_k mean(A_k) * dense[k, c]
    x = np.random.default_rng(3).uniform(0, 1, (1, 4, 4, 2)).astype(np.float32)
    gc = GradCam(hand_model(kernel, dense), "features")
    probs, cams, chosen = gc.maps(x, [0])
    # d logit_0 / d A_k(i, j) = dense[k, 0] / 16, so the channel weights are dense[k, 0] / 16
    expected = np.maximum((x[0] * dense[:, 0] / 16).sum(axis=-1), 0)
    np.testing.assert_allclose(cams[0], expected, rtol=1e-5, atol=1e-7)
    assert chosen[0] == 0
    assert np.isclose(probs.sum(), 1.0)
    _, _cams_top, chosen_top = gc.maps(x)  # -1: the top class
    assert chosen_top[0] == int(np.argmax(probs[0]))


def test_grad_cam_of_zero_gradients_is_zero_not_nan():
    gc = GradCam(hand_model(np.eye(2, dtype=np.float32), np.zeros((2, 2), np.float32)), "features")
    _, cams, _ = gc.maps(np.ones((2, 4, 4, 2), np.float32))
    assert np.all(cams == 0) and not np.isnan(cams).any()
    unit, peak = render.gradcam_unit(cams[0], (8, 8))
    assert peak == 0.0 and np.all(unit == 0) and not np.isnan(unit).any()
    overlay = render.overlay(np.zeros((8, 8, 3), np.uint8), unit)
    assert overlay.shape == (8, 8, 3)


def test_render_scales():
    m = np.array([[0.0, 1.0], [2.0, 100.0]])
    assert render.normalize(m, 0.0).max() == 0.0
    unit = render.ig_magnitude(m, scale=2.0)
    assert unit.max() == 1.0 and unit[0, 1] == 0.5
    signed = render.ig_signed(np.array([[-2.0, 1.0]]), scale=2.0)
    np.testing.assert_allclose(signed, [[-1.0, 0.5]])
    rgba = render.heatmap_rgba(unit)
    assert rgba.shape == (2, 2, 4) and rgba[0, 0, 3] == 0 and rgba[1, 1, 3] == 255


def test_near_zero_attribution_is_invisible():
    """The alpha ramp: transparent below ALPHA_LOW of the scale, opaque from ALPHA_HIGH, monotone between."""
    values = np.linspace(-1.0, 1.0, 401)
    ramp = render.alpha_ramp(values)
    assert np.all(ramp[np.abs(values) <= render.ALPHA_LOW] == 0.0)
    assert np.all(ramp[np.abs(values) >= render.ALPHA_HIGH] == 1.0)
    half = ramp[200:]  # 0 .. 1
    assert np.all(np.diff(half) >= 0) and np.allclose(ramp, ramp[::-1])
    # A map that is faint almost everywhere (like an IG map on its 99th-percentile scale) leaves the
    # face untouched there, in the RGBA heatmap and in the blended overlay alike.
    unit = np.full((4, 4), 0.1, np.float32)
    unit[0, 0] = 1.0
    rgba = render.heatmap_rgba(unit, "inferno")
    assert rgba[..., 3].sum() == 255 and rgba[0, 0, 3] == 255
    face = np.full((4, 4, 3), 128, np.uint8)
    blended = render.overlay(face, unit, "inferno")
    assert np.array_equal(blended[1:, 1:], face[1:, 1:]) and not np.array_equal(blended[0, 0], face[0, 0])
    # signed maps: near-zero (white in RdBu_r) is invisible as well
    assert render.heatmap_rgba(np.array([[-0.05, 0.05]]), "RdBu_r")[..., 3].max() == 0
    np.testing.assert_allclose(render.pool_grid(np.arange(16.0).reshape(4, 4), 2), [[2.5, 4.5], [10.5, 12.5]])


def test_every_method_of_the_table_answers_one_call_shape(cnn, image):
    """One call, one result type: each registered method explains a batch, top class or given ones."""
    from facexai.explain import ExplainerConfig, build_explainers
    from facexai.explain.options import ExplainMethod, IGOptions

    config = ExplainerConfig(gradcam_layer="features", baseline=np.zeros((16, 16, 3), np.float32))
    batch = np.stack([image, -image])
    probs = cnn.predict(batch, verbose=0)
    explainers = build_explainers(cnn, config)
    assert list(explainers) == list(ExplainMethod)
    for method, explainer in explainers.items():
        assert explainer.method == method
        top = explainer.explain(batch, options=IGOptions(steps=16, rule="gauss_legendre"))
        given = explainer.explain(batch, [2, 0], IGOptions(steps=16, rule="gauss_legendre"))
        assert [a.target for a in top] == list(np.argmax(probs, axis=1)), method
        assert [a.target for a in given] == [2, 0], method
        for att, p in zip(given, probs, strict=True):
            assert att.method == method and att.heatmap.ndim == 2
            np.testing.assert_allclose(att.probabilities, p, rtol=1e-5, atol=1e-6)
        with pytest.raises(ValueError, match="one target per image"):
            explainer.explain(batch, [0])
    ig = build_explainers(cnn, config)[ExplainMethod.integrated_gradients].explain(batch[:1], [1])[0]
    # IG's result carries its completeness check, computed from its own heatmap
    delta = ig.score_input - ig.score_baseline
    gap = abs(ig.heatmap.sum(dtype=np.float64) - delta)
    assert ig.completeness_error == pytest.approx(gap / abs(delta), abs=1e-6) and ig.completeness_error < 1e-3
    assert ig.details == {"steps": 64, "rule": "adaptive", "output": "probability"}


def test_the_methods_are_one_list_and_every_name_follows_it():
    """ExplainMethod is the list; METHODS, the API's `explain` modes and the results follow it in its order."""
    import dataclasses
    import typing

    from facexai.api import schemas
    from facexai.explain.methods import METHODS
    from facexai.explain.options import ExplainMethod, ExplainMode
    from facexai.service import results

    assert list(METHODS) == list(ExplainMethod)
    assert all(method.name is name for name, method in METHODS.items())
    assert [m.value for m in ExplainMode] == ["both", *(m.value for m in ExplainMethod), "none"]
    assert schemas.ExplainMode is ExplainMode and ExplainMode.__name__ == "ExplainMode"
    assert ExplainMode("both").methods == frozenset(ExplainMethod) and ExplainMode("none").methods == frozenset()
    assert all(ExplainMode(m.value).methods == {m} for m in ExplainMethod)
    assert len({m.short for m in METHODS.values()}) == len(METHODS)  # the audit's array names do not collide
    # each method's result: a field of the domain's Explanation and of the API's, with the same fields
    domain = typing.get_type_hints(results.Explanation)
    api = schemas.Explanation.model_fields
    names = [m.value for m in ExplainMethod]
    assert [f.name for f in dataclasses.fields(results.Explanation)][2:] == names
    assert [n for n in api if n not in ("target", "target_probability")] == names
    for name, method in METHODS.items():
        assert domain[name.value] == method.result | None
        schema = next(t for t in typing.get_args(api[name.value].annotation) if t is not type(None))
        assert list(schema.model_fields) == [f.name for f in dataclasses.fields(method.result)], name


def test_the_table_refuses_a_module_whose_method_answers_to_another_name(monkeypatch):
    from facexai.explain import grad_cam, methods
    from facexai.explain.options import ExplainMethod

    monkeypatch.setattr(methods.importlib, "import_module", lambda name: grad_cam)
    with pytest.raises(TypeError, match="integrated_gradients"):
        methods._load(ExplainMethod.integrated_gradients)


def _any_attribution(method, rng: np.random.Generator, side: int):
    """An attribution any method can draw: every method's fields filled."""
    from facexai.explain.base import Attribution

    return Attribution(
        method=method,
        target=1,
        probabilities=np.array([0.2, 0.7, 0.1], np.float32),
        heatmap=rng.normal(size=(side, side)).astype(np.float32),
        elapsed_ms=1.0,
        score_input=0.7,
        score_baseline=0.1,
        completeness_error=0.01,
        completeness_error_abs=0.006,
        details={"layer": "features", "steps": 16, "rule": "midpoint", "output": "probability"},
    )


@pytest.mark.parametrize("side", [7, 48])
def test_every_method_provides_every_capability(side):
    """What the service and the audit ask of a method, asked of each: a picture, a map comparable across
    models, one scale for several maps, a pixel ranking, the audit's reduction."""
    import dataclasses

    from facexai.core.regions import REGION_NAMES
    from facexai.explain.base import Method
    from facexai.explain.methods import METHODS

    rng = np.random.default_rng(side)
    chip = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    for name, method in METHODS.items():
        assert isinstance(method, Method) and method.colours in render._LUTS
        att = _any_attribution(name, rng, side)
        result = method.picture(att, chip)
        assert isinstance(result, method.result) and result.faithfulness is None
        pngs = [v for v in dataclasses.asdict(result).values() if isinstance(v, bytes)]
        assert pngs and all(v.startswith(b"\x89PNG") for v in pngs)
        drawn = [method.display_map(att, 32) for _ in range(2)]
        assert drawn[0][0].shape == (32, 32) and np.all(drawn[0][0] >= 0) and drawn[0][1] > 0
        assert method.shared_scale(drawn) > 0
        magnitude = method.magnitude(att)
        assert magnitude.ndim == 2 and np.all(magnitude >= 0) and magnitude.max() > 0
        ranking = method.ranking(att.heatmap)
        assert ranking.shape == att.heatmap.shape and np.isfinite(ranking).all()
        shares, small = method.reduce(att.heatmap, 8)
        assert shares.shape == (len(REGION_NAMES),) and shares.sum() == pytest.approx(1.0)
        assert small.shape == (8, 8) and small.sum() == pytest.approx(1.0)
        zero = dataclasses.replace(att, heatmap=np.zeros_like(att.heatmap))
        assert np.all(method.reduce(zero.heatmap, 8)[0] == 0) and np.all(method.reduce(zero.heatmap, 8)[1] == 0)


def test_ig_options_take_the_names_and_refuse_others():
    from facexai.explain.options import ExplainedOutput, IGOptions, QuadratureRule

    options = IGOptions(steps=8, rule="midpoint", output="logit")
    assert options.rule is QuadratureRule.midpoint and options.output is ExplainedOutput.logit
    assert options.override(rule="adaptive").rule is QuadratureRule.adaptive and options.override().steps == 8
    with pytest.raises(ValueError):
        IGOptions(rule="simpson")
    with pytest.raises(ValueError):
        IGOptions(steps=1)
