"""Q4.3's tests: whether the two pairs' validation accuracies differ (Fisher's exact test, on
images they do not share), logistic regression trained longer against its 100 steps, and whether
the harder pair needs a boundary that bends (the network against logistic regression trained
longer, McNemar's test, on the same rows)."""

from __future__ import annotations

from ..analysis.differences import independent_difference
from ..analysis.metrics import ALPHA, right_count, two_sample_p
from ..checks import required
from ..results import LogregResult, McNemar, Results
from .answers_network import outcome, verdict
from .format import count, gap, pair_name, paired_gap, pct
from .format import p_value as p_text


def gap_test(easy: LogregResult, hard: LogregResult) -> tuple[bool, str]:
    """Fisher's exact test of the two pairs' validation accuracies (the assignment's two pairs share
    no image, so the samples are independent; McNemar's test needs the same images): whether it
    tells them apart, and the words. Pairs that share a class share images, which the words say."""
    easy_val = required(easy.val_accuracy, "the validation accuracy")
    hard_val = required(hard.val_accuracy, "the validation accuracy")
    shared = [name for name in easy.classes if name in hard.classes]
    right = (
        right_count(easy_val, easy.n_val),
        right_count(hard_val, hard.n_val),
    )
    p = two_sample_p(right[0], easy.n_val, right[1], hard.n_val)
    different = p < ALPHA
    significant = "a significant difference" if different else "not a significant difference"
    of = (
        f"of {count(easy.n_val)} images each"
        if easy.n_val == hard.n_val
        else f"of {count(easy.n_val)} and {count(hard.n_val)} images"
    )
    sets = (
        "of two independent sets of images"
        if not shared
        else f"of two sets of images, approximate here: both pairs hold {' and '.join(shared)}'s "
        "images, so the sets are not independent"
    )
    difference = gap(*independent_difference(right[0], easy.n_val, right[1], hard.n_val))
    return different, (
        f"{count(right[0])} and {count(right[1])} right {of}, at the loop's last log; Fisher's "
        "exact test "
        f"{sets}: {significant}, {p_text(p)}; {pair_name(easy.classes)} minus "
        f"{pair_name(hard.classes)}: {difference}"
    )


def bounds_from_ink(easy: LogregResult, hard: LogregResult) -> str:
    """Q4.3: why the two curvature bounds differ (an instructor's review: the answer put the
    zig-zag down to the data through overlap alone). L is label-free, and bounded below by a
    quarter of the mean training row's squared length, |m|^2 / 4: the images' ink, measured. The
    ink alone puts a learning rate above 2/L where it is above 2 / (|m|^2 / 4) = 8 / |m|^2."""
    first, second = easy.dynamics, hard.dynamics
    if first is None or second is None or min(first.lipschitz, second.lipschitz) <= 0:
        return ""
    runs = [(easy, first), (hard, second)]
    share = [found.mean_row_norm_squared / 4 / found.lipschitz for _, found in runs]
    said = (
        "The two bounds come from the images alone, not their labels: L is at least a quarter of "
        "the mean training row's squared length (1 for the bias plus the squares of the mean "
        f"pixels), {first.mean_row_norm_squared:.1f} for {pair_name(easy.classes)} and "
        f"{second.mean_row_norm_squared:.1f} for {pair_name(hard.classes)}, and here that "
        f"quarter is {100 * share[0]:.0f}% and {100 * share[1]:.0f}% of L."
    )
    (_, low), (steeper, high) = sorted(runs, key=lambda pair: pair[1].lipschitz)
    if high.lipschitz == low.lipschitz or high.mean_row_norm_squared <= low.mean_row_norm_squared:
        return said
    said += (
        f" The mean image of {pair_name(steeper.classes)} is the longer, with more ink, so the "
        "loss bends more sharply"
    )
    ink_limit = 8 / high.mean_row_norm_squared  # 2 / (|m|^2 / 4): the ink's own limit
    if high.step_exceeds_limit and not low.step_exceeds_limit and steeper.learning_rate > ink_limit:
        return (
            f"{said}: the ink alone sets a limit of 8/{high.mean_row_norm_squared:.1f} = "
            f"{ink_limit:.4f}, below the learning rate of {steeper.learning_rate:g}, so it is the "
            "ink, not how much the classes overlap, that puts the rate above 2/L."
        )
    return f"{said}."


def longer_training_test(results: Results, run: LogregResult) -> McNemar | None:
    """McNemar's test of logistic regression trained longer against its 100 steps, on the held-out
    rows: kept for the network's pair only, where the per-row scores are."""
    compared = results.comparison
    return compared.longer_test if tuple(compared.classes) == tuple(run.classes) else None


def needs_a_bend(results: Results, lower: LogregResult) -> str:
    """Q4.3: whether the harder pair needs a boundary that is not a hyperplane, from the test of
    the network, whose boundary can bend, against logistic regression trained longer."""
    converged = required(lower.converged, "the fit to convergence")
    longer = (
        f"trained longer, logistic regression still gets only "
        f"{pct(converged.heldout_accuracy, lower.n_heldout)} of the held-out rows right"
    )
    network = (
        f"the network trained on the same {count(lower.n_train)} rows, whose boundary can bend,"
    )
    test = results.comparison.converged_test
    if tuple(results.comparison.classes) != tuple(lower.classes):
        return f"For {pair_name(lower.classes)}, {longer}."
    if outcome(test) == "better":
        return (
            f"On {pair_name(lower.classes)} a boundary that bends does better than the "
            f"hyperplane logistic regression found: {longer}, and {network} gets "
            f"significantly more of them right (McNemar's exact test: {count(test.only_first)} "
            f"right only for the network, {count(test.only_second)} only for logistic regression, "
            f"{p_text(test.p_value)}; "
            f"the network minus logistic regression: "
            f"{paired_gap(test.only_first, test.only_second, test.n)}; Q5.1). That is "
            "one training run of the network against one unregularised, early-stopped fit, "
            "not a proof that no hyperplane could do as well."
        )
    against = verdict(test, "logistic regression")
    return (
        f"For {pair_name(lower.classes)}, {longer}, and {network} is {against} on the same "
        "rows (Q5.1): these rows do not show that the pair needs a boundary other than a "
        "hyperplane."
    )
