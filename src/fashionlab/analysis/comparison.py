"""Q5.1's evidence: the network against logistic regression on the same rows, with uncertainty.

Three inputs, each made by its own function: a network trained on logistic regression's rows only
(``fair_network``), the assignment's network over several seeds on Dask (``seed_spread``), and the
fitted models, which ``compare`` scores row by row. Per-row correctness is kept (as "1"/"0"
strings) so that every claim, McNemar's test included, can be recomputed from ``results.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..cluster import engine
from ..config import NN_LEARNING_RATE, NetworkSettings
from ..data.preprocessing import PairSplit
from ..models import neural
from ..models.logistic import predict, probability
from ..results import Comparison
from . import sweep
from .grid import Grid
from .metrics import as_bits, paired_test


def logreg_correct(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row correctness of logistic regression: round(sigmoid(X theta)) == y (eqs. 5-7)."""
    return (predict(probability(theta, X)) == y).ravel()


def network_correct(model: object, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row correctness of the network by Keras's own rule (an output above 0.5 is class 1), so
    that the rows right add up to the accuracy Keras reports."""
    return neural.predict(neural.predict_proba(model, X)) == np.ravel(y)


def seed_tasks(
    classes: tuple[str, str],
    session: engine.Session,
    settings: NetworkSettings,
    seeds: Sequence[int],
    *,
    data_dir: str | None,
    verify: bool,
) -> list[engine.Task]:
    """The seeds split into one task per worker, each task's networks trained as one program."""
    return [
        task
        for share in session.shares(seeds)
        for task in sweep.tasks(
            Grid(
                pairs=(classes,),
                model="nn",
                learning_rates=(NN_LEARNING_RATE,),
                epochs=(settings.epochs,),
                seeds=tuple(share),
                patience=settings.patience,
                batch_size=settings.batch_size,
                data_dir=data_dir,
                verify=verify,
            )
        )
    ]


@dataclass(frozen=True)
class SeedSpread:
    """The assignment's network trained once per seed: each seed's validation and official test
    accuracy."""

    seeds: list[int]
    val_accuracies: list[float]
    official_test_accuracies: list[float]


def seed_spread(
    classes: tuple[str, str],
    session: engine.Session,
    settings: NetworkSettings,
    seeds: Sequence[int],
    *,
    data_dir: str | None,
    verify: bool,
) -> SeedSpread:
    """The assignment's network over several seeds: ``fashionlab sweep --model nn`` rows."""
    tasks = seed_tasks(classes, session, settings, seeds, data_dir=data_dir, verify=verify)
    by_seed = {row.seed: row for row in sweep.rows_of(session.run(tasks))}
    rows = [by_seed[seed] for seed in seeds]
    val = [row.val_accuracy for row in rows if row.val_accuracy is not None]
    test = [row.official_test_accuracy for row in rows if row.official_test_accuracy is not None]
    if len(val) < len(rows) or len(test) < len(rows):
        raise ValueError("a seed's network diverged; its accuracy is undefined")
    return SeedSpread(list(seeds), val, test)


def fair_network(
    split: PairSplit, settings: NetworkSettings, seed: int
) -> tuple[neural.NetworkRun, object]:
    """The network trained on logistic regression's training rows only (the assignment's trains on
    the held-out rows too), so that the held-out rows test both models."""
    return neural.fit(
        split.X_train,
        split.y_train,
        validation=(split.X_val, split.y_val),
        epochs=settings.epochs,
        patience=settings.patience,
        batch_size=settings.batch_size,
        seed=seed,
    )


def compare(
    split: PairSplit,
    official: tuple[np.ndarray, np.ndarray],
    theta: np.ndarray,
    converged_theta: np.ndarray,
    model: object,
    fair: tuple[neural.NetworkRun, object],
    spread: SeedSpread,
) -> Comparison:
    """Every row of each set scored by each model, and McNemar's exact tests between them.

    ``theta`` is the assignment's 100-step fit, ``converged_theta`` the fit to convergence,
    ``model`` the assignment's network and ``fair`` the one of ``fair_network``."""
    rows = {
        "validation": (split.X_val, split.y_val),
        "held-out": (split.X_heldout, split.y_heldout),
        "official test": official,
    }
    logreg = {name: logreg_correct(theta, *xy) for name, xy in rows.items()}
    network = {name: network_correct(model, *xy) for name, xy in rows.items() if name != "held-out"}
    fair_run, fair_model = fair
    fair_correct = {name: network_correct(fair_model, *xy) for name, xy in rows.items()}
    converged = {"held-out": logreg_correct(converged_theta, *rows["held-out"])}
    return Comparison(
        classes=split.classes,
        logreg_correct={k: as_bits(v) for k, v in logreg.items()},
        network_correct={k: as_bits(v) for k, v in network.items()},
        fair_network_correct={k: as_bits(v) for k, v in fair_correct.items()},
        fair_network_val_accuracy=float(fair_correct["validation"].mean()),
        fair_network_heldout_accuracy=float(fair_correct["held-out"].mean()),
        fair_network_official_test_accuracy=float(fair_correct["official test"].mean()),
        fair_network_best_epoch=fair_run.best_epoch,
        official_test=paired_test(
            "official test", network["official test"], logreg["official test"]
        ),
        heldout_test=paired_test("held-out", fair_correct["held-out"], logreg["held-out"]),
        converged_logreg_correct={k: as_bits(v) for k, v in converged.items()},
        converged_test=paired_test("held-out", fair_correct["held-out"], converged["held-out"]),
        longer_test=paired_test("held-out", converged["held-out"], logreg["held-out"]),
        seeds=spread.seeds,
        seed_val_accuracies=spread.val_accuracies,
        seed_official_test_accuracies=spread.official_test_accuracies,
    )
