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

from facexai.errors import ModelFileMissing, UnknownLabel, UnknownModel
from facexai.explain.gradcam import GradCam
from facexai.explain.integrated_gradients import IntegratedGradients
from facexai.manifest import Manifest, ModelSpec, load_manifest
from facexai.model_files import load_model
from facexai.preprocessing import get_preprocessor

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: keras.Model
    gradcam: GradCam
    ig: IntegratedGradients
    preprocess: Callable[[Any], Any]
    card_markdown: str | None

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
        return np.asarray(self.preprocess(pixels.astype(np.float32)), dtype=np.float32)

    def baseline(self) -> np.ndarray:
        """The black image, taken in pixel space and then preprocessed like any input."""
        s = self.input_size
        return self.prepare(np.zeros((s, s, 3), np.uint8))


class ModelRegistry:
    def __init__(self, manifest: Manifest, models: dict[str, LoadedModel]) -> None:
        self.manifest = manifest
        self.models = models

    @property
    def names(self) -> list[str]:
        return list(self.models)

    def get(self, name: str) -> LoadedModel:
        try:
            return self.models[name]
        except KeyError:
            raise UnknownModel(f"no model named {name!r}; the models are {self.names}") from None

    @classmethod
    def load(cls, manifest_path: Path, ig_batch_size: int = 16) -> ModelRegistry:
        """Load every model of the manifest; refuse (ModelFileMissing) when a file is absent."""
        return cls.from_manifest(load_manifest(manifest_path), ig_batch_size=ig_batch_size)

    @classmethod
    def from_manifest(
        cls, manifest: Manifest, names: Sequence[str] | None = None, ig_batch_size: int = 16
    ) -> ModelRegistry:
        """Load the models ``names`` (default: all) of a manifest already read, e.g. one being written."""
        specs = [manifest.get(n) for n in names] if names is not None else list(manifest.models)
        missing = [p for p in map(manifest.path_of, specs) if not p.is_file()]
        if missing:
            raise ModelFileMissing(
                f"model file(s) named in the manifest in {manifest.root} are missing: "
                f"{', '.join(str(p) for p in missing)}"
            )
        models: dict[str, LoadedModel] = {}
        for spec in specs:
            started = time.perf_counter()
            model = load_model(manifest, spec)
            shape = tuple(model.inputs[0].shape[1:])
            if shape != (spec.input_size, spec.input_size, 3):
                raise ValueError(
                    f"model {spec.name!r}: input shape {shape} does not match input_size {spec.input_size}"
                )
            classes = int(model.outputs[0].shape[-1])
            if classes != len(spec.labels):
                raise ValueError(f"model {spec.name!r}: {classes} outputs but {len(spec.labels)} labels")
            card_path = manifest.card_path(spec)
            card = card_path.read_text() if card_path and card_path.is_file() else None
            models[spec.name] = LoadedModel(
                spec=spec,
                model=model,
                gradcam=GradCam(model, spec.gradcam_layer),
                ig=IntegratedGradients(model, batch_size=ig_batch_size),
                preprocess=get_preprocessor(spec.preprocessing),
                card_markdown=card,
            )
            log.info("loaded model %s from %s in %.1f s", spec.name, spec.file, time.perf_counter() - started)
        return cls(manifest, models)

    def warm_up(self) -> None:
        """Trace every compiled function once, so the first request does not pay for it."""
        for m in self.models.values():
            x = m.baseline()
            m.gradcam.explain(x[None])
            m.ig.explain(x, target=0, baseline=x, steps=2, rule="midpoint")
