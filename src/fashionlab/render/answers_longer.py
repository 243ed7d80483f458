"""Q4's test of longer training: logistic regression trained on, from zero weights, until its
validation loss stops improving, against its 100 steps, judged on the held-out rows."""

from __future__ import annotations

from ..analysis.metrics import error_count
from ..checks import required
from ..results import Converged, LogregResult, Results
from .answers_compare import longer_training_test
from .answers_network import outcome, paired_facts
from .format import UNDECIDABLE_LEAD, interval, pct, plural

STOPPED_SHORT = 0.005  # held-out gain of longer training above which "100 steps stop short"


def longer_paragraph(results: Results, run: LogregResult) -> str:
    """What longer training gives, judged on the held-out rows, which chose nothing."""
    c = required(run.converged, "the fit to convergence")
    heldout = required(run.heldout_accuracy, "the held-out accuracy")
    return (
        f"Trained longer on the same rows (Nesterov-accelerated descent, {stopping(c)}), "
        f"logistic regression reaches "
        f"{pct(c.val_accuracy, run.n_val)} validation accuracy, optimistic because those rows "
        f"chose where it stopped. On the held-out rows, which chose nothing, it reaches "
        f"{interval(c.heldout_accuracy, run.n_heldout)} against "
        f"{interval(heldout, run.n_heldout)} after {plural(run.steps, 'step')}: "
        f"{_longer_verdict(results, run)}."
    )


def stopping(c: Converged) -> str:
    """How the longer fit stopped, by Keras's EarlyStopping rule with ``min_delta``: the weights
    kept are the last that lowered the validation loss by more than ``tol``, which a later step
    may still undercut by less."""
    if c.steps == 0:
        return (
            f"early-stopped: no step brought its validation loss down by more than {c.tol:g}, "
            "so it kept its starting weights"
        )
    if c.steps >= c.max_steps:
        return (
            f"stopped at the cap of {plural(c.max_steps, 'step')}: on separable data the loss "
            "keeps falling as the weights grow"
        )
    rule = (
        f"early-stopped: it keeps the weights of the last step that brought the validation "
        f"loss more than {c.tol:g} below its best so far, and stops once {c.patience} steps "
        f"in a row bring no such fall; here it kept the weights after "
        f"{plural(c.steps, 'step')}"
    )
    if c.steps_run >= c.max_steps:
        return f"{rule} and ran on to the cap of {c.max_steps:,}"
    return f"{rule} and stopped after {c.steps_run:,}"


def _longer_verdict(results: Results, run: LogregResult) -> str:
    """Whether longer training helps: McNemar's test where the per-row scores are kept, else what
    the difference in held-out images allows one to say."""
    converged = required(run.converged, "the fit to convergence")
    heldout = required(run.heldout_accuracy, "the held-out accuracy")
    images = error_count(heldout, run.n_heldout) - error_count(
        converged.heldout_accuracy, run.n_heldout
    )
    difference = (
        f"{plural(abs(images), 'held-out image')} {'more' if images >= 0 else 'fewer'}"
        if images
        else "the same number of held-out images"
    )
    test = longer_training_test(results, run)
    if test is not None:
        ending = {
            "better": "the 100 steps stop short of what longer training gives",
            "worse": "longer training does worse",
            "undecided": "the difference could be chance",
        }[outcome(test)]
        return (
            f"{difference}; {paired_facts(test, 'longer training', 'the 100 steps')}, so {ending}"
        )
    if abs(images) <= UNDECIDABLE_LEAD:
        return (
            f"{difference}, too few for McNemar's exact test to call significant whatever the "
            f"images (p ≥ {2 / 2 ** abs(images):g}), so longer training adds little that these "
            "rows can show"
            if images
            else f"{difference}, so longer training adds nothing here"
        )
    gained = converged.heldout_accuracy - heldout
    shown = (
        "so the 100 steps stop short of what longer training gives"
        if gained > STOPPED_SHORT
        else "so longer training does not help"
        if gained < -STOPPED_SHORT
        else "so longer training adds little"
    )
    return (
        f"{difference} (untested: per-image scores are kept for the network's pair only), {shown}"
    )
