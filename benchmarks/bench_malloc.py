"""What Dask's MALLOC_TRIM_THRESHOLD_=65536 costs: the same work in a fresh process with and
without the variable, alternating, side by side.

Dask's nanny starts every worker with it (``distributed.nanny.pre-spawn-environ``). Setting any
of glibc's malloc thresholds turns off its adaptive mmap threshold, so each array of 128 KiB or
more is mapped and unmapped anew: page faults at every training step. fashionlab's local cluster
starts its workers without it (``cluster.local``).

Workloads: ``network`` trains 3 networks of the atlas's shape (9,600 x 784 training rows, 2,400
validation rows, random data) for 5 epochs as one program (the median of 3 calls after one that compiles);
``convergence`` is the atlas's logistic regression to convergence on all 45 pairs (the real data,
one BLAS thread, as in a worker).

Usage: python benchmarks/bench_malloc.py [--repeats 3] [--workloads network,convergence]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from _common import arguments, child

DASK_SETTING = {"MALLOC_TRIM_THRESHOLD_": "65536"}


def network() -> float:
    import numpy as np

    from fashionlab.models import batched

    rng = np.random.default_rng(0)
    X, X_val = rng.random((3, 9_600, 784), np.float32), rng.random((3, 2_400, 784), np.float32)
    y, y_val = rng.random((3, 9_600)) > 0.5, rng.random((3, 2_400)) > 0.5

    def fit() -> None:
        batched.fit_many(
            X,
            y.astype(np.float32),
            X_val,
            y_val.astype(np.float32),
            seeds=[0, 1, 2],
            epochs=5,
            patience=10,
        )

    fit()  # compiles
    times = []
    for _ in range(3):
        started = time.perf_counter()
        fit()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def convergence() -> float:
    from fashionlab.analysis import atlas
    from fashionlab.config import ALL_PAIRS

    atlas.pair_rows(ALL_PAIRS[:1], None, True)  # loads and verifies the data first
    started = time.perf_counter()
    atlas.convergence_task(data_dir=None, verify=True, pairs=list(ALL_PAIRS))
    return time.perf_counter() - started


WORKLOADS = {"network": network, "convergence": convergence}


def child_seconds(workload: str, dask_setting: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    env |= {"OPENBLAS_NUM_THREADS": "1", **(DASK_SETTING if dask_setting else {})}
    out = child([sys.executable, __file__, "--child", workload], env)
    return float(out.split()[-1])


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default="network,convergence")
    parser.add_argument("--child", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(WORKLOADS[args.child]())
        return
    for workload in args.workloads.split(","):
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.repeats):
            for dask_setting in (False, True):
                times[dask_setting].append(child_seconds(workload, dask_setting))
        without, with_ = statistics.median(times[False]), statistics.median(times[True])
        print(
            f"{workload}: without {without:.2f} s {times[False]}, "
            f"with MALLOC_TRIM_THRESHOLD_=65536 {with_:.2f} s {times[True]}, "
            f"ratio {with_ / without:.2f}x"
        )


if __name__ == "__main__":
    main()
