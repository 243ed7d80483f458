"""Logistic regression on many pairs at once against its oracle: ``models.logistic`` run on each
pair alone (the assignment's ``descend`` and ``fit_to_convergence``), on pairs that share classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fashionlab.data.datasets import CLASS_NAMES
from fashionlab.data.preprocessing import (
    PIXEL_COLUMNS,
    bias_trick,
    flatten,
    normalize,
    pair_split,
    split_rows,
    to_dataframe,
)
from fashionlab.models import pairwise
from fashionlab.models.convergence import fit_to_convergence, nesterov_step_size
from fashionlab.models.logistic import descend

# four pairs over four classes: "Coat" is in three of them, first or second
PAIRS = [("Pullover", "Coat"), ("Coat", "Bag"), ("Trouser", "Coat"), ("Trouser", "Bag")]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Random images whose mean brightness depends on the class: learnable, not separable."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 10, 2000).astype(np.uint8)
    images = rng.normal(100 + 8 * labels[:, None, None], 60, (2000, 28, 28))
    return to_dataframe(flatten(normalize(np.clip(images, 0, 255).round())), labels)


def blocks(frame: pd.DataFrame, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, list, object]:
    rows = [split_rows(frame, pair) for pair in pairs]
    classes = [(CLASS_NAMES.index(a), CLASS_NAMES.index(b)) for a, b in pairs]
    labels = frame["label"].to_numpy()
    return (
        frame[PIXEL_COLUMNS].to_numpy(),
        rows,
        pairwise.pair_set(labels, classes, [(r.train, r.val) for r in rows]),
    )


@pytest.fixture(params=["whole blocks", "slices of 30 rows in float64, 60 in float32"])
def slices(request, monkeypatch) -> None:
    """Each block read whole, or a slice at a time with a shorter last slice (blocks of about
    200 rows here; the real ones of 6,000 are read in slices of 500 or 1,001)."""
    if request.param != "whole blocks":
        monkeypatch.setattr(pairwise, "SLICE_BYTES", 30 * 785 * 8)


@pytest.mark.usefixtures("slices")
def test_descent_on_every_pair_at_once_is_each_pairs_descent(frame) -> None:
    X, _, pairs = blocks(frame, PAIRS)
    thetas, val_accuracy = pairwise.descend_all(X, pairs, 0.05, 40)
    assert thetas.shape == (len(PAIRS), 785) and val_accuracy.shape == (40, len(PAIRS))
    for i, pair in enumerate(PAIRS):
        split = pair_split(frame, pair)
        alone = descend(
            bias_trick(split.X_train),
            split.y_train,
            0.05,
            40,
            (bias_trick(split.X_val), split.y_val),
        )
        np.testing.assert_allclose(thetas[i], alone.theta.ravel(), rtol=0, atol=1e-12)
        assert list(val_accuracy[:, i]) == alone.history["val_accuracy"]  # every step's
    assert len(set(map(tuple, val_accuracy.T))) == len(PAIRS)  # the pairs differ


@pytest.mark.usefixtures("slices")
def test_convergence_on_every_pair_at_once_is_each_pairs_convergence(frame) -> None:
    X, rows, pairs = blocks(frame, PAIRS)
    sizes = [nesterov_step_size(bias_trick(X[r.train]).astype(np.float32)) for r in rows]
    thetas, steps = pairwise.converge_all(
        X, pairs, np.array(sizes), max_steps=300, patience=10, tol=1e-4
    )
    assert thetas.dtype == np.float64
    for i, pair in enumerate(PAIRS):
        split = pair_split(frame, pair)
        X_train, X_val = bias_trick(split.X_train), bias_trick(split.X_val)
        alone = fit_to_convergence(
            X_train, split.y_train, X_val, split.y_val, max_steps=300, patience=10, tol=1e-4
        )
        assert steps[i] == alone.steps  # each pair stops on its own, where it stops alone
        np.testing.assert_allclose(thetas[i], alone.theta.ravel(), rtol=0, atol=1e-4)  # float32
    assert len(set(steps)) == len(PAIRS) and max(steps) < 300  # own stops, before the cap


def test_a_pair_set_puts_each_class_in_one_block(frame) -> None:
    _, rows, pairs = blocks(frame, PAIRS)
    coat = next(b for b in pairs.blocks if set(b.pairs) == {0, 1, 2})
    assert coat.labels.ravel().tolist() == [1.0, 0.0, 1.0]  # Coat is second in pairs 0 and 2
    assert [b.pairs.tolist() for b in pairs.blocks if len(b.pairs) == 1] == [[0]]  # Pullover
    for block in pairs.blocks:
        for mask, part in ((block.train, "train"), (block.val, "val")):
            for row, p in zip(mask.T, block.pairs, strict=True):
                assert set(block.rows[row == 1]) == set(getattr(rows[p], part)) & set(block.rows)
    assert pairs.n_train.tolist() == [len(r.train) for r in rows]


@pytest.mark.parametrize(("rows", "sizes"), [(10, [3, 3, 3, 1]), (9, [3, 3, 3]), (2, [2]), (0, [])])
def test_a_block_is_read_in_slices_that_cover_each_row_once(rows, sizes, monkeypatch) -> None:
    monkeypatch.setattr(pairwise, "SLICE_BYTES", 3 * 4 * 8 + 7)  # 3 rows of 4 float64, not 4
    masks = np.zeros((rows, 2))
    block = pairwise._Matrices(np.zeros((rows, 4)), np.zeros((1, 2)), masks, masks)
    covered = [np.arange(rows)[s] for s in block.slices()]
    assert [len(part) for part in covered] == sizes
    assert np.concatenate([np.arange(0), *covered]).tolist() == list(range(rows))
