"""One photo in, every face's predictions and explanations out; follow-ups reuse the aligned faces.

The aligned faces of recent analyses stay in memory (never on disk) under a random id for a
few minutes, so a client can ask for another class's explanation, or Integrated Gradients
after a fast first answer, without uploading the photo again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from facexai.api.schemas import (
    AnalyzeResponse,
    Box,
    CompareMethod,
    Comparison,
    ExplainMode,
    Explanation,
    Face,
    GradCamResult,
    ImageInfo,
    IntegratedGradientsResult,
    Prediction,
    RegionShare,
)
from facexai.config import Settings
from facexai.errors import AnalysisNotFound, FaceNotFound, UnknownLabel
from facexai.explain import render
from facexai.explain.integrated_gradients import IGAttribution
from facexai.faces import FaceAligner, FaceSearch, resize_chip, whole_image_as_face
from facexai.images import DecodedImage
from facexai.registry import LoadedModel, ModelRegistry


@dataclass
class IGOptions:
    steps: int
    rule: str
    output: str

    @classmethod
    def from_settings(
        cls, settings: Settings, steps: int | None = None, rule: str | None = None, output: str | None = None
    ) -> IGOptions:
        """The settings' IG defaults, with any of them overridden."""
        return cls(steps=steps or settings.ig_steps, rule=rule or settings.ig_rule, output=output or settings.ig_output)


@dataclass
class StoredFace:
    chip: np.ndarray  # aligned chip, uint8
    by_size: dict[int, np.ndarray] = field(default_factory=dict)  # resized to each model input size

    def at(self, size: int) -> np.ndarray:
        if size not in self.by_size:
            self.by_size[size] = resize_chip(self.chip, size)
        return self.by_size[size]


@dataclass
class StoredAnalysis:
    id: str
    faces: list[StoredFace]
    created: float


class AnalysisStore:
    """A small in-memory TTL + LRU map from analysis id to its aligned faces."""

    def __init__(self, ttl_s: float, capacity: int) -> None:
        self.ttl_s = ttl_s
        self.capacity = capacity
        self._items: OrderedDict[str, StoredAnalysis] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, faces: list[StoredFace]) -> StoredAnalysis:
        record = StoredAnalysis(id=secrets.token_urlsafe(12), faces=faces, created=time.monotonic())
        with self._lock:
            self._evict()
            self._items[record.id] = record
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return record

    def get(self, analysis_id: str) -> StoredAnalysis:
        with self._lock:
            self._evict()
            record = self._items.get(analysis_id)
            if record is None:
                raise AnalysisNotFound(
                    f"analysis {analysis_id!r} is unknown or expired (kept {int(self.ttl_s)} s); upload the photo again"
                )
            self._items.move_to_end(analysis_id)
            return record

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if now - v.created > self.ttl_s]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


# Face regions on the aligned chip, as fractions of its side (x0, y0, x1, y1), first match wins.
# Measured from dlib's 68 landmarks on chips cut at padding 0.25: brows y ~0.22, eyes y ~0.31,
# nose tip y ~0.52, mouth y ~0.68, chin y ~0.93, jaw x 0.11-0.88.
REGIONS: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("eyes and brows", (0.15, 0.16, 0.85, 0.40)),
    ("nose", (0.33, 0.40, 0.67, 0.58)),
    ("mouth", (0.28, 0.58, 0.72, 0.78)),
    ("cheeks", (0.10, 0.40, 0.90, 0.66)),
    ("chin and jaw", (0.12, 0.66, 0.88, 0.97)),
    ("forehead", (0.15, 0.0, 0.85, 0.16)),
)
OUTSIDE = "hair, ears and background"


def region_masks(size: int) -> dict[str, np.ndarray]:
    taken = np.zeros((size, size), bool)
    masks: dict[str, np.ndarray] = {}
    grid = (np.arange(size) + 0.5) / size
    ys, xs = np.meshgrid(grid, grid, indexing="ij")
    for name, (x0, y0, x1, y1) in REGIONS:
        mask = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1) & ~taken
        masks[name] = mask
        taken |= mask
    masks[OUTSIDE] = ~taken
    return masks


