"""Every task's result check: a valid result passes, and any damage to it is either refused with a
ValueError or harmless to the code that reads it (never a crash there)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fashionlab.analysis import atlas, atlas_networks, sweep
from fashionlab.cluster import shapes
from fashionlab.config import ALL_PAIRS

PAIRS = ALL_PAIRS[:3]
DESCENT = [{"n_val": 2400, "val_accuracy": 0.82, "steps_to_95": 7, "theta": [0.01] * 785}] * 3
GRID_STEPS = [10, 20]
CELLS = [
    [
        {"steps": 10, "diverged_at_step": None, "val_accuracy": 0.8},
        {"steps": 20, "diverged_at_step": None, "val_accuracy": 0.81},
    ],
    [
        {"steps": 10, "diverged_at_step": None, "val_accuracy": 0.7},
        {"steps": 20, "diverged_at_step": 15, "val_accuracy": None},
    ],
]
ROW = {
    "classes": ["Pullover", "Coat"],
    "model": "nn",
    "learning_rate": 0.001,
    "steps": None,
    "epochs": 50,
    "seed": 1,
    "val_accuracy": 0.9,
    "heldout_accuracy": None,
    "official_test_accuracy": 0.88,
    "diverged_at_step": None,
    "seconds": 1.5,
}

RAN = {key: ROW[key] for key in ("classes", "model", "learning_rate", "steps", "epochs")}


def read_rows(value: Any) -> None:
    sweep.rows_of([value])


# (check, a valid result, what reads it)
CASES: dict[str, tuple[shapes.Check, Any, Callable[[Any], Any]]] = {
    "convergence": (shapes.accuracies(3), [0.5, 0.9, 1.0], lambda v: [float(a) for a in v]),
    "descent": (
        shapes.descent_fits(3, 100),
        DESCENT,
        lambda v: atlas.pair_fits(PAIRS, v, [0.5] * 3),
    ),
    "networks": (
        shapes.network_fits(3, 30),
        [[0.9, 12], [1.0, 3], [0.5, 1]],
        lambda v: atlas_networks.accuracies_by_pair(v, PAIRS),
    ),
    "rate grid": (shapes.rate_cells(2, GRID_STEPS), CELLS, lambda v: None),
    "a network sweep task": (
        shapes.sweep_rows(RAN, [1, 2], listed=True),
        [ROW, {**ROW, "seed": 2}],
        read_rows,
    ),
    "a logistic sweep task": (
        shapes.sweep_rows(
            {**RAN, "model": "logreg", "steps": 100, "epochs": None}, [1], listed=False
        ),
        {**ROW, "model": "logreg", "steps": 100, "epochs": None, "heldout_accuracy": 0.8},
        lambda v: read_rows([v]),
    ),
}

ODD = (None, "x", [], {}, -1, 2.5, True, 1e308)


def damaged(value: Any) -> Iterator[Any]:
    """Every value one edit away from ``value``: a node replaced, a key dropped or added, a list
    one item shorter or longer."""
    yield from ODD
    if isinstance(value, list):
        if value:
            yield value[:-1]
            yield [*value, value[-1]]
        for i, item in enumerate(value):
            for other in damaged(item):
                yield [*value[:i], other, *value[i + 1 :]]
    if isinstance(value, dict):
        yield {**value, "extra": 1}
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
            for other in damaged(value[key]):
                yield {**value, key: other}


def distinct(values: Iterator[Any], limit: int = 2000) -> list[Any]:
    found: list[Any] = []
    for value in values:
        if value not in found:
            found.append(value)
        if len(found) == limit:
            break
    return found


@pytest.mark.parametrize("name", CASES)
def test_damage_is_refused_or_harmless(name: str) -> None:
    check, valid, read = CASES[name]
    check(valid)
    read(valid)
    refused = 0
    for value in distinct(damaged(valid)):
        try:
            check(value)
        except ValueError:
            refused += 1
            continue
        read(value)  # accepted: the reader must cope
    assert refused > 10


def test_a_group_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a list of 3"):
        shapes.network_fits(3, 30)([[0.9, 12], [1.0, 3]])
    with pytest.raises(ValueError, match=r"accuracy in \[0, 1\]"):
        shapes.accuracies(2)([0.5, 1.5])
    with pytest.raises(ValueError, match=r"rates\[0\]\[1\].steps: expected 20"):
        shapes.rate_cells(2, [10, 20])([[CELLS[0][0], CELLS[0][0]], CELLS[1]])
    with pytest.raises(ValueError, match="an accuracy or a divergence step"):
        shapes.rate_cells(1, [10])([[{"steps": 10, "diverged_at_step": 3, "val_accuracy": 0.5}]])


def test_every_atlas_task_carries_the_check_for_its_own_result() -> None:
    from fashionlab.config import NetworkSettings

    work = atlas.plan(ALL_PAIRS, NetworkSettings(1, 1), 0, data_dir=None, verify=True)
    for task in work.tasks:
        with pytest.raises(ValueError):
            task.check([])
    by_function = {task.function: task for task in work.logreg}
    by_function[atlas.convergence_task].check([0.5] * 45)
    by_function[atlas.descent_task].check(DESCENT[:1] * 45)
    for task, group in zip(work.networks, work.groups, strict=True):
        task.check([[0.5, 1]] * len(group))  # of 1 epoch


def test_a_step_or_epoch_past_the_runs_own_length_is_refused() -> None:
    """The hostile review of stop 46: rehashed entries with 999 epochs run of an atlas's 1, or
    steps to 95 % of 5,000 of 100 steps, were served."""
    with pytest.raises(ValueError, match=r"networks\[1\]\[1\]: expected at most 30, got 31"):
        shapes.network_fits(2, 30)([[0.9, 30], [0.8, 31]])
    with pytest.raises(ValueError, match=r"fits\[0\].steps_to_95: expected at most 100"):
        shapes.descent_fits(1, 100)([{**DESCENT[0], "steps_to_95": 101}])
    with pytest.raises(ValueError, match=r"rates\[0\]\[0\].diverged_at_step: expected at most 10"):
        shapes.rate_cells(1, [10])([[{"steps": 10, "diverged_at_step": 11, "val_accuracy": None}]])


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"diverged_at_step": 51}, "diverged_at_step: expected at most 50"),
        ({"diverged_at_step": 3}, "a run that diverged has no scores"),
        ({"val_accuracy": None}, "expected every score of a run that did not diverge"),
        ({"heldout_accuracy": 0.5}, "heldout_accuracy: expected null"),
        ({"seconds": -5.0}, "seconds: expected a time >= 0"),
    ],
)
def test_a_sweep_row_at_odds_with_itself_is_refused(edit: dict[str, Any], message: str) -> None:
    check = shapes.sweep_rows(RAN, [1], listed=True)
    check([ROW])
    check([{**ROW, "diverged_at_step": 50, "val_accuracy": None, "official_test_accuracy": None}])
    with pytest.raises(ValueError, match=message):
        check([{**ROW, **edit}])


@pytest.mark.parametrize(
    "edit",
    [
        {"classes": ["Coat", "Coat"]},
        {"classes": ["Coat", "Pullover"]},
        {"seed": 2},
        {"learning_rate": 0.01},
        {"epochs": 49},
        {"model": "logreg"},
    ],
)
def test_a_sweep_row_of_another_task_is_refused(edit: dict[str, Any]) -> None:
    """A hostile review: another task's row (or impossible settings), written into an entry whose
    hashes were rewritten, was served; every field that names the task must be the task's."""
    check = shapes.sweep_rows(RAN, [1, 2], listed=True)
    check([ROW, {**ROW, "seed": 2}])
    with pytest.raises(ValueError, match="but the task ran"):
        check([{**ROW, **edit}, {**ROW, "seed": 2}])
