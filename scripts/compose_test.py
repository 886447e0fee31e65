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
   its scripts. Then: the security headers, once each, on the app's files, the API and the docs; DELETE
   /analyses/{id} forgets an analysis on every replica; a burst from this machine is limited (429 with
   Retry-After and a JSON error) while a client inside a backend container (another address to nginx) still
   gets through. `down -v` at the end, also when a step fails.

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
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILES = [REPO / "backend" / "Dockerfile", REPO / "frontend" / "Dockerfile"]
CACHE = Path(os.environ.get("FACEXAI_COMPOSE_CACHE", Path.home() / ".cache" / "facexai-compose"))
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
MINBASE = "local/bookworm:minbase"
MIRROR = "http://deb.debian.org/debian"
STAND_IN_LABEL = "org.facexai.stand-in"
PHOTO = REPO.parent / "shared" / "images" / "multi_face_astronaut_hopper.jpg"  # public domain, two faces
#: sent once on every answer through nginx (frontend/nginx.conf)
HEADER_NAMES = [
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
]

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
    # with the official image's templates: /etc/nginx/templates/*.template -> /etc/nginx/conf.d/* at start,
    # the environment's variables (those NGINX_ENVSUBST_FILTER matches) substituted (NGINX_ENTRYPOINT)
    "nginx": f"""FROM {MINBASE}
RUN {APT} nginx gettext-base && {CLEAN} && rm -f /etc/nginx/sites-enabled/default \\
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
COPY docker-entrypoint.sh /docker-entrypoint.sh
RUN chmod 755 /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
""",
    "redis": f"""FROM {MINBASE}
RUN {APT} redis-server && {CLEAN}
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
""",
}

#: the part of nginx's official entrypoint the web app's image uses (20-envsubst-on-templates.sh)
NGINX_ENTRYPOINT = r"""#!/bin/sh
set -e
filter="${NGINX_ENVSUBST_FILTER:-}"
names=$(awk 'END { for (name in ENVIRON) print name }' </dev/null | grep -E "${filter:-.}" || true)
defined_envs=$(printf '${%s} ' $names)
if [ -d /etc/nginx/templates ]; then
  for template in /etc/nginx/templates/*.template; do
    [ -f "$template" ] || continue
    output="/etc/nginx/conf.d/$(basename "$template" .template)"
    echo "$0: running envsubst on $template to $output"
    envsubst "$defined_envs" <"$template" >"$output"
  done
fi
exec "$@"
"""


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


def recipe_digest(recipe: str) -> str:
    """What a stand-in is built from (its recipe, and the entrypoint it copies), in 12 hex digits."""
    built_from = recipe + NGINX_ENTRYPOINT if "docker-entrypoint.sh" in recipe else recipe
    return hashlib.sha256(built_from.encode()).hexdigest()[:12]


def cache_file(name: str, recipe: str) -> Path:
    return CACHE / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{recipe_digest(recipe)}.tar"


def have(image: str) -> bool:
    return ok(["docker", "image", "inspect", image])


def stale_stand_in(image: str) -> bool:
    """A stand-in built here from another recipe than today's (an image pulled from a registry never is)."""
    labels = f'{{{{index .Config.Labels "{STAND_IN_LABEL}"}}}}|{{{{index .Config.Labels "{STAND_IN_LABEL}.recipe"}}}}'
    done = subprocess.run(["docker", "image", "inspect", "-f", labels, image], capture_output=True, text=True)
    stand_in_of, _, digest = done.stdout.strip().replace("<no value>", "").partition("|")
    if done.returncode != 0 or not stand_in_of:
        return False
    return digest != recipe_digest(recipe_for(image))


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
        if have(image) and stale_stand_in(image):
            # saved before stand-ins were labelled with their recipe: the file's name says which it was
            label = f'FROM {image}\nLABEL {STAND_IN_LABEL}.recipe="{recipe_digest(recipe)}"\n'
            run(["docker", "build", "-q", "-t", image, "-"], input=label.encode())
            save(image, cached)
        if have(image):
            return
    minbase()
    with tempfile.TemporaryDirectory(prefix="facexai-stand-in-") as tmp:
        context = Path(tmp)
        labels = f'LABEL {STAND_IN_LABEL}="{image} from Debian 12" {STAND_IN_LABEL}.recipe="{recipe_digest(recipe)}"\n'
        (context / "Dockerfile").write_text(recipe + labels)
        (context / "docker-entrypoint.sh").write_text(NGINX_ENTRYPOINT)
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
    save(image, cached)


def save(image: str, cached: Path) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    run(["docker", "save", "-o", str(partial), image])
    partial.rename(cached)


def ensure_images() -> dict[str, str]:
    how: dict[str, str] = {}
    for image in named_images():
        if have(image) and stale_stand_in(image):
            log(f"{image} is a stand-in from an older recipe: building today's")
            stand_in(image)
            how[image] = "stand-in (rebuilt)"
        elif have(image):
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


def request(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 300,
    method: str | None = None,
):
    """(status, headers, body) of one HTTP request; HTTP errors are answers too."""
    method = method or ("POST" if data else "GET")
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
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


