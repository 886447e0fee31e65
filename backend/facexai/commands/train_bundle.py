"""``facexai train-bundle``: train the whole bundle on dlib's face ResNet (resumable), then
export it into a models folder with its manifest and cards (docs/training.md)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path


def _boolean(text: str) -> bool:
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def _phase(text: str) -> str:
    from facexai.training.bundle import phase_parts

    try:
        phase_parts(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from facexai.training.bundle import BundleConfig

    p = subparsers.add_parser(
        "train-bundle", help="train race, gender, age, race_biased and its controls", description=__doc__
    )
    p.add_argument(
        "--fairface", type=Path, default=Path("../shared/fairface"), help="FairFace folder (official layout)"
    )
    p.add_argument("--work", type=Path, default=Path("runs/bundle"), help="checkpoints and logs; rerun to resume")
    p.add_argument("--out", type=Path, default=None, help="export the trained bundle into this folder (e.g. models)")
    p.add_argument("--val-labels", type=Path, default=None, help="report the exported models on this labelled set once")
    p.add_argument("--export-only", action="store_true", help="skip training; export what --work holds")
    defaults = BundleConfig()
    for f in dataclasses.fields(BundleConfig):
        if f.name in ("fairface_dir", "work_dir", "phases"):
            continue
        value = getattr(defaults, f.name)
        kind = type(value)
        if kind is bool:
            p.add_argument(f"--{f.name.replace('_', '-')}", type=_boolean, default=value)
        else:
            p.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=value)
    p.add_argument(
        "--phases",
        nargs="+",
        type=_phase,
        default=list(defaults.phases),
        metavar="PHASE",
        help=f"phases to train (default: {' '.join(defaults.phases)}); more seeds of an arm as biased_3, control_3",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from facexai.training.bundle import BundleConfig, train_bundle

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(BundleConfig) if hasattr(args, f.name)}
    values.update(fairface_dir=args.fairface, work_dir=args.work, phases=tuple(args.phases))
    config = BundleConfig(**values)
    if not (config.fairface_dir / config.train_csv).is_file():
        log(f"FairFace labels not found at {config.fairface_dir / config.train_csv} (--fairface)")
        return 2
    config.work_dir.mkdir(parents=True, exist_ok=True)
    if not args.export_only:
        train_bundle(config, log)
    if args.out is not None:
        from facexai.training.export import export_bundle

        export_bundle(config, args.out, val_labels=args.val_labels, log=log)
    return 0
