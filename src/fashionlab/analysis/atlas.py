"""The separability atlas: logistic regression and the network on every pair of classes.

Logistic regression is two tasks, each over every pair at once (``models.pairwise``: each class's
images are read once per step for the 9 pairs that hold it): the assignment's 100 steps, and the
fit to convergence. The 45 networks, which share one shape, train in groups of three, each group
one compiled program (``models.batched``). All go to the Dask engine as one batch, interleaved, so
that the long logistic-regression tasks start early, beside the first networks, rather than last.
Every task is cached, so an interrupted atlas resumes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cluster import engine, shapes
from ..config import (
    ALL_PAIRS,
    ATLAS_STEPS_TO_CONVERGE,
    CONVERGENCE_PATIENCE,
    CONVERGENCE_TOL,
    LEARNING_RATE,
    SHUFFLE_SEED,
    STEPS,
    NetworkSettings,
)
from ..data.datasets import CLASS_NAMES
from ..data.preprocessing import PIXEL_COLUMNS, PairRows, bias_trick, split_rows
from ..files.keys import key_of, sub_key
from ..models import pairwise
from ..models.convergence import nesterov_step_size
from ..models.logistic import accuracy, probability
from ..models.pairwise import PairSet
from ..results import AtlasPair, Pair
from .atlas_networks import accuracies_by_pair, network_groups, network_tasks
from .history import steps_to_fraction


@dataclass
class PairFit:
    """Logistic regression on one pair: the record's numbers and the weights for the grid."""

    classes: Pair
    n_val: int
    val_accuracy: float
    converged_val_accuracy: float
    steps_to_95: int | None
    theta: list[float]


def pair_rows(
    pairs: Sequence[Pair], data_dir: str | None, verify: bool
) -> tuple[np.ndarray, np.ndarray, list[PairRows], PairSet]:
    """In a worker: the training images (n, 784), their labels, each pair's rows as
    ``get_data_subset`` shuffles and splits them (seed 42), and the pairs in blocks of classes."""
    from ..cluster.worker_data import worker_data

    frame = worker_data(data_dir, verify).df_train
    X, labels = frame[PIXEL_COLUMNS].to_numpy(), frame["label"].to_numpy()
    rows = [split_rows(frame, pair, SHUFFLE_SEED) for pair in pairs]
    classes = [(CLASS_NAMES.index(r.classes[0]), CLASS_NAMES.index(r.classes[1])) for r in rows]
    return X, labels, rows, pairwise.pair_set(labels, classes, [(r.train, r.val) for r in rows])


def descent_task(
    *, data_dir: str | None, verify: bool, pairs: list[tuple[str, str]]
) -> list[dict[str, object]]:
    """The assignment's 100 steps of gradient descent on every pair at once: each pair's
    validation accuracy, steps to 95 % of it, and weights."""
    X, _, rows, pair_set = pair_rows(pairs, data_dir, verify)
    thetas, val = pairwise.descend_all(X, pair_set, LEARNING_RATE, STEPS)
    return [
        {
            "n_val": len(r.val),
            "val_accuracy": float(val[-1, i]),
            "steps_to_95": steps_to_fraction([float(v) for v in val[:, i]], 0.95),
            "theta": [round(float(w), 6) for w in thetas[i]],
        }
        for i, r in enumerate(rows)
    ]


def convergence_task(
    *, data_dir: str | None, verify: bool, pairs: list[tuple[str, str]]
) -> list[float]:
    """Every pair's logistic regression run to convergence (``fit_to_convergence``), at once:
    each pair's validation accuracy with the weights that fit keeps."""
    X, labels, rows, pair_set = pair_rows(pairs, data_dir, verify)
    X32 = X.astype(np.float32)  # the step sizes' products in float32, as the fit's
    sizes = [nesterov_step_size(bias_trick(X32[r.train], np.float32)) for r in rows]
    del X32  # 188 MB, not held through the fit
    thetas, _ = pairwise.converge_all(
        X,
        pair_set,
        np.array(sizes),
        max_steps=ATLAS_STEPS_TO_CONVERGE,
        patience=CONVERGENCE_PATIENCE,
        tol=CONVERGENCE_TOL,
    )
    return [
        accuracy(
            labels[r.val] == CLASS_NAMES.index(r.classes[1]), probability(theta[:, None], X[r.val])
        )
        for r, theta in zip(rows, thetas, strict=True)
    ]


def pair_fits(
    pairs: Sequence[Pair], descent: list[dict[str, object]], convergence: list[float]
) -> list[PairFit]:
    """The two tasks' results (``shapes.descent_fits`` and ``shapes.accuracies`` checked them)
    joined, one ``PairFit`` per pair."""
    return [
        PairFit(classes=(pair[0], pair[1]), converged_val_accuracy=float(converged), **fit)  # type: ignore[arg-type]
        for pair, fit, converged in zip(pairs, descent, convergence, strict=True)
    ]