def check_headers(url: str) -> dict[str, object]:
    """The security headers, once each, on the web app's files, the API's answers and the docs (frontend/nginx.conf;
    the same values as backend/facexai/api/security.py, which tests/test_security_headers.py compares)."""
    checked = {}
    status, _, body = request(url + "/")
    script = re.search(rb'<script[^>]+src="([^"]+\.js)"', body)
    assert status == 200 and script, f"GET / -> {status}"
    for path in ["/", script.group(1).decode(), "/models", "/analyses/unknown/faces/0/explanations/race", "/docs"]:
        status, headers, _ = request(url + path)
        for name in HEADER_NAMES:
            values = headers.get_all(name) or []
            assert len(values) == 1, f"GET {path}: {name} sent {len(values)} times: {values}"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, f"GET {path}: {csp}"
        assert ("https://cdn.jsdelivr.net" in csp) == (path == "/docs"), f"GET {path}: {csp}"
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
        assert headers["Permissions-Policy"].startswith("camera=(self), microphone=()"), headers["Permissions-Policy"]
        checked[path] = status
    return {"headers_checked": checked}


def forget_on_every_replica(url: str, photo: Path, replicas: int) -> dict[str, object]:
    """DELETE /analyses/{id} through nginx: every replica then answers 404 analysis_not_found for it."""
    name, raw, raw_type, align, _ = upload_for(photo)
    data, content_type = multipart(name, raw, raw_type)
    query = f"explain=none&align={str(align).lower()}"
    status, _, body = request(f"{url}/analyze?{query}", data, {"Content-Type": content_type})
    assert status == 200, f"POST /analyze -> {status}: {body[:300]!r}"
    analysis = json.loads(body)["analysis_id"]
    status, headers, body = request(f"{url}/analyses/{analysis}", method="DELETE")
    assert status == 204 and body == b"", f"DELETE /analyses/{analysis} -> {status}: {body[:300]!r}"
    forgot_on = headers["X-Facexai-Replica"]
    unknown_on: set[str] = set()
    path = f"/analyses/{analysis}/faces/0/explanations/race?explain=grad_cam"
    for _ in range(40):  # nginx picks a replica at random per request: until every one has answered
        status, headers, body = request(url + path)
        assert status == 404 and json.loads(body)["code"] == "analysis_not_found", f"GET {path} -> {status}"
        unknown_on.add(headers["X-Facexai-Replica"])
        if len(unknown_on) >= replicas:
            break
    assert len(unknown_on) >= min(2, replicas), f"only {unknown_on} answered after DELETE"
    status, _, body = request(f"{url}/analyses/{analysis}", method="DELETE")
    assert status == 404 and json.loads(body)["code"] == "analysis_not_found", f"DELETE again -> {status}"
    return {"forgotten_by": forgot_on, "unknown_afterwards_on": sorted(unknown_on)}


def rate_limit(url: str, compose: list[str], seconds: float = 6.0, concurrent: int = 60) -> dict[str, object]:
    """One client's burst is limited (429, Retry-After, the API's JSON error) while another client still gets
    through: the burst comes from this machine (nginx sees the compose network's gateway address), the other
    client from inside a backend container (nginx sees that container's address, a budget of its own)."""
    path = "/analyses/unknown/faces/0/explanations/race?explain=grad_cam"  # cheap: 404 analysis_not_found
    answers: list[tuple[int, float]] = []
    refused: list[tuple[Any, bytes]] = []  # (headers, body)
    stop_at = time.monotonic() + seconds

    def one() -> None:
        t = time.monotonic()
        status, headers, body = request(url + path, timeout=60)
        answers.append((status, time.monotonic() - t))
        if status == 429 and len(refused) < 1:
            refused.append((headers, body))

    def burst() -> None:
        while time.monotonic() < stop_at:
            pool = [threading.Thread(target=one) for _ in range(concurrent)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()

    burster = threading.Thread(target=burst)
    burster.start()
    try:
        time.sleep(1.0)  # the first wave is in: this client is over its rate and its burst
        other = (
            "import json, time, urllib.error, urllib.request\n"
            "out = []\n"
            "for _ in range(5):\n"
            "    t = time.monotonic()\n"
            "    try:\n"
            f"        status = urllib.request.urlopen('http://frontend:80{path}', timeout=30).status\n"
            "    except urllib.error.HTTPError as e:\n"
            "        status = e.code\n"
            "    out.append([status, round(time.monotonic() - t, 3)])\n"
            "print(json.dumps(out))\n"
        )
        done = run([*compose, "exec", "-T", "backend", "python", "-c", other], quiet=True, cwd=REPO)
        other_answers = json.loads(done.stdout.decode().strip().splitlines()[-1])
    finally:
        burster.join()
    statuses = [status for status, _ in answers]
    assert 429 in statuses, f"no 429 among {len(statuses)} requests from one client: {sorted(set(statuses))}"
    assert set(statuses) <= {404, 429}, f"unexpected answers to the burst: {sorted(set(statuses))}"
    headers, body = refused[0]
    error = json.loads(body)
    assert error["code"] == "rate_limited" and error["detail"], body
    assert int(headers["Retry-After"]) >= 1 and headers["Content-Type"] == "application/json", dict(headers)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert all(status == 404 for status, _ in other_answers), f"the other client was refused: {other_answers}"
    return {
        "burst": {
            "requests": len(statuses),
            "limited_429": statuses.count(429),
            "passed": statuses.count(404),
            "max_wait_s": round(max(took for _, took in answers), 2),
        },
        "other_client_meanwhile": other_answers,
    }


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
        log("security headers: " + json.dumps(check_headers(url)))
        log("DELETE: " + json.dumps(forget_on_every_replica(url, args.photo, args.replicas)))
        log("rate limit: " + json.dumps(rate_limit(url, compose)))  # last: this machine's budget is spent
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
