"""The evaluation as markdown, from the same dictionary that is written as JSON."""

from __future__ import annotations

from typing import Any


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def _ci(pair: list[float | None]) -> str:
    return f"{_pct(pair[0])} – {_pct(pair[1])}"


def _signed(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:+.1f} pt"


def _intervals(result: dict[str, Any]) -> str:
    """How the intervals were computed (a result from before the accuracies' Wilson intervals says bootstrap)."""
    boot = result["bootstrap"]
    gaps = f"{boot['method']} bootstrap, {boot['resamples']} resamples"
    level = f"{int(boot['level'] * 100)}%"
    if "accuracy_interval" not in result:
        return f"Intervals: {gaps}, {level}."
    return f"Intervals, {level}: an accuracy's is Wilson's score interval; a paired gap's a {gaps}."


def render_report(result: dict[str, Any], figures: dict[str, list[str]]) -> str:
    ds = result["dataset"]
    lines = [
        "# facexai evaluation",
        "",
        f"Labelled set: `{ds.get('labels', '?')}` (images under `{ds.get('images', '?')}`): "
        f"{ds['n']:,} images evaluated, {ds['missing']} missing and skipped.",
        _intervals(result),
        "",
        "| race | " + " | ".join(ds["counts"]["race"]) + " |",
        "| --- | " + " | ".join("---:" for _ in ds["counts"]["race"]) + " |",
        "| n | " + " | ".join(f"{v:,}" for v in ds["counts"]["race"].values()) + " |",
        "",
        "## Models",
        "",
        "| model | task | biased | accuracy | 95% interval | macro F1 | balanced accuracy | race gap (max − min) |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for name, m in result["models"].items():
        lines.append(
            f"| `{name}` | {m['task']} | {'yes' if m['biased'] else 'no'} | {_pct(m['accuracy'])} | "
            f"{_ci(m['accuracy_ci'])} | {m['macro_f1']:.3f} | {_pct(m['balanced_accuracy'])} | "
            f"{_pct(m['race_accuracy_gap'])} |"
        )
    for table in result["bias_comparison"]:
        lines += [
            "",
            f"## Biased vs unbiased: `{table['unbiased']}` vs `{table['biased']}`",
            "",
            "Recall of each race (the share of that race's faces classified correctly); gap = unbiased − "
            "biased, with a paired bootstrap interval (same resampled faces for both models).",
            "",
            f"| race | n | `{table['unbiased']}` | 95% interval | `{table['biased']}` | 95% interval | gap | "
            "gap 95% interval |",
            "| --- | ---: | ---: | --- | ---: | --- | ---: | --- |",
        ]
        for r in table["rows"]:
            lines.append(
                f"| {r['race']} | {r['n']} | {_pct(r['unbiased'])} | {_ci(r['unbiased_ci'])} | {_pct(r['biased'])} | "
                f"{_ci(r['biased_ci'])} | {_signed(r['gap'])} | {_signed(r['gap_ci'][0])} – {_signed(r['gap_ci'][1])} |"
            )
    for name, m in result["models"].items():
        lines += ["", f"## `{name}` ({m['task']})", ""]
        if m.get("description"):
            card = f" Model card: `{m['card']}`, beside the manifest." if m.get("card") else ""
            lines += [f"{m['description']}.{card}", ""]
        if sel := m.get("selected"):
            chosen = ", ".join(f"{k} {_pct(v)}" for k, v in (sel.get("selection") or {}).items() if k == m["task"])
            lines += [
                (f"Training phase `{sel['phase']}`: " if "phase" in sel else "Training: ")
                + f"epoch {sel.get('best_epoch', '?')}"
                + (f" of {sel['epochs']}" if "epochs" in sel else "")
                + f" kept, chosen on {sel.get('model_selected_on', '?')}"
                + (f" ({chosen} there)" if chosen else "")
                + ".",
                "",
            ]
        lines += ["| class | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
        for label, c in m["per_class"].items():
            lines.append(f"| {label} | {_pct(c['precision'])} | {_pct(c['recall'])} | {c['f1']:.3f} | {c['support']} |")
        for column, groups in m["by_group"].items():
            lines += ["", f"Accuracy by {column}:", "", f"| {column} | n | accuracy | 95% interval |"]
            lines.append("| --- | ---: | ---: | --- |")
            for group, g in groups.items():
                lines.append(f"| {group} | {g['n']} | {_pct(g['accuracy'])} | {_ci([g['ci_low'], g['ci_high']])} |")
        cm = m["confusion"]
        lines += ["", "Confusion matrix (rows true, columns predicted):", ""]
        lines.append("| true \\ predicted | " + " | ".join(cm["labels"]) + " |")
        lines.append("| --- | " + " | ".join("---:" for _ in cm["labels"]) + " |")
        for label, row in zip(cm["labels"], cm["matrix"], strict=True):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        for fig in figures.get(name, []):
            lines += ["", f"![{fig}]({fig})"]
    shared = figures.get("", [])
    if shared:
        lines += ["", "## Figures", ""] + [f"![{fig}]({fig})\n" for fig in shared]
    lines += [
        "",
        "## Caveats",
        "",
        "- How each model was trained, and every lever measured to improve it with what it gave on held-out "
        'train chips: docs/training.md ("Levers measured").',
        "- Labels are perceived attributes (annotators' judgement from the photo); gender is binary in FairFace.",
        "- If this set is the validation set used for early stopping, the figures are optimistic.",
        "- A group of n faces has a wide interval when n is small; Wilson's interval stays open at 0% or 100% "
        "accuracy (a bootstrap's would collapse to a point there), yet with a handful of faces it says little.",
    ]
    return "\n".join(lines) + "\n"
