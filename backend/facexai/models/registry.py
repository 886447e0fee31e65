"""Loading the models of the manifest once, with their compiled explanation functions."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from facexai.core.errors import ModelFileMissing, ModelsFailed, UnknownLabel, UnknownModel
from facexai.explain import ExplainerConfig, build_explainers
from facexai.explain.base import Attribution, Explainer, Forward
from facexai.explain.grad_cam import GradCam
from facexai.explain.integrated_gradients import IntegratedGradients
from facexai.explain.options import ExplainMethod, IGOptions, QuadratureRule
from facexai.models.loaders import load_model
from facexai.models.manifest import Manifest, ModelSpec, load_manifest
from facexai.models.preprocessing import get_preprocessor

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: keras.Model
    forward: Forward  # the one forward pass: predictions, every explainer and faithfulness use it
    preprocess: Callable[[Any], Any]
    card_markdown: str | None
    explainers: dict[ExplainMethod, Explainer]  # every method of facexai.explain.methods.METHODS

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """The probabilities (N, classes) of a preprocessed batch, from the model's one forward pass."""
        return self.forward.probabilities(batch)

    def explain(
        self, method: ExplainMethod, batch: np.ndarray, targets: Sequence[int], ig: IGOptions | None = None
    ) -> list[Attribution]:
        """One method's explanation of each image of a preprocessed batch, of the given classes."""
        return self.explainers[method].explain(batch, list(targets), ig)

    @property
    def gradcam(self) -> GradCam:
        """Grad-CAM's explainer (its lower-level ``maps`` is used by scripts and tests)."""
        explainer = self.explainers[ExplainMethod.grad_cam]
        assert isinstance(explainer, GradCam)
        return explainer

    @property
    def ig(self) -> IntegratedGradients:
        explainer = self.explainers[ExplainMethod.integrated_gradients]
        assert isinstance(explainer, IntegratedGradients)
        return explainer

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    def label_index(self, label: str) -> int:
        try:
            return self.spec.labels.index(label)
        except ValueError:
            raise UnknownLabel(
                f"model {self.name!r} has no label {label!r}; its labels are {self.spec.labels}"
            ) from None

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 RGB at the model's input size -> float32 model input."""
        return _prepare(pixels, self.preprocess)

    def prepare_batch(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """uint8 RGB chips, each at the model's input size -> one float32 batch."""
        return np.stack([self.prepare(c) for c in chips])

    def baseline(self) -> np.ndarray:
        """IG's baseline: the black image, taken in pixel space and then preprocessed like any input."""
        return self.ig.baseline


class ModelRegistry:
    def __init__(
        self, manifest: Manifest, models: dict[str, LoadedModel], failed: dict[str, str] | None = None
    ) -> None:
        self.manifest = manifest
        self.models = models
        #: model -> why it could not be served (a tolerant load: a malformed entry, a missing or bad file)
        self.failed: dict[str, str] = dict(failed or {})

    @property
    def names(self) -> list[str]:
        return list(self.models)

    def analyzed(self) -> list[LoadedModel]:
        """The models ``POST /analyze`` runs: all but those kept for follow-ups only (``on_request``)."""
        return [m for m in self.models.values() if not m.spec.on_request]

    def get(self, name: str) -> LoadedModel:
        try:
            return self.models[name]
        except KeyError:
            raise UnknownModel(f"no model named {name!r}; the models are {self.names}") from None

    @classmethod
    def load(
        cls,
        manifest_path: Path,
        ig_batch_size: int = 16,
        on_loaded: Callable[[str], None] | None = None,
        tolerate_failures: bool = False,
    ) -> ModelRegistry:
        """Load every model of the manifest; refuse (ModelFileMissing) when a file is absent.

        ``on_loaded(name)`` is called after each model, for progress reports. ``tolerate_failures``
        (the service, ``facexai analyze``): a malformed entry or a model that fails to load is set aside
        in ``failed`` with its reason and the others are served; only when none loads does it raise."""
        if not tolerate_failures:
            return cls.from_manifest(load_manifest(manifest_path), ig_batch_size=ig_batch_size, on_loaded=on_loaded)
        manifest = load_manifest(manifest_path, lenient=True)
        failed = {e.name: e.reason for e in manifest.invalid}
        registry = cls.from_manifest(manifest, ig_batch_size=ig_batch_size, on_loaded=on_loaded, failed=failed)
        if not registry.models:
            reasons = "; ".join(f"{n}: {r}" for n, r in registry.failed.items()) or "the manifest names no model"
            missing = all(r.startswith("model file missing") for r in registry.failed.values())
            error = ModelFileMissing if registry.failed and missing else ModelsFailed
            raise error(f"no model of {manifest_path} could be loaded ({reasons})")
        return registry

    @classmethod
    def from_manifest(
        cls,
        manifest: Manifest,
        names: Sequence[str] | None = None,
        ig_batch_size: int = 16,
        on_loaded: Callable[[str], None] | None = None,
        failed: dict[str, str] | None = None,
    ) -> ModelRegistry:
        """Load the models ``names`` (default: all) of a manifest already read, e.g. one being written.

        ``failed`` (a dict, the tolerant load): each model that cannot be loaded is entered there with its
        reason and the others are loaded; without it the first failure is raised."""
        specs = [manifest.get(n) for n in names] if names is not None else list(manifest.models)
        missing = [p for p in map(manifest.path_of, specs) if not p.is_file()]
        if missing and failed is None:
            raise ModelFileMissing(
                f"model file(s) named in the manifest in {manifest.root} are missing: "
                f"{', '.join(str(p) for p in missing)}"
            )
        models: dict[str, LoadedModel] = {}
        for spec in specs:
            if failed is None:
                models[spec.name] = load_one(manifest, spec, ig_batch_size)
            elif not manifest.path_of(spec).is_file():
                failed[spec.name] = f"model file missing: {manifest.path_of(spec)}"
                log.error("model %s not served: %s", spec.name, failed[spec.name])
                continue
            else:
                try:
                    models[spec.name] = load_one(manifest, spec, ig_batch_size)
                except Exception as exc:  # any failure of one model: reported, the others are served
                    failed[spec.name] = f"{type(exc).__name__}: {exc}"
                    log.error("model %s not served: %s", spec.name, failed[spec.name])
                    continue
            if on_loaded is not None:
                on_loaded(spec.name)
        return cls(manifest, models, failed)

    def warm_up(self) -> None:
        """Trace every compiled function once, so the first request does not pay for it."""
        for m in self.models.values():
            x = m.baseline()
            m.predict(x[None])
            m.gradcam.maps(x[None])
            m.ig.attribute(x, 0, x, IGOptions(steps=2, rule=QuadratureRule.midpoint))  # the fixed rules' function
            m.ig.attribute(x, 0, x, IGOptions(steps=4, rule=QuadratureRule.adaptive))  # the probe and gradients


def load_one(manifest: Manifest, spec: ModelSpec, ig_batch_size: int = 16) -> LoadedModel:
    """One model of the manifest, checked against its entry (input size, classes), with its explainers."""
    started = time.perf_counter()
    model = load_model(manifest, spec)
    shape = tuple(model.inputs[0].shape[1:])
    if shape != (spec.input_size, spec.input_size, 3):
        raise ValueError(f"model {spec.name!r}: input shape {shape} does not match input_size {spec.input_size}")
    classes = int(model.outputs[0].shape[-1])
    if classes != len(spec.labels):
        raise ValueError(f"model {spec.name!r}: {classes} outputs but {len(spec.labels)} labels")
    card_path = manifest.card_path(spec)
    card = card_path.read_text() if card_path and card_path.is_file() else None
    preprocess = get_preprocessor(spec.preprocessing)
    config = ExplainerConfig(
        gradcam_layer=spec.gradcam_layer,
        baseline=_black(spec.input_size, preprocess),
        ig_batch_size=ig_batch_size,
    )
    forward = Forward(model, spec.gradcam_layer)
    loaded = LoadedModel(
        spec=spec,
        model=model,
        forward=forward,
        preprocess=preprocess,
        card_markdown=card,
        explainers=build_explainers(forward, config),
    )
    log.info("loaded model %s from %s in %.1f s", spec.name, spec.file, time.perf_counter() - started)
    return loaded


def _prepare(pixels: np.ndarray, preprocess: Callable[[Any], Any]) -> np.ndarray:
    return np.asarray(preprocess(pixels.astype(np.float32)), dtype=np.float32)


def _black(size: int, preprocess: Callable[[Any], Any]) -> np.ndarray:
    """The black image in pixel space, preprocessed like any input: IG's baseline."""
    return _prepare(np.zeros((size, size, 3), np.uint8), preprocess)
