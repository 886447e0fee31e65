"""The ``facexai`` command line. Each sub-command lives in ``facexai.commands.<module>`` and
exposes ``add_parser(subparsers)`` (which sets ``func``); heavy imports happen inside ``func``,
so ``facexai --help`` stays fast."""

from __future__ import annotations

import argparse
import importlib
import sys

#: modules in facexai.commands, one per sub-command
COMMANDS: tuple[str, ...] = (
    "analyze",
    "serve",
    "models",
    "evaluate",
    "explain_chip",
    "train",
    "train_bundle",
    "audit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facexai", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"facexai.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"facexai.commands.{name}":
                continue  # not written yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # python -m facexai.commands
    sys.exit(main())
