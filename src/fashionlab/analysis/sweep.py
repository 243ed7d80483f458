"""The sweep: a grid of class pairs x learning rates x steps (or epochs) x seeds, run as Dask tasks.

Logistic regression is one task per row: the assignment's gradient descent on ``pair_split`` with
the row's seed as the shuffle seed (42 is the assignment's), scored on the validation, held-out and
official test rows. The network is one task per (pair, learning rate, epochs): all its seeds train
together as one compiled program (``batched.fit_many``) on the assignment's split (shuffle seed
42), each on the first 80 % with the last 20 % for validation; the seed sets the initial weights
and the batches. It trains on the held-out rows, so its ``heldout_accuracy`` is None.

Each worker process loads and verifies the data once, from its own sources (``worker_data``);
tasks carry only names and numbers. A run that diverges is a row with ``diverged_at_step`` (for
the network: the first epoch whose loss is not finite) and None accuracies, never an error.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..cluster import engine, shapes
from ..cluster.worker_data import data_identity, worker_official_test, worker_split
from ..config import SHUFFLE_SEED
from ..files import keys
from ..results import SweepRow, from_json
from .grid import Grid

# --------------------------------------------------------------------------- in the worker


def logreg_task(
    *,
    data_dir: str | None,
    verify: bool,
    classes: tuple[str, str],
    learning_rate: float,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """One row of logistic regression: ``run_split`` on the pair shuffled with ``seed``."""
    from .pairs import run_split

    split = worker_split(data_dir, verify, tuple(classes), seed)
    run = run_split(
        split,
        learning_rate=learning_rate,
        steps=steps,
        official_test=worker_official_test(data_dir, verify, tuple(classes)),
    )
    row = SweepRow(
        classes=(classes[0], classes[1]),
        model="logreg",
        learning_rate=learning_rate,
        steps=steps,
        epochs=None,
        seed=seed,
        val_accuracy=run.val_accuracy,
        heldout_accuracy=run.heldout_accuracy,
        official_test_accuracy=run.official_test_accuracy,
        diverged_at_step=run.diverged_at_step,
        seconds=run.seconds,
    )
    return row.as_json()


def network_task(
    *,
    data_dir: str | None,
    verify: bool,
    classes: tuple[str, str],
    learning_rate: float,
    epochs: int,
    seeds: Sequence[int],
    patience: int,
    batch_size: int,
) -> list[dict[str, Any]]:
    """The rows of one network per seed, trained together as one compiled program."""
    import time

    from ..models import batched, neural

    split = worker_split(data_dir, verify, tuple(classes), SHUFFLE_SEED)
    X_test, y_test = worker_official_test(data_dir, verify, tuple(classes))
    started = time.perf_counter()
    fits = batched.fit_many(
        split.X_fit,
        split.y_fit.ravel(),
        split.X_val,
        split.y_val.ravel(),
        seeds=list(seeds),
        epochs=epochs,
        patience=patience,
        batch_size=batch_size,
        learning_rate=learning_rate,
    )
    share = (time.perf_counter() - started) / len(seeds)
    rows = []
    for seed, fit in zip(seeds, fits, strict=True):
        diverged = _first_bad_epoch(fit.history)
        val = test = None
        if diverged is None:
            val = neural.accuracy(split.y_val, batched.predict_proba(fit.params, split.X_val))
            test = neural.accuracy(y_test, batched.predict_proba(fit.params, X_test))
        row = SweepRow(
            classes=(classes[0], classes[1]),
            model="nn",
            learning_rate=learning_rate,
            steps=None,
            epochs=epochs,
            seed=seed,
            val_accuracy=val,
            heldout_accuracy=None,  # the assignment's network trains on the held-out rows
            official_test_accuracy=test,
            diverged_at_step=diverged,  # an epoch, for the network
            seconds=share,
        )
        rows.append(row.as_json())
    return rows


def _first_bad_epoch(history: dict[str, list[float]]) -> int | None:
    """The first epoch (1-based) whose training or validation loss is not finite; else None."""
    pairs = zip(history["loss"], history["val_loss"], strict=True)
    return next(
        (epoch for epoch, losses in enumerate(pairs, 1) if not np.isfinite(losses).all()), None
    )


# --------------------------------------------------------------------------- in the client


def tasks(grid: Grid) -> list[engine.Task]:
    """The grid's tasks, in grid order: pair, learning rate, steps or epochs, then seed."""
    data = data_identity(grid.data_dir, grid.verify)
    # One key_of for what every task shares (versions, backend, data); each task adds its own
    # settings to that digest, so keys cost microseconds, not key_of's version look-ups.
    base = keys.key_of(f"sweep-{grid.model}", {"data": data})
    where = {"data_dir": grid.data_dir, "verify": grid.verify}
    found = []
    for pair, rate, length in itertools.product(grid.pairs, grid.learning_rates, grid.lengths):
        cell = {"classes": pair, "learning_rate": float(rate)}
        if grid.model == "logreg":  # one task a seed
            ran = {**cell, "model": "logreg", "steps": int(length), "epochs": None}
            for seed in grid.seeds:
                settings: dict[str, Any] = {"steps": int(length), "seed": int(seed)}
                rows = shapes.sweep_rows(ran, [int(seed)], listed=False)
                found.append(
                    _task(base, "sweep-logreg", logreg_task, rows, where, **cell, **settings)
                )
        else:  # one task for all the seeds: their networks train as one program
            settings = {
                "epochs": int(length),
                "seeds": [int(s) for s in grid.seeds],
                "patience": grid.patience,
                "batch_size": grid.batch_size,
            }
            ran = {**cell, "model": "nn", "steps": None, "epochs": int(length)}
            rows = shapes.sweep_rows(ran, settings["seeds"], listed=True)
            found.append(_task(base, "sweep-nn", network_task, rows, where, **cell, **settings))
    return found


