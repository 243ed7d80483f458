"""Where fashionlab keeps files, and how it writes them without touching a user's.

- ``storage``: atomic writes and where files live; ``pathlimits``: how long a path may be;
  ``locks``: inter-process locks;
- ``cache``: the one verified cache; ``keys``: what a result depends on (its settings, arrays,
  library versions and code), which keys the cache and which a user's Dask worker is checked by;
- ``outdir``: report folders that hold only what fashionlab wrote, with ``outpath`` (the path makes
  sense), ``ownership`` (the manifest), ``swap`` (the new folder in, in one step) and ``clean``
  (``make clean``);
- ``libraries``: where Dask, Keras, matplotlib, JAX and XLA keep files of their own.
"""
