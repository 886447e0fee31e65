"""``facexai audit``: every face of a labelled set predicted by every model, the compared models'
explanations reduced to what population statistics need, computed on Ray into resumable shards;
then per-group accuracy with intervals, calibration, population attribution with bootstrap
intervals and paired permutation tests, written as ``audit.json`` and ``audit.html``."""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

from facexai.commands._labelled import add_labelled_set_arguments, progress_log, served_manifest
from facexai.core.photos import DEFAULT_DETECTOR, DETECTORS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="audit models on a labelled set of faces, on Ray", description=__doc__)
    add_labelled_set_arguments(p)
    p.add_argument("--out", type=Path, default=Path("results/audit"), help="folder for shards, audit.json, audit.html")
    p.add_argument("--models", nargs="+", metavar="NAME", help="models to predict with (default: all)")
    p.add_argument(
        "--compare", nargs=2, metavar=("A", "B"), help="two models of the same labels whose explanations are compared"
    )
    p.add_argument("--explain", nargs="+", default=[], metavar="NAME", help="also explain these models")
    p.add_argument(
        "--imbalance",
        action="store_true",
        help="the effect of the race imbalance with retraining in the error bar: every seed of the manifest's "
        "biased and control arms explained on the same faces (docs/audit.md)",
    )
    p.add_argument("--biased", nargs="+", metavar="NAME", help="--imbalance's biased arm (default: the manifest's)")
    p.add_argument("--control", nargs="+", metavar="NAME", help="--imbalance's control arm (default: the manifest's)")
    p.add_argument("--population", type=int, default=0, metavar="N", help="explain N faces per race (0 = every face)")
    p.add_argument("--seed", type=int, default=0, help="seed of the population's faces and of the resampling")
    p.add_argument(
        "--target", choices=["labelled", "predicted"], default="labelled", help="the class each explanation explains"
    )
    p.add_argument("--ig-steps", type=int, default=None, help="IG points (default: the audit's, docs/audit.md)")
    p.add_argument("--ig-rule", default=None, help="IG quadrature rule (default: the service's)")
    p.add_argument("--no-gradcam", action="store_true", help="skip Grad-CAM")
    p.add_argument(
        "--align",
        nargs="?",
        const=DEFAULT_DETECTOR,
        choices=DETECTORS,
        default=None,
        help="the files are photos, not aligned chips: find and align the largest face the service's way "
        f"(dlib detector, default {DEFAULT_DETECTOR}; a photo without a face is skipped)",
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N rows of the labels (0 = all)")
    p.add_argument("--address", default=None, help="Ray cluster to join (default: RAY_ADDRESS, else a local Ray)")
    p.add_argument("--workers", type=int, default=None, help="Ray workers (default: one per CPU Ray reports)")
    p.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples per interval")
    p.add_argument(
        "--permutations", type=int, default=5000, help="permutations per paired test (per-pixel tests: half)"
    )
    p.add_argument("--correction", choices=["holm", "fdr_bh"], default="holm", help="multiple-test correction")
    p.add_argument("--report-only", action="store_true", help="no computing: the report from the shards so far")
    p.add_argument(
        "--store-population-maps",
        action="store_true",
        help="also store the population maps (with intervals and tests) next to --manifest",
    )
    p.add_argument(
        "--sanity",
        action="store_true",
        help="sanity checks of the maps (Adebayo et al. 2018) for --models (default: all) on the --population faces: "
        "randomised weights and a random class (docs/sanity.md)",
    )
    p.add_argument(
        "--sanity-modes",
        nargs="+",
        choices=["cascading", "independent"],
        default=["cascading", "independent"],
        help="the weight randomisations --sanity runs (default both)",
    )
    p.add_argument(
        "--sanity-face",
        type=Path,
        default=None,
        metavar="PHOTO",
        help="audit.html draws this photo's maps at each randomisation step (a public-domain face; default: the "
        "mean over the faces, never one FairFace face)",
    )
    p.add_argument(
        "--store-sanity", action="store_true", help="also store the sanity checks' result next to --manifest"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


#: the audit's default IG points: measured in docs/audit.md ("Batch cost")
AUDIT_IG_STEPS = 16


def run(args: argparse.Namespace) -> int:
    from facexai.evaluation.audit.run import AuditConfig, AuditError, check, compute, gather
    from facexai.explain.options import IGOptions
    from facexai.models.manifest import load_manifest

    log = progress_log(False)
    args.manifest = served_manifest(args.manifest)  # the service's (FACEXAI_MODELS_MANIFEST) unless given
    try:
        manifest = load_manifest(args.manifest)
    except (OSError, ValueError) as exc:
        log(f"error: {exc}")
        return 2
    compare = tuple(args.compare) if args.compare else None
    default_pair = manifest.compare_default()
    # the bundle's pair when nothing else is asked for (and --models, if given, names both)
    if compare is None and default_pair and not args.explain and set(default_pair) <= set(args.models or default_pair):
        compare = (default_pair[0], default_pair[1])
    imbalance = None
    if args.imbalance or args.biased or args.control:
        imbalance = (list(args.biased or manifest.arm("biased")), list(args.control or manifest.arm("control")))
    ig = IGOptions().override(steps=args.ig_steps or AUDIT_IG_STEPS, rule=args.ig_rule)
    align = None
    if args.align:  # dlib only where photos are aligned: chips need no detector
        from facexai.core.faces import largest_face_chip

        align = functools.partial(largest_face_chip, detector=args.align)
    config = AuditConfig(
        manifest=args.manifest,
        images=args.images,
        labels=args.labels,
        out=args.out,
        models=args.models,
        compare=compare,
        explain=args.explain,
        population=args.population,
        seed=args.seed,
        target=args.target,
        ig=ig,
        gradcam=not args.no_gradcam,
        limit=args.limit,
        address=args.address,
        workers=args.workers,
        align=align,
        imbalance=imbalance,
        sanity=list(args.models or manifest.names) if args.sanity or args.store_sanity else [],
        sanity_modes=tuple(args.sanity_modes),
        sanity_face=args.sanity_face,
    )
    try:
        check(config, manifest)
        if not args.labels.is_file():
            raise AuditError(f"label file not found: {args.labels}")
    except AuditError as exc:
        log(f"error: {exc}")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        gathered = (
            gather(config, manifest, partial=True)
            if args.report_only
            else compute(config, manifest, log, progress_bar=not args.no_progress)
        )
    except KeyboardInterrupt:
        log("interrupted: the finished batches are in the shards; run the same command again to resume")
        return 130
    from facexai.evaluation.audit.report import write_outputs

    result = write_outputs(config, manifest, gathered, args, log)
    log(f"wrote {args.out / 'audit.json'} and {args.out / 'audit.html'}")
    if args.store_population_maps and result.get("population_maps"):
        target = manifest.root / "population_maps.json"
        target.write_text(json.dumps(result["population_maps"], ensure_ascii=False) + "\n")
        manifest.population_maps = "population_maps.json"
        manifest.save(args.manifest)
        log(f"stored the population maps in {target}")
    if args.store_sanity and result.get("sanity_bundle"):
        from facexai.evaluation.metrics import json_safe
        from facexai.models.sanity import FILE_NAME

        target = manifest.root / FILE_NAME
        target.write_text(json.dumps(json_safe(result["sanity_bundle"]), ensure_ascii=False) + "\n")
        log(f"stored the sanity checks in {target}")
    return 0
