"""fashionlab: the Fashion-MNIST logistic-regression and neural-network study, end to end.

The public API is re-exported here and imported on first use, so the CLI starts instantly.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CLASS_NAMES": "datasets",
    "load_fashion_mnist": "datasets",
    "normalize": "preprocessing",
    "flatten": "preprocessing",
    "to_dataframe": "preprocessing",
    "get_data_subset": "preprocessing",
    "train_test_validation_split": "preprocessing",
    "bias_trick": "preprocessing",
    "sigmoid": "logistic",
    "binary_cross_entropy": "logistic",
    "binary_cross_entropy_derivative": "logistic",
    "predict": "logistic",
    "accuracy": "logistic",
    "logistic_regression": "logistic",
    "LogisticRegressionGD": "estimators",
    "SoftmaxRegressionGD": "estimators",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fashionlab' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
