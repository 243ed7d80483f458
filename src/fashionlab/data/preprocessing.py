"""The assignment's preprocessing: normalise, flatten, data frames, and its given helper functions.

``get_data_subset``, ``train_test_validation_split`` and ``bias_trick`` reproduce the assignment's
given code exactly: the same rows, the same legacy ``np.random.seed(42)`` shuffle, and the same
60/20/20 split by position.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..checks import check_count, check_rows
from ..config import MAX_SEED, SHUFFLE_SEED
from ..errors import DataError, UsageError
from .datasets import CLASS_NAMES

CLASS_DICT: dict[int, str] = dict(enumerate(CLASS_NAMES))
PIXEL_PREFIX = "z"  # the assignment's column names: z0 ... z783
PIXEL_COLUMNS: list[str] = [f"{PIXEL_PREFIX}{i}" for i in range(784)]
_PIXEL_COLUMN = re.compile(f"{PIXEL_PREFIX}[0-9]+")  # the assignment's df.filter(regex=...)


def normalize(images: np.ndarray) -> np.ndarray:
    """Scale pixels from [0, 255] to [0, 1]: img_norm = img / 255 (float64 for the uint8 images, as
    in the assignment; float32 images stay float32)."""
    return images / 255.0


def flatten(images: np.ndarray) -> np.ndarray:
    """Reshape (n, 28, 28) images to (n, 784) row vectors (a single image is ``images[None]``)."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):  # (n, 28, 27) is not Fashion-MNIST
        raise ValueError(f"images must be a stack of shape (n, 28, 28), got shape {images.shape}")
    return images.reshape(images.shape[0], -1)


def to_dataframe(vectors: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """A frame with columns ``z0 ... z{d-1}``, ``label`` and ``class``, built in one block.

    The frame's vector columns share memory with ``vectors`` (no copy: 376 MB for the training
    images): writing to one changes the other. Pass ``vectors.copy()`` to keep them apart.
    """
    if np.ndim(labels) == 2 and np.shape(labels)[1] == 1:  # get_data_subset's (n, 1) labels
        labels = np.ravel(labels)
    if np.ndim(vectors) != 2 or np.ndim(labels) != 1 or len(vectors) != len(labels):
        raise ValueError(
            f"vectors must be (n, d) and labels (n,), got shapes {np.shape(vectors)} "
            f"and {np.shape(labels)}"
        )
    if len(labels) and not np.isin(labels, list(CLASS_DICT)).all():
        unknown = sorted(set(np.unique(labels).tolist()) - set(CLASS_DICT))[:5]
        raise ValueError(f"labels must be Fashion-MNIST's classes 0 to 9, got {unknown}")
    columns = [f"{PIXEL_PREFIX}{i}" for i in range(vectors.shape[1])]
    frame = pd.DataFrame(vectors, columns=columns, copy=False)  # a view: no 376 MB copy
    frame["label"] = labels
    frame["class"] = frame["label"].map(CLASS_DICT)
    return frame


def canonical_class(name: str) -> str:
    """Return the official spelling of a class name; case and repeated spaces are forgiven.

    ``"ankle  BOOT"`` gives ``"Ankle boot"``. Unknown names raise ``UsageError`` listing the valid ones.
    """
    folded = " ".join(str(name).split()).casefold()
    for official in CLASS_NAMES:
        if official.casefold() == folded:
            return official
    valid = ", ".join(repr(c) for c in CLASS_NAMES)
    raise UsageError(f"unknown class {reprlib.repr(name)}; valid classes are {valid}")


def pair_name(classes: Sequence[str]) -> str:
    """('Pullover', 'Coat') -> 'Pullover vs Coat': how the report, the CLI and the study's
    timings name a pair."""
    return f"{classes[0]} vs {classes[1]}"


def resolve_pair(classes: Sequence[str]) -> tuple[str, str]:
    """Validate a pair of distinct class names and return their official spellings."""
    if isinstance(classes, str) or len(classes) != 2:
        valid = ", ".join(repr(c) for c in CLASS_NAMES)
        given = repr(classes if isinstance(classes, str) else list(classes))  # not its letters
        raise UsageError(
            f"need exactly two classes, such as ['Pullover', 'Coat'], got {given}; "
            f"valid classes: {valid}"
        )
    first, second = (canonical_class(c) for c in classes)
    if first == second:
        raise UsageError(f"the two classes must differ, got {first!r} twice")
    return first, second


def get_data_subset(
    df: pd.DataFrame,
    classes: Sequence[str] = (),
    shuffle: bool = True,
    shuffle_seed: int = SHUFFLE_SEED,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of two classes, in frame order, labelled 0 and 1, shuffled as the assignment does.

    Returns ``data`` of shape (n, d) and ``labels`` of shape (n, 1); the second class is label 1.
    """
    first, second = resolve_pair(classes)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    check_count("shuffle_seed", shuffle_seed, least=0)
    if shuffle_seed > MAX_SEED:
        raise ValueError(f"shuffle_seed must be at most {MAX_SEED:,}, got {shuffle_seed!r}")
    columns = [c for c in df.columns if _PIXEL_COLUMN.search(str(c))]
    if not columns:
        raise ValueError(
            "the frame has no pixel columns named z0, z1, ... (the assignment's "
            "df.filter(regex='z[0-9]+')); build it with to_dataframe, got columns such as "
            f"{list(df.columns[:3])}"
        )
    rows = subset_rows(df, (first, second), shuffle, shuffle_seed)
    # rows of the pixel block by numpy indexing: a new, writable array, 10x quicker than selecting
    # the rows of the whole frame first (which copies every column)
    data = df[columns].to_numpy()[rows]
    labels = (df["class"].to_numpy()[rows] == second).astype(np.int64)
    if not 0 < labels.sum() < len(labels):  # a frame that holds only one of the two classes
        missing = (
            f"{first} and no {second}" if len(labels) == 0 else first if labels.all() else second
        )
        raise DataError(f"the data hold no {missing} images: a pair needs both classes")
    return data, labels.reshape(-1, 1)


def subset_rows(
    df: pd.DataFrame,
    classes: tuple[str, str],
    shuffle: bool = True,
    shuffle_seed: int = SHUFFLE_SEED,
) -> np.ndarray:
    """The frame positions of ``get_data_subset``'s rows, in its order."""
    rows = np.flatnonzero(df["class"].isin(classes).to_numpy())
    if shuffle:
        # Identical to np.random.seed(seed); np.random.shuffle(x) on the data and on the labels.
        rows = rows[np.random.RandomState(shuffle_seed).permutation(len(rows))]
    return rows


def train_test_validation_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.20, validation_size: float = 0.20
) -> tuple[np.ndarray, ...]:
    """Split by position into train / test / validation (60 / 20 / 20 by default).

    The assignment's code ends the test part at ``(1 - test_size) * n``, which gives it
    ``validation_size`` of the rows and the validation part ``test_size``; with its equal sizes
    that is the same split, which this one reproduces, while each part here gets its own size.
    """
    check_rows(X, y)
    for name, size in (("test_size", test_size), ("validation_size", validation_size)):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1), got {size!r}")
    if test_size + validation_size >= 1.0:
        raise ValueError(
            f"test_size + validation_size must leave rows to train on, got "
            f"{test_size!r} + {validation_size!r}"
        )
    train_end = int((1.0 - test_size - validation_size) * X.shape[0])
    if train_end == 0:
        share = 1 - test_size - validation_size
        raise ValueError(
            f"X has {len(X)} row{'' if len(X) == 1 else 's'}: a training part of "
            f"{share:.3g} of them is empty, so there is nothing to train on"
        )
    test_end = int((1.0 - validation_size) * X.shape[0])
    validation_end = int(1.0 * X.shape[0])
    return (
        X[:train_end],
        y[:train_end],
        X[train_end:test_end],
        y[train_end:test_end],
        X[test_end:validation_end],
        y[test_end:validation_end],
    )


