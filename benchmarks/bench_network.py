"""Seconds per epoch of the assignment's network on Pullover vs Coat, on Keras's JAX backend, and
on TensorFlow too where it happens to be installed (each backend in its own process).

Usage: python benchmarks/bench_network.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

from _common import arguments, child

CHILD = """
import json, time
from fashionlab.config import Config
from fashionlab.data.loaded import load_data
from fashionlab.analysis.network_run import train_network
found, _, seconds = train_network(load_data(), ("Pullover", "Coat"), Config().network, seed=0)
print(json.dumps({"seconds": seconds, "epochs": found.epochs_run, "val": found.val_accuracy,
                  "test": found.official_test_accuracy}))
"""


def measure(backend: str) -> dict[str, float]:
    env = {**os.environ, "KERAS_BACKEND": backend}
    out = child([sys.executable, "-c", CHILD], env)
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    arguments(__doc__).parse_args()
    backends = ["jax"] + (["tensorflow"] if importlib.util.find_spec("tensorflow") else [])
    for backend in backends:
        result = measure(backend)
        print(
            f"{backend:<11} {result['seconds']:6.2f} s for {result['epochs']} epochs = "
            f"{result['seconds'] / result['epochs']:.3f} s/epoch; val {result['val']:.4f}, "
            f"official test {result['test']:.4f}"
        )
    if len(backends) == 1:
        print("TensorFlow is not installed: only JAX was timed (TensorFlow is not a dependency)")


if __name__ == "__main__":
    main()
