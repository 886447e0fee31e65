"""dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) as a Keras 3 network.

The file ships in the ``face-recognition-models`` package (public domain, Davis King); it is
read from the installed package, never downloaded and never copied into this repository.

Two parts:

* :func:`read_dat` parses dlib's serialization of ``anet_type`` (examples/dnn_face_recognition_ex.cpp)
  into plain numpy layer descriptions. dlib writes each layer's version number from the output
  end inwards, then every layer's details from the input outwards; the parser consumes the file
  exactly and fails loudly otherwise.
* :func:`build_backbone` builds the Keras network from them: input RGB in 0..255, the input
  normalisation ``(x - mean) / 256`` and every ``affine`` (a frozen batch norm) folded into the
  convolutions, so the network is 29 convolutions with biases, ReLUs, pools and 14 residual adds.

Layer names are stable, so trained weights can be stored per layer: ``conv1`` … ``conv29``,
``res1_relu`` … ``res14_relu`` (each residual block's output), ``gap`` and ``descriptor``.
The stages end at ``res3_relu`` (35x35x32), ``res7_relu`` (17x17x64), ``res10_relu`` (8x8x128),
``res13_relu`` (4x4x256) and ``res14_relu`` (2x2x256).
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.checksums import file_sha256

#: the pinned package that ships the weights, and the file inside it
PACKAGE = "face-recognition-models"
PACKAGE_VERSION = "0.3.0"
DAT_FILE = "dlib_face_recognition_resnet_model_v1.dat"
#: sha256 of DAT_FILE in face-recognition-models 0.3.0
DAT_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
#: the chip size the network was trained on (get_face_chip(size=150, padding=0.25))
INPUT_SIZE = 150
#: the residual block outputs that end each stage, with their resolution at 150 px
STAGE_OUTPUTS: dict[str, str] = {
    "35x35x32": "res3_relu",
    "17x17x64": "res7_relu",
    "8x8x128": "res10_relu",
    "4x4x256": "res13_relu",
    "2x2x256": "res14_relu",
}
#: layers of the stem and the first stage (conv1..conv7): kept at dlib's weights when frozen
FROZEN_STEM = tuple(f"conv{i}" for i in range(1, 8))


class BackboneError(RuntimeError):
    """The backbone's weights file is missing, altered or unreadable."""


def dat_path() -> Path:
    """The .dat inside the installed face-recognition-models package, found without importing it
    (its ``__init__`` imports ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise BackboneError(
            f"the {PACKAGE} package is not installed; install it with "
            f"`pip install {PACKAGE}=={PACKAGE_VERSION}` (or `make install`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / DAT_FILE
    if not path.is_file():
        raise BackboneError(f"{path} is missing; reinstall {PACKAGE}=={PACKAGE_VERSION}")
    return path


def verified_dat_path(expected_sha256: str | None) -> Path:
    """:func:`dat_path`, refusing a file whose sha256 differs from ``expected_sha256`` (when given)."""
    path = dat_path()
    if expected_sha256:
        actual = file_sha256(path)
        if actual != expected_sha256:
            raise BackboneError(
                f"{path} has sha256 {actual}, but the manifest was trained on {expected_sha256}; "
                f"install `{PACKAGE}=={PACKAGE_VERSION}`"
            )
    return path


# ---------------------------------------------------------------------------- the .dat format


class _Reader:
    """dlib/serialize.h primitives over one bytes object."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def integer(self) -> int:
        control = self.data[self.pos]
        self.pos += 1
        size = control & 0x0F
        if size > 8:
            raise BackboneError(f"bad integer control byte {control:#x} at {self.pos - 1}")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "little")
        self.pos += size
        return -value if control & 0x80 else value

    def boolean(self) -> bool:
        char = self.data[self.pos : self.pos + 1]
        self.pos += 1
        if char not in (b"0", b"1"):
            raise BackboneError(f"bad bool {char!r} at {self.pos - 1}")
        return char == b"1"

    def real(self) -> float:
        mantissa = self.integer()
        exponent = self.integer()
        return float(mantissa * 2.0**exponent)

    def string(self) -> str:
        n = self.integer()
        text = self.data[self.pos : self.pos + n].decode("ascii")
        self.pos += n
        return text

    def tensor(self) -> np.ndarray:
        version = self.integer()
        if version != 2:
            raise BackboneError(f"tensor version {version} at {self.pos}; expected 2")
        shape = tuple(self.integer() for _ in range(4))
        count = int(np.prod(shape))
        if self.pos + 4 * count > len(self.data):
            raise BackboneError("file ends inside a tensor")
        array = np.frombuffer(self.data, "<f4", count, self.pos).reshape(shape).copy()
        self.pos += 4 * count
        return array

    def alias_shape(self) -> tuple[int, ...]:
        version = self.integer()
        if version != 1:
            raise BackboneError(f"alias_tensor version {version}; expected 1")
        return tuple(self.integer() for _ in range(4))


