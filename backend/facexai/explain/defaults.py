"""Integrated Gradients defaults, kept free of TensorFlow so settings can import them cheaply.

Chosen by measurement (docs/benchmarks.md): on the dlib-ResNet bundle, 64 points of the adaptive
rule give a completeness error of p50 2.9% / p90 7.2% (15 chips) where 64 midpoint points give
10% / 44%, for about 1.5x the time; 128 midpoint points cost more (1.7 s) for the same error.
"""

from typing import Final, Literal

DEFAULT_STEPS: Final = 64
DEFAULT_RULE: Final[Literal["adaptive"]] = "adaptive"
DEFAULT_OUTPUT: Final[Literal["probability"]] = "probability"
