"""scikit-learn adapters for the from-scratch models.

The maths stays in ``logistic`` and ``softmax``; this module only adds what scikit-learn expects:
keyword-only hyperparameters stored as given, input validation in ``fit``, learned attributes
ending in ``_``, and ``classes_``. Both estimators work in ``Pipeline``, ``GridSearchCV`` and
``cross_val_score``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..config import LEARNING_RATE, STEPS
from ..data.preprocessing import bias_trick
from . import softmax
from .logistic import check_schedule, descend, sigmoid


class LogisticRegressionGD(ClassifierMixin, BaseEstimator):
    """Binary logistic regression fitted by full-batch gradient descent from zero weights.

    Parameters
    ----------
    learning_rate : float, default=0.05
        The step size alpha of eq. 10.
    num_steps : int, default=100
        Gradient-descent steps.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    loss_curve_ : list of float
        The training loss before each step, one entry per step run.
    n_iter_ : int
        The steps run, ``num_steps`` for every fit that returns.

    Notes
    -----
    The loop is ``logistic.descend``, the one the assignment's functions use. A run whose
    training loss stops being finite raises ``ValueError`` naming the step and the rate, as
    scikit-learn's own gradient solvers do when they overflow (``SGDClassifier``,
    ``MLPClassifier``): no fitted state with non-finite weights is left behind, and
    ``GridSearchCV`` scores such a candidate ``error_score`` (NaN by default), so it is never
    chosen. That takes weights that overflow, at rates near the float64 limit (about 1e307 for
    pixels in [0, 1]): the loss clips probabilities at float eps, so a rate that is merely too
    large ends in a finite, large loss and a poor score, not an error. Stopping after ``num_steps`` is not a failure and warns
    nothing: the step budget is the model's definition here, not a tolerance missed.
    """

    def __init__(self, *, learning_rate: float = LEARNING_RATE, num_steps: int = STEPS) -> None:
        self.learning_rate = learning_rate
        self.num_steps = num_steps

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticRegressionGD:
        check_schedule(
            self.learning_rate, self.num_steps, "num_steps"
        )  # before any work, naming the bad one
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) != 2:
            n = len(classes)
            raise ValueError(
                f"Only binary classification is supported: y has {n} class{'' if n == 1 else 'es'}; "
                "LogisticRegressionGD needs exactly 2 (SoftmaxRegressionGD takes more)"
            )
        targets = (y == classes[1]).astype(np.float64).reshape(-1, 1)
        run = descend(bias_trick(X), targets, self.learning_rate, self.num_steps)
        if run.diverged_at_step is not None:
            raise ValueError(
                f"gradient descent diverged: the training loss was not finite at step "
                f"{run.diverged_at_step} of {self.num_steps} with learning_rate="
                f"{self.learning_rate!r}; use a smaller learning_rate or scale X "
                "(e.g. StandardScaler)"
            )
        self.classes_ = classes
        self.intercept_ = run.theta[0].copy()
        self.coef_ = run.theta[1:].T.copy()
        self.loss_curve_: list[float] = run.history["train_loss"]
        self.n_iter_ = len(self.loss_curve_)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.ravel() + self.intercept_[0]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        positive = self.predict_proba(X)[:, 1] >= 0.5  # checks fitted before classes_ is read
        return self.classes_[positive.astype(int)]


class SoftmaxRegressionGD(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression fitted by mini-batch gradient descent from zero weights.

    Parameters
    ----------
    learning_rate : float, default=0.2
        Initial step size, decaying as 1/sqrt(epoch).
    batch_size : int, default=128
    epochs : int, default=60
    random_state : int, default=0
        Seeds the mini-batch order.
    """

    def __init__(
        self,
        *,
        learning_rate: float = softmax.LEARNING_RATE,
        batch_size: int = softmax.BATCH_SIZE,
        epochs: int = softmax.EPOCHS,
        random_state: int = 0,
    ) -> None:
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> SoftmaxRegressionGD:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        fitted = softmax.fit_softmax(  # validates learning_rate, batch_size and epochs
            bias_trick(X),
            codes,
            n_classes=max(len(classes), 2),
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            epochs=self.epochs,
            seed=self.random_state,
        )
        self.classes_ = classes
        self.intercept_ = fitted.theta[0].astype(np.float64)
        self.coef_ = fitted.theta[1:].T.astype(np.float64)
        self.loss_curve_ = fitted.train_losses
        self.n_iter_ = len(fitted.train_losses)
        return self

    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Z = X Theta, one column per class seen in fit."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return (X @ self.coef_.T + self.intercept_)[:, : len(self.classes_)]

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """(n, k) scores, or for two classes the (n,) log-odds of the second, as scikit-learn expects."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return softmax.softmax(self._scores(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        best = self.predict_proba(X).argmax(axis=1)  # checks fitted before classes_ is read
        return self.classes_[best]
