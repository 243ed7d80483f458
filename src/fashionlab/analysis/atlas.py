"""The separability atlas: logistic regression and the network on every pair of classes.

Logistic regression runs once per pair (100 steps, then to convergence); the 45 networks, which
share one shape, are trained together as one compiled program (``models.batched``). Each pair's
logistic regression and the batch of networks are cached, so an interrupted atlas resumes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cache import key_of
from ..config import (
    ALL_PAIRS,
    ATLAS_STEPS_TO_CONVERGE,
    LEARNING_RATE,
    SHUFFLE_SEED,
    STEPS,
    NetworkSettings,
)  # fmt: skip
from ..data.preprocessing import PairSplit, bias_trick
from ..models.logistic import accuracy, descend, fit_to_convergence, sigmoid, steps_to_fraction
from ..results import AtlasPair, Pair
from . import engine

log = logging.getLogger(__name__)
REVISION = 5  # bumped when a pair's computation changes (5: one pair_split, batched networks)


@dataclass
class PairFit:
    """Logistic regression on one pair: the record's numbers and the weights for the grid."""

    classes: Pair
    n_val: int
    val_accuracy: float
    converged_val_accuracy: float
    steps_to_95: int | None
    theta: list[float]


def fit_pair(split: PairSplit, learning_rate: float = LEARNING_RATE, steps: int = STEPS) -> PairFit:
    """100 steps of gradient descent and a converged fit on one pair; pure, so it can run anywhere."""
    X_train, X_val = bias_trick(split.X_train), bias_trick(split.X_val)
    run = descend(X_train, split.y_train, learning_rate, steps, (X_val, split.y_val))
    converged, _ = fit_to_convergence(
        X_train, split.y_train, X_val, split.y_val, max_steps=ATLAS_STEPS_TO_CONVERGE
    )
    val = run.history["val_accuracy"]
    return PairFit(
        classes=split.classes,
        n_val=len(split.y_val),
        val_accuracy=val[-1],
        converged_val_accuracy=accuracy(split.y_val, sigmoid(X_val @ converged)),
        steps_to_95=steps_to_fraction(val, 0.95),
        theta=[round(float(w), 6) for w in run.theta.ravel()],
    )


def _pair_fit(value: object) -> PairFit:
    if not isinstance(value, dict):
        raise TypeError("an atlas entry must be an object")
    fit = PairFit(**value)
    fit.classes = (str(fit.classes[0]), str(fit.classes[1]))
    if len(fit.theta) != 785 or not 0 <= fit.val_accuracy <= 1:
        raise ValueError("an atlas entry has the wrong shape")
    return fit


def pair_task(*, data_dir: str | None, verify: bool, classes: tuple[str, str]) -> dict[str, object]:
    """One pair's logistic regression, in a Dask worker that loads the verified data once."""
    from .sweep import worker_split

    return vars(fit_pair(worker_split(data_dir, verify, tuple(classes), SHUFFLE_SEED)))


def logistic_pairs(
    pairs: Sequence[Pair],
    session: engine.Session,
    *,
    data_dir: str | None,
    verify: bool,
    on_done: Callable[[int, int], None] = lambda done, total: None,
) -> list[PairFit]:
    """Every pair's logistic regression as one task each on the Dask engine (cached, resumable)."""
    from .sweep import data_identity

    base = key_of("atlas-logreg", {"data": data_identity(data_dir, verify), "revision": REVISION})
    tasks = [
        engine.Task("atlas-logreg", hashlib.sha256(f"{base}{pair}".encode()).hexdigest()[:32],
                    pair_task, {"data_dir": data_dir, "verify": verify, "classes": tuple(pair)})
        for pair in pairs
    ]  # fmt: skip
    values = session.run(tasks, on_done=lambda done, total, task, hit: on_done(done, total))
    fits = [_pair_fit(value) for value in values]
    for pair, fit in zip(pairs, fits, strict=True):
        if tuple(fit.classes) != tuple(pair):
            raise ValueError(f"the atlas result for {pair} holds {fit.classes}")
    return fits


