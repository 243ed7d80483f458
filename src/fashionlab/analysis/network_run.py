"""The assignment's network on one pair, as Q5.1 and ``fashionlab nn`` train it: Keras on all of
the pair's 12,000 rows with validation_split=0.2, scored on the official test images too."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config import NN_HIDDEN_UNITS, NetworkSettings
from ..data.loaded import Data
from ..models import neural
from ..results import NetworkResult
from .history import steps_to_fraction

HELDOUT_NOTE = (
    "Keras's validation_split=0.2 trains on the first 80 % of the pair's rows, which "
    "include the held-out split, so no held-out score is given"
)


def train_network(
    data: Data,
    classes: tuple[str, str],
    settings: NetworkSettings,
    seed: int,
    *,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> tuple[NetworkResult, object, float]:
    """The assignment's network on one pair, on all 12,000 rows with validation_split=0.2: its
    record, the trained model and its training time."""
    split, official = data.pair(classes), data.official_test(classes)
    X = np.concatenate([split.X_fit, split.X_val])  # get_data_subset's rows, in its order
    y = np.concatenate([split.y_fit, split.y_val])
    run, model = neural.fit(
        X,
        y,
        epochs=settings.epochs,
        patience=settings.patience,
        batch_size=settings.batch_size,
        seed=seed,
        on_epoch=on_epoch,
    )
    # the "final" accuracy of epochs_to_95/99 is the restored epoch's, the one reported
    kept = run.history["val_accuracy"][: run.best_epoch]
    result = NetworkResult(
        classes=classes,
        training_rows=run.fitted_rows,
        heldout_note=HELDOUT_NOTE,
        hidden_units=NN_HIDDEN_UNITS,
        activation=run.activation,
        optimizer=run.optimizer,
        learning_rate=run.learning_rate,
        batch_size=run.batch_size,
        epochs_max=run.epochs_max,
        patience=run.patience,
        seed=run.seed,
        n_parameters=run.n_parameters,
        epochs_run=run.epochs_run,
        best_epoch=run.best_epoch,
        train_accuracy=neural.evaluate(model, X[: run.fitted_rows], y[: run.fitted_rows])[1],
        val_accuracy=run.val_accuracy,
        val_loss=run.val_loss,
        heldout_accuracy=None,
        official_test_accuracy=neural.evaluate(model, *official)[1],
        n_val=len(split.y_val),
        n_official_test=len(official[1]),
        epochs_to_95=steps_to_fraction(kept, 0.95),
        epochs_to_99=steps_to_fraction(kept, 0.99),
        history=run.history,
        summary=run.summary,
    )
    return result, model, run.seconds
