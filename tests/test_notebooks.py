"""Execute every notebook in notebooks/ top to bottom; any cell error fails the test.

The notebooks check their own claims (each verified quantity is asserted in the cell that
prints it), so a library change that breaks a result fails here too. Needs nbformat, nbclient
and ipykernel; the whole module is skipped when they are missing. The kernel is ``python3``,
which jupyter_client resolves to the interpreter running pytest (the project's venv).
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

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.fixture(autouse=True)
def _single_threaded_blas(monkeypatch):
    # inherited by the kernel: small arrays gain nothing from BLAS threads, and on a busy
    # 2-core machine multi-threaded BLAS can be several times slower
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


def test_kernel_is_this_interpreter():
    """The python3 kernel runs the interpreter that runs the tests (the project's venv)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")])
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    printed = nb.cells[0].outputs[0]["text"].strip()
    assert os.path.abspath(printed) == os.path.abspath(sys.prefix)  # a venv has its own prefix


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