def network_task(*, data_dir: str | None, verify: bool, pairs: list[tuple[str, str]],
                 seed: int, epochs: int, patience: int, batch_size: int) -> list[list[float]]:  # fmt: skip
    """A group of pairs' networks, trained together as one program in a Dask worker:
    ``[validation accuracy, epochs run]`` per pair."""
    from ..models import batched
    from .sweep import worker_split

    splits = [worker_split(data_dir, verify, tuple(p), SHUFFLE_SEED) for p in pairs]
    fits = batched.fit_many(
        np.stack([s.X_fit for s in splits]).astype(np.float32),
        np.stack([s.y_fit.ravel() for s in splits]),
        np.stack([s.X_val for s in splits]).astype(np.float32),
        np.stack([s.y_val.ravel() for s in splits]),
        seeds=[seed] * len(splits), epochs=epochs, patience=patience, batch_size=batch_size,
    )  # fmt: skip
    return [
        [accuracy(s.y_val, batched.predict_proba(f.params, s.X_val)[:, None]), f.epochs_run]
        for s, f in zip(splits, fits, strict=True)
    ]


def network_accuracies(
    pairs: Sequence[Pair],
    session: engine.Session,
    settings: NetworkSettings,
    seed: int,
    *,
    data_dir: str | None,
    verify: bool,
) -> list[list[float]]:
    """Each pair's network, [validation accuracy, epochs run]: one compiled program per worker.

    A network on a 64-row batch keeps one core busy, so the pairs are split into one group per
    worker, and each group's networks train together in one task.
    """
    from .sweep import data_identity

    chunks = session.shares(pairs)
    base = key_of("atlas-nn", {"data": data_identity(data_dir, verify), "seed": seed,
                               "revision": REVISION, **vars(settings)})  # fmt: skip
    tasks = [
        engine.Task("atlas-nn", hashlib.sha256(f"{base}{chunk}".encode()).hexdigest()[:32],
                    network_task, {"data_dir": data_dir, "verify": verify, "pairs": chunk,
                                   "seed": seed, **vars(settings)})
        for chunk in chunks
    ]  # fmt: skip
    by_pair: dict[Pair, list[float]] = {}
    for chunk, values in zip(chunks, session.run(tasks), strict=True):
        checked = _accuracies(len(chunk))(values)
        by_pair.update({tuple(p): v for p, v in zip(chunk, checked, strict=True)})
    return [by_pair[tuple(p)] for p in pairs]  # type: ignore[index]


def _accuracies(count: int) -> Callable[[object], list[list[float]]]:
    def check(value: object) -> list[list[float]]:
        if not isinstance(value, list) or len(value) != count:
            raise ValueError(f"expected {count} [accuracy, epochs] pairs")
        return [[float(v[0]), int(v[1])] for v in value]

    return check


def atlas(
    *,
    pairs: Sequence[Pair] = ALL_PAIRS,
    network: NetworkSettings | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    verify: bool = True,
    session: engine.Session | None = None,
    on_done: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[list[AtlasPair], list[PairFit]]:
    """Every pair, ranked from hardest to easiest by logistic regression's validation accuracy.

    Logistic regression runs as Dask tasks in ``session`` (a local cluster by default); the
    networks, which share one shape, train together in this process.
    """
    nn: Sequence[Sequence[float] | None] = [None] * len(pairs)
    with contextlib.ExitStack() as stack:
        session = session or stack.enter_context(engine.Session())
        fits = logistic_pairs(pairs, session, data_dir=data_dir, verify=verify, on_done=on_done)
        if network is not None:
            nn = network_accuracies(pairs, session, network, seed, data_dir=data_dir, verify=verify)
    records = [
        AtlasPair(
            classes=fit.classes,
            n_val=fit.n_val,
            logreg_val_accuracy=fit.val_accuracy,
            logreg_converged_val_accuracy=fit.converged_val_accuracy,
            nn_val_accuracy=None if accuracy_nn is None else accuracy_nn[0],
            nn_epochs_run=None if accuracy_nn is None else int(accuracy_nn[1]),
            steps_to_95=fit.steps_to_95,
        )  # fmt: skip
        for fit, accuracy_nn in zip(fits, nn, strict=True)
    ]
    return sorted(records, key=lambda r: r.logreg_val_accuracy), fits
