"""Integrated Gradients defaults, kept free of TensorFlow so settings can import them cheaply.

Chosen by measurement (scripts/bench_ig.py --sweep; docs/benchmarks.md).
"""

from typing import Final, Literal

DEFAULT_STEPS: Final = 64
DEFAULT_RULE: Final[Literal["midpoint"]] = "midpoint"
DEFAULT_OUTPUT: Final[Literal["probability"]] = "probability"
