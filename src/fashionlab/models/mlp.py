"""One copy of the assignment's network in JAX, as Keras 3 builds and trains it: Glorot-uniform
kernels and zero biases, Input(784) -> Dense(100, relu) -> Dense(1, sigmoid), binary cross-entropy
on clipped probabilities, and an Adam step with Keras's defaults. ``batched`` trains many at once."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Params = dict[str, Any]  # kernel_1 (784, h), bias_1 (h,), kernel_2 (h, 1), bias_2 (1,)

BETA_1, BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7  # keras.optimizers.Adam defaults
CLIP_EPSILON = 1e-7  # keras.backend.epsilon(): probabilities are clipped before the log
PARAMETERS = ("kernel_1", "bias_1", "kernel_2", "bias_2")  # Keras's get_weights() order


def glorot_uniform(key: jax.Array, fan_in: int, fan_out: int) -> jax.Array:
    """U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)), shape (fan_in, fan_out)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -limit, limit)


def init_params(seed: jax.Array, n_inputs: int, hidden_units: int) -> Params:
    """Keras's default init from one seed: Glorot-uniform kernels, zero biases."""
    key_1, key_2 = jax.random.split(jax.random.PRNGKey(seed))
    kernels = glorot_uniform(key_1, n_inputs, hidden_units), glorot_uniform(key_2, hidden_units, 1)
    biases = jnp.zeros(hidden_units, jnp.float32), jnp.zeros(1, jnp.float32)
    return dict(zip(PARAMETERS, (kernels[0], biases[0], kernels[1], biases[1]), strict=True))


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
    step_of = lambda m, v: alpha * m / (jnp.sqrt(v) + ADAM_EPSILON)  # noqa: E731  eps outside sqrt
    params = jax.tree.map(lambda w, m, v: w - step_of(m, v), params, m, v)
    return params, (m, v)
