"""The record itself: one dataclass per part of the study, and ``Results``, which holds them all.

Each field says what it measured; a part's own findings live in modules of their own
(``first_steps``, ``weight_map``). ``schema`` derives the JSON Schema from these classes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import TrainingSettings
from .first_steps import Findings
from .weight_map import WeightSummary

SCHEMA_VERSION = 12  # 11: NetworkResult.train_accuracy; 12: Findings.mean_row_norm_squared
RESTORED = "restored from cache"  # the only stage of a run served from the cache
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

    steps: int  # the kept weights': the last step to lower the val loss by more than tol
    steps_run: int  # where it stopped: patience steps later, or at max_steps
    max_steps: int
    patience: int  # it stopped once this many steps in a row had not
    tol: float  # Keras's min_delta
    val_accuracy: float
    heldout_accuracy: float
    official_test_accuracy: float


@dataclass
class PairSettings:
    """What logistic regression on one pair was given: its settings and the sizes of its split."""

    classes: Pair
    learning_rate: float
    steps: int
    shuffle_seed: int
    n_train: int
    n_val: int
    n_heldout: int


@dataclass
class LogregResult(PairSettings):
    """Q4: logistic regression from scratch on one pair at the assignment's settings."""

    n_official_test: int
    # share of the pair's map points whose neighbours are mostly the other class (None: too few
    # of its points on the map for each to have its neighbours among them)
    mixing: float | None
    mixing_points: int  # the pair's points on the map, which that share is of
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
    dynamics: Findings | None = None  # what the first steps did (first_steps)


@dataclass
class RateRow:
    """One cell of the learning-rate x steps grid (logistic regression, the assignment's split)."""

    classes: Pair
    learning_rate: float
    steps: int
    val_accuracy: float | None  # None when the run diverged
    diverged_at_step: int | None


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
    train_accuracy: float  # the kept weights' on the training rows (Keras's log: while they move)
    val_accuracy: float
    val_loss: float
    heldout_accuracy: float | None
    official_test_accuracy: float
    n_val: int
    n_official_test: int
    epochs_to_95: int | None  # the first epoch at 95% of val_accuracy, the restored epoch's
    epochs_to_99: int | None
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
    # rows -> per-row correctness, "1"/"0" a row, in the split's order (official test: file order)
    logreg_correct: dict[str, str]
    network_correct: dict[str, str]
    fair_network_correct: dict[str, str]  # the network trained on the 7,200 training rows only
    fair_network_val_accuracy: float
    fair_network_heldout_accuracy: float
    fair_network_official_test_accuracy: float
    fair_network_best_epoch: int
    # McNemar's tests, first model against second (none on the validation rows: they chose the
    # network's epoch): the network against 100-step logistic regression; on the held-out rows,
    # the fair network against it and against the longer fit, and the longer fit against it
    official_test: McNemar
    heldout_test: McNemar
    converged_logreg_correct: dict[str, str]
    converged_test: McNemar
    longer_test: McNemar
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
    nn_epochs_run: int | None  # epochs the pair's network trained before early stopping
    steps_to_95: int | None


@dataclass
class ErrorSummary:
    """A model's validation errors on the hard pair, counted exactly."""

    model: str
    errors: int
    n: int
    most_confident_predicted_probability: float | None  # what it gave the class it chose wrongly
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
    network_settings: TrainingSettings  # (a dict of floats, 30.0 epochs, before schema 10)
    published: dict[str, float]


@dataclass
class Extras:
    """Beyond the assignment."""

    atlas: list[AtlasPair]
    atlas_network: dict[str, int]  # the atlas's networks' epochs, patience, batch size and seed
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
    rate_grid: list[RateRow] = field(default_factory=list)
    extras: Extras | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def restored(self) -> bool:
        """Served from the cache: its only stage is the restore, its models' times from before."""
        return RESTORED in self.timings.get("stages", {})

    @property
    def hard_pair(self) -> LogregResult:
        """Logistic regression on the network's pair, Q3's, Q4.2's and Q5.1's Pullover vs Coat."""
        for run in self.logreg:
            if tuple(run.classes) == tuple(self.network.classes):
                return run
        raise KeyError(f"no logistic-regression result for {self.network.classes!r}")


@dataclass(frozen=True)
class SweepRow:
    """One run of the grid. ``steps`` is None for the network, ``epochs`` for logistic regression."""

    classes: tuple[str, str]
    model: str
    learning_rate: float
    steps: int | None
    epochs: int | None
    seed: int
    val_accuracy: float | None  # None when the run diverged
    heldout_accuracy: float | None  # None when diverged, or when the model trained on those rows
    official_test_accuracy: float | None
    diverged_at_step: int | None
    seconds: float  # training time; a network's share of its group's time

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "classes": list(self.classes)}
