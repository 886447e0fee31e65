"""Write an untrained model bundle (four models and a manifest) for tests and demos.

python scripts/make_test_bundle.py OUT_DIR [--input-size 64] [--architecture lean]
"""

from __future__ import annotations

import argparse

from facexai.models.untrained import write_untrained_bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--input-size", type=int, default=64)
    parser.add_argument("--architecture", default="lean")
    args = parser.parse_args()
    print(write_untrained_bundle(args.out_dir, args.architecture, args.input_size))


if __name__ == "__main__":
    main()
