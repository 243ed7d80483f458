"""The whole study: ``fashionlab run --no-extras --no-notebook``, cold (empty cache) and cached, against a
straightforward reference pipeline that follows the assignment's cells literally (a DataFrame built
column by column, StandardScaler + PCA, scikit-learn's TSNE at the assignment's settings, the literal
gradient-descent loop on both pairs, the same Keras model). Each runs in its own process on this
machine, one after the other, for three rounds (``--rounds``); medians are compared. fashionlab also draws every
figure and writes the report; the reference draws nothing, so the comparison favours the reference.

Usage: python benchmarks/bench_run.py [--rounds 3]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import arguments, child

REFERENCE = r"""
import os, sys, time
sys.path.insert(0, "tests")
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np, pandas as pd
import assignment_reference as ref
from fashionlab.data.datasets import load_fashion_mnist, CLASS_NAMES
stages = {}
t = time.perf_counter()
(train_images, train_labels), (test_images, test_labels) = load_fashion_mnist()
train_images = train_images / 255.0
test_images = test_images / 255.0
train_images = train_images.reshape(-1, 784)
test_images = test_images.reshape(-1, 784)
class_dict = dict(enumerate(CLASS_NAMES))
img_data = {f"z{i}": train_images[:, i] for i in range(784)}
img_data["label"] = train_labels
df_img_train = pd.DataFrame(img_data)
df_img_train["class"] = df_img_train["label"].map(class_dict)
stages["data"] = time.perf_counter() - t
t = time.perf_counter()
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.preprocessing import StandardScaler
standardized_data = StandardScaler().fit_transform(train_images)
pca_features = PCA(n_components=50).fit_transform(standardized_data)
visualization_data = TSNE(n_components=2, random_state=0, perplexity=30, learning_rate=200).fit_transform(pca_features[:10000])
stages["pca+tsne"] = time.perf_counter() - t
t = time.perf_counter()
for pair in (["Trouser", "Ankle boot"], ["Pullover", "Coat"]):
    X, y = ref.get_data_subset(df_img_train, pair)
    ref.logistic_regression(X, y, 0.05, 100)
stages["logreg"] = time.perf_counter() - t
t = time.perf_counter()
import keras
keras.utils.set_random_seed(0)
from keras.layers import Input, Dense
from keras.models import Model
inp = Input(shape=(784,)); x = Dense(100, activation="relu")(inp); out = Dense(1, activation="sigmoid")(x)
model = Model(inputs=inp, outputs=out)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
X, y = ref.get_data_subset(df_img_train, ["Pullover", "Coat"])
model.fit(X, y, validation_split=0.2, epochs=44, batch_size=64, verbose=0)
stages["network"] = time.perf_counter() - t
import json; print(json.dumps(stages))
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = child(command, env)
    return time.perf_counter() - started, out


def _stages(timings: dict[str, dict[str, float]]) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in timings["stages"].items())


def main() -> None:
    """``--rounds`` rounds, each running the reference, a cold run and a cached run in turn; the
    medians are compared, since one run on a shared 2-core machine can be off by a second."""
    parser = arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    root = Path(__file__).parents[1]
    reference: list[float] = []
    cold: list[float] = []
    cached: list[float] = []
    for round_ in range(1, rounds + 1):
        with tempfile.TemporaryDirectory() as scratch:
            env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
            report = Path(scratch) / "report"
            run = [
                sys.executable,
                "-m",
                "fashionlab",
                "run",
                "--no-extras",
                "--no-notebook",
                "--out",
                str(report),
            ]
            seconds, out = timed([sys.executable, "-c", REFERENCE], {**env, "PWD": str(root)})
            reference.append(seconds)
            stages = json.loads(out.strip().splitlines()[-1])
            print(
                f"round {round_}: reference {seconds:5.1f} s  ("
                + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
                + ")"
            )
            for name, times in (("cold", cold), ("cached", cached)):
                seconds, _ = timed(run, env)
                times.append(seconds)
                timings = json.loads((report / "results.json").read_text())["timings"]
                print(f"         {name:<9} {seconds:5.1f} s  ({_stages(timings)})")
    median = statistics.median(reference)
    print(
        f"median of {rounds}: reference {median:.1f} s; "
        f"cold {statistics.median(cold):.1f} s = {statistics.median(cold) / median:.2f}x, "
        f"cached {statistics.median(cached):.1f} s = {statistics.median(cached) / median:.2f}x"
    )


if __name__ == "__main__":
    main()
