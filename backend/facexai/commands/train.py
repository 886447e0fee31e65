"""``facexai train``: train from-scratch models from TOML configs (docs/training.md).

    facexai train --config scripts/configs/race.toml --set training.epochs=3 --set data.limit=256

Several --config files train one after another in one process, decoding each image once; the
--set overrides apply to every one of them. The served bundle is trained by ``facexai train-bundle``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train from-scratch models from TOML configs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        dest="configs",
        type=Path,
        action="append",
        help="TOML config (repeatable; without one, the built-in seed values)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config key, e.g. training.epochs=3 (repeatable)",
    )
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    p.set_defaults(func=run)


def _error(message: str) -> int:
    print(f"facexai train: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from facexai.training.config import ConfigError, load_config, to_toml

    try:
        configs = [load_config(path, args.overrides) for path in (args.configs or [None])]
    except ConfigError as exc:
        return _error(str(exc))
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        return _error(f"two configs train the same model name: {names}")
    if args.print_config:
        print("\n".join(to_toml(c) for c in configs), end="")
        return 0

    from facexai.training.data import ImageCache
    from facexai.training.train import run_training  # imports Keras: after the configs are checked

    cache = ImageCache()
    for config in configs:
        run_training(config, log=lambda msg: print(msg, flush=True), cache=cache)
    return 0
