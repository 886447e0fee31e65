"""``facexai serve``: the HTTP service (and the built web app, when present)."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the API (and the web app) over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging

    from facexai.models.loaders import BackboneError, check_backbones
    from facexai.models.manifest import ManifestError, load_manifest
    from facexai.service.settings import get_settings

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Checked before TensorFlow is imported, so a missing model is reported at once, by name.
    manifest_path = get_settings().models_manifest
    try:
        manifest = load_manifest(manifest_path, lenient=True)  # a bad entry is reported, not fatal
        missing = manifest.missing_files()
        check_backbones(manifest)
    except BackboneError as exc:
        print(f"facexai: cannot start: {exc}", file=sys.stderr)
        return 2
    except ManifestError as exc:
        print(f"facexai: cannot start: {exc}", file=sys.stderr)
        print(
            "facexai: the trained models are not in models/ yet (see README, 'Models'); "
            "to try the app with untrained models: make run-untrained",
            file=sys.stderr,
        )
        return 2
    unusable = [f"{e.reason}" for e in manifest.invalid] + [f"model file missing: {p}" for p in missing]
    if unusable and len(unusable) >= len(manifest.models) + len(manifest.invalid):
        print(f"facexai: cannot start: no model can be served ({'; '.join(unusable)})", file=sys.stderr)
        return 2
    for reason in unusable:  # the others are served; /health says "degraded" and names these
        print(f"facexai: warning: not served: {reason}", file=sys.stderr)

    import uvicorn

    uvicorn.run("facexai.api.main:app_factory", factory=True, host=args.host, port=args.port, log_level=args.log_level)
    return 0
