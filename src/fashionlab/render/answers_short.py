"""The one-sentence answers that lead Q2, Q3, Q4.1 and Q4.2, before the evidence.

An instructor's and a student's reading found each answer third, after the numbers it rests on.
Each sentence is chosen by the same numbers and named thresholds as the paragraphs after it,
which give the evidence in full, the time in seconds among it.
"""

from __future__ import annotations

from typing import Literal

from ..analysis.history import stays_from
from ..analysis.metrics import ALPHA, accuracies_p
from ..checks import required
from ..results import Converged, LogregResult
from .format import interval, p_value, pct

# The thresholds that choose the words (``answers`` uses them for its own)
SEPARATE_ISLANDS = 0.01  # share of a pair's map points among the other class
THIN_BORDER = 0.05
HEAVY_OVERLAP = 0.30
FITS_ITS_ROWS = 0.99  # training accuracy from which "a hyperplane separates these classes"
OVERFIT_GAP = 0.02  # training minus validation accuracy from which "part of the gap is overfitting"

MapReading = Literal["islands", "border", "overlap", "mixed", "unmeasured"]


def map_reading(mixing: float | None) -> MapReading:
    """What a pair's share of mixed map points says, by the thresholds above: every sentence
    about the map (its forecast, its picture, Q4's why) is chosen by this one reading."""
    if mixing is None:
        return "unmeasured"  # too few of the pair's points on the map
    if mixing < SEPARATE_ISLANDS:
        return "islands"
    if mixing < THIN_BORDER:
        return "border"
    return "overlap" if mixing < HEAVY_OVERLAP else "mixed"


def forecast(run: LogregResult) -> str:
    """Q2 and Q3: how logistic regression will fare, as the t-SNE map suggests."""
    reading = map_reading(run.mixing)
    if reading == "unmeasured":
        return (
            "In short: the t-SNE map holds too few of this pair's images to suggest how logistic "
            "regression will fare; Q4 measures it."
        )
    expect = {
        "islands": "do very well",
        "border": "do well, but not perfectly",
    }.get(reading, "get a noticeable share of images wrong")
    return f"In short: judging by the t-SNE map, logistic regression should {expect}."


def overfits(train: float, val: float) -> bool:
    """Whether training minus validation accuracy reaches ``OVERFIT_GAP``, to 1e-9: a gap the
    report prints as +2.00 points (8,820 of 9,600 against 2,157 of 2,400) is not under 2 by a
    float's last bit (a review found 184 such pairs said "under the 2 points")."""
    return round(train - val, 9) >= OVERFIT_GAP


def last_log(run: LogregResult) -> tuple[float, float]:
    """Training and validation accuracy at the loop's last log, which every run that did not
    diverge holds (the answers describe a diverged run apart)."""
    return (
        required(run.train_accuracy, "the training accuracy"),
        required(run.val_accuracy, "the validation accuracy"),
    )


def _share(run: LogregResult) -> str:
    """The validation rows' share beside the training rows', under the overfitting gap. A higher
    share says it is consistent with chance where Fisher's test finds no difference (the
    statistics review: "slightly higher", 99.88% against 99.81%, read a difference into noise). A
    lower one, within the overfitting gap, is "nearly as high", tested or not: Q4.2's paragraph on
    the training rows gives Fisher's test of it."""
    train, val = last_log(run)
    gap = train - val
    if gap >= 0:
        return f"{'nearly as high' if gap > 0 else 'as high'} a share of the validation rows"
    p = accuracies_p(train, run.n_train, val, run.n_val)
    if p < ALPHA:
        return f"a higher share of the validation rows (Fisher's exact test, {p_value(p)})"
    return (
        "a slightly higher share of the validation rows (Fisher's exact test, "
        f"{p_value(p)}: consistent with chance)"
    )


def observation(run: LogregResult, longer: Converged | None = None) -> str:
    """Q4.1 and Q4.2: what accuracy, why (what its own training rows show), and how long, in
    steps: when validation accuracy stays at 99% of its final value or more (the paragraphs
    after it give the time in seconds). ``longer`` is logistic regression trained longer, where
    McNemar's test on the held-out rows found it better than the 100 steps: an underfit model is
    then short of steps as well as bounded by its straight boundary (an instructor's review)."""
    train_share, val_share = last_log(run)
    reached = f"{pct(val_share, run.n_val)} validation accuracy"
    train = pct(train_share, run.n_train)
    at, updates = f"at step {run.steps}", f"after {run.steps - 1} updates"
    after = f"{at} ({updates})"
    # the reason is the boundary it found; its own training rows are the evidence for it
    fits, over = train_share >= FITS_ITS_ROWS, overfits(train_share, val_share)
    if fits and not over:
        why = (
            f"the straight boundary it finds separates these two classes almost perfectly: "
            f"{after} it gets {train} of its own training rows right, and {_share(run)}, which it "
            "never trained on"
        )
    elif fits:
        why = (
            f"the straight boundary it finds separates its own training rows almost perfectly "
            f"({train} right {at}, {updates}) but fewer of the validation rows: part of the gap is "
            "overfitting"
        )
    else:
        why = (
            f"the straight boundary it finds leaves the two classes overlapping: {after} it "
            f"gets only {train} of its own training rows right"
        )
        why += (
            ", and fewer of the validation rows: part of the gap is overfitting"
            if over
            else ", so it underfits"
        )
        if (
            longer is not None
            and longer.steps > run.steps  # the weights it kept had more steps than the loop's
            and not over
            and run.heldout_accuracy is not None
        ):
            why += (
                f", partly for want of steps: trained longer, the same kind of boundary gets "
                f"{interval(longer.heldout_accuracy, run.n_heldout)} of the held-out rows right, "
                f"against {interval(run.heldout_accuracy, run.n_heldout)} after the {run.steps} "
                "steps (McNemar's test below)"
            )
    settled = stays_from(run.history["val_accuracy"], 0.99)
    return (
        f"In short: {reached}, because {why}. Validation accuracy stayed at 99% of its final "
        f"value or more from step {settled} of {run.steps} on."
    )
