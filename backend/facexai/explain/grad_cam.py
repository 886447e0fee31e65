"""Grad-CAM (Selvaraju et al., 2017): the method whole (``METHOD``).

The explainer is one compiled TensorFlow function: it returns the class-activation map at the feature
layer's resolution, together with the probabilities from the same forward pass, so predictions and
Grad-CAM cost one call. ``GradCamMethod`` says the rest: the pictures (upsampled bilinearly, divided by
the maximum, ``jet``), the map compared across models (divided by its maximum), the faithfulness
ranking and the audit's reduction (both of the map upsampled bilinearly).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import keras
import numpy as np
import tensorflow as tf

from facexai.explain import render
from facexai.explain.base import Attribution, Explainer, Faithfulness, Forward, Method, Png
from facexai.explain.options import ExplainMethod, IGOptions

if TYPE_CHECKING:
    from facexai.explain import ExplainerConfig


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


@dataclass
class GradCamResult:
    image: Png
    heatmap: Png
    layer: str
    max_value: float
    elapsed_ms: float
    faithfulness: Faithfulness | None = None  # when asked for


class GradCamMethod(Method):
    name = ExplainMethod.grad_cam
    colours = "jet"
    short = "gc"
    result = GradCamResult

    def build(self, forward: Forward, config: ExplainerConfig) -> Explainer:
        return GradCam(forward, config.gradcam_layer)

    def picture(self, attribution: Attribution, chip: np.ndarray) -> GradCamResult:
        """Grad-CAM over ``chip``, divided by its maximum."""
        t = time.perf_counter()
        size = chip.shape[0]
        unit, peak = render.gradcam_unit(attribution.heatmap, (size, size))
        return GradCamResult(
            image=render.to_png(render.overlay(chip, unit, self.colours)),
            heatmap=render.to_png(render.heatmap_rgba(unit, self.colours)),
            layer=str(attribution.details["layer"]),
            max_value=peak,
            elapsed_ms=round(attribution.elapsed_ms + (time.perf_counter() - t) * 1000, 2),
        )

    def display_map(self, attribution: Attribution, size: int) -> tuple[np.ndarray, float]:
        """Relu'd and upsampled bilinearly; its top the maximum."""
        up = np.maximum(render.resize_map(attribution.heatmap, (size, size)), 0.0)
        return up, float(up.max()) if up.size else 0.0

    def shared_scale(self, maps: Sequence[tuple[np.ndarray, float]]) -> float:
        """The largest of the maps' maxima."""
        return max((top for _, top in maps), default=0.0)

    def magnitude(self, attribution: Attribution) -> np.ndarray:
        """The map divided by its maximum (its scale is the layer's, not comparable between models)."""
        values = np.maximum(attribution.heatmap, 0)
        peak = float(values.max())
        return values / peak if peak > 0 else values

    def ranking(self, heatmap: np.ndarray) -> np.ndarray:
        return np.maximum(heatmap, 0.0)  # upsampled bilinearly to the input size by the curves

    def audit_map(self, heatmap: np.ndarray, side: int) -> np.ndarray:
        """The map (at its layer's resolution, >= 0) upsampled bilinearly to ``side`` x ``side``."""
        cam = np.maximum(np.asarray(heatmap, np.float32), 0)
        return cv2.resize(cam, (side, side), interpolation=cv2.INTER_LINEAR)


METHOD = GradCamMethod()
