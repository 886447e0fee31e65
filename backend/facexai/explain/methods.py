"""``METHODS``: every explanation method's object (``facexai.explain.base.Method``), in ``ExplainMethod``'s
order, which is the order the app shows them in.

``ExplainMethod`` (``facexai.explain.options``, free of TensorFlow for the settings, the API schema and
the command line) is the one list of the methods' names; each name is also its module,
``facexai/explain/<name>.py``, whose ``METHOD`` implements it. This table loads them (and TensorFlow);
a name without its module, or a module whose ``METHOD`` answers to another name, fails here, at import.
"""

from __future__ import annotations

import importlib

from facexai.explain.base import Method
from facexai.explain.options import ExplainMethod


def _load(name: ExplainMethod) -> Method:
    method = getattr(importlib.import_module(f"facexai.explain.{name.value}"), "METHOD", None)
    if not isinstance(method, Method) or method.name is not name:
        raise TypeError(f"facexai.explain.{name.value}.METHOD must be the Method named {name.value!r}, got {method!r}")
    return method


METHODS: dict[ExplainMethod, Method] = {name: _load(name) for name in ExplainMethod}
