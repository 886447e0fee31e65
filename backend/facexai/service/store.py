"""The aligned faces of recent analyses, under a random id for a few minutes, never on disk.

A client can then ask for another class's explanation, or Integrated Gradients after a fast
first answer, without uploading the photo again, and forget them at once (``delete``: DELETE
/analyses/{id}) instead of waiting for them to expire. One interface, two places:

- :class:`MemoryStore` (the default): this process's memory, TTL + LRU. ``make run`` needs nothing else,
  but a follow-up must reach the process that took the upload.
- :class:`RedisStore` (``FACEXAI_REDIS_URL``): Redis, under the same TTL, so every replica behind a load
  balancer answers every follow-up. Each face is kept as ``.npy`` bytes (raw pixels with their shape and
  dtype). When Redis does not answer, uploads and follow-ups fail within a few seconds with
  ``StoreUnavailable`` (503 ``store_unavailable``, Retry-After); the client reconnects by itself once
  Redis is back.
"""

from __future__ import annotations

import io
import logging
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from facexai.core.chips import resize_chip
from facexai.core.errors import AnalysisNotFound, FaceNotFound, StoreUnavailable

if TYPE_CHECKING:
    from facexai.service.settings import Settings

log = logging.getLogger(__name__)


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


class AnalysisStore(ABC):
    """Where an analysis's aligned faces wait for follow-ups: ``add`` gives the new id, ``get`` the faces."""

    #: "memory" or "redis": what /health reports while the store answers
    kind: str

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s

    @abstractmethod
    def add(self, faces: list[StoredFace]) -> StoredAnalysis: ...

    @abstractmethod
    def get(self, analysis_id: str) -> StoredAnalysis:
        """The analysis's faces; :class:`AnalysisNotFound` when unknown or expired."""

    @abstractmethod
    def delete(self, analysis_id: str) -> None:
        """Forgets the analysis's faces now, for every process that shares the store;
        :class:`AnalysisNotFound` when unknown or expired (or forgotten already)."""

    def status(self) -> str:
        """``kind`` while the store answers, else "unavailable" (for /health)."""
        return self.kind

    def _not_found(self, analysis_id: str) -> AnalysisNotFound:
        return AnalysisNotFound(
            f"analysis {analysis_id!r} is unknown or expired (kept {int(self.ttl_s)} s); upload the photo again"
        )


def new_id() -> str:
    return secrets.token_urlsafe(12)


class MemoryStore(AnalysisStore):
    """A small in-memory TTL + LRU map from analysis id to its aligned faces."""

    kind = "memory"

    def __init__(self, ttl_s: float, capacity: int) -> None:
        super().__init__(ttl_s)
        self.capacity = capacity
        self._items: OrderedDict[str, StoredAnalysis] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, faces: list[StoredFace]) -> StoredAnalysis:
        record = StoredAnalysis(id=new_id(), faces=faces, created=time.monotonic())
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
                raise self._not_found(analysis_id)
            self._items.move_to_end(analysis_id)
            return record

    def delete(self, analysis_id: str) -> None:
        with self._lock:
            self._evict()
            if self._items.pop(analysis_id, None) is None:
                raise self._not_found(analysis_id)

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if now - v.created > self.ttl_s]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)


def encode_chip(chip: np.ndarray) -> bytes:
    """A chip as ``.npy`` bytes: its raw pixels behind a header with shape and dtype (no pickle)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(chip), allow_pickle=False)
    return buffer.getvalue()


def decode_chip(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


class RedisStore(AnalysisStore):
    """Every replica's analyses in one Redis: a hash per analysis (field ``n``: the number of faces,
    fields ``0``, ``1``, ...: each face's chip as ``.npy`` bytes) that Redis expires after ``ttl_s``.

    Redis's own ``maxmemory`` and eviction policy bound its size (``analysis_cache_size`` is the memory
    store's bound). Timeouts are short and a failed command is retried once on a fresh connection, so a
    Redis that went away answers :class:`StoreUnavailable` within about 4 s, and one that came back is
    used again at the next request.
    """

    kind = "redis"
    PREFIX = "facexai:analysis:"

    def __init__(self, url: str, ttl_s: float, connect_timeout_s: float = 1.0, timeout_s: float = 1.5) -> None:
        super().__init__(ttl_s)
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._errors = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=connect_timeout_s,
            socket_timeout=timeout_s,
            retry=Retry(NoBackoff(), 1),  # once more on a new connection: the old one may predate a restart
        )
        self._where = _without_password(url)

    def add(self, faces: list[StoredFace]) -> StoredAnalysis:
        record = StoredAnalysis(id=new_id(), faces=faces, created=time.monotonic())
        mapping: dict[str, bytes | int] = {str(i): encode_chip(f.chip) for i, f in enumerate(faces)}
        mapping["n"] = len(faces)
        key = self.PREFIX + record.id
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
                pipe.expire(key, int(self.ttl_s))
                pipe.execute()
        except self._errors as exc:
            raise self._unavailable(exc) from exc
        return record

    def get(self, analysis_id: str) -> StoredAnalysis:
        try:
            fields: dict[bytes, bytes] = self._redis.hgetall(self.PREFIX + analysis_id)  # type: ignore[assignment]
        except self._errors as exc:
            raise self._unavailable(exc) from exc
        if b"n" not in fields:
            raise self._not_found(analysis_id)
        faces = [StoredFace(chip=decode_chip(fields[str(i).encode()])) for i in range(int(fields[b"n"]))]
        return StoredAnalysis(id=analysis_id, faces=faces, created=time.monotonic())

    def delete(self, analysis_id: str) -> None:
        """One ``DEL`` of the analysis's hash: every replica then answers 404 for it."""
        try:
            deleted = int(self._redis.delete(self.PREFIX + analysis_id))
        except self._errors as exc:
            raise self._unavailable(exc) from exc
        if deleted == 0:
            raise self._not_found(analysis_id)

    def status(self) -> str:
        try:
            self._redis.ping()
        except self._errors:
            return "unavailable"
        return self.kind

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        log.warning("the analysis store at %s does not answer: %s: %s", self._where, type(exc).__name__, exc)
        return StoreUnavailable("the analysis store (Redis) does not answer; retry in a few seconds")


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"


def open_store(settings: Settings) -> AnalysisStore:
    """Redis when ``FACEXAI_REDIS_URL`` is set, else this process's memory."""
    if settings.redis_url:
        return RedisStore(settings.redis_url, settings.analysis_ttl_s)
    return MemoryStore(settings.analysis_ttl_s, settings.analysis_cache_size)
