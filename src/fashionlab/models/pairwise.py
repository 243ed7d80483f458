"""Logistic regression on many class pairs at once, each class's images read once for all its pairs.

One pair's gradient step is two matrix-vector products over its 7,200 training rows: memory-bound,
so 45 pairs one after another read 45 x 2 matrices from memory per step. But the pairs share their
images: each class's 6,000 training images are in 9 of the 45 pairs (in a different split in each).
So every class is one block, and one step of every pair is, per block, two matrix-matrix products
with one column per pair that holds the class: the logits of every row at every pair's theta, and
the gradients from the residuals of each pair's training rows (masked). Validation rows come from
the same logits. The maths is ``models.logistic``'s (eqs. 5-10), summed in another order.

On one core of the slower benchmark machine, the atlas's 45 pairs took 16 s for 100 float64 steps
and 62 s to convergence (500 float32 steps at most), against 149 s for both one pair at a time.
A pair that has stopped drops out of its blocks' products: on one core of the faster machine,
34.5 s to convergence against 37.3 s. In a later sitting, reading a block a slice of rows at a
time, both products of a slice while its rows are in cache, rather than the whole block once per
product (one of them in a transposed copy): 30.8 s against 35.1 s, in 0.77 GB rather than 0.94
(docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..data.preprocessing import bias_trick
from .convergence import nesterov_point
from .logistic import predict, sigmoid


@dataclass(frozen=True)
class Block:
    """One class's rows of X and the pairs that hold it: one column per pair."""

    rows: np.ndarray  # (n,) positions in X, ascending
    pairs: np.ndarray  # (k,) the pairs' indices
    labels: np.ndarray  # (1, k) this class's label in each pair: 0 first class, 1 second
    train: np.ndarray  # (n, k) 1 where the row is one of the pair's training rows, else 0
    val: np.ndarray  # (n, k) likewise for the validation rows


@dataclass(frozen=True)
class PairSet:
    """Pairs of classes over one image matrix X, in blocks of classes (``pair_set`` builds it)."""

    blocks: list[Block]
    n_train: np.ndarray  # (P,) training rows per pair
    n_val: np.ndarray  # (P,) validation rows per pair


def pair_set(
    labels: np.ndarray,
    classes: Sequence[tuple[int, int]],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
) -> PairSet:
    """Blocks for pairs of classes (first, second: label 0 and 1) with their (train, val) positions
    in X; ``labels`` holds each row's class."""
    members: dict[int, list[int]] = {}
    for p, pair in enumerate(classes):
        for c in pair:
            members.setdefault(c, []).append(p)
    blocks = []
    for c, pairs in sorted(members.items()):
        rows = np.flatnonzero(labels == c)
        where = np.full(len(labels), -1)
        where[rows] = np.arange(len(rows))
        masks = np.zeros((2, len(rows), len(pairs)))
        for i, p in enumerate(pairs):
            for mask, positions in zip(masks, splits[p], strict=True):
                mask[where[positions[labels[positions] == c]], i] = 1.0
        second = [[float(classes[p][1] == c) for p in pairs]]
        blocks.append(Block(rows, np.array(pairs), np.array(second), masks[0], masks[1]))
    n_train = np.array([len(train) for train, _ in splits])
    n_val = np.array([len(val) for _, val in splits])
    return PairSet(blocks, n_train, n_val)


# A slice of a block's rows: 1,001 of them in float32, 500 in float64. Measured on one core of the
# faster machine (1 MB of L2 a core, 32 MB of L3), the convergence took 31.7, 30.0 and 33.5 s with
# slices of 1.6, 3.2 and 6.4 MB.
SLICE_BYTES = 3 << 20


