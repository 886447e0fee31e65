"""What an explanation can be asked for: the methods, the IG rules and outputs, and the defaults.

The one definition of these names: the settings, the API schema (and through it the web app's
generated client), the quadrature table and the explainers all take them from here. Free of
TensorFlow, so settings, the API and the command line import it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING


# Every explanation method, in the order the app shows them: the one list of them. Each value is also the
# method's module, facexai/explain/<value>.py, whose METHOD implements it (facexai.explain.methods.METHODS).
# (A comment, not a docstring: a docstring would become the API schema's description of the enum.)
class ExplainMethod(str, Enum):
    integrated_gradients = "integrated_gradients"
    grad_cam = "grad_cam"


class _Modes(str, Enum):
    """What every ``ExplainMode`` value means (an enum without members, so that it can be extended)."""

    @property
    def methods(self) -> frozenset[ExplainMethod]:
        if self.value == "both":
            return frozenset(ExplainMethod)
        if self.value == "none":
            return frozenset()
        return frozenset({ExplainMethod(self.value)})


if TYPE_CHECKING:  # what a type checker sees; the values come from ExplainMethod below

    class ExplainMode(_Modes):
        both = "both"
        none = "none"

else:
    #: a request's ``explain``: every method ("both"), one of them (its name), or none (predictions only)
    ExplainMode = _Modes(
        "ExplainMode",
        [("both", "both"), *((m.value, m.value) for m in ExplainMethod), ("none", "none")],
        module=__name__,
    )
    ExplainMode.__doc__ = "Which explanations a request wants: both methods, one, or none (predictions only)."


class QuadratureRule(str, Enum):
    """How the IG path integral is sampled (facexai.explain.quadrature)."""

    left_riemann = "left_riemann"
    midpoint = "midpoint"
    trapezoid = "trapezoid"
    gauss_legendre = "gauss_legendre"
    guided = "guided"
    adaptive = "adaptive"


class ExplainedOutput(str, Enum):
    """Which output of the target class IG integrates."""

    logit = "logit"
    probability = "probability"


# Chosen by measurement (docs/benchmarks.md): on the dlib-ResNet bundle, 64 points of the adaptive
# rule give a completeness error of p50 2.1% / p90 16.6% (50 chips) where 64 midpoint points give
# 8.3% / 85%.
DEFAULT_STEPS = 64
DEFAULT_RULE = QuadratureRule.adaptive
DEFAULT_OUTPUT = ExplainedOutput.probability
#: the fewest points any rule integrates with
MIN_STEPS = 2


@dataclass(frozen=True)
class IGOptions:
    steps: int = DEFAULT_STEPS
    rule: QuadratureRule = DEFAULT_RULE
    output: ExplainedOutput = DEFAULT_OUTPUT

    def __post_init__(self) -> None:
        # accept the plain names too ("adaptive"), and refuse unknown ones here, once
        object.__setattr__(self, "rule", QuadratureRule(self.rule))
        object.__setattr__(self, "output", ExplainedOutput(self.output))
        if self.steps < MIN_STEPS:
            raise ValueError(f"IG needs at least {MIN_STEPS} steps, got {self.steps}")

    def override(
        self,
        steps: int | None = None,
        rule: str | None = None,
        output: str | None = None,
        max_steps: int | None = None,
    ) -> IGOptions:
        """These options with any of them replaced (None keeps the current value); ValueError when invalid,
        or when a requested ``steps`` exceeds ``max_steps``."""
        if steps is not None and max_steps is not None and steps > max_steps:
            raise ValueError(f"ig_steps must be at most {max_steps}")
        return replace(
            self,
            steps=self.steps if steps is None else steps,
            rule=QuadratureRule(self.rule if rule is None else rule),
            output=ExplainedOutput(self.output if output is None else output),
        )
