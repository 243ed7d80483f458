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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import cache
from ..checks import check_rate
from ..config import (
    LEARNING_RATE,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    MAX_STEPS,
    NN_BATCH_SIZE,
    NN_EPOCHS,
    NN_LEARNING_RATE,
    NN_PATIENCE,
    SEED,
    SHUFFLE_SEED,
    STEPS,
)
from ..data import preprocessing
from ..errors import UsageError
from ..results import SweepRow, from_json
from . import engine, shapes
from .worker_data import data_identity, worker_official_test, worker_split

MODELS = ("logreg", "nn")
MAX_ROWS = 100_000  # 12 to 28 hours of 100-step runs on 2 cores; beyond, gigabytes of tasks


@dataclass(frozen=True)
class Grid:
    """What to sweep; validated on creation, each error naming its flag and echoing the value."""

    pairs: tuple[tuple[str, str], ...]
    model: str = "logreg"
    learning_rates: tuple[float, ...] = ()  # () for the model's own: 0.05, or Adam's 0.001
    steps: tuple[int, ...] = (STEPS,)  # logistic regression only
    epochs: tuple[int, ...] = (NN_EPOCHS,)  # the network only
    seeds: tuple[int, ...] = ()  # () for the model's own: the assignment's shuffle, 42, or 0
    patience: int = NN_PATIENCE
    batch_size: int = NN_BATCH_SIZE
    data_dir: str | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:  # a numpy array or a list is fine; one value is not
            object.__setattr__(self, name, _as_tuple(name, getattr(self, name)))
        if any(isinstance(pair, str) for pair in self.pairs):
            raise GridError("pairs", "must be pairs of class names such as "
                                     f"(('Pullover', 'Coat'),), got {self.pairs!r}")  # fmt: skip
        if self.model not in MODELS:
            raise GridError("model", f"must be one of {', '.join(MODELS)}, got {self.model!r}")
        try:
            pairs = tuple(preprocessing.resolve_pair(pair) for pair in self.pairs)
        except UsageError as exc:
            raise GridError("pairs", str(exc)) from None
        _distinct("pairs", pairs)
        swapped = next((p for i, p in enumerate(pairs) if p[::-1] in pairs[:i]), None)
        if swapped is not None:
            raise GridError("pairs", f"each pair once, got {swapped[1]} vs {swapped[0]} and "
                                     f"{swapped[0]} vs {swapped[1]} (the same pair); give one of them")  # fmt: skip
        object.__setattr__(self, "pairs", pairs)  # the official spellings
        logreg = self.model == "logreg"
        if not self.learning_rates:
            object.__setattr__(
                self, "learning_rates", (LEARNING_RATE if logreg else NN_LEARNING_RATE,)
            )
        if not self.seeds:
            object.__setattr__(self, "seeds", (SHUFFLE_SEED if logreg else SEED,))
        if self.size > MAX_ROWS:
            raise GridError("size", f"{self.size:,} runs, more than the {MAX_ROWS:,} one sweep "
                                    "may ask for; split it into smaller sweeps")  # fmt: skip
        _distinct("learning_rates", self.learning_rates)
        for rate in self.learning_rates:
            try:
                check_rate("each", rate)
            except ValueError as exc:
                raise GridError("learning_rates", str(exc)) from None
        _integers("steps", self.steps, 1, MAX_STEPS)
        _integers("epochs", self.epochs, 1, MAX_EPOCHS)
        _integers("seeds", self.seeds, 0, MAX_SEED)
        _integers("patience", (self.patience,), 1, MAX_EPOCHS)
        _integers("batch_size", (self.batch_size,), 1, MAX_BATCH_SIZE)

    @property
    def lengths(self) -> tuple[int, ...]:
        return self.steps if self.model == "logreg" else self.epochs

    @property
    def size(self) -> int:  # the number of rows
        return len(self.pairs) * len(self.learning_rates) * len(self.lengths) * len(self.seeds)


LIST_FIELDS = ("pairs", "learning_rates", "steps", "epochs", "seeds")


class GridError(UsageError):
    """A ``Grid`` field that cannot be swept, named as the field (the CLI names its flag)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"Grid {field}: {text}")
        self.field, self.text = field, text

    def __reduce__(self) -> tuple[type[GridError], tuple[str, str]]:  # pickled by Dask, copied
        return GridError, (self.field, self.text)


def _as_tuple(field: str, values: Any) -> tuple[Any, ...]:
    """A grid field as a tuple of plain Python values (numpy scalars unwrapped)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise GridError(field, f"a sequence of values, got {values!r}")
    return tuple(v.item() if isinstance(v, np.generic) else v for v in values)


def _distinct(field: str, values: Sequence[Any]) -> None:
    if not values:
        raise GridError(field, "needs at least one value, got none")
    seen: set[Any] = set()  # a set, not the list so far: 100,000 rates took minutes
    for value in values:
        if value in seen:
            raise GridError(field, f"each value once, got {value!r} twice")
        seen.add(value)


def _integers(field: str, values: Sequence[int], low: int, high: int) -> None:
    _distinct(field, values)
    for value in values:
        integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if not (integer and low <= value <= high):
            raise GridError(field, f"each must be an integer between {low:,} and {high:,}, "
                                   f"got {value!r}")  # fmt: skip


