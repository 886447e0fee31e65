"""What ``evaluate`` and ``explain-chip`` share: a manifest, a labelled FairFace-layout set, a progress log."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from facexai.models.manifest import Manifest


def add_labelled_set_arguments(p: argparse.ArgumentParser) -> None:
    """``--manifest``, ``--images`` and ``--labels``, defaulting to models/ and FairFace val."""
    from facexai.training.config import default_fairface_dir

    fairface = default_fairface_dir()
    p.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="model manifest (default: the service's, FACEXAI_MODELS_MANIFEST, else models/manifest.json)",
    )
    p.add_argument("--images", type=Path, default=fairface, help="image root the CSV's file column is relative to")
    p.add_argument(
        "--labels", type=Path, default=fairface / "fairface_label_val.csv", help="label CSV (file,age,gender,race)"
    )


def served_manifest(given: Path | None) -> Path:
    """``--manifest`` when given, else the manifest ``facexai serve`` reads (FACEXAI_MODELS_MANIFEST, else
    models/manifest.json): one setting for the service, ``analyze``, ``audit`` and ``models``."""
    if given is not None:
        return given
    from facexai.service.settings import Settings

    return Settings().models_manifest


def progress_log(json_to_stdout: bool) -> Callable[[str], None]:
    """Print progress to stdout, or to stderr when stdout carries JSON."""

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if json_to_stdout else sys.stdout, flush=True)

    return log


def load_manifest_with(path: Path, names: list[str] | None, log: Callable[[str], None]) -> Manifest | None:
    """The manifest, or None (after saying why) when it lacks one of ``names``."""
    from facexai.models.manifest import load_manifest

    manifest = load_manifest(path)
    unknown = sorted(set(names or ()) - set(manifest.names))
    if unknown:
        log(f"error: {path} has no model(s) {unknown}; it has {manifest.names}")
        return None
    return manifest
