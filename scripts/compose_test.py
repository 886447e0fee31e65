#!/usr/bin/env python3
"""`make compose-test`: docker-compose.yml as users run it, with several backend replicas behind nginx.

1. Installs what it needs when missing (Debian's docker.io, docker-compose, debootstrap) and starts `dockerd`
   when no engine answers (and stops the one it started at the end).
2. Every image the compose file and the Dockerfiles name (FROM, image:) that is neither here nor pullable
   gets a stand-in under the same name, built on a Debian 12 minbase (debootstrap) as /work/shared/DOCKER.md
   measured: no registry can be reached from these machines. The FROM and image: lines stay what a user's
   machine pulls. The debootstrap root file system and the stand-ins are cached (CACHE, default
   ~/.cache/facexai-compose) as tar files, so a second run on a fresh engine loads them in seconds.
3. Builds the images from the compose file, starts the stack on a free port with REPLICAS backends
   (default 2), waits for /health through nginx, uploads the two-face photo through the web app's port,
   asks for Integrated Gradients follow-ups and the comparison, and checks that X-Facexai-Replica names at
   least two replicas among one analysis's requests and that every follow-up succeeded; loads / and one of
   its scripts. `down -v` at the end, also when a step fails.

Prints the build and start-up times. Exit 0: passed, or skipped because no Docker engine can be started here
(the reason is printed); anything else fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILES = [REPO / "backend" / "Dockerfile", REPO / "frontend" / "Dockerfile"]
CACHE = Path(os.environ.get("FACEXAI_COMPOSE_CACHE", Path.home() / ".cache" / "facexai-compose"))
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
MINBASE = "local/bookworm:minbase"
MIRROR = "http://deb.debian.org/debian"
STAND_IN_LABEL = "org.facexai.stand-in"
PHOTO = REPO.parent / "shared" / "images" / "multi_face_astronaut_hopper.jpg"  # public domain, two faces

#: stand-ins by the image's name: a Dockerfile on the Debian 12 minbase (DOCKER.md's measured recipes)
APT = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends"
CLEAN = "rm -rf /var/lib/apt/lists/*"
RECIPES: dict[str, str] = {
    "python": f"""FROM {MINBASE}
COPY ca-certificates.crt /tmp/host-ca.crt
RUN {APT} python3 python3-pip python3-venv ca-certificates && {CLEAN} \\
 && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \\
 && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip \\
 && cp /tmp/host-ca.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