# --------------------------------------------------------------------------- in the worker


def logreg_task(*, data_dir: str | None, verify: bool, classes: tuple[str, str],
                learning_rate: float, steps: int, seed: int) -> dict[str, Any]:  # fmt: skip
    """One row of logistic regression: ``run_split`` on the pair shuffled with ``seed``."""
    from .pairs import run_split

    split = worker_split(data_dir, verify, tuple(classes), seed)
    run = run_split(split, learning_rate=learning_rate, steps=steps,
                    official_test=worker_official_test(data_dir, verify, tuple(classes)))  # fmt: skip
    row = SweepRow(tuple(classes), "logreg", learning_rate, steps, None, seed, run.val_accuracy,  # type: ignore[arg-type]
                   run.heldout_accuracy, run.official_test_accuracy, run.diverged_at_step,
                   run.seconds)  # fmt: skip
    return row.as_json()


def network_task(*, data_dir: str | None, verify: bool, classes: tuple[str, str],
                 learning_rate: float, epochs: int, seeds: Sequence[int], patience: int,
                 batch_size: int) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of one network per seed, trained together as one compiled program."""
    import time

    from ..models import batched, neural

    split = worker_split(data_dir, verify, tuple(classes), SHUFFLE_SEED)
    X_test, y_test = worker_official_test(data_dir, verify, tuple(classes))
    started = time.perf_counter()
    fits = batched.fit_many(split.X_fit, split.y_fit.ravel(), split.X_val, split.y_val.ravel(),
                            seeds=list(seeds), epochs=epochs, patience=patience,
                            batch_size=batch_size, learning_rate=learning_rate)  # fmt: skip
    share = (time.perf_counter() - started) / len(seeds)
    rows = []
    for seed, fit in zip(seeds, fits, strict=True):
        diverged = _first_bad_epoch(fit.history)
        val = test = None
        if diverged is None:
            val = neural.accuracy(split.y_val, batched.predict_proba(fit.params, split.X_val))
            test = neural.accuracy(y_test, batched.predict_proba(fit.params, X_test))
        row = SweepRow(tuple(classes), "nn", learning_rate, None, epochs, seed, val, None, test,  # type: ignore[arg-type]
                       diverged, share)  # fmt: skip
        rows.append(row.as_json())
    return rows


def _first_bad_epoch(history: dict[str, list[float]]) -> int | None:
    """The first epoch (1-based) whose training or validation loss is not finite; else None."""
    pairs = zip(history["loss"], history["val_loss"], strict=True)
    return next((epoch for epoch, losses in enumerate(pairs, 1) if not np.isfinite(losses).all()),
                None)  # fmt: skip


# --------------------------------------------------------------------------- in the client


def tasks(grid: Grid) -> list[engine.Task]:
    """The grid's tasks, in grid order: pair, learning rate, steps or epochs, then seed."""
    data = data_identity(grid.data_dir, grid.verify)
    # One key_of for what every task shares (versions, backend, data); each task adds its own
    # settings to that digest, so keys cost microseconds, not key_of's version look-ups.
    base = cache.key_of(f"sweep-{grid.model}", {"data": data})
    where = {"data_dir": grid.data_dir, "verify": grid.verify}
    found = []
    for pair in grid.pairs:
        for rate in grid.learning_rates:
            for length in grid.lengths:
                if grid.model == "logreg":
                    found += [_task(base, "sweep-logreg", logreg_task, shapes.sweep_rows(None), where,
                                    classes=pair, learning_rate=float(rate), steps=int(length),
                                    seed=int(seed))
                              for seed in grid.seeds]  # fmt: skip
                else:
                    found.append(_task(base, "sweep-nn", network_task,
                                       shapes.sweep_rows(len(grid.seeds)), where, classes=pair,
                                       learning_rate=float(rate), epochs=int(length),
                                       seeds=[int(s) for s in grid.seeds],
                                       patience=grid.patience, batch_size=grid.batch_size))  # fmt: skip
    return found


def _task(base: str, namespace: str, function: Any, check: shapes.Check, where: dict[str, Any],
          **settings: Any) -> engine.Task:  # fmt: skip
    key = cache.sub_key(base, settings)
    return engine.Task(namespace, key, function, {**where, **settings}, check)


def rows_of(results: Sequence[Any]) -> list[SweepRow]:
    """Task results (one row, or a list of rows per network task) as records, in grid order."""
    rows = []
    for result in results:
        for record in result if isinstance(result, list) else [result]:
            rows.append(from_json(SweepRow, record, "row"))
    return rows


def run_sweep(grid: Grid, *, workers: int | None = None, scheduler: str | None = None,
              on_done: engine.OnDone | None = None, client: Any = None) -> list[SweepRow]:  # fmt: skip
    """Run the grid on a new local cluster, a scheduler, or a given ``client``; rows in grid order."""
    work = tasks(grid)
    if client is not None:
        results = engine.run_on(client, work, on_done)
    else:
        results = engine.run(work, workers=workers, scheduler=scheduler, on_done=on_done)
    rows = rows_of(results)
    assert len(rows) == grid.size, "one row per run"
    return rows
