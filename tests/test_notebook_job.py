"""The run's notebook in its thread: a result or the thread's own error, served from the cache the
second time, and stopped (its kernel killed, nothing cached) when the run ends early.

Tiny notebooks stand in for the assignment's, so each test costs one kernel's start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from processes import alive, stat_fields, wait_for

from fashionlab import notebook_job
from fashionlab.config import Config
from fashionlab.data.loaded import Data
from fashionlab.files.storage import cache_home
from fashionlab.render import notebook
from fashionlab.render.notebook import ANSWER_KEYS, ANSWER_LINE, NotebookError

pytestmark = pytest.mark.slow  # a Jupyter kernel each
WAIT = 120.0  # seconds: a bound on liveness, far above what any step here takes


def tiny_data() -> Data:
    zeros = np.zeros((2, 28, 28), np.uint8)
    return Data(zeros, np.zeros(2, np.uint8), zeros, np.zeros(2, np.uint8), sources={})


def write_notebook(folder: Path, *code: str) -> Path:
    """A notebook of ``code`` cells and the answer cells a cached execution must mark."""
    cells = [nbformat.v4.new_code_cell(source) for source in code]
    cells += [nbformat.v4.new_markdown_cell(ANSWER_LINE.format(key)) for key in ANSWER_KEYS]
    path = folder / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def kernels() -> list[int]:
    """The Jupyter kernels this process started (its children: a background ``fashionlab run``'s
    kernel is its grandchild)."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = stat_fields(entry.name) if entry.name.isdigit() else None
        if fields and int(fields[1]) == os.getpid():
            with contextlib.suppress(OSError):  # ended while we looked
                if b"ipykernel" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def cached_notebooks() -> list[Path]:
    folder = cache_home() / "notebook"
    return sorted(folder.rglob("executed.ipynb")) if folder.exists() else []


class Watched(notebook.Stop):
    """A ``Stop`` that lets the test wait for its kernel."""

    def __init__(self) -> None:
        super().__init__()
        self.up = threading.Event()
        self.kernel: subprocess.Popen | None = None

    def started(self, kernel: Any) -> None:
        super().started(kernel)
        self.kernel = kernel
        self.up.set()


def test_stopping_an_execution_kills_its_kernel(tmp_path: Path) -> None:
    nb = nbformat.read(write_notebook(tmp_path, "import time", "time.sleep(600)"), as_version=4)
    stop, raised = Watched(), []

    def work() -> None:
        try:
            notebook.execute(nb, cwd=tmp_path, stop=stop)
        except NotebookError as exc:
            raised.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert stop.up.wait(WAIT)
    stop()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert len(raised) == 1 and "kernel died" in str(raised[0])
    assert stop.kernel is not None and stop.kernel.poll() is not None
    assert kernels() == []


def test_a_stop_before_the_kernel_starts_kills_it_as_it_starts(tmp_path: Path) -> None:
    nb = nbformat.read(write_notebook(tmp_path, "import time", "time.sleep(600)"), as_version=4)
    stop = Watched()
    stop()
    with pytest.raises(NotebookError):
        notebook.execute(nb, cwd=tmp_path, stop=stop)
    assert stop.kernel is not None and stop.kernel.poll() is not None
    assert kernels() == []


def test_a_job_gives_its_notebook_then_serves_it_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notebook, "NOTEBOOK", write_notebook(tmp_path, "print(6 * 7)"))
    config, data = Config(out=str(tmp_path / "report")), tiny_data()
    first = notebook_job.Job(config, data)
    first.start()
    nb = first.result()
    assert nb.cells[0].outputs[0].text == "42\n"
    assert len(cached_notebooks()) == 1

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached notebook ran again")

    monkeypatch.setattr(notebook, "execute", no_kernel)
    again = notebook_job.Job(config, data)
    assert again.result() == nb  # started by result, and served from the cache
    assert kernels() == []


def test_a_job_raises_its_threads_error_in_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notebook, "NOTEBOOK", write_notebook(tmp_path, "1 / 0"))
    job = notebook_job.Job(Config(out=str(tmp_path / "report")), tiny_data())
    job.start()
    with pytest.raises(NotebookError, match="ZeroDivisionError"):
        job.result()
    assert cached_notebooks() == []


def test_closing_a_running_job_stops_it_its_kernels_children_and_caches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = tmp_path / "child.pid"  # a process a cell started, in the kernel's group
    cell = f"open({str(started)!r}, 'w').write(str(subprocess.Popen(['sleep', '600']).pid))"
    path = write_notebook(tmp_path, "import subprocess, time", cell, "time.sleep(600)")
    monkeypatch.setattr(notebook, "NOTEBOOK", path)
    job = notebook_job.Job(Config(out=str(tmp_path / "report")), tiny_data())
    job.start()
    wait_for(lambda: started.exists() and started.read_text(), WAIT)
    child = int(started.read_text())
    assert alive(child)
    job.close()
    assert not job.running
    assert kernels() == []
    assert not alive(child)
    assert cached_notebooks() == []


def test_a_ctrl_c_while_waiting_for_the_result_still_stops_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Python 3.10 to 3.12 a ``Thread.join`` cut short marks its thread ended: ``close`` must
    not believe it."""
    monkeypatch.setattr(
        notebook, "NOTEBOOK", write_notebook(tmp_path, "import time", "time.sleep(600)")
    )
    job = notebook_job.Job(Config(out=str(tmp_path / "report")), tiny_data())
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # a suite started with
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # SIGINT ignored too
    try:
        job.start()
        wait_for(kernels, WAIT)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            job.result()
        assert job.running
        job.close()
        assert not job.running
    finally:
        timer.cancel()
        job.close()
        signal.signal(signal.SIGINT, before)
    assert kernels() == []
    assert cached_notebooks() == []
