"""Named input transforms shared by training and serving.

A manifest entry names its transform; training and the service call the same function, so
a model never sees pixels scaled differently from how it was trained. Each transform is plain
arithmetic, valid on numpy arrays and on any Keras backend's tensors, and maps uint8-range RGB
pixels (0..255, float or int) to the model's input space.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def resnet_v2(x: Any) -> Any:
    """Scale 0..255 to -1..1, as keras.applications.resnet_v2.preprocess_input does."""
    return x / 127.5 - 1.0


def unit(x: Any) -> Any:
    """Scale 0..255 to 0..1."""
    return x / 255.0


def dlib(x: Any) -> Any:
    """0..255 as it is: dlib's face ResNet folds its normalisation into its first convolution."""
    return x * 1.0


PREPROCESSORS: dict[str, Callable[[Any], Any]] = {"resnet_v2": resnet_v2, "unit": unit, "dlib": dlib}


def get_preprocessor(name: str) -> Callable[[Any], Any]:
    try:
        return PREPROCESSORS[name]
    except KeyError:
        raise ValueError(f"unknown preprocessing {name!r}; expected one of {sorted(PREPROCESSORS)}") from None


def preprocess(name: str, x: Any) -> Any:
    return get_preprocessor(name)(x)
