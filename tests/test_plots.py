from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from fashionlab.data.datasets import CLASS_NAMES
from fashionlab.render import curves, figures, heatmaps, plots

rng = np.random.default_rng(0)
IMAGES = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
LABELS = np.arange(30) % 10
MAP = rng.normal(size=(500, 2))
MAP_LABELS = np.arange(500) % 10
HISTORY = {
    k: list(rng.uniform(size=20))
    for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
}
THETA = rng.normal(size=(785, 1))
EPOCHS = {k: list(rng.uniform(size=7)) for k in ("loss", "accuracy", "val_loss", "val_accuracy")}


GRID = [
    {
        "learning_rate": lr,
        "steps": steps,
        "val_accuracy": None if lr > 1 else 0.8,
        "diverged_at_step": 3 if lr > 1 else None,
    }
    for lr in (0.005, 0.05, 5.0)
    for steps in (10, 100, 1000)
]


def _titled(figure: Figure) -> bool:
    return any(a.get_title() for a in figure.axes) or bool(figure.get_suptitle())


CASES = {
    "show_image": (lambda: plots.show_image(IMAGES[0], 3, "raw"), 2),  # image + colour bar
    "image_grid": (lambda: plots.image_grid(IMAGES, LABELS), 25),
    "tsne_all": (lambda: plots.tsne_map(MAP, MAP_LABELS), 1),
    "tsne_pair": (lambda: plots.tsne_map(MAP, MAP_LABELS, ["Pullover", "Coat"]), 1),
    "learning_curves": (lambda: curves.learning_curves(HISTORY, "x"), 2),
    "logreg_runs": (lambda: curves.logreg_runs({"a": HISTORY, "b": HISTORY}), 4),
    "plot_losses": (lambda: curves.plot_losses(EPOCHS, best_epoch=4), 1),
    "plot_accuracies": (lambda: curves.plot_accuracies(EPOCHS), 1),
    "explained_variance": (lambda: plots.explained_variance(np.full(784, 1 / 784)), 1),
    "weights_map": (lambda: plots.weights_map(THETA, ["Pullover", "Coat"]), 2),
    "gallery": (
        lambda: plots.misclassified_gallery(
            IMAGES[:8].reshape(8, -1), ["Coat"] * 8, ["Pullover"] * 8, np.linspace(0.5, 1, 8), "t"
        ),
        8,
    ),
    "weights_grid": (
        lambda: plots.weights_grid([(["Coat", "Bag"], THETA[:, 0])] * 45),
        46,
    ),
    "pair_heatmap": (lambda: heatmaps.pair_heatmap(np.where(np.eye(10), np.nan, 0.9), "t"), 2),
    "confusion": (lambda: heatmaps.confusion_matrix(np.eye(10) * 100, "t"), 2),
    "lr_steps_grid": (lambda: heatmaps.lr_steps_grid(GRID, ["Pullover", "Coat"]), 2),
    "seed_spread": (
        lambda: curves.seed_spread({"test": ([0.88, 0.89], 0.9, (0.85, 0.92))}, "t"),
        1,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_figure_renders_with_its_axes(name: str, tmp_path: Path) -> None:
    make, n_axes = CASES[name]
    figure = make()
    assert isinstance(figure, Figure)
    assert len(figure.axes) == n_axes
    assert _titled(figure)
    path = plots.save(figure, tmp_path / name)  # the suffix is chosen for the figure
    data = path.read_bytes()
    if path.suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert figures.mime_type(path.name, data) == "image/png"  # chunk by chunk, CRCs right
    else:
        assert path.suffix == ".svg" and b"<svg" in data[:300]


def test_a_png_is_taken_only_whole() -> None:
    """A cached figure of the signature and garbage was served and the page's writer failed on
    it (a hostile review): a PNG is read chunk by chunk, each CRC checked, up to its end chunk."""
    whole = figures.encode(curves.seed_spread({"t": ([0.88, 0.89], 0.9, (0.8, 0.9))}, "t"), ".png")
    assert figures.mime_type("f.png", whole) == "image/png"
    flipped = bytearray(whole)
    flipped[len(whole) // 2] ^= 1
    for damaged in (
        whole[:8] + b"GARBAGE",
        whole[:-1],  # the end chunk cut short
        whole + b"\0",  # something after the end chunk
        bytes(flipped),
        whole[:8] + whole[33:],  # no image header first
    ):
        with pytest.raises(ValueError, match="a PNG signature, but not a whole PNG file"):
            figures.mime_type("f.png", damaged)


USER_STYLE = {
    "savefig.format": "bogus",
    "lines.linewidth": 10,
    "axes.facecolor": "black",
    "font.size": 30,
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_figure_is_drawn_in_matplotlibs_defaults_whatever_the_user_set(name: str) -> None:
    """The user's settings neither fail a figure nor change its bytes, and are theirs again after."""
    import matplotlib

    make = CASES[name][0]
    plain = make()
    expected = figures.encode(plain, figures.preferred_suffix(plain))
    with matplotlib.rc_context(USER_STYLE):
        styled = make()
        assert figures.encode(styled, figures.preferred_suffix(styled)) == expected
        assert {key: matplotlib.rcParams[key] for key in USER_STYLE} == USER_STYLE


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
    figure = curves.learning_curves(HISTORY)
    for axes in figure.axes:
        assert len(axes.lines) == 2
        assert [t.get_text() for t in axes.get_legend().get_texts()] == ["train", "validation"]
    assert figure.axes[-1].get_xlabel() == "gradient-descent step"


def test_two_runs_share_the_y_limits_of_each_metric() -> None:
    easy = {k: [0.99 if "acc" in k else 0.05] * 20 for k in HISTORY}
    figure = curves.logreg_runs({"easy": easy, "hard": HISTORY})
    accuracy, loss = figure.axes[:2], figure.axes[2:]
    assert accuracy[0].get_ylim() == accuracy[1].get_ylim()
    assert loss[0].get_ylim() == loss[1].get_ylim()
    assert accuracy[0].get_ylim()[1] >= 0.99 and [a.get_title() for a in accuracy] == [
        "easy",
        "hard",
    ]


def test_network_curves_mark_the_restored_epoch() -> None:
    axes = curves.plot_losses(EPOCHS, best_epoch=5).axes[0]
    marks = [line for line in axes.lines if list(line.get_xdata()) == [5, 5]]
    assert len(marks) == 1
    assert any("epoch 5" in text.get_text() for text in axes.texts)
    with pytest.raises(ValueError, match="best_epoch must be in 1..7, got 8"):
        curves.plot_accuracies(EPOCHS, best_epoch=8)
    assert axes.get_title() == "Model Loss"  # the assignment's title, with no pair named
    assert axes.get_ylabel() == "BCE loss"  # as the logistic regression's curves say
    named = curves.plot_accuracies(EPOCHS, best_epoch=5, pair="Pullover vs Coat").axes[0]
    assert named.get_title() == "Model Accuracy, Pullover vs Coat"


def test_a_chart_keeps_its_words_as_text_in_its_svg() -> None:
    """For the page's 2 MB: a chart's words are SVG text, not each glyph's outline (matplotlib's
    default), which made the network's loss chart 39.9 kB where it is now 22.8 kB; a reader
    without matplotlib's DejaVu Sans gets a common sans-serif."""
    import re

    from fashionlab.render import figures

    figure = curves.plot_losses(EPOCHS, best_epoch=5, pair="Pullover vs Coat")
    svg = figures.encode(figure, ".svg").decode()
    words = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert {"Model Loss, Pullover vs Coat", "Epoch", "BCE loss", "restored: epoch 5"} <= set(words)
    assert "DejaVuSans-" not in svg  # no glyph outlines
    families = set(re.findall(r"font-family: ([^;\"]*)", svg))
    assert families == {"'DejaVu Sans', 'Arial', 'Helvetica', sans-serif"}, families


@pytest.mark.parametrize("best_epoch", [2, 6])
def test_the_restored_epochs_label_stands_clear_of_its_line(best_epoch: int) -> None:
    """An instructor's review: "restored: epoch 36" ran into the dotted line in the SVG, whose
    text drops the spaces that kept it clear in a PNG. It now stands 4 points off, on the side
    with room."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = curves.plot_accuracies(EPOCHS, best_epoch=best_epoch)
    renderer = FigureCanvasAgg(figure).get_renderer()
    axes = figure.axes[0]
    (label,) = [t for t in axes.texts if t.get_text() == f"restored: epoch {best_epoch}"]
    box = label.get_window_extent(renderer)
    line = axes.transData.transform((best_epoch, 0))[0]
    gap = box.x0 - line if best_epoch == 2 else line - box.x1
    assert gap >= 4 * figure.dpi / 72 - 0.5, (box, line)


def test_confusion_rows_are_shares_and_errors_own_the_colour_scale() -> None:
    counts = np.full((10, 10), 2) + np.diag(np.full(10, 980))  # rows of 1000, 98.2 % diagonal
    np.testing.assert_allclose(heatmaps.row_normalise(counts).sum(axis=1), 1.0)
    assert np.isnan(heatmaps.row_normalise(np.zeros((2, 2)))).all()
    axes = heatmaps.confusion_matrix(counts, "t").axes[0]
    errors = axes.images[0]
    assert errors.norm.vmax == pytest.approx(2 / 1000)  # the largest error, not the diagonal
    texts = [t.get_text() for t in axes.texts]
    assert texts.count("98%") == 10 and texts.count("0.2%") == 90


def test_gallery_names_the_predicted_and_the_true_class_readably() -> None:
    figure = plots.misclassified_gallery(IMAGES[:8], ["Coat"] * 8, ["Shirt"] * 8, [0.9] * 8, "t")
    width_px = min(figure.get_figwidth(), plots.PAGE_WIDTH_IN) * 96
    shrink = width_px / (figure.get_figwidth() * 96)
    for axes in figure.axes:  # both above their own image: a caption below read as the next row's
        assert axes.get_title() == "true: Coat\npredicted: Shirt (90.0%)" and not axes.get_xlabel()
        assert axes.title.get_fontsize() * 96 / 72 * shrink >= 10  # CSS px at the page's width
    figure.draw_without_rendering()
    top, bottom = figure.axes[0], figure.axes[4]  # the same column, one row apart
    assert bottom.title.get_window_extent().y1 < top.get_window_extent().y0  # not on the image


@pytest.mark.parametrize(
    "value, shown",
    [(0.9, "90.0%"), (0.9991, "99.9%"), (0.99996, "> 99.9%"), (1.0, "100.0%"), (0.5004, "50.0%")],
)
def test_a_probability_short_of_one_never_reads_as_100_percent(value: float, shown: str) -> None:
    from fashionlab.render.format import probability

    assert probability(value) == shown


def test_lr_steps_grid_marks_divergence_and_the_assignment_setting() -> None:
    axes = heatmaps.lr_steps_grid(GRID, ["Pullover", "Coat"]).axes[0]
    texts = [t.get_text() for t in axes.texts]
    assert texts.count("diverged\nat step 3") == 3 and texts.count("80.00%") == 6
    outlined = [p for p in axes.patches if not p.get_fill()]
    assert [p.get_xy() for p in outlined] == [(0.5, 0.5)]  # steps 100 (column 1), rate 0.05 (row 1)
    with pytest.raises(ValueError, match="at least one row"):
        heatmaps.lr_steps_grid([], ["Pullover", "Coat"])


def test_lr_steps_grid_counts_the_images_each_cell_gets_wrong() -> None:
    """The page review: a colour scale from the grid's lowest cell made Trouser vs Ankle boot's
    99.25% (18 images of 2,400 wrong) look like a failure. Each cell now says its count."""
    rows = [dict(row, val_accuracy=2382 / 2400) if row["val_accuracy"] else row for row in GRID]
    rows[0] = dict(rows[0], val_accuracy=1.0)
    texts = [
        t.get_text() for t in heatmaps.lr_steps_grid(rows, ["A", "B"], n_val=2400).axes[0].texts
    ]
    assert texts.count("99.25%\n18 wrong") == 5 and texts.count("100.00%\n0 wrong") == 1
    assert texts.count("diverged\nat step 3") == 3  # a diverged cell has no count
    with pytest.raises(ValueError, match="whole number of rows"):  # 0.8 is no k / 2,399
        heatmaps.lr_steps_grid(GRID, ["A", "B"], n_val=2399)


def test_tsne_maps_have_equal_aspect() -> None:
    assert plots.tsne_map(MAP, MAP_LABELS).axes[0].get_aspect() == 1.0


def test_weights_map_is_centred_at_zero() -> None:
    figure = plots.weights_map(np.linspace(-1, 3, 785).reshape(-1, 1), ["Pullover", "Coat"])
    norm = figure.axes[0].images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax


def test_the_atlas_figures_read_like_the_atlas_table() -> None:
    """The page review: the 10 x 10 map wrote 0.9996 beside 0.999 where the table says 99.96%
    and 99.88%, and the weight grid's colour-bar labels ran together (-1.00-0.75-0.50...)."""
    scores = np.where(np.eye(10), np.nan, 2397 / 2400)
    scores[0, 1] = scores[1, 0] = 2399 / 2400
    axes = heatmaps.pair_heatmap(scores, "t").axes[0]
    cells = {text.get_text() for text in axes.texts}
    assert cells == {"", "99.88", "99.96"}
    figure = plots.weights_grid([(["Coat", "Bag"], np.linspace(-1, 1, 785))] * 45)
    figure.draw_without_rendering()
    bar = figure.axes[-1]
    labels = [label for label in bar.get_xticklabels() if label.get_text()]
    assert len(labels) == 5
    for left, right in zip(labels, labels[1:], strict=False):
        assert left.get_window_extent().x1 + 10 < right.get_window_extent().x0


def test_the_pca_figure_reads_in_components_and_percent_as_its_legend() -> None:
    """A figure review: its axis read 0.2 and 10^1 beside a legend of 80.1%."""
    ratio = np.full(784, 1 / 784)
    axes = plots.explained_variance(ratio).axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == ["1", "10", "50", "100", "784"]
    assert axes.yaxis.get_major_formatter()(0.8, 0) == "80%"


def test_the_seed_figure_shows_each_seed_the_single_run_the_mean_and_the_interval() -> None:
    """The statistician's review: the spread over seeds was in the text only."""
    rows = {
        "official test": ([0.883, 0.885, 0.892], 0.898, (0.87, 0.905)),
        "validation": ([0.90, 0.91, 0.905], 0.9096, (0.89, 0.92)),
    }
    axes = curves.seed_spread(rows, "The network over seeds").axes[0]
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert labels == [
        "95% prediction interval for one more seed",
        "mean of the seeds",
        "3 seeds (fashionlab's JAX trainer)",
        "the single Keras run",
    ]
    assert [t.get_text() for t in axes.get_yticklabels()] == list(rows)
    dots, stars = axes.collections[1::3], axes.collections[2::3]  # band, dots, star per row
    for y, (seeds, single, (low, high)) in enumerate(rows.values()):
        assert dots[y].get_offsets()[:, 0].tolist() == seeds
        assert stars[y].get_offsets().tolist() == [[single, y]]
        band = axes.collections[3 * y].get_paths()[0].vertices[:, 0]
        assert (band.min(), band.max()) == (low, high)
        assert axes.lines[y].get_xdata().tolist() == [np.mean(seeds)] * 2
