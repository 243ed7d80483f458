"""The whole study: ``fashionlab run --no-extras``, cold (empty cache) and cached, against a
straightforward reference pipeline that follows the assignment's cells literally (a DataFrame built
column by column, StandardScaler + PCA, scikit-learn's TSNE at the assignment's settings, the literal
gradient-descent loop on both pairs, the same Keras model). Each runs in its own process on this
machine, one after the other. fashionlab also draws every figure and writes the report; the
reference draws nothing, so the comparison favours the reference.

Usage: python benchmarks/bench_run.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = r"""
import os, sys, time
sys.path.insert(0, "tests")
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np, pandas as pd
import assignment_reference as ref
from fashionlab.datasets import load_fashion_mnist, CLASS_NAMES
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
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, result.stdout


def main() -> None:
    root = Path(__file__).parents[1]
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}
        run = [sys.executable, "-m", "fashionlab", "run", "--no-extras", "--out",
               str(Path(scratch) / "report")]  # fmt: skip
        cold, _ = timed(run, env)
        stages_cold = json.loads((Path(scratch) / "report" / "results.json").read_text())["timings"]
        cached, _ = timed(run, env)
        stages_cached = json.loads((Path(scratch) / "report" / "results.json").read_text())[
            "timings"
        ]
        reference, out = timed([sys.executable, "-c", REFERENCE], {**env, "PWD": str(root)})
    reference_stages = json.loads(out.strip().splitlines()[-1])
    print(f"reference pipeline : {reference:6.1f} s  " + ", ".join(
        f"{k} {v:.1f} s" for k, v in reference_stages.items()))  # fmt: skip
    for name, total, timings in (("fashionlab cold", cold, stages_cold),
                                 ("fashionlab cached", cached, stages_cached)):  # fmt: skip
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings["stages"].items())
        print(f"{name:<19}: {total:6.1f} s = {total / reference:.2f}x the reference  ({stages})")


if __name__ == "__main__":
    main()
