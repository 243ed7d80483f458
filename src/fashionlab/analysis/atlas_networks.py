"""The atlas's networks: the 45 pairs' networks share one shape, so they train in groups of
three, each group one compiled program in a Dask worker (``models.batched``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..cluster import engine, shapes
from ..config import SHUFFLE_SEED, NetworkSettings
from ..files.keys import key_of, sub_key
from ..results import Pair

# 45 pairs in 15 groups of 3: the groups share a shape, so a worker compiles the program once, and
# up to 15 workers train networks at once
NETWORKS_PER_TASK = 3


def network_task(
    *,
    data_dir: str | None,
    verify: bool,
    pairs: list[tuple[str, str]],
    seed: int,
    epochs: int,
    patience: int,
    batch_size: int,
) -> list[list[float]]:
    """A group of pairs' networks, trained together as one program in a Dask worker:
    ``[validation accuracy, epochs run]`` per pair."""
    from ..cluster.worker_data import worker_split
    from ..models import batched, neural

    splits = [worker_split(data_dir, verify, tuple(p), SHUFFLE_SEED) for p in pairs]
    fits = batched.fit_many(
        np.stack([s.X_fit for s in splits], dtype=np.float32),  # no float64 stack in between
        np.stack([s.y_fit.ravel() for s in splits]),
        np.stack([s.X_val for s in splits], dtype=np.float32),
        np.stack([s.y_val.ravel() for s in splits]),
        seeds=[seed] * len(splits),
        epochs=epochs,
        patience=patience,
        batch_size=batch_size,
    )
    return [
        [neural.accuracy(s.y_val, batched.predict_proba(f.params, s.X_val)), f.epochs_run]
        for s, f in zip(splits, fits, strict=True)
    ]


def network_groups(pairs: Sequence[Pair]) -> list[list[Pair]]:
    """The pairs in groups of ``NETWORKS_PER_TASK``, dealt round-robin (as equal as can be)."""
    return engine.deal(pairs, -(-len(pairs) // NETWORKS_PER_TASK))


def network_tasks(
    groups: Sequence[Sequence[Pair]],
    settings: NetworkSettings,
    seed: int,
    *,
    data_dir: str | None,
    verify: bool,
) -> list[engine.Task]:
    """One task per group of pairs, whose networks train together as one compiled program."""
    from ..cluster.worker_data import data_identity

    base = key_of(
        "atlas-nn", {"data": data_identity(data_dir, verify), "seed": seed, **vars(settings)}
    )
    return [
        engine.Task(
            "atlas-nn",
            sub_key(base, group),
            network_task,
            {
                "data_dir": data_dir,
                "verify": verify,
                "pairs": list(group),
                "seed": seed,
                **vars(settings),
            },
            shapes.network_fits(len(group), settings.epochs),
        )
        for group in groups
    ]


def accuracies_by_pair(
    value: list[list[float]], group: Sequence[Pair]
) -> dict[Pair, tuple[float, int]]:
    """A network task's result (``shapes.network_fits`` checked it): accuracy and epochs by pair."""
    return {(p[0], p[1]): (float(v[0]), int(v[1])) for p, v in zip(group, value, strict=True)}
