from __future__ import annotations

import assignment_reference as reference
import numpy as np
import pandas as pd
import pytest

from fashionlab.analysis.pairs import run_split
from fashionlab.data.datasets import CLASS_NAMES
from fashionlab.data.preprocessing import (
    PIXEL_COLUMNS,
    bias_trick,
    canonical_class,
    flatten,
    get_data_subset,
    normalize,
    pair_split,
    split_rows,
    to_dataframe,
    train_test_validation_split,
)
from fashionlab.errors import DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (503, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 503).astype(np.uint8)
    return to_dataframe(flatten(normalize(images)), labels)


def test_frame_has_the_assignment_columns(frame: pd.DataFrame) -> None:
    assert list(frame.columns[:3]) == ["z0", "z1", "z2"]
    assert list(frame.columns[-3:]) == ["z783", "label", "class"]
    assert set(frame["class"]) <= set(CLASS_NAMES)
    assert frame.filter(regex="z[0-9]+").to_numpy().max() <= 1.0


@pytest.mark.parametrize(
    "pair", [("Trouser", "Ankle boot"), ("Pullover", "Coat"), ("Bag", "Shirt")]
)
def test_subset_matches_the_assignment_exactly(frame: pd.DataFrame, pair) -> None:
    expected_X, expected_y = reference.get_data_subset(frame, list(pair))
    X, y = get_data_subset(frame, pair)
    np.testing.assert_array_equal(X, expected_X)
    np.testing.assert_array_equal(y, expected_y)
    assert y.shape == (len(X), 1)


def test_subset_survives_read_only_values(frame: pd.DataFrame) -> None:
    X, _ = get_data_subset(frame, ["Coat", "Bag"])
    assert X.flags.writeable


def test_split_matches_the_assignment() -> None:
    X, y = np.arange(1003 * 2).reshape(1003, 2), np.arange(1003).reshape(-1, 1)
    for ours, theirs in zip(
        train_test_validation_split(X, y), reference.train_test_validation_split(X, y), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)


def test_bias_trick_prepends_ones() -> None:
    out = bias_trick(np.zeros((4, 3)))
    assert out.shape == (4, 4) and (out[:, 0] == 1).all() and (out[:, 1:] == 0).all()


@pytest.mark.parametrize("given", [np.float64, np.float32, np.uint8, np.longdouble])
def test_bias_trick_promotes_as_before_and_in_a_given_dtype_equals_casting_after(given) -> None:
    X = np.random.default_rng(0).integers(0, 256, (5, 3)).astype(given)
    X = X / 255 if np.issubdtype(given, np.floating) else X
    assert bias_trick(X).dtype == np.result_type(np.float64, X)  # as np.hstack with float64 ones
    np.testing.assert_array_equal(bias_trick(X, np.float32), bias_trick(X).astype(np.float32))
    assert bias_trick(X, np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "classes, message",
    [
        (["Coat", "Coat"], "must differ"),
        (["Coat", "coat"], "must differ"),
        (["Coat", "Sock"], "unknown class 'Sock'.*'Ankle boot'"),
        (["Coat"], "exactly two"),
        (["Coat", "Bag", "Shirt"], "exactly two"),
        ([], "exactly two"),
    ],
)
def test_bad_classes_raise_value_error_listing_valid_names(frame, classes, message) -> None:
    with pytest.raises(ValueError, match=message):
        get_data_subset(frame, classes)


def test_class_names_forgive_case_and_spacing() -> None:
    assert canonical_class("ankle  BOOT") == "Ankle boot"
    assert canonical_class(" t-shirt/top ") == "T-shirt/top"


@pytest.mark.realdata
def test_real_pairs_have_the_assignment_sizes(real_data) -> None:
    X, y = get_data_subset(real_data.df_train, ["Pullover", "Coat"])
    assert X.shape == (12000, 784) and y.shape == (12000, 1) and int(y.sum()) == 6000
    expected_X, expected_y = reference.get_data_subset(real_data.df_train, ["Pullover", "Coat"])
    np.testing.assert_array_equal(X, expected_X)
    np.testing.assert_array_equal(y, expected_y)


@pytest.mark.parametrize("seed", [42, 3])
def test_split_rows_are_where_pair_split_takes_its_rows(frame: pd.DataFrame, seed) -> None:
    split = pair_split(frame, ["Pullover", "Coat"], seed)
    assert split.shuffle_seed == seed  # run_split records it from here (it once assumed 42)
    assert run_split(split, steps=2).shuffle_seed == seed
    rows = split_rows(frame, ["pullover", "Coat"], seed)
    pixels = frame[PIXEL_COLUMNS].to_numpy()
    assert rows.classes == split.classes
    for part in ("train", "heldout", "val"):
        assert np.array_equal(pixels[getattr(rows, part)], getattr(split, f"X_{part}"))


