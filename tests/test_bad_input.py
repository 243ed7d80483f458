"""Every CLI command and flag with its invalid values: exit status 2, one line on stderr that
names the flag and the value, no traceback, and no file created or changed.

Class names are matched case-insensitively with runs of spaces collapsed, so ``ankle  BOOT`` is
accepted as ``Ankle boot``; a name that matches no class, or a pair naming one class twice in any
spelling, is rejected.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fashionlab import cli

# What Python's int() and float() take but a person does not type: another script's digits (Arabic
# three, Devanagari five) and digit groups ("1_0")
TYPOS = ["\u0663", "\u096b0", "1_0"]
NUMBERS = {  # flag -> invalid values
    "--steps": ["0", "-1", "nan", "inf", "x", "1.5", "", "1000001", *TYPOS],
    # 1e-400 reads as 0; 1e-320 is subnormal, which made 100 steps 13 times slower
    "--learning-rate": [
        "0",
        "-1",
        "nan",
        "inf",
        "-inf",
        "x",
        "",
        "0x10",
        "1e-400",
        "1e-320",
        *TYPOS,
    ],
    "--points": ["0", "-5", "70001", "nan", "inf", "x", ""],
    "--epochs": ["0", "-1", "nan", "x", "", "10001", *TYPOS],
    "--batch-size": ["0", "-3", "x", ""],
    "--seed": ["-1", "nan", "x", ""],
    "--jobs": ["0", "-2", "x", ""],  # the hidden old name of --workers
    "--workers": ["0", "-2", "1025", "x", ""],
    "--patience": ["0", "-1", "x", ""],
}
FLAGS_OF = {  # command -> its numeric flags
    "logreg": ["--steps", "--learning-rate"],
    "explore": ["--points"],
    "nn": ["--epochs", "--batch-size", "--seed"],
    "run": ["--points", "--epochs", "--seed", "--jobs", "--workers"],
    "atlas": ["--jobs", "--workers", "--epochs", "--patience", "--seed"],
    "softmax": ["--epochs", "--seed"],
}
SWEEP_LISTS = {  # the sweep's comma lists: value -> what the line echoes
    "--steps": [
        ("0,5", "'0' in '0,5'"),
        ("5,,6", "'5,,6'"),
        (",", "','"),
        ("2000000", "1,000,000"),
        ("1_0", "'1_0'"),
    ],
    "--epochs": [("1,x", "'x' in '1,x'"), ("10001", "10,000"), ("\u0663", "'\u0663'")],
    "--seeds": [("1,-2", "'-2'"), ("4294967296", "4,294,967,295"), ("1.5", "'1.5'")],
    "--learning-rates": [
        ("0.1,nan", "'nan'"),
        ("0", "'0'"),
        ("1_0", "'1_0'"),
        ("", "''"),
        ("0.05,1e-320", "least 2.2250738585072014e-308, the smallest normal float, got '1e-320'"),
        ("0.05,-1e-400", "must be a finite number > 0, got '-1e-400'"),
    ],
}
CLASS_CASES = [
    (["Sock", "Coat"], "'Sock'"),
    (["Coat", "Coat"], "'Coat' twice"),
    (["coat", "COAT"], "'Coat' twice"),
    (["ankle boot", "Ankle  Boot"], "'Ankle boot' twice"),
    (["", "Coat"], "''"),
    (["   ", "Coat"], "'   '"),
    (["T-shirt", "Coat"], "'T-shirt'"),
]


def _cases():
    for command, flags in FLAGS_OF.items():
        for flag in flags:
            for value in NUMBERS[flag]:
                echo = value or "got ''"  # an empty value is said as such ("" is in any line)
                yield pytest.param(
                    [command, flag, value], flag, echo, id=f"{command} {flag}={value!r}"
                )
    for command in ("logreg", "nn"):
        for classes, echo in CLASS_CASES:
            yield pytest.param(
                [command, "--classes", *classes],
                "--classes",
                echo,
                id=f"{command} --classes {classes}",
            )
        yield pytest.param(
            [command, "--classes", "Coat"],
            "--classes",
            "expected 2 arguments",
            id=f"{command} --classes one name",
        )
    for command in ("data", "logreg", "explore", "nn", "run", "atlas", "softmax"):
        yield pytest.param(
            [command, "--data-dir", "{missing}"],
            "--data-dir",
            "missing",
            id=f"{command} --data-dir missing",
        )
        yield pytest.param(
            [command, "--data-dir", "{file}"],
            "--data-dir",
            "a-file",
            id=f"{command} --data-dir is a file",
        )
        yield pytest.param(
            [command, "--data-dir", ""], "--data-dir", "empty", id=f"{command} --data-dir empty"
        )
        yield pytest.param(
            [command, "--data-dir", "{unreadable}"],
            "--data-dir",
            "unreadable",
            id=f"{command} --data-dir unreadable",
        )
        yield pytest.param(
            [command, "--data-dir", "{empty_dir}"],
            "--data-dir",
            "empty-dir",
            id=f"{command} --data-dir holds no files",
        )
    for command, flag in (
        ("explore", "--out"),
        ("run", "--out"),
        ("logreg", "--plot"),
        ("nn", "--plot"),
        ("atlas", "--plot"),
        ("softmax", "--plot"),
    ):
        yield pytest.param(
            [command, flag, "{file}"], flag, "a-file", id=f"{command} {flag} is a file"
        )
        yield pytest.param([command, flag, ""], flag, "empty", id=f"{command} {flag} empty")
        yield pytest.param(
            [command, flag, "{readonly}/out"], flag, "readonly", id=f"{command} {flag} unwritable"
        )
    for flag in ("--title", "--author"):
        for value in ("", "   "):
            yield pytest.param(
                ["run", flag, value],
                flag,
                f"must not be empty, got {value!r}",
                id=f"run {flag}={value!r}",
            )
        for value, echo in (("a\x00b", "U+0000"), ("\x1b[31mred", "U+001B")):
            yield pytest.param(["run", flag, value], flag, echo, id=f"run {flag}={value!r}")
    for command in ("run", "atlas"):
        for value in ("nonsense", "tcp://", ""):
            yield pytest.param(
                [command, "--scheduler", value],
                "--scheduler",
                repr(value),
                id=f"{command} --scheduler={value!r}",
            )
        yield pytest.param(
            [command, "--scheduler", "tcp://h:8786", "--workers", "2"],
            "--workers",
            "tcp://h:8786",
            id=f"{command} --scheduler with --workers",
        )
    for flag, values in SWEEP_LISTS.items():
        for value, echo in values:
            yield pytest.param(["sweep", flag, value], flag, echo, id=f"sweep {flag}={value!r}")
    for rate in ("1e-39", "1e-45", "1e39"):  # float32's subnormals, and past its largest
        yield pytest.param(
            ["sweep", "--model", "nn", "--learning-rates", f"0.001,{rate}"],
            "--learning-rates",
            "between 1.1754943508222875e-38 and 3.4028234663852886e+38, the smallest normal and "
            f"the largest float32 (the network trains in float32), got {float(rate)!r}",
            id=f"sweep --model nn --learning-rates=0.001,{rate}",
        )
    rates = ",".join(f"{k / 1000:g}" for k in range(1, 1001))  # 45 x 1,000 x 10 x 10 runs
    yield pytest.param(
        [
            "sweep",
            "--all-pairs",
            "--learning-rates",
            rates,
            "--steps",
            "1,2,3,4,5,6,7,8,9,10",
            "--seeds",
            "1,2,3,4,5,6,7,8,9,10",
        ],
        "the grid is too large",
        "4,500,000 runs, more than the 100,000",
        id="a sweep too large to build",
    )
    yield pytest.param(
        ["logreg", "--plot", "-dash"],
        "--plot",
        "--plot=VALUE",
        id="a value that starts with a dash",
    )
    yield pytest.param(["frobnicate"], "frobnicate", "frobnicate", id="unknown command")
    yield pytest.param(["run", "--colour", "red"], "--colour", "red", id="unknown flag")
    yield pytest.param(
        ["--json", "data"],
        "flags of data go after it",
        "fashionlab data --json",
        id="a command's flag before the command",
    )
    yield pytest.param(
        ["--frob", "--json", "data"],
        "--frob --json (flags of data go after it",
        "fashionlab data --json ...)",
        id="only the command's own flags are moved",
    )
    yield pytest.param(
        ["--steps", "5", "logreg"],
        "fashionlab logreg: error: flags of logreg go after it",
        "fashionlab logreg --steps 5 ...",
        id="a command's flag and its value before the command",
    )
    yield pytest.param(
        ["logreg", "--classes", "Trouser", "Coat", "Bag"],
        "fashionlab logreg --help",
        "Bag",
        id="a third class",
    )
    for command in ("logreg", "nn"):  # once the last pair given won, without a word
        yield pytest.param(
            [command, "--classes", "Trouser", "Coat", "--classes", "Bag", "Sandal"],
            "--classes",
            "given twice",
            id=f"{command} --classes twice",
        )
    # any flag that takes a value: once the last given won without a word, in any spelling
    for argv, flag, echo in (
        (["logreg", "--steps", "100", "--steps", "1000"], "--steps", "given twice; give it once"),
        (["logreg", "--steps=100", "--learning-rate", "0.1", "--steps", "5"], "--steps", "twice"),
        (["sweep", "--classes", "Coat", "Bag", "--seeds", "1", "--seeds", "2"], "--seeds", "twice"),
        (["run", "--jobs", "1", "--workers", "2"], "--workers", "(as --jobs and --workers)"),
        (["nn", "--plot", "a", "--epochs", "3", "--plot", "b"], "--plot", "given twice"),
    ):
        yield pytest.param(argv, flag, echo, id=" ".join(argv))


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a directory")
    for name in ("unreadable", "readonly", "empty-dir"):
        (tmp_path / name).mkdir()
    (tmp_path / "unreadable").chmod(0)
    (tmp_path / "readonly").chmod(0o500)
    if os.geteuid() == 0:  # root reads and writes anything: make access() answer as for a user
        real_access = os.access
        denied = {str(tmp_path / "unreadable"), str(tmp_path / "readonly")}
        monkeypatch.setattr(
            os,
            "access",
            lambda p, m, **k: str(Path(p).resolve()) not in denied and real_access(p, m, **k),
        )
        real_mkdir = Path.mkdir

        def mkdir(
            path: Path, *args: object, **kwargs: object
        ) -> None:  # as the kernel tells a user
            if str(path.resolve().parent) in denied:
                raise PermissionError(13, "Permission denied", str(path))
            real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Path, "mkdir", mkdir)
    return {
        "missing": str(tmp_path / "missing"),
        "file": str(tmp_path / "a-file"),
        "unreadable": str(tmp_path / "unreadable"),
        "readonly": str(tmp_path / "readonly"),
        "empty_dir": str(tmp_path / "empty-dir"),
    }


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if os.access(p.parent, os.R_OK)
    }


@pytest.mark.parametrize("argv, flag, echo", list(_cases()))
def test_bad_input_is_one_clear_line(argv, flag, echo, sandbox, tmp_path, capsys) -> None:
    argv = [a.format(**sandbox) for a in argv]
    echo = {
        "missing": sandbox["missing"],
        "a-file": "a-file",
        "empty": "''",
        "unreadable": "unreadable",
        "readonly": "readonly",
        "empty-dir": "empty-dir",
    }.get(echo, echo)
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "fashionlab"  # not matplotlib's font list
    before, cache_before = _snapshot(tmp_path), _snapshot(cache)
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert flag in lines[0] and echo in lines[0], lines[0]
    assert "Traceback" not in err + out
    assert _snapshot(tmp_path) == before
    assert _snapshot(cache) == cache_before


def test_accepted_spelling_of_class_names(capsys) -> None:
    from fashionlab.data.preprocessing import canonical_class

    assert canonical_class("ankle  BOOT") == "Ankle boot"
    assert canonical_class("T-SHIRT/TOP") == "T-shirt/top"


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--no-extras", "--no-notebook", "--out", "report"],
        ["atlas", "--json"],
        ["explore", "--out", "maps"],
        ["logreg", "--json"],  # the hostile review: took it without a word, where --plot refused
        ["data", "--json"],  # docs/cli.md: "checked by every command" (the README audit, stop 46)
        ["nn", "--json"],
        ["softmax", "--json"],
        ["sweep", "--json"],
    ],
)
@pytest.mark.parametrize(
    "which", ["$XDG_CACHE_HOME", "its fashionlab folder", "a name", "a whole path"]
)
def test_a_cache_home_that_is_a_file_or_too_long_is_one_line_through_the_program(
    argv: list[str], which: str, tmp_path: Path
) -> None:
    """The README's promise, through the real ``fashionlab`` program: exit 2, one line that names
    $XDG_CACHE_HOME and the fix, nothing written; a file at ``$XDG_CACHE_HOME/fashionlab`` is
    left as it is."""
    if which == "$XDG_CACHE_HOME":
        (tmp_path / "a-file").write_text("not a folder")
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "a-file")}
    elif which == "its fashionlab folder":
        (tmp_path / "a-file").mkdir()
        (tmp_path / "a-file" / "fashionlab").write_text("not a folder")
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "a-file")}
    else:  # too long for the file system: a traceback from the first cache entry (hostile review)
        too_long = "a" * 256 if which == "a name" else "/".join(["b" * 200] * 20)
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / too_long)}
        (tmp_path / "a-file").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "$XDG_CACHE_HOME" in lines[0] and "point" in lines[0], lines
    assert done.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    if which == "its fashionlab folder":
        assert [p.name for p in (tmp_path / "a-file").iterdir()] == ["fashionlab"]
        assert (tmp_path / "a-file" / "fashionlab").read_text() == "not a folder"


@pytest.mark.parametrize(
    ("variable", "value", "argv", "label"),
    [
        ("TMPDIR", "{out}", ["run", "--no-notebook", "--out"], "Dask scratch space (in $TMPDIR)"),
        (
            "DASK_TEMPORARY_DIRECTORY",
            "{out}/spill",
            ["sweep", "--out"],
            "Dask scratch space (in $DASK_TEMPORARY_DIRECTORY)",
        ),
        ("KERAS_HOME", "", ["nn", "--plot"], "Keras folder ($KERAS_HOME)"),  # the working folder
        ("HOME", "{out}/home", ["explore", "--out"], "matplotlib configuration folder (~/"),
        ("MPLCONFIGDIR", "{out}/mpl", ["logreg", "--plot"], "matplotlib folder ($MPLCONFIGDIR)"),
        ("XDG_CONFIG_HOME", "{out}/c", ["nn", "--plot"], "matplotlib configuration folder ($XDG"),
        ("XLA_FLAGS", "--xla_dump_to={out}/dump", ["nn", "--plot"], "XLA dump folder (--xla"),
        ("JAX_COMPILATION_CACHE_DIR", "{out}", ["atlas", "--plot"], "JAX compilation cache ($"),
    ],
)
def test_an_output_a_library_writes_into_is_refused_before_any_work(
    variable: str, value: str, argv: list[str], label: str, tmp_path: Path, tiny_data_dir: Path
) -> None:
    """The hostile review of stop 48: with ``TMPDIR`` (or Keras's, matplotlib's folder) in the
    output folder, the libraries wrote there during the work, and a whole run ended in exit
    status 2 with Dask's ``dask-scratch-space`` left behind. Now one line, before any work (with
    ``HOME`` below the output, explore's import of matplotlib had made its folder there first).
    An empty ``KERAS_HOME`` is the working folder, where Keras writes its ``keras.json``."""
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "KERAS_HOME")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # not below $HOME, so the cache is no reason
    env[variable] = value.format(out=out)
    data = ["--data-dir", str(tiny_data_dir), "--no-verify"]
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", *argv, str(out), *data],
        env=env,
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and f"the {label}" in done.stderr, done.stderr
    assert "which the library writes into during the work" in done.stderr
    assert list(out.iterdir()) == [] and done.stdout == ""


@pytest.mark.parametrize(("variable", "value"), [("TMPDIR", "{out}"), ("KERAS_HOME", "")])
def test_a_librarys_folder_refuses_only_the_commands_that_use_it(
    variable: str, value: str, tmp_path: Path, tiny_data_dir: Path
) -> None:
    """A second hostile review: logreg, which runs neither Dask nor Keras, was refused a --plot
    folder that held Dask's scratch space (or was Keras's folder)."""
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, variable: value.format(out=out)}
    data = ["--data-dir", str(tiny_data_dir), "--no-verify"]
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", "logreg", "--steps", "3", "--plot", str(out), *data],
        env=env,
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "fashionlab-manifest.json",
        "logreg_trouser_ankleboot.svg",
    ]


def test_an_output_inside_a_librarys_folder_is_no_trouble(tmp_path: Path, monkeypatch) -> None:
    """Only a library's folder inside the output is refused: an empty ``KERAS_HOME`` (the working
    folder) must not refuse every output below it, as the default ``--out report`` is."""
    from fashionlab.errors import UsageError
    from fashionlab.files import outdir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_HOME", "")
    assert outdir.check("report", {}, "report") == tmp_path / "report"
    with pytest.raises(UsageError, match=r"^argument --out: '\.' is the Keras folder"):
        outdir.check(".", {}, "report")


def _options(parser) -> list:
    """Every option of every command, with the command's name."""
    commands = next(a for a in parser._actions if a.dest == "command")
    return [
        (name, action)
        for name, sub in commands.choices.items()
        for action in sub._actions
        if action.option_strings and action.dest != "help"
    ]


