"""The report's sections beyond the assignment: the atlas (``sections_atlas``), what was
learned, ten classes, the map."""

from __future__ import annotations

from ..checks import required
from ..config import CLASS_NAMES, SOFTMAX_SETTINGS_TRIED
from ..files.storage import slug
from ..results import ErrorSummary, Results, TrainingSettings
from ..results.weight_map import Patch
from .format import article, count, interval, pair_name, pct, percent, plural, points, share_text
from .page import Section, Table
from .sections_atlas import atlas_section


def _span(word: str, first_last: list[int]) -> str:
    """'rows 5–23', or 'row 0' where the first is the last."""
    first, last = first_last
    return f"{word} {first}" if first == last else f"{word}s {first}–{last}"


def _patches(found: list[Patch], colour: str, towards: str, sign: int) -> str:
    """Where one way's strong weights sit: the cut (half its strongest weight, with ``sign``), how
    many patches, the largest one or two (the second where it holds at least half the first's
    share), each with its share, and the patch of the strongest weight where it is another."""
    if not found:
        return f"No weight pushes towards {towards}."
    shown = [found[0], *(p for p in found[1:2] if p.share >= found[0].share / 2)]
    strongest = max(found, key=lambda p: p.peak)
    largest = "the largest lies" if len(shown) == 1 else "the largest two lie"
    said = (
        f"{colour.capitalize()} pixels push towards {towards}. Those with at least half the "
        f"strongest {colour} weight ({sign * strongest.peak:+.3f}) form "
        f"{plural(len(found), 'patch', 'patches')} of pixels side by side; {largest} "
        f"{' and '.join(map(_place, shown))}, and hold{'s' if len(shown) == 1 else ''} "
        f"{' and '.join(percent(p.share, 0) for p in shown)} of all the {colour} weight."
    )
    if strongest not in shown:
        said += (
            f" The strongest {colour} weight lies in another, {_place(strongest)}, with "
            f"{percent(strongest.share, 0)}."
        )
    return said


