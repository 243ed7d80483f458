"""The completed assignment as a Jupyter notebook: executed, with its outputs kept and its answers filled.

``notebooks/assignment.ipynb`` is stored without outputs. It holds the assignment's code, and after
each written question a Markdown cell marked ``<!-- fashionlab:answer KEY -->``. ``execute`` runs
it in a fresh kernel and ``fill_answers`` puts the answers ``fashionlab run`` composed into the
marked cells (``notebook_job`` does both, cached), so the report folder holds the notebook with
every figure rendered.

nbclient, nbformat and ipykernel are imported on first use.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import FashionLabError
from .kernel import kernel_name

log = logging.getLogger(__name__)

# notebooks/assignment.ipynb at the top of the source tree (src/fashionlab/render/notebook.py)
NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "assignment.ipynb"
# The written questions, in the notebook's order, then the terms their answers use (the report's
# glossary): fill_answers needs exactly these keys.
ANSWER_KEYS: tuple[str, ...] = (
    *("q1_1", "q1_2", "q2", "q3", "q4_1", "q4_2", "q4_3", "q5_1"),
    "terms",
)
ANSWER_LINE = "<!-- fashionlab:answer {} -->"  # the first line of an answer cell, with its key
ANSWER_MARKER = re.compile(r"^<!-- fashionlab:answer (\w+) -->$", re.MULTILINE)  # finds it
DATA_VARIABLE = "FASHIONLAB_DATA"  # where load_fashion_mnist() looks first


class NotebookError(FashionLabError):
    """The notebook could not be executed, or a cell raised; ``notebook`` holds what did run."""

    def __init__(self, message: str, notebook: Any = None) -> None:
        super().__init__(message)
        self.notebook = notebook


class Stop:
    """Lets another thread end an ``execute``: calling it kills the kernel's process group, at
    once, or as soon as nbclient reports the kernel ready (its ``on_notebook_start`` hook), and
    ``execute`` then raises ``NotebookError``. Only a notebook that ran to its end is a result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kernel: subprocess.Popen | None = None  # the kernel's process, once it has started
        self.requested = False

    def __call__(self) -> None:
        with self._lock:
            self.requested = True
            self._kill()

    def started(self, kernel: subprocess.Popen | None) -> None:
        """``execute``'s word that ``kernel`` runs (None from a provisioner that keeps its process
        to itself): killed now if a stop came first."""
        with self._lock:
            self._kernel = kernel
            if self.requested:
                self._kill()

    def _kill(self) -> None:
        if self._kernel is None or self._kernel.poll() is not None:
            return
        try:  # jupyter_client starts the kernel in a session of its own: any process it started
            os.killpg(self._kernel.pid, signal.SIGKILL)
        except OSError:
            self._kernel.kill()


def _modules() -> tuple[Any, Any]:
    try:
        import nbclient
        import nbformat
    except ImportError as exc:
        raise NotebookError(
            f"writing the notebook needs nbclient, nbformat and ipykernel ({exc.name} is missing); "
            "install fashionlab's 'dev' extra"
        ) from None
    return nbclient, nbformat


def read(path: str | os.PathLike[str] = NOTEBOOK) -> Any:
    """The notebook at ``path`` as an ``nbformat.NotebookNode`` (version 4)."""
    _, nbformat = _modules()
    try:
        return nbformat.read(os.fspath(path), as_version=4)
    except FileNotFoundError:
        raise NotebookError(f"the assignment notebook {os.fspath(path)!r} does not exist") from None


