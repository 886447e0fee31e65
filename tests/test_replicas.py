"""Past one process: two real `facexai serve` processes share one real `redis-server` (FACEXAI_REDIS_URL).

An upload to one is followed up on the other; with the first stopped the second still answers; with Redis
stopped uploads and follow-ups answer 503 store_unavailable with Retry-After within 5 s while /health stays
200; with Redis started again uploads work again by themselves within 30 s. Everything started here is
stopped by its pid, also when the test fails. `make test` installs Debian's redis-server when missing.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import IMAGES, REDIS_SERVER, Redis, free_port, stop, wait_for
from PIL import Image

FACEXAI = Path(sys.executable).parent / "facexai"
PHOTO = IMAGES / "multi_face_astronaut_hopper.jpg"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(REDIS_SERVER).is_file(), reason="redis-server not installed (make test installs Debian's redis-server)"
    ),
]


class Replica:
    def __init__(self, name: str, proc: subprocess.Popen, url: str, log: Path) -> None:
        self.name, self.proc, self.url, self.log = name, proc, url, log

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)

    def upload(self, photo: tuple[str, bytes, str], align: bool) -> httpx.Response:
        params = {"explain": "grad_cam", "align": str(align).lower()}
        return httpx.post(self.url + "/analyze", params=params, files={"file": photo}, timeout=60)


@pytest.fixture
def replicas(untrained_bundle: Path, redis_server: Redis, tmp_path: Path) -> Iterator[dict[str, Replica]]:
    if not FACEXAI.is_file():
        pytest.skip(f"{FACEXAI} not found: make install-backend")
    started: dict[str, Replica] = {}
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"replica-{name}.log"
            env = {
                **os.environ,
                "FACEXAI_MODELS_MANIFEST": str(untrained_bundle),
                "FACEXAI_REDIS_URL": redis_server.url,
                "FACEXAI_REPLICA_NAME": f"replica-{name}",
                "FACEXAI_FRONTEND_DIST": "/nonexistent",
                "FACEXAI_WARM_UP": "false",
                "FACEXAI_IG_STEPS": "8",
                "TF_CPP_MIN_LOG_LEVEL": "3",
            }
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [str(FACEXAI), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            started[name] = Replica(f"replica-{name}", proc, f"http://127.0.0.1:{port}", log)
        for r in started.values():  # both load at once
            took = wait_for(lambda r=r: r.get("/health").status_code == 200, 240, r.name, r.proc)
            print(f"{r.name} healthy after {took:.1f} s")
        yield started
    finally:
        for r in started.values():
            stop(r.proc)
            if r.proc.returncode not in (0, -15):
                print(f"--- {r.name} log ---\n{r.log.read_text()[-3000:]}")


def photo() -> tuple[tuple[str, bytes, str], bool]:
    """The public-domain two-face photo, or (without ../shared) a generated chip uploaded as already aligned."""
    if PHOTO.is_file():
        return (PHOTO.name, PHOTO.read_bytes(), "image/jpeg"), True
    pixels = np.random.default_rng(0).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return ("chip.png", buffer.getvalue(), "image/png"), False


def assert_store_unavailable(response: httpx.Response, took_s: float) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "store_unavailable"
    assert 1 <= int(response.headers["Retry-After"]) <= 5
    assert took_s < 5


def test_two_processes_share_one_redis(replicas: dict[str, Replica], redis_server: Redis) -> None:
    a, b = replicas["a"], replicas["b"]
    upload, align = photo()
    timings: dict[str, float] = {}

    t = time.perf_counter()
    first = a.upload(upload, align)
    timings["upload_a"] = time.perf_counter() - t
    assert first.status_code == 200, first.text
    assert first.headers["X-Facexai-Replica"] == "replica-a"
    body = first.json()
    analysis, faces = body["analysis_id"], body["faces"]
    assert len(faces) == (2 if align else 1)

    # the follow-up on the other process: Integrated Gradients of face 0
    t = time.perf_counter()
    ig = b.get(f"/analyses/{analysis}/faces/0/explanations/race", params={"explain": "integrated_gradients"})
    timings["ig_on_b"] = time.perf_counter() - t
    assert ig.status_code == 200, ig.text
    assert ig.headers["X-Facexai-Replica"] == "replica-b"
    assert ig.json()["integrated_gradients"]["image"]

    # the first process gone, the second still answers for its analysis
    stop(a.proc)
    last = faces[-1]["index"]
    compare = b.get(f"/analyses/{analysis}/faces/{last}/compare", params={"models": ["race", "race_biased"]})
    assert compare.status_code == 200, compare.text
    assert b.get("/health").json()["store"] == "redis"

    # Redis gone: 503 store_unavailable with Retry-After, quickly; /health stays 200 and says so
    redis_server.stop()
    t = time.perf_counter()
    refused = b.upload(upload, align)
    assert_store_unavailable(refused, time.perf_counter() - t)
    t = time.perf_counter()
    follow_up = b.get(f"/analyses/{analysis}/faces/0/explanations/race", params={"explain": "grad_cam"})
    assert_store_unavailable(follow_up, time.perf_counter() - t)
    health = b.get("/health")
    assert health.status_code == 200 and health.json()["store"] == "unavailable"

    # Redis back (empty: no persistence): uploads work again by themselves
    redis_server.start()
    timings["recovered_after"] = wait_for(lambda: b.upload(upload, align).status_code == 200, 30, "upload again")
    again = b.upload(upload, align)
    assert again.status_code == 200 and b.get("/health").json()["store"] == "redis"
    follow = b.get(f"/analyses/{again.json()['analysis_id']}/faces/0/grid/race", params={"method": "grad_cam"})
    assert follow.status_code == 200, follow.text
    print("timings (s):", {k: round(v, 2) for k, v in timings.items()})
