"""fashionlab: the Fashion-MNIST logistic-regression and neural-network study, end to end.

The public API is re-exported here and imported on first use, so the CLI starts instantly.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CLASS_NAMES": "data.datasets",
    "load_fashion_mnist": "data.datasets",
    "normalize": "data.preprocessing",
    "flatten": "data.preprocessing",
    "to_dataframe": "data.preprocessing",
    "get_data_subset": "data.preprocessing",
    "train_test_validation_split": "data.preprocessing",
    "bias_trick": "data.preprocessing",
    "sigmoid": "models.logistic",
    "binary_cross_entropy": "models.logistic",
    "binary_cross_entropy_derivative": "models.logistic",
    "predict": "models.logistic",
    "accuracy": "models.logistic",
    "logistic_regression": "models.logistic",
    "LogisticRegressionGD": "models.estimators",
    "SoftmaxRegressionGD": "models.estimators",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fashionlab' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    """The public names, lazily imported ones included, for a notebook's tab completion."""
    return sorted(__all__)
