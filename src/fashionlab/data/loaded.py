"""Fashion-MNIST loaded once, with the assignment's preprocessing computed on first use."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..config import SHUFFLE_SEED
from ..errors import DataError
from . import preprocessing
from .datasets import FILES, locate


@dataclass
class Data:
    """The four official arrays, where they came from, and their preprocessed forms."""

    train_images: np.ndarray  # (60000, 28, 28) uint8
    train_labels: np.ndarray  # (60000,) uint8
    test_images: np.ndarray  # (10000, 28, 28) uint8
    test_labels: np.ndarray  # (10000,) uint8
    sources: dict[str, dict[str, str]]  # file -> where it was found and how it was verified

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The four official arrays, which every cache key of a run's results reads."""
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)

    @cached_property
    def train_vectors(self) -> np.ndarray:
        """(60000, 784) float64 in [0, 1]: Q1.1 then Q1.2."""
        return preprocessing.flatten(preprocessing.normalize(self.train_images))

    @cached_property
    def test_vectors(self) -> np.ndarray:
        return preprocessing.flatten(preprocessing.normalize(self.test_images))

    @cached_property
    def df_train(self) -> pd.DataFrame:
        return preprocessing.to_dataframe(self.train_vectors, self.train_labels)

    @cached_property
    def df_test(self) -> pd.DataFrame:
        return preprocessing.to_dataframe(self.test_vectors, self.test_labels)

    def pair(
        self, classes: Sequence[str], shuffle_seed: int = SHUFFLE_SEED
    ) -> preprocessing.PairSplit:
        """The assignment's split of one pair of the training images."""
        with _named("the training images", "train_labels"):
            return preprocessing.pair_split(self.df_train, classes, shuffle_seed)

    def official_test(self, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The official test images of a pair, in file order, labelled as ``get_data_subset`` does
        (about 10 ms, so not kept: callers that reuse them keep them, as ``worker_data`` does)."""
        with _named("the official test images", "test_labels"):
            return preprocessing.get_data_subset(self.df_test, classes, shuffle=False)

    def check_pairs(self, pairs: Sequence[Sequence[str]]) -> None:
        """Each pair with enough training images of each class to split, and some test images:
        raises ``DataError`` naming the labels file. Only a copy that was not verified can fail,
        so commands call it for those, before any work (else a missing class ends a sweep after its
        first tasks, and an atlas in two tracebacks)."""
        for classes in pairs:
            self.pair(classes)
            self.official_test(classes)

    def verification(self) -> dict[str, str]:
        """How each file was checked: "archive sha256", "payload sha256" or "not checked"."""
        return {name: info["verified"] for name, info in self.sources.items()}


def load_data(data_dir: str | None = None, *, verify: bool = True) -> Data:
    """Find, verify and decode the four files (``datasets.locate``)."""
    found = locate(data_dir, verify=verify)
    return Data(
        train_images=found["train_images"].array,
        train_labels=found["train_labels"].array,
        test_images=found["test_images"].array,
        test_labels=found["test_labels"].array,
        sources={
            f.path.name: {"path": str(f.path), "source": f.source, "verified": f.verified}
            for f in found.values()
        },
    )


@contextlib.contextmanager
def _named(images: str, labels: str) -> Iterator[None]:
    """A pair the data cannot give, said with the file whose labels lack it ("the data hold no
    Trouser images" would not say that only the test labels lack them)."""
    try:
        yield
    except DataError as exc:
        raise DataError(f"{images} ({FILES[labels].filename}): {exc}") from None
