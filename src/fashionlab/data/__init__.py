"""Fashion-MNIST: found, verified, parsed and preprocessed as the assignment does.

``files`` describes the four official files and their SHA-256; ``sources`` says where they are
looked for, and ``download`` fetches a missing one from the official mirrors. ``idx`` parses the
IDX format with bounds, ``datasets`` checks and loads them into arrays, ``loaded`` holds them once
per process, and ``preprocessing`` is the assignment's own: normalise, flatten, data frames and
its given helpers (``get_data_subset``'s seeded shuffle and split).
"""
