"""Named input transforms shared by training and serving.

A manifest entry names its transform; training and the service call the same function, so
a model never sees pixels scaled differently from how it was trained. Each transform is plain
arithmetic, valid on numpy arrays and on any Keras backend's tensors, and maps uint8-range RGB
pixels (0..255, float or int) to the model's input space.

The names a person adding a model picks from (``facexai models add --preprocessing``, docs/your_model.md):
its value range and channel order; the chip is always the service's dlib-aligned face, resized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def resnet_v2(x: Any) -> Any:
    """Scale 0..255 to -1..1, as keras.applications.resnet_v2.preprocess_input does."""
    return x / 127.5 - 1.0


def unit(x: Any) -> Any:
    """Scale 0..255 to 0..1."""
    return x / 255.0


def dlib(x: Any) -> Any:
    """0..255 as it is: dlib's face ResNet folds its normalisation into its first convolution."""
    return x * 1.0


def raw(x: Any) -> Any:
    """0..255 RGB unchanged: a model that scales its input itself (the default of ``facexai models add``)."""
    return x * 1.0


def _bgr(x: Any) -> Any:
    return x[..., ::-1]


def raw_bgr(x: Any) -> Any:
    """0..255, channels in BGR order (OpenCV's)."""
    return _bgr(x) * 1.0


def unit_bgr(x: Any) -> Any:
    """0..1, channels in BGR order."""
    return _bgr(x) / 255.0


def resnet_v2_bgr(x: Any) -> Any:
    """-1..1, channels in BGR order."""
    return _bgr(x) / 127.5 - 1.0


#: ImageNet's mean pixel in BGR order, as keras.applications' "caffe" mode (VGG16, ResNet50, VGGFace) subtracts it
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def caffe(x: Any) -> Any:
    """BGR, 0..255 minus ImageNet's mean pixel: keras.applications' "caffe" mode (VGG16, ResNet50)."""
    return _bgr(x) * 1.0 - np.asarray(CAFFE_MEAN_BGR, dtype=np.float32)


PREPROCESSORS: dict[str, Callable[[Any], Any]] = {
    "resnet_v2": resnet_v2,
    "unit": unit,
    "dlib": dlib,
    "raw": raw,
    "raw_bgr": raw_bgr,
    "unit_bgr": unit_bgr,
    "resnet_v2_bgr": resnet_v2_bgr,
    "caffe": caffe,
}

#: what each name gives the model, for ``--help`` and the model card
DESCRIPTIONS: dict[str, str] = {
    "raw": "RGB, 0..255 unchanged (the model scales its input itself)",
    "dlib": "RGB, 0..255 unchanged (dlib's face ResNet)",
    "unit": "RGB, 0..1",
    "resnet_v2": "RGB, -1..1",
    "raw_bgr": "BGR, 0..255",
    "unit_bgr": "BGR, 0..1",
    "resnet_v2_bgr": "BGR, -1..1",
    "caffe": "BGR, 0..255 minus ImageNet's mean pixel (keras.applications 'caffe' mode)",
}


def get_preprocessor(name: str) -> Callable[[Any], Any]:
    try:
        return PREPROCESSORS[name]
    except KeyError:
        raise ValueError(f"unknown preprocessing {name!r}; expected one of {sorted(PREPROCESSORS)}") from None


def preprocess(name: str, x: Any) -> Any:
    return get_preprocessor(name)(x)
