"""A cold ``fashionlab atlas`` (45 pairs: logistic regressions and groups of networks, all as
Dask tasks) with 1 and 2 workers, each with an empty cache; optionally side by side with an older
checkout (``--reference-src``), whose atlas trains one Keras model per pair.

Also the share of the machine's compute limit the atlas reaches: FLOPs of the network training
actually done (6 x parameters per training row per epoch, 2 x per validation row) over the whole
atlas's wall time, against the measured peak of one large float32 matrix multiply.

Usage: python benchmarks/bench_atlas.py [--repeats 3] [--workers 1,2] [--reference-src OLD/src]

The issue's baseline is the atlas before the Dask engine (commit 1843228, one Keras model per
pair, ``--jobs 1``): ``git worktree add /tmp/old 1843228`` and ``--reference-src /tmp/old/src``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from _common import arguments, child

PARAMETERS = 784 * 100 + 100 + 100 + 1  # the assignment network
TRAIN_ROWS, VAL_ROWS = 9_600, 2_400


def atlas_run(workers: int | None, src: str | None = None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        command = [sys.executable, "-m", "fashionlab", "atlas", "--json"]
        if src is not None:
            env["PYTHONPATH"] = src
        elif workers is not None:
            command += ["--workers", str(workers)]
        started = time.perf_counter()
        out = child(command, env)
        return time.perf_counter() - started, json.loads(out)


def peak_gflops() -> float:
    """The best of a few 2048 x 2048 float32 matrix multiplies: this machine's practical peak."""
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - started)
    return 2 * 2048**3 / best / 1e9


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-src", help="src/ of an older fashionlab checkout")
    parser.add_argument("--workers", default="1,2", help="comma list of worker counts to time")
    args = parser.parse_args()
    labels = {int(n): f"{n} worker{'s' * (int(n) > 1)}" for n in args.workers.split(",")}
    times: dict[str, list[float]] = {label: [] for label in labels.values()}
    times["reference"] = []
    payload: dict = {}
    for _ in range(args.repeats):  # interleaved, so drift in the machine's load hits all alike
        for n, label in labels.items():
            seconds, payload = atlas_run(n)
            times[label].append(seconds)
        if args.reference_src:
            times["reference"].append(atlas_run(None, args.reference_src)[0])
    pairs = payload["pairs"]
    epochs = sum(p["nn_epochs_run"] for p in pairs)
    flops = epochs * PARAMETERS * (6 * TRAIN_ROWS + 2 * VAL_ROWS)
    for name, values in times.items():
        if values:
            print(f"{name:>10}: median {statistics.median(values):.1f} s of {values}")
    for name, values in times.items():
        if times["reference"] and values and name != "reference":
            ratio = statistics.median(values) / statistics.median(times["reference"])
            print(f"{name} against the reference: {ratio:.2f}x its time")
    peak = peak_gflops()
    print(
        f"{len(pairs)} pairs, {epochs} network-epochs, {flops / 1e12:.2f} TFLOP of training; "
        f"peak matrix multiply {peak:.0f} GFLOP/s on {os.cpu_count()} cores"
    )
    for label in labels.values():
        rate = flops / statistics.median(times[label]) / 1e9
        print(f"{label}: {rate:.1f} GFLOP/s over the whole atlas, {rate / peak:.0%} of the peak")


if __name__ == "__main__":
    main()
