"""The written answers to the assignment's questions, composed from the typed results.

Every number is a field of ``results.Results``, formatted, never typed in; every conclusion is
chosen by its number through a named threshold, so other data gives other, still true, sentences.
This module holds Q4.1 to Q4.3. Q1 to Q3 are in ``answers_maps``; Q5.1 and Q4.3's test of a
bent boundary in ``answers_network``; Q4.1's and Q4.2's "Why" (what the training rows show) in
``answers_fit``; Q4's longer training in ``answers_longer``; the first steps, the runs' paths and
the grid in ``answers_dynamics``; and the answers in one sentence that lead Q2 to Q4.2 in
``answers_short``.
"""

from __future__ import annotations

from typing import Any

from ..analysis.history import stays_from
from ..checks import required
from ..results import LogregResult, Results
from . import answers_short
from .answers_compare import bounds_from_ink, gap_test, longer_training_test, needs_a_bend
from .answers_dynamics import (
    Where,
    dynamics_paragraph,
    path_paragraph,
    rate_grid_paragraph,
    time_taken,
)
from .answers_fit import why
from .answers_longer import longer_paragraph
from .answers_maps import mixed, q1_1, q1_2, q2, q3
from .answers_network import final_weights_right, outcome, q5_1
from .format import (
    interval,
    logreg_wall_time,
    pair_name,
    pct,
    plural,
    points,
)
from .glossary import glossary_paragraphs
from .page import markdown_table
from .tables import comparison_table, networks_table, table_notes

QUESTIONS: dict[str, tuple[str, str]] = {
    "q1_1": (
        "Q1.1 Normalizing the data",
        "Normalize BOTH the training and testing images using the above equation.",
    ),
    "q1_2": (
        "Q1.2 Data visualization",
        "Please reshape BOTH the training and testing images to be 784D.",
    ),
    "q2": (
        "Q2 Linearly separable",
        "How do you think our logistic regression model will fare at distinguishing Ankle boots "
        "from Trousers? Please explain.",
    ),
    "q3": (
        "Q3 Not linearly separable",
        "How do you think our logistic regression model will fare at distinguishing Pullovers "
        "from Coats? Please explain.",
    ),
    "q4_1": (
        "Q4.1 Observation: Trouser vs Ankle boot",
        "What accuracy did it reach? Why do you think it reached this accuracy? "
        "How long did it take?",
    ),
    "q4_2": (
        "Q4.2 Observation: Pullover vs Coat",
        "What accuracy did it reach? Why do you think it reached this accuracy? "
        "How long did it take?",
    ),
    "q4_3": (
        "Q4.3 Comparison",
        "Compare and contrast both runs above, are they the same? Different? "
        "Then explain why this is the case.",
    ),
    "q5_1": (
        "Q5.1 Observation: the neural network",
        "How did your neural network perform? "
        "What hyperparameters and optimizer did you choose to beat logistic regression? "
        "Why do you think your neural network beat your logistic regression model?",
    ),
}


def _how_long(run: LogregResult, wall: str | None, into: Where) -> str:
    said = None if wall is None else time_taken(into, f"the {plural(run.steps, 'step')}", wall)
    timing = "" if said is None else f" {said[0].upper()}{said[1:]}."
    val = run.history["val_accuracy"]
    first = {
        95: required(run.steps_to_95, "the step that reaches 95%"),
        99: required(run.steps_to_99, "the step that reaches 99%"),
    }
    stays = {share: stays_from(val, share / 100) for share in first}
    logged = "validation accuracy, which the loop logs at each step before that step's update,"
    level = {share: pct(share / 100 * val[-1]) for share in first}  # what the thresholds are
    start = _from_start(val, run.n_val)
    if first[95] == first[99] == stays[95] == stays[99]:
        return (
            f"How long: {logged} reached 95% and 99% of its final value (thresholds of "
            f"{level[95]} and {level[99]}) both at step {first[99]} and stayed there.{start}{_unfinished(run)}"
            f"{timing}"
        )
    reached = [
        f"{share}%{' of its final value' if share == 95 else ''} (a threshold of {level[share]}) at step "
        f"{first[share]}"
        + (
            ""
            if stays[share] == first[share]
            else f" (and stayed at or above it from step {stays[share]} on)"
        )
        for share in first
    ]
    return (
        f"How long: {logged} first reached {reached[0]}, and {reached[1]}.{start}"
        f"{_unfinished(run)}{timing}"
    )


def _unfinished(run: LogregResult) -> str:
    """A share of the final value measures the assignment's steps, not training to the end: say
    so where the validation loss was still falling over the last ten steps."""
    loss = run.history["val_loss"]
    if run.converged is None or len(loss) <= 10 or loss[-1] >= loss[-11]:
        return ""
    return (
        f" That final value is the last step's, not a converged one: the validation loss was "
        f"still falling ({loss[-11]:.4f} at step {len(loss) - 10}, {loss[-1]:.4f} at step "
        f"{len(loss)}), and trained longer the model kept its weights after "
        f"{run.converged.steps} steps (see Why)."
    )


