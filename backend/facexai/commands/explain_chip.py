"""``facexai explain-chip``: explain one test chip with every model (IG and Grad-CAM for the top
class, and an IG grid over all classes) and write the figures and a JSON summary.

``run-test``, its first name, is still accepted."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from facexai.commands._labelled import add_labelled_set_arguments, load_manifest_with, progress_log, served_manifest


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from facexai.explain.options import DEFAULT_OUTPUT, DEFAULT_RULE, DEFAULT_STEPS, ExplainedOutput, QuadratureRule

    p = subparsers.add_parser(
        "explain-chip",
        aliases=["run-test"],  # its first name, kept for scripts and habits
        help="explain one labelled test chip with every model",
        description=__doc__,
    )
    add_labelled_set_arguments(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--index", type=int, help="row of the label CSV (default: drawn with --seed)")
    which.add_argument("--file", help="the CSV's file value, e.g. val/12.jpg")
    p.add_argument("--seed", type=int, default=0, help="random seed of the drawn row")
    p.add_argument("--models", nargs="+", metavar="NAME", help="only these manifest models")
    # the service's IG defaults, so the figures show what the service computes
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"IG interpolation points ({DEFAULT_STEPS})")
    p.add_argument(
        "--rule",
        choices=[r.value for r in QuadratureRule],
        default=DEFAULT_RULE.value,
        help=f"IG quadrature rule ({DEFAULT_RULE.value})",
    )
    p.add_argument(
        "--output",
        choices=[o.value for o in ExplainedOutput],
        default=DEFAULT_OUTPUT.value,
        help=f"IG explains this ({DEFAULT_OUTPUT.value})",
    )
    p.add_argument(
        "--out", type=Path, default=Path("results/explain_chip"), help="folder for the figures (ignored by git)"
    )
    p.add_argument("--json", action="store_true", help="print the summary JSON to stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from facexai.core.fairface import read_labels
    from facexai.evaluation.chip_explanations import Sample, explain_sample
    from facexai.evaluation.metrics import json_safe
    from facexai.models.registry import ModelRegistry

    log = progress_log(args.json)
    args.manifest = served_manifest(args.manifest)
    manifest = load_manifest_with(args.manifest, args.models, log)
    if manifest is None:
        return 2
    table = read_labels(args.labels)
    if args.file is not None:
        rows = [r for r in table.rows if r["file"] == args.file]
        if not rows:
            log(f"error: {args.file!r} is not in {args.labels}")
            return 2
        row = rows[0]
    else:
        index = args.index if args.index is not None else int(np.random.default_rng(args.seed).integers(len(table)))
        if not 0 <= index < len(table):
            log(f"error: --index {index} outside 0..{len(table) - 1}")
            return 2
        row = table.rows[index]
    sample = Sample(row["file"], {k: row[k] for k in ("age", "gender", "race")}, args.images / row["file"])
    if not sample.path.is_file():
        log(f"error: image not found: {sample.path}")
        return 2

    args.out.mkdir(parents=True, exist_ok=True)
    registry = ModelRegistry.from_manifest(manifest, args.models)
    results = []
    for name, loaded in registry.models.items():
        result = explain_sample(loaded, sample, args.out, args.steps, args.rule, args.output)
        results.append(result)
        top_prob = result["probabilities"][result["predicted"]]
        log(
            f"{name}: predicted {result['predicted']} ({100 * top_prob:.1f}%), labelled {result['true_label']}; "
            f"IG completeness error {100 * result['ig']['completeness_error_top']:.1f}%, "
            f"{result['ig']['ms_per_class']:.0f} ms per class; wrote {', '.join(result['figures'])}"
        )
    summary = json_safe({"sample": {"file": sample.file, "labels": sample.labels}, "models": results})
    text = json.dumps(summary, indent=2, allow_nan=False)
    (args.out / "explain_chip.json").write_text(text + "\n")
    log(f"wrote {args.out / 'explain_chip.json'}")
    if args.json:
        print(text)
    return 0
