"""Figures that colour a grid of numbers and write each number in its cell: the atlas's map of
the 45 pairs, a confusion matrix, the learning-rate grid. Shares are written as the report's tables
write them (``percent``), and colour bars read in percent too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from ..analysis.metrics import error_count
from ..config import LEARNING_RATE, STEPS
from ..data.datasets import CLASS_NAMES
from .figures import matplotlib_defaults
from .format import pair_name, percent
from .plots import PAGE_WIDTH_IN, axes_figure


def _class_axes(axes: Axes, title: str, xlabel: str, ylabel: str) -> None:
    axes.set_xticks(range(len(CLASS_NAMES)), CLASS_NAMES, rotation=45, ha="right")
    axes.set_yticks(range(len(CLASS_NAMES)), CLASS_NAMES)
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)


def _write_cells(axes: Axes, texts: np.ndarray, dark: np.ndarray, **style: object) -> None:
    """Write ``texts[i, j]`` centred on each cell, white on cells where ``dark`` is true."""
    for (i, j), text in np.ndenumerate(texts):
        colour = "white" if dark[i, j] else "black"
        axes.text(j, i, text, ha="center", va="center", color=colour, **style)  # type: ignore[arg-type]


@matplotlib_defaults
def pair_heatmap(matrix: np.ndarray, title: str, label: str = "validation accuracy") -> Figure:
    """A symmetric 10x10 map of a per-pair score in percent, as the tables; the diagonal blank."""
    figure, axes = axes_figure(7.6, 6.4)
    low = float(np.nanmin(matrix))
    shown = axes.imshow(np.ma.masked_invalid(matrix), cmap="viridis", vmin=low, vmax=1.0)
    figure.colorbar(shown, ax=axes, label=label, format=PercentFormatter(1.0))
    texts = np.array(
        [[percent(x, 2)[:-1] if np.isfinite(x) else "" for x in row] for row in matrix]
    )
    _write_cells(axes, texts, matrix < (low + 1) / 2, fontsize=8)
    _class_axes(axes, title, "class (the matrix is symmetric)", "class")
    return figure


def row_normalise(counts: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix divided by its total (a row of zeros stays NaN)."""
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.full_like(counts, np.nan), where=totals > 0)


def _percent(share: float) -> str:
    """'12%', or '3.4%' under 10 % so that small errors are not rounded away (and 995/1000 is not
    '100%': ``percent``'s rule); '' for NaN."""
    return percent(share, 0 if share == 0 or share >= 0.095 else 1) if np.isfinite(share) else ""


@matplotlib_defaults
def confusion_matrix(counts: np.ndarray, title: str) -> Figure:
    """True (rows) against predicted classes (columns), rows as shares of their class. Colours span
    the errors only, so a 95 % diagonal (recall, on plain green) cannot wash them out."""
    shares = row_normalise(counts)
    if shares.shape != (len(CLASS_NAMES),) * 2:
        raise ValueError(f"a confusion matrix is 10x10 counts, got shape {shares.shape}")
    diagonal = np.eye(len(shares), dtype=bool)
    errors = np.ma.masked_where(diagonal | ~np.isfinite(shares), shares)
    top = float(errors.max()) if errors.count() and errors.max() > 0 else 1.0
    figure, axes = axes_figure(8.2, 6.6)
    shown = axes.imshow(errors, cmap="Reds", vmin=0, vmax=top)
    axes.imshow(np.where(diagonal, 0.0, np.nan), cmap=ListedColormap(["#d7ecd9"]))  # plain green
    figure.colorbar(
        shown, ax=axes, format=PercentFormatter(1.0), label="share of the true class (errors)"
    )
    texts = np.vectorize(_percent, otypes=[str])(shares)
    _write_cells(axes, texts, ~diagonal & (np.nan_to_num(shares) > top * 0.6), fontsize=7.5)
    _class_axes(
        axes,
        f"{title}\n(each row sums to 100%; diagonal in green = recall)",
        "predicted class",
        "true class",
    )
    return figure


@matplotlib_defaults
def lr_steps_grid(
    rows: Sequence[Mapping],
    classes: Sequence[str],
    setting: tuple[float, int] = (LEARNING_RATE, STEPS),
    n_val: int | None = None,
) -> Figure:
    """Validation accuracy over learning rate x steps. ``rows`` hold ``learning_rate``, ``steps``,
    ``val_accuracy`` (None when the run diverged) and ``diverged_at_step``; diverged cells are
    hatched and say when, and the assignment's ``setting`` is outlined. With ``n_val``, each cell
    also counts the validation images it gets wrong: a colour scale from the grid's lowest cell
    can make a gap of a few images look large."""
    if not rows:
        raise ValueError("lr_steps_grid needs at least one row, got none")
    rates = sorted({float(r["learning_rate"]) for r in rows})
    steps = sorted({int(r["steps"]) for r in rows})
    grid = np.full((len(rates), len(steps)), np.nan)
    texts = np.full(grid.shape, "", dtype=object)
    figure = Figure(figsize=(min(PAGE_WIDTH_IN, 2.6 + 0.95 * len(steps)), 1.6 + 0.5 * len(rates)))
    axes = figure.add_subplot()
    for row in rows:
        i, j = rates.index(float(row["learning_rate"])), steps.index(int(row["steps"]))
        if row["val_accuracy"] is not None and np.isfinite(row["val_accuracy"]):
            grid[i, j], texts[i, j] = row["val_accuracy"], percent(row["val_accuracy"], 2)
            if n_val is not None:
                texts[i, j] += f"\n{error_count(row['val_accuracy'], n_val):,} wrong"
            continue
        at = row.get("diverged_at_step")
        texts[i, j] = "diverged" + (f"\nat step {at}" if at is not None else "")
        axes.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fc="#eeeeee", ec="#aaaaaa", hatch="///"))
    low = float(np.nanmin(grid)) if np.isfinite(grid).any() else 0.0
    shown = axes.imshow(np.ma.masked_invalid(grid), cmap="viridis", vmin=low, vmax=1, aspect="auto")
    label = "validation accuracy (scale: this grid's lowest to 100%)"
    figure.colorbar(shown, ax=axes, label=label, format=PercentFormatter(1.0))
    if setting[0] in rates and setting[1] in steps:
        at_cell = (steps.index(setting[1]) - 0.5, rates.index(setting[0]) - 0.5)
        axes.add_patch(Rectangle(at_cell, 1, 1, fill=False, ec="#ff2a7f", lw=3, zorder=3))
    _write_cells(axes, texts, grid < (low + 1) / 2, fontsize=9.5)
    axes.set_xticks(range(len(steps)), [str(s) for s in steps])
    axes.set_yticks(range(len(rates)), [f"{r:g}" for r in rates])
    title = f"Validation accuracy, {pair_name(classes)}\n(outlined: the assignment's {setting[0]:g} and {setting[1]} steps)"
    axes.set(xlabel="gradient-descent steps", ylabel="learning rate", title=title)
    return figure
