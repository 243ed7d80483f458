"""100 gradient-descent steps: fashionlab's loop against the assignment's skeleton filled in literally.

Both run side by side on the same rows of both pairs.

Usage: python benchmarks/bench_logistic.py [--repeats 7]
"""

from __future__ import annotations

from functools import partial

import numpy as np
from _common import arguments, median_seconds, reference

from fashionlab.data.loaded import load_data
from fashionlab.models.logistic import logistic_regression


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    data = load_data()
    print(
        f"{'pair':<24}{'fashionlab':>12}{'literal':>12}{'ratio':>8}   final metrics (ours = literal)"
    )
    for pair in (["Trouser", "Ankle boot"], ["Pullover", "Coat"]):
        X, y = reference.get_data_subset(data.df_train, pair)
        ours, _ = median_seconds(partial(logistic_regression, X, y, 0.05, 100), repeats)
        literal, _ = median_seconds(
            partial(reference.logistic_regression, X, y, 0.05, 100), repeats
        )
        theta, train_loss, train_acc, val_loss, val_acc = logistic_regression(X, y, 0.05, 100)
        check = reference.logistic_regression(X, y, 0.05, 100)
        same_accuracy = val_acc == list(check[4]) and train_acc == list(check[2])
        gap = max(
            float(np.max(np.abs(np.subtract(ours_loss, theirs)) / np.abs(theirs)))
            for ours_loss, theirs in ((train_loss, check[1]), (val_loss, check[3]))
        )
        weights_gap = float(np.max(np.abs(np.subtract(theta, check[0]))))
        print(
            f"{' vs '.join(pair):<24}{ours:>11.3f}s{literal:>11.3f}s{literal / ours:>7.2f}x   "
            f"train acc {train_acc[-1]:.4f} loss {train_loss[-1]:.4f}, "
            f"val acc {val_acc[-1]:.4f} loss {val_loss[-1]:.4f} (accuracies identical: "
            f"{same_accuracy}; losses within {gap:.1e} relative, weights within {weights_gap:.1e})"
        )
    print(f"medians of {repeats} runs after a warm-up; ratio = literal / fashionlab")


if __name__ == "__main__":
    main()
