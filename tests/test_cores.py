"""The local cluster's workers each run on cores of their own: every thread, also after a restart;
and the default cluster has a worker per core this process may use."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from fashionlab.cluster import connection, cores, local

pins = pytest.mark.skipif(
    not (cores.can_pin() and local.usable_cores()), reason="this system does not pin threads"
)


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
def test_the_cores_are_dealt_out_in_runs(n_cores, n_workers, expected) -> None:
    split = cores.runs(list(range(n_cores)), n_workers)
    assert split == expected
    assert sorted(c for run in split for c in run) == (list(range(n_cores)) if split else [])


def test_no_plugin_where_there_are_more_workers_than_cores(monkeypatch) -> None:
    monkeypatch.setattr(cores, "can_pin", lambda: True)
    assert cores.plugins([0, 2, 5], 4) == ()  # any set the system allows
    (plugin,) = cores.plugins([0, 2, 5], 2)
    assert plugin.runs == [[0], [2, 5]]
    assert cores.plugins([], 1) == ()  # a system that does not say
    monkeypatch.setattr(cores, "can_pin", lambda: False)  # a system that cannot pin
    assert cores.plugins([0, 1], 2) == ()


def _cores_of_threads() -> tuple[int, list[tuple[int, ...]]]:
    """In a worker: its process id and the distinct sets of cores its threads may run on."""
    found = set()
    for thread in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found.add(tuple(sorted(os.sched_getaffinity(int(thread)))))
    return os.getpid(), sorted(found)


@pins
def test_every_thread_of_each_worker_is_pinned_and_a_restarted_worker_again(monkeypatch) -> None:
    """Two workers on two of this process's cores (where it has two), every thread of each; a
    worker killed and started again by its nanny is back on its own core, not on every core.
    This process's own cores are not touched."""
    mine, ours = local.usable_cores()[:2], os.sched_getaffinity(0)
    monkeypatch.setattr(local, "usable_cores", lambda: mine)
    with connection.connect(workers=len(mine)) as client:
        before = client.run(_cores_of_threads)
        assert sorted(found for _, found in before.values()) == [[(core,)] for core in mine]
        victim, (victims_core,) = max(before.values())
        os.kill(victim, signal.SIGKILL)
        deadline, restarted = time.monotonic() + 60, []  # a new process, on a busy machine
        while not restarted and time.monotonic() < deadline:
            time.sleep(0.2)
            after = client.run(_cores_of_threads, on_error="ignore")  # the dead one may linger
            restarted = [
                found
                for pid, found in after.values()
                if isinstance(found, list) and pid not in {p for p, _ in before.values()}
            ]
        assert restarted == [[victims_core]]
    assert os.sched_getaffinity(0) == ours


# Run in a child that narrows itself to one core before anything else, as `taskset -c CORE` would
# start it: narrowing this test process instead would leave every thread it starts meanwhile on one
# core (and a preexec_fn would fork this multithreaded process).
ONE_CORE = """
import json, os, sys
os.sched_setaffinity(0, {int(sys.argv[1])})  # first, while this is the only thread: as taskset

from fashionlab.cluster import connection, engine, local

def cores_of_threads():
    return sorted({tuple(sorted(os.sched_getaffinity(int(t)))) for t in os.listdir("/proc/self/task")})

if __name__ == "__main__":
    with connection.connect() as client:
        print(json.dumps({"default": local.default_workers(),
                          "fills": engine.Session().fills_every_core,
                          "workers": list(client.run(cores_of_threads).values())}))
"""


@pins
def test_the_default_cluster_has_a_worker_per_core_this_process_may_use(tmp_path) -> None:
    """Under ``taskset -c N`` (or a batch job's cpuset) the machine's other cores are not ours:
    the default local cluster has one worker, on that core, and fills every core."""
    core = local.usable_cores()[0]
    script = tmp_path / "one_core.py"
    script.write_text(ONE_CORE)
    done = subprocess.run(
        [sys.executable, str(script), str(core)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"default": 1, "fills": True, "workers": [[[core]]]}
