"""The assignment's cells, filled in the most literal way: the oracle for tests and the baseline
for benchmarks. Deliberately naive (global RNG, a second forward pass for the gradient)."""

from __future__ import annotations

import numpy as np


def get_data_subset(df, classes=[], shuffle=True, shuffle_seed=42):  # noqa: B006
    """Verbatim from the assignment, plus the copy that pandas >= 3 needs for ``.values``."""
    if classes == []:
        return None
    df_filtered = df[(df["class"] == classes[0]) | (df["class"] == classes[1])].copy()
    df_filtered["binary_label"] = 0
    df_filtered.loc[df["class"] == classes[1], "binary_label"] = 1
    data = df_filtered.filter(regex=("z[0-9]+")).values.copy()
    labels = df_filtered["binary_label"].values.copy()
    if shuffle:
        np.random.seed(shuffle_seed)
        np.random.shuffle(data)
        np.random.seed(shuffle_seed)
        np.random.shuffle(labels)
    return data, labels.reshape(-1, 1)


def train_test_validation_split(X, y, test_size=0.20, validation_size=0.20):
    trainIdx = int((1.0 - test_size - validation_size) * X.shape[0])  # noqa: N806
    testIdx = int((1.0 - test_size) * X.shape[0])  # noqa: N806
    validationIdx = int(1.0 * X.shape[0])  # noqa: N806
    X_train, y_train = X[:trainIdx], y[:trainIdx]
    X_test, y_test = X[trainIdx:testIdx], y[trainIdx:testIdx]
    X_val, y_val = X[testIdx:validationIdx], y[testIdx:validationIdx]
    return X_train, y_train, X_test, y_test, X_val, y_val


def bias_trick(X):
    return np.hstack((np.ones((X.shape[0], 1)), X))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def binary_cross_entropy(y, h):
    n = len(y)
    return -(1 / n) * np.sum(y * np.log(h) + (1 - y) * np.log(1 - h))


def binary_cross_entropy_derivative(X, y, theta):
    z = np.dot(X, theta)
    h = sigmoid(z)
    n = len(y)
    return (1 / n) * np.dot(X.T, (h - y))


def accuracy(y, h):
    return np.mean(y == h)


def predict(h):
    # Eq. 7 as restated: 1 when h >= 0.5. (np.round would send 0.5 to 0, which changes only the
    # first step's accuracy, where theta = 0 makes every h exactly 0.5.)
    return (h >= 0.5).astype(float)


def logistic_regression(X, y, learning_rate, num_steps):
    X = bias_trick(X)
    X_train, y_train, X_test, y_test, X_val, y_val = train_test_validation_split(X, y)
    theta = np.zeros((X.shape[1], 1))
    val_losses, train_losses, val_accuracies, train_accuracies = [], [], [], []
    for _ in range(num_steps):
        z_train = np.dot(X_train, theta)
        h_train = sigmoid(z_train)
        z_val = np.dot(X_val, theta)
        h_val = sigmoid(z_val)
        train_accuracies.append(accuracy(y_train, predict(h_train)))
        train_losses.append(binary_cross_entropy(y_train, h_train))
        val_accuracies.append(accuracy(y_val, predict(h_val)))
        val_losses.append(binary_cross_entropy(y_val, h_val))
        gradient = binary_cross_entropy_derivative(X_train, y_train, theta)
        theta = theta - learning_rate * gradient
    return theta, train_losses, train_accuracies, val_losses, val_accuracies
