"""Q4's learning-rate x steps grid: where gradient descent is slow, oscillates or diverges.

One Dask task per (pair, learning rate) runs the longest step count once: the assignment's loop
records each step's accuracy before updating, so the run of ``s`` steps is the first ``s`` entries
of the longer run's history, and every cell equals ``fashionlab sweep``'s row for its settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from ..cache import key_of
from ..config import RATE_GRID_RATES, RATE_GRID_STEPS, SHUFFLE_SEED
from ..results import Pair, RateRow
from . import engine


def cells_task(*, data_dir: str | None, verify: bool, classes: tuple[str, str],
               learning_rate: float, steps: list[int]) -> list[dict[str, object]]:  # fmt: skip
    """One learning rate on one pair: the validation accuracy after each of ``steps``."""
    from .pairs import run_split
    from .sweep import worker_split

    split = worker_split(data_dir, verify, tuple(classes), SHUFFLE_SEED)
    run = run_split(split, learning_rate=learning_rate, steps=max(steps), shuffle_seed=SHUFFLE_SEED)
    diverged = run.diverged_at_step
    return [
        {"steps": s, "diverged_at_step": diverged if diverged is not None and diverged <= s else None,
         "val_accuracy": None if diverged is not None and diverged <= s
         else run.history["val_accuracy"][s - 1]}
        for s in steps
    ]  # fmt: skip


def rate_grid(
    pairs: Sequence[Pair],
    session: engine.Session,
    *,
    data_dir: str | None,
    verify: bool,
    rates: Sequence[float] = RATE_GRID_RATES,
    steps: Sequence[int] = RATE_GRID_STEPS,
    on_done: Callable[[int, int], None] = lambda done, total: None,
) -> list[RateRow]:
    """Validation accuracy of logistic regression for every (learning rate, steps) of each pair."""
    from .sweep import data_identity

    base = key_of("rate-grid", {"data": data_identity(data_dir, verify), "steps": list(steps)})
    settings = [(tuple(pair), float(rate)) for pair in pairs for rate in rates]
    tasks = [
        engine.Task("rate-grid", hashlib.sha256(f"{base}{pair}{rate!r}".encode()).hexdigest()[:32],
                    cells_task, {"data_dir": data_dir, "verify": verify, "classes": pair,
                                 "learning_rate": rate, "steps": list(steps)})
        for pair, rate in settings
    ]  # fmt: skip
    results = session.run(tasks, on_done=lambda done, total, task, hit: on_done(done, total))
    return [
        RateRow(classes=pair, learning_rate=rate, steps=int(cell["steps"]),  # type: ignore[arg-type]
                val_accuracy=cell["val_accuracy"], diverged_at_step=cell["diverged_at_step"])
        for (pair, rate), cells in zip(settings, results, strict=True)
        for cell in cells
    ]  # fmt: skip
