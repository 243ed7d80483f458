"""Many copies of the assignment's network trained together as one compiled JAX program.

Each of K networks, Input(784) -> Dense(100, relu) -> Dense(1, sigmoid), is trained exactly as
``neural.fit`` trains one with Keras 3: Glorot-uniform kernels and zero biases, binary
cross-entropy on clipped probabilities, Adam with Keras's defaults, minibatches of 64 in a fresh
shuffle every epoch (the last batch may be partial), and EarlyStopping(monitor="val_loss",
patience, restore_best_weights=True). The K parameter sets are stacked on a leading axis and one
epoch of all of them is one jitted call: ``jax.vmap`` over the networks of a ``lax.scan`` over
the minibatches. A network that has stopped keeps its parameters (masked) while the others go on.

Only the random streams differ from Keras: the initial weights and each epoch's shuffle come from
``jax.random`` keyed by the network's seed, so a network's result depends on its seed and data
alone, never on which other networks share the batch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Params = dict[str, Any]  # kernel_1 (784, h), bias_1 (h,), kernel_2 (h, 1), bias_2 (1,)

BATCH_SIZE = 64
LEARNING_RATE = 1e-3
HIDDEN_UNITS = 100
BETA_1, BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # keras.optimizers.Adam defaults
CLIP_EPSILON = 1e-7  # keras.backend.epsilon(): probabilities are clipped before the log
GROUP_SIZE = 9  # networks vmapped together; see docs/batched.md for the measurements
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass(frozen=True)
class NetworkFit:
    """One network's fit: its Keras-style history and its parameters at the best epoch."""

    history: dict[str, list[float]]  # METRICS, one value per epoch run
    best_epoch: int  # 1-based: the epoch with the lowest val_loss (first one on ties)
    epochs_run: int
    params: dict[str, np.ndarray]  # at the best epoch, as restore_best_weights leaves them


# --------------------------------------------------------------------------- the network


def glorot_uniform(key: jax.Array, fan_in: int, fan_out: int) -> jax.Array:
    """U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)), shape (fan_in, fan_out)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -limit, limit)


def init_params(seed: jax.Array, n_inputs: int, hidden_units: int) -> Params:
    """Keras's default init from one seed: Glorot-uniform kernels, zero biases."""
    key_1, key_2 = jax.random.split(jax.random.PRNGKey(seed))
    return {
        "kernel_1": glorot_uniform(key_1, n_inputs, hidden_units),
        "bias_1": jnp.zeros(hidden_units, jnp.float32),
        "kernel_2": glorot_uniform(key_2, hidden_units, 1),
        "bias_2": jnp.zeros(1, jnp.float32),
    }


def forward(params: Params, X: jax.Array) -> jax.Array:
    """P(label 1) = sigmoid(relu(X W1 + b1) W2 + b2), shape (n,) for X of shape (n, d)."""
    hidden = jax.nn.relu(X @ params["kernel_1"] + params["bias_1"])
    return jax.nn.sigmoid(hidden @ params["kernel_2"] + params["bias_2"])[:, 0]


def cross_entropy(probability: jax.Array, y: jax.Array) -> jax.Array:
    """Per-row -[y log p + (1 - y) log(1 - p)] with p clipped to [eps, 1 - eps], as Keras on JAX."""
    p = jnp.clip(probability, CLIP_EPSILON, 1.0 - CLIP_EPSILON)
    return -(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p))


def batch_loss(params: Params, X: jax.Array, y: jax.Array, weight: jax.Array) -> Any:
    """Mean cross-entropy over the rows with weight 1 (a partial last batch pads with 0s)."""
    probability = forward(params, X)
    loss = jnp.sum(weight * cross_entropy(probability, y)) / jnp.sum(weight)
    correct = jnp.sum(weight * ((probability > 0.5) == (y > 0.5)))  # BinaryAccuracy(0.5)
    return loss, correct


def adam(params: Params, grads: Params, moments: Any, step: jax.Array, learning_rate: Any) -> Any:
    """Keras 3 Adam: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); w -= alpha m / (sqrt(v) + eps)."""
    m, v = moments
    t = (step + 1).astype(jnp.float32)
    alpha = learning_rate * jnp.sqrt(1.0 - BETA_2**t) / (1.0 - BETA_1**t)
    m = jax.tree.map(lambda m, g: m + (g - m) * (1.0 - BETA_1), m, grads)
    v = jax.tree.map(lambda v, g: v + (g * g - v) * (1.0 - BETA_2), v, grads)
    # m and v are updated first, then w moves with them: epsilon outside the sqrt, no v-hat
    params = jax.tree.map(
        lambda w, m, v: w - alpha * m / (jnp.sqrt(v) + ADAM_EPSILON), params, m, v
    )
    return params, (m, v)


# --------------------------------------------------------------------------- one epoch of one network


