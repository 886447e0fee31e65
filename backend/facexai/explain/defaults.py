"""Integrated Gradients defaults, kept free of TensorFlow so settings can import them cheaply.

Chosen by measurement (scripts/bench_ig.py --sweep; docs/benchmarks.md).
"""

DEFAULT_STEPS = 32
DEFAULT_RULE = "midpoint"
DEFAULT_OUTPUT = "probability"
