"""The study's figures of images and maps (its curves are in ``curves``, its grids of numbers in
``heatmaps``). Each function returns a matplotlib ``Figure``; callers decide where it goes.
Object-oriented API only (no pyplot state): headless, nothing leaks between calls. A class has the
same colour in every figure; figures fit the page's column (``PAGE_WIDTH_IN``) so text stays >= 10 px.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..config import PCA_COMPONENTS
from ..data.datasets import CLASS_NAMES
from .figures import matplotlib_defaults
from .figures import save as save  # re-exported: plots.save(figure, path) writes .png or .svg
from .format import pair_name, probability

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
TRAIN_COLOUR, VAL_COLOUR, MARK_COLOUR = "#1f77b4", "#d62728", "#333333"
SINGLE_RUN_COLOUR = "#e69f00"  # one run set among many (the seeds' figure), apart from both
PAGE_WIDTH_IN = 9.6  # the page's text column (about 920 CSS px); a wider figure is shrunk to it
PIXEL_AXES = {"xlabel": "column (pixel)", "ylabel": "row (pixel)"}


def colour_of(class_name: str) -> str:
    return CLASS_COLOURS[CLASS_NAMES.index(class_name)]


def axes_figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height))
    return figure, figure.add_subplot()


def _tiles(figure: Figure, images: Sequence | np.ndarray, columns: int, **style) -> list[Axes]:
    """One subplot without ticks per 28x28 image, ``columns`` to a row."""
    rows = max(1, -(-len(images) // columns))
    tiles = [figure.add_subplot(rows, columns, index + 1) for index in range(len(images))]
    for axes, image in zip(tiles, images, strict=True):
        axes.imshow(np.reshape(image, (28, 28)), **{"cmap": "binary", **style})
        axes.set(xticks=[], yticks=[])
    return tiles


@matplotlib_defaults
def show_image(image: np.ndarray, label: int, note: str = "") -> Figure:
    """One image in grayscale with a colour bar; the class name is the title (the assignment's cell)."""
    figure, axes = axes_figure(4.6, 4)
    figure.colorbar(axes.imshow(image, cmap="binary"), ax=axes, label="pixel value")
    axes.set(title=CLASS_NAMES[int(label)] + (f" ({note})" if note else ""), **PIXEL_AXES)
    return figure


@matplotlib_defaults
def image_grid(images: np.ndarray, labels: np.ndarray, rows: int = 5, columns: int = 5) -> Figure:
    """The first ``rows * columns`` images, each labelled with its class."""
    figure = Figure(figsize=(1.75 * columns, 1.9 * rows))
    figure.suptitle(f"The first {rows * columns} training images", fontsize=13)
    shown = rows * columns
    for axes, label in zip(_tiles(figure, images[:shown], columns), labels[:shown], strict=True):
        axes.set_xlabel(CLASS_NAMES[int(label)], fontsize=10)
    figure.tight_layout()
    return figure


@matplotlib_defaults
def tsne_map(
    embedding: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The 2-D t-SNE map coloured by class, equal aspect; with ``classes``, only those are drawn."""
    shown = list(classes) if classes else list(CLASS_NAMES)
    figure, axes = axes_figure(*((7.4, 6.0) if classes is None else (6.4, 5.0)))
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
    axes.set_aspect("equal", adjustable="datalim")  # a distance means the same along both axes
    axes.set(
        title=title or f"t-SNE map of {len(embedding):,} training images",
        xlabel="t-SNE dimension 1",
        ylabel="t-SNE dimension 2",
    )
    axes.legend(
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        markerscale=max(1.0, 24 / size),
        frameon=False,
        title="class (points)",
    )
    return figure


@matplotlib_defaults
def explained_variance(ratio: np.ndarray, mark: int = PCA_COMPONENTS) -> Figure:
    """Cumulative share of variance against the number of principal components, marking ``mark``."""
    figure, axes = axes_figure(6.4, 4.2)
    cumulative, components = np.cumsum(ratio), np.arange(1, len(ratio) + 1)
    axes.plot(components, cumulative, color=TRAIN_COLOUR, label="cumulative share")
    kept = cumulative[mark - 1]
    axes.axvline(mark, color=VAL_COLOUR, ls="--", lw=1)
    axes.scatter([mark], [kept], color=VAL_COLOUR, zorder=3, label=f"{mark} components: {kept:.1%}")
    axes.set(
        xscale="log",
        ylim=(0, 1.02),
        xlabel="number of principal components (log scale)",
        ylabel="share of variance kept",
        title="PCA of the standardised training images",
    )
    axes.set_xticks(
        [1, 10, mark, 100, len(ratio)], [str(k) for k in (1, 10, mark, 100, len(ratio))]
    )
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))  # as its legend: 80.1%
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="lower right")
    return figure


@matplotlib_defaults
def weights_map(theta: np.ndarray, classes: Sequence[str]) -> Figure:
    """theta_1..theta_784 as a 28x28 diverging map centred at 0: red pushes to the second class."""
    weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
    limit = float(np.abs(weights).max()) or 1.0
    figure, axes = axes_figure(5, 4.3)
    shown = axes.imshow(weights, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -limit, limit))
    figure.colorbar(shown, ax=axes, label=f"weight (+ favours {classes[1]})")
    axes.set(title=f"Weights: {pair_name(classes)}", **PIXEL_AXES)
    return figure


@matplotlib_defaults
def weights_grid(pairs: Sequence[tuple[Sequence[str], np.ndarray]], columns: int = 9) -> Figure:
    """Every pair's weights theta_1..theta_784, each scaled by its largest |weight| and centred at 0."""
    rows = max(1, -(-len(pairs) // columns))
    figure = Figure(figsize=(PAGE_WIDTH_IN, 1.3 * rows + 1.1))
    figure.suptitle("Logistic-regression weights for every pair (red favours the second class)")
    scaled = [w / (np.abs(w).max() or 1.0) for w in (np.ravel(t)[1:] for _, t in pairs)]
    tiles = _tiles(figure, scaled, columns, cmap="RdBu_r", vmin=-1, vmax=1)
    for axes, (classes, _) in zip(tiles, pairs, strict=True):
        axes.set_title(f"{classes[0]}\nvs {classes[1]}", fontsize=7.5)
    inch = 1 / figure.get_figheight()  # in figure heights: margins of 0.9 in for title and bar
    figure.subplots_adjust(left=0.01, right=0.99, top=1 - 0.9 * inch, bottom=0.9 * inch, hspace=0.5)
    if tiles:  # the colour bar in the bottom margin, not taking a share of the tiles' grid
        bar = figure.add_axes((0.3, 0.6 * inch, 0.4, 0.1 * inch))
        figure.colorbar(
            tiles[0].images[0],
            cax=bar,
            orientation="horizontal",
            ticks=(-1, -0.5, 0, 0.5, 1),
            label="weight / that pair's largest |weight| (each panel scaled on its own)",
        )
    return figure


@matplotlib_defaults
def misclassified_gallery(
    images: np.ndarray,
    true_labels: Sequence[str],
    predicted_labels: Sequence[str],
    confidences: Sequence[float] | None,
    title: str,
    columns: int = 4,
) -> Figure:
    """Misclassified images, each titled with its true class above the predicted one (with the
    model's probability of it when ``confidences`` is given): both above their own image."""
    columns = max(1, min(len(images), columns))
    rows = max(1, -(-len(images) // columns))
    figure = Figure(figsize=(min(PAGE_WIDTH_IN, 2.3 * columns), 2.85 * rows + 0.4))
    figure.suptitle(title if len(images) else f"{title}: none", fontsize=12)
    for index, axes in enumerate(_tiles(figure, images, columns)):
        sure = f" ({probability(confidences[index])})" if confidences is not None else ""
        axes.set_title(
            f"true: {true_labels[index]}\npredicted: {predicted_labels[index]}{sure}", fontsize=9
        )
    figure.tight_layout()
    return figure