@dataclass
class Layer:
    """One layer of the network, input side first. ``kind`` is dlib's, with the tag/skip number."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class DatNetwork:
    mean_rgb: tuple[float, float, float]
    layers: list[Layer]

    @property
    def float_count(self) -> int:
        return sum(int(v.size) for layer in self.layers for v in layer.params.values() if isinstance(v, np.ndarray))


def _anet_kinds() -> list[str]:
    """anet_type's layers from the output inwards (the loss layer excluded)."""

    def block() -> list[str]:  # affine<con<relu<affine<con<tag1<...
        return ["affine", "con", "relu", "affine", "con", "tag1"]

    def res() -> list[str]:
        return ["relu", "add_prev1", *block()]

    def res_down() -> list[str]:
        return ["relu", "add_prev2", "avg_pool", "skip1", "tag2", *block()]

    kinds = ["fc", "avg_pool"]
    kinds += res_down()  # level0: 256 at 2x2
    kinds += res() + res() + res_down()  # level1: 256 at 4x4
    kinds += res() + res() + res_down()  # level2: 128 at 8x8
    kinds += res() + res() + res() + res_down()  # level3: 64 at 17x17
    kinds += res() + res() + res()  # level4: 32 at 35x35
    kinds += ["max_pool", "relu", "affine", "con"]
    return kinds


def _details(r: _Reader, kind: str) -> dict[str, Any]:
    tag = r.string()
    d: dict[str, Any] = {}
    if kind == "con":
        if tag not in ("con_4", "con_5", "con_6"):
            raise BackboneError(f"unsupported convolution version {tag!r}")
        params = r.tensor().ravel()
        d["filters_n"], d["nr"], d["nc"] = r.integer(), r.integer(), r.integer()
        d["stride"] = (r.integer(), r.integer())
        d["padding"] = (r.integer(), r.integer())
        fshape = r.alias_shape()
        r.alias_shape()
        for _ in range(4):  # learning-rate and weight-decay multipliers
            r.real()
        use_bias = r.boolean() if tag in ("con_5", "con_6") else True
        if tag == "con_6":
            r.boolean()
        n = int(np.prod(fshape))
        d["filters"] = params[:n].reshape(fshape)  # (out, in, kh, kw)
        d["bias"] = params[n : n + fshape[0]] if use_bias else np.zeros(fshape[0], np.float32)
    elif kind == "affine":
        if tag not in ("affine_", "affine_2"):
            raise BackboneError(f"unsupported affine version {tag!r}")
        params = r.tensor().ravel()
        gshape = r.alias_shape()
        r.alias_shape()
        r.integer()  # mode
        if tag == "affine_2":
            r.boolean()
        k = int(np.prod(gshape))
        d["gamma"], d["beta"] = params[:k], params[k : 2 * k]
    elif kind == "relu":
        if tag == "relu_2":
            r.boolean()
    elif kind in ("max_pool", "avg_pool"):
        d["nr"], d["nc"] = r.integer(), r.integer()
        d["stride"] = (r.integer(), r.integer())
        d["padding"] = (r.integer(), r.integer())
    elif kind == "add_prev":
        if tag != "add_prev_":
            raise BackboneError(f"unsupported add_prev version {tag!r}")
    elif kind == "fc":
        d["outputs"], d["inputs"] = r.integer(), r.integer()
        params = r.tensor().ravel()
        r.alias_shape()
        r.alias_shape()
        r.integer()  # bias mode
        for _ in range(4):
            r.real()
        use_bias = r.boolean() if tag == "fc_3" else True
        n = d["inputs"] * d["outputs"]
        d["weights"] = params[:n].reshape(d["inputs"], d["outputs"])
        d["bias"] = params[n:] if use_bias and params.size > n else None
    else:
        raise BackboneError(f"unknown layer kind {kind!r}")
    return d