def test_each_part_of_the_split_gets_its_own_size() -> None:
    """The assignment's code gave the test part ``validation_size`` of the rows and the
    validation part ``test_size``; at its equal sizes the split is the same (tested above)."""
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    parts = train_test_validation_split(X, y, test_size=0.1, validation_size=0.3)
    assert [len(part) for part in parts] == [12, 12, 2, 2, 6, 6]
    assert parts[5].tolist() == list(range(14, 20))  # the validation rows come last
    ours = train_test_validation_split(X, y)
    theirs = reference.train_test_validation_split(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


@pytest.mark.parametrize(
    ("sizes", "rows", "said"),
    [
        ((0.2, 0.2), 19, "X and y must have as many rows, got 20 and 19"),
        ((1.5, 0.2), 20, r"test_size must be a fraction in \[0, 1\), got 1.5"),
        ((0.2, -0.1), 20, r"validation_size must be a fraction in \[0, 1\), got -0.1"),
        ((0.6, 0.6), 20, "must leave rows to train on, got 0.6 \\+ 0.6"),
    ],
)
def test_a_split_that_cannot_be_made_is_refused(sizes, rows, said) -> None:
    X, y = np.zeros((20, 2)), np.zeros(rows)
    with pytest.raises(ValueError, match=said):
        train_test_validation_split(X, y, *sizes)


@pytest.mark.parametrize("shape", [(28, 28), (784,), (3, 28, 27), (2, 27, 28)])
def test_flatten_refuses_what_is_not_a_stack_of_images(shape) -> None:
    """A single 28 x 28 image came back as (28, 28), and 784 values as (784, 1); images of
    28 x 27 came back as 756 columns, which no model of 784 inputs takes."""
    with pytest.raises(ValueError, match=r"a stack of shape \(n, 28, 28\), got shape"):
        flatten(np.zeros(shape))


def test_a_pair_missing_from_the_frame_is_refused() -> None:
    """It came back as one class, every label 0, with no word."""
    frame = pd.DataFrame(np.zeros((4, 784)), columns=PIXEL_COLUMNS)
    frame["label"], frame["class"] = 1, "Trouser"
    with pytest.raises(DataError, match="the data hold no Bag images: a pair needs both classes"):
        get_data_subset(frame, ["Trouser", "Bag"])


def test_the_lazy_exports_are_listed_for_tab_completion() -> None:
    import fashionlab

    assert {"load_fashion_mnist", "logistic_regression", "to_dataframe"} <= set(dir(fashionlab))
    assert "importlib" not in dir(fashionlab)


def test_one_class_name_where_a_pair_belongs_is_echoed_whole() -> None:
    """It was echoed letter by letter: ['T', 'r', 'o', 'u', 's', 'e', 'r']."""
    with pytest.raises(
        ValueError,
        match=r"need exactly two classes, such as \['Pullover', "
        r"'Coat'\], got 'Trouser'; valid classes",
    ):
        get_data_subset(pd.DataFrame(), "Trouser")


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda frame: get_data_subset(frame, ["Pullover", "Coat"], shuffle="no"),
            "shuffle must be True or False, got 'no'",
        ),
        (
            lambda frame: get_data_subset(frame, ["Pullover", "Coat"], shuffle_seed=None),
            "shuffle_seed must be an integer >= 0, got None",
        ),
        (
            lambda frame: get_data_subset(frame, ["Pullover", "Coat"], shuffle_seed=2**32),
            "shuffle_seed must be at most 4,294,967,295",
        ),
        (
            lambda frame: get_data_subset(
                frame.rename(columns=lambda c: f"pixel{c[1:]}" if c[0] == "z" else c),
                ["Pullover", "Coat"],
            ),
            r"the frame has no pixel columns named z0, z1, ... .* got columns such as \['pixel0'",
        ),
        (
            lambda frame: get_data_subset(frame.iloc[:0], ["Pullover", "Coat"]),
            "the data hold no Pullover and no Coat images",
        ),
        (
            lambda frame: to_dataframe(np.zeros((3, 4)), np.array([1, 12, -1])),
            r"labels must be Fashion-MNIST's classes 0 to 9, got \[-1, 12\]",
        ),
        (
            lambda frame: to_dataframe(np.zeros((10, 4)), np.arange(5)),
            r"vectors must be \(n, d\) and labels \(n,\), got shapes \(10, 4\) and \(5,\)",
        ),
        (
            lambda frame: bias_trick(np.zeros(3)),
            r"X must be 2-D \(rows, features\), got shape \(3,\)",
        ),
    ],
)
def test_the_helpers_refuse_what_would_go_wrong_quietly(frame: pd.DataFrame, call, message) -> None:
    with pytest.raises((ValueError, DataError), match=message):
        call(frame)


def test_a_frame_takes_get_data_subsets_column_of_labels() -> None:
    """(n, 1) labels, as get_data_subset returns them, are one label a row (they worked before
    the boundary's checks; the review of this session's commits)."""
    frame = to_dataframe(np.zeros((3, 4)), np.array([[1], [9], [0]]))
    assert frame["class"].tolist() == ["Trouser", "Ankle boot", "T-shirt/top"]


def test_to_dataframe_shares_memory_with_the_array_it_is_given() -> None:
    """The README: `to_dataframe` shares memory with the array it is given (no 376 MB copy)."""
    vectors = flatten(normalize(np.zeros((4, 28, 28), np.uint8)))
    frame = to_dataframe(vectors, np.zeros(4, np.uint8))
    # column by column: selecting all 784 at once copies in pandas 2 (Python 3.10's lock), which
    # shares its memory lazily only from pandas 3 (copy on write)
    assert all(np.shares_memory(frame[name].to_numpy(), vectors) for name in PIXEL_COLUMNS)
    vectors[0, 0] = 0.5  # the frame sees a change to the array
    assert frame[PIXEL_COLUMNS[0]].iloc[0] == 0.5
