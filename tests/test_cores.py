"""The local cluster's workers each run on cores of their own: every thread, also after a restart."""

from __future__ import annotations

import os
import signal
import time

import pytest

from fashionlab.analysis import cores, engine, local

pytestmark = pytest.mark.skipif(not cores.available(), reason="this system does not pin threads")


@pytest.mark.parametrize(
    ("n_cores", "n_workers", "expected"),
    [
        (2, 2, [[0], [1]]),
        (2, 1, [[0, 1]]),
        (4, 2, [[0, 1], [2, 3]]),
        (5, 2, [[0, 1], [2, 3, 4]]),
        (7, 3, [[0, 1], [2, 3], [4, 5, 6]]),
        (2, 3, []),  # more workers than cores: left to the system
        (0, 1, []),
        (2, 0, []),
    ],
)
def test_the_cores_are_shared_out_in_contiguous_runs(n_cores, n_workers, expected) -> None:
    split = cores.shares(list(range(n_cores)), n_workers)
    assert split == expected
    assert sorted(c for share in split for c in share) == (list(range(n_cores)) if split else [])


def test_no_plugin_where_there_are_more_workers_than_cores() -> None:
    assert cores.plugins(len(cores.available()) + 1) == ()
    (plugin,) = cores.plugins(len(cores.available()))
    assert plugin.shares == [[c] for c in cores.available()]


def _cores_of_threads() -> tuple[int, list[tuple[int, ...]]]:
    """In a worker: its process id and the distinct sets of cores its threads may run on."""
    threads = os.listdir("/proc/self/task")
    return os.getpid(), sorted({tuple(sorted(os.sched_getaffinity(int(t)))) for t in threads})


def test_every_thread_of_each_worker_is_pinned_and_a_restarted_worker_again(monkeypatch) -> None:
    """Two workers on two of this process's cores (where it has two), every thread of each; a
    worker killed and started again by its nanny is back on its own core, not on every core.
    This process's own cores are not touched."""
    mine, ours = cores.available()[:2], os.sched_getaffinity(0)
    monkeypatch.setattr(cores, "available", lambda: mine)
    with engine.connect(workers=len(mine)) as client:
        before = client.run(_cores_of_threads)
        assert sorted(found for _, found in before.values()) == [[(core,)] for core in mine]
        victim, (victims_core,) = max(before.values())
        os.kill(victim, signal.SIGKILL)
        deadline, restarted = time.monotonic() + 30, []
        while not restarted and time.monotonic() < deadline:
            time.sleep(0.2)
            after = client.run(_cores_of_threads)
            restarted = [found for pid, found in after.values()
                         if pid not in {p for p, _ in before.values()}]  # fmt: skip
        assert restarted == [[victims_core]]
    assert os.sched_getaffinity(0) == ours


def test_the_default_cluster_has_a_worker_per_core_this_process_may_use() -> None:
    """Under ``taskset -c N`` (or a batch job's cpuset) the machine's other cores are not ours:
    the default local cluster has one worker, on that core, and fills every core."""
    ours = os.sched_getaffinity(0)
    core = min(ours)
    os.sched_setaffinity(0, {core})  # this thread; the cluster's threads and workers inherit it
    try:
        assert local.default_workers() == 1 and engine.Session().fills_every_core
        with engine.connect() as client:
            assert list(client.run(_cores_of_threads).values())[0][1] == [(core,)]
            assert len(client.scheduler_info()["workers"]) == 1
    finally:
        os.sched_setaffinity(0, ours)
    assert local.default_workers() == len(ours)