def read_dat(path: Path | str) -> DatNetwork:
    """Parse the .dat into layers (input side first); the whole file must be consumed."""
    r = _Reader(Path(path).read_bytes())
    if r.integer() != 1:
        raise BackboneError(f"{path}: not a dlib loss_metric network")
    r.string(), r.real(), r.real()  # loss_metric_ version, margin, distance threshold
    kinds = _anet_kinds()
    versions = [r.integer() for _ in kinds]
    input_tag = r.string()
    if not input_tag.startswith("input_rgb_image"):
        raise BackboneError(f"{path}: unexpected input layer {input_tag!r}")
    mean = (r.real(), r.real(), r.real())
    if input_tag == "input_rgb_image_sized":
        r.integer(), r.integer()
    details: list[Layer | None] = [None] * len(kinds)

    def trailer(version: int, innermost: bool = False) -> None:
        for _ in range(3):
            r.boolean()
        r.tensor()  # x_grad
        r.tensor()  # cached_output
        if innermost:
            r.tensor()  # grad_final
            if version >= 3:
                r.integer()
        elif version == 2:
            r.tensor()  # params_grad

    details[-1] = Layer("con", _details(r, "con"))
    trailer(versions[-1], innermost=True)
    for i in range(len(kinds) - 2, -1, -1):
        kind = kinds[i]
        if kind.startswith(("tag", "skip")):
            details[i] = Layer(kind)
            continue
        base = "add_prev" if kind.startswith("add_prev") else kind
        details[i] = Layer(kind, _details(r, base))
        trailer(versions[i])
    if r.pos != len(r.data):
        raise BackboneError(f"{path}: {len(r.data) - r.pos} bytes left after the network")
    layers = [layer for layer in reversed(details) if layer is not None]
    return DatNetwork(mean, layers)


# ---------------------------------------------------------------------------- the Keras network


def _folded_weights(net: DatNetwork) -> list[tuple[str, dict[str, Any], list[np.ndarray]]]:
    """Each convolution with the affine after it folded in (and the input normalisation folded
    into the first one), as (kind, geometry, [kernel (kh, kw, in, out), bias]) in input order;
    ``fc`` gives the descriptor's [kernel]. Other layers pass through with an empty list."""
    mean = np.asarray(net.mean_rgb, np.float64)
    out: list[tuple[str, dict[str, Any], list[np.ndarray]]] = []
    layers = net.layers
    first = True
    i = 0
    while i < len(layers):
        layer = layers[i]
        p = layer.params
        if layer.kind == "con":
            w = p["filters"].transpose(2, 3, 1, 0).astype(np.float64)
            b = p["bias"].astype(np.float64)
            if first:  # (x - mean) / 256 is exact to fold: the first convolution has no padding
                if p["padding"] != (0, 0):
                    raise BackboneError("the first convolution is padded; the input normalisation cannot be folded")
                b = b - np.einsum("hwio,i->o", w, mean) / 256.0
                w = w / 256.0
                first = False
            if i + 1 < len(layers) and layers[i + 1].kind == "affine":
                gamma = layers[i + 1].params["gamma"].astype(np.float64)
                beta = layers[i + 1].params["beta"].astype(np.float64)
                w, b = w * gamma, b * gamma + beta
                i += 1
            out.append(("con", p, [w.astype(np.float32), b.astype(np.float32)]))
        elif layer.kind == "affine":
            raise BackboneError("an affine layer that follows no convolution")
        elif layer.kind == "fc":
            weights = [p["weights"]] + ([p["bias"]] if p["bias"] is not None else [])
            out.append(("fc", p, weights))
        else:
            out.append((layer.kind, p, []))
        i += 1
    return out


