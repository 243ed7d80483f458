from __future__ import annotations

import warnings

import assignment_reference as reference
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from fashionlab.analysis.history import steps_to_fraction
from fashionlab.analysis.pairs import run_pair
from fashionlab.data.preprocessing import bias_trick
from fashionlab.models.convergence import fit_to_convergence
from fashionlab.models.logistic import (
    accuracy,
    bce_gradient,
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    gradient_descent,
    logistic_regression,
    predict,
    sigmoid,
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_finite_and_silent_at_extremes(dtype) -> None:
    z = np.array([-1000, -40, 0, 40, 1000], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = sigmoid(z)
    assert h.dtype == dtype and np.isfinite(h).all()
    assert h[0] == 0 and h[2] == 0.5 and h[-1] == 1
    np.testing.assert_allclose(sigmoid(np.array([-2.0, 3.0])), 1 / (1 + np.exp([2.0, -3.0])))


def test_bce_is_finite_at_zero_and_one() -> None:
    y = np.array([[1], [0], [1], [0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(binary_cross_entropy(y, np.array([[0.0], [1.0], [1.0], [0.0]])))
        assert (
            binary_cross_entropy(y, sigmoid(np.array([[1000.0], [-1000.0], [1000], [-1000]])))
            < 1e-9
        )


def test_bce_equals_scikit_learn_log_loss() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (500, 1))
    h = rng.uniform(0.01, 0.99, (500, 1))
    assert abs(binary_cross_entropy(y, h) - log_loss(y.ravel(), h.ravel())) < 1e-9


def test_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    X = bias_trick(rng.normal(size=(40, 6)))
    y = rng.integers(0, 2, (40, 1))
    theta = rng.normal(scale=0.5, size=(7, 1))
    analytic = binary_cross_entropy_derivative(X, y, theta)
    eps = 1e-6
    numeric = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = eps
        plus = binary_cross_entropy(y, sigmoid(X @ (theta + step)))
        minus = binary_cross_entropy(y, sigmoid(X @ (theta - step)))
        numeric[i] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def _central_differences(loss, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d loss / d theta_i ~ (loss(theta + eps e_i) - loss(theta - eps e_i)) / (2 eps)."""
    numeric = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = eps
        numeric[index] = (loss(theta + step) - loss(theta - step)) / (2 * eps)
    return numeric


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_both_gradient_functions_match_central_differences_of_the_loss(seed) -> None:
    rng = np.random.default_rng(seed)
    X = bias_trick(rng.normal(size=(30, 5)))  # float64 throughout
    y = rng.integers(0, 2, (30, 1))
    theta = rng.normal(scale=0.5, size=(6, 1))
    numeric = _central_differences(lambda t: binary_cross_entropy(y, sigmoid(X @ t)), theta)
    from_theta = binary_cross_entropy_derivative(X, y, theta)
    from_forward_pass = bce_gradient(X, y, sigmoid(X @ theta))
    assert from_theta.shape == from_forward_pass.shape == (6, 1)
    np.testing.assert_allclose(from_theta, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(from_forward_pass, numeric, rtol=1e-6, atol=1e-9)


def test_predict_and_accuracy() -> None:
    h = np.array([[0.2], [0.5], [0.7], [0.49]])
    assert predict(h).ravel().tolist() == [0, 1, 1, 0]
    assert accuracy(np.array([[0], [1], [0], [0]]), h) == 0.75
    assert accuracy(np.array([0, 1, 1, 0]), predict(h)) == 1.0


def test_converged_weights_match_scikit_learn_unpenalised() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 4))
    true_theta = np.array([0.5, 1.0, -2.0, 0.7, 0.0])
    y = (rng.uniform(size=2000) < sigmoid(bias_trick(X) @ true_theta)).astype(int).reshape(-1, 1)
    Xb = bias_trick(X)
    theta = fit_to_convergence(Xb, y, Xb, y, max_steps=20_000, patience=500, tol=0.0).theta
    oracle = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y.ravel())
    expected = np.concatenate([oracle.intercept_, oracle.coef_.ravel()])
    np.testing.assert_allclose(theta.ravel(), expected, atol=2e-3)  # computed in float32
    assert theta.dtype == np.float64 and theta.shape == (5, 1)
    # plain gradient descent (at rate 0.5, ten times the assignment's) heads the same way
    theta_gd, *_ = gradient_descent(Xb, y, Xb, y, 0.5, 3000)
    np.testing.assert_allclose(theta_gd.ravel(), expected, atol=2e-2)


def test_matches_the_literal_assignment_loop() -> None:
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(500, 20))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int).reshape(-1, 1)
    ours = logistic_regression(X, y, 0.05, 50)
    theirs = reference.logistic_regression(X, y, 0.05, 50)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15)
    for mine, literal in zip(ours[1:], theirs[1:], strict=True):
        np.testing.assert_allclose(mine, literal, rtol=1e-12)


def test_callback_sees_every_step() -> None:
    seen = []
    X = np.random.default_rng(4).uniform(size=(100, 3))
    y = (X[:, 0] > 0.5).astype(int).reshape(-1, 1)
    logistic_regression(X, y, 0.05, 7, callback=lambda s, n, m: seen.append((s, n, sorted(m))))
    assert [s for s, _, _ in seen] == list(range(1, 8))
    assert seen[0][2] == ["train_accuracy", "train_loss", "val_accuracy", "val_loss"]


def test_theta_has_the_assignment_shape() -> None:
    X = np.random.default_rng(5).uniform(size=(50, 784))
    y = np.zeros((50, 1), dtype=int)
    theta, *histories = logistic_regression(X, y, 0.05, 3)
    assert theta.shape == (785, 1) and all(len(h) == 3 for h in histories)


def test_steps_to_fraction() -> None:
    assert steps_to_fraction([0.5, 0.9, 0.95, 1.0], 0.95) == 3
    assert steps_to_fraction([0.5, 0.9, 0.95, 1.0], 0.5) == 1


@pytest.mark.realdata
@pytest.mark.parametrize(
    "pair, low, high",
    [(("Trouser", "Ankle boot"), 0.99, 1.0), (("Pullover", "Coat"), 0.80, 0.85)],
)
def test_real_pairs_reproduce_the_literal_assignment(real_data, pair, low, high) -> None:
    run = run_pair(real_data.df_train, pair)
    X, y = reference.get_data_subset(real_data.df_train, list(pair))
    _, train_losses, train_accs, val_losses, val_accs = reference.logistic_regression(
        X, y, 0.05, 100
    )
    assert run.history["val_accuracy"] == [float(a) for a in val_accs]  # exact, every step
    assert run.history["train_accuracy"] == [float(a) for a in train_accs]
    # the losses sum in another order: a few units in the last place here (docs/benchmarks.md:
    # 4.5e-16); another BLAS may round otherwise, so the bound leaves room
    np.testing.assert_allclose(run.history["val_loss"], val_losses, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.history["train_loss"], train_losses, rtol=1e-12, atol=0)
    assert low <= run.logged("val_accuracy") <= high
    assert (run.n_train, run.n_val, run.n_heldout) == (7200, 2400, 2400)


@pytest.mark.realdata
def test_pullover_coat_converged_beats_100_steps(real_data) -> None:
    from fashionlab.analysis.pairs import score

    run = run_pair(real_data.df_train, ("Pullover", "Coat"), converge=True)
    split = real_data.pair(("Pullover", "Coat"))
    assert run.converged is not None
    converged = score(run.converged.theta, split.X_val, split.y_val)
    assert converged > run.logged("val_accuracy") + 0.02
    assert converged >= 0.86


def test_divergence_stops_at_the_first_non_finite_loss() -> None:
    from fashionlab.models.logistic import descend

    rng = np.random.default_rng(0)
    X = bias_trick(rng.uniform(0, 1, (50, 20)))
    y = rng.integers(0, 2, (50, 1))
    run = descend(X, y, 1e308, 100)
    assert run.diverged_at_step is not None and run.diverged_at_step < 100
    assert len(run.history["train_loss"]) == run.diverged_at_step
    assert descend(X, y, 0.05, 100).diverged_at_step is None


def test_several_rates_at_once_equal_one_descent_per_rate() -> None:
    """The oracle is ``descend``, one rate at a time: each column's weights and its validation
    accuracy before every step, up to the step where its logits overflow (past which the order
    of the sums decides the numbers, and ``descend_rates`` says so)."""
    from fashionlab.models.logistic import descend
    from fashionlab.models.rates import descend_rates

    rng = np.random.default_rng(1)
    X = bias_trick(rng.uniform(0, 1, (300, 40)))
    y = (X[:, 1:11].sum(axis=1, keepdims=True) + rng.normal(0, 1, (300, 1)) > 5).astype(int)
    rates, steps = [0.005, 0.05, 0.5, 5.0, 1e308], 60
    thetas, val, overflowed = descend_rates(X[:200], y[:200], X[200:], y[200:], rates, steps)
    assert thetas.shape == (41, 5) and val.shape == (60, 5)
    assert overflowed[:4] == [None] * 4 and overflowed[4] is not None
    for i, rate in enumerate(rates):
        alone = descend(X[:200], y[:200], rate, steps, (X[200:], y[200:]))
        history = alone.history["val_accuracy"]
        if overflowed[i] is None:
            assert alone.diverged_at_step is None and list(val[:, i]) == history
            np.testing.assert_allclose(thetas[:, i : i + 1], alone.theta, rtol=1e-12, atol=1e-12)
        else:
            assert alone.diverged_at_step is not None  # overflowing here, it diverges alone
            assert list(val[: overflowed[i] - 1, i]) == history[: overflowed[i] - 1]
    with pytest.raises(ValueError, match="learning_rate"):
        descend_rates(X, y, X, y, [0.05, -1.0], steps)
    with pytest.raises(ValueError, match="at least one"):
        descend_rates(X, y, X, y, [], steps)
    with pytest.raises(ValueError, match="as many rows"):
        descend_rates(X, y[:1], X, y, [0.05], steps)


@pytest.mark.parametrize(
    "rate, steps, name",
    [(-1, 100, "learning_rate"), (0.05, 0, "num_steps"), (float("nan"), 5, "learning_rate")],
)
def test_the_library_validates_its_arguments(rate, steps, name) -> None:
    from fashionlab import logistic_regression

    X, y = np.zeros((10, 4)), np.zeros((10, 1))
    with pytest.raises(ValueError, match=name):
        logistic_regression(X, y, rate, steps)


def test_probability_is_scikit_learns_for_the_same_weights() -> None:
    """h = sigmoid([1, x] theta) for images without the bias column, against scikit-learn's
    LogisticRegression given the same intercept and coefficients."""
    from fashionlab.models.logistic import probability

    rng = np.random.default_rng(0)
    X, theta = rng.uniform(0, 1, (50, 784)), rng.normal(0, 0.1, (785, 1))
    oracle = LogisticRegression()
    oracle.classes_, oracle.intercept_, oracle.coef_ = np.array([0, 1]), theta[0], theta[1:].T
    np.testing.assert_allclose(
        probability(theta, X).ravel(), oracle.predict_proba(X)[:, 1], rtol=1e-12
    )


def test_labels_as_a_row_or_a_column_give_the_same_run() -> None:
    """(n,) labels against (n, 1) probabilities broadcast to an (n, n) matrix: a loss of thousands
    and a theta of the wrong shape, with no error (a library user's finding)."""
    rng = np.random.default_rng(6)
    X = rng.uniform(size=(300, 5))
    y = (X[:, 0] > 0.5).astype(int).reshape(-1, 1)
    column, row = logistic_regression(X, y, 0.05, 20), logistic_regression(X, y.ravel(), 0.05, 20)
    np.testing.assert_array_equal(column[0], row[0])
    assert column[1:] == row[1:]
    h = sigmoid(bias_trick(X) @ column[0])
    assert binary_cross_entropy(y.ravel(), h) == binary_cross_entropy(y, h)
    assert np.isclose(
        binary_cross_entropy(y, h.ravel()), log_loss(y.ravel(), h.ravel()), rtol=1e-12
    )
    theta = rng.normal(size=(6, 1))
    gradient = binary_cross_entropy_derivative(bias_trick(X), y, theta)
    flat = binary_cross_entropy_derivative(bias_trick(X), y, theta.ravel())
    assert flat.shape == (6,)
    np.testing.assert_array_equal(flat, gradient.ravel())
    with pytest.raises(ValueError, match=r"as many values, got shapes \(299,\) and \(300, 1\)"):
        binary_cross_entropy(y.ravel()[:-1], h)
    with pytest.raises(ValueError, match="as many values"):
        accuracy(y, np.array([0.9]))  # one probability is not a prediction for every row


@pytest.mark.parametrize("labels", [(1, 2), (-1, 1), (0, 0.5)])
def test_labels_other_than_0_and_1_are_refused(labels) -> None:
    """With labels 1 and 2 the loss went negative; with -1 and 1 validation accuracy was 0."""
    X = np.random.default_rng(7).uniform(size=(100, 3))
    y = np.where(X[:, :1] > 0.5, labels[1], labels[0])
    with pytest.raises(ValueError, match=r"y_train must hold labels 0 and 1 only"):
        logistic_regression(X, y, 0.05, 3)
    with pytest.raises(ValueError, match=r"y_val must hold labels 0 and 1 only"):
        gradient_descent(X, (y > labels[0]).astype(int), X, y, 0.05, 3)


def test_fit_to_convergence_refuses_no_steps() -> None:
    """max_steps=0 returned the zero theta as a converged fit."""
    X = bias_trick(np.random.default_rng(8).uniform(size=(20, 3)))
    y = (X[:, 1:2] > 0.5).astype(int)
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1, got 0"):
        fit_to_convergence(X, y, X, y, max_steps=0)


# The library's boundary (the practitioner review): each mistake is a ValueError naming it, not a
# wrong number, a run that stops after one step, or numpy's words from deep inside.
RNG = np.random.default_rng(5)
X_SMALL, Y_SMALL = RNG.random((50, 4)), (RNG.random((50, 1)) > 0.5).astype(float)


def _with_nan(X: np.ndarray) -> np.ndarray:
    X = X.copy()
    X[-1, 0] = np.nan  # a validation row's pixel: the loss there is NaN from the first step
    return X


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: logistic_regression(_with_nan(X_SMALL), Y_SMALL, 0.05, 5),
            "X must hold finite values only, got nan at row 49, column 0",
        ),
        (
            lambda: logistic_regression(X_SMALL[:, 0], Y_SMALL, 0.05, 5),
            r"X must be 2-D \(rows, features\), got shape \(50,\)",
        ),
        (
            lambda: logistic_regression(X_SMALL[:1], Y_SMALL[:1], 0.05, 5),
            "X has 1 row: a training part of 0.6 of them is empty",
        ),
        (
            lambda: binary_cross_entropy(np.array([2, 0]), np.array([0.3, 0.5])),
            r"y must hold labels 0 and 1 only, got values such as \[0, 2\]",
        ),
        (
            lambda: binary_cross_entropy(np.array([1, 0, 1]), np.array([2.0, -3.0, 0.4])),
            r"h must hold probabilities in \[0, 1\] \(sigmoid's output\), got values from -3.0 to 2.0",
        ),
        (
            lambda: binary_cross_entropy(np.array([0.0, 1.0]), np.array([0.0, 1.0, 0.5])),
            "as many values",
        ),
        (lambda: binary_cross_entropy(np.array([]), np.array([])), "at least one value"),
        (lambda: accuracy(np.array([2, 0, 1]), np.array([1, 0, 1])), "y must hold labels 0 and 1"),
        (lambda: accuracy(np.array([1, 0]), np.array([3.2, -1.0])), r"h must hold probabilities"),
        (
            lambda: binary_cross_entropy_derivative(bias_trick(X_SMALL), Y_SMALL, np.zeros((4, 1))),
            r"X must be \(n, d\) and theta \(d, 1\), got shapes \(50, 5\) and \(4, 1\)",
        ),
        (
            lambda: binary_cross_entropy_derivative(
                bias_trick(X_SMALL), 2 * Y_SMALL, np.zeros((5, 1))
            ),
            "y must hold labels 0 and 1 only",
        ),
        (
            lambda: gradient_descent(X_SMALL[:0], Y_SMALL[:0], X_SMALL, Y_SMALL, 0.05, 5),
            "X_train and y_train must hold at least one row",
        ),
    ],
)
def test_the_library_refuses_what_would_give_a_wrong_number(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_plain_lists_and_integer_inputs_give_the_arrays_answers() -> None:
    assert binary_cross_entropy([1, 0], [0.7, 0.2]) == pytest.approx(log_loss([1, 0], [0.7, 0.2]))
    assert accuracy([1, 0, 1], [1, 0, 0]) == pytest.approx(2 / 3)
    h32 = np.array([0, 1, 0.3], np.float32)  # float32 keeps float32's clip, as log_loss does
    assert binary_cross_entropy([1, 0, 1], h32) == pytest.approx(log_loss([1, 0, 1], h32), rel=1e-6)
    from_lists = logistic_regression(X_SMALL.tolist(), Y_SMALL.ravel().tolist(), 0.5, 5)
    from_arrays = logistic_regression(X_SMALL, Y_SMALL, 0.5, 5)  # lists raised AttributeError
    np.testing.assert_array_equal(from_lists[0], from_arrays[0])
    assert from_lists[1:] == from_arrays[1:]
    for dtype in (np.uint8, np.uint16, np.int8, np.bool_):  # -|z| wrapped round for unsigned types
        z = np.array([0, 1, 3, 100], dtype) if dtype is not np.bool_ else np.array([False, True])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            h = sigmoid(z)
        assert h.dtype == np.float64
        np.testing.assert_allclose(h, 1 / (1 + np.exp(-z.astype(np.float64))))


@pytest.mark.realdata
def test_weights_past_the_last_logged_step_may_overflow_and_still_score(real_data) -> None:
    """At 1e308 the one update after the last logged step overflows the logits, and the held-out
    scores of those weights are still a row, as before the boundary's checks (the review of this
    session's commits: the sweep raised "h must hold probabilities" instead)."""
    run = run_pair(real_data.df_train, ("Trouser", "Ankle boot"), learning_rate=1e308, steps=1)
    assert run.diverged_at_step is None and run.heldout_accuracy == pytest.approx(0.9946, abs=1e-4)


def test_the_fit_to_convergence_checks_what_it_is_given() -> None:
    Xb = bias_trick(X_SMALL)
    with pytest.raises(ValueError, match="X_val must hold finite values only, got nan at row 49"):
        fit_to_convergence(Xb, Y_SMALL, bias_trick(_with_nan(X_SMALL)), Y_SMALL)
    with pytest.raises(ValueError, match="y_train must hold labels 0 and 1 only"):
        fit_to_convergence(Xb, 2 * Y_SMALL, Xb, Y_SMALL)
    with pytest.raises(ValueError, match=r"theta \(d, 1\), got shapes \(50, 5\) and \(\)"):
        binary_cross_entropy_derivative(Xb, Y_SMALL, np.float64(0))


@pytest.mark.parametrize(("tol", "patience"), [(1e-3, 5), (1e-4, 50), (0.0, 3), (1e-2, 2)])
def test_the_fit_to_convergence_keeps_what_keras_early_stopping_keeps(tol, patience) -> None:
    """The report said "its validation loss was lowest after 382 steps"; the fit keeps the last
    step that brought the loss more than ``tol`` below its best so far, as Keras's EarlyStopping
    with min_delta does, and a later step may be lower by less (the numbers review). The oracle
    is Keras's own callback, fed the descent's validation losses step by step."""
    from fashionlab.models.backend import keras_module
    from fashionlab.models.convergence import nesterov_path

    X = bias_trick(np.random.default_rng(3).normal(size=(120, 6)))
    noise = 0.3 * np.random.default_rng(4).normal(size=(120, 1))
    y = X[:, 1:3].sum(axis=1, keepdims=True) + noise > 0
    X_train, y_train, X_val, y_val = X[:80], y[:80].astype(float), X[80:], y[80:].astype(float)
    path = list(nesterov_path(X_train, y_train, X_val, y_val, max_steps=300))

    class Model:  # what EarlyStopping asks of a model: its weights, here the step they are after
        stop_training, step, restored = False, 0, None

        def get_weights(self) -> list[int]:
            return [self.step]

        def set_weights(self, weights: list[int]) -> None:
            self.restored = weights[0]

    keras = keras_module()
    callback = keras.callbacks.EarlyStopping(
        monitor="val_loss", min_delta=tol, patience=patience, restore_best_weights=True
    )
    model = Model()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, (_, val_loss) in enumerate(path):
        model.step = epoch + 1
        callback.on_epoch_end(epoch, {"val_loss": val_loss})
        if model.stop_training:
            break
    callback.on_train_end()
    fit = fit_to_convergence(
        X_train, y_train, X_val, y_val, max_steps=300, patience=patience, tol=tol
    )
    assert (fit.steps, fit.steps_run) == (model.restored, model.step)
    assert (fit.max_steps, fit.patience, fit.tol) == (300, patience, tol)  # the rule it ran by
    np.testing.assert_array_equal(fit.theta, path[fit.steps - 1][0].astype(np.float64))
    if tol == 1e-3:  # a later step is lower by less than tol: the kept one is not the lowest
        assert min(loss for _, loss in path[: fit.steps_run]) < path[fit.steps - 1][1]


def test_the_fit_to_convergence_refuses_a_tolerance_keras_would_read_otherwise() -> None:
    """Keras keeps abs(min_delta): a negative tol meant something else here; NaN kept step 0."""
    Xb = bias_trick(X_SMALL)
    for tol in (-1.0, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="tol must be a finite number >= 0, got"):
            fit_to_convergence(Xb, Y_SMALL, Xb, Y_SMALL, tol=tol)
    assert fit_to_convergence(Xb, Y_SMALL, Xb, Y_SMALL, tol=np.float32(1e-3)).tol == pytest.approx(
        1e-3
    )
