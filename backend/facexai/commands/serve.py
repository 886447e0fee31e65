"""``facexai serve``: the HTTP service (and the built web app, when present)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the API (and the web app) over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from facexai.errors import ModelFileMissing
    from facexai.manifest import ManifestError

    try:
        uvicorn.run(
            "facexai.api.main:app_factory", factory=True, host=args.host, port=args.port, log_level=args.log_level
        )
    except (ModelFileMissing, ManifestError) as exc:
        print(f"facexai: cannot start: {exc}")
        return 2
    return 0
