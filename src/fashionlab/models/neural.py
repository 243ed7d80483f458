"""The assignment's network, Input(784) -> Dense(100) -> Dense(1, sigmoid), on Keras 3.

Keras is imported on first use, with ``KERAS_BACKEND=jax`` unless the user chose another backend.

Rows. As the assignment asks, the network is fitted on all 12,000 rows of the pair with
``validation_split=0.2``. Keras keeps the *last* 20 % for validation, which are exactly the
assignment's validation rows (its 60/20/20 split is by position), so the network and logistic
regression are validated on the same 2,400 rows. The network therefore trains on the assignment's
train *and* held-out rows (9,600): its "held-out" score is on rows it has seen, and the fair unseen
comparison is the official test set, where both models are scored. (Training on the 7,200 train rows
alone was measured too: 0.83 points lower on the validation rows and 1.25 on the official test
images, 0.9013 and 0.8855 against 0.9096 and 0.8980; see ``docs/network.md``.)

Hyperparameters were chosen by measurement; ``docs/network.md`` records what was tried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import check_count, check_rows
from ..config import MAX_NN_SEED, NN_HIDDEN_UNITS, NN_LEARNING_RATE
from .backend import keras_module

ACTIVATION = "relu"
OPTIMIZER = "adam"  # the name compile_model's keras.optimizers.Adam is recorded by
VALIDATION_BATCH = 2400  # the assignment's 2,400 validation rows in one batch
# Batches per call into the compiled step: fewer trips through Keras's Python loop, the same
# updates in the same order (measured: identical results, about 0.3 s less per fit).
STEPS_PER_EXECUTION = 50


def build_model(n_outputs: int = 1) -> Any:
    """Input(784) -> Dense(100, relu) -> Dense(1, sigmoid), or Dense(n, softmax) for n > 1."""
    keras = keras_module()
    from keras.layers import Dense, Input

    input_layer = Input(shape=(784,), name="pixels")
    x = Dense(NN_HIDDEN_UNITS, activation=ACTIVATION, name="hidden")(input_layer)
    head = "sigmoid" if n_outputs == 1 else "softmax"
    output = Dense(n_outputs, activation=head, name="output")(x)
    return keras.Model(inputs=input_layer, outputs=output, name="assignment_network")


def compile_model(model: Any) -> Any:
    """Adam at ``NN_LEARNING_RATE`` on binary cross-entropy (one output) or on the ten classes'."""
    keras = keras_module()
    binary = model.output_shape[-1] == 1
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=NN_LEARNING_RATE),
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
    """One fit of the network: its settings, its history and its validation score."""

    epochs_max: int
    patience: int
    batch_size: int
    seed: int
    epochs_run: int
    best_epoch: int  # 1-based: the epoch whose weights early stopping restored
    history: dict[str, list[float]]  # Keras's History.history
    fitted_rows: int  # the rows it trained on: X's first rows with validation_split, else all
    val_accuracy: float
    val_loss: float
    seconds: float
    summary: str
    n_parameters: int
    # as build_model and compile_model train every network: recorded, not settings
    optimizer: str = field(default=OPTIMIZER, init=False)
    learning_rate: float = field(default=NN_LEARNING_RATE, init=False)
    activation: str = field(default=ACTIVATION, init=False)


def check_settings(epochs: int, patience: int, batch_size: int, seed: int = 0) -> None:
    for name, value in (("epochs", epochs), ("patience", patience), ("batch_size", batch_size)):
        check_count(name, value)
    check_count("seed", seed, least=0)
    if seed > MAX_NN_SEED:
        raise ValueError(f"seed must be at most {MAX_NN_SEED:,} (Keras's limit), got {seed!r}")


def check_data(X: np.ndarray, y: np.ndarray, validation_split: float | None) -> None:
    """Rows that pair up, class labels 0-9, and a split that leaves rows on both sides (None:
    validation rows were given instead); Keras would misread the others without an error."""
    labels = np.unique(np.asarray(y))
    if (
        labels.size == 0
        or labels[0] < 0
        or labels[-1] > 9
        or not np.all(labels == labels.astype(int))
    ):
        raise ValueError(
            f"y must hold class labels 0-9 (0 and 1 for a pair), got values such as "
            f"{labels[:5].tolist()}"
        )
    check_rows(X, y)
    if validation_split is not None and not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be a fraction in (0, 1), got {validation_split!r}")