def _from_start(val: list[float], n_val: int) -> str:
    """A share of the final value is a low bar when the start is chance (50 %): the same 95 %
    measured along the way from the start to the final value."""
    gap = val[-1] - val[0]
    if gap <= 0:
        return ""
    target = val[0] + 0.95 * gap
    step = next(i + 1 for i, v in enumerate(val) if v >= target)
    return (
        f" Measured from its start at {pct(val[0], n_val)} instead, 95% of the way to its "
        f"final value ({pct(target)}) was first reached at step {step}."
    )


def _observation(results: Results, run: LogregResult, into: Where) -> list[str]:
    if run.val_accuracy is None:
        return [
            f"The run diverged at step {run.diverged_at_step}: learning rate "
            f"{run.learning_rate:g} is too large for this loss."
        ]
    measured = results.timings.get("models", {}).get(f"logreg {pair_name(run.classes)}")
    wall = None if measured is None else logreg_wall_time(results, measured)
    final = final_weights_right(results, run)
    final_val = "" if final is None else f"{interval(final / run.n_val, run.n_val)} validation and "
    test = longer_training_test(results, run)
    longer = run.converged if test is not None and outcome(test) == "better" else None
    paragraphs = [
        answers_short.observation(run, longer),
        f"Over {plural(run.steps, 'step')} at learning rate {run.learning_rate:g}, starting from "
        f"{pct(run.initial_val_accuracy, run.n_val)} validation accuracy with all weights at zero, "
        f"it reached {pct(run.train_accuracy, run.n_train)} training and "
        f"{interval(run.val_accuracy, run.n_val)} validation accuracy at the loop's last log (step "
        f"{run.steps}, taken before the last update); its final weights get {final_val}"
        f"{interval(run.heldout_accuracy, run.n_heldout)} held-out accuracy. "
        f"The validation loss fell from {run.history['val_loss'][0]:.4f} to {run.val_loss:.4f}.",
        f"{why(run)} {longer_paragraph(results, run)}",
        _how_long(run, wall, into),
    ]
    paragraphs.extend(dynamics_paragraph(run))
    return paragraphs


def q4_1(results: Results, into: Where = "report") -> list[str]:
    return _observation(results, results.logreg[0], into)


def q4_2(results: Results, into: Where = "report") -> list[str]:
    return _observation(results, results.hard_pair, into)


def q4_3(results: Results, into: Where = "report") -> list[str]:
    easy, hard = results.logreg[0], results.hard_pair
    if easy.val_accuracy is None or hard.val_accuracy is None:
        return ["One of the runs diverged, so there is nothing to compare."]
    gap = easy.val_accuracy - hard.val_accuracy
    higher, lower = (easy, hard) if gap >= 0 else (hard, easy)
    different, tested = gap_test(easy, hard)  # the verdict is the test's, not a threshold's
    first = (
        ("They are different: " if different else "They are alike: ")
        + f"{pair_name(easy.classes)} reached {pct(easy.val_accuracy, easy.n_val)} validation "
        f"accuracy and {pair_name(hard.classes)} {pct(hard.val_accuracy, hard.n_val)}, "
        + (
            f"a gap of {points(gap)} in favour of {pair_name(higher.classes)}"
            if gap
            else "the same"
        )
        + f" ({tested}). "
        + f"Their final validation losses were {easy.val_loss:.4f} and {hard.val_loss:.4f}."
    )
    unmeasured = [pair_name(run.classes) for run in (easy, hard) if run.mixing is None]
    mixing = (
        f"In the t-SNE map {mixed(easy, ('sits', 'sit'))} among the other class for "
        f"{pair_name(easy.classes)}, against {mixed(hard)} for {pair_name(hard.classes)}."
        if not unmeasured
        else f"The t-SNE map holds too few images of {' and of '.join(unmeasured)} to compare "
        "how mixed the two pairs are."
    )
    why = (
        "Why: both runs use the same model, learning rate and number of steps, so the difference "
        f"is in the data. {mixing} {needs_a_bend(results, lower)}"
        if different
        else "Why: both runs use the same model, learning rate and number of steps, and these "
        f"images do not tell the two pairs apart: they are about equally hard for it. {mixing}"
    )
    path = " ".join([*path_paragraph(easy, hard), bounds_from_ink(easy, hard)]).rstrip()
    return [first, path, why, *rate_grid_paragraph(results, into)]


COMPOSERS = {
    "q1_1": q1_1,
    "q1_2": q1_2,
    "q2": q2,
    "q3": q3,
}


def compose(results: Results, into: Where = "report") -> dict[str, list[str]]:
    """Every question's answer as paragraphs of plain text, for the report or the notebook (which
    does not draw Q4.3's learning-rate grid). The notebook's Q4.3 and Q5.1 end with the tables
    that the report's sections show beside them, in Markdown, and its last cell ("terms") holds
    the report's glossary."""
    written: dict[str, Any] = {key: composer(results) for key, composer in COMPOSERS.items()}
    written["q4_1"], written["q4_2"] = q4_1(results, into), q4_2(results, into)
    written["q4_3"] = q4_3(results, into)
    written["q5_1"] = q5_1(results, into)
    if into == "notebook":
        notes = table_notes(results)
        written["q4_3"] += [*notes["q4_3"], markdown_table(comparison_table(results))]
        written["q5_1"] += [*notes["q5_1"], markdown_table(networks_table(results))]
        written["terms"] = glossary_paragraphs()
    return written
