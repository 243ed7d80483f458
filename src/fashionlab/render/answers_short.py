"""The one-sentence answers that lead Q2, Q3, Q4.1 and Q4.2, before the evidence.

An instructor's and a student's reading found each answer third, after the numbers it rests on.
Each sentence is chosen by the same numbers and named thresholds as the paragraphs after it,
which give the evidence in full (the shared-core caveat on times included).
"""

from __future__ import annotations

from ..models.logistic import stays_from
from ..results import LogregResult
from .format import pct, plural

# The thresholds that choose the words (``answers`` uses the first three for its own)
SEPARATE_ISLANDS = 0.01  # share of a pair's map points among the other class
THIN_BORDER = 0.05
FITS_ITS_ROWS = 0.99  # training accuracy from which "a hyperplane separates these classes"
DONE_EARLY = 5  # the step from which accuracy stays within 1% of its final value: "done early"


def forecast(run: LogregResult) -> str:
    """Q2 and Q3: how logistic regression will fare, as the t-SNE map suggests."""
    if run.mixing < SEPARATE_ISLANDS:
        expect = "very well"
    elif run.mixing < THIN_BORDER:
        expect = "well, but not perfectly"
    else:
        expect = (
            "clearly worse than on a pair the map keeps apart, getting a noticeable share wrong"
        )
    return f"In short: judging by the t-SNE map, logistic regression should do {expect}."


def observation(run: LogregResult, seconds: float | None) -> str:
    """Q4.1 and Q4.2: what accuracy, why, and how long, each in a clause."""
    assert run.val_accuracy is not None and run.train_accuracy is not None
    reached = f"{pct(run.val_accuracy, run.n_val)} validation accuracy"
    why = ("the two classes are nearly linearly separable" if run.train_accuracy >= FITS_ITS_ROWS
           else f"no straight boundary separates these classes well (it gets only "
           f"{pct(run.train_accuracy, run.n_train)} of its own training rows right)")  # fmt: skip
    settled = stays_from(run.history["val_accuracy"], 0.99)
    if settled <= DONE_EARLY:
        how_long = (f"it was essentially done after {plural(settled - 1, 'update')} (within 1% "
                    f"of its final accuracy from step {settled} on)")  # fmt: skip
    else:
        how_long = (f"it came within 1% of its final accuracy for good only at step {settled} "
                    f"of {run.steps}")  # fmt: skip
    took = "" if seconds is None else f"; the {plural(run.steps, 'step')} took {seconds:.2f} s"
    return f"In short: {reached}, because {why}; {how_long}{took}."
