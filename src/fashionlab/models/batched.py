"""Many copies of the assignment's network trained together in one compiled JAX program.

Each network, Input(784) -> Dense(100, relu) -> Dense(1, sigmoid), is trained as ``neural.fit``
trains one with Keras 3: Glorot-uniform kernels, zero biases, binary cross-entropy on clipped
probabilities, Adam with Keras's defaults, minibatches of 64 reshuffled every epoch (a partial last
batch included) and EarlyStopping(val_loss, patience, restore_best_weights=True), each network on
its own. The K parameter sets are stacked; one epoch of all K is one jitted call (a ``lax.scan``
over minibatches, ``lax.map`` over groups of networks, ``vmap`` within a group). Only the random
streams differ from Keras: init and shuffles come from ``jax.random`` keyed by each network's seed,
so a network's result does not depend on which others share the program.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..checks import check_count, check_rate
from ..config import NN_BATCH_SIZE, NN_HIDDEN_UNITS, NN_LEARNING_RATE
from .batched_checks import check_data, check_seeds
from .mlp import PARAMETERS, Params, adam, batch_loss, cross_entropy, forward, init_params

GROUP_SIZE = 1  # networks vmapped together; 1 (one after another) measured fastest on CPU
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def in_float32(function: Any) -> Any:
    """Run ``function`` with JAX's 64-bit types off, as Keras trains in float32: a user's
    ``JAX_ENABLE_X64=1`` made the skipped groups' float64 NaNs meet float32 metrics in ``lax.cond``
    (a TypeError, found by a hostile review), and would have changed the numbers a cache serves."""

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with x64(False):
            return function(*args, **kwargs)

    return wrapped


def x64(enabled: bool) -> Any:
    """JAX's context manager for its 64-bit types: ``jax.enable_x64(enabled)``, which the JAX that
    the lock gives Python 3.10 (0.6) has only as ``jax.experimental.enable_x64`` and
    ``disable_x64`` (a review)."""
    switch = getattr(jax, "enable_x64", None)
    if switch is not None:
        return switch(enabled)
    experimental = importlib.import_module("jax.experimental")
    return experimental.enable_x64() if enabled else experimental.disable_x64()


@dataclass(frozen=True)
class NetworkFit:
    """One network's fit: its Keras-style history and its parameters at the best epoch."""

    history: dict[str, list[float]]  # METRICS, one value per epoch run
    best_epoch: int  # 1-based: the epoch with the lowest val_loss (first one on ties)
    epochs_run: int
    params: dict[str, np.ndarray]  # at the best epoch, as restore_best_weights leaves them


