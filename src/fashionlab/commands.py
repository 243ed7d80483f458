"""The single commands (``logreg``, ``nn``, ``explore``, ``atlas``, ``softmax``, ``sweep``): each
checks the verified data, calls the library, and writes only where it was asked to.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis import atlas as atlas_module
from .analysis import sweep as sweep_module
from .analysis import tenclass
from .analysis.grid import Grid
from .analysis.pairs import PairRun, run_split
from .app import prepare, protected_folders
from .cluster import engine
from .config import ALL_PAIRS, CLASS_NAMES, PAIRS, NetworkSettings
from .data.datasets import locate
from .data.loaded import load_data
from .data.preprocessing import resolve_pair
from .data.sources import search_path
from .files import outdir
from .files.libraries import EVERY, KERAS, MATPLOTLIB
from .files.storage import slug
from .models import backend
from .models.logistic import StepCallback
from .progress import LogProgress, Progress, epoch_ticker
from .results import AtlasPair, NetworkResult, SweepRow, TenClasses


def check_plot_dir(
    folder: str | None, data_dir: str | None, uses: Collection[str] = EVERY
) -> Path | None:
    """A ``--plot`` folder is checked before any work, as ``--out`` is: a new or empty folder, or
    one holding only figures that ``--plot`` wrote, outside the data and the cache, and holding
    no folder of the libraries the command ``uses``."""
    if folder is None:
        return None
    return outdir.check(folder, protected_folders(data_dir), "figures", "--plot", uses)


def _check_data(data_dir: str | None, verify: bool, pairs: Sequence[Sequence[str]]) -> None:
    """The data a command's Dask workers will load, checked here, not in a worker: found,
    verified and parsed; a copy that was not verified also for the ``pairs`` (not kept: the
    workers load their own)."""
    if verify:
        locate(data_dir, verify=True)
    else:
        load_data(data_dir, verify=False).check_pairs(pairs)


def _save(folder: Path, figures: dict[str, Any], progress: Progress) -> None:
    """The figures (file stem -> figure) added to the ``--plot`` folder, all or none; not at all
    once a stop was asked for (an interrupt a library swallowed included)."""
    from .render import figures as files

    encoded = dict(files.as_file(stem, figure) for stem, figure in figures.items())
    progress.checkpoint()
    outdir.add_files(folder, encoded, "--plot")


def logreg(
    classes: Sequence[str],
    *,
    learning_rate: float,
    steps: int,
    data_dir: str | None = None,
    verify: bool = True,
    callback: StepCallback | None = None,
    plot_dir: str | None = None,
    progress: Progress | None = None,
) -> PairRun:
    """``fashionlab logreg``: the assignment's logistic regression on one pair, every score."""
    plot = check_plot_dir(plot_dir, data_dir, {MATPLOTLIB})
    progress = progress or LogProgress()
    data = load_data(data_dir, verify=verify)
    pair = resolve_pair(classes)
    run = run_split(
        data.pair(pair),
        learning_rate=learning_rate,
        steps=steps,
        callback=callback,
        official_test=data.official_test(pair),
    )
    if plot is not None:
        from .render import curves
        from .render.format import pair_name

        title = f"Logistic regression, {pair_name(pair)} (learning rate {learning_rate:g})"
        figure = curves.learning_curves(run.history, title=title)
        _save(plot, {f"logreg_{slug(pair)}": figure}, progress)
    progress.checkpoint()  # nothing printed once a stop was asked for
    return run


@dataclass(frozen=True)
class NetworkComparison:
    """``fashionlab nn``'s result: the assignment's network, 100-step logistic regression on the
    same split beside it, and the seconds the network's training took."""

    network: NetworkResult
    logreg: PairRun
    seconds: float


def network(
    classes: Sequence[str],
    *,
    settings: NetworkSettings,
    seed: int,
    data_dir: str | None = None,
    verify: bool = True,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    plot_dir: str | None = None,
    progress: Progress | None = None,
) -> NetworkComparison:
    """``fashionlab nn``: the assignment's network on one pair, and logistic regression beside it."""
    from .analysis.network_run import train_network

    plot = check_plot_dir(plot_dir, data_dir, {KERAS, MATPLOTLIB})
    backend.check_backend()
    data = load_data(data_dir, verify=verify)
    pair = resolve_pair(classes)
    progress = progress or LogProgress()

    ticks = epoch_ticker(progress, "epoch", settings.epochs)

    def epoch_done(epoch: int, logs: dict[str, float]) -> None:
        if on_epoch is not None:
            on_epoch(epoch, logs)
        ticks(epoch, logs)

    found, _, seconds = train_network(data, pair, settings, seed, on_epoch=epoch_done)
    baseline = run_split(data.pair(pair), official_test=data.official_test(pair))
    if plot is not None:
        from .render import curves
        from .render.format import pair_name

        drawn = {"loss": curves.plot_losses, "accuracy": curves.plot_accuracies}
        _save(
            plot,
            {
                f"nn_{metric}_{slug(pair)}": draw(found.history, found.best_epoch, pair_name(pair))
                for metric, draw in drawn.items()
            },
            progress,
        )
    progress.checkpoint()  # nothing printed once a stop was asked for
    return NetworkComparison(found, baseline, seconds)


