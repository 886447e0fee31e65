"""Load test (``make loadtest``): 16 concurrent uploads of 40-megapixel photos to the real service.

Starts ``facexai serve`` on a free local port with a small untrained bundle (made in a temporary
folder by scripts/make_test_bundle.py, so trained models are not needed), makes one JPEG and one
PNG of about 40 megapixels in memory (a face from the shared test photos on a textured
background, each file close to the 10 MiB upload limit), sends them all at once with
``explain=grad_cam`` (half JPEG, half PNG), samples the resident memory of the service's
processes every 20 ms, then asks /health.

Passes when every answer is 200, or 503 ``busy`` with a Retry-After header (none dropped, no
other status), at least two are 200, the peak resident memory is at most --max-rss-gb and /health
answers 200 afterwards. Prints the figures; exits 1 when the target is missed, 2 when the test
cannot run. Nothing is written to the repository.
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


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (connection dropped or timed out)
    code: str
    retry_after: str | None
    seconds: float


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
    """The summed RSS of a process and all its descendants, sampled until stopped; keeps the peak."""

    def __init__(self, pid: int, every_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()

    def current(self) -> int:
        total = 0
        for proc in [self.root, *self.root.children(recursive=True)]:
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


def upload(base: str, kind: str, data: bytes, timeout_s: float) -> Answer:
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
    return Answer(kind, r.status_code, code, r.headers.get("retry-after"), time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(os.environ.get("FACEXAI_SHARED_IMAGES", REPO.parent / "shared" / "images"))
    parser.add_argument("--images", type=Path, default=shared, help="the shared test photos (astronaut.png)")
    parser.add_argument("--uploads", type=int, default=16)
    parser.add_argument("--max-rss-gb", type=float, default=2.5)
    parser.add_argument("--min-ok", type=int, default=2, help="the fewest 200 answers that pass")
    parser.add_argument("--timeout", type=float, default=180, help="seconds one upload may take")
    args = parser.parse_args()
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

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "FACEXAI_MODELS_MANIFEST": bundle, "TF_CPP_MIN_LOG_LEVEL": "3"}
        server = subprocess.Popen(
            [str(FACEXAI), "serve", "--port", str(port), "--log-level", "warning"], cwd=REPO, env=env
        )
        try:
            t = time.monotonic()
            wait_healthy(base, server, timeout_s=180)
            sampler = RssSampler(server.pid)
            idle = sampler.current()
            limits = Settings()  # what the service reads: its defaults and any FACEXAI_* variables
            print(
                f"admission: {limits.max_running_analyses} analyses at once, {limits.max_queued_analyses} queued"
                f" ({cpu_cores()} cores)"
            )
            print(
                f"service up in {time.monotonic() - t:.0f} s (pid {server.pid}); resident at rest: {idle / GIB:.2f} GB"
            )
            kinds = ["jpeg", "png"] * (args.uploads // 2) + ["jpeg"] * (args.uploads % 2)
            sampler.start()
            t = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(max_workers=len(kinds)) as pool:
                answers = list(pool.map(lambda k: upload(base, k, photos[k], args.timeout), kinds))
            elapsed = time.monotonic() - t
            time.sleep(0.5)  # the last moments of serialising and freeing
            sampler.stop()
            health = httpx.get(f"{base}/health", timeout=10).status_code
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    ok = sum(a.status == 200 for a in answers)
    busy = sum(a.status == 503 and a.code == "busy" and a.retry_after is not None for a in answers)
    other = [a for a in answers if not (a.status == 200 or (a.status == 503 and a.code == "busy" and a.retry_after))]
    print(f"{len(answers)} concurrent uploads (explain=grad_cam) answered in {elapsed:.1f} s:")
    for i, a in enumerate(answers):
        extra = f", Retry-After {a.retry_after}" if a.retry_after else ""
        print(f"  {i:2d} {a.kind:4s} -> {a.status or 'no answer'} {a.code}{extra} ({a.seconds:.1f} s)")
    peak_gb = sampler.peak / GIB
    print(f"200: {ok}   503 busy with Retry-After: {busy}   other or dropped: {len(other)}")
    print(
        f"peak resident memory of the service: {peak_gb:.2f} GB (limit {args.max_rss_gb} GB; {sampler.samples} samples)"
    )
    print(f"/health afterwards: {health}")
    missed = []
    if other:
        missed.append(f"{len(other)} answer(s) neither 200 nor 503 busy with Retry-After")
    if ok < args.min_ok:
        missed.append(f"only {ok} answer(s) 200, fewer than {args.min_ok}")
    if peak_gb > args.max_rss_gb:
        missed.append(f"peak memory {peak_gb:.2f} GB over {args.max_rss_gb} GB")
    if health != 200:
        missed.append(f"/health answered {health}")
    print("PASS" if not missed else "FAIL: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
