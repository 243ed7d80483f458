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

from ..data.preprocessing import bias_trick
from . import softmax
from .logistic import bce_gradient, binary_cross_entropy, sigmoid


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
    loss_curve_ : list of float, the training loss before each step
    n_iter_ : int
    """

    def __init__(self, *, learning_rate: float = 0.05, num_steps: int = 100) -> None:
        self.learning_rate = learning_rate
        self.num_steps = num_steps

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticRegressionGD:
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if int(self.num_steps) < 1:
            raise ValueError(f"num_steps must be >= 1, got {self.num_steps!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            n = len(self.classes_)
            raise ValueError(
                f"Only binary classification is supported: y has {n} class{'' if n == 1 else 'es'}; "
                "LogisticRegressionGD needs exactly 2 (SoftmaxRegressionGD takes more)"
            )
        targets = (y == self.classes_[1]).astype(np.float64).reshape(-1, 1)
        Xb = bias_trick(X)
        theta = np.zeros((Xb.shape[1], 1))
        self.loss_curve_: list[float] = []
        for _ in range(int(self.num_steps)):
            h = sigmoid(Xb @ theta)
            self.loss_curve_.append(binary_cross_entropy(targets, h))
            theta = theta - self.learning_rate * bce_gradient(Xb, targets, h)  # eq. 10
        self.intercept_ = theta[0].copy()
        self.coef_ = theta[1:].T.copy()
        self.n_iter_ = int(self.num_steps)
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
    learning_rate : float, default=0.3
        Initial step size, decaying as 1/sqrt(epoch).
    batch_size : int, default=128
    epochs : int, default=50
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
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        for name in ("batch_size", "epochs"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        fitted = softmax.fit_softmax(
            bias_trick(X),
            codes,
            n_classes=max(len(self.classes_), 2),
            learning_rate=self.learning_rate,
            batch_size=int(self.batch_size),
            epochs=int(self.epochs),
            seed=self.random_state,
        )
        self.intercept_ = fitted.theta[0].astype(np.float64)
        self.coef_ = fitted.theta[1:].T.astype(np.float64)
        self.loss_curve_ = fitted.train_losses
        self.n_iter_ = int(self.epochs)
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
