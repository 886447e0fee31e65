#!/usr/bin/env python
"""Run a Python script with TensorFlow made unimportable, as on the GPU machine.

    KERAS_BACKEND=jax JAX_PLATFORMS=cpu python scripts/gpu/without_tensorflow.py scripts/gpu/run_bundle.py ...

This venv has TensorFlow (the service needs it); the GPU machine has none, and Keras takes other
code paths when it cannot import it. Blocking the import here tests the code paths the GPU run takes.
"""

from __future__ import annotations

import importlib.abc
import runpy
import sys


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked, as on the GPU machine)", name=name)
        return None


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.meta_path.insert(0, _NoTensorFlow())
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
