"""Q4.1's and Q4.2's "Why": what a run's own training rows show (a hyperplane that separates them,
underfitting, or overfitting, judged by Fisher's test and Newcombe's interval of the gap), then
what the t-SNE map suggested; and Q5.1's network against the same overfitting mark."""

from __future__ import annotations

from ..analysis.differences import independent_difference
from ..analysis.metrics import ALPHA, accuracies_p, error_count, right_count
from ..results import LogregResult, NetworkResult, Results
from . import answers_short
from .answers_maps import mixed, separation
from .format import count, independent_gap, pct, plural
from .format import p_value as p_text


def why(run: LogregResult) -> str:
    """Why it reached this accuracy: first what the training rows show, then what the map suggested."""
    train, val = answers_short.last_log(run)
    if train >= answers_short.FITS_ITS_ROWS:
        return (
            f"Why: a hyperplane separates these classes almost perfectly. At the loop's last log "
            f"(step {run.steps}), the model gets "
            f"{pct(train, run.n_train)} of its {count(run.n_train)} training rows "
            f"right ({plural(error_count(train, run.n_train), 'error')}), so the "
            f"pair is nearly linearly separable in pixel space{_map_beside_a_fit(run)}; gradient "
            "descent finds such a boundary within a few steps."
        )
    same = accuracies_p(train, run.n_train, val, run.n_val)
    difference = independent_gap(train, run.n_train, val, run.n_val)
    tested = (
        f"({pct(val, run.n_val)}; Fisher's exact test, {p_text(same)}; training "
        f"minus validation: {difference})"
    )
    if answers_short.overfits(train, val):
        fit = f"against {pct(val, run.n_val)} of the validation rows, so part of "
        fit += "the gap is overfitting"
    elif same >= ALPHA:
        fit = f"about as many as of the validation rows {tested}: {_no_overfitting(run)}, and "
        fit += "with so few of its own rows right it underfits"
    else:  # under the overfitting gap, yet more than chance
        more = "more" if train > val else "fewer"
        high = _gap_high(run)
        small = (
            "a small gap, but more than chance"
            if more == "fewer" or high < answers_short.OVERFIT_GAP
            else f"a gap beyond chance, which these rows cannot rule out reaching {100 * high:.1f} "
            "points"
        )
        fit = f"a little {more} than of the validation rows {tested}: {small}; with so few of its "
        fit += "own rows right it mainly underfits"
    return (
        f"Why: at the loop's last log (step {run.steps}), the model gets only "
        f"{pct(train, run.n_train)} of its own "
        f"{count(run.n_train)} training rows right, {fit}.{_map_beside_an_underfit(run)}"
    )


def _mapped(run: LogregResult) -> str:
    return (
        f"the t-SNE map, where the two classes {separation(run)} and "
        f"{mixed(run, ('is', 'are'))} mixed"
    )


def _map_beside_a_fit(run: LogregResult) -> str:
    """Whether the map suggested the hyperplane the training rows show (nothing where the map
    holds too few of the pair's points to say)."""
    reading = answers_short.map_reading(run.mixing)
    if reading == "unmeasured":
        return ""
    if reading in ("islands", "border"):
        return f", as {_mapped(run)}, suggested"
    return f", which {_mapped(run)}, did not suggest"


# What the map suggested, beside a fit that gets too few of its own rows right
UNDERFIT_MAP = {
    "overlap": "suggests that no straight boundary separates them",
    "mixed": "suggests that no straight boundary separates them",
    "islands": "suggests that a straight boundary could separate them almost perfectly, which "
    "these steps have not reached",
    "border": "suggests that a straight boundary would get most images right and fail only near "
    "the border",
}


def _map_beside_an_underfit(run: LogregResult) -> str:
    reading = answers_short.map_reading(run.mixing)
    if reading == "unmeasured":
        return ""
    mapped = _mapped(run)
    return (
        f" {mapped[0].upper()}{mapped[1:]}, {UNDERFIT_MAP[reading]} (a suggestion only: the map "
        "is not a linear view of the pixels)."
    )


