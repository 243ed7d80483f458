"""Q4's learning-rate x steps grid: where gradient descent is slow, oscillates or diverges.

One Dask task per pair runs every learning rate at once (``descend_rates``: weights for each
rate, so each step's passes over the images serve them all) for the longest step count: the
assignment's loop records each step's accuracy before updating, so the run of ``s`` steps is the
first ``s`` entries of the longer run's history. A rate whose logits overflow is run again alone
(``run_split``), where the order of the sums is ``descend``'s. For the study's rates every cell
equals ``fashionlab sweep``'s row for its settings (a test checks all 60 on the real data). Far
past the stability limit 2/L (a rate of 1000 on Pullover vs Coat, whose limit is 0.042), descent
amplifies rounding, and a cell may part from the sweep's row in an accuracy's last digits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..cluster import engine, shapes
from ..config import RATE_GRID_RATES, RATE_GRID_STEPS, SHUFFLE_SEED
from ..files.keys import key_of, sub_key
from ..results import Pair, RateRow


def cells_task(
    *,
    data_dir: str | None,
    verify: bool,
    classes: tuple[str, str],
    learning_rates: list[float],
    steps: list[int],
) -> list[list[dict[str, object]]]:
    """Every learning rate on one pair: per rate, the validation accuracy after each of ``steps``."""
    from ..cluster.worker_data import worker_split
    from ..data.preprocessing import bias_trick
    from ..models.rates import descend_rates
    from .pairs import run_split

    split = worker_split(data_dir, verify, tuple(classes), SHUFFLE_SEED)
    _, val, overflowed = descend_rates(
        bias_trick(split.X_train),
        split.y_train,
        bias_trick(split.X_val),
        split.y_val,
        learning_rates,
        max(steps),
    )
    cells: list[list[dict[str, object]]] = []
    for i, rate in enumerate(learning_rates):
        history: list[float] = [float(v) for v in val[:, i]]
        diverged: int | None = None
        if overflowed[i] is not None:
            run = run_split(split, learning_rate=rate, steps=max(steps))
            history, diverged = run.history["val_accuracy"], run.diverged_at_step
        gone = [diverged is not None and diverged <= s for s in steps]  # diverged by then
        cells.append(
            [
                {
                    "steps": s,
                    "diverged_at_step": diverged if ended else None,
                    "val_accuracy": None if ended else history[s - 1],
                }
                for s, ended in zip(steps, gone, strict=True)
            ]
        )
    return cells


def grid_tasks(
    pairs: Sequence[Pair],
    *,
    data_dir: str | None,
    verify: bool,
    rates: Sequence[float] = RATE_GRID_RATES,
    steps: Sequence[int] = RATE_GRID_STEPS,
) -> list[engine.Task]:
    """One task per pair: every (learning rate, steps) cell of its grid."""
    from ..cluster.worker_data import data_identity

    rates = [float(r) for r in rates]
    base = key_of(
        "rate-grid", {"data": data_identity(data_dir, verify), "steps": list(steps), "rates": rates}
    )
    return [
        engine.Task(
            "rate-grid",
            sub_key(base, pair),
            cells_task,
            {
                "data_dir": data_dir,
                "verify": verify,
                "classes": tuple(pair),
                "learning_rates": rates,
                "steps": list(steps),
            },
            shapes.rate_cells(len(rates), list(steps)),
        )
        for pair in pairs
    ]


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
    rates = [float(r) for r in rates]
    tasks = grid_tasks(pairs, data_dir=data_dir, verify=verify, rates=rates, steps=steps)
    results = session.run(tasks, on_done=lambda done, total, task, hit: on_done(done, total))
    return [
        RateRow(
            classes=(pair[0], pair[1]),
            learning_rate=rate,
            steps=int(cell["steps"]),
            val_accuracy=cell["val_accuracy"],
            diverged_at_step=cell["diverged_at_step"],
        )
        for pair, per_rate in zip(pairs, results, strict=True)
        for rate, cells in zip(rates, per_rate, strict=True)
        for cell in cells
    ]