def execute(
    path_or_nb: str | os.PathLike[str] | Any = NOTEBOOK,
    *,
    timeout: int = 600,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stop: Stop | None = None,
) -> Any:
    """Run every cell in a fresh kernel and return the notebook with its outputs.

    ``path_or_nb`` is a path or a ``NotebookNode`` (which is copied, never changed). ``timeout`` is
    seconds per cell. The kernel starts in ``cwd`` (default: the notebook's folder, else the current
    one) with the caller's environment updated by ``env``. A cell that raises, a cell over the
    timeout or a kernel that dies raises ``NotebookError`` with one line naming the cell; the
    partly executed notebook is its ``notebook`` attribute. ``stop``, called from another thread
    before the last cell has run, kills the kernel, and this call then raises ``NotebookError``.
    """
    nbclient, _ = _modules()
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if isinstance(path_or_nb, (str, os.PathLike)):
        nb = read(path_or_nb)
        folder = Path(path_or_nb).resolve().parent
    else:
        nb, folder = copy.deepcopy(path_or_nb), Path.cwd()
    kernel = kernel_name()
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        record_timing=False,  # no wall-clock stamps: two runs differ only where results differ
        resources={"metadata": {"path": os.fspath(cwd or folder)}},
    )
    if stop is not None:  # called once the kernel answers; jupyter_client's local provisioner
        client.on_notebook_start = lambda **_: stop.started(_kernel_process(client))
    environment = {**os.environ, **(env or {})}
    environment.pop("MPLBACKEND", None)  # a headless Agg setting would hide every figure
    started = time.perf_counter()
    try:
        # the kernel's own log lines (e.g. ipykernel's TCP notice) are not the user's business
        client.execute(env=environment, stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        raise NotebookError(_failure(nb, exc), nb) from None
    except CellTimeoutError:
        raise NotebookError(f"a notebook cell ran longer than {timeout} s", nb) from None
    except DeadKernelError as exc:
        raise NotebookError(f"the notebook's kernel died: {exc}", nb) from None
    except NoSuchKernel:
        raise NotebookError(f"no Jupyter kernel named {kernel!r} is installed", nb) from None
    except (RuntimeError, OSError) as exc:  # the kernel could not be started
        raise NotebookError(
            f"cannot start the notebook's kernel: {_first_line(str(exc))}", nb
        ) from None
    log.info(
        "executed the notebook with kernel %r in %.1f s", kernel, time.perf_counter() - started
    )
    return nb


def _kernel_process(client: Any) -> subprocess.Popen | None:
    """The kernel's process, where the provisioner (jupyter_client's local one) shows it."""
    process = getattr(client.km.provisioner, "process", None)
    return process if isinstance(process, subprocess.Popen) else None


def _failure(nb: Any, exc: Exception) -> str:
    errors = error_outputs(nb)
    if errors:
        index, name, message = errors[0]
        return f"notebook cell {index} raised {name}: {_first_line(message)}"
    return f"a notebook cell failed: {_first_line(str(exc))}"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def error_outputs(nb: Any) -> list[tuple[int, str, str]]:
    """``(cell index, exception name, message)`` for every error output in the notebook."""
    return [
        (index, output.ename, output.evalue)
        for index, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def answer_cells(nb: Any) -> dict[str, int]:
    """Answer key -> index of the Markdown cell marked for it."""
    found: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for key in ANSWER_MARKER.findall(cell.source):
            if key in found:
                raise ValueError(
                    f"answer {key!r} is marked twice, in cells {found[key]} and {index}"
                )
            found[key] = index
    return found


def unmarked(cells: Mapping[str, int]) -> list[str]:
    """The answer keys that ``cells`` (``answer_cells``) has no cell for."""
    return [key for key in ANSWER_KEYS if key not in cells]


def read_executed(data: bytes) -> Any:
    """A stored executed notebook read back; ValueError unless it is a valid notebook whose every
    code cell ran, without an error output, and which marks every answer cell once."""
    _, nbformat = _modules()
    try:
        nb = nbformat.reads(data.decode(), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat's readers raise all kinds on odd JSON
        raise ValueError(f"not a valid notebook ({_first_line(str(exc))})") from None
    if any(
        c.cell_type == "code" and c.source.strip() and c.get("execution_count") is None
        for c in nb.cells
    ):
        raise ValueError("a code cell did not run")
    if error_outputs(nb):
        raise ValueError("a cell raised an error")
    missing = unmarked(answer_cells(nb))
    if missing:
        raise ValueError(f"no answer cell for {missing}")
    return nb


def fill_answers(nb: Any, answers: Mapping[str, Sequence[str]]) -> Any:
    """A copy of ``nb`` whose marked cells hold the answers, one Markdown paragraph per string.

    ``answers`` needs exactly the keys ``ANSWER_KEYS``; each marked cell keeps its marker line and
    its body is replaced. A missing, unknown or empty answer raises ``ValueError`` naming the key.
    """
    unknown = sorted(set(answers) - set(ANSWER_KEYS))
    missing = [key for key in ANSWER_KEYS if key not in answers]
    if unknown:
        raise ValueError(f"unknown answer keys {unknown}; expected {list(ANSWER_KEYS)}")
    if missing:
        raise ValueError(f"answers missing for {missing}")
    for key in ANSWER_KEYS:
        paragraphs = answers[key]
        if isinstance(paragraphs, str) or not all(isinstance(p, str) for p in paragraphs):
            raise ValueError(
                f"answer {key!r} must be a sequence of paragraphs (str), got {paragraphs!r}"
            )
        if not any(p.strip() for p in paragraphs):
            raise ValueError(f"answer {key!r} is empty")
    filled = copy.deepcopy(nb)
    cells = answer_cells(filled)
    missing = unmarked(cells)
    if missing:
        raise ValueError(f"the notebook has no answer cell for {missing}")
    for key, index in cells.items():
        if key not in answers:
            raise ValueError(f"the notebook marks an answer cell for unknown key {key!r}")
        body = [p.strip() for p in answers[key] if p.strip()]
        filled.cells[index].source = "\n\n".join([ANSWER_LINE.format(key), *body])
    return filled
