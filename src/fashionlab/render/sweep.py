"""The sweep's outputs: its rows as CSV and JSON, and two figures per class pair.

- accuracy against learning rate, one line per step (or epoch) count: the mean over seeds, with
  the band from the lowest to the highest seed;
- the spread over seeds: each setting's validation accuracies, one dot per seed.

A diverged run has no accuracy: it is left out of the lines and counted in the legend.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from ..analysis.sweep import by_pair, setting_length
from ..files.storage import slug
from ..results import SweepRow
from .figures import matplotlib_defaults, save
from .format import pair_name

COLUMNS = (
    "classes",
    "model",
    "learning_rate",
    "steps",
    "epochs",
    "seed",
    "val_accuracy",
    "heldout_accuracy",
    "official_test_accuracy",
    "diverged_at_step",
    "seconds",
)
LABEL_GAP_INCHES = 0.05  # the least space between two rate labels


def rows_json(rows: Sequence[SweepRow]) -> str:
    """``{"rows": [...]}``, strict JSON: a missing accuracy is null, never NaN."""
    return json.dumps({"rows": [row.as_json() for row in rows]}, indent=2, allow_nan=False)


def rows_csv(rows: Sequence[SweepRow]) -> str:
    """One line per run; classes as ``First / Second``, a missing value as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        record = row.as_json()
        record["classes"] = " / ".join(row.classes)
        writer.writerow(["" if record[column] is None else record[column] for column in COLUMNS])
    return buffer.getvalue()


def _length_name(rows: Sequence[SweepRow]) -> str:
    return "steps" if rows[0].model == "logreg" else "epochs"


# matplotlib's transform of a log axis that reaches a rate of 1e308 overflows, harmlessly; only
# that transform is silenced, not numpy's arithmetic on the sweep's numbers
LOG_AXIS_OVERFLOW = partial(np.errstate, over="ignore")


@matplotlib_defaults
def accuracy_figure(rows: Sequence[SweepRow]) -> Figure:
    """Validation accuracy against learning rate (log scale) for one pair: a line per length."""
    figure = Figure(figsize=(6.4, 4.0))
    axes = figure.add_subplot()
    name = _length_name(rows)
    for length in sorted({setting_length(row) for row in rows}):
        mine = [row for row in rows if setting_length(row) == length]
        rates = sorted({row.learning_rate for row in mine})
        scores = [
            [r.val_accuracy for r in mine if r.learning_rate == rate and r.val_accuracy is not None]
            for rate in rates
        ]
        kept = [(rate, s) for rate, s in zip(rates, scores, strict=True) if s]
        diverged = sum(row.diverged_at_step is not None for row in mine)
        label = f"{length} {name}" + (f" ({diverged} diverged)" if diverged else "")
        if not kept:
            axes.plot([], [], label=label)
            continue
        x = [rate for rate, _ in kept]
        line = axes.plot(x, [np.mean(s) for _, s in kept], marker="o", label=label)[0]
        axes.fill_between(
            x,
            [min(s) for _, s in kept],
            [max(s) for _, s in kept],
            color=line.get_color(),
            alpha=0.2,
            linewidth=0,
        )
    with LOG_AXIS_OVERFLOW():
        axes.set_xscale("log")
        swept = sorted({row.learning_rate for row in rows})  # labelled where they are, only there
        _label_rates(figure, axes, swept)
    axes.set_xlabel("learning rate")
    axes.set_ylabel("validation accuracy (mean; band: seeds' range)")
    axes.set_title(f"{_model_name(rows)}, {pair_name(rows[0].classes)}")
    axes.legend(fontsize="small")
    return figure


def _label_rates(figure: Figure, axes: Axes, rates: list[float]) -> None:
    """A tick at each swept rate, and its label unless it would run into the last one shown:
    on a log axis, 0.04 and 0.05 sit a label's width apart."""
    labels = [f"{rate:g}" for rate in rates]
    axes.set_xticks(rates, labels, fontsize="small")
    axes.xaxis.set_minor_locator(NullLocator())
    figure.draw_without_rendering()  # lays the labels out, so that their extents are known
    gap = figure.dpi * LABEL_GAP_INCHES
    shown = None
    for index, text in enumerate(axes.get_xticklabels()):
        box = text.get_window_extent()
        if shown is not None and box.x0 < shown + gap:
            labels[index] = ""
        else:
            shown = box.x1
    axes.set_xticks(rates, labels, fontsize="small")


@matplotlib_defaults
def seed_spread_figure(rows: Sequence[SweepRow]) -> Figure:
    """Each setting's validation accuracy over seeds for one pair: one dot per seed."""
    settings = sorted({(row.learning_rate, setting_length(row)) for row in rows})
    figure = Figure(figsize=(max(4.0, 0.55 * len(settings) + 1.5), 4.0))
    axes = figure.add_subplot()
    for position, (rate, length) in enumerate(settings):
        scores = [
            row.val_accuracy
            for row in rows
            if row.val_accuracy is not None
            and (row.learning_rate, setting_length(row)) == (rate, length)
        ]
        axes.plot([position] * len(scores), scores, "o", color="C0", alpha=0.6)
        if len(scores) > 1:
            axes.plot([position - 0.25, position + 0.25], [np.mean(scores)] * 2, color="C1")
    axes.set_xticks(range(len(settings)))
    axes.set_xticklabels([f"{rate:g}\n{length}" for rate, length in settings], fontsize="small")
    axes.set_xlabel(f"learning rate / {_length_name(rows)}")
    axes.set_ylabel("validation accuracy (dots: seeds; bar: mean)")
    axes.set_title(f"{_model_name(rows)}, {pair_name(rows[0].classes)}: spread over seeds")
    return figure


def _model_name(rows: Sequence[SweepRow]) -> str:
    return "Logistic regression" if rows[0].model == "logreg" else "Network"


def write_folder(rows: Sequence[SweepRow], folder: Path) -> list[Path]:
    """Write ``sweep.csv``, ``sweep.json`` and each pair's two figures into ``folder``."""
    written = [folder / "sweep.csv", folder / "sweep.json"]
    written[0].write_text(rows_csv(rows))
    written[1].write_text(rows_json(rows) + "\n")
    for classes, mine in by_pair(rows).items():
        name = slug(classes)
        accuracy = accuracy_figure(mine)
        with LOG_AXIS_OVERFLOW():  # its log axis is transformed again as it is drawn
            written.append(save(accuracy, folder / f"accuracy_{name}.svg"))
        written.append(save(seed_spread_figure(mine), folder / f"seeds_{name}.svg"))
    return written
