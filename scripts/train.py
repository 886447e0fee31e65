#!/usr/bin/env python
"""Train facexai models from TOML configs.

    python scripts/train.py --config scripts/configs/default.toml --set training.epochs=3 --set data.limit=256

The served bundle is trained by `make train-bundle` (facexai train-bundle) instead.
Several --config files train one after another in one process, decoding each image once; the
--set overrides apply to every one of them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))  # run without installing

from facexai.training.config import ConfigError, load_config, to_toml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        dest="configs",
        type=Path,
        action="append",
        help="TOML config (repeatable; without one, the built-in seed values)",
    )
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
        configs = [load_config(path, args.overrides) for path in (args.configs or [None])]
    except ConfigError as exc:
        parser.error(str(exc))
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        parser.error(f"two configs train the same model name: {names}")
    if args.print_config:
        print("\n".join(to_toml(c) for c in configs), end="")
        return 0

    from facexai.training.data import ImageCache
    from facexai.training.train import run_training  # imports Keras: after argument checks

    cache = ImageCache()
    for config in configs:
        run_training(config, log=lambda msg: print(msg, flush=True), cache=cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
