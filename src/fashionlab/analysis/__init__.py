"""The experiments: what is run on the data and measured, as typed results (``results``).

The study's stages: ``exploration`` (the data, PCA and the t-SNE map of ``embedding``), ``pairs``
(logistic regression on one pair), ``network_run`` and ``comparison`` (Q5.1), ``dynamics`` and
``findings`` (why the loss can rise), ``rate_grid``, ``learned``, ``atlas`` and
``atlas_networks`` (all 45 pairs), ``tenclass`` and ``sweep`` (over ``grid``). The statistics
they report with are ``metrics`` and ``differences``; ``history`` reads a training curve.

Their tasks run on the Dask engine of ``fashionlab.cluster``.
"""
