"""Build the teaching notebooks from their Python sources, and execute them.

    python notebooks/build.py              # write every notebook and run it (outputs stored)
    python notebooks/build.py 03 05        # only the notebooks whose name starts with 03 / 05
    python notebooks/build.py --no-execute # write the cells only (no outputs)

Each notebook ``NN_name.ipynb`` is built from ``NN_name.py``, a script in jupytext's percent
format: ``# %%`` starts a code cell and ``# %% [markdown]`` a prose cell written as comments.
Executing needs ``nbclient`` and ``ipykernel`` in the interpreter that runs this script (the
project's venv); the kernel ``python3`` then resolves to that same interpreter (jupyter_client
replaces the kernelspec's ``python`` by ``sys.executable``). The notebooks are seeded, so a
rebuild changes only the timings they print.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import jupytext
import nbformat

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = sorted(HERE.glob("[0-9][0-9]_*.py"))
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def read_source(source: pathlib.Path) -> nbformat.NotebookNode:
    """Turn a percent-format source into a notebook with stable cell ids and a python3 kernel."""
    nb = jupytext.read(source, fmt="py:percent")
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"  # stable ids keep rebuilds diff-free
        cell.metadata.pop("lines_to_next_cell", None)  # the source's blank lines, not a notebook's
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def execute(nb: nbformat.NotebookNode, path: pathlib.Path) -> float:
    """Run every cell in a fresh kernel started in notebooks/; return the seconds it took.

    On a cell error the notebook is still written to ``path``, with the outputs so far.
    """
    from nbclient import NotebookClient

    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    try:
        client.execute()
    except Exception:
        nbformat.write(nb, path)  # keep the partial outputs for inspection
        raise
    return time.perf_counter() - start


def build(source: pathlib.Path, run: bool = True) -> tuple[pathlib.Path, float | None]:
    """Write ``source``'s notebook next to it, executed unless ``run`` is false."""
    nb = read_source(source)
    path = source.with_suffix(".ipynb")
    seconds = execute(nb, path) if run else None
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path, seconds


def main(argv: list[str]) -> None:
    """Build the notebooks whose names start with one of the prefixes in ``argv`` (or all)."""
    # The arrays here are small; on a 2-core machine shared with other work, multi-threaded
    # BLAS can be several times slower than one thread. The kernels inherit this setting.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    run = "--no-execute" not in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    chosen = [s for s in SOURCES if not prefixes or s.name.startswith(tuple(prefixes))]
    if not chosen:
        sys.exit(f"no notebook matches {prefixes}; known: {[s.stem for s in SOURCES]}")
    for source in chosen:
        path, seconds = build(source, run)
        timing = f" (executed in {seconds:.1f} s)" if seconds is not None else ""
        print(f"wrote {path.relative_to(HERE.parent)}{timing}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
