#!/usr/bin/env bash
# Keras 3 for the GPU machine (Python 3.12, no TensorFlow, no network): the three wheels it lacks,
# into the ignored .whl/ folder that call 1 carries (docs/gpu-run.md). The versions match this venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
    -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0
ls -l .whl
