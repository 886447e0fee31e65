#!/usr/bin/env python
"""Train one facexai model from a TOML config.

    python scripts/train.py --config scripts/configs/default.toml --set training.epochs=3 --set data.limit=256

Works under KERAS_BACKEND=tensorflow (the default here) and KERAS_BACKEND=jax (the GPU machine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))  # run without installing

from facexai.training.config import ConfigError, load_config, to_toml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="TOML config (defaults to the built-in seed values)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one config key, e.g. training.epochs=3 (repeatable)",
    )
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, args.overrides)
    except ConfigError as exc:
        parser.error(str(exc))
    if args.print_config:
        print(to_toml(config), end="")
        return 0

    from facexai.training.train import run_training  # imports Keras: after argument checks

    run_training(config, log=lambda msg: print(msg, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
