"""Command line: ``autograd-core`` (or ``python -m autograd_core``).

    autograd-core demo                    the notes' examples, then digits training, graphs, plots
    autograd-core train --dataset digits  fit an MLP (see ``autograd-core train -h``)
    autograd-core graph --example notes --mode reverse --out out/notes.svg
    autograd-core plots --out out/plots
    autograd-core bench mlp small_ops     the benchmark suites (from a repository checkout)

A mistake of the user's (a bad option value, an unwritable --out, a corrupt checkpoint, a
diverged run, no ``dot`` program, Ctrl-C) prints one line on stderr, "autograd-core
<command>: <what is wrong>", and exits with status 2 for an unusable option value, 1 for a
failed run, 130 for Ctrl-C; a traceback means a bug.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys

NO_DOT = ("the graphviz program 'dot' was not found on PATH; install graphviz (e.g. "
          "apt-get install graphviz, brew install graphviz) to draw graphs")


def _example_graph(example):
    """The root tensor (after backward) and the model, for ``graph --example``."""
    from .examples import notes_f, notes_j

    if example == "notes":
        root, _ = notes_f()
        model = None
    elif example == "j":
        root, _ = notes_j()
        model = None
    else:
        import numpy as np

        import nn

        from .creation import tensor

        model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        x = tensor(np.random.default_rng(2).standard_normal((5, 4)), name="x")
        root = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0, 1]))
        root.name = "loss"
    root.backward(retain_graph=True)
    return root, model


def write_graph(example, mode, out, naming="h", fmt="svg", local_grads=False, rankdir="LR"):
    """Render an example graph to ``out`` (its suffix is replaced by ``fmt``); returns the path.

    Raises ``UserError`` for an ``out`` that is a directory or cannot be written, and when
    graphviz's ``dot`` is missing or fails."""
    import graphviz

    import viz
    from nn.cli import UserError, writable_dir

    out = pathlib.Path(out)
    if out.is_dir():
        raise UserError(f"--out {out} is a directory; give a file such as {out / 'graph.svg'}")
    writable_dir(out.parent, "the folder of --out")
    root, model = _example_graph(example)
    dot = viz.draw_graph(root, naming=naming, mode=mode, show_local_grads=local_grads,
                         rankdir=rankdir, model=model)
    try:
        return dot.render(out.with_suffix(""), format=fmt, cleanup=True)
    except graphviz.ExecutableNotFound:
        raise UserError(NO_DOT) from None
    except graphviz.CalledProcessError as error:
        lines = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"dot failed (exit status {error.returncode})"
                        + (f": {lines[0]}" if lines else "")) from None


def require_dot():
    """``UserError`` unless graphviz's ``dot`` is on PATH (checked before a long demo)."""
    from nn.cli import UserError

    if shutil.which("dot") is None:
        raise UserError(NO_DOT)


def write_plots(directory):
    """Every figure of ``viz`` as PNGs in ``directory``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import viz
    from nn.cli import writable_dir

    directory = pathlib.Path(writable_dir(directory))
    figures = {
        "activations": viz.plot_activations,
        "loss_surface": viz.plot_loss_surface,
        "gradient_flow": viz.plot_gradient_flow,
        "optimizer_paths": viz.plot_optimizer_paths,
        "decision_boundary_moons": _moons_boundary,
    }
    paths = []
    for name, make in figures.items():
        path = directory / f"{name}.png"
        make().savefig(path, dpi=110)
        paths.append(str(path))
    return paths


def _moons_boundary():
    """A small MLP fitted to the two moons, and its decision boundary."""
    import nn
    import viz

    X, y = nn.data.make_moons(300, noise=0.15, rng=0)
    model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.Tanh(), nn.Linear(16, 2, rng=1))
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), 32, shuffle=True, rng=0)
    nn.fit(model, loader, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), 0.02), 40,
           progress=False)
    return viz.plot_decision_boundary(model, X, y)


def _bench(args):
    """Run ``benchmarks/run.py`` in a fresh interpreter (it sets thread counts before numpy
    is imported)."""
    from nn.cli import UserError

    root = pathlib.Path(__file__).resolve().parent.parent
    runner = root / "benchmarks" / "run.py"
    if not runner.exists():
        raise UserError("benchmarks/run.py is not here; the benchmarks live in the repository, "
                        "so run this from a checkout (see README)")
    command = [sys.executable, str(runner)]
    if args.list:
        command.append("--list")
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    return subprocess.call(command + list(args.suites), cwd=root)


def _demo(args):
    from .demo import main as demo

    return demo(args.out, train=not args.no_train)


def _graph(args):
    path = write_graph(args.example, args.mode, args.out, args.naming, args.format,
                       args.local_grads, args.rankdir)
    print(f"wrote {path}")
    return 0


def _plots(args):
    for path in write_plots(args.out):
        print(f"wrote {path}")
    return 0


def _graph_file(text):
    """argparse ``type`` of ``graph --out``: a path that names a file."""
    if pathlib.Path(text).name in ("", ".", ".."):
        raise argparse.ArgumentTypeError(f"expected a file path such as out/graph.svg, "
                                         f"got {text!r}")
    return text


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: "<prog>: error: <message> (see <prog> -h)"."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} -h)\n")


def main(argv=None):
    from nn.cli import (add_train_parser, non_empty, positive_int, report_errors,
                        run_train)

    parser = _Parser(
        prog="autograd-core", description="numpy autodiff engine: demos and tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="the notes' worked examples, digits training, "
                                            "graphs and plots")
    demo.add_argument("--out", type=non_empty, default="out",
                      help="folder for the graphs, plots and checkpoint")
    demo.add_argument("--no-train", action="store_true", help="skip the digits training")
    add_train_parser(commands)
    graph = commands.add_parser("graph", help="draw a computation graph with graphviz")
    graph.add_argument("--example", choices=["notes", "j", "mlp"], default="notes",
                       help="notes: f(x;w,b) = 1/(exp(-(wx+b))+1); j: J(a,b,c) = 3(a+bc); "
                            "mlp: a 4-8-3 MLP with cross-entropy")
    graph.add_argument("--mode", choices=["plain", "forward", "reverse"], default="plain")
    graph.add_argument("--naming", choices=["auto", "h"], default="h")
    graph.add_argument("--local-grads", action="store_true",
                       help="label edges with local partial derivatives")
    graph.add_argument("--rankdir", choices=["LR", "TB"], default="LR")
    graph.add_argument("--format", choices=["svg", "png", "pdf"], default="svg")
    graph.add_argument("--out", type=_graph_file, default="out/graph.svg",
                       help="output file (its suffix becomes --format's)")
    plots = commands.add_parser("plots", help="write the figures of the notes as PNGs")
    plots.add_argument("--out", type=non_empty, default="out/plots", help="output folder")
    bench = commands.add_parser("bench", help="run benchmark suites (from a checkout of the "
                                              "repository, where benchmarks/ lives)")
    bench.add_argument("suites", nargs="*", help="suites to run (default: all)")
    bench.add_argument("--threads", type=positive_int,
                       help="BLAS/OpenMP threads for every library")
    bench.add_argument("--list", action="store_true", help="list the suites")
    args = parser.parse_args(argv)
    if args.command == "train":
        return run_train(args)  # reports its own errors (nn.cli is also used on its own)
    run = {"demo": _demo, "graph": _graph, "plots": _plots, "bench": _bench}[args.command]
    return report_errors(args.command, run, args)


if __name__ == "__main__":
    sys.exit(main())