def batch_order(key: jax.Array, n: int, batch_size: int, shuffle: bool) -> tuple[Any, Any]:
    """A permutation of n rows cut into batches: indices and 0/1 weights, (batches, batch_size).

    The last batch is padded with weight-0 rows when n is not a multiple of ``batch_size``: the
    same partial batch Keras trains on, at a fixed shape.
    """
    n_batches = -(-n // batch_size)
    order = jax.random.permutation(key, n) if shuffle else jnp.arange(n)
    order = jnp.concatenate([order, jnp.zeros(n_batches * batch_size - n, order.dtype)])
    weight = (jnp.arange(n_batches * batch_size) < n).astype(jnp.float32)
    return order.reshape(n_batches, batch_size), weight.reshape(n_batches, batch_size)


def rows_of(array: Any, network: Any, rows: Any = slice(None)) -> Any:
    """``array[network, rows]``; a shared array has a leading axis of 1 and serves every network."""
    return array[jnp.minimum(network, array.shape[0] - 1), rows]


def train_epoch(state: dict[str, Any], data: Any, key: Any, learning_rate: Any, batch_size: int,
                shuffle: bool) -> tuple[dict[str, Any], Any, Any]:  # fmt: skip
    """One pass of Adam over shuffled minibatches; the epoch's loss and accuracy as Keras logs them.

    Keras logs the batch losses' mean weighted by batch size, each taken at its own step.
    """
    X, y, network = data[0], data[1], state["network"]
    n = X.shape[1]
    order, weight = batch_order(key, n, batch_size, shuffle)

    def step(carry: Any, batch: Any) -> Any:
        params, moments, t = carry
        rows, w = batch
        gradient = jax.value_and_grad(batch_loss, has_aux=True)
        (loss, correct), grads = gradient(
            params, rows_of(X, network, rows), rows_of(y, network, rows), w
        )
        params, moments = adam(params, grads, moments, t, learning_rate)
        return (params, moments, t + 1), (loss * jnp.sum(w), correct)

    carry = (state["params"], state["moments"], state["step"])
    (params, moments, t), (losses, corrects) = jax.lax.scan(step, carry, (order, weight))
    trained = {**state, "params": params, "moments": moments, "step": t}
    return trained, jnp.sum(losses) / n, jnp.sum(corrects) / n


def early_stopping(state: dict[str, Any], val_loss: Any, epoch: Any, patience: int) -> Any:
    """Keras EarlyStopping(val_loss, patience, restore_best_weights): keep the best, count the wait.

    An epoch improves when val_loss < best (min_delta 0; the first epoch always does); training
    stops once ``patience`` epochs in a row have not improved.
    """
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


def network_epoch(state: dict[str, Any], data: Any, epoch: Any, learning_rate: Any, *,
                  batch_size: int, patience: int, shuffle: bool) -> tuple[dict[str, Any], Any]:  # fmt: skip
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


# --------------------------------------------------------------------------- K networks


@functools.lru_cache(maxsize=16)
def compiled_epoch(batch_size: int, patience: int, shuffle: bool, group_size: int) -> Any:
    """One jitted epoch of all K networks, vmapped ``group_size`` at a time.

    The networks still training are packed into the first groups (stable sort); groups in which
    every network has stopped are skipped (``lax.cond``), so stopped networks cost nothing.
    """
    one = functools.partial(network_epoch, batch_size=batch_size, patience=patience,
                            shuffle=shuffle)  # fmt: skip

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
        return state, jnp.zeros((k, len(METRICS))).at[order].set(
            metrics.reshape(slots, -1), mode="drop"
        )

    return jax.jit(epoch_all, donate_argnums=0)


def initial_state(params: Params, seeds: np.ndarray) -> dict[str, Any]:
    """Adam's zero moments and the early-stopping bookkeeping for stacked params (k, ...)."""
    k = len(seeds)
    return {
        "params": params,
        "moments": (jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params)),
        "step": jnp.zeros(k, jnp.int32),
        "best_params": jax.tree.map(jnp.copy, params),
        "best_loss": jnp.full(k, jnp.inf, jnp.float32),
        "best_epoch": jnp.zeros(k, jnp.int32),
        "wait": jnp.zeros(k, jnp.int32),
        "active": jnp.ones(k, bool),
        "seed": jnp.asarray(seeds, jnp.uint32),
        "network": jnp.arange(k, dtype=jnp.int32),  # which slice of unshared data is this network's
    }


