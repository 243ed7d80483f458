"""The data a Dask worker needs, loaded and verified once per worker process from its own
sources, so that tasks carry only names and numbers; and what that data is, for cache keys.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from ..data import preprocessing
from ..data.datasets import load_fashion_mnist
from ..data.loaded import Data, load_data


@functools.lru_cache(maxsize=2)
def worker_data(data_dir: str | None, verify: bool) -> Data:
    """The four files, loaded and verified once per worker process, with their forms as the
    main process has them (``Data``: the same normalising, flattening and frames)."""
    return load_data(data_dir, verify=verify)


@functools.lru_cache(maxsize=8)
def worker_split(
    data_dir: str | None, verify: bool, classes: tuple[str, str], shuffle_seed: int
) -> preprocessing.PairSplit:
    """The assignment's split of one pair, kept for the worker's next task on it."""
    return worker_data(data_dir, verify).pair(classes, shuffle_seed)


@functools.lru_cache(maxsize=8)
def worker_official_test(
    data_dir: str | None, verify: bool, classes: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """The official test images of a pair, the last 8 pairs' kept (12.5 MB each: a sweep over
    all 45 pairs keeps no more than before)."""
    return worker_data(data_dir, verify).official_test(classes)


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
