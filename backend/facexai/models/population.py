"""Population maps: each model's mean |IG| map of its predicted class over the faces of each race.

``facexai audit --population N --store-population-maps`` computes them (facexai.evaluation.audit)
and writes them in the format below (version 2; version 1, made by the former
``evaluate --population-maps``, still loads); a bundle stores them next to its manifest, which names the file
(``"population_maps": "population_maps.json"``); ``GET /models`` draws them as PNGs.

Format (one JSON object)::

    {"version": 1, "method": "integrated_gradients", "ig": {"steps": 64, "rule": "adaptive",
     "output": "probability"}, "explained": "predicted class", "normalisation": "sum",
     "faces_per_race": 20, "seed": 0, "labels": "fairface_label_val.csv", "size": 56,
     "encoding": "...", "models": {"race": {"by_race": {"White": {"n": 20, "max": 0.0009,
     "png": "<base64 8-bit greyscale PNG>"}, ...}, "all": {"n": 140, "max": ..., "png": ...}}, ...}}

Every face's |IG| (summed over colour channels, area-resized to ``size`` x ``size``) is divided by
its own sum before averaging, so each face counts equally and every map sums to 1: a value is the
share of a face's attribution that falls in that cell, on average. A map is stored as a greyscale
PNG of ``round(value / max * 255)`` and its ``max``.

Version 2 adds, per model and race, ``"regions"``: {region: {"share", "ci_low", "ci_high"}} (mean
share of the attribution in each fixed face region, percentile-bootstrap 95% interval), and a
top-level ``"comparison"`` of the unbiased/biased pair on the same faces: {"a", "b", "test",
"correction", "tests", "summary", "by_race": {race: {"n", "regions": {region: {"difference",
"ci_low", "ci_high", "p_value", "p_adjusted", "significant"}}, "significant_cells",
"difference_map"}}}, where a difference is b minus a and ``difference_map`` (a signed map, see
``encode_signed_map``) is zero wherever the per-pixel difference is not significant; and, from
``facexai audit --imbalance``, a top-level ``"imbalance"`` (facexai.evaluation.audit.imbalance): the
biased arm's seeds against the control arm's, per race and region and for accuracy, with what
retraining alone moves (the API's ``Imbalance``).
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from facexai.explain import render
from facexai.models.manifest import Manifest, ModelSpec

FORMAT_VERSION = 2
#: the versions the reader accepts
READABLE_VERSIONS = (1, 2)
#: the side of a stored map, in cells
MAP_SIZE = 56
ALL = "all"


def encode_map(values: np.ndarray) -> dict[str, Any]:
    """A non-negative float map -> {"max", "png"} (8-bit greyscale PNG, base64)."""
    top = float(values.max()) if values.size else 0.0
    grey = np.zeros(values.shape, np.uint8) if top <= 0 else np.rint(values / top * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buf, format="PNG", optimize=True)
    return {"max": top, "png": base64.b64encode(buf.getvalue()).decode("ascii")}


def encode_signed_map(values: np.ndarray) -> dict[str, Any]:
    """A signed float map -> {"max": max |value|, "png"}: grey 128 is zero, 1 and 255 are -max and +max."""
    top = float(np.abs(values).max()) if values.size else 0.0
    unit = np.zeros(values.shape) if top <= 0 else values / top
    grey = np.rint(unit * 127 + 128).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buf, format="PNG", optimize=True)
    return {"max": top, "png": base64.b64encode(buf.getvalue()).decode("ascii"), "signed": True}


def decode_signed_map(entry: dict[str, Any]) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(entry["png"]))) as img:
        grey = np.asarray(img.convert("L"), np.float32)
    return (grey - 128.0) / 127.0 * float(entry["max"])


def decode_map(entry: dict[str, Any]) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(entry["png"]))) as img:
        grey = np.asarray(img.convert("L"), np.float32)
    return grey / 255.0 * float(entry["max"])


@dataclass
class PopulationPictures:
    """One model's population maps drawn for a person: base64 RGBA PNGs at display size."""

    by_race: dict[str, str]
    all: str | None
    faces: dict[str, int]  # race (and "all") -> how many faces each map averages
    difference_by_race: dict[str, str] | None = None  # biased models: this model minus its unbiased partner
    #: version 2: race (and "all") -> region -> {"share", "ci_low", "ci_high"}
    regions: dict[str, dict[str, dict[str, float]]] | None = None
    #: version 2, the pair's biased model: the stored comparison with its partner (see the module doc)
    comparison: dict[str, Any] | None = None


