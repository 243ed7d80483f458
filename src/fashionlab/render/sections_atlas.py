"""The report's atlas of the 45 class pairs: its table, and what the counts over it say, each
with its test or the reason there is none."""

from __future__ import annotations

from collections import Counter

from ..analysis.differences import independent_difference
from ..analysis.metrics import (
    ALPHA,
    compare,
    error_count,
    holm_rejections,
    largest_mcnemar_p,
    right_count,
    two_sample_p,
)
from ..checks import required
from ..config import ATLAS_STEPS_TO_CONVERGE
from ..results import AtlasPair, Extras, Results
from .atlas_schedule import settings_note
from .format import UNDECIDABLE_LEAD, count, gap, interval, pair_name, pct, plural
from .format import p_value as p_text
from .page import Section, Table

PERFECT = 0.99


def atlas_outcomes(extras: Extras, *, longer: bool = False) -> Counter[str]:
    """Wins, ties and losses of the network against 100-step logistic regression, or against
    logistic regression trained longer (tie: < 1 row)."""
    return Counter(
        compare(
            r.nn_val_accuracy,
            r.logreg_converged_val_accuracy if longer else r.logreg_val_accuracy,
            r.n_val,
        )
        for r in extras.atlas
        if r.nn_val_accuracy is not None
    )


def _lead(record: AtlasPair) -> str:
    """'win by 40 (significant if fixed)', 'win by 8 (not tested)', 'loss by 1 (too few to test)', 'tie':
    the network against 100-step logistic regression, in validation images, and what McNemar's
    exact test can say without per-image scores (``_surely_significant``)."""
    if record.nn_val_accuracy is None:
        return "-"
    outcome = compare(record.nn_val_accuracy, record.logreg_val_accuracy, record.n_val)
    if outcome == "tie":
        return outcome
    return f"{outcome} by {_images_apart(record)} ({_bound(*_errors(record))})"


# the network's validation rows chose its early-stopping epoch, so a test on them is optimistic
SURE = "significant if fixed"


def _bound(logreg: int, network: int) -> str:
    """What McNemar's exact test can say of two error counts on the same images without
    per-image scores: 'too few to test' (``UNDECIDABLE_LEAD``), 'significant if fixed' (its largest
    p, with no error shared, below ALPHA, were the network fixed before these rows scored it) or
    'not tested'."""
    if abs(logreg - network) <= UNDECIDABLE_LEAD:
        return "too few to test"
    return SURE if largest_mcnemar_p(logreg, network) < ALPHA else "not tested"


def _errors(record: AtlasPair, *, longer: bool = False) -> tuple[int, int]:
    """The validation images logistic regression (after 100 steps, or trained longer), and the
    network, get wrong."""
    network = required(record.nn_val_accuracy, "the network's validation accuracy")
    logreg = record.logreg_converged_val_accuracy if longer else record.logreg_val_accuracy
    return error_count(logreg, record.n_val), error_count(network, record.n_val)


def _images_apart(record: AtlasPair) -> int:
    """How many validation images the network and 100-step logistic regression differ by."""
    logreg, network = _errors(record)
    return abs(network - logreg)


def undecidable_leads(extras: Extras) -> int:
    """Pairs whose network and 100-step logistic regression differ by too few validation images
    for McNemar's exact test to tell them apart (``UNDECIDABLE_LEAD``)."""
    return sum(
        _images_apart(r) <= UNDECIDABLE_LEAD for r in extras.atlas if r.nn_val_accuracy is not None
    )


def _surely_significant(extras: Extras) -> str:
    """How many larger differences would be significant whatever images each model gets wrong,
    were each network fixed before these rows scored it (McNemar's largest p, with no error
    shared, below ALPHA); the others are not tested."""
    counts = [_errors(r) for r in extras.atlas if r.nn_val_accuracy is not None]
    larger = [(a, b) for a, b in counts if abs(a - b) > UNDECIDABLE_LEAD]
    sure = sum(largest_mcnemar_p(a, b) < ALPHA for a, b in larger)
    family = holm_rejections([largest_mcnemar_p(a, b) for a, b in counts])
    return (
        f"Of the other {len(larger)}, {sure} would be significant at p < {ALPHA:g} whatever "
        "images each model gets wrong, if each network had been fixed before these rows scored "
        'it ("significant if fixed" in the table). McNemar\'s exact test gives its largest p '
        f"when the two share no error, and even that largest p is below {ALPHA:g}. These rows "
        "chose each network's early-stopping epoch, though, so the true p may be larger. The "
        "atlas keeps no per-image "
        f"scores, so the other {len(larger) - sure} are not tested. The {sure} bounds are each "
        f"for one pair alone, not adjusted; adjusted for all {len(counts)} comparisons with "
        f"Holm's method, at least {family} would stay significant."
    )