def explore(
    out: str,
    *,
    points: int,
    data_dir: str | None = None,
    verify: bool = True,
    progress: Progress | None = None,
) -> tuple[Path, list[str]]:
    """``fashionlab explore``: the exploration figures and ``embedding.csv``, in a safe folder."""
    progress = progress or LogProgress()
    real = prepare(out, data_dir, "explore", trains=False)  # before matplotlib makes folders
    from .analysis import exploration
    from .render import study_figures

    data = load_data(data_dir, verify=verify)
    mapped = exploration.embed(data, points, progress)
    makers = study_figures.exploration(
        points, exploration.exploration_artifacts(data, mapped), PAIRS
    )
    files = study_figures.render_all(makers)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["z1", "z2", "label", "class"])
    for (z1, z2), label in zip(mapped.coordinates, mapped.labels, strict=True):
        writer.writerow([f"{z1:.6f}", f"{z2:.6f}", int(label), CLASS_NAMES[int(label)]])
    with outdir.report_folder(real, "explore") as stage:
        for name, blob in files.items():
            (stage / name).write_bytes(blob)
        (stage / "embedding.csv").write_text(table.getvalue())
        progress.checkpoint()
    return real, sorted([*files, "embedding.csv"])


def atlas(
    *,
    settings: NetworkSettings,
    seed: int,
    data_dir: str | None = None,
    verify: bool = True,
    plot_dir: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[AtlasPair]:
    """``fashionlab atlas``: every class pair, hardest first."""
    plot = check_plot_dir(plot_dir, data_dir, EVERY)
    backend.check_backend()
    _check_data(data_dir, verify, ALL_PAIRS)
    progress = progress or LogProgress()
    with engine.Session(workers, scheduler) as session:
        records, _ = atlas_module.atlas(
            pairs=ALL_PAIRS,
            network=settings,
            seed=seed,
            data_dir=data_dir,
            verify=verify,
            session=session,
            on_done=lambda done, total: progress.tick("pair", done, total),
            on_networks=lambda done, total: progress.tick("network", done, total),
        )
    if plot is not None:
        from .render import study_figures

        _save(plot, {"atlas_logreg": study_figures.atlas_logreg(records)}, progress)
    return records


def ten_classes(
    *,
    epochs: int,
    seed: int,
    data_dir: str | None = None,
    verify: bool = True,
    plot_dir: str | None = None,
    progress: Progress | None = None,
) -> TenClasses:
    """``fashionlab softmax``: softmax regression and the 10-class network."""
    plot = check_plot_dir(plot_dir, data_dir, {KERAS, MATPLOTLIB})
    backend.check_backend()
    data = load_data(data_dir, verify=verify)
    progress = progress or LogProgress()
    result = tenclass.ten_classes(data, seed, epochs, progress)
    if plot is not None:
        from .render import study_figures

        _save(plot, {"softmax_confusion": study_figures.softmax_confusion(result)}, progress)
    progress.checkpoint()  # nothing printed once a stop was asked for
    return result


def sweep(
    grid: Grid,
    *,
    out: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: Callable[..., None] | None = None,
) -> tuple[list[SweepRow], Path | None]:
    """``fashionlab sweep``: every run of ``grid`` on Dask, and ``out``, if given, written with
    the rows and their figures; the rows, and the folder written."""
    local = scheduler is None  # the local workers read what this process reads: check it here
    if local:
        search_path(grid.data_dir)  # a folder that is none, said at once
    if grid.model == "nn":  # as every command that trains a network: a typo costs no time
        backend.check_backend()
    folder = None if out is None else outdir.check(out, protected_folders(grid.data_dir), "sweep")
    if local:
        _check_data(grid.data_dir, grid.verify, grid.pairs)
    rows = sweep_module.run_sweep(grid, workers=workers, scheduler=scheduler, on_done=on_done)
    if folder is not None:
        from .render import sweep as render

        with outdir.report_folder(folder, "sweep") as stage:
            render.write_folder(rows, stage)
    return rows, folder
