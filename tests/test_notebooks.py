"""Execute every notebook source in notebooks/ top to bottom; any cell error fails the test.

The notebooks check their own claims (each verified quantity is asserted in the cell that
prints it), so a library change that breaks a result fails here too. Each notebook is run
from its percent-format source ``notebooks/NN_name.py``, and the committed ``.ipynb`` must
hold the same cells. Needs nbformat, nbclient, ipykernel and jupytext; the whole module is
skipped when they are missing. The kernel is ``python3``, which jupyter_client resolves to the
interpreter running pytest (the project's venv).
"""

import os
import pathlib
import sys

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="nbformat is not installed (pip install nbformat nbclient ipykernel)"
)
nbclient = pytest.importorskip(
    "nbclient", reason="nbclient is not installed (pip install nbformat nbclient ipykernel)"
)
pytest.importorskip(
    "ipykernel", reason="ipykernel is not installed (pip install nbformat nbclient ipykernel)"
)
jupytext = pytest.importorskip(
    "jupytext", reason="jupytext is not installed (pip install jupytext)"
)

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))


@pytest.fixture(autouse=True)
def _single_threaded_blas(monkeypatch):
    # inherited by the kernel: small arrays gain nothing from BLAS threads, and on a busy
    # 2-core machine multi-threaded BLAS can be several times slower
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


def test_kernel_is_this_interpreter():
    """The python3 kernel runs the interpreter that runs the tests (the project's venv)."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")]
    )
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    printed = nb.cells[0].outputs[0]["text"].strip()
    assert os.path.abspath(printed) == os.path.abspath(sys.prefix)  # a venv has its own prefix


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_matches_source(path):
    """The .ipynb next to each source was rebuilt after the source's last edit."""
    source = jupytext.read(path, fmt="py:percent")
    committed = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    cells = [(cell.cell_type, cell.source) for cell in source.cells]
    assert cells == [(cell.cell_type, cell.source) for cell in committed.cells], (
        f"{path.with_suffix('.ipynb').name} is stale: run python notebooks/build.py {path.name[:2]}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    nb = jupytext.read(path, fmt="py:percent")
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