def batch_order(key: jax.Array, n: int, batch_size: int, shuffle: bool) -> tuple[Any, Any]:
    """A permutation of n rows cut into batches, (batches, batch_size) indices and 0/1 weights.

    Weight-0 padding completes a partial last batch: Keras's partial batch, at a fixed shape."""
    n_batches = -(-n // batch_size)
    order = jax.random.permutation(key, n) if shuffle else jnp.arange(n)
    order = jnp.concatenate([order, jnp.zeros(n_batches * batch_size - n, order.dtype)])
    weight = (jnp.arange(n_batches * batch_size) < n).astype(jnp.float32)
    return order.reshape(n_batches, batch_size), weight.reshape(n_batches, batch_size)


def rows_of(array: Any, network: Any, rows: Any = slice(None)) -> Any:
    """``array[network, rows]``; a shared array has a leading axis of 1 and serves every network."""
    return array[jnp.minimum(network, array.shape[0] - 1), rows]


def train_epoch(
    state: dict[str, Any], data: Any, key: Any, learning_rate: Any, batch_size: int, shuffle: bool
) -> tuple[dict[str, Any], Any, Any]:
    """One pass of Adam over the minibatches; loss and accuracy as Keras logs them (the batches'
    values, each at its own step, averaged with batch sizes as weights)."""
    X, y, network = data[0], data[1], state["network"]
    n = X.shape[1]
    order, weight = batch_order(key, n, batch_size, shuffle)

    def step(carry: Any, batch: Any) -> Any:
        params, moments, t = carry
        rows, w = batch
        X_batch, y_batch = rows_of(X, network, rows), rows_of(y, network, rows)
        (loss, correct), grads = jax.value_and_grad(batch_loss, has_aux=True)(
            params, X_batch, y_batch, w
        )
        params, moments = adam(params, grads, moments, t, learning_rate)
        return (params, moments, t + 1), (loss * jnp.sum(w), correct)

    carry = (state["params"], state["moments"], state["step"])
    (params, moments, t), (losses, corrects) = jax.lax.scan(step, carry, (order, weight))
    trained = {**state, "params": params, "moments": moments, "step": t}
    return trained, jnp.sum(losses) / n, jnp.sum(corrects) / n


def early_stopping(state: dict[str, Any], val_loss: Any, epoch: Any, patience: int) -> Any:
    """Keras EarlyStopping(val_loss, patience, restore_best_weights): an epoch improves when
    val_loss < best (min_delta 0; epoch 1 always does); stop after ``patience`` without."""
    improved = (val_loss < state["best_loss"]) | (epoch == 1)
    wait = jnp.where(improved, 0, state["wait"] + 1)
    pick = functools.partial(jnp.where, improved)
    return {
        **state,
        "best_params": jax.tree.map(pick, state["params"], state["best_params"]),
        "best_loss": pick(val_loss, state["best_loss"]),
        "best_epoch": pick(epoch, state["best_epoch"]),
        "wait": wait,
        "active": improved | (wait < patience),
    }


def network_epoch(
    state: dict[str, Any],
    data: Any,
    epoch: Any,
    learning_rate: Any,
    *,
    batch_size: int,
    patience: int,
    shuffle: bool,
) -> tuple[dict[str, Any], Any]:
    """One epoch of one network, validation and early stopping; a stopped network is kept as is."""
    key = jax.random.fold_in(jax.random.PRNGKey(state["seed"]), epoch)  # a fresh shuffle per epoch
    trained, loss, accuracy = train_epoch(state, data, key, learning_rate, batch_size, shuffle)
    X_val, y_val = rows_of(data[2], state["network"]), rows_of(data[3], state["network"])
    val_probability = forward(trained["params"], X_val)
    val_loss = jnp.mean(cross_entropy(val_probability, y_val))
    val_accuracy = jnp.mean((val_probability > 0.5) == (y_val > 0.5))
    trained = early_stopping(trained, val_loss, epoch, patience)
    kept = jax.tree.map(lambda new, old: jnp.where(state["active"], new, old), trained, state)
    return kept, jnp.stack([loss, accuracy, val_loss, val_accuracy])


@functools.lru_cache(maxsize=16)
def compiled_epoch(batch_size: int, patience: int, shuffle: bool, group_size: int) -> Any:
    """One jitted epoch of all K networks, vmapped ``group_size`` at a time.

    The networks still training are packed into the first groups (stable sort); groups in which
    every network has stopped are skipped (``lax.cond``), so stopped networks cost nothing.
    """
    one = functools.partial(
        network_epoch, batch_size=batch_size, patience=patience, shuffle=shuffle
    )

    def group(state: Any, data: Any, epoch: Any, rate: Any) -> Any:
        train = jax.vmap(one, in_axes=(0, None, None, None))
        skip = lambda state, *_: (state, jnp.full((group_size, len(METRICS)), jnp.nan))  # noqa: E731
        return jax.lax.cond(state["active"].any(), train, skip, state, data, epoch, rate)

    def epoch_all(state: Any, data: Any, epoch: Any, rate: Any) -> Any:
        k = state["active"].shape[0]
        slots = -(-k // group_size) * group_size
        order = jnp.argsort(~state["active"], stable=True)  # training networks first
        order = jnp.concatenate([order, jnp.full(slots - k, k, order.dtype)])  # k: a padding slot
        packed = jax.tree.map(lambda a: a.at[order].get(mode="clip"), state)
        packed["active"] = packed["active"] & (order < k)
        grouped = jax.tree.map(lambda a: a.reshape(-1, group_size, *a.shape[1:]), packed)
        done, metrics = jax.lax.map(lambda s: group(s, data, epoch, rate), grouped)
        done = jax.tree.map(lambda a: a.reshape(slots, *a.shape[2:]), done)
        state = jax.tree.map(lambda a, b: a.at[order].set(b, mode="drop"), state, done)
        metrics = (
            jnp.zeros((k, len(METRICS))).at[order].set(metrics.reshape(slots, -1), mode="drop")
        )
        return state, metrics

    return jax.jit(epoch_all, donate_argnums=0)


def initial_state(params: Params, seeds: np.ndarray) -> dict[str, Any]:
    """Adam's zero moments and the early-stopping bookkeeping for stacked params (k, ...). The
    params are copied: training donates its state's buffers, and the caller's must survive it."""
    k, zeros = len(seeds), functools.partial(jax.tree.map, jnp.zeros_like)
    return {
        "params": jax.tree.map(jnp.copy, params),
        "moments": (zeros(params), zeros(params)),
        **{name: jnp.zeros(k, jnp.int32) for name in ("step", "best_epoch", "wait")},
        "best_params": jax.tree.map(jnp.copy, params),
        "best_loss": jnp.full(k, jnp.inf, jnp.float32),
        "active": jnp.ones(k, bool),
        "seed": jnp.asarray(seeds, jnp.uint32),
        "network": jnp.arange(k, dtype=jnp.int32),  # which slice of unshared data is this network's
    }


@in_float32
def fit_stacked(
    params: Params,
    data: tuple[np.ndarray, ...],
    seeds: np.ndarray,
    *,
    epochs: int,
    patience: int,
    batch_size: int,
    learning_rate: float,
    group_size: int,
    shuffle: bool = True,
) -> list[NetworkFit]:
    """Train stacked ``params`` (k, ...) on ``data`` = X, y, X_val, y_val (2-D X or 1-D y: shared).

    ``shuffle=False`` takes batches in row order, as Keras's ``shuffle=False`` (the oracle test)."""
    dims = (2, 1, 2, 1)  # a shared array gets a leading axis of 1 (a view, not k copies)
    arrays = tuple(
        jnp.asarray(a if a.ndim > d else a[None]) for a, d in zip(data, dims, strict=True)
    )
    run_epoch = compiled_epoch(batch_size, patience, shuffle, min(group_size, len(seeds)))
    state, rate, records = initial_state(params, seeds), jnp.float32(learning_rate), []
    active: np.ndarray = np.ones(len(seeds), bool)
    for epoch in range(1, epochs + 1):
        state, metrics = run_epoch(state, arrays, jnp.int32(epoch), rate)
        records.append((active, np.asarray(metrics)))
        active = np.asarray(state["active"])
        if not active.any():
            break
    best = jax.tree.map(np.asarray, state["best_params"])
    fits = []
    for i, best_epoch in enumerate(np.asarray(state["best_epoch"])):
        rows = [metrics[i] for active, metrics in records if active[i]]  # the epochs it ran
        history = {name: [float(row[col]) for row in rows] for col, name in enumerate(METRICS)}
        params = {name: np.array(best[name][i]) for name in PARAMETERS}
        fits.append(NetworkFit(history, int(best_epoch), len(rows), params))
    return fits


@in_float32
def fit_many(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    seeds: Any,
    epochs: int,
    patience: int,
    batch_size: int = NN_BATCH_SIZE,
    learning_rate: float = NN_LEARNING_RATE,
    hidden_units: int = NN_HIDDEN_UNITS,
    group_size: int = GROUP_SIZE,
) -> list[NetworkFit]:
    """Train one network per seed, all in one compiled program; one ``NetworkFit`` per seed.

    Parameters
    ----------
    X_train, y_train : (k, n, d) floats and (k, n) labels in {0, 1}; (n, d) or (n,) is shared.
    X_val, y_val : (k, m, d) and (k, m), or shared (m, d) and (m,): the validation rows.
    seeds : k integers in [0, 2**32): network i's init and shuffles come from seeds[i].
    epochs, patience : the epoch cap (>= 1); epochs without a lower val_loss before a stop (>= 0).
    group_size : networks vmapped in lockstep; groups run one after another (1: measured fastest).
    """
    seeds_array = check_seeds(seeds)
    data = check_data(X_train, y_train, X_val, y_val, len(seeds_array))
    for name, value in (
        ("epochs", epochs),
        ("batch_size", batch_size),
        ("hidden_units", hidden_units),
        ("group_size", group_size),
    ):
        check_count(name, value)
    check_count("patience", patience, least=0)
    check_rate("learning_rate", learning_rate)
    init = functools.partial(init_params, n_inputs=data[0].shape[-1], hidden_units=hidden_units)
    params = jax.vmap(init)(jnp.asarray(seeds_array))
    return fit_stacked(
        params,
        data,
        seeds_array,
        epochs=int(epochs),
        patience=int(patience),
        batch_size=int(batch_size),
        learning_rate=float(learning_rate),
        group_size=int(group_size),
    )


@in_float32
def predict_proba(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """P(label 1) for each row of X (n, d) under one network's ``params``; shape (n,)."""
    arrays = {name: jnp.asarray(value, jnp.float32) for name, value in params.items()}
    return np.asarray(jax.jit(forward)(arrays, jnp.asarray(X, jnp.float32)))
