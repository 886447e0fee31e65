"""One audit run: the labelled set, the shards' missing work on Ray, the results gathered back.

``compute`` does the work (what the shards lack) and returns the gathered results; statistics and
the report (facexai.evaluation.audit.stats, .report) only read them, so they can be rebuilt from
the shards without Ray.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.checksums import file_sha256
from facexai.evaluation.audit.faces import Face, LabelledSet, choose_population, read_set
from facexai.evaluation.audit.regions import SMALL
from facexai.evaluation.audit.shards import ShardSet
from facexai.explain.options import IGOptions
from facexai.models.labelmap import LabelMapError, fairface_map, relate
from facexai.models.manifest import Manifest, ModelSpec

Log = Callable[[str], None]


class AuditError(ValueError):
    """A request the audit refuses before doing any work (the command exits with code 2)."""


@dataclass
class AuditConfig:
    manifest: Path
    images: Path
    labels: Path
    out: Path
    models: list[str] | None = None  # predicted: default all of the manifest
    compare: tuple[str, str] | None = None  # the pair whose explanations are compared
    explain: list[str] = field(default_factory=list)  # explained besides the pair
    population: int = 0  # faces per race explained (0: all)
    seed: int = 0
    target: str = "labelled"  # or "predicted"
    ig: IGOptions = field(default_factory=IGOptions)
    gradcam: bool = True
    limit: int = 0
    address: str | None = None
    workers: int | None = None
    predict_batch: int = 32
    explain_batch: int = 4
    small: int = SMALL
    #: photos that are not aligned chips: bytes -> aligned RGB chip (the command's --align)
    align: Callable[[bytes], np.ndarray] | None = None
    #: the imbalance experiment's arms (biased seeds, control seeds): every one explained on the same
    #: faces, the effect computed with retraining in the error bar (facexai.evaluation.audit.imbalance)
    imbalance: tuple[list[str], list[str]] | None = None
    #: the sanity checks (facexai.evaluation.audit.sanity) of these models' maps on the population's faces
    sanity: list[str] = field(default_factory=list)
    sanity_modes: tuple[str, ...] = ("cascading", "independent")
    sanity_face: Path | None = None  # a public-domain photo whose maps the report draws at each step

    def explained(self) -> list[str]:
        arms = [*self.imbalance[0], *self.imbalance[1]] if self.imbalance else []
        return list(dict.fromkeys([*(self.compare or ()), *self.explain, *arms]))


def check(config: AuditConfig, manifest: Manifest) -> list[str]:
    """The models to predict with; raises AuditError for an unknown model or a pair that does not
    predict the same labels."""
    names = config.models or manifest.names
    wanted = set(names) | set(config.explained()) | set(config.sanity)
    unknown = sorted(wanted - set(manifest.names))
    if unknown:
        raise AuditError(f"unknown model(s) {unknown}; the manifest {config.manifest} has {manifest.names}")
    if config.compare:
        a, b = (manifest.get(n) for n in config.compare)
        if a.name == b.name:
            raise AuditError(f"--compare needs two different models, got {a.name!r} twice")
        try:  # the same labels, or labels that map onto each other through FairFace's (label maps)
            relate(*(labelling(s) for s in (a, b)))
        except LabelMapError as exc:
            raise AuditError(
                f"--compare {a.name} {b.name}: they predict different labels that do not map onto each other "
                f"({exc}); a paired comparison needs the same classes"
            ) from None
    if config.imbalance:
        biased, control = config.imbalance
        if not biased or not control or len(biased) + len(control) < 3:
            raise AuditError(
                f"--imbalance needs a model in each arm and two seeds in one (biased: {biased}, control: {control}): "
                "without two seeds nothing says what retraining alone moves"
            )
        if set(biased) & set(control):
            raise AuditError(f"--imbalance: {sorted(set(biased) & set(control))} in both arms")
        first = manifest.get(biased[0])
        for other in (manifest.get(n) for n in [*biased, *control]):
            if list(other.labels) != list(first.labels):
                raise AuditError(
                    f"--imbalance: {other.name} predicts {other.labels}, {first.name} {first.labels}; the arms' "
                    "models must predict the same classes"
                )
    if config.target not in ("labelled", "predicted"):
        raise AuditError(f"--target must be 'labelled' or 'predicted', not {config.target!r}")
    unknown_modes = sorted(set(config.sanity_modes) - {"cascading", "independent"})
    if unknown_modes:
        raise AuditError(f"--sanity-modes: unknown {unknown_modes}; expected cascading and/or independent")
    return [n for n in manifest.names if n in wanted]


def labelling(spec: ModelSpec) -> tuple[str, str, list[str], dict[str, list[str]] | None]:
    """(name, task, labels, label map): what relating two models' labels needs."""
    return spec.name, spec.task, list(spec.labels), spec.label_map or None


