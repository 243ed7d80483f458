"""What a worker of a user's cluster runs before any task: what it would compute with.

Dask sends this module's function by value (its code, not a reference to it), so that it runs
even on a worker where fashionlab cannot be imported, and says so instead of failing to read the
first task (which ended each such worker, and left the sweep waiting for one). It imports only
the standard library at the top.
"""

from __future__ import annotations

from typing import Any


def environment() -> dict[str, Any]:
    """``keys.environment()`` where fashionlab imports and has it, else what went wrong (a
    fashionlab from before this probe has no ``keys.environment``)."""
    try:
        from fashionlab import keys

        return dict(keys.environment())
    except Exception as exc:  # noqa: BLE001 (whatever it is, this worker cannot compute as here)
        return {"unimportable": f"{type(exc).__name__}: {exc}"}
