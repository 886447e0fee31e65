"""The analysis store: the memory one's TTL and LRU, the Redis one's encoding and its answer when Redis is
away; /health's `store` and the X-Facexai-Replica header. Two real processes sharing a real Redis:
tests/test_replicas.py."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from facexai.core.errors import AnalysisNotFound, FaceNotFound, StoreUnavailable
from facexai.service.settings import Settings
from facexai.service.store import MemoryStore, RedisStore, StoredFace, decode_chip, encode_chip, open_store


def chip(seed: int = 0, size: int = 40) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def test_memory_store_keeps_faces_until_ttl_and_capacity() -> None:
    store = MemoryStore(ttl_s=60, capacity=2)
    first = store.add([StoredFace(chip(0)), StoredFace(chip(1))])
    assert np.array_equal(store.get(first.id).face(1).chip, chip(1))
    with pytest.raises(FaceNotFound):
        store.get(first.id).face(2)
    second, third = store.add([StoredFace(chip(2))]), store.add([StoredFace(chip(3))])
    with pytest.raises(AnalysisNotFound):
        store.get(first.id)  # the least recently used went
    assert store.get(second.id) and store.get(third.id)
    store.ttl_s = 0
    time.sleep(0.01)
    with pytest.raises(AnalysisNotFound):
        store.get(third.id)
    assert store.status() == "memory"


def test_chips_travel_as_raw_bytes_with_their_shape() -> None:
    for original in (chip(5, 150), chip(6, 224)[:, :200], np.zeros((8, 8), np.uint8)):
        data = encode_chip(original)
        assert len(data) < original.nbytes + 200  # raw pixels and a small header, no PNG, no pickle
        back = decode_chip(data)
        assert back.dtype == original.dtype and np.array_equal(back, original)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_redis_away_answers_store_unavailable_quickly() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", ttl_s=60)  # nothing listens there
    for call in (lambda: store.add([StoredFace(chip())]), lambda: store.get("abc")):
        started = time.perf_counter()
        with pytest.raises(StoreUnavailable) as caught:
            call()
        assert time.perf_counter() - started < 5
        assert caught.value.status_code == 503 and caught.value.code == "store_unavailable"
        assert caught.value.retry_after_s is not None and 1 <= caught.value.retry_after_s <= 5
    assert store.status() == "unavailable"


def test_the_setting_chooses_the_store() -> None:
    assert isinstance(open_store(Settings(redis_url=None)), MemoryStore)
    store = open_store(Settings(redis_url="redis://127.0.0.1:1/0", analysis_ttl_s=77))
    assert isinstance(store, RedisStore) and store.ttl_s == 77


def test_health_reports_the_store_and_every_answer_names_the_replica(client) -> None:
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["store"] == "memory"
    expected = client.app.state.settings.replica_name
    assert expected == socket.gethostname() or expected  # the host name unless FACEXAI_REPLICA_NAME is set
    for response in (health, client.get("/models"), client.get("/analyses/nope/faces/0/explanations/race")):
        assert response.headers["X-Facexai-Replica"] == expected
    assert client.get("/analyses/nope/faces/0/explanations/race").status_code == 404


def test_the_schema_declares_the_replica_header(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    responses = [r for operations in paths.values() for op in operations.values() for r in op["responses"].values()]
    assert responses and all("X-Facexai-Replica" in r["headers"] for r in responses)
    unavailable = paths["/analyze"]["post"]["responses"]["503"]
    assert "store_unavailable" in unavailable["description"] and "Retry-After" in unavailable["headers"]
