"""A cold, full ``fashionlab run`` (every stage and the notebook, what ``make run`` does) against
the same command of an older checkout, each with an empty cache, alternating, medians compared.

The issue's baseline is the study before the Dask engine (commit 1843228):
``git worktree add /tmp/old 1843228``, then ``--reference-src /tmp/old/src``. The two studies do
not hold the same work: the newer one adds the learning-rate grid, the gradient-descent dynamics,
the network over five seeds and the McNemar tests. The stage times of each run are printed.

Usage: python benchmarks/bench_make_run.py --reference-src OLD/src [--repeats 1]
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import arguments

STAGE_DONE = re.compile(r"^\s*(.+): [0-9.]+ s$")  # a progress line closing a stage
NOTEBOOK = "the assignment notebook"  # the one stage that is not the study's


def full_run(src: str | None) -> tuple[float, float, dict]:
    """The run's wall time, the seconds after its study's last stage (the figures, the pages and
    the notebook), and its timings."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        if src is not None:
            env["PYTHONPATH"] = src
        report = Path(scratch) / "report"
        started = time.perf_counter()
        last_stage = started
        with subprocess.Popen(
            [sys.executable, "-m", "fashionlab", "run", "--out", str(report)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stderr is not None
            for line in process.stderr:  # the progress lines, timed as they come
                found = STAGE_DONE.match(line.rstrip())
                if found and found.group(1) != NOTEBOOK:
                    last_stage = time.perf_counter()
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"fashionlab run exited {process.returncode}")
        timings = json.loads((report / "results.json").read_text()).get("timings", {})
        return seconds, seconds - (last_stage - started), timings


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--reference-src", required=True, help="src/ of an older checkout")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"fashionlab": [], "reference": []}
    tails: dict[str, list[float]] = {"fashionlab": [], "reference": []}
    for _ in range(args.repeats):
        for name, src in (("fashionlab", None), ("reference", args.reference_src)):
            seconds, after, timings = full_run(src)
            times[name].append(seconds)
            tails[name].append(after)
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.get("stages", {}).items())
            print(
                f"{name:>10}: {seconds:.1f} s ({stages}; after the stages {after:.1f} s)",
                flush=True,
            )
    ours, theirs = (statistics.median(times[name]) for name in ("fashionlab", "reference"))
    print(
        f"median: fashionlab {ours:.1f} s, reference {theirs:.1f} s: {ours / theirs:.2f}x its time"
    )
    ours, theirs = (statistics.median(tails[name]) for name in ("fashionlab", "reference"))
    print(
        f"after the stages (figures, pages, notebook), median: fashionlab {ours:.1f} s, "
        f"reference {theirs:.1f} s"
    )


if __name__ == "__main__":
    main()