def _task(
    base: str,
    namespace: str,
    function: Any,
    check: shapes.Check,
    where: dict[str, Any],
    **settings: Any,
) -> engine.Task:
    key = keys.sub_key(base, settings)
    return engine.Task(namespace, key, function, {**where, **settings}, check)


def rows_of(results: Sequence[Any]) -> list[SweepRow]:
    """Task results (one row, or a list of rows per network task) as records, in grid order."""
    rows = []
    for result in results:
        for record in result if isinstance(result, list) else [result]:
            rows.append(from_json(SweepRow, record, "row"))
    return rows


def run_sweep(
    grid: Grid,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: engine.OnDone | None = None,
    client: Any = None,
) -> list[SweepRow]:
    """Run the grid on a new local cluster, a scheduler, or a given ``client``; rows in grid order."""
    work = tasks(grid)
    if client is not None:
        results = engine.run_on(client, work, on_done)
    else:
        results = engine.run(work, workers=workers, scheduler=scheduler, on_done=on_done)
    rows = rows_of(results)
    if len(rows) != grid.size:  # one row per run
        raise RuntimeError(f"{len(rows)} rows for {grid.size} runs: a bug, please report it")
    return rows


def setting_length(row: SweepRow) -> int:
    """A row's steps (logistic regression) or epochs (the network)."""
    return row.steps if row.steps is not None else row.epochs  # type: ignore[return-value]


def by_pair(rows: Sequence[SweepRow]) -> dict[tuple[str, str], list[SweepRow]]:
    """The rows of each pair, in the order the pairs first appear."""
    groups: dict[tuple[str, str], list[SweepRow]] = {}
    for row in rows:
        groups.setdefault(row.classes, []).append(row)
    return groups


def best_settings(
    rows: Sequence[SweepRow],
) -> dict[tuple[str, str], tuple[float, int, float] | None]:
    """Each pair's best setting by mean validation accuracy over seeds: (learning rate, steps or
    epochs, mean), among the settings that finished on every seed (None: no such setting). Pairs
    are not compared with each other: an easy pair's best says nothing of a hard one's."""
    best: dict[tuple[str, str], tuple[float, int, float] | None] = {}
    for classes, mine in by_pair(rows).items():
        runs: dict[tuple[float, int], list[float | None]] = {}
        for row in mine:
            runs.setdefault((row.learning_rate, setting_length(row)), []).append(row.val_accuracy)
        means = {
            setting: float(np.mean([s for s in scores if s is not None]))
            for setting, scores in runs.items()
            if None not in scores
        }
        top = max(means, key=means.__getitem__, default=None)
        best[classes] = None if top is None else (*top, means[top])
    return best
