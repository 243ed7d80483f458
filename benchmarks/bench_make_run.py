"""A cold, full ``fashionlab run`` (every stage and the notebook, what ``make run`` does) against
the same command of an older checkout, each with an empty cache, alternating, medians compared.

The issue's baseline is the study before the Dask engine (commit 1843228):
``git worktree add /tmp/old 1843228``, then ``--reference-src /tmp/old/src``. The two studies do
not hold the same work: the newer one adds the learning-rate grid, the gradient-descent dynamics,
the network over five seeds and the McNemar tests. The stage times of each run are printed.

Usage: python benchmarks/bench_make_run.py --reference-src OLD/src [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def full_run(src: str | None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        if src is not None:
            env["PYTHONPATH"] = src
        report = Path(scratch) / "report"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fashionlab", "run", "--out", str(report)],
                       env=env, check=True, capture_output=True)  # fmt: skip
        seconds = time.perf_counter() - started
        return seconds, json.loads((report / "results.json").read_text()).get("timings", {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference-src", required=True, help="src/ of an older checkout")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"fashionlab": [], "reference": []}
    for _ in range(args.repeats):
        for name, src in (("fashionlab", None), ("reference", args.reference_src)):
            seconds, timings = full_run(src)
            times[name].append(seconds)
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.get("stages", {}).items())
            print(f"{name:>10}: {seconds:.1f} s ({stages})", flush=True)
    ours, theirs = (statistics.median(times[name]) for name in ("fashionlab", "reference"))
    print(
        f"median: fashionlab {ours:.1f} s, reference {theirs:.1f} s: {ours / theirs:.2f}x its time"
    )


if __name__ == "__main__":
    main()