class Analyzer:
    def __init__(
        self, registry: ModelRegistry, aligner: FaceAligner, store: AnalysisStore, ig_defaults: IGOptions
    ) -> None:
        self.registry = registry
        self.aligner = aligner
        self.store = store
        self.ig_defaults = ig_defaults
        self._detect_lock = threading.Lock()  # dlib's detector is not thread-safe

    @classmethod
    def from_settings(cls, registry: ModelRegistry, settings: Settings) -> Analyzer:
        aligner = FaceAligner(
            settings.detector, settings.detector_upsample, settings.max_faces, settings.detection_threshold
        )
        store = AnalysisStore(settings.analysis_ttl_s, settings.analysis_cache_size)
        return cls(registry, aligner, store, IGOptions.from_settings(settings))

    # --- the photo ---------------------------------------------------------------------------
    def find_faces(self, image: DecodedImage, align: bool) -> FaceSearch:
        size = (image.width, image.height)  # boxes in the photo's own pixels, also when decoded reduced
        if not align:
            return whole_image_as_face(image.pixels, size)
        with self._detect_lock:
            return self.aligner.find_faces(image.pixels, size)

    def analyze(
        self, image: DecodedImage, align: bool, explain: ExplainMode, ig: IGOptions | None = None
    ) -> AnalyzeResponse:
        ig = ig or self.ig_defaults
        timings: dict[str, float] = {}
        started = time.perf_counter()
        search = self.find_faces(image, align)
        timings["detect_align"] = _ms(started)
        stored = [StoredFace(chip=f.chip) for f in search.faces]
        record = self.store.add(stored)

        largest = render.display_size(max(m.input_size for m in self.registry.models.values()))
        faces = [
            Face(
                index=i,
                box=Box(left=f.box.left, top=f.box.top, right=f.box.right, bottom=f.box.bottom),
                aligned_image=render.to_base64_png(stored[i].at(largest)),
                predictions={},
                explanations={},
            )
            for i, f in enumerate(search.faces)
        ]
        t = time.perf_counter()
        for m in self.registry.models.values():
            batch = np.stack([m.prepare(s.at(m.input_size)) for s in stored])
            probs, cams, chosen = m.gradcam.explain(batch)
            for i, face in enumerate(faces):
                face.predictions[m.name] = _prediction(m, probs[i])
                target = int(chosen[i])
                face.explanations[m.name] = Explanation(
                    target=m.spec.labels[target],
                    target_probability=float(probs[i][target]),
                    grad_cam=self._render_gradcam(m, stored[i], cams[i]) if explain.wants_grad_cam else None,
                )
        timings["predict_grad_cam"] = _ms(t)
        if explain.wants_ig:
            t = time.perf_counter()
            for m in self.registry.models.values():
                for i, face in enumerate(faces):
                    target = m.label_index(face.explanations[m.name].target)
                    face.explanations[m.name].integrated_gradients = self._integrated_gradients(
                        m, stored[i], target, ig
                    )
            timings["integrated_gradients"] = _ms(t)
        timings["total"] = _ms(started)
        return AnalyzeResponse(
            analysis_id=record.id,
            expires_in_s=int(self.store.ttl_s),
            image=ImageInfo(width=image.width, height=image.height, format=image.format),
            aligned=align,
            faces_found=search.found,
            faces_skipped=search.skipped,
            models=self.registry.names,
            faces=faces,
            timings_ms=timings,
        )

    # --- follow-ups --------------------------------------------------------------------------
    def _face(self, analysis_id: str, face_index: int) -> StoredFace:
        record = self.store.get(analysis_id)
        if not 0 <= face_index < len(record.faces):
            raise FaceNotFound(f"analysis {analysis_id!r} has {len(record.faces)} face(s); no face {face_index}")
        return record.faces[face_index]

    def explain(
        self,
        analysis_id: str,
        face_index: int,
        model_name: str,
        target: str | None,
        explain: ExplainMode,
        ig: IGOptions | None = None,
    ) -> Explanation:
        face = self._face(analysis_id, face_index)
        m = self.registry.get(model_name)
        idx = None if target is None else m.label_index(target)
        probs, cams, chosen = m.gradcam.explain(m.prepare(face.at(m.input_size))[None], None if idx is None else [idx])
        idx = int(chosen[0])
        return Explanation(
            target=m.spec.labels[idx],
            target_probability=float(probs[0][idx]),
            grad_cam=self._render_gradcam(m, face, cams[0]) if explain.wants_grad_cam else None,
            integrated_gradients=self._integrated_gradients(m, face, idx, ig or self.ig_defaults)
            if explain.wants_ig
            else None,
        )

    def compare(
        self,
        analysis_id: str,
        face_index: int,
        model_names: list[str],
        target: str | None,
        method: CompareMethod,
        ig: IGOptions | None = None,
        grid: int = 14,
    ) -> Comparison:
        """Two models' maps for one class on one shared colour scale, their difference and a summary."""
        if len(model_names) != 2 or model_names[0] == model_names[1]:
            raise UnknownLabel("compare needs exactly two different models")
        face = self._face(analysis_id, face_index)
        a, b = (self.registry.get(n) for n in model_names)
        ig = ig or self.ig_defaults
        size = render.display_size(max(a.input_size, b.input_size))
        maps: dict[str, np.ndarray] = {}
        probabilities: dict[str, float] = {}
        for m in (a, b):
            # no target: the first model's top class, from the same pass as its Grad-CAM
            x = m.prepare(face.at(m.input_size))
            probs, cams, chosen = m.gradcam.explain(x[None], None if target is None else [m.label_index(target)])
            idx = int(chosen[0])
            label = target = m.spec.labels[idx]
            probabilities[m.name] = float(probs[0][idx])
            if method == CompareMethod.integrated_gradients:
                attribution = self._attribute(m, face, idx, ig)
                values = np.abs(render.smooth(attribution.heatmap()))
                # IG is in units of the explained output: put both models on a per-unit-of-output
                # footing so a model with larger logits does not look "more attentive" everywhere
                delta = abs(attribution.score_input - attribution.score_baseline)
                values = values / delta if delta > 0 else values * 0
            else:
                values = np.maximum(cams[0], 0)
                peak = float(values.max())
                values = values / peak if peak > 0 else values
            maps[m.name] = render.resize_map(values, (size, size))
        scale = render.robust_max(np.concatenate([v.ravel() for v in maps.values()]))
        units = {name: render.normalize(v, scale) for name, v in maps.items()}
        chip = face.at(size)
        cmap = "inferno" if method == CompareMethod.integrated_gradients else "jet"
        diff = np.clip(units[b.name] - units[a.name], -1, 1)
        masks = region_masks(size)
        regions = []
        for region, mask in masks.items():
            shares = {}
            for name, v in maps.items():
                total = float(v.sum())
                shares[name] = float(v[mask].sum()) / total if total > 0 else 0.0
            regions.append(RegionShare(region=region, shares=shares))
        flat_a, flat_b = maps[a.name].ravel(), maps[b.name].ravel()
        corr = float(np.corrcoef(flat_a, flat_b)[0, 1]) if flat_a.std() > 0 and flat_b.std() > 0 else 0.0
        return Comparison(
            target=label,
            method=method,
            models=[a.name, b.name],
            scale_max=scale,
            images={n: render.to_base64_png(render.overlay(chip, u, cmap)) for n, u in units.items()},
            heatmaps={n: render.to_base64_png(render.heatmap_rgba(u, cmap)) for n, u in units.items()},
            difference_image=render.to_base64_png(render.overlay(chip, diff, "RdBu_r", alpha=0.8)),
            raw={n: render.pool_grid(u, grid).round(4).tolist() for n, u in units.items()},
            grid_size=grid,
            correlation=corr,
            regions=regions,
            summary=summarize(a.name, b.name, label, corr, regions, probabilities),
            probabilities=probabilities,
        )

    # --- rendering ---------------------------------------------------------------------------
    @staticmethod
    def _attribute(m: LoadedModel, face: StoredFace, target: int, ig: IGOptions) -> IGAttribution:
        """IG of one face for class ``target``, from the black baseline, at the model's input size."""
        x = m.prepare(face.at(m.input_size))
        return m.ig.explain(x, target, baseline=m.baseline(), steps=ig.steps, rule=ig.rule, output=ig.output)

    def _render_gradcam(self, m: LoadedModel, face: StoredFace, cam: np.ndarray) -> GradCamResult:
        t = time.perf_counter()
        size = render.display_size(m.input_size)
        chip = face.at(size)
        unit, peak = render.gradcam_unit(cam, (size, size))
        return GradCamResult(
            image=render.to_base64_png(render.overlay(chip, unit, "jet")),
            heatmap=render.to_base64_png(render.heatmap_rgba(unit, "jet")),
            layer=m.spec.gradcam_layer,
            max_value=peak,
            elapsed_ms=_ms(t),
        )

    def _integrated_gradients(
        self, m: LoadedModel, face: StoredFace, target: int, ig: IGOptions
    ) -> IntegratedGradientsResult:
        result = self._attribute(m, face, target, ig)
        size = render.display_size(m.input_size)
        chip = face.at(size)
        heat = render.resize_map(render.smooth(result.heatmap()), (size, size))
        magnitude = render.ig_magnitude(heat)
        return IntegratedGradientsResult(
            image=render.to_base64_png(render.overlay(chip, magnitude, "inferno")),
            heatmap=render.to_base64_png(render.heatmap_rgba(magnitude, "inferno")),
            signed_image=render.to_base64_png(render.overlay(chip, render.ig_signed(heat), "RdBu_r", alpha=0.8)),
            completeness_error=result.completeness_error,
            steps=result.steps,
            rule=result.rule,
            output=result.output,
            baseline="black",
            clip_percentile=render.CLIP_PERCENTILE,
            score_input=result.score_input,
            score_baseline=result.score_baseline,
            elapsed_ms=result.elapsed_ms,
        )


