"""Q4's account of the first steps: the step size against the curvature, from measurements."""

from __future__ import annotations

from typing import Literal

from ..analysis.dynamics import FIRST_STEPS
from ..analysis.findings import largest_fall, turns
from ..analysis.metrics import error_count, right_count
from ..checks import required
from ..results import LogregResult, Results
from ..results.first_steps import Findings
from .format import UNDECIDABLE_LEAD, interval, pair_name, pct, plural, times

FLIP = 0.5  # a one-step change in the share predicted as one class from which the model "flips"


def dynamics_paragraph(run: LogregResult) -> list[str]:
    """What the first steps of gradient descent did and why, or nothing if they were smooth."""
    found = run.dynamics
    if not found:
        return []
    limit, ratio = found.stable_step_limit, found.step_ratio
    curvature = (
        f"The loss curves most sharply along one direction of the weights, with curvature at most "
        f"L = λmax(XᵀX)/(4n) = {found.lipschitz:.1f} (reached at the start, where every "
        f"prediction is 0.5), so gradient descent is sure to lower the loss at every step for "
        f"learning rates below 2/L = {limit:.4f} (sufficient, not necessary); the assignment's "
        f"{run.learning_rate:g} is {ratio:.1f} times that limit"
        + (", so its first steps can overshoot." if found.step_exceeds_limit else ".")
    )
    if not found.step_exceeds_limit:
        return [f"{curvature} The learning rate is safely small, and the loss falls smoothly."]
    direction = "Along that direction the weights overshoot and change sign from step to step."
    if found.top_direction_is_mean_image:
        direction = (
            f"That direction is almost exactly the mean image's (a 1 for the bias, then the 784 "
            f"mean pixels; over the pixels the two have a cosine similarity of "
            f"{_cosine(found.top_direction_cosine)}, where 1 is the same direction): a step moves "
            f"every image's score up or down together, {_swing(run, found)}"
        )
    rise = _rise(found)
    zigzag = _zigzag(run, found, min(FIRST_STEPS, run.steps))
    settles = _settles(found, bool(rise), run.learning_rate)
    settles += _falls_from(run.history["train_loss"]) if settles else ""
    why = f"{curvature[0].lower()}{curvature[1:]} {direction}{rise}{zigzag}"
    return [f"Why the start is bumpy: {why}", *([settles] if settles else [])]


def _after(path: list[float], n: int, analysed: int) -> str:
    """What the validation accuracy the loop logs does past the ``analysed`` steps: where it last
    falls by more than one image from one step to the next (a reader found "it may go on" where
    the log shows it going on)."""
    errors = [error_count(value, n) for value in path]
    falls = [k + 1 for k in range(max(1, analysed), len(errors)) if errors[k] > errors[k - 1] + 1]
    if not falls:
        return "after them, validation accuracy never falls by more than one image in a step"
    return (
        f"the zig-zag goes on after them: validation accuracy last falls by more than one image "
        f"in a step from step {falls[-1] - 1} to step {falls[-1]}, of {len(path)}"
    )


def _cosine(value: float) -> str:
    """0.99807 -> '0.9981'; one short of 1 never reads as exactly 1 ('> 0.9999')."""
    shown = f"{value:.4f}"
    return "> 0.9999" if shown == "1.0000" and value < 1 else shown


def _swing(run: LogregResult, found: Findings) -> str:
    """How far the share predicted as the second class moves in one step, after the first (where
    every prediction is the tie rule's): the model "flips" from FLIP of the rows."""
    step = found.prediction_swing_step
    moved = (
        f"the share of training rows predicted as {run.classes[1]} moving by "
        f"{100 * found.prediction_swing:.0f} points"
        + ("" if step is None else f" from step {step - 1} to step {step}")
    )
    if found.prediction_swing >= FLIP:
        return f"so the model flips between predicting mostly one class and mostly the other ({moved})."
    return f"so the predictions shift towards one class and back ({moved})."


def _climb(found: Findings) -> str:
    """'from 0.629 at step 8 to 0.675 at step 14': the training loss's largest climb; '' if none."""
    first, last = found.rise_from_step, found.rise_to_step
    if not found.loss_rises or first is None or last is None:
        return ""
    return (
        f"from {found.rise_from_loss:.3f} at step {first} to {found.rise_to_loss:.3f} at step "
        f"{last}"
    )


def _rise(found: Findings) -> str:
    """The training loss's largest climb, if it climbs."""
    climb = _climb(found)
    return f" The training loss climbs {climb}." if climb else ""


