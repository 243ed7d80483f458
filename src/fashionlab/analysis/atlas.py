"""The separability atlas: logistic regression and the network on every pair of classes.

Logistic regression is one task per pair (100 steps, then to convergence); the 45 networks, which
share one shape, train in groups of three, each group one compiled program (``models.batched``).
Both kinds go to the Dask engine as one batch, interleaved, so that on each machine networks
(compute-bound) train beside logistic regressions (memory-bound). Every task is cached, so an
interrupted atlas resumes.
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


# 45 pairs in 15 groups of 3: the groups share a shape, so a worker compiles the program once, and
# up to 15 workers train networks at once
NETWORKS_PER_TASK = 3


def logistic_tasks(
    pairs: Sequence[Pair], *, data_dir: str | None, verify: bool
) -> list[engine.Task]:
    """One task per pair's logistic regression (cached, so an interrupted atlas resumes)."""
    from .sweep import data_identity

    base = key_of("atlas-logreg", {"data": data_identity(data_dir, verify), "revision": REVISION})
    return [
        engine.Task("atlas-logreg", hashlib.sha256(f"{base}{pair}".encode()).hexdigest()[:32],
                    pair_task, {"data_dir": data_dir, "verify": verify, "classes": tuple(pair)})
        for pair in pairs
    ]  # fmt: skip


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


def network_groups(pairs: Sequence[Pair]) -> list[list[Pair]]:
    """The pairs in groups of ``NETWORKS_PER_TASK``, dealt round-robin (as equal as can be)."""
    count = -(-len(pairs) // NETWORKS_PER_TASK)
    return [list(pairs[i::count]) for i in range(count)]


def network_tasks(groups: Sequence[Sequence[Pair]], settings: NetworkSettings, seed: int, *,
                  data_dir: str | None, verify: bool) -> list[engine.Task]:  # fmt: skip
    """One task per group of pairs, whose networks train together as one compiled program."""
    from .sweep import data_identity

    base = key_of("atlas-nn", {"data": data_identity(data_dir, verify), "seed": seed,
                               "revision": REVISION, **vars(settings)})  # fmt: skip
    return [
        engine.Task("atlas-nn", hashlib.sha256(f"{base}{list(group)}".encode()).hexdigest()[:32],
                    network_task, {"data_dir": data_dir, "verify": verify, "pairs": list(group),
                                   "seed": seed, **vars(settings)})
        for group in groups
    ]  # fmt: skip


def interleave(first: Sequence[engine.Task], second: Sequence[engine.Task]) -> list[engine.Task]:
    """``first`` spread evenly through ``second``: the engine starts tasks in this order, so a
    worker training networks (compute-bound) runs beside one fitting logistic regressions
    (memory-bound), rather than every worker doing the same kind at once."""
    if not first:
        return list(second)
    per = -(-len(second) // len(first))
    merged: list[engine.Task] = []
    for i, task in enumerate(first):
        merged += [task, *second[i * per : (i + 1) * per]]
    return merged + list(second[len(first) * per :])


def _accuracies(value: object, group: Sequence[Pair]) -> dict[Pair, tuple[float, int]]:
    """A network task's result checked: ``(validation accuracy, epochs run)`` by pair."""
    if not isinstance(value, list) or len(value) != len(group):
        raise ValueError(f"expected {len(group)} [accuracy, epochs] pairs")
    return {(p[0], p[1]): (float(v[0]), int(v[1])) for p, v in zip(group, value, strict=True)}


def atlas(
    *,
    pairs: Sequence[Pair] = ALL_PAIRS,
    network: NetworkSettings | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    verify: bool = True,
    session: engine.Session | None = None,
    on_done: Callable[[int, int], None] = lambda done, total: None,
    on_networks: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[list[AtlasPair], list[PairFit]]:
    """Every pair, ranked from hardest to easiest by logistic regression's validation accuracy.

    The pairs' logistic regressions and the groups of networks go to ``session`` (a local
    cluster by default) as one batch of tasks. ``on_done`` counts the pairs whose logistic
    regression is done, ``on_networks`` the pairs whose network is.
    """
    logreg = logistic_tasks(pairs, data_dir=data_dir, verify=verify)
    groups, networks = [], []
    if network is not None:
        groups = network_groups(pairs)
        networks = network_tasks(groups, network, seed, data_dir=data_dir, verify=verify)
    size = {task.key: len(group) for task, group in zip(networks, groups, strict=True)}
    fitted = trained = 0

    def count(done: int, total: int, task: engine.Task, from_cache: bool) -> None:
        nonlocal fitted, trained
        if task.namespace == "atlas-logreg":
            fitted += 1
            on_done(fitted, len(logreg))
        else:
            trained += size[task.key]
            on_networks(trained, len(pairs))

    with contextlib.ExitStack() as stack:
        session = session or stack.enter_context(engine.Session())
        tasks = interleave(networks, logreg)
        values = dict(zip((t.key for t in tasks), session.run(tasks, on_done=count), strict=True))
    fits = [_pair_fit(values[task.key]) for task in logreg]
    for pair, fit in zip(pairs, fits, strict=True):
        if tuple(fit.classes) != tuple(pair):
            raise ValueError(f"the atlas result for {pair} holds {fit.classes}")
    nn: dict[Pair, tuple[float, int]] = {}
    for group, task in zip(groups, networks, strict=True):
        nn.update(_accuracies(values[task.key], group))
    records = [
        AtlasPair(
            classes=fit.classes,
            n_val=fit.n_val,
            logreg_val_accuracy=fit.val_accuracy,
            logreg_converged_val_accuracy=fit.converged_val_accuracy,
            nn_val_accuracy=None if network is None else nn[fit.classes][0],
            nn_epochs_run=None if network is None else nn[fit.classes][1],
            steps_to_95=fit.steps_to_95,
        )  # fmt: skip
        for fit in fits
    ]
    return sorted(records, key=lambda r: r.logreg_val_accuracy), fits
