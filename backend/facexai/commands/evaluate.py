"""``facexai evaluate``: accuracy, per-class and per-group figures, the bias table, plots and a report.
(The population maps moved to ``facexai audit --population N --store-population-maps``, which adds
their intervals and tests: docs/audit.md.)"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from facexai.commands._labelled import add_labelled_set_arguments, load_manifest_with, progress_log, served_manifest


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="evaluate manifest models on a labelled FairFace-layout set",
        description=__doc__,
    )
    add_labelled_set_arguments(p)
    p.add_argument("--out", type=Path, default=Path("results/evaluation"), help="folder for report, plots and JSON")
    p.add_argument("--models", nargs="+", metavar="NAME", help="evaluate only these manifest models")
    p.add_argument("--limit", type=int, default=0, help="only the first N rows of the labels (0 = all)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples per interval")
    p.add_argument("--seed", type=int, default=0, help="bootstrap random seed")
    p.add_argument("--workers", type=int, default=8, help="JPEG decoding threads")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    p.add_argument("--json", action="store_true", help="print the JSON to stdout (progress goes to stderr)")
    # moved to `facexai audit` (docs/audit.md): still parsed, to say so instead of "unrecognized arguments"
    for flag in ("--population-maps", "--population-seed"):
        p.add_argument(flag, type=int, default=None, help=argparse.SUPPRESS)
    for flag in ("--only-population-maps", "--store-population-maps"):
        p.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from facexai.evaluation.metrics import json_safe
    from facexai.evaluation.report import render_report

    log = progress_log(args.json)
    if args.population_maps is not None or args.only_population_maps or args.store_population_maps:
        log(
            "error: the population maps moved to `facexai audit --population N --store-population-maps` "
            "(with intervals and paired tests; docs/audit.md)"
        )
        return 2
    args.manifest = served_manifest(args.manifest)
    manifest = load_manifest_with(args.manifest, args.models, log)
    if manifest is None:
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from facexai.evaluation.evaluate import EvalData, evaluate_manifest

    data = EvalData.load(args.labels, args.images, limit=args.limit, workers=args.workers, log=log)
    result = evaluate_manifest(
        manifest,
        data,
        names=args.models,
        batch_size=args.batch_size,
        n_boot=args.bootstrap,
        seed=args.seed,
        log=log,
    )
    result["dataset"].update(labels=str(args.labels), images=str(args.images), manifest=str(args.manifest))
    figures = {} if args.no_plots else write_plots(result, out)
    result["figures"] = figures
    safe = json_safe(result)
    text = json.dumps(safe, indent=2, ensure_ascii=False, allow_nan=False)
    (out / "evaluation.json").write_text(text + "\n")
    (out / "report.md").write_text(render_report(safe, figures))
    log(f"wrote {out / 'evaluation.json'} and {sum(len(v) for v in figures.values())} figures")
    if args.json:
        print(text)
    return 0


def write_plots(result: dict, out: Path) -> dict[str, list[str]]:
    """Figures per model (key = model name) and shared ones (key ""); paths relative to ``out``."""
    from facexai.evaluation import plots

    figures: dict[str, list[str]] = {}
    for name, m in result["models"].items():
        made = []
        log_path = m.get("training_log")
        if log_path and Path(log_path).is_file():
            made.append(plots.training_curves(Path(log_path), f"{name}: training", out / f"curves_{name}.png"))
        made.append(plots.per_class_bars(name, m["per_class"], out / f"per_class_{name}.png"))
        made.append(plots.confusion(name, m["confusion"], out / f"confusion_{name}.png"))
        made.append(plots.accuracy_by_group(name, m["by_group"], out / f"groups_{name}.png"))
        figures[name] = [p.name for p in made if p is not None]
    shared = []
    if result["models"]:
        shared.append(plots.accuracy_by_race_all(result["models"], out / "accuracy_by_race.png"))
    for table in result["bias_comparison"]:
        shared.append(plots.bias_bars(table, out / f"bias_{table['unbiased']}_vs_{table['biased']}.png"))
    figures[""] = [p.name for p in shared]
    return figures