def _zigzag(run: LogregResult, found: Findings, analysed: int) -> str:
    """The validation accuracy's zig-zag over the ``analysed`` first steps, if it zig-zags: how
    often it turns, and its largest fall."""
    first, last = found.zigzag_from_step, found.zigzag_to_step
    if not found.accuracy_zigzags or first is None or last is None:
        return ""
    path, n = run.history["val_accuracy"], run.n_val
    # the turns a reader counts in the steps named: not at their ends, which need a step outside
    changes = turns(path, first + 1, last - 1)
    said = (
        f" Meanwhile, from step {first} to step {last}, validation accuracy changes direction "
        f"{times(changes)}, between {pct(found.zigzag_low, n)} and "
        f"{pct(found.zigzag_high, n)}."
    )
    if last >= analysed:
        said += f" The analysis covers the first {analysed} steps; {_after(path, n, analysed)}."
    fall = largest_fall(path, analysed)
    if fall is None:
        return said
    back = (
        f"first gets back to {pct(fall.high, n)} or above at step {fall.back_step} "
        f"({pct(path[fall.back_step - 1], n)})"
        if fall.back_step is not None
        else f"is not back at {pct(fall.high, n)} by step {len(path)}"
    )
    return (
        f"{said} From {pct(fall.high, n)} at step {fall.high_step} it zig-zags down to "
        f"{pct(fall.low, n)} at step {fall.low_step} (it started from "
        f"{pct(run.initial_val_accuracy, n)}), and {back}."
    )


def _falls_from(loss: list[float]) -> str:
    """When the training loss falls for good: the step after its last rise (a reader asked
    "when does it settle?" and was told only where the curvature bound is met)."""
    last_rise = max((k + 1 for k in range(1, len(loss)) if loss[k] > loss[k - 1]), default=None)
    if last_rise is None or last_rise >= len(loss):
        return ""
    return f" From step {last_rise} on, the training loss falls at every step, to step {len(loss)}."


def _settles(found: Findings, rises: bool, learning_rate: float) -> str:
    """Where the curvature first falls below 2 / learning rate, and how that fits the climb."""
    below = found.curvature_below_limit_step
    if below is None:
        return ""
    first, last = found.rise_from_step, found.rise_to_step
    if rises and first is not None and last is not None and first <= below < last:
        after = (
            f". Yet step {below} still raises the loss (the climb lasts until step "
            f"{last}), so it meets a higher curvature on the way than "
            "where it starts: it is the "
            "curvature along a step, not at its start, that decides whether the loss "
            "falls."
        )
    elif rises:
        after = f"; the loss's largest climb ends at step {last}."
    else:
        after = "."
    return (
        "When it settles: once the predictions move away from 0.5, the curvature shrinks (each "
        "image's term in the Hessian is weighted by h(1 - h): 0.25 at h = 0.5, near 0 for a "
        f"confident prediction). At step {below} the Hessian's top eigenvalue, at the weights "
        f"that step starts from, first falls below 2/{learning_rate:g} = "
        f"{2 / learning_rate:.4g}: had the curvature stayed that low along the whole update, a "
        f"learning rate of {learning_rate:g} would have lowered the loss for certain{after}"
    )


def path_paragraph(easy: LogregResult, hard: LogregResult) -> list[str]:
    """Q4.3's contrast of how the two runs got there: how fast, and how smoothly."""
    level = [pct(0.95 * run.history["val_accuracy"][-1]) for run in (easy, hard)]
    speed = (
        f"How they got there differs too. Validation accuracy first reached 95% of its final value "
        f"at step {easy.steps_to_95} for {pair_name(easy.classes)} (a threshold of {level[0]}) and "
        f"at step {hard.steps_to_95} for {pair_name(hard.classes)} ({level[1]}); 99% at steps "
        f"{easy.steps_to_99} and {hard.steps_to_99}."
    )
    runs = [run for run in (easy, hard) if run.dynamics]
    smooth = [_smoothness(run, defines=run is runs[0]) for run in runs]  # 2/L defined once
    return [" ".join([speed, *smooth])]


def _smoothness(run: LogregResult, defines: bool) -> str:
    """One run's step size against its curvature bound, and what its first steps did."""
    found = required(run.dynamics, "what the first steps did")
    limit = (
        "2/L (the learning rate below which the loss is sure to fall at every step)"
        if defines
        else "2/L"
    )
    said = f"For {pair_name(run.classes)} the learning rate is {found.step_ratio:.1f} times {limit}"
    if not found.step_exceeds_limit:
        return f"{said}, and its loss falls smoothly."
    fall = largest_fall(run.history["val_accuracy"], FIRST_STEPS)
    if found.accuracy_zigzags and found.zigzag_from_step is not None and fall is not None:
        climb = _climb(found)
        rise = f" its training loss rises {climb}, and" if climb else ""
        return (
            f"{said}:{rise} its validation accuracy zig-zags, from "
            f"{pct(fall.high, run.n_val)} at step {fall.high_step} down to "
            f"{pct(fall.low, run.n_val)} at step {fall.low_step} (Q4.2)."
        )
    if found.loss_rises:
        return f"{said}, and its first steps raise the training loss."
    return f"{said}, so its first steps can overshoot."


