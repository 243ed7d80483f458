"""Which Jupyter kernel runs the assignment notebook: the venv's ``fashionlab`` when it runs this
interpreter, else ipykernel's own ``python3``. jupyter_client is imported on first use."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

KERNEL_NAME = "fashionlab"  # the kernelspec the stored notebook names (make kernel installs it)
FALLBACK_KERNEL = "python3"  # ipykernel's own spec: the running interpreter


def kernel_name() -> str:
    """``fashionlab`` if that kernelspec is installed and runs this interpreter, else ``python3``.

    ``python3`` is ipykernel's built-in spec, which jupyter_client starts with ``sys.executable``:
    the kernel imports the same fashionlab as the caller. A ``fashionlab`` spec left behind by an
    older virtual environment is passed over, with a warning, for the same reason, and so is one
    whose ``kernel.json`` is not a kernelspec (not JSON, or fields of the wrong types).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from traitlets import TraitError

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        command = spec.argv[0] if spec.argv else ""
        if not isinstance(command, str):
            raise TypeError(f"argv[0] is {command!r}")
    except NoSuchKernel:
        return FALLBACK_KERNEL
    except (OSError, ValueError, TypeError, TraitError) as error:  # JSONDecodeError: ValueError
        why = f"cannot be read ({error})"
    else:
        if command in {"python", "python3"} or _same_file(command, sys.executable):
            return KERNEL_NAME
        why = f"runs {command}, not {sys.executable}"
    log.warning("kernelspec %r %s; using %r", KERNEL_NAME, why, FALLBACK_KERNEL)
    return FALLBACK_KERNEL


def _same_file(first: str, second: str) -> bool:
    # The paths themselves, not their targets: every virtual environment's python is a link to the
    # same base interpreter, but each one imports its own site-packages.
    return os.path.normpath(os.path.abspath(first)) == os.path.normpath(os.path.abspath(second))
