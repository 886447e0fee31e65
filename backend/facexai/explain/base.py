"""What every explanation method shares (TensorFlow): the forward pass, one call shape, one result type.

Every method is an :class:`Explainer` with ``explain(x, targets, options) -> list[Attribution]``
and is registered in ``facexai.explain.EXPLAINERS``; callers look methods up there instead of
branching on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import keras
import numpy as np
import tensorflow as tf

from facexai.explain.options import ExplainMethod, IGOptions


@dataclass
class Attribution:
    """One image's explanation of one class, whatever the method."""

    method: ExplainMethod
    target: int
    probabilities: np.ndarray  # (classes,): the model's output at the image, from the same computation
    heatmap: (
        np.ndarray
    )  # (h, w) float32: signed IG summed over channels at input resolution; Grad-CAM >= 0 at its layer's
    elapsed_ms: float
    #: IG only: F(x), F(baseline) of the explained output and |sum(heatmap) - (F(x) - F(b))| / |F(x) - F(b)|
    score_input: float | None = None
    score_baseline: float | None = None
    completeness_error: float | None = None
    completeness_error_abs: float | None = None  # |sum(heatmap) - (F(x) - F(b))|, in the output's units
    #: how it was computed: {"layer": ...} for Grad-CAM; {"steps", "rule", "output"} for IG
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def probability(self) -> float:
        return float(self.probabilities[self.target])


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


class Forward:
    """One model's forward pass: ``forward(x) -> (feature maps, logits, probabilities)``, built once per
    model and shared by its predictions, every explainer and the faithfulness scores.

    ``x`` is a batch in the model's (preprocessed) input space. ``feature_layer`` (Grad-CAM's layer)
    adds that layer's output; without it the feature maps are None.
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
        batch = tf.TensorSpec([None, *self.input_shape], tf.float32)
        self._probabilities = tf.function(lambda x: self(x)[2], input_signature=[batch])

    def __call__(self, x: tf.Tensor) -> tuple[tf.Tensor | None, tf.Tensor, tf.Tensor]:
        outs = self._aux(x, training=False)
        if self.feature_layer is None:
            features, logits, probs = None, outs[0], outs[1]
        else:
            features, logits, probs = outs
        if self._project is not None:
            logits = self._project(logits)
        return features, tf.cast(logits, tf.float32), tf.cast(probs, tf.float32)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The model's probabilities (N, classes) for a batch (N, H, W, C), preprocessed: one compiled call."""
        return self._probabilities(tf.constant(np.asarray(x, np.float32))).numpy()


class Explainer:
    """An explanation method over a model's shared :class:`Forward`. Subclasses set ``method`` and
    implement ``explain``. Given a bare Keras model, an explainer builds its own Forward."""

    method: ClassVar[ExplainMethod]

    def __init__(self, model: keras.Model | Forward, feature_layer: str | None = None) -> None:
        self.forward = model if isinstance(model, Forward) else Forward(model, feature_layer)
        if feature_layer is not None and self.forward.feature_layer != feature_layer:
            raise ValueError(f"this Forward has feature layer {self.forward.feature_layer!r}, not {feature_layer!r}")
        self.model = self.forward.model
        self.num_classes = self.forward.num_classes
        self.input_shape = self.forward.input_shape

    def explain(
        self, x: np.ndarray, targets: np.ndarray | list[int] | None = None, options: IGOptions | None = None
    ) -> list[Attribution]:
        """Explain a batch ``x`` (N, H, W, C), preprocessed: one Attribution per image.

        ``targets`` holds one class index per image, or -1 for the top class (None: all top).
        ``options`` configures the methods that take any (IG); others ignore it.
        """
        raise NotImplementedError

    def check_batch(self, x: np.ndarray, targets: np.ndarray | list[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """(x as float32, targets as int32 with -1 for the top class), or ValueError."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"expected a batch of shape (N, {', '.join(map(str, self.input_shape))}), got {x.shape}")
        t = np.full(len(x), -1, np.int32) if targets is None else np.asarray(targets, np.int32)
        if t.shape != (len(x),):
            raise ValueError("need one target per image")
        if np.any(t >= self.num_classes):
            raise ValueError(f"target out of range for {self.num_classes} classes")
        return x, t