def _place(patch: Patch) -> str:
    return f"within {_span('row', patch.rows)} and {_span('column', patch.columns)}"


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def learned_section(results: Results) -> Section:
    extras = required(results.extras, "the extras")
    paragraphs, figures = [], []
    for summary in extras.weights:
        first, second = summary.classes
        row, column = summary.strongest_at
        towards = second if summary.strongest_weight > 0 else first
        paragraphs.append(
            f"{pair_name(summary.classes)}: "
            f"{_lower(_patches(summary.positive_patches, 'red', second, +1))} "
            f"{_patches(summary.negative_patches, 'blue', first, -1)} Rows and columns count from 0, "
            f"as the figure's axes do. The strongest single weight, "
            f"{summary.strongest_weight:+.3f}, is at row {row}, column {column}, pushing towards "
            f"{towards}. A weight acts only where an image has ink, so a large weight alone does "
            "not make a pixel important."
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
        weights = (
            " with its final weights (after the last update; the validation accuracy "
            "above is recorded just before it, as the assignment's loop does)"
            if errors.model == "logistic regression"
            else ""
        )
        paragraphs.append(
            f"On {pair_name(hard)}, the {errors.model}{weights} gets {count(errors.errors)} of the "
            f"{count(errors.n)} validation images wrong ({interval((errors.n - errors.errors) / errors.n, errors.n)} right). Its most confident "
            f"mistake is {article(truth)} it called {article(other)} with probability "
            f"{share_text(errors.most_confident_predicted_probability, 4)}."
        )
        figures.append(
            (
                f"errors_{slug([errors.model])}",
                f"The most confident validation "
                f"errors of the {errors.model}: true and predicted class.",
            )
        )
    if paragraphs:  # after the two models' mistakes
        paragraphs[-1] += _surer(extras.errors)
    return Section("learned", "What the models learned", paragraphs=paragraphs, figures=figures)


def _surer(errors: list[ErrorSummary]) -> str:
    """Which model was the surer of its most confident mistake (an instructor's review: the two
    stood in separate paragraphs, unremarked)."""
    said = {e.model: e.most_confident_predicted_probability for e in errors}
    network, logreg = said.get("neural network"), said.get("logistic regression")
    if network is None or logreg is None or share_text(network, 4) == share_text(logreg, 4):
        return ""
    surer, other = (
        ("network", "logistic regression")
        if network > logreg
        else ("logistic regression", "network")
    )
    return (
        f" So the {surer} is the surer of its worst mistake ({share_text(max(network, logreg), 4)} "
        f"against {share_text(min(network, logreg), 4)} for the {other}): a model can be wrong "
        "with confidence, so a high probability alone does not make a prediction right."
    )


def _published(theirs: float, ours: float) -> str:
    """A published accuracy, and how far this run's is from it (described, not tested)."""
    if round(100 * (ours - theirs), 2) == 0:
        return f"{pct(theirs)}, the same as this run's"
    return (
        f"{pct(theirs)}, {points(ours - theirs)} {'below' if ours > theirs else 'above'} this run's"
    )


def _network_settings(settings: TrainingSettings, epochs_run: int) -> str:
    """How the ten-class network was trained, and for how long."""
    return (
        f"Adam at learning rate {settings.learning_rate:g}, batch "
        f"{settings.batch_size}, at most {settings.epochs} epochs, stopping after "
        f"{plural(settings.patience, 'epoch')} without a lower loss on the "
        f"{settings.validation_split:.0%} of the training images held out for it and "
        f"keeping the best; it ran {plural(epochs_run, 'epoch')}"
    )


def ten_classes_section(results: Results) -> Section:
    extras = required(results.extras, "the extras")
    ten = extras.ten_classes
    n = ten.n_official_test
    paragraph = (
        f"Softmax regression written in numpy (stable softmax, cross-entropy and its gradient, "
        f"mini-batch gradient descent for {plural(ten.epochs, 'epoch')}, batch {ten.batch_size}, "
        f"learning rate {ten.learning_rate:g} decaying as 1/√epoch) reaches "
        f"{interval(ten.official_test_accuracy, n)} on the {count(n)} official test images. "
        f"Its settings were the best of {SOFTMAX_SETTINGS_TRIED} by their accuracy on the last 10% "
        "of the training images, trained on the rest (docs/choose_softmax.py), not by their "
        "official test accuracy; but an earlier version of fashionlab chose them by it, and "
        f"docs/extras.md lists all {SOFTMAX_SETTINGS_TRIED} official test scores, so these "
        "official test images are not unseen. "
        f"The best of scikit-learn's logistic regressions in the automatic benchmark that "
        f"Fashion-MNIST's README links to (Xiao, Rasul and Vollgraf, 2017, table 3; the best of "
        f"their grid on the same official test images) scores "
        f"{_published(ten.published['sklearn_logistic_regression'], ten.official_test_accuracy)}. "
        f"The 784-100-10 network ({_network_settings(ten.network_settings, ten.network_epochs)}) "
        f"reaches {interval(ten.network_official_test_accuracy, n)}; "
        f"scikit-learn's MLP with 100 hidden units there scores "
        f"{_published(ten.published['sklearn_mlp_100'], ten.network_official_test_accuracy)}. "
        "Those figures come from another program, with other preprocessing and settings, scored "
        "on the same official test images but with no per-image scores published, so these gaps "
        "describe this run only; no test here says whether they would persist. A 95% interval above is the uncertainty of one "
        "model's accuracy on these images, not of the gap between two models."
    )
    # each with its interval (the statistics review): precision on the images called the class
    # (the confusion matrix's column), recall on the class's images (its row); a class the model
    # never predicts has no precision (scikit-learn's 0 is a convention, not a measurement)
    called = [sum(column) for column in zip(*ten.confusion, strict=True)]
    held = [sum(row) for row in ten.confusion]
    table = Table(
        ["class", "precision (95% CI)", "recall (95% CI)"],
        [
            [
                name,
                interval(p, n_called) if n_called else "- (never predicted)",
                interval(r, n) if n else "- (no images)",
            ]
            for name, p, r, n_called, n in zip(
                CLASS_NAMES, ten.precision, ten.recall, called, held, strict=True
            )
        ],
    )
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


def _interactive_pointer(results: Results) -> str:
    """report.md's word on the map it cannot hold: where it is, and which points it shows."""
    extras = required(results.extras, "the extras")  # the map is drawn with the extras
    shown, mapped = extras.interactive_points, results.embedding.points
    which = (
        f"the first {count(shown)} of the {count(mapped)} images of the t-SNE map above"
        if shown < mapped
        else f"all {count(mapped)} images of the t-SNE map above"
    )
    return (
        f"The map is in `index.html`, beside this file. It shows {which}: hover or tap a point "
        "there to see its image and class."
    )


def sections(results: Results, interactive_html: str | None) -> list[Section]:
    found = [atlas_section(results), learned_section(results), ten_classes_section(results)]
    if interactive_html:
        found.append(
            Section(
                "interactive-map",
                "Interactive t-SNE map",
                raw_html=interactive_html,
                markdown=_interactive_pointer(results),
            )
        )
    return found
