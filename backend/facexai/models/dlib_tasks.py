"""The served models built on dlib's face ResNet: dlib's weights from the installed package, then
the weights training changed from a ``.npz`` in models/, then one task's head.

A weights file maps ``"<layer>/kernel"`` and ``"<layer>/bias"`` to arrays: backbone layers by
their :mod:`facexai.models.dlib_resnet` names (only those that training changed) and heads as
``"<head>_logits/kernel"``. Layers absent from the file keep dlib's original weights.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from facexai.models.dlib_resnet import INPUT_SIZE, DatNetwork, backbone_graph, read_dat, verified_dat_path
from facexai.models.manifest import DLIB_RESNET

ARCHITECTURE = DLIB_RESNET
#: Grad-CAM reads the 8x8x128 stage (see docs/training.md for the measurement that chose it)
GRADCAM_LAYER = "res10_relu"
PREPROCESSING = "dlib"

_NETWORKS: dict[str, DatNetwork] = {}


def dlib_network(expected_sha256: str | None) -> DatNetwork:
    """The parsed .dat, checked against ``expected_sha256`` and parsed once per process."""
    key = expected_sha256 or ""
    if key not in _NETWORKS:
        _NETWORKS[key] = read_dat(verified_dat_path(expected_sha256))
    return _NETWORKS[key]


def read_weights(path: Path | str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: np.asarray(data[k], np.float32) for k in data.files}


def heads_in(weights: dict[str, np.ndarray]) -> list[str]:
    return sorted({k.split("/")[0][: -len("_logits")] for k in weights if k.split("/")[0].endswith("_logits")})


def apply_backbone_weights(layers: Any, weights: dict[str, np.ndarray]) -> list[str]:
    """Set every backbone layer the file names; returns their names."""
    changed = []
    for layer in layers:
        kernel = weights.get(f"{layer.name}/kernel")
        if kernel is None:
            continue
        layer.set_weights([kernel, weights[f"{layer.name}/bias"]])
        changed.append(layer.name)
    return changed


@functools.cache
def mirror_layers() -> tuple[type, type]:
    """The MirrorPair and MirrorMean layer classes, defined on first use (no Keras at import)."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable("facexai")
    class MirrorPair(layers.Layer):
        """(N, H, W, C) -> (2N, H, W, C): the images, then their mirror images."""

        def call(self, x: Any) -> Any:
            return ops.concatenate([x, ops.flip(x, axis=2)], axis=0)

        def compute_output_shape(self, shape: tuple) -> tuple:
            return (None if shape[0] is None else 2 * shape[0], *shape[1:])

    @keras.saving.register_keras_serializable("facexai")
    class MirrorMean(layers.Layer):
        """(2N, K) -> (N, K): the mean of each image's row and its mirror image's row."""

        def call(self, y: Any) -> Any:
            n = ops.shape(y)[0] // 2
            return (y[:n] + y[n:]) / 2.0

        def compute_output_shape(self, shape: tuple) -> tuple:
            return (None if shape[0] is None else shape[0] // 2, *shape[1:])

    return MirrorPair, MirrorMean


def build_task_model(
    net: DatNetwork,
    weights: dict[str, np.ndarray],
    head: str,
    input_size: int = INPUT_SIZE,
    name: str | None = None,
    mirror: bool = True,
) -> Any:
    """RGB 0..255 -> ``logits`` -> ``probabilities`` (softmax), one flat functional model.

    With ``mirror`` the network sees each image and its mirror image in one batch and ``logits``
    is the mean of the two (test-time averaging inside the model, so explanations explain
    exactly what is served); Grad-CAM's feature maps then hold both views (facexai.explain.grad_cam).
    """
    import keras
    from keras import layers

    if f"{head}_logits/kernel" not in weights:
        raise ValueError(f"the weights file has no head {head!r}; it has {heads_in(weights)}")
    inputs = keras.Input((input_size, input_size, 3), name="rgb")
    pair, mean = mirror_layers()
    x = pair(name="mirror_pair")(inputs) if mirror else inputs
    features, made = backbone_graph(net, x)
    apply_backbone_weights(made.values(), weights)
    kernel, bias = weights[f"{head}_logits/kernel"], weights[f"{head}_logits/bias"]
    dense = layers.Dense(kernel.shape[1], name="head" if mirror else "logits")
    logits = dense(features)
    dense.set_weights([kernel, bias])
    if mirror:
        logits = mean(name="logits")(logits)
    probs = layers.Activation("softmax", name="probabilities", dtype="float32")(logits)
    return keras.Model(inputs, probs, name=name or head)