def logistic_tasks(
    pairs: Sequence[Pair], *, data_dir: str | None, verify: bool
) -> list[engine.Task]:
    """Every pair's logistic regression as two tasks, convergence (the longer) first and the
    assignment's 100 steps; each a cached task, so an interrupted atlas resumes."""
    from ..cluster.worker_data import data_identity

    base = key_of("atlas-logreg", {"data": data_identity(data_dir, verify)})
    kwargs = {"data_dir": data_dir, "verify": verify, "pairs": [tuple(p) for p in pairs]}
    return [
        engine.Task(
            "atlas-logreg",
            sub_key(base, function.__name__, pairs),
            function,
            kwargs,
            check(len(pairs)),
        )
        for function, check in (
            (convergence_task, shapes.accuracies),
            (descent_task, functools.partial(shapes.descent_fits, steps=STEPS)),
        )
    ]


def interleave(first: Sequence[engine.Task], second: Sequence[engine.Task]) -> list[engine.Task]:
    """Each task of ``first`` followed by its share of ``second`` (ceil(len(second) / len(first))
    tasks, so with fewer ``second`` tasks they all come among the first few): the engine starts
    tasks in this order, so the kinds of work mix on the workers rather than every worker doing
    the same kind at once. The atlas's 15 network tasks and 2 logistic-regression tasks start
    network, logistic regression, network, logistic regression, then the other 13 networks."""
    if not first:
        return list(second)
    per = -(-len(second) // len(first))
    merged: list[engine.Task] = []
    for i, task in enumerate(first):
        merged += [task, *second[i * per : (i + 1) * per]]
    return merged + list(second[len(first) * per :])


@dataclass(frozen=True)
class Plan:
    """The atlas's tasks: the two logistic-regression tasks and one per group of networks."""

    logreg: list[engine.Task]
    groups: list[list[Pair]]
    networks: list[engine.Task]

    @property
    def tasks(self) -> list[engine.Task]:
        """All of them, in the order the engine starts them."""
        return interleave(self.networks, self.logreg)


def plan(
    pairs: Sequence[Pair],
    network: NetworkSettings | None,
    seed: int,
    *,
    data_dir: str | None,
    verify: bool,
) -> Plan:
    """The tasks of an atlas of ``pairs`` (networks only where ``network`` is given)."""
    logreg = logistic_tasks(pairs, data_dir=data_dir, verify=verify) if pairs else []
    groups = network_groups(pairs) if network is not None else []
    networks = (
        network_tasks(groups, network, seed, data_dir=data_dir, verify=verify)
        if network is not None
        else []
    )
    return Plan(logreg, groups, networks)


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
    cluster by default) as one batch of tasks. ``on_done`` is called once, with (pairs, pairs),
    when every pair's logistic regression is done (its tasks fit all pairs at once);
    ``on_networks`` counts the pairs whose network is done.
    """
    work = plan(pairs, network, seed, data_dir=data_dir, verify=verify)
    logreg, groups, networks = work.logreg, work.groups, work.networks
    size = {task.key: len(group) for task, group in zip(networks, groups, strict=True)}
    fitted = trained = 0

    def count(done: int, total: int, task: engine.Task, from_cache: bool) -> None:
        nonlocal fitted, trained
        if task.namespace == "atlas-logreg":
            fitted += 1
            if fitted == len(logreg):  # both halves of every pair's logistic regression
                on_done(len(pairs), len(pairs))
        else:
            trained += size[task.key]
            on_networks(trained, len(pairs))

    with contextlib.ExitStack() as stack:
        session = session or stack.enter_context(engine.Session())
        tasks = work.tasks
        values = dict(zip((t.key for t in tasks), session.run(tasks, on_done=count), strict=True))
    part = {task.function: values[task.key] for task in logreg}
    fits = pair_fits(pairs, part[descent_task], part[convergence_task]) if pairs else []
    nn: dict[Pair, tuple[float, int]] = {}
    for group, task in zip(groups, networks, strict=True):
        nn.update(accuracies_by_pair(values[task.key], group))
    records = [
        AtlasPair(
            classes=fit.classes,
            n_val=fit.n_val,
            logreg_val_accuracy=fit.val_accuracy,
            logreg_converged_val_accuracy=fit.converged_val_accuracy,
            nn_val_accuracy=None if network is None else nn[fit.classes][0],
            nn_epochs_run=None if network is None else nn[fit.classes][1],
            steps_to_95=fit.steps_to_95,
        )
        for fit in fits
    ]
    return sorted(records, key=lambda r: r.logreg_val_accuracy), fits
