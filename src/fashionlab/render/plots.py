"""Every figure of the study. Each function returns a matplotlib ``Figure``; callers decide where it goes.

Figures are built with the object-oriented API (no pyplot state), so they render headless with Agg
and never leak between calls. A class has the same colour in every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..data.datasets import CLASS_NAMES
from ..storage import atomic_path

# tab10, one colour per class, used everywhere
CLASS_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#d62728"


def colour_of(class_name: str) -> str:
    return CLASS_COLOURS[CLASS_NAMES.index(class_name)]


def save(figure: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Write ``figure`` as PNG atomically (a reader never sees half a file)."""
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi, bbox_inches="tight")
    return path


def show_image(image: np.ndarray, label: int, note: str = "") -> Figure:
    """One image in grayscale with a colour bar; the class name is the title (the assignment's cell)."""
    figure = Figure(figsize=(4.6, 4))
    axes = figure.add_subplot()
    shown = axes.imshow(image, cmap="binary")
    figure.colorbar(shown, ax=axes, label="pixel value")
    axes.set_title(CLASS_NAMES[int(label)] + (f" ({note})" if note else ""))
    axes.set_xlabel("column (pixel)")
    axes.set_ylabel("row (pixel)")
    return figure


def image_grid(images: np.ndarray, labels: np.ndarray, rows: int = 5, columns: int = 5) -> Figure:
    """The first ``rows * columns`` images, each labelled with its class."""
    figure = Figure(figsize=(1.9 * columns, 2.05 * rows))
    figure.suptitle(f"The first {rows * columns} training images", fontsize=13)
    for index in range(rows * columns):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(images[index], cmap="binary")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_xlabel(CLASS_NAMES[int(labels[index])], fontsize=10)
    figure.tight_layout()
    return figure


def tsne_map(
    embedding: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The 2-D t-SNE map coloured by class; with ``classes``, only those classes are drawn."""
    shown = list(classes) if classes else list(CLASS_NAMES)
    figure = Figure(figsize=(7.5, 6.2) if classes is None else (6.4, 5.4))
    axes = figure.add_subplot()
    size = max(1.5, min(12.0, 30_000 / len(embedding)))
    for name in shown:
        rows = labels == CLASS_NAMES.index(name)
        axes.scatter(
            embedding[rows, 0],
            embedding[rows, 1],
            s=size,
            c=colour_of(name),
            label=f"{name} ({int(rows.sum()):,})",
            alpha=0.75,
            linewidths=0,
            rasterized=True,
        )
    axes.set_title(title or f"t-SNE map of {len(embedding):,} training images")
    axes.set_xlabel("t-SNE dimension 1")
    axes.set_ylabel("t-SNE dimension 2")
    legend = axes.legend(
        loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=max(1.0, 24 / size), frameon=False
    )
    legend.set_title("class (points)")
    return figure


def learning_curves(history: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """Train and validation accuracy (left) and loss (right) against gradient-descent steps."""
    figure = Figure(figsize=(11, 4.2))
    steps = np.arange(1, len(history["train_accuracy"]) + 1)
    for column, (metric, label) in enumerate((("accuracy", "Accuracy"), ("loss", "BCE loss"))):
        axes = figure.add_subplot(1, 2, column + 1)
        axes.plot(steps, history[f"train_{metric}"], color=TRAIN_COLOUR, label="train")
        axes.plot(steps, history[f"val_{metric}"], color=VAL_COLOUR, label="validation", ls="--")
        axes.set_xlabel("gradient-descent step")
        axes.set_ylabel(label)
        axes.set_title(f"{label}{' - ' + title if title else ''}")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    return figure


def _epoch_curve(history: Mapping[str, Sequence[float]], metric: str, label: str) -> Figure:
    figure = Figure(figsize=(6, 4.2))
    axes = figure.add_subplot()
    epochs = np.arange(1, len(history[metric]) + 1)
    axes.plot(epochs, history[metric], color=TRAIN_COLOUR, marker="o", ms=3, label="Train")
    axes.plot(epochs, history[f"val_{metric}"], color=VAL_COLOUR, marker="o", ms=3, label="Val")
    axes.set_title(f"Model {label}")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Epoch")
    axes.set_ylabel(label)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def plot_losses(history: Mapping[str, Sequence[float]]) -> Figure:
    """The network's train and validation loss per epoch (the assignment's ``plot_losses``)."""
    return _epoch_curve(history, "loss", "Loss")


def plot_accuracies(history: Mapping[str, Sequence[float]]) -> Figure:
    """The network's train and validation accuracy per epoch (``plot_accuracies``)."""
    return _epoch_curve(history, "accuracy", "Accuracy")


