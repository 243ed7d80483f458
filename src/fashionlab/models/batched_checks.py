"""Argument checks of the batched trainer: each ValueError names the parameter and the value."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_seeds(seeds: Any) -> np.ndarray:
    """k >= 1 integer seeds in [0, 2**32)."""
    array = np.asarray(seeds)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"seeds must be a non-empty 1-D sequence of integers, got {seeds!r}")
    if array.min() < 0 or array.max() >= 2**32:
        raise ValueError(f"seeds must be in [0, 2**32), got {seeds!r}")
    return array.astype(np.uint32)


def check_data(X_train: Any, y_train: Any, X_val: Any, y_val: Any, k: int) -> tuple[Any, ...]:
    """float32 copies (or views) of the four arrays: rows, features and k agree; labels 0 or 1."""
    named = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in named.items()}
    for name, array in arrays.items():
        base = 2 if name.startswith("X") else 1  # X (n, d) or y (n,) when shared
        if array.ndim not in (base, base + 1) or 0 in array.shape:
            raise ValueError(f"{name} must have {base} or {base + 1} dimensions, got {array.shape}")
        if array.ndim == base + 1 and array.shape[0] != k:
            raise ValueError(f"{name} has {array.shape[0]} networks but seeds has {k}")
    for split in ("train", "val"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.shape[-2] != y.shape[-1]:
            raise ValueError(f"X_{split} has {X.shape[-2]} rows but y_{split} has {y.shape[-1]}")
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"y_{split} must hold only 0 and 1, got {np.unique(y)[:5]}...")
    if arrays["X_train"].shape[-1] != arrays["X_val"].shape[-1]:
        shapes = f"{arrays['X_train'].shape} and {arrays['X_val'].shape}"
        raise ValueError(f"X_train and X_val must have the same number of features, got {shapes}")
    return tuple(arrays.values())
