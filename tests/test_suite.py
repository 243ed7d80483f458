"""The suite's own machinery: its two processes, and the session's one study that they share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ON_CI, Study, _shared_by


def test_ci_runs_the_suite_in_the_processes_the_readme_says() -> None:
    """README: "The suite runs in two processes (pytest-xdist)"; pyproject.toml's addopts."""
    if not ON_CI:
        pytest.skip("a developer may run it in one (-n 0)")
    assert os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw")
    assert os.environ.get("PYTEST_XDIST_WORKER_COUNT") == str(min(2, os.cpu_count() or 1))


def test_tests_that_share_a_fixture_or_the_study_are_grouped(
    request: pytest.FixtureRequest,
) -> None:
    by_name = {item.name: item for item in request.session.items}
    groups = {
        name: _shared_by(by_name[name])
        for name in (
            "test_tests_that_share_a_fixture_or_the_study_are_grouped",  # no shared fixture
            "test_pullover_coat_loss_rises_because_the_step_exceeds_the_limit",  # df_train
            "test_the_numbers_docs_dynamics_md_gives_are_measured",  # df_train
            "test_results_validate_against_the_schema",  # the report
        )
        if name in by_name  # a run of this file alone collects only its own
    }
    assert groups.pop("test_tests_that_share_a_fixture_or_the_study_are_grouped") is None
    if "test_results_validate_against_the_schema" in groups:
        assert groups.pop("test_results_validate_against_the_schema") == "report"
    assert len(set(groups.values())) <= 1
    assert all(group.startswith("test_dynamics.py::") for group in groups.values())


def test_the_study_is_started_once_however_many_processes_ask(tmp_path: Path) -> None:
    """The first process to claim the folder starts the study; another finds the claim and starts
    nothing (the claim is a file created only if absent)."""
    study = Study(tmp_path)
    (tmp_path / "claim").touch()
    study.start(dict(os.environ))
    assert study.pid() is None and not study.stderr.exists()


def test_a_study_that_ended_without_its_exit_status_fails_its_waiters(tmp_path: Path) -> None:
    """Killed before it could record how it ended: the report's tests fail at once, with what it
    printed, rather than waiting out the timeout."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    (tmp_path / "pid").write_text(ended.stdout.strip())
    (tmp_path / "stderr.txt").write_text("what it printed")
    with pytest.raises(AssertionError, match="ended without an exit status: what it printed"):
        Study(tmp_path).wait(timeout=60)
    (tmp_path / "returncode").write_text("3")
    assert Study(tmp_path).wait(timeout=60) == 3