def fit(
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    patience: int,
    batch_size: int,
    seed: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    validation_split: float = 0.2,
    validation_batch_size: int | None = VALIDATION_BATCH,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
) -> tuple[NetworkRun, Any]:
    """Fit on ``X`` (n, 784), ``y`` (n, 1) with early stopping on the validation loss.

    The validation rows are ``validation`` when given, else the last ``validation_split`` of
    ``X`` (Keras's ``validation_split``, as the assignment asks). Labels 0/1 give the sigmoid
    network; labels 0-9 the softmax one. ``seed`` seeds Keras (``keras.utils.set_random_seed``,
    which reseeds Python's and numpy's global generators too: keep yours in a ``default_rng``).
    """
    check_settings(epochs, patience, batch_size, seed)
    check_data(X, y, validation_split if validation is None else None)
    keras = keras_module()
    keras.utils.set_random_seed(seed)
    n_outputs = 1 if int(np.max(y)) <= 1 else int(np.max(y)) + 1
    model = compile_model(build_model(n_outputs))
    summary = summary_text(model)  # before training: after it, Keras counts Adam's state as params
    X, y = X.astype(np.float32), y.astype(np.float32 if n_outputs == 1 else np.int32)
    held, options, fitted_rows = _validation_rows(X, y, validation, validation_split)
    started = time.perf_counter()
    hist = model.fit(
        X,
        y,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        validation_batch_size=validation_batch_size,
        callbacks=_callbacks(keras, patience, on_epoch),
        **options,
    )
    seconds = time.perf_counter() - started
    history = _shares(hist.history, {"accuracy": fitted_rows, "val_accuracy": len(held[0])})
    val_loss, val_accuracy = evaluate(model, *held)
    run = NetworkRun(
        epochs_max=epochs,
        patience=patience,
        batch_size=batch_size,
        seed=seed,
        epochs_run=len(history["loss"]),
        best_epoch=int(np.argmin(history["val_loss"])) + 1,
        history=history,
        fitted_rows=fitted_rows,
        val_accuracy=val_accuracy,
        val_loss=val_loss,
        seconds=seconds,
        summary=summary,
        n_parameters=int(model.count_params()),
    )
    return run, model


def _callbacks(
    keras: Any, patience: int, on_epoch: Callable[[int, dict[str, float]], None] | None
) -> list[Any]:
    """Early stopping on the validation loss, keeping the best epoch's weights; and ``on_epoch``."""
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
    return callbacks


def _validation_rows(
    X: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    validation_split: float,
) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, Any], int]:
    """The validation rows, how ``model.fit`` is told of them, and how many rows it trains on."""
    if validation is None:
        split = int(len(X) * (1 - validation_split))  # Keras keeps the last rows, unshuffled
        return (X[split:], y[split:]), {"validation_split": validation_split}, split
    held = (validation[0].astype(np.float32), validation[1].astype(y.dtype))
    return held, {"validation_data": held}, len(X)


def _shares(history: dict[str, Any], rows: dict[str, int]) -> dict[str, list[float]]:
    """Keras's history as floats, each accuracy the share it is of its ``rows`` (``_share``)."""
    return {
        key: [_share(float(v), rows[key]) if key in rows else float(v) for v in values]
        for key, values in history.items()
    }


def _share(accuracy: float, rows: int) -> float:
    """Keras's accuracy as the share it is: Keras counts the right rows exactly (integers in
    float32) but divides in float32, so its 0.898 came out as 0.8980000019073486."""
    return round(accuracy * rows) / rows


def evaluate(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Loss and accuracy, in batches of the validation size (one compiled step per shape); the
    accuracy as the share it is, right rows / rows (``_share``)."""
    loss, acc = model.evaluate(X.astype(np.float32), y, batch_size=VALIDATION_BATCH, verbose=0)
    return float(loss), _share(float(acc), len(X))


def predict(probabilities: np.ndarray) -> np.ndarray:
    """Class 1 where the output is above 0.5: Keras's ``BinaryAccuracy`` rule, by which every
    network accuracy here is counted (logistic regression's eq. 7 sends 0.5 itself to 1)."""
    return (np.asarray(probabilities) > 0.5).astype(np.int64)


def accuracy(y: np.ndarray, probabilities: np.ndarray) -> float:
    """The share of rows whose 0/1 label ``y`` (n,) or (n, 1) the network's ``predict`` gets."""
    return float(np.mean(predict(probabilities).ravel() == np.ravel(y)))


def predict_proba(model: Any, X: np.ndarray) -> np.ndarray:
    """The network's output for each row: P(label 1), shape (n,), or class probabilities (n, k)."""
    out = np.asarray(model.predict(X.astype(np.float32), batch_size=VALIDATION_BATCH, verbose=0))
    return out[:, 0] if out.shape[1] == 1 else out
