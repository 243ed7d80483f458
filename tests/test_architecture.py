"""The package's shape: small modules and functions, and imports that never go round in a circle
(function-level imports included, which import-linter's layers cannot see as cycles)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fashionlab"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 60


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every fashionlab module ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text())
    typing_only = {
        id(n) for block in ast.walk(tree) if _type_checking(block) for n in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            if not (name.startswith(f"{base}.") and all(t in known for t in targets)):
                targets.append(base)  # but a module's `from . import sibling` is not its package
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def _type_checking(node: ast.AST) -> bool:
    """An ``if TYPE_CHECKING:`` block: imports for the type checker, never run."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def test_no_import_cycle_even_inside_functions() -> None:
    known = modules()
    graph = {name: imports_of(name, path, set(known)) for name, path in known.items()}
    graph = {name: {t for t in targets if t != "fashionlab"} for name, targets in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = stack[stack.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert len(graph) >= 50  # the scan saw the package


@pytest.mark.parametrize("name, path", sorted(modules().items()))
def test_modules_and_functions_stay_small(name: str, path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{name} is over {MAX_MODULE_LINES} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{name}.{node.name} is {length} lines"


def test_the_package_checks_nothing_with_assert() -> None:
    """``python -O`` strips asserts: a check the package relies on raises instead (``checks.required``)."""
    found = [
        f"{name}:{node.lineno}"
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assert)
    ]
    assert found == [], f"assert statements in the package: {found}"


def test_the_formatter_owns_the_layout() -> None:
    """No line opts out of ``ruff format``: 415 such markers once kept modules short by
    hand-packed lines, which a reader had to take on trust; the 300-line limit counts them now."""
    root = PACKAGE.parents[1]
    marker = re.compile(r"#\s*fmt:\s*(skip|off)\b")
    for folder in ("src", "tests", "benchmarks", "docs"):
        for path in (root / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                assert not marker.search(line), f"{path.name}:{number}"


def test_the_package_ships_its_type_annotations() -> None:
    from importlib.resources import files

    assert files("fashionlab").joinpath("py.typed").is_file()


def test_the_readme_layout_names_every_module() -> None:
    """The README's layout is the map a reader starts from: each module is on it, in its folder."""
    readme = (PACKAGE.parents[1] / "README.md").read_text()
    block = readme.split("```text\nsrc/fashionlab/\n", 1)[1].split("```", 1)[0]
    listed: dict[str, set[str]] = {"": set()}
    folder = ""
    for line in block.splitlines():
        head = line[:13].strip()
        if head.endswith("/") and line.startswith("  ") and not line.startswith("   "):
            folder = head.rstrip("/")
        elif not line.startswith("     "):
            folder = ""  # a top-level line
        names = {word for word in line.replace("/", " ").split() if word.endswith(".py")}
        listed.setdefault(folder, set()).update(names)
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        where = path.parent.relative_to(PACKAGE).as_posix().replace(".", "")
        named = listed.get(where, set())
        wild = any(n.endswith("*.py") and path.name.startswith(n[:-4]) for n in named)
        assert path.name in named or wild, f"{where or 'src/fashionlab'}/{path.name} not in README"


def test_the_lock_pins_every_package_with_hashes_and_names_no_index() -> None:
    """The README's promise for `make run` and `make test`: an exact version and its hashes for
    every package, and no index or download URL in any committed file."""
    root = Path(__file__).resolve().parents[1]
    entries = re.split(r"\n(?=\S)", (root / "requirements.lock").read_text().strip())
    assert len(entries) > 50
    for entry in entries:
        requirement = entry.split(" \\")[0]
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\],]+==[\w.+!]+( ; .+)?", requirement), requirement
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), requirement
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    for name in tracked.stdout.decode().split("\0"):
        path = root / name
        if not name or not path.is_file() or path.suffix in (".png", ".ipynb"):
            continue
        text = path.read_text(errors="replace")
        found = re.search(
            "|".join(
                [
                    "--(extra-)?index" + "-url",
                    "--find" + "-links",
                    r"files\.python" + "hosted",
                    r"pypi\.org/" + "simple",
                ]
            ),
            text,
        )
        assert found is None, f"{name} names a package index: {found.group(0) if found else ''}"


