"""Interrupted and concurrent runs, flaky downloads, determinism and the security rules."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import LOGGED_CLI, offline, write_tiny_dataset
from processes import dask_workers, live_group, wait_for

from fashionlab.analysis.atlas_networks import network_groups
from fashionlab.cli import console
from fashionlab.cli.console import INTERRUPTED, Console, SayHandler
from fashionlab.config import ALL_PAIRS
from fashionlab.data import datasets, download
from fashionlab.data.datasets import FILES, RemoteFile
from fashionlab.entry import program as entry_program
from fashionlab.errors import DataError, DownloadError
from fashionlab.files import outdir, ownership

SRC = Path(__file__).parents[1] / "src"


def _fashionlab(
    *args: str,
    cache: Path,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
    **kwargs,
) -> subprocess.Popen:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "fashionlab", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cache_is_sound(cache: Path) -> int:
    """Every cache entry is complete and loads; no partial file is left. Returns the number of
    array entries."""
    assert not [p for p in cache.rglob("*") if p.name.endswith((".part", ".tmp"))], "partial file"
    for entry in cache.glob("fashionlab/*/*"):
        if entry.parent.name != "locks":
            assert (entry / "manifest.json").is_file(), f"{entry} has no manifest"
    entries = list(cache.rglob("*.npz"))
    for entry in entries:
        with np.load(entry, allow_pickle=False) as npz:
            assert npz.files
    for entry in (cache / "fashionlab").rglob("*.json"):
        json.loads(entry.read_text())
    return len(entries)


def _previous_report(out: Path) -> dict[str, str]:
    """A report folder as fashionlab leaves it (its manifest lists its files)."""
    (out / "figures").mkdir(parents=True)
    (out / "index.html").write_text("<html>the previous report</html>")
    (out / "results.json").write_text('{"previous": true}')
    (out / "figures" / "old.png").write_bytes(b"\x89PNG old")
    outdir.write_manifest(out, "report")
    return _tree(out)


def _interrupted_once(err: str) -> None:
    assert [line for line in err.splitlines() if "interrupted" in line] == [INTERRUPTED]
    assert "Traceback" not in err


RUN = ["run", "--no-extras", "--no-notebook", "--epochs", "3"]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``--data-dir`` flags for a small valid dataset: where a signal lands does not depend on
    the data, and a run of it reaches stage 4 in well under a minute."""
    folder = write_tiny_dataset(tmp_path_factory.mktemp("data") / "fmnist", 3000, 500)
    return ["--data-dir", str(folder), "--no-verify", "--points", "100"]


