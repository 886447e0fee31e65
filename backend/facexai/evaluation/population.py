"""Population maps: for every model, the mean |IG| map of its predicted class over N faces of each race.

The faces are drawn from the label CSV given to ``evaluate`` (FairFace val by default): N per race
with a fixed seed, fewer where a race has fewer rows. IG runs at the service's defaults
(``IGOptions()``) from the service's black baseline, explaining the class each model predicts.
Each face's |IG| is divided by its own sum before averaging (facexai.models.population says why and
how the maps are stored). Outputs: ``population_maps.json`` (the bundle's format, ready to store
next to a manifest), one PNG per model and race as the service draws it, and an overview figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facexai.core.fairface import LabelTable, decode_images
from facexai.core.labels import TASK_LABELS
from facexai.explain.options import ExplainMethod, IGOptions
from facexai.models.manifest import Manifest
from facexai.models.population import ALL, FORMAT_VERSION, MAP_SIZE, encode_map, render_pictures

Log = Callable[[str], None]


def choose_faces(table: LabelTable, per_race: int, seed: int = 0) -> dict[str, list[int]]:
    """Row indices of ``per_race`` faces of each race (all of them where there are fewer), drawn
    without replacement with ``seed``, in the table's order."""
    rng = np.random.default_rng(seed)
    races = np.array(table.column("race"))
    chosen: dict[str, list[int]] = {}
    for race in TASK_LABELS["race"]:
        rows = np.flatnonzero(races == race)
        picked = rng.choice(rows, size=min(per_race, len(rows)), replace=False) if len(rows) else rows
        chosen[race] = sorted(int(i) for i in picked)
    return chosen


def face_share_map(heatmap: np.ndarray, size: int = MAP_SIZE) -> np.ndarray:
    """One face's |IG| (channels already summed) area-resized to size x size and divided by its sum:
    the share of the face's attribution in each cell (zeros when the face has no attribution)."""
    mags = cv2.resize(np.abs(heatmap).astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    total = float(mags.sum())
    return mags / total if total > 0 else np.zeros_like(mags)


def compute_population_maps(
    manifest: Manifest,
    table: LabelTable,
    image_root: Path,
    per_race: int,
    seed: int = 0,
    names: Sequence[str] | None = None,
    options: IGOptions | None = None,
    size: int = MAP_SIZE,
    workers: int = 8,
    log: Log = print,
) -> dict[str, Any]:
    """The maps of every model (or ``names``) in the bundle's format (facexai.models.population)."""
    from facexai.models.registry import ModelRegistry  # imports Keras

    options = options or IGOptions()
    chosen = choose_faces(table, per_race, seed)
    order = [i for race in chosen for i in chosen[race]]
    race_of = {i: race for race, rows in chosen.items() for i in rows}
    paths = [image_root / table.rows[i]["file"] for i in order]
    specs = [manifest.get(n) for n in names] if names else list(manifest.models)
    models: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for spec in specs:
        started = time.perf_counter()
        loaded = ModelRegistry.from_manifest(manifest, [spec.name]).models[spec.name]
        pixels = decode_images(paths, spec.input_size, workers)
        explainer = loaded.explainers[ExplainMethod.integrated_gradients]
        sums = {race: np.zeros((size, size), np.float64) for race in chosen}
        errors = []
        for k, (i, face) in enumerate(zip(order, pixels, strict=True)):
            att = explainer.explain(loaded.prepare(face)[None], [-1], options)[0]
            sums[race_of[i]] += face_share_map(att.heatmap, size)
            if att.completeness_error is not None:
                errors.append(att.completeness_error)
            if (k + 1) % 20 == 0 or k + 1 == len(order):
                log(f"{spec.name}: {k + 1}/{len(order)} faces, {time.perf_counter() - started:.0f}s")
        counts = {race: len(rows) for race, rows in chosen.items()}
        by_race = {
            race: {"n": counts[race], **encode_map(sums[race] / counts[race])} for race in chosen if counts[race]
        }
        total = sum(counts.values())
        models[spec.name] = {
            "display_name": spec.display_name,
            "by_race": by_race,
            ALL: {"n": total, **encode_map(np.sum(list(sums.values()), axis=0) / max(total, 1))},
            "completeness_error_median": float(np.median(errors)) if errors else None,
        }
        timings[spec.name] = round(time.perf_counter() - started, 1)
        log(f"{spec.name}: population maps of {total} faces in {timings[spec.name]:.0f}s")
    return {
        "version": FORMAT_VERSION,
        "method": ExplainMethod.integrated_gradients.value,
        "ig": {k: getattr(v, "value", v) for k, v in asdict(options).items()},
        "baseline": "black",
        "explained": "predicted class",
        "normalisation": "sum",
        "faces_per_race": per_race,
        "seed": seed,
        "labels": Path(table.source).name,
        "counts": {race: len(rows) for race, rows in chosen.items()},
        "size": size,
        "encoding": "base64 8-bit greyscale PNG; value = pixel / 255 * max; each map sums to 1",
        "seconds": timings,
        "models": models,
    }


def write_population_pictures(data: dict[str, Any], manifest: Manifest, out: Path) -> list[str]:
    """One PNG per model and race (and "all"), drawn as GET /models draws them, and an overview
    figure; returns the file names, relative to ``out``."""
    import base64

    from facexai.evaluation.plots import population_overview

    pictures = render_pictures(data, manifest.models)
    written: list[str] = []
    for name, p in pictures.items():
        for key, png in [*p.by_race.items(), (ALL, p.all)]:
            if png is None:
                continue
            path = out / f"population_{name}_{key.replace(' ', '_')}.png"
            path.write_bytes(base64.b64decode(png))
            written.append(path.name)
    figure = population_overview(data, pictures, out / "population_maps.png")
    if figure is not None:
        written.append(figure.name)
    return written
