"""The suite's own machinery: its two processes, and the session's one study that they share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ON_CI, Study


def test_ci_runs_the_suite_in_the_processes_the_readme_says() -> None:
    """README: "The suite runs in two processes (pytest-xdist)"; pyproject.toml's addopts."""
    if not ON_CI:
        pytest.skip("a developer may run it in one (-n 0)")
    assert os.environ.get("PYTEST_XDIST_WORKER") in ("gw0", "gw1")
    assert os.environ.get("PYTEST_XDIST_WORKER_COUNT") == "2"


def test_the_study_is_started_once_however_many_processes_ask(tmp_path: Path) -> None:
    """The first process to claim the folder starts the study; another finds the claim and starts
    nothing (the claim is a file created only if absent)."""
    study = Study(tmp_path)
    (tmp_path / "claim").touch()
    study.start(dict(os.environ))
    assert study.running() is None and sorted(os.listdir(tmp_path)) == ["claim"]


def test_a_study_that_ended_without_its_exit_status_fails_its_waiters(tmp_path: Path) -> None:
    """Killed before it could record how it ended: the report's tests fail at once, with what it
    printed, rather than waiting out the timeout; a process given its number later is not it."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    (tmp_path / "pid").write_text(f"{ended.stdout.strip()} 1")
    (tmp_path / "stderr.txt").write_text("what it printed")
    study = Study(tmp_path)
    with pytest.raises(AssertionError, match="ended without an exit status: what it printed"):
        study.wait(timeout=60)
    (tmp_path / "pid").write_text(f"{os.getpid()} 1")  # running, but started at another time
    assert study.running() is None
    (tmp_path / "returncode").write_text("3")
    assert study.wait(timeout=60) == 3
    (tmp_path / "returncode").write_text("not started: OSError(24)")
    with pytest.raises(AssertionError, match="the study not started: OSError"):
        study.wait(timeout=60)
