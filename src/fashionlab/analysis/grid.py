"""The sweep's grid: class pairs x learning rates x steps (or epochs) x seeds, for one model,
validated on creation so that a bad value is one line naming its field, before any task runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import check_rate
from ..config import (
    LEARNING_RATE,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    MAX_STEPS,
    NN_BATCH_SIZE,
    NN_EPOCHS,
    NN_LEARNING_RATE,
    NN_PATIENCE,
    SEED,
    SHUFFLE_SEED,
    STEPS,
)
from ..data import preprocessing
from ..errors import UsageError

MODELS = ("logreg", "nn")
MAX_ROWS = 100_000  # 12 to 28 hours of 100-step runs on 2 cores; beyond, gigabytes of tasks
LIST_FIELDS = ("pairs", "learning_rates", "steps", "epochs", "seeds")
FLOAT32_NORMAL = float(np.finfo(np.float32).tiny)  # 1.1754943508222875e-38
FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4028234663852886e+38


@dataclass(frozen=True)
class Grid:
    """What to sweep; validated on creation, each error naming its flag and echoing the value."""

    pairs: tuple[tuple[str, str], ...]
    model: str = "logreg"
    learning_rates: tuple[float, ...] = ()  # () for the model's own: 0.05, or Adam's 0.001
    steps: tuple[int, ...] = (STEPS,)  # logistic regression only
    epochs: tuple[int, ...] = (NN_EPOCHS,)  # the network only
    seeds: tuple[int, ...] = ()  # () for the model's own: the assignment's shuffle, 42, or 0
    patience: int = NN_PATIENCE
    batch_size: int = NN_BATCH_SIZE
    data_dir: str | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        for name in LIST_FIELDS:  # a numpy array or a list is fine; one value is not
            object.__setattr__(self, name, _as_tuple(name, getattr(self, name)))
        if any(isinstance(pair, str) for pair in self.pairs):
            raise GridError(
                "pairs",
                f"must be pairs of class names such as (('Pullover', 'Coat'),), got {self.pairs!r}",
            )
        if self.model not in MODELS:
            raise GridError("model", f"must be one of {', '.join(MODELS)}, got {self.model!r}")
        try:
            pairs = tuple(preprocessing.resolve_pair(pair) for pair in self.pairs)
        except UsageError as exc:
            raise GridError("pairs", str(exc)) from None
        _distinct("pairs", pairs, "pair", " vs ".join)
        swapped = next((p for i, p in enumerate(pairs) if p[::-1] in pairs[:i]), None)
        if swapped is not None:
            raise GridError(
                "pairs",
                f"each pair once, got {swapped[1]} vs {swapped[0]} and "
                f"{swapped[0]} vs {swapped[1]} (the same pair); give one of them",
            )
        object.__setattr__(self, "pairs", pairs)  # the official spellings
        logreg = self.model == "logreg"
        if not self.learning_rates:
            object.__setattr__(
                self, "learning_rates", (LEARNING_RATE if logreg else NN_LEARNING_RATE,)
            )
        if not self.seeds:
            object.__setattr__(self, "seeds", (SHUFFLE_SEED if logreg else SEED,))
        if self.size > MAX_ROWS:
            raise GridError(
                "size",
                f"{self.size:,} runs, more than the {MAX_ROWS:,} one sweep "
                "may ask for; split it into smaller sweeps",
            )
        _distinct("learning_rates", self.learning_rates)
        for rate in self.learning_rates:
            try:
                check_rate("each", rate)
            except ValueError as exc:
                raise GridError("learning_rates", str(exc)) from None
            if not logreg and not FLOAT32_NORMAL <= rate <= FLOAT32_MAX:  # in the network's float32
                raise GridError(  # subnormal or 0 below, inf above
                    "learning_rates",
                    f"each must be between {FLOAT32_NORMAL!r} and {FLOAT32_MAX!r}, the smallest "
                    f"normal and the largest float32 (the network trains in float32), got {rate!r}",
                )
        _integers("steps", self.steps, 1, MAX_STEPS)
        _integers("epochs", self.epochs, 1, MAX_EPOCHS)
        _integers("seeds", self.seeds, 0, MAX_SEED)
        _integers("patience", (self.patience,), 1, MAX_EPOCHS)
        _integers("batch_size", (self.batch_size,), 1, MAX_BATCH_SIZE)

    @property
    def lengths(self) -> tuple[int, ...]:
        return self.steps if self.model == "logreg" else self.epochs

    @property
    def size(self) -> int:  # the number of rows
        return len(self.pairs) * len(self.learning_rates) * len(self.lengths) * len(self.seeds)


class GridError(UsageError):
    """A ``Grid`` field that cannot be swept, named as the field (the CLI names its flag)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"Grid {field}: {text}")
        self.field, self.text = field, text

    def __reduce__(self) -> tuple[type[GridError], tuple[str, str]]:  # pickled by Dask, copied
        return GridError, (self.field, self.text)


def _as_tuple(field: str, values: Any) -> tuple[Any, ...]:
    """A grid field as a tuple of plain Python values (numpy scalars unwrapped)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise GridError(field, f"a sequence of values, got {values!r}")
    return tuple(v.item() if isinstance(v, np.generic) else v for v in values)


def _distinct(
    field: str, values: Sequence[Any], one: str = "value", shown: Callable[[Any], str] = repr
) -> None:
    """Each of ``values`` once; a repeat is named as ``shown`` writes it (a pair: "Coat vs Bag")."""
    if not values:
        raise GridError(field, "needs at least one value, got none")
    seen: set[Any] = set()  # a set, not the list so far: 100,000 rates took minutes
    for value in values:
        if value in seen:
            raise GridError(field, f"each {one} once, got {shown(value)} twice")
        seen.add(value)


def _integers(field: str, values: Sequence[int], low: int, high: int) -> None:
    _distinct(field, values)
    for value in values:
        integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if not (integer and low <= value <= high):
            raise GridError(
                field, f"each must be an integer between {low:,} and {high:,}, got {value!r}"
            )
