"""Logistic regression on one class pair, as the assignment's cells run it, with every score.

Three accuracies, each on rows the model did not train on:

- ``val_accuracy``: the assignment's validation rows (the last 20 % of the shuffled pair);
- ``heldout_accuracy``: its 20 % "test" split, which gradient descent never sees;
- ``official_test_accuracy``: the official test images of the two classes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from ..config import LEARNING_RATE, SHUFFLE_SEED, STEPS
from ..data.preprocessing import PairSplit, bias_trick, pair_split
from ..models.convergence import EarlyStopped, fit_to_convergence
from ..models.logistic import StepCallback, descend, paired, probability, share_right
from ..results import PairSettings


@dataclass
class PairRun(PairSettings):
    """Logistic regression on one pair, with what it was given and what it scored."""

    theta: np.ndarray  # (785, 1)
    history: dict[str, list[float]]
    diverged_at_step: int | None
    val_accuracy: float | None  # None when the run diverged
    heldout_accuracy: float | None
    seconds: float
    official_test_accuracy: float | None = None
    converged: EarlyStopped | None = None  # trained longer, when asked

    def logged(self, key: str) -> float | None:
        """The loop's last log of ``key`` ("train_accuracy", "val_loss", ...); None when the run
        diverged, whose last log is not a score."""
        return None if self.diverged_at_step is not None else self.history[key][-1]

    def settings(self) -> PairSettings:
        """What the run was given, and the sizes of its split."""
        return PairSettings(**{f.name: getattr(self, f.name) for f in fields(PairSettings)})

    def scores(self) -> dict[str, Any]:
        """Where it diverged, and its scores: the loop's last logs and the final weights'."""
        return {
            "diverged_at_step": self.diverged_at_step,
            "train_accuracy": self.logged("train_accuracy"),
            "train_loss": self.logged("train_loss"),
            "val_accuracy": self.val_accuracy,
            "val_loss": self.logged("val_loss"),
            "heldout_accuracy": self.heldout_accuracy,
            "official_test_accuracy": self.official_test_accuracy,
        }


def score(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of weights ``theta`` (785, 1) on images ``X`` (n, 784) without the bias column."""
    with np.errstate(over="ignore", invalid="ignore"):  # weights of a diverged run
        h = probability(theta, X)  # NaN where the last update overflowed: predicted 0 there
        return share_right(paired(y, h), h)


def run_split(
    split: PairSplit,
    *,
    learning_rate: float = LEARNING_RATE,
    steps: int = STEPS,
    callback: StepCallback | None = None,
    official_test: tuple[np.ndarray, np.ndarray] | None = None,
    converge: bool = False,
) -> PairRun:
    """Gradient descent on the split's training rows, scored on every other split."""
    X_train, X_val = bias_trick(split.X_train), bias_trick(split.X_val)
    started = time.perf_counter()
    fit = descend(X_train, split.y_train, learning_rate, steps, (X_val, split.y_val), callback)
    seconds = time.perf_counter() - started
    ok = fit.diverged_at_step is None
    run = PairRun(
        classes=split.classes,
        learning_rate=learning_rate,
        steps=steps,
        shuffle_seed=split.shuffle_seed,
        n_train=len(split.y_train),
        n_val=len(split.y_val),
        n_heldout=len(split.y_heldout),
        theta=fit.theta,
        history=fit.history,
        diverged_at_step=fit.diverged_at_step,
        val_accuracy=fit.history["val_accuracy"][-1] if ok else None,
        heldout_accuracy=score(fit.theta, split.X_heldout, split.y_heldout) if ok else None,
        seconds=seconds,
    )
    if official_test is not None and ok:
        run.official_test_accuracy = score(fit.theta, *official_test)
    if converge:
        run.converged = fit_to_convergence(X_train, split.y_train, X_val, split.y_val)
    return run


def run_pair(
    df: pd.DataFrame,
    classes: Sequence[str],
    *,
    learning_rate: float = LEARNING_RATE,
    steps: int = STEPS,
    shuffle_seed: int = SHUFFLE_SEED,
    converge: bool = False,
    callback: StepCallback | None = None,
    official_test: tuple[np.ndarray, np.ndarray] | None = None,
) -> PairRun:
    """The assignment's cells for one pair of a frame: split, gradient descent, every score."""
    split = pair_split(df, classes, shuffle_seed)
    return run_split(
        split,
        learning_rate=learning_rate,
        steps=steps,
        callback=callback,
        official_test=official_test,
        converge=converge,
    )
