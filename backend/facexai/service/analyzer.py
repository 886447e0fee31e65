"""One photo in, every face's predictions and explanations out; follow-ups reuse the aligned faces.

The Analyzer only orchestrates: faces come from ``facexai.core.faces`` (dlib, behind a lock), the aligned
faces are kept by ``facexai.service.store``, every method is reached through the models' explainers
(``facexai.explain.methods.METHODS``) and drawn by ``facexai.service.pictures``; two models' maps are compared
by ``facexai.service.comparison``. It returns the domain's types (``facexai.service.results``); the web layer maps them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

import numpy as np

from facexai.core.errors import ModelsNotComparable
from facexai.core.faces import FaceAligner, FaceSearch, whole_image_as_face
from facexai.core.images import DecodedImage
from facexai.core.photos import PhotoLimits
from facexai.explain import render
from facexai.explain.base import Attribution
from facexai.explain.options import ExplainMethod, IGOptions
from facexai.models.labelmap import LabelMapError, relate
from facexai.models.registry import LoadedModel, ModelRegistry
from facexai.service.comparison import compare_maps
from facexai.service.faithfulness import score_map
from facexai.service.pictures import class_grid_picture, picture
from facexai.service.results import (
    AnalysisResult,
    ClassGrid,
    Comparison,
    Explanation,
    FaceResult,
    Faithfulness,
    ImageInfo,
    Prediction,
)
from facexai.service.settings import Settings
from facexai.service.store import AnalysisStore, StoredFace, open_store

Methods = Collection[ExplainMethod]


class Analyzer:
    def __init__(
        self,
        registry: ModelRegistry,
        aligner: FaceAligner,
        store: AnalysisStore,
        ig_defaults: IGOptions,
        limits: PhotoLimits | None = None,
    ) -> None:
        self.registry = registry
        self.aligner = aligner
        self.store = store
        self.ig_defaults = ig_defaults
        self.limits = limits or PhotoLimits()
        self._detect_lock = threading.Lock()  # dlib's detector is not thread-safe

    @classmethod
    def from_settings(cls, registry: ModelRegistry, settings: Settings, store: AnalysisStore | None = None) -> Analyzer:
        aligner = FaceAligner(
            settings.detector,
            settings.detector_upsample,
            settings.max_faces,
            settings.detection_threshold,
            settings.cnn_detector_upsample,
        )
        # Redis with FACEXAI_REDIS_URL, else this process's memory; the app's own (an empty MemoryStore is falsy:
        # `or` would give the analyzer another store than DELETE /analyses/{id} and /health use)
        store = store if store is not None else open_store(settings)
        return cls(registry, aligner, store, settings.ig_defaults(), settings.photo_limits())

    # --- the photo ---------------------------------------------------------------------------
    def analyze_photo(
        self,
        data: bytes,
        align: bool,
        methods: Methods,
        ig: IGOptions | None = None,
        faithfulness: bool = False,
        detector: str | None = None,
    ) -> AnalysisResult:
        """A photo's file, as uploaded: :meth:`PhotoLimits.read`, then :meth:`analyze` (the CLI calls the
        two itself, to refuse bad input before its models load)."""
        return self.analyze(self.limits.read(data), align, methods, ig, faithfulness, detector)

    def find_faces(self, image: DecodedImage, align: bool, detector: str | None = None) -> FaceSearch:
        size = (image.width, image.height)  # boxes in the photo's own pixels, also when decoded reduced
        if not align:
            return whole_image_as_face(image.pixels, size)
        with self._detect_lock:
            return self.aligner.find_faces(image.pixels, size, detector)

    def analyze(
        self,
        image: DecodedImage,
        align: bool,
        methods: Methods,
        ig: IGOptions | None = None,
        faithfulness: bool = False,
        detector: str | None = None,
    ) -> AnalysisResult:
        """Every face: its box, aligned chip, every model's prediction and the asked-for explanations
        of its top class. Each model's batch is prepared once; its predictions are one forward pass over
        all faces, and each method then explains every face in one call."""
        ig = ig or self.ig_defaults
        timings: dict[str, float] = {}
        started = time.perf_counter()
        search = self.find_faces(image, align, detector)
        timings["detect_align"] = _ms(started)
        stored = [StoredFace(chip=f.chip) for f in search.faces]
        record = self.store.add(stored)

        largest = render.display_size(max(m.input_size for m in self.registry.models.values()))
        faces = [
            FaceResult(index=i, box=f.box, aligned_image=render.to_png(stored[i].at(largest)))
            for i, f in enumerate(search.faces)
        ]
        t = time.perf_counter()
        models = self.registry.analyzed()  # a model kept for follow-ups only (on_request) is not run here
        # each model's input batch, prepared once and used by its predictions, explanations and scores
        batches = {m.name: m.prepare_batch([s.at(m.input_size) for s in stored]) for m in models}
        targets: dict[str, list[int]] = {}
        for m in models:
            probabilities = m.predict(batches[m.name])
            targets[m.name] = [int(k) for k in probabilities.argmax(axis=1)]
            for face, p, k in zip(faces, probabilities, targets[m.name], strict=True):
                face.predictions[m.name] = Prediction.of(m.spec.labels, p)
                face.explanations[m.name] = Explanation(target=m.spec.labels[k], target_probability=float(p[k]))
        timings["predict"] = _ms(t)
        wanted: list[ExplainMethod] = [k for k in ExplainMethod if k in methods]
        by_model: dict[str, dict[ExplainMethod, list[Attribution]]] = {m.name: {} for m in models}
        for method in wanted:
            t = time.perf_counter()
            for m in models:
                by_model[m.name][method] = m.explain(method, batches[m.name], targets[m.name], ig)
            timings[method.value] = _ms(t)
        for m in models:
            size = render.display_size(m.input_size)
            for method in wanted:
                for face, s, att in zip(faces, stored, by_model[m.name][method], strict=True):
                    face.explanations[m.name].put(method, picture(att, s.at(size)))
        if faithfulness:
            t = time.perf_counter()
            for m in models:
                for method in wanted:
                    for face, x, att in zip(faces, batches[m.name], by_model[m.name][method], strict=True):
                        result = getattr(face.explanations[m.name], method.value)
                        result.faithfulness = self.score_faithfulness(m, x, att)
            timings["faithfulness"] = _ms(t)
        timings["total"] = _ms(started)
        return AnalysisResult(
            analysis_id=record.id,
            expires_in_s=int(self.store.ttl_s),
            image=ImageInfo(width=image.width, height=image.height, format=image.format),
            aligned=align,
            faces_found=search.found,
            faces_skipped=search.skipped,
            models=[m.name for m in models],
            faces=faces,
            timings_ms=timings,
        )

    # --- follow-ups --------------------------------------------------------------------------
    def explain(
        self,
        analysis_id: str,
        face_index: int,
        model_name: str,
        target: str | None,
        methods: Methods,
        ig: IGOptions | None = None,
        faithfulness: bool = False,
    ) -> Explanation:
        """Any class (default: the top one) of any model for a face of a recent analysis."""
        face = self.store.get(analysis_id).face(face_index)
        m = self.registry.get(model_name)
        x = m.prepare(face.at(m.input_size))[None]
        probabilities = m.predict(x)[0]
        idx = int(probabilities.argmax()) if target is None else m.label_index(target)
        explanation = Explanation(target=m.spec.labels[idx], target_probability=float(probabilities[idx]))
        chip = face.at(render.display_size(m.input_size))
        for method in [k for k in ExplainMethod if k in methods]:
            att = m.explain(method, x, [idx], ig or self.ig_defaults)[0]
            result = picture(att, chip)
            if faithfulness:
                result.faithfulness = self.score_faithfulness(m, x[0], att)
            explanation.put(method, result)
        return explanation

    # --- faithfulness --------------------------------------------------------------------------
    @staticmethod
    def score_faithfulness(m: LoadedModel, x: np.ndarray, attribution: Attribution) -> Faithfulness:
        """Deletion, insertion and random-deletion scores of one map of ``x`` (preprocessed), from the
        model's black baseline: one call of the model on every curve point."""

        return score_map(m.predict, x, m.baseline(), attribution.method, attribution.heatmap, attribution.target)

    def class_grid(
        self,
        analysis_id: str,
        face_index: int,
        model_name: str,
        method: ExplainMethod,
        ig: IGOptions | None = None,
    ) -> ClassGrid:
        """Every class of a model for a face of a recent analysis, explained in one explainer call
        (the face repeated once per class) and drawn on one shared colour scale."""
        face = self.store.get(analysis_id).face(face_index)
        m = self.registry.get(model_name)
        x = m.prepare(face.at(m.input_size))
        n = len(m.spec.labels)
        attributions = m.explain(method, np.repeat(x[None], n, 0), range(n), ig or self.ig_defaults)
        return class_grid_picture(attributions, m.spec.labels, face.at(render.display_size(m.input_size)), method)

    def compare(
        self,
        analysis_id: str,
        face_index: int,
        model_names: list[str],
        target: str | None,
        method: ExplainMethod,
        ig: IGOptions | None = None,
        grid: int = 14,
        reference: bool = True,
    ) -> Comparison:
        """Two models' maps for one class (default: the first model's top class) on one shared
        colour scale, their difference and a summary. ``reference``: also explain another training
        seed of the first model, where the bundle has one (manifest ``reference_for``), to say whether
        the two differ on this face by more than retraining alone moves (one explanation more)."""
        if len(model_names) != 2 or model_names[0] == model_names[1]:
            raise ModelsNotComparable(f"compare needs two different models, got {model_names}")
        models: list[LoadedModel] = [self.registry.get(n) for n in model_names]
        try:  # the same labels, or labels that map onto each other through FairFace's (a label map)
            relation = relate(*(_labelling(m) for m in models))
        except LabelMapError as exc:
            raise ModelsNotComparable(str(exc)) from None
        face = self.store.get(analysis_id).face(face_index)
        attributions: dict[str, Attribution] = {}
        labels: dict[str, str] = {}
        for k, m in enumerate(models):
            x = m.prepare(face.at(m.input_size))[None]
            if k == 0:
                idx = int(m.predict(x)[0].argmax()) if target is None else m.label_index(target)
            else:  # the second model's label standing for the first's (of several, its likeliest here)
                first = labels[models[0].name]
                candidates = relation.counterparts(first)
                if not candidates:
                    why = (
                        f"{models[0].name}'s “{first}” is unmapped (its label map gives it no FairFace label)"
                        if not relation.a.get(first)
                        else f"{m.name} has no label that stands for {models[0].name}'s “{first}”"
                    )
                    raise ModelsNotComparable(f"{why}: compare another class")
                probabilities = m.predict(x)[0]
                idx = max((m.label_index(c) for c in candidates), key=lambda i: float(probabilities[i]))
            attributions[m.name] = m.explain(method, x, [idx], ig or self.ig_defaults)[0]
            labels[m.name] = m.spec.labels[idx]
        other = self.registry.manifest.reference_for(models[0].name) if reference else None
        ref: tuple[str, Attribution] | None = None
        names = {m.name: m.spec.display_name for m in models}
        if other is not None and other in self.registry.models:
            r = self.registry.get(other)
            x = r.prepare(face.at(r.input_size))[None]
            ref = (other, r.explain(method, x, [r.label_index(labels[models[0].name])], ig or self.ig_defaults)[0])
            names[other] = r.spec.display_name
        size = render.display_size(max(m.input_size for m in models))
        result = compare_maps(attributions, labels, face.at(size), grid, names, ref)
        result.targets = dict(labels)
        a, b = (labels[m.name] for m in models)
        if a != b:  # the summary names the first model's class; say what the second's map explains
            result.summary += (
                f" {models[1].spec.display_name} has no “{a}” of its own: its map explains “{b}”, "
                "its label that stands for it (its label map)."
            )
        return result


def _labelling(m: LoadedModel) -> tuple[str, str, list[str], dict[str, list[str]] | None]:
    """(name, task, labels, label map): what relating two models' labels needs."""
    return m.name, m.spec.task, m.spec.labels, m.spec.label_map or None


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
