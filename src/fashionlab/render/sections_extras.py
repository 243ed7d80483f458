"""The report's sections beyond the assignment: the atlas, what was learned, ten classes, the map."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..analysis.metrics import (
    ALPHA,
    accuracy_interval,
    compare,
    error_count,
    holm_rejections,
    largest_mcnemar_p,
    mean_sd,
    share_text,
)
from ..config import ATLAS_STEPS_TO_CONVERGE, CLASS_NAMES
from ..results import AtlasPair, Extras, Results
from ..storage import slug
from .format import UNDECIDABLE_LEAD, article, count, interval, pair_name, pct, plural, points
from .page import Section, Table

PERFECT = 0.99


def atlas_outcomes(extras: Extras) -> Counter[str]:
    """Wins, ties and losses of the network against 100-step logistic regression (tie: < 1 row)."""
    return Counter(
        compare(r.nn_val_accuracy, r.logreg_val_accuracy, r.n_val)
        for r in extras.atlas
        if r.nn_val_accuracy is not None
    )


def _lead(record: AtlasPair) -> str:
    """'win by 12', 'loss by 1 (too few to test)', 'tie': the network against 100-step logistic
    regression, in validation images, and whether McNemar's exact test could ever tell."""
    if record.nn_val_accuracy is None:
        return "-"
    outcome = compare(record.nn_val_accuracy, record.logreg_val_accuracy, record.n_val)
    if outcome == "tie":
        return outcome
    lead = _images_apart(record)
    return f"{outcome} by {lead}" + (" (too few to test)" if lead <= UNDECIDABLE_LEAD else "")


def _errors(record: AtlasPair) -> tuple[int, int]:
    """The validation images 100-step logistic regression, and the network, get wrong."""
    assert record.nn_val_accuracy is not None
    return (error_count(record.logreg_val_accuracy, record.n_val),
            error_count(record.nn_val_accuracy, record.n_val))  # fmt: skip


def _images_apart(record: AtlasPair) -> int:
    """How many validation images the network and 100-step logistic regression differ by."""
    logreg, network = _errors(record)
    return abs(network - logreg)


def undecidable_leads(extras: Extras) -> int:
    """Pairs whose network and 100-step logistic regression differ by too few validation images
    for McNemar's exact test to tell them apart (``UNDECIDABLE_LEAD``)."""
    return sum(_images_apart(r) <= UNDECIDABLE_LEAD for r in extras.atlas
               if r.nn_val_accuracy is not None)  # fmt: skip


def _surely_significant(extras: Extras) -> str:
    """How many larger differences are significant whatever images each model gets wrong
    (McNemar's largest p, with no error shared, below ALPHA); the others are not tested."""
    counts = [_errors(r) for r in extras.atlas if r.nn_val_accuracy is not None]
    larger = [(a, b) for a, b in counts if abs(a - b) > UNDECIDABLE_LEAD]
    sure = sum(largest_mcnemar_p(a, b) < ALPHA for a, b in larger)
    family = holm_rejections([largest_mcnemar_p(a, b) for a, b in counts])
    return (f"Of the other {len(larger)}, {sure} are significant at p < {ALPHA:g} whatever images "
            "each model gets wrong: McNemar's exact test gives its largest p when the two share "
            "no error, and even that p is below the bound for them. The atlas keeps no per-image "
            f"scores, so the other {len(larger) - sure} are not tested. The {sure} bounds are each "
            f"for one pair alone, not adjusted; adjusted for all {len(counts)} comparisons with "
            f"Holm's method, at least {family} stay significant.")  # fmt: skip


