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


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 failed")])
def test_a_test_without_the_real_data_is_skipped_with_its_reason_but_fails_on_ci(
    tmp_path: Path, ci: str, outcome: str
) -> None:
    """The README: without the data, the tests that need it are skipped, each with its reason;
    with CI=true they fail instead. A test asks for the data where there is none (an empty
    folder in place of Debian's), in a pytest of its own."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_hidden.py").write_text(
        "import conftest\n\n"
        "def test_needs_the_data(tmp_path, monkeypatch):\n"
        "    monkeypatch.setattr(conftest, 'REAL_DATA', tmp_path)\n"
        "    conftest._require_real_data()\n"
    )
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "CI": ci,
            "PYTHONPATH": os.pathsep.join([str(tests), *sys.path]),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # none is needed: a faster start
        },
    )
    assert outcome in done.stdout, done.stdout + done.stderr
    assert "the real Fashion-MNIST files are not in " in done.stdout
    assert "apt-get install dataset-fashion-mnist" in done.stdout
