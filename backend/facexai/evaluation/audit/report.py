"""``audit.json`` and ``audit.html``: the statistics of an audit, and its figures embedded as PNGs
(readable without the app). Numbers only: no face image ever enters either file; the maps drawn
are means over at least a race's faces."""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.labels import TASK_LABELS
from facexai.evaluation.audit import imbalance, sanity, stats
from facexai.evaluation.audit.population import attribution, bundle_maps, significant_findings
from facexai.evaluation.audit.regions import REGION_NAMES
from facexai.evaluation.audit.run import AuditConfig, Gathered
from facexai.evaluation.metrics import LEVEL, accuracy_ci, json_safe
from facexai.models.labelmap import audit_view
from facexai.models.manifest import Manifest

Log = Any

#: the groupings an auditor expects, each a function of a face's labels
GROUPINGS: dict[str, Any] = {
    "by_race": (lambda f: f.labels["race"], list(TASK_LABELS["race"])),
    "by_gender": (lambda f: f.labels["gender"], list(TASK_LABELS["gender"])),
    "by_age": (lambda f: f.labels["age"], list(TASK_LABELS["age"])),
    "by_race_gender": (
        lambda f: f"{f.labels['race']} × {f.labels['gender']}",
        [f"{r} × {g}" for r in TASK_LABELS["race"] for g in TASK_LABELS["gender"]],
    ),
}


def model_metrics(g: Gathered, manifest: Manifest) -> dict[str, Any]:
    """Each model's accuracy against the faces' FairFace labels, overall and per group. A model with labels
    of its own is measured through its label map (facexai.models.labelmap.audit_view): its probabilities
    summed into FairFace's classes, the faces whose label none of its labels stands for left out and
    counted (``unmapped_faces``). A model whose labels relate to no FairFace label is in
    :func:`prediction_shares` instead."""
    out: dict[str, Any] = {}
    for name, probs in g.predictions.items():
        spec = manifest.get(name)
        view = audit_view(spec.labels, spec.task, spec.label_map or None)
        if view is None:
            continue
        truth = np.array([view.truth.get(f.labels[spec.task], -1) for f in g.faces.faces], int)
        keep = truth >= 0
        faces = [f for f, k in zip(g.faces.faces, keep, strict=True) if k]
        labels = view.labels
        probs = (probs if view.identity else view.project(probs))[keep] if len(probs) else probs
        y_true = truth[keep]
        y_pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, int)
        correct = y_pred == y_true
        low, high = accuracy_ci(correct)
        cal = stats.calibration(probs.max(axis=1) if len(probs) else np.zeros(0), correct)
        entry: dict[str, Any] = {
            "task": spec.task,
            "biased": spec.biased,
            "accuracy": float(correct.mean()) if correct.size else float("nan"),
            "ci_low": low,
            "ci_high": high,
            "n": int(correct.size),
            "ece": cal["ece"],
            "calibration": cal["curve"],
        }
        if spec.user_supplied:
            entry["user_supplied"] = True
        if not view.identity:
            entry.update(classes=labels, label_map=spec.label_map, unmapped_faces=int((~keep).sum()))
        for key, (fn, order) in GROUPINGS.items():
            groups = np.array([fn(f) for f in faces])
            if not len(groups):
                continue
            result = stats.group_metrics(y_true, probs, groups, labels, order)
            entry[key] = result["groups"]
            entry.setdefault("largest_gap", {})[key] = result["largest_gap"]
        out[name] = entry
    return out


def prediction_shares(g: Gathered, manifest: Manifest) -> dict[str, Any]:
    """The models the faces' labels cannot measure (a task of its own, or labels without a label map):
    how often each class is predicted for each race, with its interval: a selection rate per race."""
    from facexai.evaluation.metrics import proportion_ci

    out: dict[str, Any] = {}
    for name, probs in g.predictions.items():
        spec = manifest.get(name)
        if audit_view(spec.labels, spec.task, spec.label_map or None) is not None:
            continue
        predicted = probs.argmax(axis=1) if len(probs) else np.zeros(0, int)
        races = np.array([f.labels["race"] for f in g.faces.faces])
        by_race: dict[str, Any] = {}
        for race in TASK_LABELS["race"]:
            mine = predicted[races == race]
            if not mine.size:
                continue
            shares = {}
            for k, label in enumerate(spec.labels):
                hits = int((mine == k).sum())
                low, high = proportion_ci(hits, int(mine.size))
                shares[label] = {"share": hits / mine.size, "ci_low": low, "ci_high": high}
            by_race[race] = {"n": int(mine.size), "predicted": shares}
        out[name] = {
            "task": spec.task,
            "labels": list(spec.labels),
            "n": int(predicted.size),
            "why": f"the faces carry no {spec.task} label its labels relate to: its predictions per race, "
            "not its accuracy",
            "by_race": by_race,
        }
    return out


