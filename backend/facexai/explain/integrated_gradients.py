"""Integrated Gradients (Sundararajan et al., 2017): the method whole (``METHOD``).

All interpolation points of one image are processed in batches inside a single
``tf.function`` with a fixed input signature: it is traced once per model, whatever the number
of steps or the rule, so nothing is rebuilt per request. ``IntegratedGradientsMethod`` says the rest:
the pictures (|IG| smoothed, on its 99th percentile, ``inferno``; signed IG in ``RdBu_r``), the map
compared across models (|IG| per unit of F(x) - F(baseline)), the faithfulness ranking and the audit's
reduction (both of the unsmoothed |IG|).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras
import numpy as np
import tensorflow as tf

from facexai.explain import render
from facexai.explain.base import Attribution, Explainer, Faithfulness, Forward, Method, Png
from facexai.explain.options import ExplainedOutput, ExplainMethod, IGOptions, QuadratureRule
from facexai.explain.quadrature import sample

if TYPE_CHECKING:
    from facexai.explain import ExplainerConfig

#: IG's baseline as the API reports it: the black image in pixel space, before preprocessing
BASELINE = "black"


@dataclass
class IGAttribution:
    attributions: np.ndarray  # (H, W, C), in the model's input space
    target: int
    options: IGOptions  # how it was computed: steps, rule, output
    score_input: float
    score_baseline: float
    elapsed_ms: float
    probabilities: np.ndarray  # (classes,): the model's output at x

    @property
    def completeness_error_abs(self) -> float:
        """|sum(attributions) - (F(x) - F(b))|, in the explained output's units."""
        return abs(float(self.attributions.sum(dtype=np.float64)) - (self.score_input - self.score_baseline))

    @property
    def completeness_error(self) -> float:
        """|sum(attributions) - (F(x) - F(b))| / |F(x) - F(b)|; 0 when F(x) == F(b) and the sum is 0."""
        delta = self.score_input - self.score_baseline
        gap = self.completeness_error_abs
        if delta == 0.0:
            return 0.0 if gap == 0.0 else float("inf")
        return gap / abs(delta)

    def heatmap(self) -> np.ndarray:
        """Attributions summed over channels: (H, W), signed."""
        return self.attributions.sum(axis=-1)