def atlas_section(results: Results) -> Section:
    extras = results.extras
    assert extras is not None
    ranked = extras.atlas  # hardest first
    perfect = sum(r.logreg_val_accuracy >= PERFECT for r in ranked)
    outcomes = atlas_outcomes(extras)
    paragraphs = [
        f"Q2 and Q3 asked about two pairs; here every pair is measured, at the assignment's "
        f"settings. {_extremes(ranked)} {perfect} of {len(ranked)} pairs score 99% or more on "
        "validation at step 100.",
    ]
    if outcomes:
        paragraphs.append(
            f"The network (the same architecture as Q5.1's) is ahead of 100-step logistic "
            f"regression on {outcomes['win']} pairs, tied on {outcomes['tie']} (a difference of "
            f"less than one validation image) and behind on {outcomes['loss']}. "
            f"{undecidable_leads(extras)} of these differences are of {UNDECIDABLE_LEAD} "
            f"validation images or fewer, which McNemar's exact test could not call significant "
            f"whatever the rows (p ≥ {2 / 2**UNDECIDABLE_LEAD:.4f}). {_surely_significant(extras)} "
            "The comparison also leans towards the network: the network "
            "trains on the training and held-out rows, logistic regression on the training rows "
            "only, and the network's validation rows also chose its early-stopping epoch (Q5.1)."
            + _settings_note(results, extras)
        )
    table = Table(
        ["pair (hardest first)", "logreg, 100 steps: validation (95% CI)",
         f"logreg trained longer (at most {ATLAS_STEPS_TO_CONVERGE} steps): validation (95% CI)",
         "network: validation (95% CI)",
         "steps to 95% of final", "network vs logreg, in validation images (tests: see text)"],
        [[pair_name(r.classes), interval(r.logreg_val_accuracy, r.n_val),
          interval(r.logreg_converged_val_accuracy, r.n_val),
          interval(r.nn_val_accuracy, r.n_val) if r.nn_val_accuracy is not None else "-",
          str(r.steps_to_95), _lead(r)]
         for r in ranked],
    )  # fmt: skip
    figures = [
        ("atlas_logreg", "Validation accuracy of logistic regression for every pair."),
        ("atlas_weights", "What logistic regression learned for every pair: red pixels push "
         "towards the second class, blue towards the first."),
    ]  # fmt: skip
    title = f"Beyond the assignment: the separability atlas of {len(ranked)} class pairs"
    return Section("atlas", title, paragraphs=paragraphs, figures=figures, table=table)


def _extremes(ranked: list[AtlasPair]) -> str:
    """The highest and lowest 100-step validation accuracies, with what ties or nearly ties them:
    two pairs are scored on different images, so no paired test ranks them."""
    right = [r.n_val - error_count(r.logreg_val_accuracy, r.n_val) for r in ranked]
    top, bottom = ranked[-1], ranked[0]
    near = sum(right[-1] - n <= 1 for n in right[:-1])
    with_near = f", and {plural(near, 'other pair')} within one image of it" if near else ""
    lowest, second = (accuracy_interval(r.logreg_val_accuracy, r.n_val) for r in ranked[:2])
    overlap = "overlap" if lowest[1] >= second[0] else "do not overlap"
    return (f"After 100 steps the highest validation accuracy is {pct(top.logreg_val_accuracy, top.n_val)} "
            f"({pair_name(top.classes)}{with_near}) and the lowest "
            f"{pct(bottom.logreg_val_accuracy, bottom.n_val)} ({pair_name(bottom.classes)}, next "
            f"{pair_name(ranked[1].classes)} at {pct(ranked[1].logreg_val_accuracy, ranked[1].n_val)}, "
            f"whose 95% intervals {overlap}; the two pairs are scored on different images, so no "
            "paired test ranks them).")  # fmt: skip


