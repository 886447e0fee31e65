"""Facts about the machine and the checkout that services, training and benchmarks all report."""

from __future__ import annotations

import os
import platform
from pathlib import Path

#: the repository root when running from a checkout (editable install)
REPO_ROOT = Path(__file__).resolve().parents[3]


def cpu_cores() -> int:
    """The cores this process may run on (its affinity, which containers narrow), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one), for reports of measurements."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
