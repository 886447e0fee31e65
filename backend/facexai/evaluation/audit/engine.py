"""Running an audit's work on Ray: a local Ray of our own, or a cluster we join.

Without an address (``--address`` or RAY_ADDRESS) the engine starts a private local Ray
(``address="local"``: never a leftover cluster), bound to 127.0.0.1, with a small object store
and no dashboard, and shuts it down on the way out, Ctrl-C and SIGTERM included. With an address
it joins that cluster and leaves it running. One actor per worker (default: one per CPU the
connected Ray reports) loads the models once; tasks are batches of faces of one model; the driver
writes each finished batch to its shard at once, so an interrupted run loses at most the batches
in flight.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facexai.evaluation.audit.shards import ShardSet

#: the object store of a local Ray: small, the tasks move only a few KB per face
OBJECT_STORE_BYTES = 200 * 1024 * 1024


@dataclass
class Job:
    """One task: one model, one batch of faces, and the shard its result goes to."""

    kind: str  # "predict", "explain" or "sanity"
    model: str
    items: list[tuple[str, str, int]]  # (file as the CSV names it, its path, explained class or -1)
    shards: ShardSet
    options: dict[str, Any] = field(default_factory=dict)  # explain: {"ig", "gradcam"}; sanity: {"ig", "sanity"}


@dataclass
class EngineInfo:
    name: str = "ray"
    address: str = "local"
    workers: int = 0
    nodes: int = 0
    cpus: float = 0.0
    started_own: bool = True
    startup_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def ray_session(address: str | None, num_cpus: int | None = None) -> Iterator[EngineInfo]:
    """Connected to Ray for the duration of the block; a Ray we started is shut down after it."""
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is None:
        # Ray otherwise advertises the machine's interface address (and binds to it); an audit on
        # one machine keeps to the loopback. Read by Ray at import, so set before importing it.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    started = time.perf_counter()
    if address is None:
        ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=False,
            object_store_memory=OBJECT_STORE_BYTES,
            log_to_driver=False,
            configure_logging=False,
        )
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        info = EngineInfo(
            address="local" if address is None else address,
            nodes=len(nodes),
            cpus=float(ray.cluster_resources().get("CPU", 0)),
            started_own=address is None,
            startup_seconds=round(time.perf_counter() - started, 2),
        )
        yield info
    finally:
        signal.signal(signal.SIGTERM, previous)
        ray.shutdown()  # for a joined cluster this only disconnects


class Workers:
    """``count`` actors (default: one per CPU the connected Ray reports), each with the models loaded."""

    def __init__(
        self, info: EngineInfo, manifest: Path, models: list[str], count: int | None, align: Any = None
    ) -> None:
        import ray

        from facexai.evaluation.audit.worker import AuditWorker

        self.count = count or max(1, int(info.cpus))
        info.workers = self.count
        per_actor = min(1.0, info.cpus / self.count) if info.cpus else 1.0
        remote: Any = ray.remote(num_cpus=per_actor)(AuditWorker)
        started = time.perf_counter()
        self.actors = [remote.remote(str(manifest.resolve()), models, 1, align) for _ in range(self.count)]
        self.hosts = ray.get([a.ping.remote() for a in self.actors])  # loaded everywhere before the clock starts
        self.load_seconds = time.perf_counter() - started

    def run(
        self,
        jobs: list[Job],
        on_done: Callable[[Job, dict[str, Any], list[tuple[str, str]]], None],
        progress: Callable[[int], None] | None = None,
    ) -> float:
        """Run ``jobs``; ``on_done`` gets each finished job's arrays and its faces that failed, in the
        driver (which writes the shard). The files are read when their task is submitted, not before.
        Returns the seconds."""
        from ray.util import ActorPool

        if not jobs:
            return 0.0
        pool = ActorPool(self.actors)
        started = time.perf_counter()
        for index, job in enumerate(jobs):
            pool.submit(_submit, (index, job))
        for _ in jobs:
            index, arrays, failed = pool.get_next_unordered()
            job = jobs[index]
            on_done(job, arrays, failed)
            if progress is not None:
                progress(len(job.items))
        return time.perf_counter() - started

    def close(self) -> None:
        import ray

        for a in self.actors:
            ray.kill(a)


def _submit(actor: Any, indexed: tuple[int, Job]) -> Any:
    index, job = indexed
    items = [(file, Path(path).read_bytes(), target) for file, path, target in job.items]
    if job.kind == "predict":
        return actor.predict.remote(index, job.model, items)
    if job.kind == "sanity":
        return actor.sanity.remote(index, job.model, items, job.options["ig"], job.options["sanity"])
    return actor.explain.remote(index, job.model, items, job.options["ig"], job.options["gradcam"])