def _settings_note(results: Results, extras: Extras) -> str:
    """Why the atlas's network may score differently from Q5.1's on the same pair."""
    net, settings = results.network, extras.atlas_network
    if (settings["epochs"], settings["patience"]) == (net.epochs_max, net.patience):
        return " Its networks are trained exactly as Q5.1's."
    same = next((r for r in extras.atlas if set(r.classes) == set(net.classes)), None)
    here = (
        ""
        if same is None or same.nn_val_accuracy is None
        else (
            f" On {pair_name(net.classes)} that gives {pct(same.nn_val_accuracy, same.n_val)} against "
            f"Q5.1's {pct(net.val_accuracy, net.n_val)}, {_gap_in_seed_sds(results, same)}"
        )
    )
    trained = [r.nn_epochs_run for r in extras.atlas if r.nn_epochs_run is not None]
    capped = sum(epochs >= settings["epochs"] for epochs in trained)
    cap, patience = plural(settings["epochs"], "epoch"), plural(settings["patience"], "epoch")
    return (
        f" To train {len(trained)} networks affordably, each trains for at most {cap} and stops "
        f"after {patience} without a lower validation loss (Q5.1's network: up to "
        f"{net.epochs_max} epochs, patience {net.patience}); {len(trained) - capped} stopped that "
        f"way and {capped} reached the {settings['epochs']}-epoch cap.{here}"
    )


def _gap_in_seed_sds(results: Results, same: AtlasPair) -> str:
    """The atlas's network against Q5.1's on the same pair, in images and in the seeds' spread."""
    net = results.network
    assert same.nn_val_accuracy is not None
    images = abs(
        error_count(net.val_accuracy, net.n_val) - error_count(same.nn_val_accuracy, same.n_val)
    )
    sd = mean_sd(results.comparison.seed_val_accuracies)[1]
    gap = abs(net.val_accuracy - same.nn_val_accuracy)
    return (f"{plural(images, 'validation image')} apart, {gap / sd:.1f} times the sample sd of "
            "the validation accuracy over seeds (Q5.1): the shorter schedule and the seed are not "
            "told apart here.")  # fmt: skip


def _region(centre: list[float]) -> str:
    """Where on the 28 x 28 image a weighted centre lies, in words: in which third of its rows and
    of its columns (pixel k spans k - 0.5 to k + 0.5, so the thirds meet at 8.83 and 18.17)."""
    row, column = centre
    if np.isnan(row) or np.isnan(column):
        return "nowhere"
    low, high = 28 / 3 - 0.5, 27.5 - 28 / 3
    vertical = "top" if row < low else "bottom" if row > high else "middle"
    horizontal = "left" if column < low else "right" if column > high else "centre"
    centred = (vertical, horizontal) == ("middle", "centre")
    return "the centre" if centred else f"the {vertical} {horizontal}"


def learned_section(results: Results) -> Section:
    extras = results.extras
    assert extras is not None
    paragraphs, figures = [], []
    for summary in extras.weights:
        first, second = summary.classes
        row, column = summary.strongest_at
        towards = second if summary.strongest_weight > 0 else first
        paragraphs.append(
            f"{pair_name(summary.classes)}: the weighted centre of the pixels that push towards "
            f"{second} (red) lies in {_region(summary.positive_centre)} of the image, that of those "
            f"pushing towards {first} (blue) in {_region(summary.negative_centre)} (a centre can "
            f"fall between two strips of strong pixels: the figure shows where they are). The "
            f"strongest single weight, {summary.strongest_weight:+.3f}, is at row {row}, column "
            f"{column} (counting from 0, as the figure's axes do), pushing towards {towards}."
        )
        figures.append(
            (f"weights_{slug(summary.classes)}", f"Weights θ1…θ784, {pair_name(summary.classes)}.")
        )
    for errors in extras.errors:
        if errors.most_confident_predicted_probability is None:
            continue
        truth = errors.most_confident_true_class or ""
        hard = results.network.classes
        other = hard[1] if truth == hard[0] else hard[0]
        weights = (" with its final weights (after the last update; the validation accuracy "
                   "above is recorded just before it, as the assignment's loop does)"
                   if errors.model == "logistic regression" else "")  # fmt: skip
        paragraphs.append(
            f"The {errors.model}{weights} gets {count(errors.errors)} of the {count(errors.n)} "
            f"validation images wrong ({interval((errors.n - errors.errors) / errors.n, errors.n)} right). Its most confident "
            f"mistake is {article(truth)} it called {article(other)} with probability "
            f"{share_text(errors.most_confident_predicted_probability, 4)}."
        )
        figures.append((f"errors_{slug([errors.model])}", f"The most confident validation "
                        f"errors of the {errors.model}: true and predicted class."))  # fmt: skip
    return Section("learned", "What the models learned", paragraphs=paragraphs, figures=figures)


