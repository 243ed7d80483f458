"""Softmax regression's settings checked without the test images: each setting of
docs/extras.md trained on the first 90 % of the training images and scored on the last 10 %, the
validation share that the ten-class network holds out (``VALIDATION_SHARE``). The official test
images take no part.

Prints a Markdown table, best validation accuracy first (docs/extras.md has it). Usage:
python docs/choose_softmax.py
"""

from __future__ import annotations

import numpy as np

from fashionlab.analysis.metrics import mcnemar_p
from fashionlab.analysis.tenclass import VALIDATION_SHARE
from fashionlab.data.loaded import load_data
from fashionlab.data.preprocessing import bias_trick
from fashionlab.models import softmax

SETTINGS = [  # (learning rate, batch size, epochs): the nine rows of docs/extras.md
    (0.5, 128, 30),
    (0.2, 128, 30),
    (1.0, 256, 30),
    (0.5, 64, 20),
    (0.2, 128, 60),
    (0.3, 128, 50),
    (0.1, 64, 50),
    (0.2, 64, 40),
    (0.1, 32, 30),
]


def main() -> None:
    data = load_data()
    X, labels = bias_trick(data.train_vectors), data.train_labels
    cut = len(X) - int(len(X) * VALIDATION_SHARE)  # Keras's validation_split keeps the last rows
    rows = []
    for rate, batch, epochs in SETTINGS:
        fitted = softmax.fit_softmax(
            X[:cut], labels[:cut], learning_rate=rate, batch_size=batch, epochs=epochs, seed=0
        )
        right = softmax.classify(fitted.theta, X[cut:]) == labels[cut:]
        rows.append(
            (float(np.mean(right)), (rate, batch, epochs), fitted.train_accuracies[-1], right)
        )
    rows.sort(key=lambda row: row[0], reverse=True)
    best = rows[0][3]
    print(
        f"Trained on {cut:,} images, validated on {len(X) - cut:,}; McNemar's exact test of each "
        "setting against the best, on the same validation images.\n"
    )
    print(
        "| learning rate | batch | epochs | train acc. | validation acc. | McNemar p against the best |"
    )
    print("|---|---|---|---|---|---|")
    for val, (rate, batch, epochs), train, right in rows:
        p = mcnemar_p(int(np.sum(best & ~right)), int(np.sum(right & ~best)))
        print(f"| {rate:g} | {batch} | {epochs} | {train:.4f} | {val:.4f} | {p:.3g} |")


if __name__ == "__main__":
    main()
