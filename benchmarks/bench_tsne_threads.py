"""openTSNE on one thread against every core, at fashionlab's settings, on the first N standardised
PCA rows of the training images: wall time, CPU time and whether the two maps are the same. The
two runs alternate, so that a busy machine slows both alike. ``embedding.THREADS_FROM`` is where
fashionlab starts to use every core (docs/tsne.md).

Usage: python benchmarks/bench_tsne_threads.py [--repeats N] [--points 100,1000,3000,5000,10000]
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from _common import arguments

from fashionlab.analysis import embedding
from fashionlab.data.loaded import load_data


def timed(features: np.ndarray, n_jobs: int) -> tuple[float, float, np.ndarray]:
    """Wall seconds, CPU seconds (every thread of this process) and the map."""
    import openTSNE

    wall, cpu = time.perf_counter(), time.process_time()
    mapped = np.asarray(openTSNE.TSNE(n_jobs=n_jobs, **embedding.TSNE_SETTINGS).fit(features))
    return time.perf_counter() - wall, time.process_time() - cpu, mapped


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--points", default="100,1000,3000,5000,10000")
    args = parser.parse_args()
    data = load_data()
    features = embedding.project(data.train_images, data.test_images).features
    print("points  threads   wall (median)  CPU (median)  same map")
    for n in (int(value) for value in args.points.split(",")):
        runs: dict[int, list[tuple[float, float]]] = {1: [], -1: []}
        maps: dict[int, np.ndarray] = {}
        for _ in range(args.repeats):
            for n_jobs in (1, -1):
                wall, cpu, maps[n_jobs] = timed(features[:n], n_jobs)
                runs[n_jobs].append((wall, cpu))
        same = bool(np.array_equal(maps[1], maps[-1]))
        for n_jobs, label in ((1, "one"), (-1, "all")):
            wall = statistics.median(w for w, _ in runs[n_jobs])
            cpu = statistics.median(c for _, c in runs[n_jobs])
            print(f"{n:>6}  {label:>7}  {wall:>10.2f} s  {cpu:>10.2f} s  {same}")


if __name__ == "__main__":
    main()