def test_the_command_line_package_still_runs_as_a_module() -> None:
    """`python -m fashionlab.cli` ran before the CLI became a package (the re-read found it ended
    in Python's "cannot be directly executed"); it runs the same program as `python -m fashionlab`."""
    runs = [
        subprocess.run(
            [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60
        )
        for module in ("fashionlab", "fashionlab.cli")
    ]
    assert [(r.returncode, r.stdout, r.stderr) for r in runs][0] == (0, runs[1].stdout, "")
    assert runs[1].returncode == 0 and runs[1].stdout.startswith("fashionlab ")


def test_the_two_commands_do_what_the_readme_says() -> None:
    """A review of the README's promises: `make run` runs the study and `make test` runs the
    suite after the linters, the type check and the import layers; each from the .venv that
    the lock builds."""
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()

    def recipe(target: str) -> tuple[list[str], list[str]]:
        found = re.search(rf"^{target}:(.*)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
        assert found is not None, target
        return found.group(1).split(), [line.strip() for line in found.group(2).splitlines()]

    assert recipe("run") == (["$(STAMP)"], ["$(BIN)/fashionlab run"])
    needs, commands = recipe("test")
    assert needs == ["$(STAMP)", "lint", "typecheck", "layers"]
    assert commands == ["$(BIN)/python -m pytest"]
    assert recipe("lint")[1] == [
        "$(BIN)/ruff check src tests benchmarks docs",  # docs/choose_softmax.py, rerun by hand
        "$(BIN)/ruff format --check src tests benchmarks docs",
    ]
    assert recipe("typecheck")[1] == ["$(BIN)/mypy src benchmarks docs"]
    assert recipe("layers")[1] == ["$(BIN)/lint-imports"]
    # "installs from it again whenever it or pyproject.toml changes"
    needs, commands = recipe(re.escape("$(STAMP)"))
    assert needs == ["requirements.lock", "pyproject.toml"]
    assert commands[0] == "test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)"  # the first time
    assert any("--require-hashes" in c and "-r requirements.lock" in c for c in commands)
    assert commands[-1] == "touch $(STAMP)"


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_in_the_readme_and_docs_leads_somewhere() -> None:
    """A reader follows the README into docs/: each relative link names a file of the repository,
    and each #anchor a heading of the page it points to."""
    root = PACKAGE.parents[1]
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # a web address: this machine reaches no network to check it
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.is_file(), f"{page.name} links to {target}, which is not there"
            if anchor:
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.M)
                assert anchor in {_slug(h) for h in headings}, f"{page.name}: no #{anchor}"
            checked += 1
    assert checked >= 13  # the README's links into docs/ and benchmarks/
    assert _slug("What `--json` prints") == "what---json-prints"  # as GitHub makes anchors


BENCHMARK_HELP = """
import contextlib, io, json, runpy, sys
found = {}
for path in sys.argv[1:]:
    sys.argv = [path, "--help"]
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        try:
            runpy.run_path(path, run_name="__main__")
            status = "ran on"
        except SystemExit as stop:
            status = stop.code
    found[path] = [status, shown.getvalue()]
print(json.dumps(found))
"""


def test_every_benchmark_loads_and_says_what_it_measures() -> None:
    """docs/benchmarks.md: three scripts once no longer ran (an import moved), and three others
    started a whole benchmark when asked for ``--help``. Each loads, imports all it names, and
    ``--help`` exits at once with its docstring's opening paragraph: what it measures, against
    what. (One process for all: the scripts' own imports are the check.)"""
    folder = PACKAGE.parents[1] / "benchmarks"
    scripts = sorted(str(p) for p in folder.glob("bench_*.py"))
    assert len(scripts) >= 10
    done = subprocess.run(
        [sys.executable, "-c", BENCHMARK_HELP, *scripts],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for path, (status, shown) in json.loads(done.stdout).items():
        name = Path(path).name
        opening = " ".join(
            ast.get_docstring(ast.parse(Path(path).read_text()), clean=True)
            .split("\n\n")[0]
            .split()
        )
        assert status == 0 and shown.startswith(f"usage: {name} "), (name, status, shown[:200])
        assert opening in " ".join(shown.split()), name