@dataclass(frozen=True)
class _Matrices:
    """A block's rows with the bias column (eq. 3), its labels and its masks, all in one dtype (a
    mixed product would copy A)."""

    A: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    val: np.ndarray

    def slices(self) -> list[slice]:
        """The rows a slice at a time: a slice's logits and its gradient both read its rows while
        they are in cache, so each step reads a block from memory once rather than twice."""
        size = max(1, SLICE_BYTES // (self.A.shape[1] * self.A.itemsize))
        return [slice(i, i + size) for i in range(0, len(self.A), size)]


def _class_matrices(X: np.ndarray, pairs: PairSet, dtype: type) -> list[_Matrices]:
    matrices = []
    for block in pairs.blocks:
        A = bias_trick(X[block.rows], dtype)
        matrices.append(
            _Matrices(A, *(m.astype(dtype) for m in (block.labels, block.train, block.val)))
        )
    return matrices


def descend_all(
    X: np.ndarray, pairs: PairSet, learning_rate: float, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent (eq. 10) from theta = 0 on every pair, in float64, as ``descend`` runs it
    on one: the thetas after ``steps`` steps (P, 785) and each pair's validation accuracy before
    each step (steps, P)."""
    matrices = _class_matrices(X, pairs, np.float64)
    theta = np.zeros((len(pairs.n_train), X.shape[1] + 1))
    val_accuracy = np.empty((steps, len(pairs.n_train)))
    for step in range(steps):
        gradient, correct = np.zeros_like(theta), np.zeros(len(pairs.n_train))
        for m, block in zip(matrices, pairs.blocks, strict=True):
            k, thetas = len(block.pairs), theta[block.pairs].T
            block_gradient, block_correct = np.zeros((k, theta.shape[1])), np.zeros(k)
            for rows in m.slices():
                A = m.A[rows]
                h = sigmoid(A @ thetas)  # eqs. 5-6, each row at each pair's theta
                block_correct += np.sum((predict(h) == m.labels) * m.val[rows], axis=0)
                block_gradient += ((h - m.labels) * m.train[rows]).T @ A  # eq. 9's X^T (H - Y)
            gradient[block.pairs] += block_gradient
            correct[block.pairs] += block_correct
        val_accuracy[step] = correct / pairs.n_val
        theta = theta - learning_rate * (gradient / pairs.n_train[:, None])
    return theta, val_accuracy


def converge_all(
    X: np.ndarray,
    pairs: PairSet,
    step_sizes: np.ndarray,
    *,
    max_steps: int,
    patience: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``fit_to_convergence`` on every pair, in float32: Nesterov-accelerated descent with each
    pair's step size, each stopping on its own when its validation loss has not improved by
    ``tol`` within ``patience`` steps. Returns each pair's theta of its last fall of the
    validation loss by more than ``tol`` (P, 785, float64) and the steps that reached them (P,).

    One pass over each block serves two steps: the training rows at this step's momentum points
    and the validation rows at the previous step's thetas (the loss that decides the stop).
    """
    count = len(pairs.n_train)
    matrices = _class_matrices(X, pairs, np.float32)
    size = np.asarray(step_sizes, np.float32)[:, None]
    n_train = pairs.n_train.astype(np.float32)[:, None]
    theta = np.zeros((count, X.shape[1] + 1), np.float32)
    point, best_theta = theta, theta.copy()
    best_loss, best_step = np.full(count, math.inf), np.zeros(count, np.int64)
    active = np.ones(count, bool)
    eps = np.finfo(np.float32).eps  # binary_cross_entropy's clip
    for step in range(1, max_steps + 2):
        gradient, val_loss = np.zeros_like(theta), np.zeros(count)
        for m, block in zip(matrices, pairs.blocks, strict=True):
            live = active[block.pairs]  # a stopped pair's columns drop out of the products
            if not live.any():
                continue
            held, labels, train, val = (
                (block.pairs, m.labels, m.train, m.val)
                if live.all()
                else (block.pairs[live], m.labels[:, live], m.train[:, live], m.val[:, live])
            )
            k, thetas = len(held), np.concatenate([point[held], theta[held]]).T
            block_gradient, block_loss = np.zeros((k, theta.shape[1]), theta.dtype), np.zeros(k)
            for rows in m.slices():
                A = m.A[rows]
                h = sigmoid(A @ thetas)
                block_gradient += ((h[:, :k] - labels) * train[rows]).T @ A
                p = np.clip(h[:, k:], eps, 1 - eps)
                loss = -np.log(np.where(labels == 1, p, 1 - p))  # eq. 8, term by term
                block_loss += np.sum(loss * val[rows], axis=0, dtype=np.float64)
            gradient[held] += block_gradient
            val_loss[held] += block_loss
        if step > 1:  # the stopping rule for the previous step
            val_loss /= pairs.n_val
            improved = active & (val_loss < best_loss - tol)
            best_theta[improved], best_loss[improved] = theta[improved], val_loss[improved]
            best_step[improved] = step - 1
            active &= improved | (step - 1 - best_step < patience)
        if step > max_steps or not active.any():
            break
        previous = theta
        theta = point - size * (gradient / n_train)
        point = nesterov_point(theta, previous, step)
    return best_theta.astype(np.float64), best_step