def predict_key(manifest: Manifest, name: str) -> dict[str, Any]:
    return {"kind": "predict", "weights": file_sha256(manifest.path_of(manifest.get(name)))}


def explain_key(manifest: Manifest, name: str, config: AuditConfig) -> dict[str, Any]:
    return {
        "kind": "explain",
        "weights": file_sha256(manifest.path_of(manifest.get(name))),
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "target": config.target,
        "gradcam": config.gradcam,
        "small": config.small,
    }


def sanity_key(manifest: Manifest, name: str, config: AuditConfig) -> dict[str, Any]:
    from facexai.evaluation.audit.sanity import SanityOptions

    return {
        "kind": "sanity",
        "weights": file_sha256(manifest.path_of(manifest.get(name))),
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "sanity": SanityOptions(seed=config.seed, modes=tuple(config.sanity_modes)).key(),
    }


@dataclass
class Gathered:
    """Everything the statistics need, for the faces of this run."""

    faces: LabelledSet
    explained_faces: list[Face]
    predictions: dict[str, np.ndarray]  # model -> (n faces, classes) probabilities, faces order
    explanations: dict[str, dict[str, np.ndarray]]  # model -> arrays in explained_faces order
    engine: dict[str, Any]
    throughput: dict[str, Any]
    shards: dict[str, str]  # model/kind -> folder name
    #: --sanity: model -> the sanity shards' arrays, rows in explained_faces order (the faces done)
    sanity: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def compute(config: AuditConfig, manifest: Manifest, log: Log = print, progress_bar: bool = True) -> Gathered:
    from tqdm import tqdm

    from facexai.evaluation.audit.engine import Job, Workers, ray_session

    names = check(config, manifest)
    faces = read_set(config.labels, config.images, config.limit)
    log(f"{len(faces.faces)} faces, {len(faces.skipped)} skipped, from {config.labels}")
    chosen = choose_population(faces.faces, config.population, config.seed)
    shard_root = config.out / "shards"
    pred_sets = {n: ShardSet.open(shard_root, n, predict_key(manifest, n)) for n in names}
    expl_sets = {n: ShardSet.open(shard_root, n, explain_key(manifest, n, config)) for n in config.explained()}
    jobs: list[Job] = []
    label_task = {n: manifest.get(n).task for n in names}

    def target(face: Face, name: str) -> int:
        """The class explained: the face's label in the model's terms; the model's top class (-1) with
        --target predicted, or where the label has no single counterpart (a label map: facexai.models.labelmap)."""
        if config.target == "predicted":
            return -1
        spec = manifest.get(name)
        label = face.labels.get(label_task[name])
        if label in spec.labels and not spec.label_map:
            return list(spec.labels).index(label)
        mapping = fairface_map(spec.labels, spec.task, spec.label_map or None) or {}
        counterparts = [i for i, own in enumerate(spec.labels) if label in mapping.get(own, [])]
        return counterparts[0] if len(counterparts) == 1 else -1

    for n, shard_set in pred_sets.items():
        finished = shard_set.done()
        todo = [(f.file, str(config.images / f.file), -1) for f in faces.faces if f.file not in finished]
        jobs += [
            Job("predict", n, todo[i : i + config.predict_batch], shard_set)
            for i in range(0, len(todo), config.predict_batch)
        ]
    explain_done = {n: s.done() for n, s in expl_sets.items()}  # read once: a resume reads every shard
    explain_todo = {
        n: [(f.file, str(config.images / f.file), target(f, n)) for f in chosen if f.file not in explain_done[n]]
        for n in expl_sets
    }
    explain_jobs: list[Job] = []
    options = {"ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()}, "gradcam": config.gradcam}
    step = config.explain_batch
    longest = max((len(t) for t in explain_todo.values()), default=0)
    for i in range(0, longest, step):  # the models take turns, so both advance together
        for n, todo in explain_todo.items():
            if i < len(todo):
                explain_jobs.append(Job("explain", n, todo[i : i + step], expl_sets[n], options))
    sanity_sets = {n: ShardSet.open(shard_root, n, sanity_key(manifest, n, config)) for n in config.sanity}
    sanity_options = (
        {**options, "sanity": sanity_key(manifest, config.sanity[0], config)["sanity"]} if config.sanity else {}
    )
    sanity_jobs: list[Job] = []
    for n, sanity_set in sanity_sets.items():  # model by model: a stopped run has whole models done
        finished = sanity_set.done()
        todo = [(f.file, str(config.images / f.file), -1) for f in chosen if f.file not in finished]
        sanity_jobs += [
            Job("sanity", n, todo[i : i + step], sanity_set, sanity_options) for i in range(0, len(todo), step)
        ]
    throughput: dict[str, Any] = {"faces_per_minute": None, "explained_faces": 0, "predicted_faces": 0}
    engine: dict[str, Any] = {"name": "ray", "workers": 0, "nodes": 0, "address": config.address or "local"}
    todo_items = sum(len(j.items) for j in [*jobs, *explain_jobs, *sanity_jobs])
    log(
        f"to compute: {sum(len(j.items) for j in jobs)} predictions, {sum(len(j.items) for j in explain_jobs)} "
        f"explanations ({len(chosen)} faces x {len(expl_sets)} models, the rest in the shards)"
    )
    failures: dict[str, str] = {}

    def write_done(job: Job, arrays: dict[str, Any], failed: list[tuple[str, str]]) -> None:
        if arrays:
            job.shards.write(arrays)
        failures.update(failed)

    if todo_items:
        with ray_session(config.address) as info:
            workers = Workers(info, config.manifest, names, config.workers, config.align)
            engine = {**info.as_dict(), "load_seconds": round(workers.load_seconds, 1)}
            log(f"Ray: {info.nodes} node(s), {info.cpus:g} CPUs, {workers.count} workers at {info.address}")
            try:
                for kind, batch in (("predict", jobs), ("explain", explain_jobs), ("sanity", sanity_jobs)):
                    total = sum(len(j.items) for j in batch)
                    if not total:
                        continue
                    models = len({j.model for j in batch})
                    bar = tqdm(
                        total=total,
                        unit="face",
                        desc=f"{kind} ({models} model(s))",
                        disable=not progress_bar,
                        smoothing=0.1,
                        mininterval=2.0,
                    )
                    started = time.perf_counter()

                    def tick(k: int, bar: Any = bar, started: float = started, models: int = models) -> None:
                        bar.update(k)
                        minutes = (time.perf_counter() - started) / 60
                        bar.set_postfix_str(f"{bar.n / models / max(minutes, 1e-9):.1f} faces/min", refresh=False)

                    seconds = workers.run(batch, write_done, tick)
                    bar.close()
                    faces_done = total / models
                    throughput[f"{kind}_seconds"] = round(seconds, 1)
                    throughput[
                        {"predict": "predicted_faces", "sanity": "sanity_faces"}.get(kind, "explained_faces")
                    ] = int(faces_done)
                    throughput[f"{kind}_faces_per_minute"] = round(faces_done / (seconds / 60), 2)
                    log(f"{kind}: {faces_done:.0f} faces x {models} model(s) in {seconds:.0f} s")
            finally:
                workers.close()
        # the audit's rate: faces explained (by every explained model) per minute; None for a run
        # that only predicted (the report then takes the last run that explained)
        throughput["faces_per_minute"] = throughput.get("explain_faces_per_minute")
        throughput["workers"] = engine["workers"]
        _append_run(config.out, {"engine": engine, "throughput": throughput})
        throughput = _with_explain_rate(config.out, throughput)
    if failures:  # faces that could not be made chips (--align: no face found): skipped, not fatal
        rows = {f.file: f.row for f in faces.faces}
        faces.skipped += [{"row": rows[f], "file": f, "reason": r} for f, r in sorted(failures.items())]
        faces.faces = [f for f in faces.faces if f.file not in failures]
        chosen = [f for f in chosen if f.file not in failures]
    if not todo_items:  # all in the shards: the engine and throughput of the last run that computed
        engine, throughput = _last_run(config.out, engine, throughput)
    predictions = {
        n: _ordered(pred_sets[n].read(), [f.file for f in faces.faces], "predict " + n)["probs"] for n in names
    }
    explanations = {n: _ordered(s.read(), [f.file for f in chosen], "explain " + n) for n, s in expl_sets.items()}
    shards = {f"{n}/predict": s.folder.name for n, s in pred_sets.items()}
    shards.update({f"{n}/explain": s.folder.name for n, s in expl_sets.items()})
    shards.update({f"{n}/sanity": s.folder.name for n, s in sanity_sets.items()})
    sanity = {n: _done_rows(s.read(), [f.file for f in chosen]) for n, s in sanity_sets.items()}
    return Gathered(faces, chosen, predictions, explanations, engine, throughput, shards, sanity)


def gather(config: AuditConfig, manifest: Manifest, partial: bool = False) -> Gathered:
    """The results already in the shards, without Ray; ``partial``: keep only the explained faces
    that every explained model has done (a run still going, or stopped)."""
    names = check(config, manifest)
    faces = read_set(config.labels, config.images, config.limit, check_images=False)
    chosen = choose_population(faces.faces, config.population, config.seed)
    root = config.out / "shards"
    pred = {n: ShardSet.open(root, n, predict_key(manifest, n)).read() for n in names}
    expl = {n: ShardSet.open(root, n, explain_key(manifest, n, config)).read() for n in config.explained()}
    if partial:
        done = set.intersection(*(set(e.get("files", np.array([])).tolist()) for e in expl.values())) if expl else set()
        chosen = [f for f in chosen if f.file in done]
        have = set.intersection(*(set(p.get("files", np.array([])).tolist()) for p in pred.values())) if pred else set()
        faces = LabelledSet([f for f in faces.faces if f.file in have], faces.skipped, faces.source)
    predictions = {n: _ordered(pred[n], [f.file for f in faces.faces], "predict " + n)["probs"] for n in names}
    explanations = {n: _ordered(e, [f.file for f in chosen], "explain " + n) for n, e in expl.items()}
    engine, throughput = _last_run(config.out, {}, {})
    population = [f.file for f in choose_population(faces.faces, config.population, config.seed)]
    sanity = {
        n: _done_rows(ShardSet.open(root, n, sanity_key(manifest, n, config)).read(), population) for n in config.sanity
    }
    return Gathered(faces, chosen, predictions, explanations, engine, throughput, {}, sanity)


def _done_rows(arrays: dict[str, np.ndarray], files: list[str]) -> dict[str, np.ndarray]:
    """The shard arrays' rows of those ``files`` they hold, in ``files`` order (the sanity checks: a
    stopped run reports the faces it has)."""
    if not arrays:
        return {}
    have = set(arrays["files"].tolist())
    return _ordered(arrays, [f for f in files if f in have], "sanity")


def _ordered(arrays: dict[str, np.ndarray], files: list[str], what: str) -> dict[str, np.ndarray]:
    """The shard arrays' rows for ``files``, in that order."""
    if not files:
        return {k: v[:0] for k, v in arrays.items()} if arrays else {"files": np.array([], str)}
    if not arrays:
        raise RuntimeError(f"{what}: no results in the shards")
    index = {f: i for i, f in enumerate(arrays["files"].tolist())}
    missing = [f for f in files if f not in index]
    if missing:
        raise RuntimeError(f"{what}: {len(missing)} faces missing from the shards (e.g. {missing[0]})")
    rows = np.array([index[f] for f in files])
    return {k: v[rows] for k, v in arrays.items()}


def _history(out: Path) -> list[dict[str, Any]]:
    path = out / "runs.jsonl"
    lines = [line for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []
    return [json.loads(line) for line in lines]


def _last_run(out: Path, engine: dict[str, Any], throughput: dict[str, Any]) -> tuple[dict, dict]:
    """The engine and throughput of the last run into ``out`` that computed something (runs.jsonl),
    marked as such; the given ones when there is none."""
    runs = _history(out)
    if not runs:
        return engine, throughput
    last = runs[-1]
    return {**last["engine"], "from_run": last.get("finished")}, _with_explain_rate(out, last["throughput"])


def _with_explain_rate(out: Path, throughput: dict[str, Any]) -> dict[str, Any]:
    """``faces_per_minute`` is the explanation rate (the audit's cost): a run that only predicted
    takes it from the last run that explained, and says which."""
    if throughput.get("explain_faces_per_minute") is not None:
        return throughput
    for run in reversed(_history(out)):
        rate = run["throughput"].get("explain_faces_per_minute")
        if rate is not None:
            return {
                **throughput,
                "faces_per_minute": rate,
                "explain_faces_per_minute": rate,
                "explain_seconds": run["throughput"].get("explain_seconds"),
                "explained_faces": run["throughput"].get("explained_faces"),
                "explain_from_run": run.get("finished"),
            }
    return throughput


def _append_run(out: Path, record: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "runs.jsonl").open("a") as f:
        f.write(json.dumps({"finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record}) + "\n")
