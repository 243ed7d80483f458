"""The study, stage by stage: each command of the CLI is one function here.

Data flows one way: datasets -> preprocessing -> logistic | neural | embedding -> plots ->
answers -> report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import preprocessing
from .datasets import locate
from .logistic import PairRun, StepCallback, run_pair

log = logging.getLogger(__name__)


@dataclass
class Data:
    """Fashion-MNIST as the assignment prepares it."""

    train_images: np.ndarray  # (60000, 28, 28) uint8
    train_labels: np.ndarray  # (60000,) uint8
    test_images: np.ndarray  # (10000, 28, 28) uint8
    test_labels: np.ndarray  # (10000,) uint8
    sources: dict[str, str]  # file -> "path (verified how)"

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


def load_data(data_dir: str | None = None, *, verify: bool = True) -> Data:
    found = locate(data_dir, verify=verify)
    return Data(
        train_images=found["train_images"].array,
        train_labels=found["train_labels"].array,
        test_images=found["test_images"].array,
        test_labels=found["test_labels"].array,
        sources={f.path.name: f"{f.path} ({f.verified})" for f in found.values()},
    )


def logreg(
    classes: Sequence[str],
    *,
    learning_rate: float = 0.05,
    steps: int = 100,
    data_dir: str | None = None,
    verify: bool = True,
    callback: StepCallback | None = None,
    plot_dir: str | None = None,
    data: Data | None = None,
) -> PairRun:
    """``fashionlab logreg``: the assignment's logistic regression on one pair."""
    data = data or load_data(data_dir, verify=verify)
    run = run_pair(
        data.df_train, classes, learning_rate=learning_rate, steps=steps, callback=callback
    )
    if plot_dir is not None:
        from . import plots

        figure = plots.learning_curves(run.history, title=" vs ".join(run.classes))
        plots.save(figure, Path(plot_dir) / f"logreg_{_slug(run.classes)}.png")
    return run


def _slug(classes: Sequence[str]) -> str:
    return "_".join("".join(ch for ch in c.lower() if ch.isalnum()) for c in classes)
