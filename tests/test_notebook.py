"""The completed assignment notebook runs top to bottom from a clean kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "assignment.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "YOUR CODE HERE" not in cell.source and "YOUR ANSWER HERE" not in cell.source
    source = "\n".join(cell.source for cell in notebook.cells)
    for name in ("get_data_subset", "train_test_validation_split", "bias_trick", "sigmoid",
                 "binary_cross_entropy", "binary_cross_entropy_derivative", "accuracy",
                 "predict", "logistic_regression", "show_image", "plot_losses",
                 "plot_accuracies"):  # fmt: skip
        assert f"{name}(" in source, name


@pytest.mark.slow
@pytest.mark.realdata
def test_notebook_runs_from_a_clean_kernel(real_data_dir: Path, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    parameters.source = "POINTS = 600\nEPOCHS = 3"
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
                     for o in outputs)  # fmt: skip
    assert "All 8 questions answered from measured results." in text
    assert "Compressed dimension of 784 to 50 maintaining" in text
    assert "validation accuracy" in text