def _longer_leads(extras: Extras) -> tuple[int, int, int]:
    """The network's leads over logistic regression trained longer: how many are of
    ``UNDECIDABLE_LEAD`` images or fewer, significant whatever images each gets wrong, and not
    tested."""
    leads = [
        errors
        for r in extras.atlas
        if r.nn_val_accuracy is not None and (errors := _errors(r, longer=True))[1] < errors[0]
    ]
    said = Counter(_bound(*errors) for errors in leads)
    return said["too few to test"], said[SURE], said["not tested"]


def atlas_section(results: Results) -> Section:
    extras = required(results.extras, "the extras")
    ranked = extras.atlas  # hardest first
    perfect = sum(r.logreg_val_accuracy >= PERFECT for r in ranked)
    outcomes = atlas_outcomes(extras)
    paragraphs = [
        f"Q2 and Q3 asked about two pairs; here every pair is measured, at the assignment's "
        f"settings. {perfect} of {len(ranked)} pairs score 99% or more on validation at step "
        f"100. {_extremes(ranked)}",
    ]
    if outcomes:
        paragraphs += [
            f"Pair by pair, the network (the same architecture as Q5.1's) is ahead of 100-step "
            f"logistic regression on {outcomes['win']} pairs, tied on {outcomes['tie']} (the same "
            f"count of validation images right) and behind on {outcomes['loss']}. "
            f"{_against_longer(extras)}",
            f"Which of these leads are real? {undecidable_leads(extras)} of the differences from "
            f"100-step logistic regression are of {UNDECIDABLE_LEAD} validation images or fewer, "
            f"which McNemar's exact test could not call significant whatever images each model "
            f"gets wrong (p ≥ {2 / 2**UNDECIDABLE_LEAD:g}). {_surely_significant(extras)} "
            f"{_longer_bounds(extras)}",
            "Two caveats. The comparison leans towards the network: the network trains on the "
            "training and held-out rows, logistic regression on the training rows only, and the "
            "network's validation rows also chose its early-stopping epoch (Q5.1), so the bounds "
            "above, which take each network as fixed before it was scored, are optimistic."
            + settings_note(results, extras),
        ]
    table = _table(ranked)
    figures = [
        (
            "atlas_logreg",
            f"Validation accuracy (%) of 100-step logistic regression for every "
            f"pair, {_images_each(ranked)}; the table above gives each with its 95% interval.",
        ),
        (
            "atlas_weights",
            "What logistic regression learned for every pair: red pixels push "
            "towards the second class, blue towards the first.",
        ),
    ]
    title = f"Beyond the assignment: the separability atlas of {len(ranked)} class pairs"
    return Section("atlas", title, paragraphs=paragraphs, figures=figures, table=table)


def _table(ranked: list[AtlasPair]) -> Table:
    """The atlas's table: each pair's three validation accuracies, hardest pair first."""
    return Table(
        [
            "pair (hardest first)",
            "logreg, 100 steps: validation (95% CI)",
            f"logreg trained longer (at most {ATLAS_STEPS_TO_CONVERGE} steps): validation (95% CI)",
            "network: validation (95% CI)",
            "logreg, 100 steps: first step at 95% of its final validation accuracy",
            "network vs logreg, in validation images (McNemar, each pair alone, the network "
            "taken as fixed: see text)",
        ],
        [
            [
                pair_name(r.classes),
                interval(r.logreg_val_accuracy, r.n_val),
                interval(r.logreg_converged_val_accuracy, r.n_val),
                interval(r.nn_val_accuracy, r.n_val) if r.nn_val_accuracy is not None else "-",
                str(r.steps_to_95),
                _lead(r),
            ]
            for r in ranked
        ],
    )


