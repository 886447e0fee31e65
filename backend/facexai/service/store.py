"""The aligned faces of recent analyses, in memory (never on disk), under a random id for a few minutes.

A client can then ask for another class's explanation, or Integrated Gradients after a fast
first answer, without uploading the photo again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from facexai.core.chips import resize_chip
from facexai.core.errors import AnalysisNotFound, FaceNotFound


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

    def face(self, index: int) -> StoredFace:
        if not 0 <= index < len(self.faces):
            raise FaceNotFound(f"analysis {self.id!r} has {len(self.faces)} face(s); no face {index}")
        return self.faces[index]


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
