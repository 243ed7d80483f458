"""The data a Dask worker needs, loaded and verified once per worker process from its own
sources, so that tasks carry only names and numbers; and what that data is, for cache keys.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import numpy as np

from ..data import preprocessing
from ..data.datasets import load_fashion_mnist


@functools.lru_cache(maxsize=2)
def worker_data(data_dir: str | None, verify: bool) -> tuple[Any, Any]:
    """The train and official test frames, loaded and verified once per worker process."""
    frames = []
    for images, labels in load_fashion_mnist(data_dir, verify=verify):  # train, then test
        vectors = preprocessing.flatten(preprocessing.normalize(images))
        frames.append(preprocessing.to_dataframe(vectors, labels))
    return frames[0], frames[1]


@functools.lru_cache(maxsize=8)
def worker_split(
    data_dir: str | None, verify: bool, classes: tuple[str, str], shuffle_seed: int
) -> preprocessing.PairSplit:
    return preprocessing.pair_split(worker_data(data_dir, verify)[0], classes, shuffle_seed)


@functools.lru_cache(maxsize=8)
def worker_official_test(
    data_dir: str | None, verify: bool, classes: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """The official test images of a pair, in file order, labelled as ``get_data_subset`` does."""
    frame = worker_data(data_dir, verify)[1]
    return preprocessing.get_data_subset(frame, classes, shuffle=False)


def data_identity(data_dir: str | None, verify: bool) -> str:
    """What the data is, for cache keys: verified files are the official ones, wherever found;
    unverified ones are hashed (this loads them once in the client)."""
    if verify:
        return "official fashion-mnist"
    (train_images, train_labels), (test_images, test_labels) = load_fashion_mnist(
        data_dir, verify=False
    )
    hasher = hashlib.sha256()
    for array in (train_images, train_labels, test_images, test_labels):
        hasher.update(str(array.shape).encode())
        hasher.update(np.ascontiguousarray(array).data)
    return "sha256:" + hasher.hexdigest()