def _published(theirs: float, ours: float) -> str:
    """A published accuracy, and how far this run's is from it (described, not tested)."""
    if round(100 * (ours - theirs), 2) == 0:
        return f"{pct(theirs)}, the same as this run's"
    return (
        f"{pct(theirs)}, {points(ours - theirs)} {'below' if ours > theirs else 'above'} this run's"
    )


def _network_settings(settings: dict[str, float], epochs_run: int) -> str:
    """How the ten-class network was trained, and for how long."""
    return (f"Adam at learning rate {settings['learning_rate']:g}, batch "
            f"{int(settings['batch_size'])}, at most {int(settings['epochs'])} epochs, stopping after "
            f"{plural(int(settings['patience']), 'epoch')} without a lower loss on the "
            f"{settings['validation_split']:.0%} of the training images held out for it and "
            f"keeping the best; it ran {plural(epochs_run, 'epoch')}")  # fmt: skip


def ten_classes_section(results: Results) -> Section:
    extras = results.extras
    assert extras is not None
    ten = extras.ten_classes
    n = ten.n_official_test
    paragraph = (
        f"Softmax regression written in numpy (stable softmax, cross-entropy and its gradient, "
        f"mini-batch gradient descent for {plural(ten.epochs, 'epoch')}, batch {ten.batch_size}, "
        f"learning rate {ten.learning_rate:g} decaying as 1/√epoch) reaches "
        f"{interval(ten.official_test_accuracy, n)} on the {count(n)} official test images. "
        f"The best of scikit-learn's logistic regressions in the automatic benchmark that "
        f"Fashion-MNIST's README links to (Xiao, Rasul and Vollgraf, 2017, table 3) scores "
        f"{_published(ten.published['sklearn_logistic_regression'], ten.official_test_accuracy)}. "
        f"The 784-100-10 network ({_network_settings(ten.network_settings, ten.network_epochs)}) "
        f"reaches {interval(ten.network_official_test_accuracy, n)}; "
        f"scikit-learn's MLP with 100 hidden units there scores "
        f"{_published(ten.published['sklearn_mlp_100'], ten.network_official_test_accuracy)}. "
        "Those figures come from another program, with other preprocessing and settings, scored "
        "on the same official test images but with no per-image scores published, so these gaps "
        "describe; no test here says whether they would persist. A 95% interval above is the uncertainty of one "
        "model's accuracy on these images, not of the gap between two models."
    )
    table = Table(["class", "precision", "recall"],
                  [[name, pct(p), pct(r)] for name, p, r in zip(CLASS_NAMES, ten.precision, ten.recall, strict=True)])  # fmt: skip
    figures = [
        (
            "softmax_confusion",
            "Confusion matrix of softmax regression, each row as shares of its class.",
        )
    ]
    return Section(
        "ten-classes",
        "Ten classes: softmax regression from scratch",
        paragraphs=[paragraph],
        figures=figures,
        table=table,
    )


def sections(results: Results, interactive_html: str | None) -> list[Section]:
    found = [atlas_section(results), learned_section(results), ten_classes_section(results)]
    if interactive_html:
        found.append(Section("interactive-map", "Interactive t-SNE map", raw_html=interactive_html,
                             markdown="The map is in `index.html`, beside this file: hover or tap "
                                      "a point there to see its image and class."))  # fmt: skip
    return found
