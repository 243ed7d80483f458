"""Shared helpers: timing medians, and the assignment's literal cells as the reference."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

import assignment_reference as reference  # noqa: E402

__all__ = ["median_seconds", "reference"]


def median_seconds(work: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Median wall time of ``repeats`` calls (after one warm-up call), and every time."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times
