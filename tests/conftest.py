"""Shared fixtures. Data folders come from settings; a test that needs one is marked by it
(``needs_fairface``, ``needs_images``: from the fixtures it uses, or by hand) and skips with what
is missing and where it was looked for. The run's summary says how many of them ran with data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEXAI_SHARED_DIR", REPO.parent / "shared"))
IMAGES = Path(os.environ.get("FACEXAI_SHARED_IMAGES", SHARED / "images"))
FAIRFACE = Path(os.environ.get("FACEXAI_FAIRFACE_DIR", SHARED / "fairface"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

#: marker -> (the fixture that hands the data out, its folder, the file or folder that must exist, what it is,
#: the variable that moves it)
DATA = {
    "needs_fairface": (
        "fairface_dir",
        FAIRFACE,
        FAIRFACE / "fairface_label_val.csv",
        "FairFace",
        "FACEXAI_FAIRFACE_DIR",
    ),
    "needs_images": ("images_dir", IMAGES, IMAGES, "the test photos", "FACEXAI_SHARED_IMAGES"),
}


def missing(marker: str) -> str | None:
    """Why the data ``marker`` names is absent, or None when it is there."""
    _, _, needed, what, variable = DATA[marker]
    if needed.exists():
        return None
    return f"{marker}: {what} not found at {needed} (set {variable} to the folder)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker, (fixture, *_) in DATA.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                item.add_marker(marker)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in DATA:
        if item.get_closest_marker(marker) and (reason := missing(marker)):
            pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line per data folder: how many tests needed it, how many ran and how many skipped for want of it."""
    outcomes: dict[str, tuple[str, set[str]]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            keywords = set(getattr(report, "keywords", {})) & set(DATA)
            if not keywords or getattr(report, "when", None) not in ("setup", "call"):
                continue
            ran = report.when == "call" or report.failed
            previous = outcomes.get(report.nodeid, ("skipped", keywords))[0]
            outcomes[report.nodeid] = ("ran" if ran or previous == "ran" else "skipped", keywords)
    for marker, (_, folder, _, what, _) in DATA.items():
        tests = [outcome for outcome, keywords in outcomes.values() if marker in keywords]
        if not tests:
            continue
        ran = tests.count("ran")
        state = "present" if missing(marker) is None else "ABSENT"
        terminalreporter.write_line(
            f"data: {len(tests)} tests needed {what} at {folder} ({state}): {ran} ran, {len(tests) - ran} skipped"
        )


@pytest.fixture(scope="session")
def images_dir() -> Path:
    if reason := missing("needs_images"):
        pytest.skip(reason)
    return IMAGES


@pytest.fixture(scope="session")
def fairface_dir() -> Path:
    if reason := missing("needs_fairface"):
        pytest.skip(reason)
    return FAIRFACE


@pytest.fixture(scope="session")
def untrained_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four small untrained models (age, gender, race, race_biased) and their manifest."""
    from facexai.models.untrained import write_untrained_bundle

    return write_untrained_bundle(tmp_path_factory.mktemp("bundle"), architecture="lean", input_size=64)


@pytest.fixture(scope="session")
def app_settings(untrained_bundle: Path):
    from facexai.service.settings import Settings

    return Settings(
        models_manifest=untrained_bundle,
        frontend_dist=Path("/nonexistent"),
        ig_steps=8,
        warm_up=False,
        load_in_background=False,
    )


@pytest.fixture(scope="session")
def client(app_settings) -> Iterator:
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app

    with TestClient(create_app(app_settings)) as c:
        yield c


# --- processes of a test's own: a real redis-server (tests/test_replicas.py, tests/test_store.py) ---------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout_s: float, what: str, proc: subprocess.Popen | None = None) -> float:
    """Seconds until ``check()`` holds; fails after ``timeout_s`` or when ``proc`` exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.returncode}")
        try:
            if check():
                return time.monotonic() - started
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout_s} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop one process we started, by its pid: SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Redis:
    """A throwaway redis-server on loopback: no persistence, bounded memory; start and stop at will."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        args += ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru", "--daemonize", "no"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def answers() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        wait_for(answers, 10, "redis-server", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    """A redis-server of this test's own (mark the test ``slow``); skips where none is installed."""
    if not Path(REDIS_SERVER).is_file():
        pytest.skip("redis-server not installed (make test installs Debian's redis-server)")
    server = Redis(free_port(), tmp_path / "redis.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