def explained_variance(ratio: np.ndarray, mark: int = 50) -> Figure:
    """Cumulative share of variance against the number of principal components, marking ``mark``."""
    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.add_subplot()
    cumulative = np.cumsum(ratio)
    components = np.arange(1, len(ratio) + 1)
    axes.plot(components, cumulative, color=TRAIN_COLOUR, label="cumulative share")
    kept = cumulative[mark - 1]
    axes.axvline(mark, color=VAL_COLOUR, ls="--", lw=1)
    axes.scatter([mark], [kept], color=VAL_COLOUR, zorder=3, label=f"{mark} components: {kept:.1%}")
    axes.set_xscale("log")
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("number of principal components (log scale)")
    axes.set_ylabel("share of variance kept")
    axes.set_title("PCA of the standardised training images")
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="lower right")
    return figure


def weights_map(theta: np.ndarray, classes: Sequence[str]) -> Figure:
    """theta_1..theta_784 as a 28x28 diverging map centred at 0: red pushes to the second class."""
    weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
    limit = float(np.abs(weights).max()) or 1.0
    figure = Figure(figsize=(5, 4.3))
    axes = figure.add_subplot()
    shown = axes.imshow(weights, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -limit, limit))
    figure.colorbar(shown, ax=axes, label=f"weight (+ favours {classes[1]})")
    axes.set_title(f"Weights: {classes[0]} vs {classes[1]}")
    axes.set_xlabel("column (pixel)")
    axes.set_ylabel("row (pixel)")
    return figure


def weights_grid(pairs: Sequence[tuple[Sequence[str], np.ndarray]], columns: int = 9) -> Figure:
    """Every pair's weights theta_1..theta_784, each scaled by its largest |weight| and centred at 0."""
    rows = max(1, -(-len(pairs) // columns))
    figure = Figure(figsize=(1.45 * columns + 0.8, 1.6 * rows + 0.6))
    figure.suptitle("Logistic-regression weights for every pair (red favours the second class)")
    shown = None
    for index, (classes, theta) in enumerate(pairs):
        weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
        axes = figure.add_subplot(rows, columns, index + 1)
        shown = axes.imshow(
            weights / (np.abs(weights).max() or 1.0), cmap="RdBu_r", vmin=-1, vmax=1
        )
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(f"{classes[0]}\nvs {classes[1]}", fontsize=6.5)
    if shown is not None:
        figure.colorbar(shown, ax=figure.axes, shrink=0.6, label="weight / largest |weight|")
    return figure


def misclassified_gallery(
    images: np.ndarray,
    true_labels: Sequence[str],
    probabilities: np.ndarray,
    classes: Sequence[str],
    title: str,
) -> Figure:
    """Images with their true class and the model's probability of the second class."""
    count = len(images)
    columns = min(count, 8) or 1
    rows = max(1, -(-count // columns))
    figure = Figure(figsize=(1.7 * columns, 2.1 * rows + 0.4))
    figure.suptitle(title, fontsize=11)
    for index in range(count):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(images[index].reshape(28, 28), cmap="binary")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_xlabel(
            f"true: {true_labels[index]}\nP({classes[1]})={probabilities[index]:.2f}", fontsize=8
        )
    figure.tight_layout()
    return figure


def pair_heatmap(matrix: np.ndarray, title: str, label: str = "validation accuracy") -> Figure:
    """A symmetric 10x10 map of a per-pair score; the diagonal is blank."""
    figure = Figure(figsize=(7.6, 6.4))
    axes = figure.add_subplot()
    masked = np.ma.masked_invalid(matrix)
    shown = axes.imshow(masked, cmap="viridis", vmin=np.nanmin(matrix), vmax=1.0)
    figure.colorbar(shown, ax=axes, label=label)
    axes.set_xticks(range(10), CLASS_NAMES, rotation=45, ha="right")
    axes.set_yticks(range(10), CLASS_NAMES)
    for i in range(10):
        for j in range(10):
            if np.isfinite(matrix[i, j]):
                dark = matrix[i, j] < (np.nanmin(matrix) + 1) / 2
                axes.text(
                    j,
                    i,
                    f"{matrix[i, j]:.3f}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if dark else "black",
                )
    axes.set_title(title)
    axes.set_xlabel("class (the matrix is symmetric)")
    axes.set_ylabel("class")
    return figure


def confusion_matrix(matrix: np.ndarray, title: str) -> Figure:
    """Counts of true (rows) against predicted (columns) classes."""
    figure = Figure(figsize=(7.6, 6.4))
    axes = figure.add_subplot()
    shown = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(shown, ax=axes, label="images")
    axes.set_xticks(range(10), CLASS_NAMES, rotation=45, ha="right")
    axes.set_yticks(range(10), CLASS_NAMES)
    threshold = matrix.max() / 2
    for i in range(10):
        for j in range(10):
            axes.text(
                j,
                i,
                str(int(matrix[i, j])),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if matrix[i, j] > threshold else "black",
            )
    axes.set_title(title)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    return figure
