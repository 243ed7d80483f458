"""The study's curves: logistic regression's loss and accuracy by step, the network's by epoch,
and the network's accuracy over seeds. Each function returns a matplotlib ``Figure``, in the
colours and page width of ``plots``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .figures import matplotlib_defaults
from .plots import (
    MARK_COLOUR,
    PAGE_WIDTH_IN,
    SINGLE_RUN_COLOUR,
    TRAIN_COLOUR,
    VAL_COLOUR,
    axes_figure,
)


@matplotlib_defaults
def logreg_runs(histories: Mapping[str, Mapping[str, Sequence[float]]]) -> Figure:
    """Accuracy (top) and loss (bottom) against gradient-descent steps, one column per run
    (``histories``: title -> train/val accuracy and loss); each row shares its y-axis."""
    columns = max(1, len(histories))
    figure = Figure(figsize=(min(PAGE_WIDTH_IN, 1.2 + 4.2 * columns), 6.4))
    grid = figure.subplots(2, columns, sharex=True, sharey="row", squeeze=False)
    for column, (title, history) in enumerate(histories.items()):
        steps = np.arange(1, len(history["train_accuracy"]) + 1)
        for row, (metric, label) in enumerate((("accuracy", "Accuracy"), ("loss", "BCE loss"))):
            axes = grid[row, column]
            axes.plot(steps, history[f"train_{metric}"], color=TRAIN_COLOUR, label="train")
            axes.plot(
                steps, history[f"val_{metric}"], color=VAL_COLOUR, ls="--", label="validation"
            )
            axes.grid(alpha=0.3)
            if column == 0:
                axes.set_ylabel(label)
                axes.legend()
        grid[0, column].set_title(title or "Logistic regression")
        grid[1, column].set_xlabel("gradient-descent step")
    figure.tight_layout()
    return figure


@matplotlib_defaults
def learning_curves(history: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """One run's accuracy (top) and loss (bottom) against steps: ``logreg_runs`` of one run."""
    return logreg_runs({title: history})


def _epoch_curve(
    history: Mapping[str, Sequence[float]],
    metric: str,
    label: tuple[str, str],
    best_epoch: int | None,
    pair: str,
) -> Figure:
    """``label``: the title's word (the assignment's) and the y axis's."""
    figure, axes = axes_figure(6, 4.2)
    epochs = np.arange(1, len(history[metric]) + 1)
    axes.plot(epochs, history[metric], color=TRAIN_COLOUR, marker="o", ms=3, label="Train")
    axes.plot(epochs, history[f"val_{metric}"], color=VAL_COLOUR, marker="o", ms=3, label="Val")
    if best_epoch is not None:
        if not 1 <= best_epoch <= len(epochs):
            raise ValueError(f"best_epoch must be in 1..{len(epochs)}, got {best_epoch}")
        axes.axvline(best_epoch, color=MARK_COLOUR, ls=":", lw=1.5, label="restored weights")
        right = best_epoch > (1 + len(epochs)) / 2  # the label goes on the side with room
        axes.annotate(
            f"restored: epoch {best_epoch}",
            (best_epoch, 0.97),
            xycoords=axes.get_xaxis_transform(),
            xytext=(-4 if right else 4, 0),  # clear of the line (an SVG drops edge spaces)
            textcoords="offset points",
            va="top",
            ha="right" if right else "left",
            fontsize=9,
            color=MARK_COLOUR,
        )
    axes.set(
        title=f"Model {label[0]}{', ' + pair if pair else ''}", xlabel="Epoch", ylabel=label[1]
    )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


@matplotlib_defaults
def plot_losses(
    history: Mapping[str, Sequence[float]], best_epoch: int | None = None, pair: str = ""
) -> Figure:
    """Train and validation loss per epoch, marking the restored ``best_epoch`` (1-based)."""
    return _epoch_curve(history, "loss", ("Loss", "BCE loss"), best_epoch, pair)


@matplotlib_defaults
def plot_accuracies(
    history: Mapping[str, Sequence[float]], best_epoch: int | None = None, pair: str = ""
) -> Figure:
    """Train and validation accuracy per epoch, marking the restored ``best_epoch`` (1-based)."""
    return _epoch_curve(history, "accuracy", ("Accuracy", "Accuracy"), best_epoch, pair)


@matplotlib_defaults
def seed_spread(
    rows: Mapping[str, tuple[Sequence[float], float, tuple[float, float]]], title: str
) -> Figure:
    """Accuracy over seeds, one row per set of images (name -> the seeds' accuracies, the single
    run's, and the 95% prediction interval for one more seed): dots, a star, the seeds' mean as
    a tick and the interval as a band, each named in the legend."""
    figure, axes = axes_figure(PAGE_WIDTH_IN * 0.75, 1.0 + 0.6 * len(rows))
    for y, (seeds, single, (low, high)) in enumerate(rows.values()):
        first = y == 0  # one legend entry for each kind of mark
        axes.fill_betweenx(
            [y - 0.3, y + 0.3],
            low,
            high,
            color=MARK_COLOUR,
            alpha=0.12,
            lw=0,
            label="95% prediction interval for one more seed" if first else None,
        )
        axes.plot(
            [np.mean(seeds)] * 2,
            [y - 0.3, y + 0.3],
            color=MARK_COLOUR,
            lw=2,
            label="mean of the seeds" if first else None,
        )
        axes.scatter(
            seeds,
            [y] * len(seeds),
            color=MARK_COLOUR,
            zorder=3,
            label=f"{len(seeds)} seeds (fashionlab's JAX trainer)" if first else None,
        )
        axes.scatter(
            [single],
            [y],
            marker="*",
            s=160,
            color=SINGLE_RUN_COLOUR,
            zorder=4,
            label="the single Keras run" if first else None,
        )
    axes.set_yticks(range(len(rows)), list(rows))
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set(xlabel="accuracy", title=title)
    axes.grid(alpha=0.3, axis="x")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2, frameon=False)
    return figure
