"""The atlas of all 45 pairs at --jobs 1 and --jobs 2 (each with an empty cache), and the time of
softmax regression on all 60,000 training images.

Usage: python benchmarks/bench_atlas.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fashionlab.data.preprocessing import bias_trick
from fashionlab.models import softmax
from fashionlab.study import load_data


def atlas_seconds(jobs: int) -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fashionlab", "atlas", "--jobs", str(jobs), "--json"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - started


def main() -> None:
    one, two = atlas_seconds(1), atlas_seconds(2)
    print(f"atlas, 45 pairs: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s, speed-up {one / two:.2f}x "
          f"on {os.cpu_count()} cores")  # fmt: skip
    data = load_data()
    X = bias_trick(data.train_vectors)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        fitted = softmax.fit_softmax(X, data.train_labels)
        times.append(time.perf_counter() - started)
    X_test = bias_trick(data.test_vectors).astype(np.float32)
    accuracy = np.mean(
        softmax.predict_classes(softmax.softmax(X_test @ fitted.theta)) == data.test_labels
    )
    print(
        f"softmax regression on 60,000 images: median {statistics.median(times):.1f} s "
        f"({softmax.EPOCHS} epochs), official test accuracy {accuracy:.4f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