def imbalance_result(g: Gathered, config: AuditConfig, manifest: Manifest) -> dict[str, Any]:
    """audit.json's ``imbalance``: the arms' seeds on the same explained faces (region shares) and on
    every predicted face (accuracy)."""
    assert config.imbalance is not None
    biased, control = config.imbalance
    correct = {}
    for name in [*biased, *control]:
        spec = manifest.get(name)
        y_true = np.array([list(spec.labels).index(f.labels[spec.task]) for f in g.faces.faces], int)
        probs = g.predictions[name]
        correct[name] = (probs.argmax(axis=1) == y_true).astype(np.float64) if len(probs) else np.zeros(0)
    return imbalance.section(
        [f.labels["race"] for f in g.faces.faces],
        {n: g.explanations[n]["ig_shares"] for n in [*biased, *control]},
        [f.labels["race"] for f in g.explained_faces],
        correct,
        biased,
        control,
        REGION_NAMES,
        TASK_LABELS["race"],
        config.population,
    )


def write_outputs(
    config: AuditConfig, manifest: Manifest, g: Gathered, args: argparse.Namespace, log: Log
) -> dict[str, Any]:
    n_boot = getattr(args, "bootstrap", 2000)
    n_perm = getattr(args, "permutations", 2000)
    correction = getattr(args, "correction", "holm")
    metrics = model_metrics(g, manifest)
    shares = prediction_shares(g, manifest)
    population = attribution(g, config, n_boot, n_perm, correction) if g.explanations else {"models": {}}
    comparison = population.get("comparison")
    result: dict[str, Any] = {
        "engine": g.engine
        or {"name": "ray", "workers": 0, "nodes": 0, "address": None, "note": "read from the shards"},
        "dataset": {
            "labels": str(config.labels),
            "images": str(config.images),
            "limit": config.limit,
            "faces": len(g.faces.faces),
            "explained_faces": len(g.explained_faces),
            "explained_per_race": {
                r: sum(f.labels["race"] == r for f in g.explained_faces) for r in TASK_LABELS["race"]
            },
        },
        "settings": {
            "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
            "target": config.target,
            "population": config.population,
            "seed": config.seed,
            "gradcam": config.gradcam,
            "bootstrap": n_boot,
            "permutations": n_perm,
            "correction": correction,
            "small_n": stats.SMALL_N,
            "level": LEVEL,
        },
        "throughput": g.throughput or {"faces_per_minute": None},
        "shards": g.shards,
        "models": metrics,
        "attribution": {
            name: {race: {k: v for k, v in e.items() if k != "map"} for race, e in m["by_race"].items()}
            for name, m in population["models"].items()
        },
        "skipped": g.faces.skipped,
    }
    if shares:
        result["predictions_only"] = shares
    if comparison:
        result["comparison"] = {
            **{k: v for k, v in comparison.items() if k != "by_race"},
            "by_race": {
                race: {
                    "n": e["n"],
                    "regions": e["regions"],
                    "significant_cells": e["pixels"]["significant_cells"],
                }
                for race, e in comparison["by_race"].items()
            },
            "findings": significant_findings(comparison),
        }
    if config.imbalance and all(n in g.explanations for n in config.explained()):
        result["imbalance"] = imbalance_result(g, config, manifest)
    if population["models"]:
        result["population_maps"] = bundle_maps(population, config, manifest)
        if "imbalance" in result:
            result["population_maps"]["imbalance"] = result["imbalance"]
    result.update(sanity.report(g, config, n_boot))  # --sanity (facexai.evaluation.audit.sanity)
    safe = json_safe({k: v for k, v in result.items() if k not in ("population_maps", "sanity_bundle")})
    (config.out / "audit.json").write_text(json.dumps(safe, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if "population_maps" in result:
        (config.out / "population_maps.json").write_text(
            json.dumps(json_safe(result["population_maps"]), ensure_ascii=False) + "\n"
        )
    if "sanity_bundle" in result:
        (config.out / "sanity.json").write_text(json.dumps(json_safe(result["sanity_bundle"]), indent=1) + "\n")
    (config.out / "audit.html").write_text(render_html(safe, population, config, g.sanity))
    return result


# ---------------------------------------------------------------------------------------------- HTML


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _figures(safe: dict[str, Any], population: dict[str, Any]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: dict[str, str] = {}
    races = list(TASK_LABELS["race"])
    models = safe["models"]
    if models:
        fig, ax = plt.subplots(figsize=(9, 3.6))
        width = 0.8 / len(models)
        for k, (name, m) in enumerate(models.items()):
            by = m.get("by_race", {})
            xs = np.arange(len(races)) + k * width
            acc = [by.get(r, {}).get("accuracy") or np.nan for r in races]
            lo = [by.get(r, {}).get("ci_low") or np.nan for r in races]
            hi = [by.get(r, {}).get("ci_high") or np.nan for r in races]
            ax.bar(xs, acc, width, label=name, yerr=[np.subtract(acc, lo), np.subtract(hi, acc)], capsize=2)
        ax.set_xticks(np.arange(len(races)) + 0.4 - width / 2, races, rotation=20, fontsize=8)
        ax.set_ylabel("accuracy (95% Wilson)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, ncol=len(models))
        figs["accuracy"] = _png(fig)
        fig, axes = plt.subplots(1, len(models), figsize=(3 * len(models), 3), squeeze=False)
        for ax, (name, m) in zip(axes[0], models.items(), strict=True):
            c = m["calibration"]
            ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
            ax.plot(c["confidence"], c["accuracy"], marker="o")
            ax.set_title(f"{name}: ECE {m['ece']:.3f}" if m.get("ece") is not None else name, fontsize=9)
            ax.set_xlabel("confidence")
            ax.set_ylabel("accuracy")
        figs["calibration"] = _png(fig)
    pop = population.get("models", {})
    if pop:
        regions = population["regions"]
        names = list(pop)
        fig, axes = plt.subplots(len(names), len(races), figsize=(1.6 * len(races), 1.7 * len(names)), squeeze=False)
        vmax = max(float(np.percentile(e["map"], 99)) for m in pop.values() for e in m["by_race"].values())
        for i, name in enumerate(names):
            for j, race in enumerate(races):
                ax = axes[i][j]
                ax.axis("off")
                e = pop[name]["by_race"].get(race)
                if e is None:
                    continue
                ax.imshow(e["map"], cmap="inferno", vmin=0, vmax=vmax)
                ax.set_title(f"{name}\n{race} (n={e['n']})" if j == 0 else f"{race} (n={e['n']})", fontsize=7)
        figs["maps"] = _png(fig)
        fig, axes = plt.subplots(1, len(races), figsize=(2.3 * len(races), 3.2), sharey=True, squeeze=False)
        for j, race in enumerate(races):
            ax = axes[0][j]
            for k, name in enumerate(names):
                e = pop[name]["by_race"].get(race, {}).get("ig")
                if not e:
                    continue
                ys = np.arange(len(regions)) + 0.35 * k
                mean = np.array([e[r]["share"] for r in regions])
                low = np.array([e[r]["ci_low"] for r in regions])
                high = np.array([e[r]["ci_high"] for r in regions])
                ax.errorbar(mean * 100, ys, xerr=[(mean - low) * 100, (high - mean) * 100], fmt="o", ms=3, label=name)
            ax.set_title(race, fontsize=8)
            ax.set_xlabel("% of |IG|", fontsize=7)
        axes[0][0].set_yticks(np.arange(len(regions)) + 0.175, regions, fontsize=7)
        axes[0][0].invert_yaxis()
        axes[0][0].legend(fontsize=6)
        figs["shares"] = _png(fig)
    imb = safe.get("imbalance")
    if imb and imb["by_race"]:
        regions = list(next(iter(imb["by_race"].values()))["regions"])
        figs["imbalance"] = _png(
            _region_effects(
                plt, imb["by_race"], regions, "effect", "beyond_retraining", "biased − control (points)", "retraining"
            )
        )
    comp = population.get("comparison")
    if comp:
        present = list(comp["by_race"])
        figs["differences"] = _png(
            _region_effects(
                plt,
                comp["by_race"],
                population["regions"],
                "difference",
                "significant",
                f"{comp['b']} − {comp['a']} (points)",
            )
        )
        fig, axes = plt.subplots(1, len(present), figsize=(1.7 * len(present), 2), squeeze=False)
        top = (
            max((float(np.abs(e["pixels"]["significant"]).max()) for e in comp["by_race"].values()), default=0) or 1e-9
        )
        for j, race in enumerate(present):
            ax = axes[0][j]
            ax.imshow(comp["by_race"][race]["pixels"]["significant"], cmap="RdBu_r", vmin=-top, vmax=top)
            ax.set_title(f"{race}\n{comp['by_race'][race]['pixels']['significant_cells']} cells", fontsize=7)
            ax.axis("off")
        figs["difference_maps"] = _png(fig)
    return figs


def _region_effects(
    plt: Any,
    by_race: dict[str, Any],
    regions: list[str],
    value: str,
    flag: str,
    xlabel: str,
    band: str | None = None,
) -> Any:
    """One panel per race: each region's ``value`` (a fraction, drawn in points) with its interval,
    red where ``flag`` holds; with ``band``, a grey band of ± that key (what retraining alone moves)."""
    present = list(by_race)
    fig, axes = plt.subplots(1, len(present), figsize=(2.3 * len(present), 3.4), sharey=True, squeeze=False)
    ys = np.arange(len(regions), dtype=float)
    for j, race in enumerate(present):
        ax = axes[0][j]
        cells = by_race[race]["regions"]
        mid = np.array([cells[r][value] for r in regions]) * 100
        low = np.array([cells[r]["ci_low"] for r in regions]) * 100
        high = np.array([cells[r]["ci_high"] for r in regions]) * 100
        flagged = np.array([cells[r][flag] for r in regions], dtype=bool)
        if band:
            half = np.array([cells[r][band] for r in regions]) * 100
            ax.barh(ys, 2 * half, left=-half, height=0.6, color="#ddd", label="± retraining alone")
        ax.axvline(0, color="grey", lw=0.8)
        ax.errorbar(mid, ys, xerr=[mid - low, high - mid], fmt="none", ecolor="black", lw=1)
        ax.scatter(mid, ys, c=np.where(flagged, "crimson", "white"), edgecolors="black", zorder=3, s=18)
        ax.set_title(f"{race} (n={by_race[race]['n']})", fontsize=8)
        ax.set_xlabel(xlabel, fontsize=7)
    axes[0][0].set_yticks(ys, regions, fontsize=7)
    axes[0][0].invert_yaxis()
    if band:
        axes[0][0].legend(fontsize=6, loc="lower left")
    return fig


def _fmt(v: Any, pct: bool = True) -> str:
    if v is None:
        return "–"
    return f"{v * 100:.1f}" if pct else f"{v:.3f}"


def render_html(
    safe: dict[str, Any], population: dict[str, Any], config: AuditConfig, sanity_arrays: dict | None = None
) -> str:
    figs = _figures(safe, population)
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>facexai audit</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:13px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}.small{color:#b00}"
        ".sig{font-weight:bold;color:#b00}img{max-width:100%}</style></head><body>",
        "<h1>facexai audit</h1>",
        f"<p>{e(str(safe['dataset']['faces']))} faces from <code>{e(Path(config.labels).name)}</code>"
        f" ({len(safe['skipped'])} rows skipped); {safe['dataset']['explained_faces']} explained "
        f"(IG {e(json.dumps(safe['settings']['ig']))}, explaining the {e(config.target)} class). "
        f"Engine: Ray, {safe['engine'].get('workers')} worker(s) on {safe['engine'].get('nodes')} node(s); "
        f"throughput {e(str(safe['throughput'].get('faces_per_minute')))} faces/min. Intervals are 95%; "
        f"groups with n &lt; {stats.SMALL_N} are <span class='small'>marked</span>.</p>",
    ]
    imb = safe.get("imbalance")
    if imb:
        parts.append(
            "<h2>The effect of the imbalance, with retraining in the error bar</h2>"
            f"<p>Biased arm: {e(', '.join(imb['biased']))}; control arm (the same recipe and data size, every race "
            f"equally): {e(', '.join(imb['control']))}.</p><p><b>{e(imb['summary'])}</b></p>"
            f"<p>{e(imb['retraining_summary'])}</p><p>Method: {e(imb['method'])}.</p>"
        )
        parts.append(figs.get("imbalance", ""))
        rows = "".join(
            f"<tr><td>{e(race)}</td><td>{r['n_accuracy']}</td><td>{_fmt(r['accuracy']['effect'])}</td>"
            f"<td>[{_fmt(r['accuracy']['ci_low'])}, {_fmt(r['accuracy']['ci_high'])}]</td>"
            f"<td>{_fmt(r['accuracy']['retraining'])}</td>"
            f"<td class='{'sig' if r['accuracy']['beyond_retraining'] else ''}'>"
            f"{'yes' if r['accuracy']['beyond_retraining'] else 'no'}</td></tr>"
            for race, r in imb["by_race"].items()
        )
        parts.append(
            "<h3>Accuracy: biased minus control, points</h3><table><tr><th>race</th><th>faces</th><th>effect</th>"
            f"<th>95% CI</th><th>retraining alone</th><th>beyond retraining</th></tr>{rows}</table>"
        )
    comp = safe.get("comparison")
    if comp:
        parts.append(
            f"<h2>Does {e(comp['b'])} look elsewhere than {e(comp['a'])}?</h2><p><b>{e(comp['summary'])}</b></p>"
        )
        parts.append(
            f"<p>{e(comp['test'])}. Differences are {e(comp['difference'])}, in points of attribution share.</p>"
        )
        parts.append(figs.get("differences", ""))
        parts.append("<p>Per-pixel differences, shown only where significant (BH within each race):</p>")
        parts.append(figs.get("difference_maps", ""))
    parts.append("<h2>Accuracy by race</h2>" + figs.get("accuracy", ""))
    for name, m in safe["models"].items():
        parts.append(
            f"<h3>{e(name)}: accuracy {_fmt(m['accuracy'])}% [{_fmt(m['ci_low'])}, {_fmt(m['ci_high'])}], "
            f"n={m['n']}, ECE {_fmt(m['ece'], False)}</h3>"
        )
        for key in GROUPINGS:
            groups = m.get(key)
            if not groups:
                continue
            gap = m["largest_gap"][key]
            rows = "".join(
                f"<tr><td>{e(gname)}</td><td class='{'small' if gv['small_n'] else ''}'>{gv['n']}</td>"
                f"<td>{_fmt(gv['accuracy'])}</td><td>[{_fmt(gv['ci_low'])}, {_fmt(gv['ci_high'])}]</td>"
                f"<td>{_fmt(gv['ece'], False)}</td>"
                f"<td>{_fmt(gv['tpr'].get(gname) if key == 'by_' + m['task'] else None)}</td></tr>"
                for gname, gv in groups.items()
            )
            gap_text = (
                f"largest gap {_fmt(gap['accuracy'])} points ({e(gap['highest'])} vs {e(gap['lowest'])})"
                if gap.get("accuracy") is not None
                else ""
            )
            parts.append(
                f"<details><summary>{e(key.replace('_', ' '))}: {gap_text}</summary>"
                "<table><tr><th>group</th><th>n</th>"
                "<th>accuracy %</th><th>95% CI</th><th>ECE</th><th>TPR of own class %</th></tr>"
                f"{rows}</table></details>"
            )
    for name, m in safe.get("predictions_only", {}).items():
        labels = m["labels"]
        rows = "".join(
            f"<tr><td>{e(race)}</td><td>{r['n']}</td>"
            + "".join(
                f"<td>{_fmt(r['predicted'][k]['share'])} [{_fmt(r['predicted'][k]['ci_low'])}, "
                f"{_fmt(r['predicted'][k]['ci_high'])}]</td>"
                for k in labels
            )
            + "</tr>"
            for race, r in m["by_race"].items()
        )
        parts.append(
            f"<h3>{e(name)}: predictions by race (n={m['n']})</h3><p>{e(m['why'])}.</p>"
            f"<table><tr><th>race</th><th>n</th>{''.join(f'<th>{e(k)} %</th>' for k in labels)}</tr>{rows}</table>"
        )
    parts.append(sanity.html_section(safe, sanity_arrays or {}, _png))
    parts.append("<h2>Calibration</h2>" + figs.get("calibration", ""))
    if "maps" in figs:
        parts.append("<h2>Mean |IG| maps by race</h2>" + figs["maps"])
        parts.append("<h2>Region shares with 95% intervals</h2>" + figs.get("shares", ""))
    if safe["skipped"]:
        rows = "".join(
            f"<tr><td>{s['row']}</td><td>{e(str(s['file']))}</td><td>{e(str(s['reason']))}</td></tr>"
            for s in safe["skipped"][:200]
        )
        parts.append(
            f"<h2>Skipped rows ({len(safe['skipped'])})</h2>"
            f"<table><tr><th>row</th><th>file</th><th>reason</th></tr>{rows}</table>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
