"""What the measured dynamics mean, as facts a report can turn into sentences.

``summarise`` reads a ``dynamics.Dynamics`` record and decides each finding by a named threshold;
the ``first_steps.Findings`` it returns is what ``results.json`` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..results.first_steps import Findings
from .dynamics import MEAN_IMAGE_COSINE, MIN_ALTERNATIONS, ZIGZAG_GAP, Dynamics


def _runs(steps: Sequence[int], max_gap: int = 1) -> list[list[int]]:
    """Group increasing step numbers whose neighbours are at most ``max_gap`` apart.

    ``[3, 4, 5, 9]`` gives ``[[3, 4, 5], [9]]``, and ``[[3, 4, 5, 9]]`` with ``max_gap=4``.
    """
    runs: list[list[int]] = []
    for step in steps:
        if runs and step <= runs[-1][-1] + max_gap:
            runs[-1].append(step)
        else:
            runs.append([step])
    return runs


def at(path: Sequence[float] | np.ndarray, step: int) -> float:
    """The value a path, measured once a step, has at ``step``: steps are numbered from 1."""
    return float(path[step - 1])


def between(path: Sequence[float], first: int, last: int) -> Sequence[float]:
    """The values of a path from step ``first`` to step ``last``, both included."""
    return path[first - 1 : last]


def summarise(dynamics: Dynamics) -> Findings:
    """The findings a report states, each decided by a measured number."""
    loss, accuracy_path = dynamics.train_loss, dynamics.val_accuracy
    # the largest climb of the loss: from the step before its first rise to its last
    climbs = _runs(dynamics.loss_rise_steps)
    climb = max(climbs, key=lambda run: at(loss, run[-1]) - at(loss, run[0] - 1), default=None)
    alternations = max(_runs(dynamics.sign_flip_steps), key=len, default=[])
    oscillates = len(alternations) >= MIN_ALTERNATIONS
    sizes = np.abs(dynamics.top_update)
    peak = int(np.argmax(sizes)) + 1
    swings = np.abs(np.diff(dynamics.predicted_second_class[1:]))  # from step 2: see Findings
    # larger swings later in the run than at its start: |1 - learning_rate * curvature| > 1
    grows = (
        oscillates and peak > alternations[0] and at(sizes, peak) > at(sizes, alternations[0] - 1)
    )
    stable = [k + 1 for k, c in enumerate(dynamics.hessian_top) if c < 2 / dynamics.learning_rate]
    zigzag = max(_runs(dynamics.zigzag_steps, ZIGZAG_GAP), key=len, default=[])
    zigzags = len(zigzag) >= MIN_ALTERNATIONS
    window = between(accuracy_path, zigzag[0] - 1, zigzag[-1]) if zigzags else []
    # swings[i] is the change from step i + 2 to step i + 3: the largest ends at its index + 3
    swing_end = int(np.argmax(swings)) + 3 if len(swings) else None
    return Findings(
        step_exceeds_limit=dynamics.step_ratio > 1,
        step_ratio=dynamics.step_ratio,
        loss_rises=climb is not None,
        rise_from_step=None if climb is None else climb[0] - 1,
        rise_to_step=None if climb is None else climb[-1],
        rise_from_loss=None if climb is None else at(loss, climb[0] - 1),
        rise_to_loss=None if climb is None else at(loss, climb[-1]),
        oscillates_along_top_direction=oscillates,
        alternating_steps=len(alternations),
        oscillation_period=(
            2 * float(np.median(np.diff(dynamics.sign_flip_steps))) if oscillates else None
        ),
        oscillation_grows=bool(grows),
        oscillation_peak_step=peak if oscillates else None,
        first_amplification=float(sizes[1] / sizes[0]),
        predicted_amplification=abs(1 - dynamics.learning_rate * dynamics.lipschitz),
        curvature_below_limit_step=stable[0] if stable else None,
        top_direction_is_mean_image=dynamics.cosine_mean_image_top > MEAN_IMAGE_COSINE,
        top_direction_cosine=dynamics.cosine_mean_image_top,
        accuracy_zigzags=zigzags,
        zigzag_from_step=zigzag[0] - 1 if zigzags else None,
        zigzag_to_step=zigzag[-1] if zigzags else None,
        zigzag_low=min(window) if zigzags else None,
        zigzag_high=max(window) if zigzags else None,
        largest_accuracy_drop=float(max(0.0, -np.min(np.diff(accuracy_path)))),
        prediction_swing=float(np.max(swings)) if len(swings) else 0.0,
        prediction_swing_step=swing_end,
        lambda_max=dynamics.lambda_max,
        lipschitz=dynamics.lipschitz,
        stable_step_limit=dynamics.stable_step_limit,
        mean_row_norm_squared=dynamics.mean_row_norm_squared,
    )


@dataclass(frozen=True)
class Fall:
    """The largest fall of a path below a value it had reached; steps numbered from 1."""

    high_step: int  # where the value fallen from was reached
    high: float
    low_step: int  # the bottom of the fall
    low: float
    back_step: int | None  # the first step after the bottom at or above ``high`` again, if any


def largest_fall(path: Sequence[float], within: int) -> Fall | None:
    """The largest fall of ``path`` (e.g. validation accuracy) within its first ``within`` steps,
    and where it is back at the level it fell from (anywhere in ``path``); None if it never falls."""
    best, peak = None, 0
    for step in range(min(within, len(path))):
        if path[step] > path[peak]:
            peak = step
        if path[step] < path[peak] and (best is None or path[peak] - path[step] > best[0]):
            best = (path[peak] - path[step], peak, step)
    if best is None:
        return None
    _, high, low = best
    back = next((k for k in range(low + 1, len(path)) if path[k] >= path[high]), None)
    return Fall(high + 1, path[high], low + 1, path[low], None if back is None else back + 1)


def turns(path: Sequence[float], first: int, last: int) -> int:
    """How many times ``path`` changes direction (up then down, or down then up) at steps
    ``first`` to ``last`` (numbered from 1). A step that neither rises nor falls is no move: up,
    flat, down is one turn, at the step from which it falls."""
    count, heading = 0, 0.0  # heading: the last move that was not flat
    for step in range(2, min(last, len(path) - 1) + 1):
        heading = (path[step - 1] - path[step - 2]) or heading
        leaving = path[step] - path[step - 1]
        count += step >= first and heading * leaving < 0
    return count
