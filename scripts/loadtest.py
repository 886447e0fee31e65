"""Load test (``make loadtest``): 16 concurrent uploads of 40-megapixel photos to the real service.

Starts ``facexai serve`` on a free local port with a small untrained bundle (made in a temporary
folder by scripts/make_test_bundle.py, so trained models are not needed), makes one JPEG and one
PNG of about 40 megapixels in memory (a face from the shared test photos on a textured
background, each file close to the 10 MiB upload limit), sends them all at once with
``explain=grad_cam`` (half JPEG, half PNG), samples the resident memory of the service's
processes every 20 ms, then asks /health.

With ``--replicas N`` (N > 1) it starts Debian's ``redis-server`` on a free loopback port (no
persistence, 256 MB, allkeys-lru) and N ``facexai serve`` processes sharing it
(``FACEXAI_REDIS_URL``); the uploads alternate between the processes, and every upload answered 200
is followed up (a Grad-CAM explanation of its first face) on the *other* process, which finds the
faces in Redis. Memory is the peak of all the processes' resident memory together.

Passes when every answer is 200, or 503 ``busy`` with a Retry-After header (none dropped, no
other status), at least two are 200, every follow-up is 200 or 503 busy and at least one is 200
(the other process found the faces in Redis), the peak resident memory is at most
--max-rss-gb and /health answers 200 afterwards. Prints the figures; exits 1 when the target is
missed, 2 when the test cannot run. Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import psutil
from PIL import Image, ImageDraw

from facexai.core.machine import cpu_cores
from facexai.service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
FACEXAI = Path(sys.executable).parent / "facexai"
#: the largest upload the service accepts (its default max_pixels)
SIZE = (7744, 5164)  # 39.99 megapixels
#: the astronaut's face and some margin in the shared astronaut.png (512 x 512)
FACE_CROP = (110, 10, 340, 250)
GIB = 1024**3
REDIS_SERVER = "/usr/bin/redis-server"


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (connection dropped or timed out)
    code: str
    retry_after: str | None
    seconds: float
    follow_up: int | None = 0  # with replicas: the follow-up's status on the other process (0: none asked)
    follow_up_busy: bool = False  # ... a 503 busy with Retry-After (the other process had no free slot)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_photo(face_source: Path, noise_rows: int, seed: int) -> Image.Image:
    """A ~40 MP photo: a smooth background with shapes, grain in ``noise_rows`` rows, one face ~500 px wide."""
    width, height = SIZE
    rng = np.random.default_rng(seed)
    x = np.linspace(40, 200, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 60, height, dtype=np.float32)[:, None]
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[..., 0] = x + y
    pixels[..., 1] = x * 0.8 + y
    pixels[..., 2] = 220 - y
    # grain (what makes a photo's file large), a 1024-column tile repeated across
    tile = rng.normal(0, 8, size=(noise_rows, 1024, 3)).astype(np.int16)
    for x0 in range(0, width, 1024):
        band = pixels[:noise_rows, x0 : x0 + 1024]
        band[:] = np.clip(band + tile[:, : band.shape[1]], 0, 255)
    photo = Image.fromarray(pixels)
    del pixels
    draw = ImageDraw.Draw(photo)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, width - 800)), int(rng.integers(0, height - 800))
        w, h = (int(v) for v in rng.integers(100, 800, 2))
        draw.ellipse((x0, y0, x0 + w, y0 + h), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    face = Image.open(face_source).convert("RGB").crop(FACE_CROP)
    face = face.resize((face.width * 6, face.height * 6), Image.Resampling.BICUBIC)
    photo.paste(face, (width // 2 - face.width // 2, height // 3 - face.height // 2))
    return photo


def encode(photo: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    photo.save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


class RssSampler(threading.Thread):
    """The summed RSS of some processes and all their descendants, sampled until stopped; keeps the peak."""

    def __init__(self, pids: list[int], every_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.roots = [psutil.Process(pid) for pid in pids]
        self.every_s = every_s
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()

    def current(self) -> int:
        total = 0
        for root in self.roots:
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):  # a child that just ended
                    total += proc.memory_info().rss
        return total

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self.current())
            self.samples += 1
            self._done.wait(self.every_s)

    def stop(self) -> None:
        self._done.set()
        self.join()


def wait_healthy(base: str, server: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with status {server.returncode} while starting")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the service was not healthy after {timeout_s:.0f} s")


def upload(base: str, kind: str, data: bytes, timeout_s: float, follow_up: str | None = None) -> Answer:
    """One upload; with ``follow_up`` (another replica's address), a 200 is followed by a Grad-CAM
    explanation of its first face there, whose status is the answer's ``follow_up``."""
    started = time.monotonic()
    try:
        r = httpx.post(
            f"{base}/analyze",
            params={"explain": "grad_cam"},
            files={"file": (f"photo.{kind}", data, f"image/{kind}")},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        return Answer(kind, None, type(exc).__name__, None, time.monotonic() - started)
    try:
        code = str(r.json().get("code", "")) if r.status_code != 200 else "ok"
    except ValueError:
        code = "not json"
    answer = Answer(kind, r.status_code, code, r.headers.get("retry-after"), time.monotonic() - started)
    if follow_up is not None and r.status_code == 200:
        analysis = r.json()["analysis_id"]
        model = r.json()["models"][0]
        try:
            f = httpx.get(
                f"{follow_up}/analyses/{analysis}/faces/0/explanations/{model}",
                params={"explain": "grad_cam"},
                timeout=timeout_s,
            )
            answer.follow_up = f.status_code
            answer.follow_up_busy = (
                f.status_code == 503 and f.json().get("code") == "busy" and "retry-after" in f.headers
            )
        except httpx.HTTPError:
            answer.follow_up = None
    return answer


def start_redis(port: int, folder: str) -> subprocess.Popen:
    """Debian's redis-server on loopback: memory only (no RDB, no AOF), bounded, evicting."""
    command = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    command += ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--dir", folder]
    redis = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return redis
        time.sleep(0.1)
    redis.kill()
    raise RuntimeError("redis-server did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(os.environ.get("FACEXAI_SHARED_IMAGES", REPO.parent / "shared" / "images"))
    parser.add_argument("--images", type=Path, default=shared, help="the shared test photos (astronaut.png)")
    parser.add_argument("--uploads", type=int, default=16)
    parser.add_argument("--max-rss-gb", type=float, help="peak memory limit (default 2.5 GB, 3.5 GB with replicas)")
    parser.add_argument("--replicas", type=int, default=1, help="facexai serve processes sharing one Redis")
    parser.add_argument("--min-ok", type=int, default=2, help="the fewest 200 answers that pass")
    parser.add_argument("--timeout", type=float, default=180, help="seconds one upload may take")
    args = parser.parse_args()
    max_rss_gb = args.max_rss_gb or (2.5 if args.replicas == 1 else 3.5)
    if args.replicas > 1 and not Path(REDIS_SERVER).is_file():
        print(f"loadtest: {REDIS_SERVER} not found (apt-get install redis-server)", file=sys.stderr)
        return 2
    face_source = args.images / "astronaut.png"
    if not face_source.is_file():
        print(f"loadtest: {face_source} not found (set --images or FACEXAI_SHARED_IMAGES)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="facexai-loadtest-") as tmp:
        t = time.monotonic()
        bundle = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "make_test_bundle.py"), f"{tmp}/bundle", "--input-size", "224"],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        ).stdout.strip()
        photos = {
            "jpeg": encode(make_photo(face_source, noise_rows=SIZE[1], seed=1), "JPEG"),
            "png": encode(make_photo(face_source, noise_rows=2 * SIZE[1] // 5, seed=2), "PNG"),
        }
        print(f"bundle and photos ready in {time.monotonic() - t:.0f} s: untrained bundle (224 px) at {bundle}")
        for kind, data in photos.items():
            print(f"  {kind}: {SIZE[0]}x{SIZE[1]} = {SIZE[0] * SIZE[1] / 1e6:.1f} MP, {len(data) / 2**20:.1f} MiB")

        env = {**os.environ, "FACEXAI_MODELS_MANIFEST": bundle, "TF_CPP_MIN_LOG_LEVEL": "3"}
        redis = None
        if args.replicas > 1:
            redis_port = free_port()
            redis = start_redis(redis_port, tmp)
            env["FACEXAI_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            print(f"redis-server on 127.0.0.1:{redis_port} (no persistence, 256 MB, allkeys-lru)")
        bases, servers = [], []
        for i in range(args.replicas):
            port = free_port()
            bases.append(f"http://127.0.0.1:{port}")
            command = [str(FACEXAI), "serve", "--port", str(port), "--log-level", "warning"]
            servers.append(subprocess.Popen(command, cwd=REPO, env={**env, "FACEXAI_REPLICA_NAME": f"replica-{i}"}))
        try:
            t = time.monotonic()
            for base, server in zip(bases, servers, strict=True):
                wait_healthy(base, server, timeout_s=240)
            sampler = RssSampler([s.pid for s in servers])
            idle = sampler.current()
            limits = Settings()  # what the service reads: its defaults and any FACEXAI_* variables
            print(
                f"admission: {limits.max_running_analyses} analyses at once, {limits.max_queued_analyses} queued"
                f" ({cpu_cores()} cores)"
            )
            print(
                f"{len(servers)} service process(es) up in {time.monotonic() - t:.0f} s; resident at rest: "
                f"{idle / GIB:.2f} GB together"
            )
            kinds = ["jpeg", "png"] * (args.uploads // 2) + ["jpeg"] * (args.uploads % 2)
            # upload i goes to process i mod N; with replicas, its follow-up to the next process
            jobs = [
                (kind, bases[i % len(bases)], bases[(i + 1) % len(bases)] if len(bases) > 1 else None)
                for i, kind in enumerate(kinds)
            ]
            sampler.start()
            t = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(max_workers=len(kinds)) as pool:
                answers = list(pool.map(lambda j: upload(j[1], j[0], photos[j[0]], args.timeout, j[2]), jobs))
            elapsed = time.monotonic() - t
            time.sleep(0.5)  # the last moments of serialising and freeing
            sampler.stop()
            healths = [httpx.get(f"{base}/health", timeout=10).status_code for base in bases]
        finally:
            for server in servers:
                stop(server)
            if redis is not None:
                stop(redis)

    ok = sum(a.status == 200 for a in answers)
    busy = sum(a.status == 503 and a.code == "busy" and a.retry_after is not None for a in answers)
    other = [a for a in answers if not (a.status == 200 or (a.status == 503 and a.code == "busy" and a.retry_after))]
    print(f"{len(answers)} concurrent uploads (explain=grad_cam) answered in {elapsed:.1f} s:")
    for i, a in enumerate(answers):
        extra = f", Retry-After {a.retry_after}" if a.retry_after else ""
        print(f"  {i:2d} {a.kind:4s} -> {a.status or 'no answer'} {a.code}{extra} ({a.seconds:.1f} s)")
    peak_gb = sampler.peak / GIB
    print(f"200: {ok}   503 busy with Retry-After: {busy}   other or dropped: {len(other)}")
    asked = [a for a in answers if a.status == 200 and args.replicas > 1]
    shared = sum(a.follow_up == 200 for a in asked)
    failed_follow_ups = [a.follow_up for a in asked if a.follow_up != 200 and not a.follow_up_busy]
    if args.replicas > 1:
        print(
            f"follow-ups on the other process: {shared} of {len(asked)} 200, "
            f"{sum(a.follow_up_busy for a in asked)} 503 busy with Retry-After, {len(failed_follow_ups)} other"
        )
    print(
        f"peak resident memory of the {len(bases)} service process(es) together: {peak_gb:.2f} GB "
        f"(limit {max_rss_gb} GB; {sampler.samples} samples)"
    )
    print(f"/health afterwards: {', '.join(map(str, healths))}")
    missed = []
    if other:
        missed.append(f"{len(other)} answer(s) neither 200 nor 503 busy with Retry-After")
    if ok < args.min_ok:
        missed.append(f"only {ok} answer(s) 200, fewer than {args.min_ok}")
    if failed_follow_ups:
        missed.append(f"{len(failed_follow_ups)} follow-up(s) neither 200 nor 503 busy: {failed_follow_ups}")
    if args.replicas > 1 and asked and not shared:
        missed.append("no follow-up found its analysis on the other process")
    if peak_gb > max_rss_gb:
        missed.append(f"peak memory {peak_gb:.2f} GB over {max_rss_gb} GB")
    if any(h != 200 for h in healths):
        missed.append(f"/health answered {healths}")
    print("PASS" if not missed else "FAIL: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
