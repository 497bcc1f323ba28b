"""The example notebook (analyses/example_walkthrough.py) executes top to bottom (issue 7.5).

The jupytext "percent" file is converted to a notebook and run in a fresh python3 kernel
with nbclient, so the walkthrough can never go stale; every result it shows must render as
an HTML table and every figure as an image. The analyses are also checked to open as
notebooks (markdown text and code cells).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ANALYSES = Path(__file__).resolve().parents[1] / "analyses"
WALKTHROUGH = ANALYSES / "example_walkthrough.py"


@pytest.fixture(scope="module")
def kernel() -> str:
    """The python3 kernel; its spec is installed into this environment when missing."""
    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
                       check=True, capture_output=True)
    return "python3"


@pytest.fixture(scope="module")
def executed(kernel, tmp_path_factory) -> nbformat.NotebookNode:
    notebook = jupytext.read(WALKTHROUGH)
    folder = tmp_path_factory.mktemp("walkthrough")
    NotebookClient(notebook, timeout=600, kernel_name=kernel,
                   resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(notebook, folder / "example_walkthrough.ipynb")  # the .ipynb, generated
    return notebook


def _outputs(notebook: nbformat.NotebookNode, start: str) -> list[dict]:
    cells = [c for c in notebook.cells if c.cell_type == "code"
             and any(line.startswith(start) for line in c.source.splitlines())]
    assert cells, f"no code cell has a line starting with {start!r}"
    return cells[0].outputs


def test_walkthrough_runs_without_errors_or_warnings(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert len(code) >= 15 and all("execution_count" in c for c in code)
    streams = [o.text for c in code for o in c.outputs if o.output_type == "stream"]
    assert not any("Warning" in text for text in streams), streams


@pytest.mark.parametrize("start", ["status = ", "incidence(", "resolution(", "crude = ",
                                   "adjusted = ", "design = "])
def test_results_render_as_html(executed, start):
    shown = [o for o in _outputs(executed, start) if o.output_type == "execute_result"]
    assert shown and "text/html" in shown[0].data
    assert "<table" in shown[0].data["text/html"]


def test_validation_failures_are_shown(executed):
    html = next(o.data["text/html"] for o in _outputs(executed, "broken = ")
                if o.output_type == "execute_result")
    assert "participants" in html and "lesion_reads" in html


@pytest.mark.parametrize("start", ["transition_plot(", "forest_plot("])
def test_figures_are_drawn(executed, start):
    assert any("image/png" in o.get("data", {}) for o in _outputs(executed, start))


def test_analyses_open_as_notebooks():
    for path in sorted(ANALYSES.glob("[0-9][0-9]_*.py")):
        notebook = jupytext.read(path)
        kinds = {c.cell_type for c in notebook.cells}
        assert kinds == {"markdown", "code"}, path.name
        assert notebook.cells[0].cell_type == "markdown", path.name
        assert any("def run(" in c.source for c in notebook.cells), path.name
