"""The learning-rate x steps grid: each cell read from the longest run equals its own run."""

from __future__ import annotations

from pathlib import Path

import pytest

from fashionlab.analysis import rate_grid
from fashionlab.analysis.pairs import run_split
from fashionlab.cluster import engine, worker_data
from fashionlab.config import RATE_GRID_RATES, RATE_GRID_STEPS

PAIR = ("Trouser", "Ankle boot")


def test_every_cell_equals_a_run_of_that_many_steps(tiny_data_dir: Path) -> None:
    """All rates run at once; one that overflows (1e308) is run again alone, so its cells too
    are exactly the sweep's."""
    rates, steps = [0.05, 5.0, 1e308], [1, 2, 5, 10]
    per_rate = rate_grid.cells_task(
        data_dir=str(tiny_data_dir), verify=False, classes=PAIR, learning_rates=rates, steps=steps
    )
    split = worker_data.worker_split(str(tiny_data_dir), False, PAIR, 42)
    assert len(per_rate) == len(rates)
    for rate, cells in zip(rates, per_rate, strict=True):
        for cell, count in zip(cells, steps, strict=True):
            alone = run_split(split, learning_rate=rate, steps=count)
            assert cell["steps"] == count
            assert cell["val_accuracy"] == alone.val_accuracy
            assert cell["diverged_at_step"] == alone.diverged_at_step
    assert per_rate[2][-1]["diverged_at_step"] is not None  # the overflowing rate did diverge


def test_the_grid_runs_as_cached_tasks(tiny_data_dir: Path) -> None:
    with engine.Session(workers=1) as session:
        first = rate_grid.rate_grid(
            [PAIR],
            session,
            data_dir=str(tiny_data_dir),
            verify=False,
            rates=(0.05, 0.5),
            steps=(1, 3),
        )
    tasks_done: list[int] = []
    with engine.Session(workers=1) as session:
        again = rate_grid.rate_grid(
            [PAIR],
            session,
            data_dir=str(tiny_data_dir),
            verify=False,
            rates=(0.05, 0.5),
            steps=(1, 3),
            on_done=lambda done, total: tasks_done.append(done),
        )
        assert session._client is None  # a fully cached grid starts no cluster
    assert [(r.learning_rate, r.steps) for r in first] == [(0.05, 1), (0.05, 3), (0.5, 1), (0.5, 3)]
    assert again == first and tasks_done == [1]  # one task per pair


@pytest.mark.slow
def test_the_study_grid_equals_one_run_per_rate_on_the_real_data(real_data_dir: Path) -> None:
    """The report's 30 cells of Pullover vs Coat (6 rates, 5 step counts), each against its own
    run: the pair whose larger rates pass 2/L, where the batched products' other order of sums
    would show first (both pairs cost the suite 12 s more, on the same code)."""
    for pair in (("Pullover", "Coat"),):
        per_rate = rate_grid.cells_task(
            data_dir=str(real_data_dir),
            verify=True,
            classes=pair,
            learning_rates=list(RATE_GRID_RATES),
            steps=list(RATE_GRID_STEPS),
        )
        split = worker_data.worker_split(str(real_data_dir), True, pair, 42)
        for rate, cells in zip(RATE_GRID_RATES, per_rate, strict=True):
            history = run_split(split, learning_rate=rate, steps=max(RATE_GRID_STEPS)).history
            assert [c["val_accuracy"] for c in cells] == [
                history["val_accuracy"][s - 1] for s in RATE_GRID_STEPS
            ]
            assert all(c["diverged_at_step"] is None for c in cells)
