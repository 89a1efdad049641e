"""`make demo` / `autograd-core demo`: the notes' worked examples, computed by the engine
and checked against numerical differentiation; then digits training, graphs and plots."""

from __future__ import annotations

import argparse
import os
import pathlib
from collections.abc import Callable

import numpy as np

import autograd_core as ag
from autograd_core.examples import notes_f, notes_j

from .errors import writable_dir
from .figures import require_dot, write_graph, write_plots
from .train import add_train_parser, run_train

H_RULES = {
    "h1": "w * x",
    "h2": "h1 + b",
    "h3": "-h2",
    "h4": "exp(h3)",
    "h5": "h4 + 1",
    "h6": "1 / h5",
}


def _check(name: str, analytic: float, numeric: float) -> bool:
    """Print one gradient against its central-difference estimate; True if they agree."""
    ok = abs(analytic - numeric) <= 1e-6 + 1e-4 * abs(numeric)
    mark = "ok" if ok else "MISMATCH"
    print(f"  d/d{name:<2} autodiff {analytic: .6f}   numerical {numeric: .6f}   {mark}")
    return ok


def notes_example(out: Callable[[str], None] = print) -> bool:
    """f(x;w,b) = 1/(exp(-(wx+b))+1) at x=1, w=0, b=0: values, both modes, numerics."""
    out("f(x; w, b) = 1 / (exp(-(w x + b)) + 1)   at x = 1, w = 0, b = 0\n")
    _notes_table(out)
    f, nodes = notes_f()
    f.backward()
    numeric = ag.numerical_grad(
        lambda w, b: 1 / ((-(w * 1.0 + b)).exp() + 1), [nodes["w"].detach(), nodes["b"].detach()]
    )
    out("  gradient check (central differences, eps = 1e-6):")
    ok = _check("w", nodes["w"].grad.item(), numeric[0].item())
    ok &= _check("b", nodes["b"].grad.item(), numeric[1].item())
    ok &= np.isclose(nodes["w"].grad.item(), 0.25) and np.isclose(nodes["b"].grad.item(), 0.25)
    return ok


def _notes_table(out: Callable[[str], None]) -> None:
    """The h1..h6 table of f: each node's rule and value, its forward-mode tangent dh/dw and
    its reverse-mode adjoint df/dh."""
    # forward mode: w carries the tangent dw/dw = 1, so every h_i carries dh_i/dw
    w = ag.dual(ag.Tensor(0.0, requires_grad=True), ag.Tensor(1.0))
    f, nodes = notes_f(1.0, w, ag.Tensor(0.0, requires_grad=True))
    hs = [nodes[f"h{i}"] for i in range(1, 7)]
    # reverse mode: the adjoints df/dh_i of every intermediate node, in one backward pass
    adjoints = ag.grad(f, hs + [nodes["w"], nodes["b"]], retain_graph=True)
    out(f"  {'node':<4} {'rule':<9} {'value':>9}   {'forward: dh/dw':>15}   {'reverse: df/dh':>15}")
    for i, h in enumerate(hs):
        name = f"h{i + 1}"
        out(
            f"  {name:<4} {H_RULES[name]:<9} {h.item() + 0.0:>9.4f}   {h.tangent.item():>15.4f}"
            f"   {adjoints[i].item():>15.4f}"
        )
    out(
        f"  forward mode ends at df/dw = {hs[-1].tangent.item():.4f} (dh6/dw); "
        f"reverse mode ends at df/dw = {adjoints[6].item():.4f}, "
        f"df/db = {adjoints[7].item():.4f}\n"
    )


def j_example(out: Callable[[str], None] = print) -> bool:
    """J(a,b,c) = 3(a + bc) at a=5, b=3, c=2: J = 33, dJ/da = 3, dJ/db = 6, dJ/dc = 9."""
    J, nodes = notes_j()
    out(
        f"\nJ(a, b, c) = 3(a + bc)   at a = 5, b = 3, c = 2:  u = bc = {nodes['u'].item():g}, "
        f"v = a + u = {nodes['v'].item():g}, J = 3v = {J.item():g}"
    )
    J.backward()
    values = [nodes[k].detach() for k in "abc"]
    numeric = ag.numerical_grad(lambda a, b, c: 3 * (a + b * c), values)
    ok = True
    for name, num in zip("abc", numeric):
        ok &= _check(name, nodes[name].grad.item(), num.item())
    expected = {"a": 3.0, "b": 6.0, "c": 9.0}
    ok &= all(np.isclose(nodes[k].grad.item(), v) for k, v in expected.items())
    return ok


def run_demo(out: str | os.PathLike[str] = "out", train: bool = True) -> int:
    """The walk-through, then digits training, graphs and plots written under ``out``;
    returns the exit status (0 when every check passed).

    Raises ``UserError`` before anything runs when ``out`` cannot be written or the
    graphviz ``dot`` program is missing (the graphs come after a minute of training)."""
    writable_dir(out)
    require_dot()
    ok = notes_example()
    ok &= j_example()
    print("\nall checks passed" if ok else "\nSOME CHECKS FAILED")
    if train:
        ok &= _train_digits(pathlib.Path(out, "train")) == 0
    _write_figures(pathlib.Path(out))
    return 0 if ok else 1


def _write_figures(out: pathlib.Path) -> None:
    """The notes' computation graphs and the figures, each path printed once written."""
    print(
        "\nDrawing the notes' computation graph (plain, forward, reverse), the MLP's, and a "
        "page that steps through the notes' example:"
    )
    for mode in ("plain", "forward", "reverse"):
        path = out / f"notes_{mode}.svg"
        print(f"  wrote {write_graph('notes', mode, path, local_grads=mode == 'plain')}")
    print(f"  wrote {write_graph('mlp', 'plain', out / 'mlp.svg', naming='auto')}")
    page = pathlib.Path(
        write_graph("notes", "reverse", out / "notes_step_through.html", fmt="html")
    )
    print(f"  wrote {page}: the forward and backward pass of f, step by step")
    print(f"  open it in a browser: {page.resolve().as_uri()}")
    print(
        "Plotting activations, loss surface, gradient flow, optimiser paths and a decision "
        "boundary (about 10 s) ...",
        flush=True,
    )
    for path in write_plots(out / "plots"):
        print(f"  wrote {path}")


def _train_digits(out: pathlib.Path) -> int:
    """``autograd-core train --dataset digits --out <out>`` with the other options at their
    defaults; its exit status."""
    print(
        "\nTraining an MLP 64-128-10 with Adam on the 8x8 digits: 20% held out as the test "
        "set, 10% of the rest as the validation set (72/8/20):"
    )
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers(dest="command"))
    return run_train(parser.parse_args(["train", "--dataset", "digits", "--out", str(out)]))