def _images_each(ranked: list[AtlasPair]) -> str:
    sizes = sorted({r.n_val for r in ranked})
    return (
        f"on {count(sizes[0])} validation images each"
        if len(sizes) == 1
        else f"on {count(sizes[0])} to {count(sizes[-1])} validation images"
    )


def _against_longer(extras: Extras) -> str:
    """The network against logistic regression trained longer: how much of its lead over 100
    steps is the shorter training's."""
    longer, shorter = atlas_outcomes(extras, longer=True), atlas_outcomes(extras)
    part = (
        ": part of its lead over 100 steps is logistic regression's shorter training"
        if longer["win"] < shorter["win"]
        else ""
    )
    return (
        f"Against logistic regression trained longer the network is ahead on {longer['win']} "
        f"pairs, tied on {longer['tie']} and behind on {longer['loss']}{part}."
    )


def _longer_bounds(extras: Extras) -> str:
    """What the same bounds say of the network's leads over logistic regression trained longer."""
    wins = atlas_outcomes(extras, longer=True)["win"]
    small, sure, untested = _longer_leads(extras)
    counts = [_errors(r, longer=True) for r in extras.atlas if r.nn_val_accuracy is not None]
    return (
        f"Against logistic regression trained longer: of the network's {wins} leads, {small} "
        f"are of {UNDECIDABLE_LEAD} images or fewer, {sure} would be significant whatever "
        f"images each model gets wrong (the same bound, if fixed, not adjusted; adjusted for all "
        f"{len(counts)} comparisons with Holm's method, at least {_held_leads(counts)} would "
        f"stay significant), and {untested} are not tested."
    )


def _held_leads(counts: list[tuple[int, int]]) -> int:
    """How many of the network's leads Holm's method keeps among all the comparisons' largest
    McNemar p-values (the statistics review: the 100-step bounds gave this count, these did not).
    Holm rejects the smallest p-values first, and a tie is never split at its cut."""
    p_values = [largest_mcnemar_p(logreg, network) for logreg, network in counts]
    kept = sorted(range(len(counts)), key=p_values.__getitem__)[: holm_rejections(p_values)]
    return sum(counts[i][1] < counts[i][0] for i in kept)


def _extremes(ranked: list[AtlasPair]) -> str:
    """The highest and lowest 100-step validation accuracies, with what ties or nearly ties them,
    and Fisher's test of the lowest against the next: each pair has validation images of its own
    (an unpaired test), though two pairs that share a class share some images."""
    right = [right_count(r.logreg_val_accuracy, r.n_val) for r in ranked]
    top, bottom, second = ranked[-1], ranked[0], ranked[1]
    near = sum(right[-1] - n <= 1 for n in right[:-1])
    with_near = f", and {plural(near, 'other pair')} within one image of it" if near else ""
    p = two_sample_p(right[0], bottom.n_val, right[1], second.n_val)
    difference = gap(*independent_difference(right[1], second.n_val, right[0], bottom.n_val))
    shared = sorted(set(bottom.classes) & set(second.classes))
    though = f" though some of the same {shared[0]} images are in both," if shared else ""
    ranks = (
        "the lowest is significantly below it"
        if p < ALPHA
        else "these images do not rank the two pairs"
    )
    return (
        f"After 100 steps the highest validation accuracy is {pct(top.logreg_val_accuracy, top.n_val)} "
        f"({pair_name(top.classes)}{with_near}) and the lowest "
        f"{pct(bottom.logreg_val_accuracy, bottom.n_val)} ({pair_name(bottom.classes)}; next "
        f"{pair_name(second.classes)} at {pct(second.logreg_val_accuracy, second.n_val)}, "
        f"{plural(abs(right[1] - right[0]), 'image')} more right: Fisher's exact test, which "
        f"treats the two sets of validation images as independent,{though} gives "
        f"{p_text(p)}, and {pair_name(second.classes)} minus {pair_name(bottom.classes)}: "
        f"{difference}{', approximate for the same reason' if shared else ''}; so {ranks})."
    )