def _gap_high(run: LogregResult) -> float:
    """The top of Newcombe's 95% interval of training minus validation accuracy."""
    train, val = answers_short.last_log(run)
    right = right_count(train, run.n_train), right_count(val, run.n_val)
    return independent_difference(right[0], run.n_train, right[1], run.n_val)[2]


def _no_overfitting(run: LogregResult) -> str:
    """A gap that Fisher's test cannot tell from chance is no evidence of overfitting, and no proof
    of its absence either, unless its whole interval stays under the gap the glossary calls
    overfitting (the statistics review: "no sign" read a test that could not tell as "none")."""
    high = _gap_high(run)
    if high < answers_short.OVERFIT_GAP:
        return "too small a gap for overfitting"
    return (
        f"no evidence of overfitting, though these rows cannot rule out a gap of up to "
        f"{100 * high:.1f} points"
    )


def network_overfitting(results: Results) -> str:
    """The kept epoch's gap between training and validation accuracy, against the glossary's
    mark; then the curves after that epoch, if they show the network fitting its rows further."""
    net = results.network
    train, val = net.history["loss"], net.history["val_loss"]
    best = net.best_epoch - 1
    said, over = _kept_epoch_gap(net)
    if len(train) <= best + 1 or train[-1] >= train[best]:
        return said
    after = train[best:]
    steadily = all(b < a for a, b in zip(after, after[1:], strict=False))
    falls = "keeps falling" if steadily else "falls overall"
    limits = ", which limits the overfitting rather than removing it" if over else ""
    return said + (
        f" After epoch {net.best_epoch} the training loss {falls} ({train[best]:.3f} to "
        f"{train[-1]:.3f}) while the validation loss does not improve (lowest {val[best]:.3f}, "
        f"last {val[-1]:.3f}): the network is overfitting, fitting its training rows more closely "
        f"without generalising better. Early stopping goes back to epoch {net.best_epoch}, where "
        f"the validation loss was lowest{limits}."
    )


def _keras_count(net: NetworkResult) -> str:
    """What the accuracy curve shows for the kept epoch, where it shows another figure than the
    kept weights' (Keras's count over the epoch's batches, while the weights still moved)."""
    logged = net.history.get("accuracy", [])
    if len(logged) < net.best_epoch:
        return ""
    curve = pct(logged[net.best_epoch - 1], net.training_rows)
    if curve == pct(net.train_accuracy, net.training_rows):
        return ""
    return (
        f" (the curve's {curve} for that epoch is Keras's count over its batches, while the "
        "weights still moved)"
    )


def _kept_epoch_gap(net: NetworkResult) -> tuple[str, bool]:
    """The kept weights' accuracy on the training rows against the validation rows', with
    Newcombe's interval of the gap, and whether the glossary calls it overfitting."""
    if net.val_accuracy is None:
        return "", False
    over = answers_short.overfits(net.train_accuracy, net.val_accuracy)
    mark = f"{100 * answers_short.OVERFIT_GAP:g} points"
    verdict = (
        f". By this report's measure ({mark} or more) it already overfits at that epoch: it "
        "fits its training rows more closely than rows it never trained on"
        if over
        else f", under the {mark} from which this report calls it overfitting"
    )
    difference = independent_gap(net.train_accuracy, net.training_rows, net.val_accuracy, net.n_val)
    said = (
        f" With the weights of epoch {net.best_epoch}, the ones it keeps, it gets "
        f"{pct(net.train_accuracy, net.training_rows)} of its {count(net.training_rows)} "
        f"training rows right{_keras_count(net)}, against {pct(net.val_accuracy, net.n_val)} of "
        f"the validation rows (training minus validation: {difference}){verdict}."
    )
    return said, over
