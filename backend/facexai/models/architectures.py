"""From-scratch model definitions (the seed's and a lean one), Keras 3 only and backend-agnostic.

Every architecture ends in a linear Dense layer named ``logits`` followed by a softmax
``Activation`` named ``probabilities``, so explanations can take either output, and names the
layer Grad-CAM should use in :data:`GRADCAM_LAYER`.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

#: architecture -> the layer Grad-CAM reads (the last convolutional feature maps before pooling)
GRADCAM_LAYER: dict[str, str] = {"seed": "block4_relu", "lean": "block4_relu"}
#: the ResNet50V2 layer the seed's stem stops at (its layers [:14])
STEM_OUTPUT = "conv2_block1_2_relu"


def _stem(input_size: int, weights: str | None, freeze: bool) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    base = keras.applications.ResNet50V2(include_top=False, weights=weights, input_shape=(input_size, input_size, 3))
    if freeze:
        for layer in base.layers[:14]:
            layer.trainable = False
    return base.input, base.get_layer(STEM_OUTPUT).output


def _trunk(x: keras.KerasTensor) -> keras.KerasTensor:
    """The seed's four blocks: [Conv 3x3 x2 -> BatchNorm -> ReLU -> MaxPool 2]."""
    for i, filters in enumerate((64, 128, 128, 256), start=1):
        x = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv1")(x)
        x = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv2")(x)
        x = layers.BatchNormalization(name=f"block{i}_bn")(x)
        x = layers.Activation("relu", name=f"block{i}_relu")(x)
        x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    return x


def _outputs(x: keras.KerasTensor, num_classes: int) -> keras.KerasTensor:
    x = layers.Dense(num_classes, name="logits")(x)
    return layers.Activation("softmax", name="probabilities", dtype="float32")(x)


def build_seed(
    num_classes: int, input_size: int = 224, weights: str | None = None, freeze_stem: bool | None = None
) -> keras.Model:
    """The seed's model: ResNet50V2 layers [:14], four conv blocks, Flatten and a 1024-256-128 head.

    4,191,367 parameters for 7 classes at 224. The seed froze an ImageNet stem; ImageNet weights
    cannot be downloaded here, so ``weights`` defaults to None and the stem then trains.
    """
    freeze = bool(weights) if freeze_stem is None else freeze_stem
    inputs, x = _stem(input_size, weights, freeze)
    x = _trunk(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(1024, activation="relu", name="fc1")(x)
    x = layers.Dropout(0.7, name="dropout")(x)
    x = layers.BatchNormalization(name="fc1_bn")(x)
    x = layers.Dense(256, activation="relu", name="fc2")(x)
    x = layers.BatchNormalization(name="fc2_bn")(x)
    x = layers.Dense(128, activation="relu", name="fc3")(x)
    x = layers.BatchNormalization(name="fc3_bn")(x)
    return keras.Model(inputs, _outputs(x, num_classes), name="seed")


def build_lean(
    num_classes: int,
    input_size: int = 224,
    weights: str | None = None,
    freeze_stem: bool | None = None,
    dropout: float = 0.5,
) -> keras.Model:
    """The seed's convolutional trunk with a global-average-pooled head: ~1.8 M parameters, ~7 MB.

    The seed's Flatten -> Dense 1024 holds 2.4 M of its 4.2 M weights; pooling removes them and
    makes the model independent of the input size's remainder after four poolings.
    """
    freeze = bool(weights) if freeze_stem is None else freeze_stem
    inputs, x = _stem(input_size, weights, freeze)
    x = _trunk(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(256, activation="relu", name="fc1")(x)
    x = layers.BatchNormalization(name="fc1_bn")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, _outputs(x, num_classes), name="lean")


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {"seed": build_seed, "lean": build_lean}


def build_model(architecture: str, num_classes: int, input_size: int = 224, **kwargs: object) -> keras.Model:
    try:
        builder = ARCHITECTURES[architecture]
    except KeyError:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of {sorted(ARCHITECTURES)}") from None
    return builder(num_classes, input_size=input_size, **kwargs)