""",
    "node": f"""FROM {MINBASE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
""",
    "nginx": f"""FROM {MINBASE}
RUN {APT} nginx && {CLEAN} && rm -f /etc/nginx/sites-enabled/default \\
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
""",
    "redis": f"""FROM {MINBASE}
RUN {APT} redis-server && {CLEAN}
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
""",
}


class Skip(Exception):
    """No Docker engine can be started here: the one outcome reported as a skip."""


def log(message: str) -> None:
    print(f"compose-test: {message}", flush=True)


def run(args: list[str], check: bool = True, quiet: bool = False, **kwargs) -> subprocess.CompletedProcess:
    if not quiet:
        log("$ " + " ".join(args))
    out = subprocess.PIPE if quiet else None
    return subprocess.run(args, check=check, stdout=out, stderr=out, **kwargs)


def ok(args: list[str]) -> bool:
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


# --- the tools ----------------------------------------------------------------------------------------
def apt_install(packages: list[str]) -> None:
    if not packages:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"compose-test: {', '.join(packages)} missing and apt-get cannot install them here")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *packages], env=env)


def ensure_tools() -> None:
    missing = []
    if not shutil.which("dockerd") and not ok(["docker", "info"]):
        missing.append("docker.io")
    if not shutil.which("docker-compose") and not ok(["docker", "compose", "version"]):
        missing.append("docker-compose")
    if not shutil.which("debootstrap"):
        missing.append("debootstrap")
    apt_install(missing)


def compose_command() -> list[str]:
    if ok(["docker", "compose", "version"]):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SystemExit("compose-test: neither `docker compose` nor `docker-compose` is available")


class Engine:
    """A Docker engine that answers: the one running, or a `dockerd` started (and later stopped) here."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / "facexai-compose-test-dockerd.log"

    def start(self) -> None:
        if ok(["docker", "info"]):
            log("a Docker engine answers; using it")
            return
        dockerd = shutil.which("dockerd")
        if dockerd is None:
            raise Skip("no Docker engine answers and dockerd is not installed")
        if os.geteuid() != 0:
            raise Skip("no Docker engine answers and starting dockerd needs root")
        log(f"starting dockerd (log: {self.log})")
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([dockerd], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-1500:]
                rc, self.proc = self.proc.returncode, None
                raise Skip(f"dockerd exited with {rc} at start:\n{tail}")
            if ok(["docker", "info"]):
                return
            time.sleep(1)
        self.stop()
        raise Skip("dockerd did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            log(f"stopping the dockerd started here (pid {self.proc.pid})")
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


# --- images -------------------------------------------------------------------------------------------
def named_images() -> list[str]:
    """Every image a user's machine pulls: the Dockerfiles' FROM lines (not their stages) and the
    compose file's image: lines of services without a build."""
    names: list[str] = []
    for dockerfile in DOCKERFILES:
        stages: set[str] = set()
        for line in dockerfile.read_text().splitlines():
            m = re.match(r"\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
            if m:
                if m.group(1) not in stages:
                    names.append(m.group(1))
                if m.group(2):
                    stages.add(m.group(2))
    service = None
    has_build: dict[str, bool] = {}
    images: dict[str, str] = {}
    for line in COMPOSE_FILE.read_text().splitlines():
        if m := re.match(r"^  ([A-Za-z0-9_.-]+):\s*$", line):
            service = m.group(1)
        elif service and (m := re.match(r"^    image:\s*(\S+)", line)):
            images[service] = m.group(1).strip("\"'")
        elif service and re.match(r"^    build:", line):
            has_build[service] = True
    names += [image for s, image in images.items() if not has_build.get(s)]
    return list(dict.fromkeys(names))


def recipe_for(image: str) -> str:
    repository = image.split(":")[0].rsplit("/", 1)[-1]
    if repository not in RECIPES:
        raise SystemExit(f"compose-test: {image} cannot be pulled and there is no stand-in recipe for it")
    return RECIPES[repository]


def cache_file(name: str, recipe: str) -> Path:
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    return CACHE / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{digest}.tar"


def have(image: str) -> bool:
    return ok(["docker", "image", "inspect", image])


def pullable(image: str) -> bool:
    log(f"pulling {image} (stand-in if no registry answers)")
    try:
        return subprocess.run(["docker", "pull", "-q", image], capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def minbase() -> None:
    """The Debian 12 minbase image: from the cached tar of its root file system, else debootstrap."""
    if have(MINBASE):
        return
    rootfs = CACHE / "bookworm-minbase-rootfs.tar"
    if not rootfs.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="facexai-debootstrap-") as tmp:
            started = time.monotonic()
            run(["debootstrap", "--variant=minbase", "bookworm", tmp, MIRROR])
            partial = rootfs.with_suffix(".partial")
            run(["tar", "-C", tmp, "-cf", str(partial), "."])
            partial.rename(rootfs)
            log(f"debootstrap: {time.monotonic() - started:.0f} s")
    with rootfs.open("rb") as data:
        run(["docker", "import", "-", MINBASE], stdin=data)


def stand_in(image: str) -> None:
    recipe = recipe_for(image)
    cached = cache_file(image, recipe)
    if cached.is_file():
        run(["docker", "load", "-q", "-i", str(cached)])
        if have(image):
            return
    minbase()
    with tempfile.TemporaryDirectory(prefix="facexai-stand-in-") as tmp:
        context = Path(tmp)
        (context / "Dockerfile").write_text(recipe + f'LABEL {STAND_IN_LABEL}="{image} from Debian 12"\n')
        if HOST_CA.is_file():
            shutil.copy(HOST_CA, context / "ca-certificates.crt")
        else:
            (context / "ca-certificates.crt").write_text("")
        if "COPY node " in recipe:
            node = Path(shutil.which("node") or "/usr/bin/node").resolve()
            npm = Path("/usr/lib/node_modules/npm")
            if not node.is_file() or not npm.is_dir():
                raise SystemExit(f"compose-test: a stand-in for {image} needs this machine's node and npm")
            shutil.copy(node, context / "node")
            shutil.copytree(npm, context / "npm", symlinks=True)
        run(["docker", "build", "-q", "-t", image, str(context)])
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    run(["docker", "save", "-o", str(partial), image])
    partial.rename(cached)


def ensure_images() -> dict[str, str]:
    how: dict[str, str] = {}
    for image in named_images():
        if have(image):
            how[image] = "present"
        elif pullable(image):
            how[image] = "pulled"
        else:
            stand_in(image)
            how[image] = "stand-in"
    return how


# --- the stack ----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 300):
    """(status, headers, body) of one HTTP request; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def multipart(name: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
    head += f"Content-Type: {content_type}\r\n\r\n"
    return head.encode() + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def generated_chip(size: int = 96) -> bytes:
    """A noise PNG (RGB, 8 bit) written with the standard library only."""
    rows = b"".join(b"\x00" + os.urandom(size * 3) for _ in range(size))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def upload_for(photo: Path) -> tuple[str, bytes, str, bool, int]:
    """(file name, bytes, content type, align, faces expected): the two-face photo, else a generated chip."""
    if photo.is_file():
        return photo.name, photo.read_bytes(), "image/jpeg", True, 2
    return "chip.png", generated_chip(), "image/png", False, 1


def wait_healthy(url: str, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            status, _, body = request(url + "/health", timeout=5)
            if status == 200 and json.loads(body)["status"] == "ok":
                return time.monotonic() - started
        except (OSError, ValueError):
            pass
        time.sleep(1)
    raise AssertionError(f"{url}/health not 200 within {timeout_s:.0f} s")


def exercise(url: str, photo: Path, replicas: int) -> dict[str, object]:
    """One analysis through nginx and its follow-ups; which replicas served them."""
    facts: dict[str, object] = {}
    status, _, body = request(url + "/")
    assert status == 200 and b'id="root"' in body, f"GET / -> {status}"
    script = re.search(rb'<script[^>]+src="([^"]+\.js)"', body)
    assert script, "GET / has no script"
    status, headers, _ = request(url + script.group(1).decode())
    assert status == 200 and "javascript" in headers.get("Content-Type", ""), f"the app's script -> {status}"

    served: list[str] = []
    name, raw, raw_type, align, expected = upload_for(photo)
    data, content_type = multipart(name, raw, raw_type)
    t = time.monotonic()
    query = f"explain=grad_cam&align={str(align).lower()}"
    status, headers, body = request(f"{url}/analyze?{query}", data, {"Content-Type": content_type})
    facts["upload_s"] = round(time.monotonic() - t, 2)
    assert status == 200, f"POST /analyze -> {status}: {body[:300]!r}"
    served.append(headers["X-Facexai-Replica"])
    analysis = json.loads(body)
    faces = [f["index"] for f in analysis["faces"]]
    assert len(faces) == expected, f"{len(faces)} faces found in {name}, not {expected}"
    follow_ups = [
        f"/analyses/{analysis['analysis_id']}/faces/{face}/explanations/{model}?explain=integrated_gradients"
        for face in faces
        for model in analysis["models"][:2]
    ]
    compare = "compare?models=race&models=race_biased"
    follow_ups += [f"/analyses/{analysis['analysis_id']}/faces/{face}/{compare}" for face in faces]
    took = []
    for path in follow_ups:
        t = time.monotonic()
        status, headers, body = request(url + path)
        took.append(time.monotonic() - t)
        assert status == 200, f"GET {path} -> {status}: {body[:300]!r}"
        served.append(headers["X-Facexai-Replica"])
    facts["follow_ups"] = len(follow_ups)
    facts["follow_up_s_max"] = round(max(took), 2)
    # nginx picks a replica at random per request: with few of them, all may land on one; cheap follow-ups
    # (Grad-CAM) of the same analysis until another replica answers make "two or more" certain, not likely
    for _ in range(40):
        if len(set(served)) >= min(2, replicas):
            break
        path = f"/analyses/{analysis['analysis_id']}/faces/0/explanations/race?explain=grad_cam"
        status, headers, body = request(url + path)
        assert status == 200, f"GET {path} -> {status}: {body[:300]!r}"
        served.append(headers["X-Facexai-Replica"])
    facts["replicas_seen"] = sorted(set(served))
    facts["requests_per_replica"] = {r: served.count(r) for r in sorted(set(served))}
    assert len(set(served)) >= min(2, replicas), f"one analysis's requests were all served by {served[0]}"
    return facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", 2)))
    parser.add_argument(
        "--photo", type=Path, default=REPO.parent / "shared" / "images" / "multi_face_astronaut_hopper.jpg"
    )
    parser.add_argument("--project", default=f"facexai-compose-test-{os.getpid()}")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the stack comes down also when stopped
    if not args.photo.is_file():
        log(f"{args.photo} is missing (no ../shared): a generated chip is uploaded as an aligned face instead")

    timings: dict[str, float] = {}
    engine = Engine()
    compose: list[str] = []
    try:
        t = time.monotonic()
        ensure_tools()
        engine.start()
        timings["tools_and_engine_s"] = time.monotonic() - t
        compose = [*compose_command(), "-f", str(COMPOSE_FILE), "-p", args.project]

        t = time.monotonic()
        how = ensure_images()
        timings["base_images_s"] = time.monotonic() - t
        log("base images: " + ", ".join(f"{k} ({v})" for k, v in how.items()))

        t = time.monotonic()
        run([*compose, "build"], cwd=REPO)
        timings["build_s"] = time.monotonic() - t

        port = free_port()
        env = {**os.environ, "FACEXAI_PORT": str(port)}
        t = time.monotonic()
        run([*compose, "up", "-d", "--scale", f"backend={args.replicas}"], cwd=REPO, env=env)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, 600)
        timings["up_to_healthy_s"] = time.monotonic() - t

        facts = exercise(url, args.photo, args.replicas)
        log("through nginx: " + json.dumps(facts))
    except Skip as reason:
        log(f"SKIPPED: no Docker engine can be started here: {reason}")
        return 0
    except (AssertionError, subprocess.CalledProcessError) as failure:
        log(f"FAILED: {failure}")
        if compose:
            run([*compose, "logs", "--tail", "40"], check=False, cwd=REPO)
        return 1
    finally:
        if compose:
            t = time.monotonic()
            run([*compose, "down", "-v", "--remove-orphans"], check=False, cwd=REPO)
            timings["down_s"] = time.monotonic() - t
        engine.stop()
        if timings:
            log("timings: " + json.dumps({k: round(v, 1) for k, v in timings.items()}))
    log(f"passed: {args.replicas} backend replicas behind nginx share one Redis")
    return 0


if __name__ == "__main__":
    sys.exit(main())
