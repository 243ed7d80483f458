"""All 45 pair networks trained as one compiled JAX program (models/batched.py) against the current
one-at-a-time Keras fit (models/neural.py): wall time, FLOP rate and per-pair validation accuracy.

Each pair is built as the atlas builds it: the pair's rows through get_data_subset, the network
trained on the first 80 % (9,600 rows) and validated on the last 20 % (2,400 rows), which is what
Keras's validation_split=0.2 does. Seed 0, batch 64.

Usage: python benchmarks/bench_batched.py [--repeats 3] [--keras-pairs 45] [--settings atlas main]
           [--json results.json]
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time
from typing import Any

import numpy as np
from _common import arguments

from fashionlab.data import preprocessing
from fashionlab.data.datasets import CLASS_NAMES, load_fashion_mnist
from fashionlab.models import batched

SETTINGS = {"atlas": (30, 3), "main": (60, 8)}  # name: (epoch cap, patience)
TRAIN_ROWS = 9_600  # the first 80 % of a pair's 12,000 rows; the last 2,400 validate
PAIRS = tuple(itertools.combinations(CLASS_NAMES, 2))


def pair_arrays() -> tuple[np.ndarray, np.ndarray]:
    """X (45, 12000, 784) float32 and y (45, 12000) for every pair, as the atlas builds them."""
    (images, labels), _ = load_fashion_mnist()
    X_all, y_all = [], []
    for pair in PAIRS:
        rows = np.isin(labels, [CLASS_NAMES.index(name) for name in pair])
        vectors = preprocessing.flatten(preprocessing.normalize(images[rows]))
        X, y = preprocessing.get_data_subset(
            preprocessing.to_dataframe(vectors, labels[rows]), pair
        )
        X_all.append(X.astype(np.float32))
        y_all.append(y[:, 0].astype(np.float32))
    return np.stack(X_all), np.stack(y_all)


def training_flops(fits: list[batched.NetworkFit], n_train: int, n_val: int) -> float:
    """6 * parameters per training row (forward + backward) + 2 * parameters per validation row."""
    parameters = 784 * 100 + 100 + 100 + 1
    epochs = sum(fit.epochs_run for fit in fits)
    return epochs * parameters * (6 * n_train + 2 * n_val)


def time_batched(X: np.ndarray, y: np.ndarray, epochs: int, patience: int, repeats: int) -> dict:
    """The first call (compiles) and the median of ``repeats`` more."""

    def run() -> list[batched.NetworkFit]:
        return batched.fit_many(
            X[:, :TRAIN_ROWS],
            y[:, :TRAIN_ROWS],
            X[:, TRAIN_ROWS:],
            y[:, TRAIN_ROWS:],
            seeds=[0] * len(X),
            epochs=epochs,
            patience=patience,
        )

    started = time.perf_counter()
    fits = run()
    times = [time.perf_counter() - started]
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    median = statistics.median(times[1:]) if repeats else times[0]
    flops = training_flops(fits, TRAIN_ROWS, X.shape[1] - TRAIN_ROWS)
    return {
        "first_seconds": times[0],
        "median_seconds": median,
        "seconds": times[1:],
        "epochs_run": [fit.epochs_run for fit in fits],
        "gflop": flops / 1e9,
        "gflop_per_second": flops / 1e9 / median,
        "val_accuracy": [fit.history["val_accuracy"][fit.best_epoch - 1] for fit in fits],
    }


def keras_pairs(X: np.ndarray, y: np.ndarray, epochs: int, patience: int, count: int) -> dict:
    """The current Keras fit on the first ``count`` pairs, one after another."""
    from fashionlab.models import neural

    accuracies, seconds, epochs_run = [], [], []
    for index in range(count):
        started = time.perf_counter()
        run, _ = neural.fit(
            X[index], y[index][:, None], epochs=epochs, patience=patience, batch_size=64, seed=0
        )
        seconds.append(time.perf_counter() - started)
        accuracies.append(run.val_accuracy)
        epochs_run.append(run.epochs_run)
    total = sum(seconds) * len(PAIRS) / count
    return {
        "val_accuracy": accuracies,
        "seconds": seconds,
        "epochs_run": epochs_run,
        "seconds_for_45": total,
    }


def compare(ours: list[float], keras: list[float], n_val: int) -> dict:
    """Mean and max |difference|, and how many pairs agree within 2 standard errors."""
    a, b = np.asarray(ours[: len(keras)]), np.asarray(keras)
    p = (a + b) / 2
    within = np.abs(a - b) <= 2 * np.sqrt(np.maximum(p * (1 - p), 1 / n_val) / n_val)
    return {
        "pairs": len(b),
        "mean_abs_difference": float(np.mean(np.abs(a - b))),
        "max_abs_difference": float(np.max(np.abs(a - b))),
        "within_2_se": int(within.sum()),
    }


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keras-pairs", type=int, default=len(PAIRS))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    X, y = pair_arrays()
    n_val = X.shape[1] - TRAIN_ROWS
    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
    for name in args.settings:
        epochs, patience = SETTINGS[name]
        ours = time_batched(X, y, epochs, patience, args.repeats)
        keras = keras_pairs(X, y, epochs, patience, args.keras_pairs) if args.keras_pairs else {}
        agreement = compare(ours["val_accuracy"], keras["val_accuracy"], n_val) if keras else {}
        results[name] = {"batched": ours, "keras": keras, "agreement": agreement}
        print(
            f"{name} (cap {epochs}, patience {patience}): batched first call "
            f"{ours['first_seconds']:.1f} s, median {ours['median_seconds']:.1f} s of "
            f"{ours['seconds']}, {sum(ours['epochs_run'])} network-epochs, {ours['gflop']:.0f} "
            f"GFLOP = {ours['gflop_per_second']:.1f} GFLOP/s"
        )
        if keras:
            print(
                f"  keras: {sum(keras['seconds']):.1f} s for {len(keras['seconds'])} pairs "
                f"(~{keras['seconds_for_45']:.0f} s for 45); agreement {agreement}"
            )
    results["load_average_after"] = os.getloadavg()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