def _with_points(small_data: list[str], points: int) -> list[str]:
    """``small_data`` with its ``--points`` replaced, since a flag is given once."""
    at = small_data.index("--points")
    return [*small_data[:at], *small_data[at + 2 :], "--points", str(points)]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the interrupted runs: the first to reach stage 4 pays for stages 2 and 3."""
    return tmp_path_factory.mktemp("shared-cache")


# --------------------------------------------------------------------------- interruptions


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, stage",
    [
        (signal.SIGINT, 2),
        (signal.SIGTERM, 2),
        (signal.SIGHUP, 2),  # its terminal closed (a review: it ended by the signal, unsaid)
        (signal.SIGINT, 4),
        (signal.SIGTERM, 4),
    ],
)
def test_interrupted_run_loses_nothing(signum, stage, small_data, shared_cache, tmp_path) -> None:
    """The real signal, sent by the process to itself as stage ``stage`` begins (the
    ``FASHIONLAB_FAULT`` hook), so the handler runs exactly there, every time."""
    out = tmp_path / "report"
    before = _previous_report(out)
    fault = f"signal:{signal.Signals(signum).name}@stage:{stage}"
    process = _fashionlab(
        *RUN,
        *small_data,
        "--workers",
        "1",
        "--out",
        str(out),
        cache=shared_cache,
        env={"FASHIONLAB_FAULT": fault},
    )
    stdout, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert f"[{stage}/5]" in err and f"[{stage + 1}/5]" not in err  # it stopped where it was told
    _interrupted_once(err)
    assert stdout == ""
    assert _tree(out) == before  # byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging folder left
    _cache_is_sound(shared_cache)
    assert not list(shared_cache.glob("fashionlab/study/*"))  # no entry for an unfinished study


@pytest.mark.slow
def test_random_real_signals_lose_nothing(small_data, tmp_path) -> None:
    """Real signals from outside at random moments after start-up (bounded: two runs, each
    signalled 0.5 to 6 s in, long before a cold run can finish): wherever they land, the outcome
    is the same."""
    seed = random.randrange(2**32)  # a failure names its seed, so it can be replayed
    chance = random.Random(seed)
    for attempt in range(2):
        out, cache = tmp_path / f"report{attempt}", tmp_path / f"cache{attempt}"
        before = _previous_report(out)
        process = _fashionlab(*RUN, *small_data, "--out", str(out), cache=cache)
        # from 0.5 s: the CLI's handler is in place about 0.1 s after the process starts
        delay, signum = chance.uniform(0.5, 6.0), chance.choice([signal.SIGINT, signal.SIGTERM])
        time.sleep(delay)
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 130, (seed, delay, signum, err)
        _interrupted_once(err)
        assert _tree(out) == before
        _cache_is_sound(cache)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "delay"),
    [(signal.SIGINT, 1.0), (signal.SIGINT, 2.0), (signal.SIGINT, 3.5), (signal.SIGHUP, 3.5)],
)
def test_a_terminal_ctrl_c_while_the_cluster_starts_prints_one_line(
    signum, delay, tmp_path
) -> None:
    """Ctrl-C at a terminal signals the whole process group, local cluster's workers included:
    wherever it lands (before, during or after their start), one line, 130, and no process left.
    So does the terminal's closing (SIGHUP, a hostile review: it ended multiprocessing's resource
    tracker too, and the program's next one warned and printed tracebacks)."""
    data = write_tiny_dataset(tmp_path / "data", 600, 100)
    process = _fashionlab(
        "sweep",
        "--classes",
        "Pullover",
        "Coat",
        "--steps",
        "20000",
        "--seeds",
        "1,2,3",
        "--workers",
        "2",
        "--data-dir",
        str(data),
        "--no-verify",
        cache=tmp_path / "cache",
        start_new_session=True,
    )
    time.sleep(delay)
    os.killpg(process.pid, signum)
    stdout, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert stdout == ""
    _interrupted_once(err)
    assert [line for line in err.splitlines() if not re.fullmatch(r"sweep \d/3", line)] == [
        INTERRUPTED
    ]  # and the progress lines only
    for _ in range(100):  # a worker the nanny stopped may take a moment to be reaped
        left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
        if not left.stdout.split():
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"processes left in the group: {left.stdout.split()}")


