"""Every figure of the report, drawn from the results and the study's arrays, as file bytes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from matplotlib.figure import Figure

from ..analysis.metrics import prediction_interval
from ..checks import required
from ..config import CLASS_NAMES
from ..files.storage import slug
from ..results import AtlasPair, Results, TenClasses
from ..results.artifacts import Artifacts
from . import curves, figures, heatmaps, plots
from .format import pair_name

FigureMaker = Callable[[], Figure]


def render_all(makers: dict[str, FigureMaker]) -> dict[str, bytes]:
    """Draw each figure and encode it (SVG for charts, 2x PNG for pictures): file name -> bytes."""
    return dict(figures.as_file(stem, make()) for stem, make in makers.items())


def exploration(
    results_points: int, artifacts: Artifacts, pairs: Sequence[tuple[str, str]]
) -> dict[str, FigureMaker]:
    """Q1's images and Q1.2-Q3's PCA and t-SNE figures."""
    labels = artifacts.labels[:results_points]
    makers: dict[str, FigureMaker] = {
        "q1_image_raw": lambda: plots.show_image(artifacts.images[0], artifacts.labels[0], "raw"),
        "q1_image_normalised": lambda: plots.show_image(
            artifacts.first_normalised, artifacts.labels[0], "normalised"
        ),
        "q1_grid": lambda: plots.image_grid(artifacts.images, artifacts.labels),
        "pca_variance": lambda: plots.explained_variance(artifacts.variance_ratio),
        "tsne_all": lambda: plots.tsne_map(artifacts.coordinates, labels),
    }
    for pair in pairs:
        makers[f"tsne_{slug(pair)}"] = partial(
            plots.tsne_map,
            artifacts.coordinates,
            labels,
            pair,
            title=f"t-SNE map: {pair_name(pair)}",
        )
    return makers


def study(results: Results, artifacts: Artifacts) -> dict[str, FigureMaker]:
    """Every figure of ``fashionlab run``, by name (without extension)."""
    pairs = [tuple(run.classes) for run in results.logreg]
    makers = exploration(results.embedding.points, artifacts, pairs)  # type: ignore[arg-type]
    for run in results.logreg:
        makers[f"logreg_{slug(run.classes)}"] = partial(
            curves.learning_curves, run.history, title=pair_name(run.classes)
        )
    makers["logreg_both"] = lambda: curves.logreg_runs(
        {pair_name(r.classes): r.history for r in results.logreg}
    )
    for run in results.logreg:
        rows = [vars(r) for r in results.rate_grid if tuple(r.classes) == tuple(run.classes)]
        if rows:
            makers[f"rate_grid_{slug(run.classes)}"] = partial(
                heatmaps.lr_steps_grid, rows, run.classes, n_val=run.n_val
            )
    net = results.network
    curve = (net.history, net.best_epoch, pair_name(net.classes))
    makers["nn_loss"] = partial(curves.plot_losses, *curve)
    makers["nn_accuracy"] = partial(curves.plot_accuracies, *curve)
    compared = results.comparison
    seeds = {  # each set of images: the seeds' accuracies, and the single Keras run's
        "official test": (compared.seed_official_test_accuracies, net.official_test_accuracy),
        "validation": (compared.seed_val_accuracies, net.val_accuracy),
    }
    bands = {name: (runs, one, prediction_interval(runs)) for name, (runs, one) in seeds.items()}
    title = f"The network over seeds: {pair_name(net.classes)}"
    makers["nn_seeds"] = partial(curves.seed_spread, bands, title)
    if results.extras is not None:
        makers.update(_extras(results, artifacts))
    return makers


def atlas_logreg(records: Sequence[AtlasPair]) -> Figure:
    """The atlas's 10 x 10 map: 100-step logistic regression's validation accuracy per pair."""
    matrix = np.full((10, 10), np.nan)
    for record in records:
        i, j = (CLASS_NAMES.index(c) for c in record.classes)
        matrix[i, j] = matrix[j, i] = record.logreg_val_accuracy
    return heatmaps.pair_heatmap(
        matrix, "Logistic regression (100 steps): validation accuracy per pair"
    )


def softmax_confusion(ten: TenClasses) -> Figure:
    """Softmax regression's confusion matrix on the official test images."""
    return heatmaps.confusion_matrix(
        np.array(ten.confusion), "Softmax regression: official test set"
    )


def _extras(results: Results, artifacts: Artifacts) -> dict[str, FigureMaker]:
    extras = required(results.extras, "the extras")
    makers: dict[str, FigureMaker] = {
        "atlas_logreg": partial(atlas_logreg, extras.atlas),
        "atlas_weights": lambda: plots.weights_grid(artifacts.atlas_thetas),
        "softmax_confusion": partial(softmax_confusion, extras.ten_classes),
    }
    for classes, theta in artifacts.thetas.items():
        makers[f"weights_{slug(classes)}"] = partial(plots.weights_map, theta, classes)
    hard = tuple(results.network.classes)
    for model, (images, truth, probabilities) in artifacts.galleries.items():
        makers[f"errors_{slug([model])}"] = partial(
            plots.misclassified_gallery,
            images.reshape(-1, 28, 28),
            [hard[int(v)] for v in truth],
            [hard[1 - int(v)] for v in truth],
            [float(max(q, 1 - q)) for q in probabilities],
            f"Most confident validation errors, {model}",
        )
    return makers
