"""The assignment's network, Input(784) -> Dense(100) -> Dense(1, sigmoid), on Keras 3.

Keras is imported on first use, with ``KERAS_BACKEND=jax`` unless the user chose another backend.

Rows. As the assignment asks, the network is fitted on all 12,000 rows of the pair with
``validation_split=0.2``. Keras keeps the *last* 20 % for validation, which are exactly the
assignment's validation rows (its 60/20/20 split is by position), so the network and logistic
regression are validated on the same 2,400 rows. The network therefore trains on the assignment's
train *and* held-out rows (9,600): its "held-out" score is on rows it has seen, and the fair unseen
comparison is the official test set, where both models are scored. (Training on the 7,200 train rows
alone was measured too: about 0.5 points lower everywhere; see ``docs/network.md``.)

Hyperparameters were chosen by measurement; ``docs/network.md`` records what was tried.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.preprocessing import train_test_validation_split

log = logging.getLogger(__name__)

HIDDEN_UNITS = 100
ACTIVATION = "relu"
OPTIMIZER = "adam"
LEARNING_RATE = 1e-3
PATIENCE = 8  # epochs without a better validation loss before stopping; the best epoch is restored
VALIDATION_BATCH = 2400  # the assignment's 2,400 validation rows in one batch
# Batches per call into the compiled step: fewer trips through Keras's Python loop, the same
# updates in the same order (measured: identical results, about 0.3 s less per fit).
STEPS_PER_EXECUTION = 50


def keras_module() -> Any:
    """Import Keras with the JAX backend unless ``KERAS_BACKEND`` says otherwise."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    return keras


def build_model(n_outputs: int = 1, activation: str = ACTIVATION) -> Any:
    """Input(784) -> Dense(100, activation) -> Dense(1, sigmoid), or Dense(n, softmax) for n > 1."""
    keras = keras_module()
    from keras.layers import Dense, Input

    input_layer = Input(shape=(784,), name="pixels")
    x = Dense(HIDDEN_UNITS, activation=activation, name="hidden")(input_layer)
    head = "sigmoid" if n_outputs == 1 else "softmax"
    output = Dense(n_outputs, activation=head, name="output")(x)
    return keras.Model(inputs=input_layer, outputs=output, name="assignment_network")


def compile_model(model: Any, learning_rate: float = LEARNING_RATE) -> Any:
    keras = keras_module()
    binary = model.output_shape[-1] == 1
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return model


def summary_text(model: Any) -> str:
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    # Keras's rich table uses box-drawing characters; keep them, drop ANSI styling if any.
    return text.replace("\x1b[1m", "").replace("\x1b[0m", "")


@dataclass
class NetworkRun:
    """One fit of the network, with what it was given and what it scored."""

    classes: tuple[str, ...]
    epochs: int  # the upper bound asked for
    epochs_run: int
    best_epoch: int
    batch_size: int
    seed: int
    history: dict[str, list[float]]
    val_accuracy: float
    val_loss: float
    holdout_accuracy: float
    test_accuracy: float | None  # None when no official test images were given
    seconds: float
    summary: str
    n_parameters: int
    optimizer: str = OPTIMIZER
    learning_rate: float = LEARNING_RATE
    activation: str = ACTIVATION
    comparison: dict[str, float | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The JSON record of ``fashionlab nn --json``."""
        return {
            "classes": list(self.classes),
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "activation": self.activation,
            "seed": self.seed,
            "val_accuracy": self.val_accuracy,
            "val_loss": self.val_loss,
            "holdout_accuracy": self.holdout_accuracy,
            "test_accuracy": self.test_accuracy,
            **self.comparison,
            "seconds": self.seconds,
            "n_parameters": self.n_parameters,
            "history": self.history,
        }


def fit(
    X: np.ndarray,
    y: np.ndarray,
    official_test: tuple[np.ndarray, np.ndarray] | None,
    *,
    classes: tuple[str, ...],
    epochs: int,
    batch_size: int,
    seed: int,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    patience: int = PATIENCE,
) -> tuple[NetworkRun, Any]:
    """Fit on ``X`` (n, 784), ``y`` (n, 1) with ``validation_split=0.2``, then score every split.

    Labels are 0/1 for a pair, or 0-9 for ten classes (softmax output).
    """
    keras = keras_module()
    keras.utils.set_random_seed(seed)
    _, _, X_holdout, y_holdout, X_val, y_val = train_test_validation_split(X, y)
    n_outputs = 1 if len(classes) == 2 else len(classes)
    model = compile_model(build_model(n_outputs))
    callbacks: list[Any] = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
    ]
    if on_epoch is not None:
        callbacks.append(
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: on_epoch(epoch + 1, dict(logs or {}))
            )
        )
    started = time.perf_counter()
    hist = model.fit(
        X.astype(np.float32),
        y.astype(np.float32),
        validation_split=0.2,
        validation_batch_size=VALIDATION_BATCH,  # the same numbers, a sixth of the steps
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        callbacks=callbacks,
        verbose=0,
    )
    seconds = time.perf_counter() - started
    history = {key: [float(v) for v in values] for key, values in hist.history.items()}
    best_epoch = int(np.argmin(history["val_loss"])) + 1

    def score(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        # In batches of the validation size: Keras compiles one step per batch shape it meets.
        X, y = X.astype(np.float32), y.astype(np.float32)
        loss, acc = model.evaluate(X, y, batch_size=VALIDATION_BATCH, verbose=0)
        return float(loss), float(acc)

    val_loss, val_accuracy = score(X_val, y_val)
    run = NetworkRun(
        classes=classes,
        epochs=epochs,
        epochs_run=len(history["loss"]),
        best_epoch=best_epoch,
        batch_size=batch_size,
        seed=seed,
        history=history,
        val_accuracy=val_accuracy,
        val_loss=val_loss,
        holdout_accuracy=score(X_holdout, y_holdout)[1],
        test_accuracy=None if official_test is None else score(*official_test)[1],
        seconds=seconds,
        summary=summary_text(model),
        n_parameters=int(model.count_params()),
    )
    return run, model


def predict_proba(model: Any, X: np.ndarray) -> np.ndarray:
    """The network's output for each row: P(label 1), shape (n,), or class probabilities (n, k)."""
    out = np.asarray(model.predict(X.astype(np.float32), batch_size=VALIDATION_BATCH, verbose=0))
    return out[:, 0] if out.shape[1] == 1 else out
