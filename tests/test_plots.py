from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from fashionlab.data.datasets import CLASS_NAMES
from fashionlab.render import plots

rng = np.random.default_rng(0)
IMAGES = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
LABELS = np.arange(30) % 10
MAP = rng.normal(size=(500, 2))
MAP_LABELS = np.arange(500) % 10
HISTORY = {k: list(rng.uniform(size=20)) for k in
           ("train_loss", "train_accuracy", "val_loss", "val_accuracy")}  # fmt: skip
EPOCHS = {k: list(rng.uniform(size=7)) for k in ("loss", "accuracy", "val_loss", "val_accuracy")}


def _titled(figure: Figure) -> bool:
    return any(a.get_title() for a in figure.axes) or bool(figure._suptitle)


CASES = {
    "show_image": (lambda: plots.show_image(IMAGES[0], 3, "raw"), 2),  # image + colour bar
    "image_grid": (lambda: plots.image_grid(IMAGES, LABELS), 25),
    "tsne_all": (lambda: plots.tsne_map(MAP, MAP_LABELS), 1),
    "tsne_pair": (lambda: plots.tsne_map(MAP, MAP_LABELS, ["Pullover", "Coat"]), 1),
    "learning_curves": (lambda: plots.learning_curves(HISTORY, "x"), 2),
    "plot_losses": (lambda: plots.plot_losses(EPOCHS), 1),
    "plot_accuracies": (lambda: plots.plot_accuracies(EPOCHS), 1),
    "explained_variance": (lambda: plots.explained_variance(np.full(784, 1 / 784)), 1),
    "weights_map": (lambda: plots.weights_map(rng.normal(size=(785, 1)), ["Pullover", "Coat"]), 2),
    "gallery": (
        lambda: plots.misclassified_gallery(
            IMAGES[:8].reshape(8, -1), ["Coat"] * 8, np.linspace(0, 1, 8), ["Pullover", "Coat"], "t"
        ),
        8,
    ),
    "weights_grid": (
        lambda: plots.weights_grid([(["Coat", "Bag"], rng.normal(size=785))] * 45),
        46,
    ),
    "pair_heatmap": (lambda: plots.pair_heatmap(np.where(np.eye(10), np.nan, 0.9), "t"), 2),
    "confusion": (lambda: plots.confusion_matrix(np.eye(10) * 100, "t"), 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_figure_renders_with_its_axes(name: str, tmp_path: Path) -> None:
    make, n_axes = CASES[name]
    figure = make()
    assert isinstance(figure, Figure)
    assert len(figure.axes) == n_axes
    assert _titled(figure)
    path = plots.save(figure, tmp_path / f"{name}.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_draws_one_collection_per_class_with_a_legend() -> None:
    figure = plots.tsne_map(MAP, MAP_LABELS)
    axes = figure.axes[0]
    assert len(axes.collections) == 10
    assert [t.get_text().split(" (")[0] for t in axes.get_legend().get_texts()] == list(CLASS_NAMES)
    assert axes.get_xlabel() and axes.get_ylabel()


def test_pair_map_draws_only_the_pair_in_the_shared_colours() -> None:
    axes = plots.tsne_map(MAP, MAP_LABELS, ["Pullover", "Coat"]).axes[0]
    assert len(axes.collections) == 2
    colours = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in axes.collections]
    from matplotlib.colors import to_rgb

    assert colours == [tuple(np.round(to_rgb(plots.colour_of(c)), 3)) for c in ("Pullover", "Coat")]


def test_learning_curves_have_train_and_validation_lines() -> None:
    figure = plots.learning_curves(HISTORY)
    for axes in figure.axes:
        assert len(axes.lines) == 2
        assert [t.get_text() for t in axes.get_legend().get_texts()] == ["train", "validation"]
        assert axes.get_xlabel() == "gradient-descent step"


def test_weights_map_is_centred_at_zero() -> None:
    figure = plots.weights_map(np.linspace(-1, 3, 785).reshape(-1, 1), ["Pullover", "Coat"])
    norm = figure.axes[0].images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax
