"""The completed assignment notebook: stored clean, runs from a clean kernel, every figure renders,
and ``fashionlab.render.notebook`` fills the marked answer cells."""

from __future__ import annotations

import ast
import dataclasses
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import skip_off_ci

from fashionlab.config import NN_HIDDEN_UNITS, NN_LEARNING_RATE
from fashionlab.errors import FashionLabError
from fashionlab.models import neural
from fashionlab.render import kernel, notebook
from fashionlab.render.notebook import ANSWER_KEYS, NotebookError

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "assignment.ipynb"
# The assignment's figures: 2 images, the grid, 3 t-SNE maps, 2 x 2 curves, the network's 2 curves
MIN_FIGURES = 11
PLACEHOLDER = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
ANSWERS = {
    key: [f"Answer to {key}, first paragraph.", f"Second paragraph of {key}."]
    for key in ANSWER_KEYS
}


def images(cell: Any) -> int:
    """The number of PNG images among one cell's outputs."""
    return sum("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def count_images(nb: Any) -> int:
    """The number of PNG images among all the notebook's outputs."""
    return sum(images(cell) for cell in nb.cells)


def stored() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


# --------------------------------------------------------------------------- which cells draw


def _python(source: str) -> ast.Module:
    """A code cell's source as Python, without its IPython magics (``%matplotlib inline``)."""
    return ast.parse(
        "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    )


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


def _top_level_calls(tree: ast.Module) -> list[str]:
    """Names of the calls a cell makes when it runs: calls inside a ``def`` body do not count."""
    calls: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, ast.Call):
            calls.append(_called_name(node))
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in tree.body:
        visit(statement)
    return calls


def figure_cells(nb: nbformat.NotebookNode) -> dict[int, int]:
    """Code cell index -> how many figures it shows: its own ``plt.show()`` and ``display()``
    calls, and its calls to the notebook's functions that end in ``plt.show()``."""
    code = {i: _python(cell.source) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    drawers = {"plt.show", "display"}
    for tree in code.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                inner = {_called_name(n) for n in ast.walk(node) if isinstance(n, ast.Call)}
                if inner & {"plt.show", "display"}:
                    drawers.add(node.name)
    shown = {i: sum(name in drawers for name in _top_level_calls(tree)) for i, tree in code.items()}
    return {i: n for i, n in shown.items() if n}


# --------------------------------------------------------------------------- the stored file


def test_notebook_is_stored_without_outputs() -> None:
    nb = stored()
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "YOUR CODE HERE" not in cell.source and "YOUR ANSWER HERE" not in cell.source
    raw = json.loads(NOTEBOOK.read_text())
    assert all("outputs" not in c or c["outputs"] == [] for c in raw["cells"])


def test_notebook_names_the_fashionlab_kernel() -> None:
    spec = stored().metadata.kernelspec
    assert (spec.name, spec.display_name, spec.language) == (
        "fashionlab",
        "Python (fashionlab)",
        "python",
    )


def test_notebook_shows_the_assignment_code() -> None:
    source = "\n".join(cell.source for cell in stored().cells if cell.cell_type == "code")
    for name in (
        "get_data_subset",
        "train_test_validation_split",
        "bias_trick",
        "sigmoid",
        "binary_cross_entropy",
        "binary_cross_entropy_derivative",
        "accuracy",
        "predict",
        "logistic_regression",
        "show_image",
        "plot_losses",
        "plot_accuracies",
    ):
        assert f"def {name}(" in source, name  # written out, not imported
        assert f"{name}(" in source.replace(f"def {name}(", ""), name  # and used
    assert "np.allclose(" in source  # checked against the library
    assert source.count("= logistic_regression(X, y, learning_rate, num_steps)") == 2  # once a pair
    assert source.count(".fit(") == 1  # and the network once
    assert "%matplotlib inline" in source


def test_the_notebooks_sigmoid_and_loss_stay_finite_far_from_zero() -> None:
    """An instructor's reading: the notebook's sigmoid was 1 / (1 + np.exp(-z)), which overflows
    for z below about -709, and its loss took log(0) once h saturated; neither was said."""
    import numpy as np

    source = next(c.source for c in stored().cells if "def sigmoid(" in c.source)
    functions: dict[str, Any] = {}
    exec("import numpy as np\n" + source.split("def binary_cross_entropy_derivative")[0], functions)
    sigmoid, loss = functions["sigmoid"], functions["binary_cross_entropy"]
    z = np.array([[-800.0], [-30.0], [0.0], [30.0], [800.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        h = sigmoid(z)
        wrong_way = loss(np.array([[1], [1], [0], [0], [0]]), h)
    assert h[:, 0].tolist() == [
        0.0,
        pytest.approx(9.357622968840175e-14),
        0.5,
        pytest.approx(1),
        1.0,
    ]
    # the largest loss there is, finite, and the library's (which log(1 - h) makes 26.5563, not 26.5561)
    from fashionlab.models.logistic import binary_cross_entropy as library_loss

    assert (
        wrong_way == library_loss(np.array([[1], [1], [0], [0], [0]]), h) == pytest.approx(26.5563)
    )


def test_network_is_built_compiled_and_fitted_in_its_own_cells() -> None:
    sources = [cell.source for cell in stored().cells if cell.cell_type == "code"]
    built = next(i for i, s in enumerate(sources) if "model = Model(" in s)
    compiled = next(i for i, s in enumerate(sources) if "model.compile(" in s)
    fitted = next(i for i, s in enumerate(sources) if "hist = model.fit(" in s)
    assert built < compiled < fitted
    assert "set_random_seed(0)" in sources[built]
    for setting in (
        "validation_split=0.2",
        "epochs=60",
        "batch_size=64",
        "patience=8",
        'monitor="val_loss"',
        "restore_best_weights=True",
    ):
        assert setting in sources[fitted], setting
    # written as literals a student reads, and the library's settings: the same network
    rate = re.search(r"Adam\(learning_rate=([0-9.e-]+)\)", sources[compiled])
    assert rate and float(rate[1]) == NN_LEARNING_RATE
    hidden = re.search(r'Dense\((\d+), activation="(\w+)", name="hidden"\)', sources[built])
    assert hidden and (int(hidden[1]), hidden[2]) == (NN_HIDDEN_UNITS, neural.ACTIVATION)
    assert "hist.history['loss']" in "\n".join(sources)


def test_every_question_has_a_marked_answer_cell_in_order() -> None:
    nb = stored()
    cells = notebook.answer_cells(nb)
    assert list(cells) == list(ANSWER_KEYS)
    assert list(cells.values()) == sorted(cells.values())
    for index in cells.values():
        assert "fashionlab run" in nb.cells[index].source


def test_at_least_eleven_figure_cells_are_found() -> None:
    assert sum(figure_cells(stored()).values()) >= MIN_FIGURES


# --------------------------------------------------------------------------- fill_answers


def test_fill_answers_puts_each_answer_in_its_marked_cell() -> None:
    nb = stored()
    filled = notebook.fill_answers(nb, ANSWERS)
    for key, index in notebook.answer_cells(filled).items():
        source = filled.cells[index].source
        assert source.splitlines()[0] == f"<!-- fashionlab:answer {key} -->"
        assert source.split("\n\n")[1:] == ANSWERS[key]
        assert "fashionlab run" not in source
    assert nb == stored()  # the input is left alone
    assert notebook.fill_answers(filled, ANSWERS) == filled  # filling twice changes nothing


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({**ANSWERS, "q6": ["x"]}, r"unknown answer keys \['q6'\]"),
        ({k: v for k, v in ANSWERS.items() if k != "q4_2"}, r"answers missing for \['q4_2'\]"),
        ({**ANSWERS, "q2": "one string, not paragraphs"}, r"answer 'q2' must be a sequence"),
        ({**ANSWERS, "q3": ["", "  "]}, r"answer 'q3' is empty"),
    ],
)
def test_fill_answers_rejects_bad_answers(answers: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        notebook.fill_answers(stored(), answers)


def test_the_notebooks_answers_point_to_the_report_for_the_grid_it_does_not_draw() -> None:
    """An instructor's reading: Q4.3's answer in the notebook said "the figures below give each
    cell's validation accuracy", and no figure followed; the grid is drawn in the report only."""
    from test_answers import grid_row, make_results

    from fashionlab import notebook_job
    from fashionlab.render import answers

    results = make_results()
    results.rate_grid = [grid_row(0.05, 100, 1975), grid_row(0.1, 100, 2000)]
    filled = nbformat.reads(notebook_job.with_answers(stored(), results).decode(), as_version=4)
    q4_3 = filled.cells[notebook.answer_cells(filled)["q4_3"]].source
    assert "the report's figure of it (figures/rate_grid_*.png beside this notebook) gives" in q4_3
    assert "below" not in q4_3.replace("In the table below", "")  # its table is below it
    assert "the figure below gives each cell's" in " ".join(answers.compose(results)["q4_3"])
    both = [
        *results.rate_grid,
        dataclasses.replace(grid_row(0.05, 100, 2390), classes=("Trouser", "Ankle boot")),
    ]
    results.rate_grid = both  # a figure a pair: two
    assert (
        "the report's 2 figures of it (figures/rate_grid_*.png beside this notebook) give each"
        in (" ".join(answers.compose(results, "notebook")["q4_3"]))
    )
    assert "the figures below give each cell's" in " ".join(answers.compose(results)["q4_3"])


def test_the_notebooks_q4_3_and_q5_1_end_with_the_reports_tables() -> None:
    """An instructor's reading: the notebook's Q4.3 left out the four models' table and the
    paragraph before it, which the report's section shows; Q5.1 its networks' table."""
    from test_answers import make_results

    from fashionlab import notebook_job
    from fashionlab.render import answers, page, tables

    results = make_results()
    written, report = answers.compose(results, "notebook"), answers.compose(results)
    for key, table in (("q4_3", tables.comparison_table), ("q5_1", tables.networks_table)):
        assert written[key][-1] == page.markdown_table(table(results))
        assert written[key][-1] not in report[key]
    # the paragraphs beside each table, the report's: the final instructor's reading found the
    # notebook's daggers without their note
    for key in ("q4_3", "q5_1"):
        notes = tables.table_notes(results)[key]
        assert written[key][-1 - len(notes) : -1] == notes
        assert notes[-1].startswith("\u2020 Early stopping chose each marked model's step")
    filled = nbformat.reads(notebook_job.with_answers(stored(), results).decode(), as_version=4)
    q4_3 = filled.cells[notebook.answer_cells(filled)["q4_3"]].source
    assert q4_3.endswith(page.markdown_table(tables.comparison_table(results)))


def test_the_notebook_ends_with_the_terms_its_answers_use() -> None:
    """The report links each term to its glossary; the notebook's answers use the same terms
    (McNemar's test, the 95% interval, early stopping), so its last cell defines them."""
    from test_answers import make_results

    from fashionlab import notebook_job
    from fashionlab.render import glossary

    results = make_results()
    filled = nbformat.reads(notebook_job.with_answers(stored(), results).decode(), as_version=4)
    last = filled.cells[-1]
    assert notebook.answer_cells(filled)["terms"] == len(filled.cells) - 1
    assert last.cell_type == "markdown" and filled.cells[-2].source.startswith("# Terms")
    for term, text in glossary.GLOSSARY:
        assert f"**{term}**: {text}" in last.source


def test_fill_answers_rejects_a_notebook_without_a_marked_cell() -> None:
    nb = stored()
    del nb.cells[notebook.answer_cells(nb)["q5_1"]]
    with pytest.raises(ValueError, match=r"no answer cell for \['q5_1'\]"):
        notebook.fill_answers(nb, ANSWERS)


# --------------------------------------------------------------------------- execution


@pytest.mark.slow
def test_a_failing_cell_raises_a_one_line_error(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    )
    with pytest.raises(NotebookError) as caught:
        notebook.execute(nb, cwd=tmp_path, timeout=60)
    assert isinstance(caught.value, FashionLabError)
    assert str(caught.value) == "notebook cell 1 raised ZeroDivisionError: division by zero"
    assert notebook.error_outputs(caught.value.notebook) == [
        (1, "ZeroDivisionError", "division by zero")
    ]


def test_the_kernel_runs_this_interpreter() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    name = notebook.kernel_name()
    assert name in ("fashionlab", "python3")
    command = KernelSpecManager().get_kernel_spec(name).argv[0]
    # "python" is replaced by sys.executable when jupyter_client starts the kernel
    assert (
        command in ("python", "python3")
        or Path(command).absolute() == Path(sys.executable).absolute()
    )


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("{", "kernelspec 'fashionlab' cannot be read (Expecting property name"),
        ("[]", "kernelspec 'fashionlab' cannot be read ("),
        (
            '{"argv": [1], "display_name": "x"}',
            "kernelspec 'fashionlab' cannot be read (argv[0] is 1)",
        ),
        (
            '{"argv": ["/elsewhere/bin/python", "-m", "ipykernel_launcher"], "display_name": "x"}',
            f"kernelspec 'fashionlab' runs /elsewhere/bin/python, not {sys.executable}; using 'python3'",
        ),
    ],
    ids=["not JSON", "not a mapping", "argv a number", "another interpreter"],
)
def test_a_fashionlab_kernelspec_this_run_cannot_use_is_passed_over_with_a_warning(
    spec: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    """Jupyter looks in $JUPYTER_PATH first: a user's broken or foreign ``fashionlab`` spec there
    must not stop the notebook."""
    (tmp_path / "kernels" / "fashionlab").mkdir(parents=True)
    (tmp_path / "kernels" / "fashionlab" / "kernel.json").write_text(spec)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger=kernel.__name__):
        assert kernel.kernel_name() == "python3"
    assert [record.getMessage()[: len(said)] for record in caplog.records] == [said]


@pytest.fixture(scope="module")
def executed(report: Path) -> nbformat.NotebookNode:
    """The stored notebook as ``fashionlab run`` executed it (a clean kernel, the real data) and
    wrote it into the report, answers filled in: what the user opens. Its kernel shares the run's
    cache, so PCA and t-SNE are served from there; the library's cold paths are tested on their
    own (test_embedding, test_logistic, test_neural)."""
    return nbformat.read(report / "assignment.ipynb", as_version=4)


def _outputs(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in _outputs(nb)
    )


@pytest.mark.slow
@pytest.mark.realdata
def test_notebook_runs_without_errors(executed: nbformat.NotebookNode) -> None:
    code = [c.source for c in executed.cells if c.cell_type == "code"]
    assert code == [c.source for c in stored().cells if c.cell_type == "code"]  # the stored cells
    assert notebook.error_outputs(executed) == []
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    assert not [o for o in _outputs(executed) if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.slow
@pytest.mark.realdata
def test_every_figure_cell_shows_its_images(executed: nbformat.NotebookNode) -> None:
    expected = figure_cells(executed)
    shown = {index: images(executed.cells[index]) for index in expected}
    assert shown == expected  # one PNG per plt.show() / display() / plotting call, no more, no less
    assert count_images(executed) >= MIN_FIGURES
    assert count_images(executed) == sum(expected.values())  # no figure outside them


@pytest.mark.slow
@pytest.mark.realdata
def test_no_figure_is_a_text_placeholder(executed: nbformat.NotebookNode) -> None:
    for output in _outputs(executed):
        text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        if PLACEHOLDER.search(text):  # Jupyter's text fallback is fine beside the image itself
            assert "image/png" in output.get("data", {}), text


@pytest.mark.slow
@pytest.mark.realdata
def test_notebook_prints_the_assignment_results(executed: nbformat.NotebookNode) -> None:
    text = _text(executed)
    assert "Compressed dimension of 784 to 50 maintaining" in text
    assert re.search(r"^logistic_regression +agrees$", text, re.MULTILINE)
    assert "DIFFERS" not in text
    # hist is Keras's History, and the model it trained is the one built and compiled above
    assert "History - trains `model`: True" in text
    network = re.search(r"weights restored\): validation accuracy (0\.\d+)", text)
    logistic = re.search(
        r"logistic regression on the same validation rows \(its loop's last log\): (0\.\d+)", text
    )
    assert network and logistic and float(network[1]) > float(logistic[1])  # the network wins


@pytest.mark.slow
@pytest.mark.realdata
def test_the_notebook_scores_the_accuracies_its_answers_quote(
    executed: nbformat.NotebookNode, report: Path
) -> None:
    """Its own cells print each pair's three accuracies: the study's, to the image."""
    results = json.loads((report / "results.json").read_text())
    printed = re.findall(
        r"^ *(validation|held-out|official test): ([\d,]+) of ([\d,]+) right",
        _text(executed),
        re.MULTILINE,
    )
    assert [name for name, _, _ in printed] == ["validation", "held-out", "official test"] * 2
    for run, lines in zip(results["logreg"], (printed[:3], printed[3:]), strict=True):
        right = {name: (int(k.replace(",", "")), int(n.replace(",", ""))) for name, k, n in lines}
        assert right["held-out"] == (
            round(run["heldout_accuracy"] * run["n_heldout"]),
            run["n_heldout"],
        )
        assert right["official test"] == (
            round(run["official_test_accuracy"] * run["n_official_test"]),
            run["n_official_test"],
        )
    # Pullover vs Coat's final weights
    final = results["comparison"]["logreg_correct"]["validation"]
    assert right["validation"] == (final.count("1"), len(final))
    # the network: the same seed and rows as the study's, so the same epochs and the same scores
    network = results["network"]
    printed_epochs = re.search(r"^(\d+) epochs in ", _text(executed), re.MULTILINE)
    assert printed_epochs and int(printed_epochs[1]) == network["epochs_run"]
    official = re.search(
        r"official test images of the pair: 2,000, accuracy (0\.\d{4})$",
        _text(executed),
        re.MULTILINE,
    )
    assert official and official[1] == f"{network['official_test_accuracy']:.4f}"


@pytest.mark.slow
@pytest.mark.realdata
def test_answers_fill_the_executed_notebook_and_keep_its_figures(
    executed: nbformat.NotebookNode,
) -> None:
    result = notebook.fill_answers(executed, ANSWERS)
    nbformat.validate(result)
    assert count_images(result) == count_images(executed)
    for key, index in notebook.answer_cells(result).items():
        assert ANSWERS[key][0] in result.cells[index].source
        assert result.cells[index].source.count("fashionlab:answer") == 1  # replaced, not added


def test_incomplete_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="answers missing"):
        notebook.fill_answers(stored(), {"q1_1": ["x"]})


def test_a_cached_execution_is_served_only_when_whole() -> None:
    """The notebook cache's check: valid, every code cell run, no error output, every answer cell
    (hashes prove only that the bytes are the ones written)."""
    nb = stored()
    with pytest.raises(ValueError, match="did not run"):
        notebook.read_executed(nbformat.writes(nb).encode())
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for count, cell in enumerate(code, 1):
        cell.execution_count = count
    assert notebook.answer_cells(notebook.read_executed(nbformat.writes(nb).encode()))
    failed = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    first = next(cell for cell in failed.cells if cell.cell_type == "code")
    first.outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[])]
    with pytest.raises(ValueError, match="raised an error"):
        notebook.read_executed(nbformat.writes(failed).encode())
    key, index = next(iter(notebook.answer_cells(nb).items()))
    nb.cells[index].source = "an answer cell that lost its marker"
    with pytest.raises(ValueError, match=f"no answer cell for \\['{key}'\\]"):
        notebook.read_executed(nbformat.writes(nb).encode())
    for garbage in (b"{", b"\xff", b'{"cells": 3}'):
        with pytest.raises(ValueError):
            notebook.read_executed(garbage)


def test_the_answer_marker_finds_the_line_that_fill_answers_writes() -> None:
    assert notebook.ANSWER_MARKER.findall(
        "text\n" + notebook.ANSWER_LINE.format("q4_1") + "\n"
    ) == ["q4_1"]


def test_the_notebooks_answers_point_to_the_cells_own_times() -> None:
    """Two instructors' reviews: the notebook's answers quoted the study's training times (2.41 s,
    2.17 s, 12.56 s) under cells that print the notebook's own (1.26 s, 1.26 s, 5.9 s); told apart
    in a sentence, the two still read as a contradiction. The notebook quotes no time of the
    study's; the report does."""
    from test_answers import make_results

    from fashionlab.render import answers

    results = make_results()
    results.timings = {"models": {"network": 12.5, "logreg Trouser vs Ankle boot": 2.4}}
    notebook_said, report_said = answers.compose(results, "notebook"), answers.compose(results)
    for key, what, study in (("q4_1", "the 100 steps", "2.40 s"), ("q5_1", "training", "12.50 s")):
        cell = f"the training cell above prints how long {what} took in this notebook"
        notebook, report = " ".join(notebook_said[key]), " ".join(report_said[key])
        assert cell in notebook.lower() and cell not in report.lower()
        assert study in report and study not in notebook
    assert "took in this notebook" not in " ".join(notebook_said["q4_2"])  # no time measured


def test_make_kernel_registers_the_venv_as_the_kernel_the_notebook_names(tmp_path: Path) -> None:
    """The README's `make kernel`: Jupyter then finds a kernel `fashionlab`, the name the stored
    notebook gives, and that kernel runs this venv's Python with this checkout's fashionlab. It
    registers under a prefix of this test's own: removing and remaking the venv's kernelspec raced
    a notebook that the session's study, in the other process, was starting with it."""
    root, venv = NOTEBOOK.parents[1], NOTEBOOK.parents[1] / ".venv"
    if not (venv / ".installed").exists() or Path(sys.prefix).resolve() != venv.resolve():
        skip_off_ci("the suite runs outside the .venv that make builds")
    make = ["make", "-s", "-o", ".venv/.installed", "kernel"]  # -o: the venv as it is
    planned = subprocess.run([*make, "-n"], cwd=root, capture_output=True, text=True, check=True)
    assert " install --prefix .venv --name fashionlab " in planned.stdout  # by default, the venv's
    prefix = tmp_path / "prefix"
    made = subprocess.run(
        [*make, f"KERNEL_PREFIX={prefix}"], cwd=root, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    assert nbformat.read(NOTEBOOK, as_version=4).metadata.kernelspec.name == "fashionlab"
    env = {  # this prefix's kernels first, and not a kernel of the user's own
        **os.environ,
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
    }
    listed = subprocess.run(
        [str(venv / "bin" / "jupyter-kernelspec"), "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    found = json.loads(listed.stdout)["kernelspecs"]["fashionlab"]["resource_dir"]
    assert Path(found) == prefix / "share" / "jupyter" / "kernels" / "fashionlab"
    script = tmp_path / "where.py"
    script.write_text("import sys, fashionlab\nprint(sys.prefix, fashionlab.__file__)\n")
    ran = subprocess.run(
        [str(venv / "bin" / "jupyter-run"), "--kernel=fashionlab", str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    prefix_seen, module = ran.stdout.split()
    assert Path(prefix_seen).resolve() == venv.resolve()
    assert Path(module).resolve() == (root / "src" / "fashionlab" / "__init__.py").resolve()