@functools.cache
def pad_add_layer() -> type:
    """The PadAdd layer class, defined on first use so importing this module needs no Keras."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable("facexai")
    class PadAdd(layers.Layer):
        """dlib's add_prev: ``a + b`` where the smaller tensor is zero-padded at the end of each of
        height, width and channels (dlib's down blocks add 3x3 to 4x4 and 1x1 to 2x2)."""

        def call(self, a: Any, b: Any) -> Any:
            target = [max(x, y) for x, y in zip(a.shape[1:], b.shape[1:], strict=True)]

            def pad(t: Any) -> Any:
                widths = [[0, 0]] + [[0, int(goal - have)] for have, goal in zip(t.shape[1:], target, strict=True)]
                return ops.pad(t, widths) if any(w[1] for w in widths) else t

            return pad(a) + pad(b)

        def compute_output_shape(self, a_shape: tuple, b_shape: tuple) -> tuple:
            return (a_shape[0], *(max(x, y) for x, y in zip(a_shape[1:], b_shape[1:], strict=True)))

    return PadAdd


def backbone_graph(net: DatNetwork, x: Any, with_descriptor: bool = False) -> tuple[Any, dict[str, Any]]:
    """Apply the network to the symbolic tensor ``x`` (RGB 0..255), dlib's weights set on every
    layer; returns (the 256-D ``gap`` tensor, or the 128-D ``descriptor``; the layers by name)."""
    from keras import layers

    pad_add = pad_add_layer()
    tags: dict[str, Any] = {}
    made: dict[str, Any] = {}

    def add(layer: Any, *args: Any) -> Any:
        made[layer.name] = layer
        return layer(*args)

    n_conv = n_res = 0
    pending_add = False
    for kind, p, weights in _folded_weights(net):
        if kind == "con":
            n_conv += 1
            py, px = p["padding"]
            if p["stride"] == (1, 1) and (py, px) == (p["nr"] // 2, p["nc"] // 2):
                padding = "same"
            else:
                if py or px:
                    x = add(layers.ZeroPadding2D((py, px), name=f"conv{n_conv}_pad"), x)
                padding = "valid"
            conv = layers.Conv2D(
                p["filters_n"], (p["nr"], p["nc"]), strides=p["stride"], padding=padding, name=f"conv{n_conv}"
            )
            x = add(conv, x)
            conv.set_weights(weights)
        elif kind == "relu":
            name = f"res{n_res}_relu" if pending_add else f"relu{n_conv}"
            pending_add = False
            x = add(layers.ReLU(name=name), x)
        elif kind == "max_pool":
            x = add(layers.MaxPooling2D((p["nr"], p["nc"]), p["stride"], "valid", name="stem_pool"), x)
        elif kind == "avg_pool":
            if p["nr"] == 0:  # avg_pool_everything
                x = add(layers.GlobalAveragePooling2D(name="gap"), x)
            else:
                pool = layers.AveragePooling2D((p["nr"], p["nc"]), p["stride"], "valid", name=f"res{n_res + 1}_pool")
                x = add(pool, x)
        elif kind.startswith("tag"):
            tags[kind[3:]] = x
        elif kind.startswith("skip"):
            x = tags[kind[4:]]
        elif kind.startswith("add_prev"):
            n_res += 1
            x = add(pad_add(name=f"res{n_res}_add"), x, tags[kind[8:]])
            pending_add = True
        elif kind == "fc":
            if not with_descriptor:
                break
            fc = layers.Dense(p["outputs"], use_bias=len(weights) > 1, name="descriptor")
            x = add(fc, x)
            fc.set_weights(weights)
        else:
            raise BackboneError(f"cannot build layer kind {kind!r}")
    return x, made


def build_backbone(
    net: DatNetwork, input_size: int = INPUT_SIZE, with_descriptor: bool = False, name: str = "dlib_face_resnet_v1"
) -> Any:
    """The Keras model: RGB 0..255 (input_size, input_size, 3) -> 256-D ``gap`` (or the 128-D
    ``descriptor`` when ``with_descriptor``), with dlib's weights set."""
    import keras

    x_in = keras.Input((input_size, input_size, 3), name="rgb")
    out, _ = backbone_graph(net, x_in, with_descriptor)
    return keras.Model(x_in, out, name=name)
