"""What fashionlab asks a cluster: each worker, before any task and again with every task, what it
would compute with; the scheduler, after a task raised, which worker it raised on.

Dask sends these functions by value (their code, not a reference to them), so that they run even
where fashionlab cannot be imported: such a worker says so instead of failing to read the first
task (which ended each such worker, and left the sweep waiting for one), and the scheduler's
machine needs no fashionlab. This module imports only the standard library at the top.
"""

from __future__ import annotations

import importlib
from typing import Any

REFUSED = "fashionlab: refused"  # the key of a refusal (``as_here``); no task's result has it


def environment() -> dict[str, Any]:
    """``keys.environment()`` where fashionlab imports and has it, else what went wrong (a
    fashionlab from before this probe, or from before ``fashionlab.files``, has no
    ``fashionlab.files.keys.environment``)."""
    try:
        from fashionlab.files import keys

        return dict(keys.environment())
    except Exception as exc:  # noqa: BLE001 (whatever it is, this worker cannot compute as here)
        return {"unimportable": f"{type(exc).__name__}: {exc}"}


def as_here(here: dict[str, Any], module: str, name: str, kwargs: dict[str, Any]) -> Any:
    """A task, on a worker: ``module.name(**kwargs)`` when this worker computes as the client,
    whose ``environment()`` is ``here``; else ``{REFUSED: this worker's address, "environment":
    what it computes with}``, for the client to name it. This covers a worker that joined after
    the client asked them all. The function is imported only once the worker is known to be
    alike, so a worker where fashionlab does not import answers too."""
    there = environment()
    if there != here:
        return {REFUSED: _address(), "environment": there}
    return getattr(importlib.import_module(module), name)(**kwargs)


def erred_on(key: str, dask_scheduler: Any = None) -> list[str]:
    """The workers the task ``key`` raised its error on, as the scheduler (which Dask passes in
    as ``dask_scheduler``) recorded them."""
    task = dask_scheduler.tasks.get(key)
    return sorted(task.erred_on or ()) if task is not None else []


def _address() -> str:
    """This worker's address, as the scheduler knows it."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except Exception:  # noqa: BLE001 (outside a worker, or a Dask that cannot say)
        return "(address unknown)"
