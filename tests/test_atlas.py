"""The atlas's orchestration: its tasks, their order, and how their results become records."""

from __future__ import annotations

import random

import pytest

from fashionlab.analysis import atlas, atlas_networks
from fashionlab.cluster import engine
from fashionlab.config import ALL_PAIRS, NetworkSettings


def test_groups_and_interleaving_hold_every_task_once() -> None:
    groups = atlas_networks.network_groups(ALL_PAIRS)
    assert len({len(g) for g in groups}) == 1  # equal groups: one compiled program per worker
    assert sorted(p for g in groups for p in g) == sorted(ALL_PAIRS)
    assert atlas_networks.network_groups([]) == []
    first = [engine.Task("n", str(i), dict, {}, print) for i in range(5)]
    second = [engine.Task("l", str(i), dict, {}, print) for i in range(45)]
    merged = atlas.interleave(first, second)
    assert sorted(merged, key=repr) == sorted(first + second, key=repr)  # each exactly once
    assert [merged.index(t) for t in first] == [0, 10, 20, 30, 40]  # spread through the rest
    assert [t for t in merged if t.namespace == "l"] == second  # the rest keep their order
    assert atlas.interleave([], second) == second
    networks = [engine.Task("n", str(i), dict, {}, print) for i in range(15)]  # the atlas's shape
    logreg = [engine.Task("l", str(i), dict, {}, print) for i in range(2)]
    order = [t.namespace for t in atlas.interleave(networks, logreg)]
    assert order == ["n", "l", "n", "l", *["n"] * 13]  # both logistic tasks start early


class FakeSession:
    """Answers each task from its arguments, reporting them done in a shuffled order."""

    def __init__(self) -> None:
        self.order: list[str] = []

    @staticmethod
    def value(task: engine.Task) -> object:
        indices = [ALL_PAIRS.index(tuple(p)) for p in task.kwargs["pairs"]]
        if task.function is atlas.descent_task:
            return [
                {
                    "n_val": 100 + i,
                    "val_accuracy": i / 100,
                    "steps_to_95": i + 1,
                    "theta": [0.0] * 785,
                }
                for i in indices
            ]
        if task.function is atlas.convergence_task:
            return [i / 90 for i in indices]
        return [[i / 50, 3] for i in indices]

    def run(self, tasks, on_done=None):
        self.order = [task.namespace for task in tasks]
        finishing = list(enumerate(tasks))
        random.Random(0).shuffle(finishing)
        for done, (_, task) in enumerate(finishing, 1):
            on_done(done, len(tasks), task, False)
        return [self.value(task) for task in tasks]


@pytest.mark.parametrize("network", [None, NetworkSettings(1, 1)])
def test_every_record_holds_its_own_pairs_results(network) -> None:
    pairs = list(ALL_PAIRS)
    random.Random(1).shuffle(pairs)
    ticks: dict[str, list[int]] = {"pair": [], "network": []}
    session = FakeSession()
    records, fits = atlas.atlas(
        pairs=pairs,
        network=network,
        session=session,  # type: ignore[arg-type]
        on_done=lambda done, total: ticks["pair"].append(done),
        on_networks=lambda done, total: ticks["network"].append(done),
    )
    assert [fit.classes for fit in fits] == pairs
    assert [r.logreg_val_accuracy for r in records] == sorted(
        r.logreg_val_accuracy for r in records
    )
    for record in records:
        index = ALL_PAIRS.index(record.classes)
        assert (record.n_val, record.steps_to_95) == (100 + index, index + 1)
        assert record.logreg_converged_val_accuracy == index / 90
        if network is None:
            assert record.nn_val_accuracy is None and record.nn_epochs_run is None
        else:
            assert (record.nn_val_accuracy, record.nn_epochs_run) == (index / 50, 3)
    assert ticks["pair"] == [45]  # once both halves of the logistic regressions are in
    if network is None:
        assert ticks["network"] == [] and set(session.order) == {"atlas-logreg"}
    else:
        assert ticks["network"][-1] == 45 and ticks["network"] == sorted(ticks["network"])
        assert session.order[0] == "atlas-nn"  # networks start first, spread through the rest
