"""The separability atlas: logistic regression and the network on every pair of classes.

Logistic regression runs once per pair (100 steps, then to convergence); the 45 networks, which
share one shape, are trained together as one compiled program (``models.batched``). Each pair's
logistic regression and the batch of networks are cached, so an interrupted atlas resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..cache import cached_json, key_of
from ..config import ALL_PAIRS, ATLAS_STEPS_TO_CONVERGE, LEARNING_RATE, STEPS, NetworkSettings
from ..data.loaded import Data
from ..data.preprocessing import PairSplit, bias_trick
from ..models.logistic import accuracy, descend, fit_to_convergence, sigmoid, steps_to_fraction
from ..results import AtlasPair, Pair

log = logging.getLogger(__name__)
REVISION = 5  # bumped when a pair's computation changes (5: one pair_split, batched networks)


@dataclass
class PairFit:
    """Logistic regression on one pair: the record's numbers and the weights for the grid."""

    classes: Pair
    n_val: int
    val_accuracy: float
    converged_val_accuracy: float
    steps_to_95: int | None
    theta: list[float]


def fit_pair(split: PairSplit, learning_rate: float = LEARNING_RATE, steps: int = STEPS) -> PairFit:
    """100 steps of gradient descent and a converged fit on one pair; pure, so it can run anywhere."""
    X_train, X_val = bias_trick(split.X_train), bias_trick(split.X_val)
    run = descend(X_train, split.y_train, learning_rate, steps, (X_val, split.y_val))
    converged, _ = fit_to_convergence(
        X_train, split.y_train, X_val, split.y_val, max_steps=ATLAS_STEPS_TO_CONVERGE
    )
    val = run.history["val_accuracy"]
    return PairFit(
        classes=split.classes,
        n_val=len(split.y_val),
        val_accuracy=val[-1],
        converged_val_accuracy=accuracy(split.y_val, sigmoid(X_val @ converged)),
        steps_to_95=steps_to_fraction(val, 0.95),
        theta=[round(float(w), 6) for w in run.theta.ravel()],
    )


def _pair_fit(value: object) -> PairFit:
    if not isinstance(value, dict):
        raise TypeError("an atlas entry must be an object")
    fit = PairFit(**value)
    fit.classes = (str(fit.classes[0]), str(fit.classes[1]))
    if len(fit.theta) != 785 or not 0 <= fit.val_accuracy <= 1:
        raise ValueError("an atlas entry has the wrong shape")
    return fit


def logistic_pairs(
    data: Data, pairs: Sequence[Pair], checkpoint: Callable[[], None] = lambda: None
) -> list[PairFit]:
    """Every pair's logistic regression, each from the cache when it was computed before."""
    fits = []
    for pair in pairs:
        key = key_of("atlas-logreg", {"pair": pair, "revision": REVISION},
                     (data.train_images, data.train_labels))  # fmt: skip
        value, _ = cached_json("atlas-logreg", key, lambda p=pair: vars(fit_pair(data.pair(p))),
                               check=_pair_fit)  # fmt: skip
        fit = value if isinstance(value, PairFit) else _pair_fit(value)
        if tuple(fit.classes) != tuple(pair):
            raise ValueError(f"atlas entry for {pair} holds {fit.classes}")
        fits.append(fit)
        checkpoint()
    return fits


def network_accuracies(
    data: Data, pairs: Sequence[Pair], settings: NetworkSettings, seed: int
) -> list[float]:
    """The validation accuracy of each pair's network, all trained as one program, cached."""
    from ..models import batched

    def compute() -> list[float]:
        splits = [data.pair(p) for p in pairs]
        fits = batched.fit_many(
            np.stack([s.X_fit for s in splits]).astype(np.float32),
            np.stack([s.y_fit.ravel() for s in splits]),
            np.stack([s.X_val for s in splits]).astype(np.float32),
            np.stack([s.y_val.ravel() for s in splits]),
            seeds=[seed] * len(splits), epochs=settings.epochs, patience=settings.patience,
            batch_size=settings.batch_size,
        )  # fmt: skip
        return [
            accuracy(s.y_val, batched.predict_proba(f.params, s.X_val)[:, None])
            for s, f in zip(splits, fits, strict=True)
        ]

    settings_key = {"pairs": list(pairs), "seed": seed, "revision": REVISION, **vars(settings)}
    key = key_of("atlas-nn", settings_key, (data.train_images, data.train_labels))
    values, _ = cached_json("atlas-nn", key, compute, check=_accuracies(len(pairs)))
    return list(values)


def _accuracies(count: int) -> Callable[[object], list[float]]:
    def check(value: object) -> list[float]:
        if not isinstance(value, list) or len(value) != count:
            raise ValueError(f"expected {count} accuracies")
        return [float(v) for v in value]

    return check


def atlas(
    data: Data,
    *,
    pairs: Sequence[Pair] = ALL_PAIRS,
    network: NetworkSettings | None = None,
    seed: int = 0,
    checkpoint: Callable[[], None] = lambda: None,
) -> tuple[list[AtlasPair], list[PairFit]]:
    """Every pair, ranked from hardest to easiest by logistic regression's validation accuracy."""
    fits = logistic_pairs(data, pairs, checkpoint)
    nn: Sequence[float | None] = [None] * len(pairs)
    if network is not None:
        nn = network_accuracies(data, pairs, network, seed)
    records = [
        AtlasPair(
            classes=fit.classes,
            n_val=fit.n_val,
            logreg_val_accuracy=fit.val_accuracy,
            logreg_converged_val_accuracy=fit.converged_val_accuracy,
            nn_val_accuracy=accuracy_nn,
            steps_to_95=fit.steps_to_95,
        )  # fmt: skip
        for fit, accuracy_nn in zip(fits, nn, strict=True)
    ]
    return sorted(records, key=lambda r: r.logreg_val_accuracy), fits
