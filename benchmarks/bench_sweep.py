"""A 200-task logistic-regression sweep: Dask with 1 and 2 workers, against a plain loop.

2 pairs x 5 learning rates x 4 step counts x 5 seeds = 200 tasks, with short runs (5-20 steps) so
the per-task overhead shows. Every repeat uses a fresh, empty cache, so nothing is served from
it. The plain loop runs the same task functions in this process with BLAS held to one thread, as
each Dask worker is (OMP_NUM_THREADS=1), so the difference is Dask's overhead alone.

Usage: python benchmarks/bench_sweep.py [--repeats 3]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Any

from _common import arguments

from fashionlab.analysis import sweep
from fashionlab.analysis.grid import Grid
from fashionlab.cluster import connection, worker_data

DATA_DIR = os.environ.get("FASHIONLAB_DATA", "/usr/share/datasets/fashion-mnist")
GRID = Grid(
    pairs=(("Trouser", "Ankle boot"), ("Pullover", "Coat")),
    learning_rates=(0.005, 0.01, 0.05, 0.1, 0.5),
    steps=(5, 10, 15, 20),
    seeds=(42, 1, 2, 3, 4),
    data_dir=DATA_DIR,
)
TEN_MINUTES = 600.0


def fresh_cache() -> tempfile.TemporaryDirectory[str]:
    folder = tempfile.TemporaryDirectory()
    os.environ["XDG_CACHE_HOME"] = folder.name
    return folder


def dask_seconds(workers: int) -> float:
    """Wall time of the whole sweep on a new LocalCluster, cluster start-up included."""
    with fresh_cache():
        started = time.perf_counter()
        sweep.run_sweep(GRID, workers=workers)
        return time.perf_counter() - started


def _load(data_dir: str) -> None:
    """In a worker: the data, loaded once (nothing sent back)."""
    worker_data.worker_data(data_dir, True)


def dask_task_seconds(workers: int) -> tuple[float, float]:
    """(cluster start-up, sweep on the warm cluster): start-up measured apart."""
    with fresh_cache():
        started = time.perf_counter()
        with connection.connect(workers=workers) as client:
            client.run(_load, DATA_DIR)  # each worker loads the data once
            ready = time.perf_counter()
            sweep.run_sweep(GRID, client=client)
            return ready - started, time.perf_counter() - ready


def loop_seconds() -> float:
    """The same tasks called one after another in this process, data already loaded."""
    from threadpoolctl import threadpool_limits

    with fresh_cache(), threadpool_limits(1):
        worker_data.worker_split.cache_clear()  # as a fresh worker: every pair split built again
        worker_data.worker_official_test.cache_clear()  # and its official test images
        worker_data.worker_data(DATA_DIR, True)
        started = time.perf_counter()
        for task in sweep.tasks(GRID):
            task.function(**task.kwargs)
        return time.perf_counter() - started


def assignment_task_seconds(repeats: int) -> float:
    """Median time of one assignment-sized task (100 steps) in this process, one BLAS thread."""
    from threadpoolctl import threadpool_limits

    settings: dict[str, Any] = {
        "data_dir": DATA_DIR,
        "verify": True,
        "classes": ("Pullover", "Coat"),
        "learning_rate": 0.05,
        "steps": 100,
    }
    times = []
    with threadpool_limits(1):
        for seed in range(repeats):
            started = time.perf_counter()
            sweep.logreg_task(seed=seed, **settings)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    n = GRID.size
    loop = statistics.median(loop_seconds() for _ in range(repeats))
    print(f"plain loop, 1 process, 1 BLAS thread: {loop:.1f} s, {loop / n * 1000:.0f} ms/task")
    for workers in (1, 2):
        runs = [dask_task_seconds(workers) for _ in range(repeats)]
        start = statistics.median(r[0] for r in runs)
        work = statistics.median(r[1] for r in runs)
        print(
            f"dask, {workers} worker(s): start-up and data load {start:.1f} s, sweep {work:.1f} s "
            f"({work / n * 1000:.0f} ms/task wall; per worker {work * workers / n * 1000:.0f} ms)"
        )
        if workers == 1:
            one = work
            overhead = (work - loop) / n * 1000
            print(f"dask overhead per task against the loop: {overhead:.1f} ms")
        else:
            print(f"speed-up 1 -> 2 workers: {one / work:.2f}x")
    whole = dask_seconds(2)  # once: start-up and sweep are measured apart above
    print(f"whole sweep, --workers 2, cluster start included: {whole:.1f} s")
    per_task = work / n  # 2 workers, warm cluster: seconds of wall time per 5-20-step task
    print(
        f"largest grid of such tasks in 10 minutes on 2 workers: about "
        f"{int((TEN_MINUTES - start) / per_task):,} tasks (cores: {os.cpu_count()})"
    )
    hundred = assignment_task_seconds(repeats)
    speed_up = one / work
    print(
        f"one 100-step task: {hundred:.2f} s; in 10 minutes on 2 workers about "
        f"{int((TEN_MINUTES - start) * speed_up / hundred):,} such tasks"
    )


if __name__ == "__main__":
    main()
