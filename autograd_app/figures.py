"""The ``graph`` and ``plots`` subcommands: computation graphs (graphviz) and the figures of
the notes (matplotlib) written to files."""

from __future__ import annotations

import os
import pathlib
import shutil
from collections.abc import Iterator

import numpy as np

import autograd_core as ag
import nn
import viz
from autograd_core.examples import notes_f, notes_j

from .errors import UserError, writable_dir

NO_DOT = (
    "the graphviz program 'dot' was not found on PATH; install graphviz (e.g. "
    "apt-get install graphviz, brew install graphviz) to draw graphs"
)


def _example_graph(example: str) -> tuple[ag.Tensor, nn.Module | None]:
    """The root tensor (after backward) and the model, for ``graph --example``."""
    if example == "notes":
        root, _ = notes_f()
        model = None
    elif example == "j":
        root, _ = notes_j()
        model = None
    else:
        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        x = ag.tensor(np.random.default_rng(2).standard_normal((5, 4)), name="x")
        root = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0, 1]))
        root.name = "loss"
    root.backward(retain_graph=True)
    return root, model


def write_graph(
    example: str,
    mode: str,
    out: str | os.PathLike[str],
    naming: str = "h",
    fmt: str = "svg",
    local_grads: bool = False,
    rankdir: str = "LR",
) -> str:
    """Render an example graph to ``out`` (its suffix is replaced by ``fmt``); returns the path.

    ``fmt="html"`` writes ``viz.step_through``'s page instead of a drawing: the forward pass,
    then (``mode`` "reverse", or "plain") the backward pass, step by step.

    Raises ``UserError`` for an ``out`` that is a directory or cannot be written, and when
    graphviz's ``dot`` is missing or fails."""
    import graphviz

    out = pathlib.Path(out)
    if out.is_dir():
        raise UserError(f"--out {out} is a directory; give a file such as {out / 'graph.svg'}")
    writable_dir(out.parent, "the folder of --out")
    root, model = _example_graph(example)
    try:
        if fmt == "html":
            page = viz.step_through(
                root, mode="forward" if mode == "forward" else "reverse", naming=naming, model=model
            )
            return page.save(out.with_suffix(".html"))
        dot = viz.draw_graph(
            root,
            naming=naming,
            mode=mode,
            show_local_grads=local_grads,
            rankdir=rankdir,
            model=model,
        )
        return dot.render(out.with_suffix(""), format=fmt, cleanup=True)
    except graphviz.ExecutableNotFound:
        raise UserError(NO_DOT) from None
    except graphviz.CalledProcessError as error:
        lines = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise UserError(
            f"dot failed (exit status {error.returncode})" + (f": {lines[0]}" if lines else "")
        ) from None


def require_dot() -> None:
    """``UserError`` unless graphviz's ``dot`` is on PATH (checked before a long demo)."""
    if shutil.which("dot") is None:
        raise UserError(NO_DOT)


def write_plots(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Every figure of ``viz`` as PNGs in ``directory``, yielding each path as soon as its
    file is written (the five take about 10 s: the caller can report them one by one)."""
    import matplotlib

    matplotlib.use("Agg")
    directory = pathlib.Path(writable_dir(directory))
    figures = {
        "activations": viz.plot_activations,
        "loss_surface": viz.plot_loss_surface,
        "gradient_flow": viz.plot_gradient_flow,
        "optimizer_paths": viz.plot_optimizer_paths,
        "decision_boundary_moons": _moons_boundary,
    }
    for name, make in figures.items():
        path = directory / f"{name}.png"
        make().savefig(path, dpi=110)
        yield str(path)


def _moons_boundary():
    """A small MLP fitted to the two moons, and its decision boundary (a matplotlib figure)."""
    X, y = nn.data.make_moons(300, noise=0.15, rng=0)
    model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.Tanh(), nn.Linear(16, 2, rng=1))
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), 32, shuffle=True, rng=0)
    nn.fit(
        model,
        loader,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(model.parameters(), 0.02),
        40,
        progress=False,
        log=False,
    )
    fig = viz.plot_decision_boundary(model, X, y)
    fig.axes[0].set_title(
        "Two moons: 2-16-2 MLP with Tanh, Adam, 40 epochs\n(shaded: the predicted class)"
    )
    return fig