def test_every_flag_says_what_it_does_and_its_default() -> None:
    """`--help` once listed --steps N, --epochs N, --out DIR ... with no word on what they do or
    their defaults (only the README said 100, 60, report/)."""
    for name, action in _options(cli.build_parser()):
        assert action.help, f"{name} {action.option_strings[0]} has no help"
        takes_value = action.nargs != 0 and action.default is not None  # 0 is a default too
        takes_value = takes_value and action.default is not False
        if takes_value:
            assert "default" in action.help, f"{name} {action.option_strings[0]}: {action.help}"


def test_softmax_help_says_it_runs_every_epoch_from_zero_weights() -> None:
    """Softmax regression has no early stopping and starts from zero weights: its --epochs is not
    "at most", and its --seed orders its batches, and seeds the ten-class network the command
    also trains (the code review, and the review of its fix)."""
    helps = {
        (name, action.option_strings[0]): action.help
        for name, action in _options(cli.build_parser())
    }
    assert helps["softmax", "--epochs"].startswith("N epochs of softmax regression")
    assert helps["softmax", "--seed"].startswith(
        "softmax regression's batch order (it starts from zero weights) and the ten-class "
        "network's initial weights and batch order, 0 to "
    )
    assert helps["nn", "--epochs"].startswith("at most N epochs of the network")
    assert helps["nn", "--seed"].startswith("initial weights and batch order")