def fit_stacked(params: Params, data: tuple[np.ndarray, ...], seeds: np.ndarray, *, epochs: int,
                patience: int, batch_size: int, learning_rate: float, group_size: int,
                shuffle: bool = True) -> list[NetworkFit]:  # fmt: skip
    """Train stacked ``params`` (k, ...) from the given start; ``data`` is X, y, X_val, y_val.

    A 2-D X (or 1-D y) is shared by every network. Without ``shuffle`` the batches are taken in
    row order (for comparing with Keras's ``shuffle=False``).
    """
    dims = (2, 1, 2, 1)  # a shared array gets a leading axis of 1 (a view, not k copies)
    arrays = tuple(
        jnp.asarray(a[None] if a.ndim == d else a) for a, d in zip(data, dims, strict=True)
    )
    run_epoch = compiled_epoch(batch_size, patience, shuffle, min(group_size, len(seeds)))
    state, rate, records = initial_state(params, seeds), jnp.float32(learning_rate), []
    active = np.ones(len(seeds), bool)
    for epoch in range(1, epochs + 1):
        state, metrics = run_epoch(state, arrays, jnp.int32(epoch), rate)
        records.append((active, np.asarray(metrics)))
        active = np.asarray(state["active"])
        if not active.any():
            break
    best_params = jax.tree.map(np.asarray, state["best_params"])
    best_epochs = np.asarray(state["best_epoch"])
    return [network_result(i, records, best_params, int(best_epochs[i])) for i in range(len(seeds))]


def network_result(
    index: int, records: list[Any], best_params: Params, best_epoch: int
) -> NetworkFit:
    """Network ``index``'s history over the epochs it was active, and its best parameters."""
    rows = [metrics[index] for active, metrics in records if active[index]]
    history = {name: [float(row[column]) for row in rows] for column, name in enumerate(METRICS)}
    params = {name: np.array(value[index]) for name, value in best_params.items()}
    return NetworkFit(history=history, best_epoch=best_epoch, epochs_run=len(rows), params=params)


def fit_many(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, *,
             seeds: Any, epochs: int, patience: int, batch_size: int = BATCH_SIZE,
             learning_rate: float = LEARNING_RATE,
             hidden_units: int = HIDDEN_UNITS,
             group_size: int = GROUP_SIZE) -> list[NetworkFit]:  # fmt: skip
    """Train one network per seed, all in one compiled program; one ``NetworkFit`` per seed.

    Parameters
    ----------
    X_train : (k, n, d) or (n, d) float array; 2-D is shared by all k networks (no copies).
    y_train : (k, n) or (n,) labels in {0, 1}; 1-D is shared.
    X_val, y_val : (k, m, d) or (m, d), and (k, m) or (m,): the validation rows.
    seeds : k non-negative integers; network i's initial weights and shuffles come from seeds[i].
    epochs : the most epochs any network runs (>= 1).
    patience : epochs without a lower val_loss before a network stops (>= 0).
    """
    seeds_array = check_seeds(seeds)
    data = check_data(X_train, y_train, X_val, y_val, len(seeds_array))
    check_positive(epochs=epochs, batch_size=batch_size, hidden_units=hidden_units,
                   group_size=group_size)  # fmt: skip
    if not isinstance(patience, (int, np.integer)) or patience < 0:
        raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    init = functools.partial(init_params, n_inputs=data[0].shape[-1], hidden_units=hidden_units)
    params = jax.vmap(init)(jnp.asarray(seeds_array, jnp.uint32))
    return fit_stacked(params, data, seeds_array, epochs=int(epochs), patience=int(patience),
                       batch_size=int(batch_size), learning_rate=float(learning_rate),
                       group_size=int(group_size))  # fmt: skip


def predict_proba(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """P(label 1) for each row of X (n, d) under one network's ``params``; shape (n,)."""
    arrays = {name: jnp.asarray(value, jnp.float32) for name, value in params.items()}
    return np.asarray(jax.jit(forward)(arrays, jnp.asarray(X, jnp.float32)))


# --------------------------------------------------------------------------- argument checks


def check_seeds(seeds: Any) -> np.ndarray:
    """k >= 1 integer seeds in [0, 2**32)."""
    array = np.asarray(seeds)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"seeds must be a non-empty 1-D sequence of integers, got {seeds!r}")
    if array.min() < 0 or array.max() >= 2**32:
        raise ValueError(f"seeds must be in [0, 2**32), got {seeds!r}")
    return array.astype(np.int64)


def check_positive(**values: Any) -> None:
    """Each keyword must be an integer >= 1."""
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def check_data(X_train: Any, y_train: Any, X_val: Any, y_val: Any, k: int) -> tuple[Any, ...]:
    """float32 X and y with matching rows, d, and k; labels in {0, 1}."""
    named = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in named.items()}
    for name, array in arrays.items():
        base = 2 if name.startswith("X") else 1
        if array.ndim not in (base, base + 1):
            raise ValueError(f"{name} must have {base} or {base + 1} dimensions, got {array.shape}")
        if array.ndim == base + 1 and array.shape[0] != k:
            raise ValueError(f"{name} has {array.shape[0]} networks but seeds has {k}")
        if array.shape[-1 if base == 1 else -2] == 0:
            raise ValueError(f"{name} has no rows, got shape {array.shape}")
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