def summarize(
    a: str, b: str, target: str, corr: float, regions: list[RegionShare], probabilities: dict[str, float]
) -> str:
    """One sentence: where and how much two models' explanations of one class disagree."""
    diffs = sorted(((r.shares[b] - r.shares[a], r.region) for r in regions), key=lambda d: abs(d[0]), reverse=True)
    (gap, region), second = diffs[0], diffs[1]
    agreement = "largely agree" if corr >= 0.8 else "partly agree" if corr >= 0.5 else "disagree"
    more, less = (b, a) if gap > 0 else (a, b)
    sentence = (
        f"For {target!r} ({a} {probabilities[a]:.0%}, {b} {probabilities[b]:.0%}) the two maps {agreement} "
        f"(correlation {corr:.2f}); the largest difference is the {region}, where {more} puts "
        f"{abs(gap) * 100:.0f} points more of its attribution than {less}"
    )
    if abs(second[0]) >= 0.05:
        who = b if second[0] > 0 else a
        sentence += f", then the {second[1]} ({who}, {abs(second[0]) * 100:.0f} points more)"
    return sentence + "."


def _prediction(m: LoadedModel, probs: np.ndarray) -> Prediction:
    labels = m.spec.labels
    return Prediction(
        label=labels[int(np.argmax(probs))], probabilities={lab: float(p) for lab, p in zip(labels, probs, strict=True)}
    )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