def test_a_relative_xdg_cache_home_is_said_once_through_the_program(tmp_path: Path) -> None:
    """Ignored, as the XDG specification says, but a user who set it meant something by it."""
    env = {**os.environ, "XDG_CACHE_HOME": "relcache", "HOME": str(tmp_path / "home")}
    empty = tmp_path / "no-data"  # a folder that exists ("/nonexistent" did on some machines only)
    empty.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fashionlab",
            "data",
            "--no-verify",
            "--json",
            "--data-dir",
            str(empty),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "are missing; copy the official files" in done.stderr, (
        done.stderr
    )
    assert done.stderr.count(str(tmp_path / "no-data")) == 1  # a hostile reading: named twice
    said = [line for line in done.stderr.splitlines() if "ignoring $XDG_CACHE_HOME" in line]
    home = tmp_path / "home" / ".cache" / "fashionlab"
    assert said == [
        f"fashionlab data: ignoring $XDG_CACHE_HOME='relcache': not an absolute path "
        f"(the XDG specification); the cache is {home}"
    ], done.stderr
    assert not (tmp_path / "relcache").exists()


def test_a_command_run_from_a_deleted_folder_is_told_so(tmp_path: Path) -> None:
    """The hostile review: ``--plot p`` from a folder deleted since ended in exit 1 and 'cannot
    write the output: No such file or directory', naming neither the path nor the fix."""

    def from_a_deleted_folder(*argv: str) -> subprocess.CompletedProcess[str]:
        script = 'mkdir gone && cd gone && rmdir ../gone && exec "$@"'
        return subprocess.run(
            ["sh", "-c", script, "sh", sys.executable, "-m", "fashionlab", *argv],
            cwd=tmp_path,
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = from_a_deleted_folder("logreg", "--plot", "p")
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.splitlines() == [
        "fashionlab logreg: error: the folder this command runs from has been deleted, and 'p' is "
        "relative to it; cd to a folder that exists, or give absolute paths"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # not even the cache: no work began
    # absolute paths only: the command runs as anywhere else (here: to its missing data files)
    (tmp_path / "empty").mkdir()
    done = from_a_deleted_folder(
        "data", "--json", "--no-verify", "--data-dir", str(tmp_path / "empty")
    )
    assert done.returncode == 2 and "are missing; copy the official files" in done.stderr


def test_a_relative_home_is_said_once_and_nothing_is_made_where_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hostile review: HOME=relhome made relhome/.cache (and matplotlib's folders) in the
    folder a command ran from, without a word."""
    import pwd
    from types import SimpleNamespace

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("HOME", "relhome")
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: SimpleNamespace(pw_dir=str(tmp_path / "db")))
    (tmp_path / "no-data").mkdir()
    assert cli.main(["data", "--no-verify", "--json", "--data-dir", "no-data"]) == 2
    said = [line for line in capsys.readouterr().err.splitlines() if "ignoring $HOME" in line]
    home = tmp_path / "db" / ".cache" / "fashionlab"
    assert said == [
        f"fashionlab data: ignoring $HOME='relhome': not an absolute path; the cache is {home}"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "no-data"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"schema_version": 6, "logreg": [', "cannot be read as JSON"),  # cut off while written
        ("[1, 2]", "schema_version None"),
        ("{}", "schema_version None"),
        (None, "not a results.json that fashionlab wrote (results: missing field"),
        ("[" * 100_000 + "]" * 100_000, "cannot be read as JSON"),  # nested too deep to parse
    ],
)
def test_make_results_table_refuses_a_file_it_cannot_use_in_one_line(
    tmp_path, capsys, text, said
) -> None:
    """``make results-table`` on a damaged or hand-written results.json: one line naming the file
    and what to do, exit status 2 as the CLI's usage errors (1 and a traceback before). Its exit
    through the real program is tested in test_report.py."""
    from fashionlab.cli import results_table
    from fashionlab.results import SCHEMA_VERSION

    path = tmp_path / "results.json"
    path.write_text(text if text is not None else f'{{"schema_version": {SCHEMA_VERSION}}}')
    with pytest.raises(SystemExit) as stopped:
        results_table.main([str(path)])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert (stopped.value.code, out, len(lines)) == (2, "", 1), err
    assert lines[0].startswith(f"{path}: ") and said in lines[0]
    assert lines[0].endswith("run `make run` to write it" + ("" if "JSON" in said else " again"))


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (
            lambda r: r["comparison"].update(fair_network_heldout_accuracy=7.5),
            "ValueError: accuracy must be in [0, 1], got 7.5",
        ),
        (
            lambda r: r["comparison"].update(network_correct={}),
            "KeyError: 'validation'",
        ),  # the first per-row scores the prose reads
        (lambda r: r["comparison"].update(seed_val_accuracies=[0.9]), "ValueError: values must"),
    ],
)
def test_make_results_table_refuses_a_damaged_run_in_one_line(
    tmp_path, capsys, damage, said
) -> None:
    """A hostile reading: a results.json of the current schema with a value no run writes ended
    in a traceback while the table was drawn (only reading the file was guarded)."""
    import json

    from test_answers import make_results

    from fashionlab.cli import results_table
    from fashionlab.results import to_json

    data = to_json(make_results())
    damage(data)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SystemExit) as stopped:
        results_table.main([str(path)])
    out, err = capsys.readouterr()
    assert (stopped.value.code, out, len(err.splitlines())) == (2, "", 1), err
    assert err.startswith(
        f"{path}: not a results.json that fashionlab wrote (its report cannot be written ({said}"
    )


def test_a_data_folder_it_may_not_open_is_said_with_the_fix(sandbox, capsys) -> None:
    """A hostile reading: 'directory is not readable' named the folder but not what to do."""
    assert cli.main(["data", "--data-dir", sandbox["unreadable"]]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert "a folder this user may not open" in err and "chmod u+rx" in err


LONG_NAME = "c" * 300  # more than the 255 bytes a name may have on Linux's file systems


@pytest.mark.parametrize(
    "argv, env, said",
    [
        (
            ["data", "--data-dir", LONG_NAME],
            {},
            f"argument --data-dir: '{LONG_NAME}': no such folder",
        ),
        (
            ["logreg", "--data-dir", LONG_NAME],
            {},
            f"argument --data-dir: '{LONG_NAME}': no such folder",
        ),
        (["sweep", "--data-dir", LONG_NAME, "--json"], {}, "argument --data-dir: "),
        (["data"], {"FASHIONLAB_DATA": LONG_NAME}, "$FASHIONLAB_DATA "),
    ],
    ids=["data --data-dir", "logreg --data-dir", "sweep --data-dir", "$FASHIONLAB_DATA"],
)
def test_a_data_folder_name_too_long_to_exist_is_one_line(argv, env, said, monkeypatch, capsys):
    """A hostile reading's first finding: Python 3.11's Path.exists raises for a name longer than
    the file system allows, which ended in a traceback and exit status 1."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2 and "Traceback" not in err + out
    (line,) = err.strip().splitlines()
    assert said in line and "(File name too long)" in line, line


def test_control_characters_in_a_folders_name_are_shown_not_sent_to_the_terminal(
    monkeypatch, capsys
) -> None:
    """A hostile reading: $FASHIONLAB_DATA's value reached the terminal raw, so an escape
    sequence in it was acted on (a flag's value was quoted)."""
    monkeypatch.setenv("FASHIONLAB_DATA", "/tmp/\x1b[31mred\x07")
    assert cli.main(["data"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "\x1b" not in line and "\x07" not in line, repr(line)
    assert "$FASHIONLAB_DATA '/tmp/\\x1b[31mred\\x07': no such folder; " in line, line


@pytest.mark.parametrize("given", ["--data-dir", "$FASHIONLAB_DATA"])
def test_a_data_folder_is_said_alike_from_flag_and_variable_and_a_quoted_tilde_is_home(
    given, monkeypatch, capsys, tmp_path
) -> None:
    """A hostile reading: the two said one mistake in different words, and a quoted ``~`` (which
    ``--out`` takes as the home folder) was a folder named "~"."""
    monkeypatch.setenv("HOME", str(tmp_path))
    if given == "--data-dir":
        assert cli.main(["data", "--data-dir", "~/missing"]) == 2
    else:
        monkeypatch.setenv("FASHIONLAB_DATA", "~/missing")
        assert cli.main(["data"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    named = "argument --data-dir:" if given == "--data-dir" else given  # as argparse names a flag
    assert line == (
        f"fashionlab data: error: {named} '{tmp_path}/missing': no such folder; "
        "give the folder that holds the four official .gz files"
    )


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("variable", ["KERAS_HOME"])
def test_a_source_folder_too_long_to_exist_holds_no_copy(variable, monkeypatch, capsys):
    """A folder the search path names but that cannot exist is skipped, as a missing one is. (A
    cache folder too long is refused by every command: the cache would fail once written to,
    test_a_cache_home_that_is_a_file_or_too_long_is_one_line_through_the_program.)"""
    monkeypatch.delenv("FASHIONLAB_DATA", raising=False)
    monkeypatch.setenv(variable, f"/tmp/{LONG_NAME}")
    assert cli.main(["data", "--json"]) == 0
    assert '"verified"' in capsys.readouterr().out


def test_a_cache_folder_name_too_long_to_exist_is_refused_before_a_download() -> None:
    """A review: the download folder's check passed a name too long for the file system (its
    nearest existing parent is writable), so a download ran and failed only when written."""
    from fashionlab.data import sources
    from fashionlab.errors import DataError

    with pytest.raises(DataError, match=r"cannot download into .* \(File name too long\); set "):
        sources.check_download_folder(Path("/tmp") / LONG_NAME / "fashionlab")


def test_a_message_about_a_file_in_the_data_folder_names_the_folder_once(
    tiny_data_dir, capsys
) -> None:
    """A review: the folder was named twice where the message starts with a file inside it."""
    from fashionlab.data.datasets import FILES, encode_idx

    labels = tiny_data_dir / FILES["train_labels"].filename
    labels.write_bytes(gzip.compress(encode_idx(np.zeros(3, np.uint8))))  # fewer than the images
    assert cli.main(["data", "--data-dir", str(tiny_data_dir), "--no-verify"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.count(str(tiny_data_dir)) == 2 and "holds 3 labels" in line, line  # two files
    assert line.startswith(f"fashionlab data: error: argument --data-dir: {tiny_data_dir}/"), line


@pytest.mark.parametrize("given", ["--data-dir", "$FASHIONLAB_DATA", "$KERAS_HOME"])
def test_a_home_this_system_does_not_know_is_one_line(given, monkeypatch, capsys) -> None:
    """A hostile reading: '~nosuchuser/x' ended in a traceback (RuntimeError: Could not determine
    home directory) from the data folder's ~, which --out already refused in one line."""
    argv = ["data", "--no-verify"]
    if given == "--data-dir":
        argv += ["--data-dir", "~nosuchuser-fashionlab/x"]
    else:
        monkeypatch.setenv(given.removeprefix("$"), "~nosuchuser-fashionlab/x")
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if given == "$KERAS_HOME":  # a source fashionlab only searches: no folder there
        assert status in (0, 2) and len(err.strip().splitlines()) <= 1, err
        return
    (line,) = err.strip().splitlines()
    named = "argument --data-dir:" if given == "--data-dir" else given
    assert status == 2 and line == (
        f"fashionlab data: error: {named} '~nosuchuser-fashionlab/x': no such home folder on "
        "this system; give the folder's full path"
    )


def test_a_quoted_tilde_data_folder_is_protected_from_the_figures(
    tiny_data_dir, monkeypatch, capsys
) -> None:
    """A hostile reading: with --data-dir '~/tiny', --plot '~/tiny/plots' wrote into the data
    folder (the protection compared the unexpanded '~/tiny' with the real folder)."""
    monkeypatch.setenv("HOME", str(tiny_data_dir.parent))
    before = sorted(p.name for p in tiny_data_dir.iterdir())
    data, plots = f"~/{tiny_data_dir.name}", f"~/{tiny_data_dir.name}/plots"
    argv = ["logreg", "--steps", "3", "--no-verify", "--data-dir", data, "--plot", plots]
    assert cli.main(argv) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "overlaps the data folder" in line, line
    assert sorted(p.name for p in tiny_data_dir.iterdir()) == before


def test_a_bad_variable_does_not_stop_a_command_given_its_data_folder(
    tiny_data_dir, tmp_path, monkeypatch, capsys
) -> None:
    """A hostile reading: a missing $FASHIONLAB_DATA stopped `--data-dir X --plot P`, which does
    not read it, and the message put the good --data-dir in front of it."""
    monkeypatch.setenv("FASHIONLAB_DATA", str(tmp_path / "missing"))
    plots = tmp_path / "plots"
    argv = ["logreg", "--steps", "3", "--no-verify", "--data-dir", str(tiny_data_dir)]
    assert cli.main([*argv, "--plot", str(plots)]) == 0, capsys.readouterr().err
    assert list(plots.glob("*.svg"))


def test_what_was_typed_reaches_the_terminal_as_one_visible_line(capsys) -> None:
    """A hostile reading: an escape sequence among unrecognised words set the terminal's title
    and cleared its screen, and a newline split the one line in two."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(["data", "\x1b]0;pwned\x07\x1b[2J", "x\ny"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1, repr(err)
    assert "\x1b" not in err and "\\x1b]0;pwned\\x07\\x1b[2J x\\ny" in err, repr(err)


def test_stderr_escapes_the_characters_the_page_refuses_as_reordering() -> None:
    """A hostile reading: U+202E (right-to-left override) reached the terminal; the page's title
    check already refused it. Both lists of text-reordering characters must agree."""
    from fashionlab.cli import console
    from fashionlab.render import page

    for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        assert page._FORBIDDEN.search(chr(code))
        assert console.visible(chr(code)) == f"\\u{code:04x}"
    assert console.visible("\u200b\u00e9") == "\u200b\u00e9"  # other characters pass as they are


@pytest.mark.parametrize(
    "argv, name",
    [
        (["logreg", "--plot", "{dir}/bad\udcffname"], "bad\\xffname"),  # a file: `!r` in the line
        (["logreg", "--data-dir", "{dir}/caf\udce9"], "caf\\xe9"),  # missing: a path in the line
    ],
)
def test_a_name_that_is_not_utf8_is_said_with_the_byte_a_user_can_type_back(
    argv, name, tmp_path
) -> None:
    """A hostile reading: a name's byte 0xFF was said as Python's \\udcff, which no shell reads
    back; it is said as \\xff ($'\\xff' in bash), as JSON already wrote it."""
    argv = [os.fsencode(a.format(dir=tmp_path)) for a in argv]
    (tmp_path / os.fsdecode(b"bad\xffname")).write_text("a file, not a folder")
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", *argv], capture_output=True, timeout=120
    )
    line = done.stderr.decode()
    assert done.returncode == 2 and line.count("\n") == 1, line
    assert name in line and "\\udc" not in line, line


def test_the_terminal_shows_a_names_byte_once_escaped() -> None:
    from fashionlab.cli import shown

    assert shown.visible("caf\udce9") == "caf\\xe9"  # held as a lone surrogate
    assert shown.visible(repr("caf\udce9")) == "'caf\\xe9'"  # echoed by repr
    assert shown.visible("caf\u00e9 \\\\udce9") == "caf\u00e9 \\\\udce9"  # typed by a user
    assert shown.visible(repr("\\\udcff")) == "'\\\\\\xff'"  # a backslash, then the byte
    assert shown.visible('{"t": "\\ud83d\\udc80"}') == '{"t": "\\ud83d\\udc80"}'  # JSON's emoji
    assert shown.shown_path("a\\udcffb/caf\udce9") == "a\\udcffb/caf\\xe9"  # a path's own text


def test_json_on_stdout_keeps_an_escaped_emoji_whole() -> None:
    """JSON escapes U+1F480 as \\ud83d\\udc80, whose second half reads like repr's text for a
    byte: stdout writes it as it is, so that the JSON still parses to the same title."""
    import io

    from fashionlab.cli import console
    from fashionlab.jsonio import strict_text

    stream = io.StringIO()
    console.write(strict_text({"title": "\U0001f480 caf\udce9"}), stream)
    assert "\\ud83d\\udc80" in stream.getvalue()
    assert json.loads(stream.getvalue()) == {"title": "\U0001f480 caf\\xe9"}


def test_a_file_that_fails_its_check_names_the_flag_once(tiny_data_dir, capsys) -> None:
    """A review: a message whose remedy names --data-dir ("or point --data-dir at another
    folder") was given the prefix "argument --data-dir:" too, naming the flag twice."""
    assert cli.main(["data", "--data-dir", str(tiny_data_dir)]) == 2  # tiny files: not official
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.count("--data-dir") == 1 and "point --data-dir at another folder" in line, line


@pytest.mark.parametrize(
    "argv, said",
    [
        (["logreg", "--jso"], "unrecognized arguments: --jso"),  # a hostile review: it was --json
        (["logreg", "--step", "3"], "unrecognized arguments: --step 3"),
        (["logreg", "--classes", "A" * 100_000, "Shirt"], "unknown class 'AAAAAAAAAAAA"),
    ],
)
def test_flags_are_spelled_out_and_a_long_value_is_not_echoed_whole(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and said in err and len(err.splitlines()) == 1, err[:300]
    assert len(err) < 600  # a 100,000-letter class name was echoed in full


def test_an_output_in_the_variables_data_folder_names_the_variable(
    tiny_data_dir, monkeypatch, capsys
) -> None:
    """A hostile review: the refusal said "the env data folder", a name the user never typed."""
    monkeypatch.setenv("FASHIONLAB_DATA", str(tiny_data_dir))
    argv = ["logreg", "--steps", "3", "--no-verify", "--plot", str(tiny_data_dir / "plots")]
    assert cli.main(argv) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "overlaps the $FASHIONLAB_DATA folder" in line, line


def test_every_count_flag_gives_its_range_in_its_help(capsys) -> None:
    """A hostile review: `nn --patience` gave no range, where every other count flag does."""
    with pytest.raises(SystemExit):
        cli.main(["nn", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "before it stops, 1 to 10,000" in help_text, help_text
