"""Admission control: a bounded number of analyses run, a bounded queue waits, the rest get 503 busy."""

import asyncio
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from facexai.api.main import create_app
from facexai.core.errors import Busy
from facexai.core.machine import cpu_cores
from facexai.service.admission import Admission
from facexai.service.settings import Settings


async def until(condition) -> None:
    """Let the other tasks run until ``condition()`` holds (they need only a few turns of the loop)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def test_slots_then_queue_then_busy():
    async def scenario() -> None:
        admission = Admission(max_running=1, max_queued=1, retry_after_s=7)
        release = asyncio.Event()
        order: list[str] = []

        async def analysis(name: str) -> None:
            async with admission.slot():
                order.append(name)
                await release.wait()

        first = asyncio.create_task(analysis("first"))
        await until(lambda: admission.running == 1)
        second = asyncio.create_task(analysis("second"))
        await until(lambda: admission.queued == 1)
        with pytest.raises(Busy) as refused:
            async with admission.slot():
                pass
        assert refused.value.code == "busy" and refused.value.status_code == 503
        assert refused.value.retry_after_s == 7
        assert order == ["first"]  # the queued one waits its turn

        release.set()
        await asyncio.gather(first, second)
        assert order == ["first", "second"]
        assert (admission.running, admission.queued) == (0, 0)
        async with admission.slot():  # free again
            assert admission.running == 1

    asyncio.run(scenario())


def test_a_cancelled_waiter_gives_up_its_place():
    async def scenario() -> None:
        admission = Admission(max_running=1, max_queued=1, retry_after_s=1)
        release = asyncio.Event()

        async def analysis() -> None:
            async with admission.slot():
                await release.wait()

        first = asyncio.create_task(analysis())
        await until(lambda: admission.running == 1)
        waiting = asyncio.create_task(analysis())
        await until(lambda: admission.queued == 1)
        waiting.cancel()  # the client went away while queued
        await asyncio.gather(waiting, return_exceptions=True)
        assert admission.queued == 0
        third = asyncio.create_task(analysis())  # takes the freed place instead of a 503
        await until(lambda: admission.queued == 1)
        release.set()
        await asyncio.gather(first, third)
        assert (admission.running, admission.queued) == (0, 0)

    asyncio.run(scenario())


def test_defaults_follow_the_cores(monkeypatch):
    for name in ("FACEXAI_MAX_RUNNING_ANALYSES", "FACEXAI_MAX_QUEUED_ANALYSES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.max_running_analyses == cpu_cores() >= 1
    assert settings.max_queued_analyses == 2 * cpu_cores()


@pytest.fixture(scope="module")
def one_at_a_time(untrained_bundle: Path):
    settings = Settings(
        models_manifest=untrained_bundle,
        frontend_dist=Path("/nonexistent"),
        warm_up=False,
        ig_steps=4,
        max_running_analyses=1,
        max_queued_analyses=0,
        busy_retry_after_s=3,
        load_in_background=False,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def post_photo(client, path: Path):
    return client.post("/analyze", params={"explain": "grad_cam"}, files={"file": (path.name, path.read_bytes())})


@pytest.mark.slow
def test_a_request_beyond_the_slots_gets_503_busy_and_the_service_goes_on(one_at_a_time, images_dir, monkeypatch):
    photo = images_dir / "grace_hopper.jpg"
    first_id = post_photo(one_at_a_time, photo).json()["analysis_id"]
    analyzer = one_at_a_time.app.state.analyzer
    running, release = threading.Event(), threading.Event()
    analyze = analyzer.analyze

    def held_analysis(*args, **kwargs):
        running.set()
        assert release.wait(timeout=120), "the test never released the analysis"
        return analyze(*args, **kwargs)

    monkeypatch.setattr(analyzer, "analyze", held_analysis)
    results = {}
    holder = threading.Thread(target=lambda: results.setdefault("held", post_photo(one_at_a_time, photo)))
    holder.start()
    try:
        assert running.wait(timeout=120), "the first analysis never started"
        refused = [
            post_photo(one_at_a_time, photo),
            one_at_a_time.get(f"/analyses/{first_id}/faces/0/explanations/race", params={"explain": "grad_cam"}),
            one_at_a_time.get(f"/analyses/{first_id}/faces/0/compare", params={"method": "grad_cam"}),
        ]
        assert one_at_a_time.get("/health").status_code == 200  # no model runs for it: never refused
    finally:
        release.set()
        holder.join(timeout=120)
    for r in refused:
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "3"
        assert r.json()["code"] == "busy" and "busy" in r.json()["detail"]
    assert results["held"].status_code == 200
    assert post_photo(one_at_a_time, photo).status_code == 200  # the slot was given back
    r = one_at_a_time.get(f"/analyses/{first_id}/faces/0/explanations/race", params={"explain": "grad_cam"})
    assert r.status_code == 200, r.text