_SPIN = """
import signal, sys
from fashionlab import cli
from fashionlab.cli.console import Console

def command(args):
    console = Console()
    print("ready, SIGINT ignored:", signal.getsignal(signal.SIGINT) is signal.SIG_IGN, flush=True)
    while True:
        console.checkpoint()

cli.COMMANDS["data"] = command
sys.argv[1:] = ["data"]
sys.exit(cli.program())
"""
# starts the rest of its command line with SIGINT ignored, as a shell starts a background job
_WITHOUT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def test_a_sigint_the_process_was_started_ignoring_stays_ignored(tmp_path) -> None:
    """A script's background job (``fashionlab sweep ... &``) starts with SIGINT ignored, so that
    the Ctrl-C meant for the script does not reach it. fashionlab's own handler used to take the
    signal anyway; now it stays ignored while the command runs, and only SIGTERM ends it."""
    (tmp_path / "spin.py").write_text(_SPIN)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(
        [sys.executable, "-c", _WITHOUT_SIGINT, str(tmp_path / "spin.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert (
            process.stdout is not None
            and process.stdout.readline() == "ready, SIGINT ignored: True\n"
        )
        os.kill(process.pid, signal.SIGINT)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=2)  # still spinning
        process.terminate()
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()  # never left spinning when an assertion fails
    assert process.returncode == 130 and err == INTERRUPTED + "\n"


def test_a_burst_of_signals_ends_the_run_once(tmp_path) -> None:
    """Two SIGTERMs at once, as ``timeout`` sends them (to the process and to its group): the
    handler may run inside itself. It once deadlocked on threading.Event's lock (a few of 30
    tries). A burst of hundreds can still, rarely, land in the interpreter's own exit path."""
    (tmp_path / "spin.py").write_text(_SPIN)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for attempt in range(20):
        process = subprocess.Popen(
            [sys.executable, str(tmp_path / "spin.py")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert (
            process.stdout is not None
            and process.stdout.readline() == "ready, SIGINT ignored: False\n"
        )
        for _ in range(2):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"try {attempt}: the process hung in its signal handler")
        assert (process.returncode, err) == (130, INTERRUPTED + "\n"), attempt


# Where a signal lands is a matter of timing, so the two ways it once escaped the handler are
# also replayed exactly: the command below is run under ``python -m`` as a user's would be.
_INTERRUPTED_COMMAND = {
    # A KeyboardInterrupt passing through an ``exec`` of a string, as when a signal arrives
    # while dataclasses or scipy build functions during an import: CPython then ended the
    # process by SIGINT (return code -2) after the handler had already chosen 130.
    "exec": 'exec("raise KeyboardInterrupt")',
    # The interrupt lands inside an extension module's initialisation, which reports it as
    # its own ImportError: this printed a traceback and exited 1.
    "import": 'cli.STOP.set(); raise ImportError("initialization failed")',
}


@pytest.mark.parametrize("how", sorted(_INTERRUPTED_COMMAND))
def test_interrupt_inside_a_library_exits_130(how, tmp_path) -> None:
    (tmp_path / "interrupted.py").write_text(
        "import sys\n"
        "from fashionlab import cli\n"
        "def command(args):\n"
        f"    {_INTERRUPTED_COMMAND[how]}\n"
        "cli.COMMANDS['data'] = command\n"
        "sys.exit(cli.main(['data']))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(SRC)])}
    done = subprocess.run(
        [sys.executable, "-m", "interrupted"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == INTERRUPTED + "\n"


def test_an_error_without_a_stop_is_not_called_an_interrupt(tmp_path) -> None:
    (tmp_path / "broken.py").write_text(
        "import sys\n"
        "from fashionlab import cli\n"
        "def command(args):\n"
        "    raise ImportError('a real bug')\n"
        "cli.COMMANDS['data'] = command\n"
        "sys.exit(cli.main(['data']))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(SRC)])}
    done = subprocess.run(
        [sys.executable, "-m", "broken"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "ImportError: a real bug" in done.stderr and "interrupted" not in done.stderr


@pytest.mark.slow
def test_interrupted_atlas_resumes_from_the_finished_tasks(small_data, tmp_path) -> None:
    """SIGTERM once the first group of networks is stored (hook ``network:3``); the next atlas
    serves the stored tasks from the cache (the engine's log says so) and computes the rest."""
    cache = tmp_path / "cache"
    atlas = [
        "atlas",
        "--epochs",
        "1",
        "--patience",
        "1",
        "--workers",
        "1",
        "--json",
        *small_data[:3],
    ]
    process = _fashionlab(*atlas, cache=cache, env={"FASHIONLAB_FAULT": "signal:SIGTERM@network:3"})
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    _interrupted_once(err)
    assert out == ""  # no half-printed JSON
    groups = len(list(cache.glob("fashionlab/atlas-nn/*")))
    assert groups >= 1  # one worker takes the tasks in order: a network group came first
    cached = groups + len(list(cache.glob("fashionlab/atlas-logreg/*")))
    total = 2 + len(network_groups(ALL_PAIRS))  # two logistic-regression tasks for all pairs
    assert cached < total
    _cache_is_sound(cache)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    plots = tmp_path / "plots"  # and --plot draws the atlas's map from the whole record
    done = subprocess.run(
        [sys.executable, "-c", LOGGED_CLI, *atlas, "--plot", str(plots)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (plots / "atlas_logreg.png").read_bytes().startswith(b"\x89PNG")
    logged = f"{cached} of {total} tasks from the cache; 0 started earlier; {total - cached} sent"
    assert logged in done.stderr
    pairs = json.loads(done.stdout, parse_constant=_not_strict)["pairs"]
    assert len(pairs) == 45
    documented = " ".join((Path(__file__).parents[1] / "docs" / "cli.md").read_text().split())
    listed = re.search(r"`atlas --json`: `pairs`, hardest first, each `([^`]+)`", documented)
    assert listed is not None  # docs/cli.md's keys, in its order, and its order of the pairs
    assert all(list(pair) == listed.group(1).split(", ") for pair in pairs)
    hardest_first = [pair["logreg_val_accuracy"] for pair in pairs]
    assert hardest_first == sorted(hardest_first)
    assert len(list(cache.glob("fashionlab/atlas-logreg/*"))) == 2
    assert len(list(cache.glob("fashionlab/atlas-nn/*"))) == len(network_groups(ALL_PAIRS))
    _cache_is_sound(cache)


def _not_strict(constant: str) -> None:
    raise AssertionError(f"not strict JSON: {constant}")


def _killed(process: subprocess.Popen) -> None:
    """SIGKILL, which no handler sees; every process the run started must end by itself."""
    process.kill()
    process.communicate(timeout=30)
    wait_for(lambda: not live_group(process.pid), 30)


@pytest.mark.slow
def test_a_killed_run_leaves_no_process_and_the_next_run_completes(small_data, tmp_path) -> None:
    """kill -9 twice, once its two Dask workers are up and once as the new report is staged
    beside --out: no process of the run outlives it, the previous report is whole (old or new,
    never half of each), and the next run completes with nothing left behind."""
    cache, out = tmp_path / "cache", tmp_path / "report"
    before = _previous_report(out)
    flags = [*RUN, *small_data, "--workers", "2", "--out", str(out)]
    first = _fashionlab(*flags, cache=cache, start_new_session=True)
    wait_for(lambda: len(dask_workers(first.pid)) == 2, 180)
    _killed(first)
    assert _tree(out) == before
    second = _fashionlab(*flags, cache=cache, start_new_session=True)
    staged = lambda: any(p.name.startswith(ownership.STAGE_PREFIX) for p in tmp_path.iterdir())  # noqa: E731
    wait_for(staged, 300, step=0.002)
    _killed(second)
    after = _tree(out)
    if after != before:  # swapped in whole: exactly the files its own manifest lists, unchanged
        listed = json.loads((out / ownership.MANIFEST).read_text())["files"]
        assert {name: sha for name, sha in after.items() if name != ownership.MANIFEST} == listed
        assert "previous" not in json.loads((out / "results.json").read_text())
    third = _fashionlab(*flags, cache=cache)
    _, err = third.communicate(timeout=300)
    assert third.returncode == 0 and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "report"]  # no stage left
    assert (out / "index.html").read_text().endswith("</html>")
    assert set(_tree(out)) == {
        *json.loads((out / ownership.MANIFEST).read_text())["files"],
        ownership.MANIFEST,
    }
    _cache_is_sound(cache)


# --------------------------------------------------------------------------- concurrency


@pytest.fixture(scope="module")
def concurrent_runs(
    small_data, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict]:
    """Two runs side by side, one worker each (so that their clusters do not crowd two cores
    with four workers), into one output folder and one cache: the folder, the cache, and the
    ``results.json`` they left. Sharing does not depend on the data: the small dataset keeps
    this to seconds."""
    where = tmp_path_factory.mktemp("concurrent")
    cache, out = where / "cache", where / "report"
    flags = [*RUN, *_with_points(small_data, 600), "--workers", "1", "--out", str(out)]
    runs = [_fashionlab(*flags, cache=cache) for _ in range(2)]
    for process in runs:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    return out, cache, json.loads((out / "results.json").read_text())


@pytest.mark.slow
def test_two_concurrent_runs_share_cache_and_output(small_data, concurrent_runs) -> None:
    out, cache, results = concurrent_runs
    assert results["embedding"]["points"] == 600
    assert (out / "index.html").read_text().endswith("</html>")
    figures = list((out / "figures").iterdir())
    assert len(figures) == 15  # --no-extras: 15 figures (Q5.1 draws the seeds)
    assert _cache_is_sound(cache) == 2  # one PCA and one t-SNE entry, each written once
    assert not list(out.parent.glob(".report.*"))
    computed, took = results["timings"], _training_times(out)
    assert len(took) == 2  # "How long?" (Q4.1, Q4.2) answered in seconds as well as in steps
    # A third run is served from that cache, and still quotes the training times measured then
    flags = [*RUN, *_with_points(small_data, 600), "--workers", "1", "--out", str(out)]
    named = ["--title", "Grader's copy", "--author", "A. Student", "--json"]
    third = _fashionlab(*flags, *named, cache=cache)
    printed, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    # the README: `notebook` is null with --no-notebook, and no notebook is written
    assert json.loads(printed, parse_constant=_not_strict)["notebook"] is None
    assert not (out / "assignment.ipynb").exists()
    page = (out / "index.html").read_text()
    assert "<title>Grader&#x27;s copy</title>" in page and "A. Student" in page
    timings = json.loads((out / "results.json").read_text())["timings"]
    assert list(timings["stages"]) == ["restored from cache"]
    assert timings["models"] == computed["models"]
    assert _training_times(out) == took
    assert "ran while the Dask" not in (out / "report.md").read_text()  # no stages beside workers


def _training_times(report: Path) -> list[str]:
    return re.findall(r"the 100 steps took [^.]*\.\d+ s", (report / "report.md").read_text())


# --------------------------------------------------------------------------- determinism


@pytest.mark.slow
def test_two_cold_runs_give_identical_results(small_data, concurrent_runs, tmp_path) -> None:
    """A run on two workers with a cold cache of its own gives the results the concurrent runs
    gave on one worker each: the results depend neither on the run nor on how many workers
    shared the tasks (the concurrent runs' are reused: two more runs cost the suite 20 s). Where
    the machine allows, this run has no network but its loopback (its Dask workers talk over
    127.0.0.1), as the session's whole study has (conftest's ``offline``)."""
    out = tmp_path / "report"
    process = _fashionlab(
        *RUN,
        *_with_points(small_data, 600),
        "--workers",
        "2",
        "--out",
        str(out),
        cache=tmp_path / "cache",
        prefix=offline(),
    )
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    alone = json.loads((out / "results.json").read_text())
    assert "restored from cache" not in alone["timings"]["stages"]  # computed, not restored
    # a copy (the fixture's stays whole) of what one concurrent run computed on one worker, the
    # other restoring it from the study cache they share
    together = json.loads(json.dumps(concurrent_runs[2]))
    for document, workers, folder in ((alone, 2, out), (together, 1, concurrent_runs[0])):
        for varying in ("timings", "versions"):
            document.pop(varying)
        assert document["config"].pop("out") == str(folder)
        assert document["config"].pop("workers") == workers
    assert alone == together


# --------------------------------------------------------------------------- downloads


class _Mirror(http.server.BaseHTTPRequestHandler):
    """Serves ``files``; with ``cut``, announces the full length and hangs up half-way; answers
    the first ``failures`` requests with HTTP 503."""

    files: dict[str, bytes] = {}
    cut = False
    failures = 0
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests.append(self.path)
        body = self.files.get(self.path.rsplit("/", 1)[-1])
        if len(type(self).requests) <= self.failures:
            self.send_error(503)
            return
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.cut else body)
        if self.cut:
            self.wfile.flush()
            self.connection.shutdown(2)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mirrors():
    """``serve(files, cut, failures)`` starts a mirror on 127.0.0.1 and returns its base URL."""
    started = []

    def serve(files: dict[str, bytes], cut: bool = False, failures: int = 0) -> str:
        attributes = {"files": files, "cut": cut, "failures": failures, "requests": []}
        handler = type("Mirror", (_Mirror,), attributes)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in started:
        server.shutdown()


def _spec(content: bytes) -> RemoteFile:
    return RemoteFile(
        "train-labels-idx1-ubyte.gz",
        hashlib.sha256(content).hexdigest(),
        "0" * 64,
        datasets.LABELS_MAGIC,
    )


def test_download_cut_mid_file_leaves_nothing(mirrors, tmp_path) -> None:
    content = os.urandom(300_000)
    cut = mirrors({"train-labels-idx1-ubyte.gz": content}, cut=True)
    target = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    waits: list[float] = []
    with pytest.raises(DownloadError) as caught:
        download.fetch(_spec(content), target, (cut,), sleep=waits.append)
    assert cut in str(caught.value) and "--data-dir" in str(caught.value)
    assert "closed" in str(caught.value) and f"({download.TRIES} tries)" in str(caught.value)
    assert len(waits) == download.TRIES - 1 and waits == sorted(waits)  # backoff grows
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_mirrors_are_tried_in_order_and_each_failure_is_listed(mirrors, tmp_path) -> None:
    content = os.urandom(100_000)
    missing = mirrors({})
    cut = mirrors({"train-labels-idx1-ubyte.gz": content}, cut=True)
    good = mirrors({"train-labels-idx1-ubyte.gz": content})
    target = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError) as caught:
        download.fetch(_spec(content), target, (missing, cut), sleep=lambda s: None)
    message = str(caught.value)
    assert message.index(missing) < message.index(cut)
    assert "404" in message and "closed" in message
    download.fetch(_spec(content), target, (missing, cut, good), sleep=lambda s: None)
    assert target.read_bytes() == content
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_mirror_that_fails_once_is_used_after_a_retry(mirrors, tmp_path) -> None:
    content = os.urandom(50_000)
    flaky = mirrors({"train-labels-idx1-ubyte.gz": content}, failures=1)
    never = mirrors({})  # must not be reached: the retry of the first mirror succeeds
    target = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    waits: list[float] = []
    download.fetch(_spec(content), target, (flaky, never), sleep=waits.append)
    assert target.read_bytes() == content
    assert waits == [download.BACKOFF_SECONDS]


def test_a_missing_file_is_not_retried(mirrors, tmp_path) -> None:
    content = os.urandom(1000)
    missing = mirrors({})
    waits: list[float] = []
    with pytest.raises(DownloadError, match="404"):
        download.fetch(_spec(content), tmp_path / "x.gz", (missing,), sleep=waits.append)
    assert waits == []  # a 404 cannot mend, so the next mirror is tried at once


@pytest.mark.timeout(10)
def test_a_pipe_in_a_file_mirror_is_refused_not_read_forever(tmp_path) -> None:
    """A FIFO where a ``file://`` mirror's file should be hung the download (a hostile review's
    finding); it is a failure of that mirror now, within the 10 s timeout."""
    content = os.urandom(1000)
    (tmp_path / "mirror").mkdir()
    os.mkfifo(tmp_path / "mirror" / "train-labels-idx1-ubyte.gz")
    with pytest.raises(DownloadError, match="not a regular file"):
        download.fetch(
            _spec(content),
            tmp_path / "x.gz",
            ((tmp_path / "mirror").as_uri() + "/",),
            sleep=lambda seconds: None,
        )
    assert not (tmp_path / "x.gz").exists()


def test_the_mirror_list_comes_from_the_environment(mirrors, tmp_path, monkeypatch) -> None:
    content = os.urandom(20_000)
    local = mirrors({"train-labels-idx1-ubyte.gz": content})
    monkeypatch.setenv("FASHIONLAB_MIRRORS", f" http://127.0.0.1:9/nothing , {local.rstrip('/')}")
    assert download.mirrors_from_env() == ("http://127.0.0.1:9/nothing/", local)
    monkeypatch.setattr(download, "_pause", lambda seconds: None)
    target = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    download.fetch(_spec(content), target)  # no mirrors given: the environment's are used
    assert target.read_bytes() == content
    monkeypatch.setenv("FASHIONLAB_MIRRORS", "ftp://example.org/")
    with pytest.raises(DataError, match="FASHIONLAB_MIRRORS entry 'ftp://example.org/'"):
        download.mirrors_from_env()
    monkeypatch.setenv("FASHIONLAB_MIRRORS", " , ")
    assert download.mirrors_from_env() == datasets.MIRRORS


def test_checksum_failure_never_reaches_the_cache(mirrors, tmp_path) -> None:
    content = os.urandom(50_000)
    tampered = mirrors({"train-labels-idx1-ubyte.gz": content[:-1] + b"!"})
    target = tmp_path / "cache" / "train-labels-idx1-ubyte.gz"
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        download.fetch(_spec(content), target, (tampered,), sleep=lambda s: None)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_official_sources_are_pinned() -> None:
    assert datasets.MIRRORS[0].startswith("http://fashion-mnist.s3-website")
    assert len(datasets.MIRRORS) == 2
    assert {spec.filename for spec in FILES.values()} == {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    }


# --------------------------------------------------------------------------- security


def test_nothing_is_ever_unpickled() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, path
        for call in re.findall(r"np\.load\([^)]*\)", text):
            assert "allow_pickle=False" in call, (path, call)


def test_cache_entries_are_plain_npz() -> None:
    from fashionlab.analysis import embedding

    features = np.random.default_rng(0).normal(size=(200, 5))
    embedding.tsne(features, n_jobs=1)
    from fashionlab.files.storage import cache_home

    (entry,) = (cache_home() / "embedding-tsne").glob("*/arrays.npz")
    with zipfile.ZipFile(entry) as archive:
        for name in archive.namelist():
            assert archive.read(name)[:6] == b"\x93NUMPY"
            assert b"'descr': '|O'" not in archive.read(name)[:200]  # no object arrays


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "..", "C:\\x", "<script>"])
def test_no_user_text_reaches_a_path(name) -> None:
    from fashionlab.files.storage import slug

    made = slug([name, "Coat"])
    assert "/" not in made and "\\" not in made and ".." not in made and "<" not in made


@pytest.mark.slow
def test_a_sweep_stopped_by_a_real_signal_resumes_through_the_program(tmp_path) -> None:
    """The README's promise for sweep, through ``fashionlab sweep`` itself: SIGINT once two of six
    tasks are done (hook ``sweep:2``) exits 130 with one line and no JSON; the next sweep takes
    the finished tasks from the cache and prints every row once."""
    data = write_tiny_dataset(tmp_path / "data", 600, 100)
    sweep = [
        "sweep",
        "--classes",
        "Pullover",
        "Coat",
        "--steps",
        "300",
        "--seeds",
        "1,2,3,4,5,6",
        "--workers",
        "1",
        "--data-dir",
        str(data),
        "--no-verify",
        "--json",
    ]
    cache = tmp_path / "cache"
    process = _fashionlab(*sweep, cache=cache, env={"FASHIONLAB_FAULT": "signal:SIGINT@sweep:2"})
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert out == ""
    _interrupted_once(err)
    finished = len(list(cache.glob("fashionlab/sweep-logreg/*")))
    assert 2 <= finished < 6
    _cache_is_sound(cache)
    process = _fashionlab(*sweep, cache=cache)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert err.count("(cached)") == finished  # the progress lines say which tasks the cache served
    rows = json.loads(out)["rows"]
    assert sorted(row["seed"] for row in rows) == [1, 2, 3, 4, 5, 6]
    assert len(list(cache.glob("fashionlab/sweep-logreg/*"))) == 6


@pytest.mark.slow
def test_runs_ten_class_models_report_their_epochs_to_the_cli(small_data, tmp_path) -> None:
    """Stage 6 of ``run`` trains softmax regression and a ten-class network (about two minutes
    on the real data): their epochs reach the CLI, which shows them and stops there on Ctrl-C
    (here the testing hook's SIGINT at softmax's first epoch; the stage had heard of none)."""
    out = tmp_path / "report"
    process = _fashionlab(
        "run",
        "--no-notebook",
        "--epochs",
        "3",
        *small_data,
        "--out",
        str(out),
        cache=tmp_path / "cache",
        env={"FASHIONLAB_FAULT": "signal:SIGINT@softmax epoch:1"},
    )
    stdout, err = process.communicate(timeout=300)
    assert process.returncode == 130, err
    assert "[6/6] beyond the assignment ..." in err and stdout == ""
    _interrupted_once(err)
    assert not out.exists()


def test_progress_lines_give_the_share_done(monkeypatch, capsys) -> None:
    """Where stderr is not a terminal, a stage's ticks are logged once per tenth of the work, each
    with its own share: 3 of 45 is 6 %, not the tenth it falls in."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    progress = Console()
    progress._started -= 60  # past the 2 s before ticks are shown
    for done in range(1, 46):
        progress.tick("network", done, 45)
    lines = capsys.readouterr().err.splitlines()
    assert lines[:3] == [
        "      network 1/45 (2%)",
        "      network 5/45 (11%)",
        "      network 9/45 (20%)",
    ]
    assert lines[-1] == "      network 45/45 (100%)" and len(lines) == 11


def test_a_warning_on_a_terminal_starts_below_the_progress_line(monkeypatch, capsys) -> None:
    """A terminal's progress line is redrawn in place, the cursor left at its end; a warning the
    CLI logs meanwhile (a cache entry not stored, a lost worker) ran on after it, as in
    ``sweep 3/18could not store cache entry``. Now it has a line of its own."""
    from fashionlab import cli

    def command(args) -> None:
        progress = Console()
        progress._started -= 60  # past the 2 s before ticks are shown
        progress.tick("sweep", 3, 18)
        quiet = logging.getLogger("fashionlab.test-warning")  # no handler, like the CLI's
        quiet.propagate = False  # rather than pytest's own, at the root
        quiet.warning("could not store cache entry")
        progress.tick("sweep", 18, 18)
        progress.stage_done("sweep", 1.0)

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setitem(cli.COMMANDS, "data", command)
    assert cli.main(["data"]) == 0
    lines = [line.strip() for line in capsys.readouterr().err.split("\n")]
    assert lines == ["sweep 3/18", "could not store cache entry", "sweep 18/18", "sweep: 1.0 s", ""]
    assert logging.lastResort is not None and not isinstance(logging.lastResort, SayHandler)


def test_a_warning_after_a_stop_is_not_said(capsys) -> None:
    """A SIGTERM to the process group also ends Dask's workers, and the scheduler's "lost worker"
    came before the interrupt's one line (1 of 10 group SIGTERMs into a starting sweep)."""
    record = logging.LogRecord(
        "fashionlab.cluster.lost",
        logging.WARNING,
        __file__,
        0,
        "lost worker tcp://127.0.0.1:1 (it held no tasks)",
        None,
        None,
    )
    SayHandler().handle(record)
    assert capsys.readouterr().err == record.getMessage() + "\n"
    console.STOP.set()
    try:
        SayHandler().handle(record)
    finally:
        console.STOP.clear()
    assert capsys.readouterr().err == ""


_SWALLOWED_WHILE_READING_FLAGS = """
import os, signal, sys
from fashionlab import cli

reading = cli.build_parser

def swallowing():
    try:
        os.kill(os.getpid(), signal.SIGINT)  # a Ctrl-C while the flags are read,
        sum(range(100_000))
    except BaseException:  # which a library swallows (C code that clears any error)
        pass
    return reading()

def command(args):
    print("ran", flush=True)

cli.build_parser = swallowing
cli.COMMANDS["data"] = command
sys.argv[1:] = ["data"]
sys.exit(cli.program())
"""


def test_a_ctrl_c_swallowed_while_the_flags_are_read_still_stops_the_command(tmp_path) -> None:
    """Reading the flags imports pandas (a second under load), where a Ctrl-C's KeyboardInterrupt
    can be swallowed; the stop it also recorded was then cleared as the command began, and the
    command ran to its end with status 0 (5 of 600 Ctrl-Cs 1 s into a sweep, under load)."""
    (tmp_path / "swallow.py").write_text(_SWALLOWED_WHILE_READING_FLAGS)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "swallow.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", INTERRUPTED + "\n")


class _InterruptedImport:
    """A finder that answers the CLI's import with a Ctrl-C, as one in its first 50 ms would."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "fashionlab.cli":
            raise KeyboardInterrupt


def test_a_ctrl_c_while_the_cli_loads_ends_with_one_line(monkeypatch, capsys) -> None:
    monkeypatch.delitem(sys.modules, "fashionlab.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert entry_program() == 130
    finally:
        signal.signal(signal.SIGTERM, previous)  # the entry's, until the CLI's own
    assert capsys.readouterr().err == INTERRUPTED + "\n"


_WHILE_THE_CLI_LOADS = """
import os, signal, sys
from fashionlab.entry import program

class Finder:  # runs its argument as the CLI's import starts, before the CLI's own handlers
    def find_spec(self, name, path, target=None):
        if name == "fashionlab.cli":
            exec(sys.argv[1])

sys.meta_path.insert(0, Finder())
sys.exit(program())
"""


@pytest.mark.parametrize(
    "interrupt",
    [
        # CPython remembers a KeyboardInterrupt that escaped an exec'd string (a namedtuple or
        # dataclass being made), and ends ``python -m`` by SIGINT at exit (status -2 to a parent)
        # unless it is cleared: 2 of 300 early Ctrl-Cs did, each landing in an import's exec
        "raise KeyboardInterrupt",
        # it ended the process by the signal, with nothing said (9 of 9 group SIGTERMs at 0.05 to
        # 0.15 s after launch)
        "os.kill(os.getpid(), signal.SIGTERM)",
    ],
)
def test_an_interrupt_while_the_cli_loads_exits_130_with_one_line(interrupt, tmp_path) -> None:
    (tmp_path / "early.py").write_text(_WHILE_THE_CLI_LOADS)
    done = subprocess.run(
        [sys.executable, "-m", "early", interrupt],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{SRC}"},
    )
    assert (done.returncode, done.stderr) == (130, INTERRUPTED + "\n")


def test_a_mirror_path_too_long_to_exist_is_not_tried_again(tmp_path, capsys) -> None:
    """A hostile reading: a file:// mirror whose path no file system takes was retried after a
    second's wait, with a second line, as if the fault could mend."""
    waits: list[float] = []
    mirror = f"file:///tmp/{'a' * 300}/"
    with pytest.raises(DownloadError, match=r"File name too long\. Copy the official files"):
        download.fetch(_spec(b"x"), tmp_path / "x.gz", (mirror,), sleep=waits.append)
    assert waits == []


def test_a_download_draws_no_progress_bar_where_stderr_is_no_terminal(mirrors, tmp_path, capsys):
    """A hostile reading: tqdm's bars, carriage returns and all, went into a log file."""
    content = os.urandom(20_000)
    good = mirrors({"train-labels-idx1-ubyte.gz": content})
    download.fetch(_spec(content), tmp_path / "x.gz", (good,), sleep=lambda s: None)
    assert capsys.readouterr().err == ""


def test_a_closed_stderr_costs_a_download_nothing(mirrors, tmp_path, monkeypatch) -> None:
    """A review: asking a closed stderr whether it is a terminal raises ValueError, which the
    download took for a malformed URL and so refused a good mirror."""
    import io

    content = os.urandom(20_000)
    good = mirrors({"train-labels-idx1-ubyte.gz": content})
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    download.fetch(_spec(content), tmp_path / "x.gz", (good,), sleep=lambda s: None)
    assert (tmp_path / "x.gz").read_bytes() == content
