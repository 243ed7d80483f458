"""Reading a training history: when a curve first reaches, or stays at, a share of its last value."""

from __future__ import annotations

from collections.abc import Sequence


def steps_to_fraction(values: Sequence[float], fraction: float) -> int:
    """The first step (1-based) whose value reaches ``fraction`` of the final value."""
    target = fraction * values[-1]
    return next(i + 1 for i, v in enumerate(values) if v >= target)


def stays_from(values: Sequence[float], fraction: float) -> int:
    """The step (1-based, as the loop logs them) from which every value is at least ``fraction``
    of the last one."""
    below = [i for i, v in enumerate(values) if v < fraction * values[-1]]
    return below[-1] + 2 if below else 1
