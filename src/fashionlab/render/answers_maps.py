"""The written answers to Q1 to Q3: the data as loaded and reshaped, the PCA and t-SNE map, and
what the map forecasts for logistic regression on each pair (Q4 measures it). Every number is a
field of the results; every verdict is chosen by its number through a named threshold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..analysis.exploration import maps_test_images
from ..analysis.metrics import chance_mixing, wilson_interval
from ..checks import required
from ..results import DataSummary, EmbeddingSummary, LogregResult, Results
from . import answers_short
from .format import article, count, pair_name, pct, percent, plural, shape

CLASSES_TOGETHER = 0.75  # 10-NN agreement on the map above which "images of a class stay together"

# How two classes lie on the map, by ``answers_short.map_reading`` (a pair with too few points on
# the map is not pictured: ``_forecast``)
SEPARATION = {
    "islands": "form two separate islands",
    "border": "form two groups that touch only along a thin border",
    "overlap": "overlap substantially",
    "mixed": "are thoroughly mixed",
}


def separation(run: LogregResult) -> str:
    return SEPARATION[answers_short.map_reading(run.mixing)]


def mixed(run: LogregResult, verb: tuple[str, str] = ("", "")) -> str:
    """How many of the pair's map points sit among the other class, of how many, with ``verb``
    (singular, plural) agreeing: '11 of 2,012 points (0.54%) have' (a share alone hides what it is
    a share of). Callers say a share not measured in words of their own."""
    mixing = required(run.mixing, "the pair's share of mixed map points")
    mixed_points = round(mixing * run.mixing_points)
    said = f"{count(mixed_points)} of {count(run.mixing_points)} points ({pct(mixing)})"
    return f"{said} {verb[0] if mixed_points == 1 else verb[1]}".rstrip()


def forecast_reason(run: LogregResult) -> str:
    """Why the map suggests how logistic regression will fare (``answers_short`` says how)."""
    reading = answers_short.map_reading(run.mixing)
    if reading == "islands":
        guess = (
            "A straight line (in the 784-dimensional pixel space, a hyperplane) should separate "
            "them almost perfectly, and logistic regression, a linear classifier, draws one"
        )
    elif reading == "border":
        guess = (
            "A linear boundary, such as logistic regression draws, should get most images "
            "right and fail only near the border"
        )
    else:
        guess = (
            "The classes overlap in the map, so a straight boundary, such as logistic "
            "regression draws, is unlikely to separate them"
        )
    return f"{guess} (a forecast: the map is not a linear view of the pixels)"


def q1_1(results: Results) -> list[str]:
    data = results.data
    return [
        f"The raw images are {data.dtype_before} arrays with pixel values from "
        f"{data.pixel_min_before} to {data.pixel_max_before}. Dividing by 255 (img_norm = img / 255) "
        f"turns them into {data.dtype_after} values from {data.pixel_min_after:g} to "
        f"{data.pixel_max_after:g}, for the training and the test images alike. The first training "
        f"image, {article(data.first_image_class)}, is shown before and after: the picture is "
        "unchanged; only the scale of the colour bar differs."
    ]


def q1_2(results: Results) -> list[str]:
    data, emb = results.data, results.embedding
    together = (
        "so images of a class mostly stay together in the map"
        if emb.neighbour_agreement >= CLASSES_TOGETHER
        else "which is too low to say that the map keeps the classes together (too few points?)"
    )
    return [
        f"Each image becomes a vector of {count(data.train_shape_after[1])} values: the training "
        f"images go from shape {shape(data.train_shape_before)} to {shape(data.train_shape_after)} "
        f"and the test images from {shape(data.test_shape_before)} to "
        f"{shape(data.test_shape_after)}. The training data frame has "
        f"{count(data.frame_columns)} columns: one per pixel, then label and class.",
        f"After standardising, PCA to {count(emb.components)} components, fitted on all "
        f"{count(data.train_shape_after[0])} training images, keeps {pct(emb.kept_variance)} of "
        f"the variance of the {count(emb.dimensions_before)} standardised pixels. "
        f"t-SNE then maps {mapped_images(data, emb.points)} to {emb.map_dimensions} dimensions"
        f"{_tsne_settings(emb.tsne_settings)}. "
        f"A {emb.neighbours}-nearest-neighbour classifier on the map predicts the right class for "
        f"{pct(emb.neighbour_agreement)} of them ({emb.folds}-fold cross-validation within "
        f"this one map, which t-SNE laid out from all its points, each fold's held-out ones "
        f"included; 95% interval {_agreement_interval(emb)}, treating the images as a sample "
        f"with this map held fixed, so not counting t-SNE's own randomness), {together}.",
    ]


def _agreement_interval(emb: EmbeddingSummary) -> str:
    """The Wilson interval of the k-NN score, as a share of the map's points: each is predicted
    once, in the fold that leaves it out (the score is the folds' mean, so the count is rounded).
    It covers the sampling of the images, not t-SNE's own randomness, and the map placed the
    held-out points too, which the sentence says (the statistics review)."""
    right = round(emb.neighbour_agreement * emb.points)
    low, high = wilson_interval(right, emb.points)
    return f"{percent(low, 1)}–{percent(high, 1)}"


def mapped_images(data: DataSummary, points: int) -> str:
    """The images the t-SNE map holds: the first training images, and past all of them the first
    test images, projected with the training images' fit."""
    train = data.train_shape_after[0]
    if not maps_test_images(train, points):
        return f"the first {count(points)} training images"
    return (
        f"all {count(train)} training images and the first {count(points - train)} test images "
        "(projected with the training images' standardisation and PCA)"
    )


def _tsne_settings(settings: Mapping[str, Any]) -> str:
    """How the map was made, for a reader who compares it with scikit-learn's (the assignment's)."""
    if not settings:  # a record made without them
        return ""
    return (
        f" (openTSNE, perplexity {settings['perplexity']:g}, learning rate "
        f"{settings['learning_rate']:g}, the same setting as scikit-learn's "
        f"{settings['learning_rate'] / 4:g}: openTSNE's gradient leaves out a factor of 4; "
        f"{settings['early_exaggeration_iter']} iterations of early exaggeration then "
        f"{settings['n_iter']}, seed {settings['random_state']}). openTSNE stands in for the "
        "assignment's scikit-learn TSNE, for speed, with fewer iterations than scikit-learn's "
        "defaults, so the map differs in its details from the one the assignment's code draws "
        "(docs/tsne.md in fashionlab's repository compares the two)"
    )


def _only(images: int) -> str:
    return f"only {plural(images, 'image')}" if images else "no images"


def _forecast(results: Results, run: LogregResult) -> list[str]:
    k = results.embedding.neighbours
    pictured = (
        f"In the t-SNE map, {pair_name(run.classes)} {separation(run)}: "
        f"{mixed(run, ('has', 'have'))} mostly neighbours of the other class (more than half of "
        f"a point's {k} nearest points of the two classes on the map; 0% would be two clean "
        f"islands, and about {percent(chance_mixing(k), 0)} two equal classes placed at random). "
        f"{forecast_reason(run)}."
        if run.mixing is not None
        else f"The t-SNE map holds {_only(run.mixing_points)} of {pair_name(run.classes)}: too "
        f"few for each to have its {k} nearest neighbours among them, so it cannot show how mixed "
        "the two classes are (a map of more images, --points, can)."
    )
    paragraphs = [answers_short.forecast(run), pictured]
    if run.val_accuracy is not None:
        paragraphs.append(
            f"Measured in Q4: at the last of its {plural(run.steps, 'step')} (step {run.steps}, "
            f"before that step's update), the assignment's loop logs that logistic regression "
            f"classifies {pct(run.val_accuracy, run.n_val)} of the {count(run.n_val)} validation "
            "images correctly."
        )
    return paragraphs


def q2(results: Results) -> list[str]:
    return _forecast(results, results.logreg[0])


def q3(results: Results) -> list[str]:
    return _forecast(results, results.hard_pair)
