"""What one Ray worker does: load the models once, then predict or explain batches of faces.

The class is plain Python (the engine wraps it with ``ray.remote``), so tests and a one-process
run can use it directly. TensorFlow is limited to one intra-op (and one inter-op) thread: the
engine runs one worker per CPU, and more threads per worker would only fight over the same cores.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from facexai.evaluation.audit.faces import decode_chip
from facexai.evaluation.audit.regions import SMALL

#: one item of a task: (file as the CSV names it, the file's bytes, explained class or -1 = predicted)
Item = tuple[str, bytes, int]


class AuditWorker:
    """``align``: bytes -> uint8 RGB aligned chip (any size), for photos that are not chips yet (the
    command passes ``facexai.core.faces.largest_face_chip``, the service's detector and aligner); a face
    it fails on is reported, not fatal."""

    def __init__(
        self, manifest: str, names: list[str], threads: int = 1, align: Callable[[bytes], np.ndarray] | None = None
    ) -> None:
        self.align = align
        self._aligned: dict[str, np.ndarray] = {}  # file -> chip, so the models of a face align it once
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # already initialised in this process (a test calling it twice)
            pass
        from facexai.models.registry import ModelRegistry

        started = time.perf_counter()
        from facexai.models.manifest import load_manifest

        self.registry = ModelRegistry.from_manifest(load_manifest(Path(manifest)), names or None)
        self.registry.warm_up()  # the compiled functions traced here, not in the first timed batch
        self.load_seconds = time.perf_counter() - started

    def ping(self) -> dict[str, Any]:
        import socket

        return {"pid": os.getpid(), "host": socket.gethostname(), "load_seconds": self.load_seconds}

    def _chips(self, name: str, items: list[Item]) -> tuple[np.ndarray, list[Item], list[tuple[str, str]]]:
        """(the batch, the items it holds, (file, reason) of the items that could not be made chips)."""
        from facexai.core.chips import resize_chip

        loaded = self.registry.get(name)
        chips, kept, failed = [], [], []
        for item in items:
            file, data, _ = item
            try:
                if self.align is None:
                    chip = decode_chip(data, loaded.input_size)
                else:
                    if file not in self._aligned:
                        if len(self._aligned) > 512:
                            self._aligned.clear()
                        self._aligned[file] = self.align(data)
                    chip = resize_chip(self._aligned[file], loaded.input_size)
            except Exception as exc:  # one photo's failure (no face, bad data) never stops the audit
                failed.append((file, str(exc) or type(exc).__name__))
                continue
            chips.append(chip)
            kept.append(item)
        batch = (
            loaded.prepare_batch(chips) if chips else np.zeros((0, loaded.input_size, loaded.input_size, 3), np.float32)
        )
        return batch, kept, failed

    def predict(self, job: int, name: str, items: list[Item]) -> tuple[int, dict[str, np.ndarray], list]:
        loaded = self.registry.get(name)
        batch, items, failed = self._chips(name, items)
        if not items:
            return job, {}, failed
        probs = loaded.predict(batch)
        return job, {"files": np.array([f for f, _, _ in items]), "probs": probs.astype(np.float32)}, failed

    def sanity(
        self, job: int, name: str, items: list[Item], ig: dict[str, Any], sanity: dict[str, Any]
    ) -> tuple[int, dict[str, np.ndarray], list]:
        """The sanity checks of a batch (facexai.evaluation.audit.sanity), on a copy of the model."""
        from facexai.evaluation.audit.sanity import run_items

        arrays, failed = run_items(self.registry, self._chips, name, items, ig, sanity)
        return job, arrays, failed

    def explain(
        self, job: int, name: str, items: list[Item], ig: dict[str, Any], gradcam: bool, small: int = SMALL
    ) -> tuple[int, dict[str, np.ndarray], list]:
        """IG of every face (always: the population maps, completeness and timings are IG's) and, with
        ``gradcam``, Grad-CAM of the same classes; each method reduces its maps (``Method.reduce``) to region
        shares and a small map, kept as ``<Method.short>_shares`` and ``<Method.short>_map``."""
        from facexai.explain.methods import METHODS
        from facexai.explain.options import ExplainMethod, IGOptions

        loaded = self.registry.get(name)
        batch, items, failed = self._chips(name, items)
        if not items:
            return job, {}, failed
        targets = [t for _, _, t in items]
        options = IGOptions(**ig)
        started = time.perf_counter()
        ig_atts = loaded.explain(ExplainMethod.integrated_gradients, batch, targets, options)
        seconds = time.perf_counter() - started
        out: dict[str, Any] = {
            "files": np.array([f for f, _, _ in items]),
            "targets": np.array([a.target for a in ig_atts], np.int32),
            "probs": np.stack([a.probabilities for a in ig_atts]).astype(np.float32),
        }
        explained = {ExplainMethod.integrated_gradients: ig_atts}
        if gradcam:  # the classes IG explained (a target of -1 is the predicted one, resolved by IG)
            explained[ExplainMethod.grad_cam] = loaded.explain(ExplainMethod.grad_cam, batch, out["targets"].tolist())
        for method, attributions in explained.items():
            spec = METHODS[method]
            reduced = [spec.reduce(a.heatmap, small) for a in attributions]
            out[f"{spec.short}_shares"] = np.stack([shares for shares, _ in reduced]).astype(np.float32)
            out[f"{spec.short}_map"] = np.stack([small_map for _, small_map in reduced]).astype(np.float32)
        out["ig_completeness"] = np.array(
            [np.nan if a.completeness_error is None else a.completeness_error for a in ig_atts], np.float32
        )
        out["ig_seconds"] = np.full(len(items), seconds / max(len(items), 1), np.float32)
        return job, out, failed
