"""What each kind of Dask task returns, checked before a cached result is served.

A cache entry's hashes prove that its bytes are the ones that were written, not that this version
of the task wrote them: an entry edited and its manifest rewritten, or one stored under the same
key by a build with a bug. Every ``engine.Task`` carries one of these checks, and the engine runs
it on each result, from the cache or from a worker. A cached result that fails is discarded and
computed again, with one warning line, rather than crashing the command that reads it.

A check raises ValueError, naming what is wrong and where, and returns nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from ..jsonio import conform
from ..results import SweepRow, from_json

Check = Callable[[Any], None]


def accuracy(value: Any, where: str) -> None:
    if not 0 <= conform(float, value, where) <= 1:
        raise ValueError(f"{where}: expected an accuracy in [0, 1], got {value!r}")


def optional_accuracy(value: Any, where: str) -> None:
    if value is not None:
        accuracy(value, where)


def count(value: Any, where: str, least: int = 1, most: int | None = None) -> None:
    """An integer >= ``least``, and <= ``most`` where given (a step or epoch of a run that long)."""
    if conform(int, value, where) < least:
        raise ValueError(f"{where}: expected an integer >= {least}, got {value!r:.60}")
    if most is not None and value > most:
        raise ValueError(f"{where}: expected at most {most}, got {value!r}")


def optional_count(value: Any, where: str, least: int = 1, most: int | None = None) -> None:
    if value is not None:
        count(value, where, least, most)


def listing(value: Any, length: int, where: str) -> list[Any]:
    """``value`` if it is a list of ``length`` items."""
    if not isinstance(value, list) or len(value) != length:
        raise ValueError(f"{where}: expected a list of {length}, got {value!r:.60}")
    return value


def record(value: Any, keys: Sequence[str], where: str) -> dict[str, Any]:
    """``value`` if it is an object with exactly ``keys``."""
    if not isinstance(value, dict) or set(value) != set(keys):
        raise ValueError(
            f"{where}: expected an object with keys {', '.join(keys)}, got {value!r:.60}"
        )
    return value


def accuracies(length: int) -> Check:
    """The atlas's fit to convergence: one validation accuracy per pair."""

    def check(value: Any) -> None:
        for i, item in enumerate(listing(value, length, "accuracies")):
            accuracy(item, f"accuracies[{i}]")

    return check


DESCENT_KEYS = ("n_val", "val_accuracy", "steps_to_95", "theta")
THETA_LENGTH = 785  # 784 pixels and the bias (eq. 3)


def descent_fits(length: int, steps: int) -> Check:
    """The atlas's ``steps`` steps: per pair, its validation rows, accuracy, steps to 95 % of it
    (one of those steps) and weights."""

    def check(value: Any) -> None:
        for i, fit in enumerate(listing(value, length, "fits")):
            where = f"fits[{i}]"
            record(fit, DESCENT_KEYS, where)
            count(fit["n_val"], f"{where}.n_val")
            accuracy(fit["val_accuracy"], f"{where}.val_accuracy")
            optional_count(fit["steps_to_95"], f"{where}.steps_to_95", most=steps)
            conform(
                list[float], listing(fit["theta"], THETA_LENGTH, f"{where}.theta"), f"{where}.theta"
            )

    return check


def network_fits(length: int, epochs: int) -> Check:
    """A group of the atlas's networks: ``[validation accuracy, epochs run]`` per pair, of at
    most ``epochs``."""

    def check(value: Any) -> None:
        for i, fit in enumerate(listing(value, length, "networks")):
            accuracy(listing(fit, 2, f"networks[{i}]")[0], f"networks[{i}][0]")
            count(fit[1], f"networks[{i}][1]", most=epochs)

    return check


CELL_KEYS = ("steps", "diverged_at_step", "val_accuracy")


def rate_cells(rates: int, steps: Sequence[int]) -> Check:
    """One pair's learning-rate grid: per rate, a cell per step count, each with an accuracy or
    the step at which the run diverged."""

    def check(value: Any) -> None:
        for i, cells in enumerate(listing(value, rates, "rates")):
            for j, cell in enumerate(listing(cells, len(steps), f"rates[{i}]")):
                where = f"rates[{i}][{j}]"
                record(cell, CELL_KEYS, where)
                if cell["steps"] != steps[j]:
                    raise ValueError(f"{where}.steps: expected {steps[j]}, got {cell['steps']!r}")
                optional_accuracy(cell["val_accuracy"], f"{where}.val_accuracy")
                optional_count(cell["diverged_at_step"], f"{where}.diverged_at_step", most=steps[j])
                if (cell["val_accuracy"] is None) == (cell["diverged_at_step"] is None):
                    raise ValueError(f"{where}: expected an accuracy or a divergence step")

    return check


SWEEP_ACCURACIES = ("val_accuracy", "heldout_accuracy", "official_test_accuracy")


def sweep_rows(ran: Mapping[str, Any], seeds: Sequence[int], *, listed: bool) -> Check:
    """A sweep's logistic-regression task: one row (not ``listed``); its network task: a list of
    rows, one per seed. Each row must name the settings its task ran (``ran``: classes, model,
    learning rate, steps and epochs) and its seed, in order: another task's row, copied into this
    entry with its hashes rewritten, is refused."""

    def check(value: Any) -> None:
        records = listing(value, len(seeds), "rows") if listed else [value]
        for i, (item, seed) in enumerate(zip(records, seeds, strict=True)):
            row = from_json(SweepRow, item, f"rows[{i}]")
            if set(item) != set(asdict(row)):
                raise ValueError(f"rows[{i}]: expected the keys {', '.join(asdict(row))}")
            for name in SWEEP_ACCURACIES:
                optional_accuracy(getattr(row, name), f"rows[{i}].{name}")
            for name, want in {**ran, "classes": tuple(ran["classes"]), "seed": seed}.items():
                if getattr(row, name) != want:
                    raise ValueError(
                        f"rows[{i}].{name} is {getattr(row, name)!r}, but the task ran {want!r}"
                    )
            _consistent(row, f"rows[{i}]")

    return check


def _consistent(row: SweepRow, where: str) -> None:
    """A row's own fields agree: a run that diverged (at one of its steps or epochs) has no
    scores and one that did not has them all; the network has no held-out score (it trains on
    those rows); its time is a time."""
    length = row.steps if row.model == "logreg" else row.epochs
    optional_count(row.diverged_at_step, f"{where}.diverged_at_step", most=length)
    wanted = [
        name for name in SWEEP_ACCURACIES if row.model == "logreg" or name != "heldout_accuracy"
    ]
    scored = [getattr(row, name) is not None for name in wanted]
    if row.diverged_at_step is not None and any(scored):
        raise ValueError(f"{where}: a run that diverged has no scores")
    if row.diverged_at_step is None and not all(scored):
        raise ValueError(f"{where}: expected every score of a run that did not diverge")
    if row.model == "nn" and row.heldout_accuracy is not None:
        raise ValueError(
            f"{where}.heldout_accuracy: expected null (the network trains on those rows)"
        )
    if not 0 <= row.seconds < float("inf"):
        raise ValueError(f"{where}.seconds: expected a time >= 0, got {row.seconds!r}")
