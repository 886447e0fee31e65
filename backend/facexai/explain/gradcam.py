"""Grad-CAM (Selvaraju et al., 2017) as one compiled TensorFlow function.

Returns the class-activation map at the feature layer's resolution, together with the
probabilities from the same forward pass, so predictions and Grad-CAM cost one call.
Upsampling and colouring belong to :mod:`facexai.explain.render`.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from facexai.explain.base import Attribution, Explainer, Forward
from facexai.explain.options import ExplainMethod, IGOptions


class GradCam(Explainer):
    method = ExplainMethod.grad_cam

    def __init__(self, model: keras.Model | Forward, layer: str) -> None:
        super().__init__(model, feature_layer=layer)
        self.layer = layer
        batch = tf.TensorSpec([None, *self.input_shape], tf.float32)
        targets = tf.TensorSpec([None], tf.int32)
        self._run = tf.function(self._run_impl, input_signature=[batch, targets])

    def _run_impl(self, x, targets):
        with tf.GradientTape() as tape:
            features, logits, probs = self.forward(x)
            # a negative target means "the top class", decided inside the same pass
            chosen = tf.where(targets < 0, tf.argmax(probs, axis=-1, output_type=tf.int32), targets)
            scores = tf.gather(logits, chosen, axis=1, batch_dims=1)
        grads = tape.gradient(scores, features)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
        cams = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1))
        return probs, self._fold_mirror(cams, tf.shape(x)[0]), chosen

    @staticmethod
    def _fold_mirror(cams, n):
        """A model that averages each image with its mirror image (facexai.models.dlib_tasks) has feature
        maps for both views, (2N, h, w): flip the mirrored view's maps back and average them."""

        def fold():
            return (cams[:n] + tf.reverse(cams[n:], axis=[2])) / 2.0

        return tf.cond(tf.shape(cams)[0] == 2 * n, fold, lambda: cams)

    def maps(
        self, x: np.ndarray, targets: np.ndarray | list[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a batch ``x`` (N, H, W, C), preprocessed: (probabilities (N, classes), maps (N, h, w), targets (N,)).

        ``targets`` holds one class index per image, or -1 (the default) for the top class.
        The maps are >= 0; a map with no positive evidence is all zeros, never NaN.
        """
        x, t = self.check_batch(x, targets)
        probs, cams, chosen = self._run(tf.constant(x), tf.constant(t))
        cams = np.nan_to_num(cams.numpy(), nan=0.0, posinf=0.0, neginf=0.0)
        return probs.numpy(), cams, chosen.numpy()

    def explain(
        self, x: np.ndarray, targets: np.ndarray | list[int] | None = None, options: IGOptions | None = None
    ) -> list[Attribution]:
        """Grad-CAM of every image of the batch in one pass; ``options`` does not apply."""
        started = time.perf_counter()
        probs, cams, chosen = self.maps(x, targets)
        each_ms = (time.perf_counter() - started) * 1000 / max(len(cams), 1)
        return [
            Attribution(
                method=self.method,
                target=int(k),
                probabilities=p,
                heatmap=cam,
                elapsed_ms=each_ms,
                details={"layer": self.layer},
            )
            for p, cam, k in zip(probs, cams, chosen, strict=True)
        ]