class _PathOf:
    """One image's path for the rules that look at it (facexai.explain.quadrature.Path). Gradients
    taken while a rule chooses its points are kept, so the integral reuses them."""

    def __init__(self, ig: IntegratedGradients, x: np.ndarray, b: np.ndarray, target: int, logit: bool) -> None:
        self.ig = ig
        self.args = (tf.constant(x), tf.constant(b))
        self.target, self.logit = tf.constant(target, tf.int32), tf.constant(logit)
        self.delta = x - b
        self.gradients: dict[float, np.ndarray] = {}

    def forward(self, alphas: np.ndarray) -> np.ndarray:
        return self.ig._probe(*self.args, tf.constant(alphas, tf.float32), self.target, self.logit)[0].numpy()

    def slope(self, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slopes, values = [], []
        for start in range(0, len(alphas), self.ig.batch_size):
            chunk = alphas[start : start + self.ig.batch_size]
            g, f = self.ig._gradients(*self.args, tf.constant(chunk, tf.float32), self.target, self.logit)
            g = g.numpy()
            for alpha, gk in zip(chunk, g, strict=True):
                self.gradients[float(alpha)] = gk
            slopes.append(np.tensordot(g, self.delta, axes=3))
            values.append(f.numpy())
        return np.concatenate(slopes), np.concatenate(values)

    def integral(self, alphas: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """IG from the kept gradients, when the rule chose only points it already took them at."""
        if not all(float(a) in self.gradients for a in alphas):
            return None
        total = np.zeros_like(self.delta, dtype=np.float64)
        for alpha, weight in zip(alphas, weights, strict=True):
            total += weight * self.gradients[float(alpha)]
        return (total * self.delta).astype(np.float32)


class IntegratedGradients(Explainer):
    method = ExplainMethod.integrated_gradients

    def __init__(self, model: keras.Model | Forward, batch_size: int = 16, baseline: np.ndarray | None = None) -> None:
        """``baseline``: the reference image ``explain`` integrates from, preprocessed (default all zeros)."""
        super().__init__(model)
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.batch_size = batch_size
        self.baseline = np.zeros(self.input_shape, np.float32) if baseline is None else np.asarray(baseline, np.float32)
        image = tf.TensorSpec(self.input_shape, tf.float32)
        vector = tf.TensorSpec([None], tf.float32)
        scalar_int = tf.TensorSpec([], tf.int32)
        scalar_bool = tf.TensorSpec([], tf.bool)
        self._integrate = tf.function(
            self._integrate_impl, input_signature=[image, image, vector, vector, scalar_int, scalar_bool]
        )
        self._probe = tf.function(self._probe_impl, input_signature=[image, image, vector, scalar_int, scalar_bool])
        self._gradients = tf.function(
            self._gradients_impl, input_signature=[image, image, vector, scalar_int, scalar_bool]
        )

    @staticmethod
    def _path(x, baseline, alphas):
        """The points baseline + alpha (x - baseline), one per alpha."""
        return baseline[None] + alphas[:, None, None, None] * (x - baseline)[None]

    def _scores(self, points, target, use_logit):
        """The explained output (the target's logit or probability) at each point."""
        return self._outputs(points, target, use_logit)[0]

    def _outputs(self, points, target, use_logit):
        """(the explained output at each point, the probabilities at each point)."""
        _, logits, probs = self.forward(points)
        return tf.where(use_logit, logits, probs)[:, target], probs

    def _gradients_at(self, points, target, use_logit):
        with tf.GradientTape() as tape:
            tape.watch(points)
            scores = self._scores(points, target, use_logit)
        return tape.gradient(scores, points), scores

    def _gradients_impl(self, x, baseline, alphas, target, use_logit):
        """Per-point gradients (n, H, W, C) and outputs (n,) along the path, one batch."""
        return self._gradients_at(self._path(x, baseline, alphas), target, use_logit)

    def _probe_impl(self, x, baseline, alphas, target, use_logit):
        """The explained output and the probabilities along the path, forward passes only."""
        return self._outputs(self._path(x, baseline, alphas), target, use_logit)

    def _integrate_impl(self, x, baseline, alphas, weights, target, use_logit):
        n = tf.shape(alphas)[0]
        total = tf.zeros_like(x)
        for start in tf.range(0, n, self.batch_size):
            points = self._path(x, baseline, alphas[start : start + self.batch_size])
            grads, _ = self._gradients_at(points, target, use_logit)
            total += tf.tensordot(weights[start : start + self.batch_size], grads, axes=1)
        ends, probs = self._outputs(tf.stack([x, baseline]), target, use_logit)
        return total * (x - baseline), ends, probs[0]

    def explain(
        self, x: np.ndarray, targets: np.ndarray | list[int] | None = None, options: IGOptions | None = None
    ) -> list[Attribution]:
        """IG of every image of the batch from this explainer's baseline, with ``options`` (default: the defaults)."""
        x, t = self.check_batch(x, targets)
        if np.any(t < 0):  # the top classes, from one forward pass of the batch
            t = np.where(t < 0, self.forward.probabilities(x).argmax(axis=1), t)
        out = []
        for image, target in zip(x, t, strict=True):
            r = self.attribute(image, int(target), self.baseline, options)
            out.append(
                Attribution(
                    method=self.method,
                    target=r.target,
                    probabilities=r.probabilities,
                    heatmap=r.heatmap(),
                    elapsed_ms=r.elapsed_ms,
                    score_input=r.score_input,
                    score_baseline=r.score_baseline,
                    completeness_error=r.completeness_error,
                    completeness_error_abs=r.completeness_error_abs,
                    details={"steps": r.options.steps, "rule": r.options.rule, "output": r.options.output},
                )
            )
        return out

    def attribute(
        self, x: np.ndarray, target: int, baseline: np.ndarray | None = None, options: IGOptions | None = None
    ) -> IGAttribution:
        """Attribute class ``target``'s output at ``x`` (one preprocessed image, H x W x C) with ``options``
        (default: the defaults), whole: the rule's table (facexai.explain.quadrature.SAMPLERS) picks the points.

        ``baseline`` must be in the same (preprocessed) space as ``x``; default all zeros there.
        """
        options = options or IGOptions()
        if not 0 <= target < self.num_classes:
            raise ValueError(f"target {target} out of range for {self.num_classes} classes")
        x = np.asarray(x, dtype=np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"expected one image of shape {self.input_shape}, got {x.shape}")
        b = np.zeros_like(x) if baseline is None else np.asarray(baseline, dtype=np.float32)
        started = time.perf_counter()
        logit = options.output == ExplainedOutput.logit
        path = _PathOf(self, x, b, target, logit)
        alphas, weights = sample(options, path)
        attributions = path.integral(alphas, weights)
        if attributions is None:  # one compiled call: every gradient, the ends and the probabilities
            result, ends_t, probs_t = self._integrate(
                *path.args,
                tf.constant(alphas, tf.float32),
                tf.constant(weights, tf.float32),
                path.target,
                path.logit,
            )
            attributions, ends, probs = result.numpy(), ends_t.numpy(), probs_t.numpy()
        else:
            ends_t, probs_t = self._probe(*path.args, tf.constant([1.0, 0.0]), path.target, path.logit)
            ends, probs = ends_t.numpy(), probs_t.numpy()[0]
        return IGAttribution(
            attributions=attributions,
            target=target,
            options=options,
            score_input=float(ends[0]),
            score_baseline=float(ends[1]),
            elapsed_ms=(time.perf_counter() - started) * 1000,
            probabilities=probs,
        )


@dataclass
class IntegratedGradientsResult:
    image: Png
    heatmap: Png
    signed_image: Png
    completeness_error: float
    completeness_error_abs: float  # |sum - (F(x) - F(b))| in the explained output's units
    steps: int
    rule: QuadratureRule
    output: ExplainedOutput
    baseline: str
    clip_percentile: float
    score_input: float
    score_baseline: float
    elapsed_ms: float
    faithfulness: Faithfulness | None = None  # when asked for


class IntegratedGradientsMethod(Method):
    name = ExplainMethod.integrated_gradients
    colours = "inferno"
    short = "ig"
    result = IntegratedGradientsResult

    def build(self, forward: Forward, config: ExplainerConfig) -> Explainer:
        return IntegratedGradients(forward, batch_size=config.ig_batch_size, baseline=config.baseline)

    def picture(self, attribution: Attribution, chip: np.ndarray) -> IntegratedGradientsResult:
        """|IG| and signed IG over ``chip``, smoothed for display, each on its own 99th-percentile scale."""
        size = chip.shape[0]
        heat = render.resize_map(render.smooth(attribution.heatmap), (size, size))
        magnitude = render.ig_magnitude(heat)
        assert attribution.completeness_error is not None
        assert attribution.score_input is not None and attribution.score_baseline is not None
        return IntegratedGradientsResult(
            image=render.to_png(render.overlay(chip, magnitude, self.colours)),
            heatmap=render.to_png(render.heatmap_rgba(magnitude, self.colours)),
            signed_image=render.to_png(render.overlay(chip, render.ig_signed(heat), "RdBu_r", alpha=0.8)),
            completeness_error=attribution.completeness_error,
            completeness_error_abs=attribution.completeness_error_abs or 0.0,
            steps=int(attribution.details["steps"]),
            rule=QuadratureRule(attribution.details["rule"]),
            output=ExplainedOutput(attribution.details["output"]),
            baseline=BASELINE,
            clip_percentile=render.CLIP_PERCENTILE,
            score_input=attribution.score_input,
            score_baseline=attribution.score_baseline,
            elapsed_ms=attribution.elapsed_ms,
        )

    def display_map(self, attribution: Attribution, size: int) -> tuple[np.ndarray, float]:
        """|heatmap| smoothed and upsampled; its top the 99th percentile."""
        mags = np.abs(render.resize_map(render.smooth(attribution.heatmap), (size, size)))
        return mags, render.robust_max(mags)

    def shared_scale(self, maps: Sequence[tuple[np.ndarray, float]]) -> float:
        """The 99th percentile of all the maps together."""
        return render.robust_max(np.concatenate([m.ravel() for m, _ in maps]))

    def magnitude(self, attribution: Attribution) -> np.ndarray:
        """|IG| (smoothed) per unit of the explained output, so a model with larger outputs does not look
        "more attentive" everywhere."""
        values = np.abs(render.smooth(attribution.heatmap))
        assert attribution.score_input is not None and attribution.score_baseline is not None
        delta = abs(attribution.score_input - attribution.score_baseline)
        return values / delta if delta > 0 else values * 0

    def ranking(self, heatmap: np.ndarray) -> np.ndarray:
        return np.abs(heatmap)  # |channel-summed attribution|: evidence for and against both count

    def audit_map(self, heatmap: np.ndarray, side: int) -> np.ndarray:
        """|IG| at the input's resolution, unsmoothed (``side`` does not apply)."""
        return np.abs(np.asarray(heatmap, np.float32))


METHOD = IntegratedGradientsMethod()