def render_pictures(
    data: dict[str, Any], specs: list[ModelSpec], size: int = render.DISPLAY_SIZE
) -> dict[str, PopulationPictures]:
    """Every model's maps as inferno RGBA PNGs (alpha = value, to lay over an aligned face). Models of
    one task (race and race_biased) share one colour scale: the 99th percentile of all their maps;
    a biased model's differences (it minus its unbiased partner, RdBu_r: red where it relies more)
    share one scale of their own."""
    stored: dict[str, dict[str, dict[str, Any]]] = {
        name: {key: entry for key, entry in _entries(m)} for name, m in data.get("models", {}).items()
    }
    known = [s for s in specs if s.name in stored]
    maps = {s.name: {key: decode_map(e) for key, e in stored[s.name].items()} for s in known}
    scales: dict[str, float] = {}
    for task in {s.task for s in known}:
        same = [s.name for s in known if s.task == task]
        scales[task] = render.robust_max(np.concatenate([v.ravel() for n in same for v in maps[n].values()]))
    out: dict[str, PopulationPictures] = {}
    for s in known:
        scale = scales[s.task]
        pictures = {key: _png(v, scale, size, "inferno") for key, v in maps[s.name].items()}
        faces = {key: int(e.get("n", 0)) for key, e in stored[s.name].items()}
        regions = {key: e["regions"] for key, e in stored[s.name].items() if e.get("regions")}
        out[s.name] = PopulationPictures(
            by_race={k: v for k, v in pictures.items() if k != ALL},
            all=pictures.get(ALL),
            faces=faces,
            regions=regions or None,
        )
        other = Manifest(known).partner(s)
        comparison = data.get("comparison")
        if comparison and comparison.get("b") == s.name and comparison.get("a") in maps:
            # the audit's comparison: only the significant per-pixel differences are drawn
            signed = {k: decode_signed_map(e["difference_map"]) for k, e in comparison["by_race"].items()}
            top = max((float(np.abs(v).max()) for v in signed.values()), default=0.0)
            out[s.name].difference_by_race = {
                k: _png(v, top or 1.0, size, "RdBu_r", signed=True) for k, v in signed.items()
            }
            out[s.name].comparison = {
                "partner": comparison["a"],
                **{k: v for k, v in comparison.items() if k not in ("by_race", "a", "b")},
                "by_race": {
                    k: {kk: vv for kk, vv in e.items() if kk != "difference_map"}
                    for k, e in comparison["by_race"].items()
                },
            }
        elif other is not None:
            diffs = {k: v - maps[other.name][k] for k, v in maps[s.name].items() if k != ALL and k in maps[other.name]}
            if diffs:
                diff_scale = render.robust_max(np.concatenate([d.ravel() for d in diffs.values()]))
                out[s.name].difference_by_race = {k: _png(d, diff_scale, size, "RdBu_r") for k, d in diffs.items()}
    return out


def _entries(model: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = list(model.get("by_race", {}).items())
    if model.get(ALL):
        entries.append((ALL, model[ALL]))
    return entries


def _png(values: np.ndarray, scale: float, size: int, cmap: str, signed: bool = False) -> str:
    resized = render.resize_map(values, (size, size))
    if signed:  # zero stays transparent: alpha grows with |value|
        unit = np.clip(resized / scale, -1.0, 1.0)
        return render.to_base64_png(render.heatmap_rgba(unit, cmap))
    unit = render.normalize(resized, scale)
    return render.to_base64_png(render.heatmap_rgba(unit, cmap))


def load_pictures(manifest: Manifest) -> dict[str, PopulationPictures]:
    """The manifest's population maps drawn per model; {} when it names none. A named file that is
    missing or malformed raises (ValueError/OSError): the bundle is broken."""
    loaded = _load(manifest)
    return loaded[1] if loaded else {}


def load_imbalance(manifest: Manifest) -> dict[str, Any] | None:
    """The stored imbalance result (``facexai audit --imbalance``, see facexai.evaluation.audit.imbalance),
    or None when the bundle's maps have none."""
    loaded = _load(manifest)
    return loaded[0].get("imbalance") if loaded else None


def _load(manifest: Manifest) -> tuple[dict[str, Any], dict[str, PopulationPictures]] | None:
    path = manifest.population_maps_path()
    if path is None:
        return None
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CACHE:
        data = json.loads(Path(path).read_text())
        if data.get("version") not in READABLE_VERSIONS:
            raise ValueError(
                f"{path}: population maps version {data.get('version')!r}, expected one of {READABLE_VERSIONS}"
            )
        _CACHE.clear()
        _CACHE[key] = (data, render_pictures(data, manifest.models))
    return _CACHE[key]


_CACHE: dict[tuple[str, int], tuple[dict[str, Any], dict[str, PopulationPictures]]] = {}
