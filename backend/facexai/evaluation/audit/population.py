"""Population attribution with statistics: per race and model the mean |IG| map and region shares
with bootstrap intervals; for the compared pair (A, B on the same faces) the difference per
region with its interval and a paired permutation test, corrected over every race x region test,
and the per-pixel difference map kept only where it is significant (BH over a race's pixels).

``bundle_maps`` writes the result in the bundle's population-map format (facexai.models.population,
version 2), which ``GET /models`` serves.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from facexai.core.labels import TASK_LABELS
from facexai.evaluation.audit import stats
from facexai.evaluation.audit.regions import REGION_NAMES
from facexai.evaluation.audit.run import AuditConfig, Gathered
from facexai.models.manifest import Manifest

RACES = TASK_LABELS["race"]
#: the summary names this many significant differences, the largest; it counts the rest
NAMED = 5


def attribution(
    g: Gathered, config: AuditConfig, n_boot: int = 2000, n_perm: int = 2000, correction: str = "holm"
) -> dict[str, Any]:
    races = np.array([f.labels["race"] for f in g.explained_faces])
    models: dict[str, Any] = {}
    for name, arrays in g.explanations.items():
        by_race: dict[str, Any] = {}
        for k, race in enumerate([*RACES, "all"]):
            rows = np.ones(len(races), bool) if race == "all" else races == race
            if not rows.any():
                continue
            entry: dict[str, Any] = {"n": int(rows.sum()), "map": arrays["ig_map"][rows].mean(axis=0)}
            for method, key in (("ig", "ig_shares"), ("grad_cam", "gc_shares")):
                if key in arrays:
                    ci = stats.mean_ci(arrays[key][rows], n_boot, config.seed + k)
                    entry[method] = {
                        region: {"share": ci["mean"][r], "ci_low": ci["ci_low"][r], "ci_high": ci["ci_high"][r]}
                        for r, region in enumerate(REGION_NAMES)
                    }
            completeness = arrays["ig_completeness"][rows]
            entry["completeness_error_median"] = (
                float(np.nanmedian(completeness)) if np.isfinite(completeness).any() else None
            )
            by_race[race] = entry
        models[name] = {
            "by_race": by_race,
            "seconds_per_face": float(np.median(arrays["ig_seconds"])) if len(arrays["ig_seconds"]) else None,
        }
    out: dict[str, Any] = {"models": models, "regions": list(REGION_NAMES)}
    if config.compare and all(n in g.explanations for n in config.compare):
        out["comparison"] = compare(g, config, races, n_boot, n_perm, correction)
    return out


def compare(
    g: Gathered, config: AuditConfig, races: np.ndarray, n_boot: int, n_perm: int, correction: str
) -> dict[str, Any]:
    a_name, b_name = config.compare  # type: ignore[misc]
    a, b = g.explanations[a_name], g.explanations[b_name]
    present = [r for r in RACES if (races == r).any()]
    tests = {}
    pixel = {}
    for k, race in enumerate(present):
        rows = races == race
        tests[race] = stats.paired_test(a["ig_shares"][rows], b["ig_shares"][rows], n_perm, config.seed + k)
        flat_a = a["ig_map"][rows].reshape(rows.sum(), -1)
        flat_b = b["ig_map"][rows].reshape(rows.sum(), -1)
        t = stats.paired_test(flat_a, flat_b, max(n_perm // 2, 200), config.seed + 100 + k)
        reject, _ = stats.correct(t["p_value"], "fdr_bh")
        diff = t["difference"].reshape(a["ig_map"].shape[1:])
        pixel[race] = {
            "difference": diff,
            "significant": np.where(reject.reshape(diff.shape), diff, 0.0),
            "significant_cells": int(reject.sum()),
        }
    p_all = np.array([tests[r]["p_value"] for r in present]) if present else np.zeros((0, len(REGION_NAMES)))
    reject, adjusted = stats.correct(p_all, correction)
    by_race: dict[str, Any] = {}
    for i, race in enumerate(present):
        t = tests[race]
        by_race[race] = {
            "n": int((races == race).sum()),
            "regions": {
                region: {
                    "difference": float(t["difference"][r]),
                    "ci_low": float(t["ci_low"][r]),
                    "ci_high": float(t["ci_high"][r]),
                    "p_value": float(t["p_value"][r]),
                    "p_adjusted": float(adjusted[i, r]),
                    "significant": bool(reject[i, r]),
                }
                for r, region in enumerate(REGION_NAMES)
            },
            "pixels": pixel[race],
        }
    result = {
        "a": a_name,
        "b": b_name,
        "difference": f"{b_name} minus {a_name}",
        "target": config.target,
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "test": f"paired permutation test ({n_perm} resamples), {correction} correction over "
        f"{p_all.size} tests (races x regions); per-pixel: BH within each race",
        "correction": correction,
        "tests": int(p_all.size),
        "by_race": by_race,
    }
    result["summary"] = summary(result)
    return result


def significant_findings(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for race, entry in comparison["by_race"].items():
        for region, r in entry["regions"].items():
            if r["significant"]:
                found.append({"race": race, "region": region, **r})
    return sorted(found, key=lambda f: -abs(f["difference"]))


def summary(comparison: dict[str, Any]) -> str:
    """The plain-words sentence: only significant differences, with their size and interval."""
    a, b = comparison["a"], comparison["b"]
    found = significant_findings(comparison)
    ns = sorted({e["n"] for e in comparison["by_race"].values()})
    faces = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"
    if not found:
        return (
            f"No region's share of the attribution differs significantly between {b} and {a} for any race "
            f"({faces} faces per race, {comparison['tests']} paired permutation tests, "
            f"{comparison['correction']}-corrected)."
        )
    named, rest = found[:NAMED], found[NAMED:]
    parts = [
        f"on {f['race']} faces {b} puts {abs(f['difference']) * 100:.1f} points "
        f"{'more' if f['difference'] > 0 else 'less'} "
        f"on the {f['region']} (95% CI {f['ci_low'] * 100:+.1f} to {f['ci_high'] * 100:+.1f})"
        for f in named
    ]
    more = (
        f"; {len(rest)} smaller significant differences, none above {abs(rest[0]['difference']) * 100:.1f} points, "
        "are in the table"
        if rest
        else ""
    )
    return (
        f"Significant differences ({faces} faces per race, {comparison['correction']}-corrected over "
        f"{comparison['tests']} tests): " + "; ".join(parts) + more + ". No other region or race differs significantly."
    )


def bundle_maps(population: dict[str, Any], config: AuditConfig, manifest: Manifest) -> dict[str, Any]:
    """The bundle's population-map file (facexai.models.population, version 2)."""
    from facexai.models.population import FORMAT_VERSION, encode_map, encode_signed_map

    models: dict[str, Any] = {}
    for name, m in population["models"].items():
        spec = manifest.get(name)
        entries = {}
        for race, e in m["by_race"].items():
            entries[race] = {"n": e["n"], **encode_map(e["map"]), "regions": e.get("ig", {})}
        models[name] = {
            "display_name": spec.display_name,
            "by_race": {r: v for r, v in entries.items() if r != "all"},
            "all": entries.get("all"),
            "completeness_error_median": m["by_race"].get("all", {}).get("completeness_error_median"),
        }
    counts = (
        {r: e["n"] for r, e in next(iter(population["models"].values()))["by_race"].items() if r != "all"}
        if population["models"]
        else {}
    )
    data: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "method": "integrated_gradients",
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "baseline": "black",
        "explained": "labelled class" if config.target == "labelled" else "predicted class",
        "normalisation": "sum",
        "faces_per_race": config.population,
        "seed": config.seed,
        "labels": config.labels.name,
        "limit": config.limit,
        "counts": counts,
        "size": config.small,
        "regions": list(REGION_NAMES),
        "encoding": "base64 8-bit greyscale PNG; value = pixel / 255 * max; each map sums to 1",
        "made_by": "facexai audit",
        "models": models,
    }
    comp = population.get("comparison")
    if comp:
        data["comparison"] = {
            "a": comp["a"],
            "b": comp["b"],
            "test": comp["test"],
            "correction": comp["correction"],
            "tests": comp["tests"],
            "summary": comp["summary"],
            "by_race": {
                race: {
                    "n": e["n"],
                    "regions": e["regions"],
                    "significant_cells": e["pixels"]["significant_cells"],
                    "difference_map": encode_signed_map(e["pixels"]["significant"]),
                }
                for race, e in comp["by_race"].items()
            },
        }
    return data
