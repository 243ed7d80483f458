from __future__ import annotations

import re

import numpy as np
import pytest

from fashionlab.models import neural


def test_model_has_exactly_the_allowed_layers() -> None:
    model = neural.build_model()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Dense", "Dense"]
    assert model.input_shape == (None, 784) and model.output_shape == (None, 1)
    hidden, output = model.layers[1], model.layers[2]
    assert hidden.count_params() == 784 * 100 + 100 == 78_500
    assert output.count_params() == 100 + 1 == 101
    assert output.activation.__name__ == "sigmoid"
    assert "78,601" in neural.summary_text(model) or "78601" in neural.summary_text(model)


def test_the_network_predicts_by_keras_rule_where_logistic_regression_does_not() -> None:
    """An output of exactly 0.5 is class 0 for Keras's BinaryAccuracy, class 1 for eq. 7."""
    from fashionlab.models import logistic

    p = np.array([0.49, 0.5, np.nextafter(0.5, 1)])
    assert neural.predict(p).tolist() == [0, 0, 1]
    assert logistic.predict(p).tolist() == [0, 1, 1]
    assert neural.accuracy(np.array([[0], [0], [1]]), p) == 1.0


def test_short_fit_learns_a_synthetic_problem() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (1500, 1))
    X = rng.uniform(0, 0.6, size=(1500, 784)).astype(np.float32)
    X[:, 300:340] += 0.4 * y  # one class is brighter in a band of 40 pixels
    X[:, 500:540] += 0.4 * (1 - y)  # the other in another band
    run, model = neural.fit(X, y, epochs=15, patience=8, batch_size=64, seed=0)
    assert run.val_accuracy > 0.95
    # the summary counts the network's 78,601 weights, not Adam's state beside them (235,805)
    assert (
        re.search(r"Total params: 78,601 ", run.summary) and "Optimizer params" not in run.summary
    )
    # the accuracies counted here are the ones Keras reports, to the last digit: right rows / rows
    # (a hostile review: Keras's float32 division gave 0.8980000019073486 for 0.898)
    noisy = y.copy()
    noisy[:137] = 1 - noisy[:137]  # a share that float32 cannot hold
    counted = neural.accuracy(noisy, neural.predict_proba(model, X))
    assert counted == neural.evaluate(model, X, noisy)[1]
    held = slice(1200, None)  # Keras's validation_split=0.2: the last 300 rows
    assert run.fitted_rows == 1200  # the rows Q5.1 scores the kept weights on: X[:fitted_rows]
    assert run.val_accuracy == neural.accuracy(y[held], neural.predict_proba(model, X[held]))
    for key, rows in (("accuracy", 1200), ("val_accuracy", 300)):  # each epoch's share too
        assert all(v == round(v * rows) / rows for v in run.history[key]), run.history[key]
    assert run.epochs_run <= 15 and set(run.history) >= {
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
    }


def test_fit_validates_its_settings() -> None:
    X, y = np.zeros((10, 784)), np.zeros((10, 1))
    for name, kwargs in (
        ("epochs", {"epochs": 0}),
        ("patience", {"patience": -1}),
        ("batch_size", {"batch_size": 0}),
    ):
        settings = {"epochs": 1, "patience": 1, "batch_size": 1, **kwargs}
        with pytest.raises(ValueError, match=name):
            neural.fit(X, y, seed=0, **settings)


@pytest.mark.parametrize(
    ("y", "split", "said"),
    [
        (
            np.array([-1, 1] * 50),
            0.2,
            r"y must hold class labels 0-9 \(0 and 1 for a pair\), got "
            r"values such as \[-1, 1\]",
        ),
        (np.array([0.5, 1.0] * 50), 0.2, "y must hold class labels 0-9"),
        (np.array([0, 1] * 49), 0.2, "X and y must have as many rows, got 100 and 98"),
        (np.array([0, 1] * 50), 1.5, r"validation_split must be a fraction in \(0, 1\), got 1.5"),
        (np.array([0, 1] * 50), 0.0, r"validation_split must be a fraction in \(0, 1\), got 0.0"),
    ],
)
def test_fit_refuses_what_it_would_misread(y, split, said) -> None:
    """Labels -1/+1 trained a sigmoid network to 0 % validation accuracy; a split of 1.5 ran."""
    X = np.random.default_rng(0).uniform(size=(100, 784)).astype(np.float32)
    with pytest.raises(ValueError, match=said):
        neural.fit(X, y, epochs=1, patience=1, batch_size=32, seed=0, validation_split=split)


@pytest.mark.parametrize(
    ("seed", "said"),
    [(-1, "seed must be an integer >= 0, got -1"), (2**31, "seed must be at most 2,147,483,647")],
)
def test_fit_refuses_a_seed_keras_cannot_take(seed, said) -> None:
    X, y = np.zeros((10, 784), dtype=np.float32), np.array([0, 1] * 5)
    with pytest.raises(ValueError, match=said):
        neural.fit(X, y, epochs=1, patience=1, batch_size=2, seed=seed)


def test_two_fits_with_one_seed_give_identical_weights() -> None:
    """docs/network.md promises identical weights from two runs on one machine and backend."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, (600, 1))
    X = rng.uniform(0, 1, size=(600, 784)).astype(np.float32)
    fits = [neural.fit(X, y, epochs=3, patience=8, batch_size=64, seed=7)[1] for _ in range(2)]
    first, second = (model.get_weights() for model in fits)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    other = neural.fit(X, y, epochs=3, patience=8, batch_size=64, seed=8)[1].get_weights()
    assert not np.array_equal(first[0], other[0])  # the seed is what makes them equal
