"""The study's results: one typed record that ``study`` returns and ``render`` consumes.

Pairs are keyed by class tuples, never by display strings; any number of pairs is allowed; no
rendered markup is stored. Three accuracies are kept apart everywhere:

- ``val_accuracy``: the assignment's validation rows (the last 20 % of a shuffled pair);
- ``heldout_accuracy``: the assignment's 20 % "test" split; ``None`` for a model trained on it;
- ``official_test_accuracy``: the official test images of the pair (or of all classes).

``to_json`` and ``from_json`` convert to and from ``results.json``; ``schema`` generates its JSON
Schema (``docs/results.schema.json``) from these classes.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Union

SCHEMA_VERSION = 2
Pair = tuple[str, str]


@dataclass
class DataSummary:
    """Q1: the files and the shapes and pixel ranges before and after preprocessing."""

    sources: dict[str, str]  # file -> how it was verified
    train_shape_before: list[int]
    test_shape_before: list[int]
    train_shape_after: list[int]
    test_shape_after: list[int]
    pixel_min_before: int
    pixel_max_before: int
    pixel_min_after: float
    pixel_max_after: float
    dtype_before: str
    dtype_after: str
    first_image_class: str
    frame_columns: int


@dataclass
class EmbeddingSummary:
    """Q1.2-Q3: PCA and the t-SNE map, and how well the map keeps classes together."""

    dimensions_before: int
    components: int
    kept_variance: float
    points: int
    map_dimensions: int
    neighbours: int
    folds: int
    neighbour_agreement: float
    tsne_settings: dict[str, Any]


@dataclass
class Converged:
    """Logistic regression trained until the validation loss stops improving."""

    steps: int
    max_steps: int
    val_accuracy: float
    heldout_accuracy: float
    official_test_accuracy: float


@dataclass
class LogregResult:
    """Q4: logistic regression from scratch on one pair at the assignment's settings."""

    classes: Pair
    learning_rate: float
    steps: int
    shuffle_seed: int
    n_train: int
    n_val: int
    n_heldout: int
    n_official_test: int
    mixing: float  # share of the pair's map points whose neighbours are mostly the other class
    diverged_at_step: int | None
    train_accuracy: float | None
    train_loss: float | None
    val_accuracy: float | None
    val_loss: float | None
    heldout_accuracy: float | None
    official_test_accuracy: float | None
    initial_val_accuracy: float
    steps_to_95: int | None
    steps_to_99: int | None
    history: dict[str, list[float]]
    converged: Converged | None
    dynamics: dict[str, Any] | None = None  # what the first steps did (analysis.dynamics)


@dataclass
class NetworkResult:
    """Q5.1: the assignment's network on one pair."""

    classes: Pair
    training_rows: int  # 9,600 for validation_split=0.2 on 12,000: train and held-out rows
    heldout_note: str  # why heldout_accuracy is None
    hidden_units: int
    activation: str
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs_max: int
    patience: int
    seed: int
    n_parameters: int
    epochs_run: int
    best_epoch: int
    val_accuracy: float
    val_loss: float
    heldout_accuracy: float | None
    official_test_accuracy: float
    n_val: int
    n_official_test: int
    steps_to_95: int | None
    steps_to_99: int | None
    history: dict[str, list[float]]
    summary: str


@dataclass
class McNemar:
    """McNemar's exact test of two models on the same rows."""

    rows: str  # "validation", "held-out" or "official test"
    n: int
    only_first: int  # rows only the first model gets right
    only_second: int
    p_value: float


@dataclass
class Comparison:
    """Q5.1's evidence: the network against logistic regression, with uncertainty."""

    classes: Pair
    logreg_correct: dict[str, str]  # rows -> per-row correctness, "1"/"0" per row, file order
    network_correct: dict[str, str]
    fair_network_correct: dict[str, str]  # the network trained on the 7,200 training rows only
    fair_network_val_accuracy: float
    fair_network_heldout_accuracy: float
    fair_network_official_test_accuracy: float
    fair_network_best_epoch: int
    tests: list[McNemar]
    seeds: list[int]
    seed_val_accuracies: list[float]
    seed_official_test_accuracies: list[float]


@dataclass
class AtlasPair:
    """One of the 45 pairs: logistic regression (100 steps and converged) and the network."""

    classes: Pair
    n_val: int
    logreg_val_accuracy: float
    logreg_converged_val_accuracy: float
    nn_val_accuracy: float | None
    steps_to_95: int | None


@dataclass
class WeightSummary:
    """Where the weights that push towards each class sit on the 28 x 28 grid."""

    classes: Pair
    positive_centre: list[float]
    negative_centre: list[float]
    strongest_weight: float
    strongest_at: list[int]


@dataclass
class ErrorSummary:
    """A model's validation errors on the hard pair, counted exactly."""

    model: str
    errors: int
    n: int
    most_confident_probability: float | None
    most_confident_true_class: str | None


@dataclass
class TenClasses:
    """All ten classes: softmax regression from scratch and the 784-100-10 network."""

    official_test_accuracy: float
    n_official_test: int
    train_accuracy: float
    epochs: int
    learning_rate: float
    batch_size: int
    precision: list[float]
    recall: list[float]
    confusion: list[list[int]]
    network_official_test_accuracy: float
    network_epochs: int
    published: dict[str, float]


@dataclass
class Extras:
    """Beyond the assignment."""

    atlas: list[AtlasPair]
    atlas_network: dict[str, int]  # epochs and patience of the atlas's networks
    weights: list[WeightSummary]
    errors: list[ErrorSummary]
    ten_classes: TenClasses
    interactive_points: int


@dataclass
class Results:
    """Everything one ``fashionlab run`` measured; ``timings`` alone varies between runs."""

    config: dict[str, Any]
    data: DataSummary
    embedding: EmbeddingSummary
    logreg: list[LogregResult]
    network: NetworkResult
    comparison: Comparison
    versions: dict[str, str]
    extras: Extras | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def pair(self, classes: Pair) -> LogregResult:
        """The logistic-regression result of one pair."""
        for run in self.logreg:
            if tuple(run.classes) == tuple(classes):
                return run
        raise KeyError(f"no logistic-regression result for {classes!r}")


# --------------------------------------------------------------------------- JSON


def to_json(value: Any) -> Any:
    """Plain JSON: dataclasses to objects, tuples to lists, non-finite floats to null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value, where)  # type: ignore[arg-type]
    if origin is tuple:
        if not isinstance(value, list) or len(value) != len(args):
            raise ValueError(f"{where}: expected a list of {len(args)}, got {value!r:.60}")
        return tuple(_convert(a, v, where) for a, v in zip(args, value, strict=True))
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        return [_convert(args[0], v, f"{where}[]") for v in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        return {k: _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number, got {value!r:.60}")
        return float(value)
    if hint in (int, str, bool) and (type(value) is not hint):
        raise ValueError(f"{where}: expected {hint.__name__}, got {value!r:.60}")
    return value


def from_json(cls: type[Any], data: Any, where: str = "results") -> Any:
    """Rebuild a record from its JSON; a missing or mistyped field raises ValueError."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise ValueError(f"{where}: missing field {f.name!r}")
        values[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**values)