def bias_trick(X: np.ndarray, dtype: npt.DTypeLike | None = None) -> np.ndarray:
    """Prepend a column of ones (eq. 3): (n, d) -> (n, d + 1), in ``dtype`` if given (cast as it is
    copied, within the same kind: float64 to float32, not float to int), else in float64 or X's
    wider type."""
    X = np.asarray(X)  # a list of rows, too
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (rows, features), got shape {X.shape}; one feature "
            "per row is X[:, None], one row X[None]"
        )
    return np.hstack((np.ones((X.shape[0], 1), dtype or np.float64), X), dtype=dtype)


@dataclass(frozen=True)
class PairSplit:
    """One class pair as the assignment prepares it: subset, shuffle, then 60/20/20 by position.

    Images are (n, 784) without the bias column; labels (n, 1), the second class being 1.
    """

    classes: tuple[str, str]
    X_train: np.ndarray
    y_train: np.ndarray
    X_heldout: np.ndarray  # the assignment's 20 % "test" split
    y_heldout: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    shuffle_seed: int  # get_data_subset's seed: 42 is the assignment's

    @property
    def X_fit(self) -> np.ndarray:
        """The first 80 % (train + held-out): what Keras's ``validation_split=0.2`` trains on."""
        return np.concatenate([self.X_train, self.X_heldout])

    @property
    def y_fit(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_heldout])


def split_rows(
    df: pd.DataFrame, classes: Sequence[str], shuffle_seed: int = SHUFFLE_SEED
) -> PairRows:
    """The frame positions of a pair's train, held-out and validation rows, each in split order:
    ``X[rows.train]`` is ``pair_split(...).X_train`` for X the frame's pixels."""
    pair = resolve_pair(classes)
    rows = subset_rows(df, pair, True, shuffle_seed)
    train, _, heldout, _, val, _ = train_test_validation_split(rows, rows)
    return PairRows(pair, train, heldout, val)


@dataclass(frozen=True)
class PairRows:
    """Where a pair's three splits lie in the frame (positions, in split order)."""

    classes: tuple[str, str]
    train: np.ndarray
    heldout: np.ndarray
    val: np.ndarray


MIN_PAIR_IMAGES = 5  # of each class, so that each 60/20/20 split holds some of the pair


def pair_split(
    df: pd.DataFrame, classes: Sequence[str], shuffle_seed: int = SHUFFLE_SEED
) -> PairSplit:
    """``get_data_subset`` then ``train_test_validation_split``, as the assignment splits a pair
    (``split_rows`` gives the same rows as frame positions)."""
    pair = resolve_pair(classes)
    X, y = get_data_subset(df, pair, shuffle_seed=shuffle_seed)
    for label, name in enumerate(pair):  # possible only with --no-verify and a trimmed copy
        if np.count_nonzero(y == label) < MIN_PAIR_IMAGES:
            raise DataError(
                f"the data hold {np.count_nonzero(y == label)} {name} image(s), too few "
                f"to split 60/20/20 (at least {MIN_PAIR_IMAGES} needed); use the "
                "official files"
            )
    X_train, y_train, X_heldout, y_heldout, X_val, y_val = train_test_validation_split(X, y)
    return PairSplit(pair, X_train, y_train, X_heldout, y_heldout, X_val, y_val, shuffle_seed)
