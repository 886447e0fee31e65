"""``facexai evaluate``: accuracy, per-class and per-group figures, the bias table, plots and a report;
with ``--population-maps N`` also every model's mean |IG| map per race over N faces of each race."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from facexai.commands._labelled import add_labelled_set_arguments, load_manifest_with, progress_log

if TYPE_CHECKING:
    from collections.abc import Callable

    from facexai.models.manifest import Manifest

    Log = Callable[[str], None]


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
    p.add_argument(
        "--population-maps",
        type=int,
        default=0,
        metavar="N",
        help="also every model's mean |IG| map of its predicted class over N faces of each race (drawn "
        "with --population-seed from --labels; IG at the service's defaults; slow: one IG per face and model)",
    )
    p.add_argument("--population-seed", type=int, default=0, help="random seed of the population maps' faces")
    p.add_argument(
        "--only-population-maps", action="store_true", help="skip the accuracy figures: only the population maps"
    )
    p.add_argument(
        "--store-population-maps",
        action="store_true",
        help="also store the maps next to --manifest as population_maps.json and name them in the manifest",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from facexai.evaluation.metrics import json_safe
    from facexai.evaluation.report import render_report

    log = progress_log(args.json)
    if args.population_maps < 0 or (
        (args.only_population_maps or args.store_population_maps) and not args.population_maps
    ):
        log("error: --only-population-maps and --store-population-maps need --population-maps N (N > 0)")
        return 2
    manifest = load_manifest_with(args.manifest, args.models, log)
    if manifest is None:
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.only_population_maps:
        result: dict = {"dataset": {}, "models": {}, "bias_comparison": []}
    else:
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
    figures = {} if args.no_plots or args.only_population_maps else write_plots(result, out)
    if args.population_maps:
        result["population_maps"] = population_maps(args, manifest, out, figures, log)
    result["figures"] = figures
    safe = json_safe(result)
    text = json.dumps(safe, indent=2, ensure_ascii=False, allow_nan=False)
    (out / "evaluation.json").write_text(text + "\n")
    if not args.only_population_maps:
        (out / "report.md").write_text(render_report(safe, figures))
    log(f"wrote {out / 'evaluation.json'} and {sum(len(v) for v in figures.values())} figures")
    if args.json:
        print(text)
    return 0


def population_maps(
    args: argparse.Namespace, manifest: Manifest, out: Path, figures: dict[str, list[str]], log: Log
) -> dict:
    """Compute and write the population maps; returns what evaluation.json says about them."""
    from facexai.core.fairface import keep_present, read_labels
    from facexai.evaluation.population import compute_population_maps, write_population_pictures

    present = keep_present(read_labels(args.labels).head(args.limit), args.images)
    data = compute_population_maps(
        manifest,
        present.table,
        args.images,
        args.population_maps,
        seed=args.population_seed,
        names=args.models,
        workers=args.workers,
        log=log,
    )
    (out / "population_maps.json").write_text(json.dumps(data, ensure_ascii=False) + "\n")
    figures["population_maps"] = write_population_pictures(data, manifest, out) if not args.no_plots else []
    if args.store_population_maps:
        (manifest.root / "population_maps.json").write_text(json.dumps(data, ensure_ascii=False) + "\n")
        manifest.population_maps = "population_maps.json"
        manifest.save(args.manifest)
        log(f"stored the population maps in {manifest.root / 'population_maps.json'}, named in {args.manifest}")
    summary = {k: v for k, v in data.items() if k != "models"}
    summary["file"] = "population_maps.json"
    summary["models"] = {
        name: {
            "faces": m["all"]["n"],
            "completeness_error_median": m.get("completeness_error_median"),
        }
        for name, m in data["models"].items()
    }
    return summary


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
