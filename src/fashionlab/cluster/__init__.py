"""The Dask engine that runs the experiments' tasks (``analysis``), on a ``LocalCluster`` that
fashionlab starts or on a scheduler the user started.

``connection.connect(workers=N)``, or ``connect(scheduler="tcp://HOST:PORT")``, gives a
``distributed.Client``: to ``local``, fashionlab's own local cluster (with ``cores``, each worker on
cores of its own), or to ``remote``, a user's scheduler, whose workers ``probe`` asks what they
compute with. ``engine`` runs a list of pure, keyed tasks on it and caches each result.
``worker_data`` and ``worker_logs`` run inside a worker: its data, loaded once, and what its log
may print. ``lost`` tells of workers or a scheduler lost mid-run; ``shapes`` checks a task's
result before it is served. Dask itself is imported only where a cluster is started or reached.
"""