Where = Literal["report", "notebook"]  # what the answers are written into


def time_taken(into: Where, what: str, wall: str) -> str:
    """How long ``what`` took: the study's measured ``wall`` in the report. The notebook's cells
    time their own runs, so its answers point to the cell (two instructors' reviews found the
    study's time under a cell that printed another, even with the two told apart)."""
    if into == "notebook":
        return f"the training cell above prints how long {what} took in this notebook"
    return f"in fashionlab's run of the study, {what} took {wall}"


def grid_figures(results: Results, into: Where) -> str:
    """Where the grid's figures are (one a pair), with the verb: below the answer in the report;
    in the report's folder for the notebook, which does not draw them."""
    pairs = len({tuple(row.classes) for row in results.rate_grid})
    shown = "the figure below gives" if pairs == 1 else "the figures below give"
    if into == "notebook":
        folder = "figures/rate_grid_*.png beside this notebook"
        shown = f"the report's {'figure' if pairs == 1 else f'{pairs} figures'} of it ({folder}) "
        shown += "gives" if pairs == 1 else "give"
    return shown


def _above_limit(run: LogregResult, rate: float) -> str:
    """An instructor's review: a reader of Q4.3 may take a rate above 2/L to be worse for that."""
    if run.dynamics is None or rate <= run.dynamics.stable_step_limit:
        return ""
    return (
        f" That learning rate is {rate / run.dynamics.stable_step_limit:.1f} times the pair's 2/L: "
        "above 2/L the loss is no longer sure to fall at every step, yet a rate there can do best."
    )


def rate_grid_paragraph(results: Results, into: Where = "report") -> list[str]:
    """What the learning-rate x steps grid shows for each pair, from its cells, written ``into``
    the report or the notebook (``grid_figures``)."""
    sentences = []
    for run in results.logreg:
        cells = [r for r in results.rate_grid if tuple(r.classes) == tuple(run.classes)]
        right = {  # each cell's validation rows right
            (r.learning_rate, r.steps): right_count(r.val_accuracy, run.n_val)
            for r in cells
            if r.val_accuracy is not None
        }
        if not right:
            continue
        top = max(right.values())
        best = sorted(cell for cell, n in right.items() if n == top)
        shortest = min(best, key=lambda cell: (cell[1], cell[0]))
        where = f"learning rate {shortest[0]:g} for {shortest[1]} steps"
        text = (
            f"For {pair_name(run.classes)} the best cell of the grid is {where}"
            if len(best) == 1
            else f"For {pair_name(run.classes)} {len(best)} cells of the grid tie for the best; the "
            f"one with the fewest steps is {where}"
        ) + f", at {interval(top / run.n_val, run.n_val)}"
        assignment = right.get((run.learning_rate, run.steps))
        if (run.learning_rate, run.steps) in best and len(best) > 1:
            text += ", and the assignment's setting is among them"
        elif assignment is not None and assignment < top:
            lead = plural(top - assignment, "validation image")
            why = (
                f"{lead} more: too few for McNemar's exact test to call significant whatever "
                "the images, and picked on those same rows"
                if top - assignment <= UNDECIDABLE_LEAD
                else f"{lead} more, not tested, as the grid keeps no per-image scores, and "
                "picked on those same rows, so the lead is optimistic"
            )
            text += (
                f", against {interval(assignment / run.n_val, run.n_val)} at the assignment's "
                f"setting ({why})"
            )
        diverged = sorted({r.learning_rate for r in cells if r.val_accuracy is None})
        text += "." + _above_limit(run, shortest[0])
        if diverged:
            text += f" At learning rate {', '.join(f'{d:g}' for d in diverged)} it diverges."
        sentences.append(text)
    if not sentences:
        return []
    rates = sorted({r.learning_rate for r in results.rate_grid})
    steps = sorted({r.steps for r in results.rate_grid})
    grid = (
        f"The same loop also ran on a grid of {len(rates)} learning rates "
        f"({', '.join(f'{r:g}' for r in rates)}) by {len(steps)} step counts "
        f"({', '.join(map(str, steps))}), on each pair; {grid_figures(results, into)} each cell's "
        "validation accuracy, how far each learning rate gets in a given number of steps."
    )
    return [" ".join([grid, *sentences])]
