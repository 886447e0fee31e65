"""The analysis store: the memory one's TTL and LRU, the Redis one's encoding and its answer when Redis is
away; /health's `store` and the X-Facexai-Replica header; DELETE /analyses/{id} in memory and in a Redis two
app instances share. Two real processes sharing a real Redis: tests/test_replicas.py."""

from __future__ import annotations

import io
import socket
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from facexai.api.main import create_app
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


def test_memory_store_forgets_an_analysis_at_once() -> None:
    store = MemoryStore(ttl_s=60, capacity=4)
    kept, forgotten = store.add([StoredFace(chip(0))]), store.add([StoredFace(chip(1)), StoredFace(chip(2))])
    store.delete(forgotten.id)
    with pytest.raises(AnalysisNotFound):
        store.get(forgotten.id)
    with pytest.raises(AnalysisNotFound):
        store.delete(forgotten.id)  # once only
    assert len(store) == 1 and store.get(kept.id)
    store.ttl_s = 0
    time.sleep(0.01)
    with pytest.raises(AnalysisNotFound):
        store.delete(kept.id)  # expired is unknown


def analysis_of_a_chip(client) -> str:
    upload = io.BytesIO()
    Image.fromarray(chip(7, 64)).save(upload, format="PNG")
    r = client.post("/analyze", params={"align": "false", "explain": "none"}, files={"file": upload.getvalue()})
    assert r.status_code == 200, r.text
    return r.json()["analysis_id"]


def follow_up(client, analysis_id: str):
    return client.get(f"/analyses/{analysis_id}/faces/0/explanations/race", params={"explain": "grad_cam"})


def test_delete_forgets_an_analysis_and_its_faces(client) -> None:
    analysis_id = analysis_of_a_chip(client)
    assert follow_up(client, analysis_id).status_code == 200
    r = client.delete(f"/analyses/{analysis_id}")
    assert r.status_code == 204 and r.content == b""
    gone = follow_up(client, analysis_id)
    assert (gone.status_code, gone.json()["code"]) == (404, "analysis_not_found")
    again = client.delete(f"/analyses/{analysis_id}")
    assert (again.status_code, again.json()["code"]) == (404, "analysis_not_found")
    with pytest.raises(AnalysisNotFound):
        client.app.state.store.get(analysis_id)


def test_delete_needs_no_model_and_is_in_the_schema() -> None:
    app = create_app(Settings(frontend_dist="/nonexistent"), load_models=False)  # nothing loaded
    with TestClient(app) as client:
        r = client.delete("/analyses/unknown")
        assert (r.status_code, r.json()["code"]) == (404, "analysis_not_found")
        operation = client.get("/openapi.json").json()["paths"]["/analyses/{analysis_id}"]["delete"]
    assert set(operation["responses"]) == {"204", "404", "422", "503"}
    links = app.openapi()["paths"]["/analyze"]["post"]["responses"]["200"]["links"]
    assert links["forget"]["operationId"] == operation["operationId"]
    assert links["forget"]["parameters"] == {"analysis_id": "$response.body#/analysis_id"}


@pytest.mark.slow
def test_delete_forgets_on_every_replica_sharing_redis(untrained_bundle, redis_server) -> None:
    """Two app instances sharing one real redis-server: forgotten on one, unknown on both, no key left."""
    import redis

    def replica(name: str) -> TestClient:
        settings = Settings(
            models_manifest=untrained_bundle,
            frontend_dist="/nonexistent",
            redis_url=redis_server.url,
            replica_name=name,
            warm_up=False,
            load_in_background=False,
        )
        return TestClient(create_app(settings))

    with replica("a") as a, replica("b") as b:
        analysis_id = analysis_of_a_chip(a)
        keys = redis.Redis.from_url(redis_server.url).keys(RedisStore.PREFIX + "*")
        assert keys == [(RedisStore.PREFIX + analysis_id).encode()]
        assert follow_up(b, analysis_id).status_code == 200  # b reads what a stored
        r = b.delete(f"/analyses/{analysis_id}")
        assert (r.status_code, r.headers["X-Facexai-Replica"]) == (204, "b")
        for client in (a, b):
            gone = follow_up(client, analysis_id)
            assert (gone.status_code, gone.json()["code"]) == (404, "analysis_not_found")
        again = a.delete(f"/analyses/{analysis_id}")
        assert (again.status_code, again.json()["code"]) == (404, "analysis_not_found")
        assert redis.Redis.from_url(redis_server.url).keys(RedisStore.PREFIX + "*") == []


def test_redis_away_answers_delete_with_store_unavailable() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", ttl_s=60)
    with pytest.raises(StoreUnavailable):
        store.delete("abc")
