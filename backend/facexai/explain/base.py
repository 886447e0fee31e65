"""The forward pass every explanation method shares (TensorFlow)."""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


def _logits_tensor(model: keras.Model) -> tuple[Any, Any]:
    """Return (tensor, projection): logits = projection(tensor).

    Our architectures name their pre-softmax layer ``logits``; a foreign model whose last layer
    is a softmax Dense gets its logits recomputed from that layer's input and weights.
    """
    try:
        return model.get_layer("logits").output, None
    except ValueError:
        pass
    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense) and getattr(last.activation, "__name__", "") == "softmax":
        kernel, bias = last.kernel, last.bias

        def project(h: tf.Tensor) -> tf.Tensor:
            out = tf.matmul(h, tf.convert_to_tensor(kernel))
            return out + tf.convert_to_tensor(bias) if bias is not None else out

        return last.input, project
    raise ValueError(f"model {model.name!r} has no 'logits' layer and does not end in a softmax Dense layer")


class Explainer:
    """Owns the forward pass: ``forward(x) -> (feature maps, logits, probabilities)``.

    ``x`` is a batch in the model's (preprocessed) input space.
    """

    def __init__(self, model: keras.Model, feature_layer: str | None = None) -> None:
        self.model = model
        logits, self._project = _logits_tensor(model)
        outputs = [logits, model.outputs[0]]
        self.feature_layer = feature_layer
        if feature_layer is not None:
            outputs.insert(0, model.get_layer(feature_layer).output)
        self._aux = keras.Model(model.inputs, outputs)
        self.num_classes = int(model.outputs[0].shape[-1])
        shape = model.inputs[0].shape
        self.input_shape = (int(shape[1]), int(shape[2]), int(shape[3]))

    def forward(self, x: tf.Tensor) -> tuple[tf.Tensor | None, tf.Tensor, tf.Tensor]:
        outs = self._aux(x, training=False)
        if self.feature_layer is None:
            features, logits, probs = None, outs[0], outs[1]
        else:
            features, logits, probs = outs
        if self._project is not None:
            logits = self._project(logits)
        return features, tf.cast(logits, tf.float32), tf.cast(probs, tf.float32)
