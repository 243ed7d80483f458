"""The batched trainer: learning, independence of the stacked networks, per-network early stopping,
and Keras 3 as the oracle for the initialisation, Adam, the loss and the partial last batch."""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fashionlab.models import batched, mlp

D = 784


def bands(n: int, seed: int, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Separable images: label 1 is brighter in one band of 40 pixels, label 0 in another."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(np.float32)
    X = rng.uniform(0, 0.6, size=(n, D)).astype(np.float32)
    X[:, 300:340] += 0.4 * y[:, None]
    X[:, 500:540] += 0.4 * (1 - y[:, None])
    return X, (1 - y if flip else y)


def stacked(seeds: list[int], n: int = 960, m: int = 240) -> tuple[np.ndarray, ...]:
    """k band problems, one per data seed: X (k, n, d), y (k, n), X_val (k, m, d), y_val (k, m)."""
    problems = [bands(n + m, seed) for seed in seeds]
    X = np.stack([X for X, _ in problems])
    y = np.stack([y for _, y in problems])
    return X[:, :n], y[:, :n], X[:, n:], y[:, n:]


def val_loss(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """Keras's binary cross-entropy on clipped probabilities, recomputed with predict_proba."""
    p = np.clip(batched.predict_proba(params, X).astype(np.float64), 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_separable_data_is_learned_and_seeds_give_different_networks() -> None:
    X, y, X_val, y_val = stacked([0, 0])  # the same data twice, two seeds
    fits = batched.fit_many(X, y, X_val, y_val, seeds=[0, 1], epochs=6, patience=3)
    for fit in fits:
        best = fit.best_epoch - 1
        assert fit.history["val_accuracy"][best] > 0.95
        assert set(fit.history) == set(batched.METRICS) and fit.epochs_run == len(
            fit.history["loss"]
        )
        probability = batched.predict_proba(fit.params, X_val[0])
        assert probability.shape == (X_val.shape[1],)
        assert np.mean((probability > 0.5) == y_val[0]) == pytest.approx(
            fit.history["val_accuracy"][best], abs=1e-6
        )
    assert not np.allclose(fits[0].params["kernel_1"], fits[1].params["kernel_1"], atol=1e-3)
    assert fits[0].params["kernel_1"].shape == (D, 100) and fits[0].params["bias_2"].shape == (1,)


@pytest.mark.parametrize("group_size", [1, 3])
def test_a_network_trained_alone_equals_the_same_network_in_a_batch(group_size: int) -> None:
    X, y, X_val, y_val = stacked([5, 6, 7])
    alone = batched.fit_many(
        X[1:2], y[1:2], X_val[1:2], y_val[1:2], seeds=[4], epochs=4, patience=2
    )
    batch = batched.fit_many(
        X, y, X_val, y_val, seeds=[3, 4, 5], epochs=4, patience=2, group_size=group_size
    )
    assert alone[0].epochs_run == batch[1].epochs_run and alone[0].best_epoch == batch[1].best_epoch
    np.testing.assert_allclose(alone[0].history["loss"], batch[1].history["loss"], atol=1e-5)
    for name, value in alone[0].params.items():
        np.testing.assert_allclose(value, batch[1].params[name], atol=1e-5)


def test_shared_data_broadcasts_to_every_seed() -> None:
    X, y, X_val, y_val = stacked([2])
    shared = batched.fit_many(X[0], y[0], X_val[0], y_val[0], seeds=[8, 9], epochs=2, patience=1)
    copied = batched.fit_many(
        X[[0, 0]], y[[0, 0]], X_val[[0, 0]], y_val[[0, 0]], seeds=[8, 9], epochs=2, patience=1
    )
    for one, other in zip(shared, copied, strict=True):
        np.testing.assert_allclose(one.params["kernel_1"], other.params["kernel_1"], atol=1e-6)


def test_each_network_stops_on_its_own_and_keeps_its_best_epoch() -> None:
    X, y, X_val, y_val = stacked([10, 10, 10])
    noise = np.random.default_rng(1)
    y[0], y_val[0] = noise.integers(0, 2, y.shape[1]), noise.integers(0, 2, y_val.shape[1])
    patience = 2
    fits = batched.fit_many(X, y, X_val, y_val, seeds=[0, 1, 2], epochs=12, patience=patience)
    random_labels, learners = fits[0], fits[1:]
    assert random_labels.epochs_run < min(fit.epochs_run for fit in learners)
    assert random_labels.epochs_run == random_labels.best_epoch + patience  # stopped, not capped
    for i, fit in enumerate(fits):
        assert fit.best_epoch == int(np.argmin(fit.history["val_loss"])) + 1
        recorded = fit.history["val_loss"][fit.best_epoch - 1]
        assert val_loss(fit.params, X_val[i], y_val[i]) == pytest.approx(recorded, abs=1e-5)


def test_a_users_64_bit_jax_trains_the_same_float32_networks() -> None:
    """A hostile review: with JAX_ENABLE_X64=1 (here its context manager, the same switch) the
    skipped groups' NaNs were float64 against float32 metrics, and `sweep --model nn` and `atlas`
    ended in a TypeError. The trainer now runs in float32 whatever the switch says."""
    X, y, X_val, y_val = stacked([10, 11])
    y[0] = np.random.default_rng(2).integers(0, 2, y.shape[1])  # stops early: a skipped group
    arguments = dict(seeds=[0, 1], epochs=6, patience=1)
    usual = batched.fit_many(X, y, X_val, y_val, **arguments)
    with batched.x64(True):  # jax.enable_x64, or jax.experimental's in JAX 0.6 (Python 3.10)
        wide = batched.fit_many(X, y, X_val, y_val, **arguments)
        probability = batched.predict_proba(wide[1].params, X_val[1])
    assert probability.dtype == np.float32
    np.testing.assert_array_equal(probability, batched.predict_proba(usual[1].params, X_val[1]))
    for one, other in zip(usual, wide, strict=True):
        assert one.history == other.history and one.best_epoch == other.best_epoch
        for name, value in one.params.items():
            assert other.params[name].dtype == np.float32
            np.testing.assert_array_equal(value, other.params[name])


def test_glorot_uniform_matches_keras_statistics() -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    ours = np.asarray(mlp.init_params(jnp.uint32(0), D, 100)["kernel_1"])
    theirs = np.asarray(keras.initializers.GlorotUniform(seed=0)((D, 100)))
    limit = np.sqrt(6 / (D + 100))
    for sample in (ours, theirs):
        assert np.abs(sample).max() <= limit and np.abs(sample).max() > 0.99 * limit
        assert sample.std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # U(-a, a): a / sqrt 3
        assert abs(sample.mean()) < 0.01 * limit


@pytest.mark.slow
@pytest.mark.parametrize(
    ("epochs", "patience", "flipped"),
    [
        (3, 5, False),  # every epoch runs
        # the validation labels flipped: val_loss rises as training fits the training rows, so
        # Keras's EarlyStopping stops and restores an early epoch (the README audit of stop 46:
        # with patience 5 over 3 epochs, the stop rule itself was never compared)
        (20, 2, True),
    ],
)
def test_training_matches_keras_from_the_same_start(
    epochs: int, patience: int, flipped: bool
) -> None:
    """Same initial weights, same batches in row order (150 rows: two full and one partial batch),
    with EarlyStopping: Keras 3 and the batched trainer stop after the same epoch, restore the
    same one, and agree to 1e-4."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    X, y = bands(200, seed=3)
    X[:, :100] = 0.0  # some dead inputs, as Fashion-MNIST's corners
    if flipped:
        y[150:] = 1 - y[150:]
    start = mlp.init_params(jnp.uint32(7), D, 100)
    model = keras.Sequential(
        [
            keras.Input((D,)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.set_weights(
        [np.asarray(start[name]) for name in ("kernel_1", "bias_1", "kernel_2", "bias_2")]
    )
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    history = model.fit(
        X[:150],
        y[:150],
        validation_data=(X[150:], y[150:]),
        batch_size=64,
        epochs=epochs,
        shuffle=False,
        callbacks=[stop],
        verbose=0,
    ).history
    params = jax.tree.map(lambda a: a[None], start)
    fit = batched.fit_stacked(
        params,
        (X[:150], y[:150], X[150:], y[150:]),
        np.array([7]),
        epochs=epochs,
        patience=patience,
        batch_size=64,
        learning_rate=1e-3,
        group_size=1,
        shuffle=False,
    )[0]
    assert (
        fit.epochs_run
        == len(history["loss"])
        == (epochs if not flipped else stop.stopped_epoch + 1)
    )
    val_losses = history["val_loss"]
    assert fit.best_epoch == 1 + val_losses.index(min(val_losses))
    if flipped:  # as docs/batched.md says: Keras stops after epoch 3 and restores epoch 1
        assert (fit.epochs_run, fit.best_epoch) == (3, 1)
    for name, keras_weight in zip(mlp.PARAMETERS, model.get_weights(), strict=True):
        np.testing.assert_allclose(
            fit.params[name], keras_weight.reshape(fit.params[name].shape), atol=1e-4
        )
    for metric in batched.METRICS:
        np.testing.assert_allclose(fit.history[metric], history[metric], atol=1e-4)
    # the caller's starting weights survive the training, which donates its own copies
    np.testing.assert_array_equal(np.asarray(params["kernel_1"])[0], np.asarray(start["kernel_1"]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"patience": -1}, "patience must be an integer >= 0, got -1"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"learning_rate": -1.0}, "learning_rate must be a finite number > 0, got -1.0"),
        ({"seeds": []}, "seeds must be a non-empty"),
        ({"seeds": [-1, 0]}, "seeds must be in"),
        ({"seeds": [0, 1, 2]}, "X_train has 2 networks but seeds has 3"),
        ({"y_train": np.full((2, 20), 2.0)}, "y_train must hold only 0 and 1"),
        ({"y_val": np.zeros((2, 7))}, "X_val has 10 rows but y_val has 7"),
        ({"X_val": np.zeros((2, 10, 5))}, "same number of features"),
        ({"X_train": np.zeros(5)}, "X_train must have 2 or 3 dimensions"),
    ],
)
def test_bad_arguments_name_the_parameter(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "X_train": np.zeros((2, 20, 8)),
        "y_train": np.zeros((2, 20)),
        "X_val": np.zeros((2, 10, 8)),
        "y_val": np.zeros((2, 10)),
        "seeds": [0, 1],
        "epochs": 1,
        "patience": 0,
    }
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        batched.fit_many(**{**arguments, **change})
