"""The models, from scratch where the assignment writes them and on Keras where it uses Keras.

Read ``logistic`` first: the assignment's equations in their order (eq. 6 sigmoid, eq. 7 predict
and accuracy, eq. 8 binary cross-entropy, eq. 9 its gradient, eq. 10 gradient descent).
``rates`` runs that descent for several learning rates at once, ``convergence`` trains the model
past the 100 steps, ``pairwise`` on many class pairs at once, ``softmax`` on all ten classes, and
``estimators`` wraps them for scikit-learn. ``neural`` is the assignment's Keras network; ``mlp``
is one copy of it in JAX and ``batched`` many copies trained together as one compiled program
(its argument checks in ``batched_checks``); ``backend`` checks the Keras backend and JAX's
settings before any work (JAX's in a child process) and imports Keras. No module here reads or
writes files: the data come in as arrays, and results go out as values.
"""
