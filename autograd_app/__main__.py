"""Command line: ``autograd-core`` (or ``python -m autograd_app``).

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

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys
from collections.abc import Sequence
from typing import NoReturn

from .demo import run_demo
from .errors import UserError, report_errors
from .figures import write_graph, write_plots
from .options import file_path, non_empty, positive_int
from .train import add_train_parser, run_train


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: "<prog>: error: <message> (see <prog> -h)"."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} -h)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``autograd-core`` with ``argv`` (default: the process's arguments); returns the
    exit status. A usage error exits (status 2) from argparse."""
    parser = _Parser(prog="autograd-core", description="numpy autodiff engine: demos and tools")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo_parser(commands)
    add_train_parser(commands)
    _add_graph_parser(commands)
    _add_plots_parser(commands)
    _add_bench_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "train":
        return run_train(args)  # reports its own errors (the demo runs it too)
    run = {"demo": _demo, "graph": _graph, "plots": _plots, "bench": _bench}[args.command]
    return report_errors(args.command, run, args)


def _add_demo_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``demo`` subcommand: its --out folder, and --no-train."""
    demo = commands.add_parser(
        "demo", help="the notes' worked examples, digits training, graphs and plots"
    )
    demo.add_argument(
        "--out", type=non_empty, default="out", help="folder for the graphs, plots and checkpoint"
    )
    demo.add_argument("--no-train", action="store_true", help="skip the digits training")


def _add_graph_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``graph`` subcommand: which example, how to draw it, and the file."""
    graph = commands.add_parser("graph", help="draw a computation graph with graphviz")
    graph.add_argument(
        "--example",
        choices=["notes", "j", "mlp"],
        default="notes",
        help="notes: f(x;w,b) = 1/(exp(-(wx+b))+1); j: J(a,b,c) = 3(a+bc); "
        "mlp: a 4-8-3 MLP with cross-entropy",
    )
    graph.add_argument("--mode", choices=["plain", "forward", "reverse"], default="plain")
    graph.add_argument("--naming", choices=["auto", "h"], default="h")
    graph.add_argument(
        "--local-grads", action="store_true", help="label edges with local partial derivatives"
    )
    graph.add_argument("--rankdir", choices=["LR", "TB"], default="LR")
    graph.add_argument("--format", choices=["svg", "png", "pdf"], default="svg")
    graph.add_argument(
        "--out",
        type=file_path,
        default="out/graph.svg",
        help="output file (its suffix becomes --format's)",
    )


def _add_plots_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``plots`` subcommand and its output folder."""
    plots = commands.add_parser("plots", help="write the figures of the notes as PNGs")
    plots.add_argument("--out", type=non_empty, default="out/plots", help="output folder")


def _add_bench_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``bench`` subcommand: the suites to run, their threads, or the list."""
    bench = commands.add_parser(
        "bench",
        help="run benchmark suites (from a checkout of the repository, where benchmarks/ lives)",
    )
    bench.add_argument("suites", nargs="*", help="suites to run (default: all)")
    bench.add_argument("--threads", type=positive_int, help="BLAS/OpenMP threads for every library")
    bench.add_argument("--list", action="store_true", help="list the suites")


def _demo(args: argparse.Namespace) -> int:
    return run_demo(args.out, train=not args.no_train)


def _graph(args: argparse.Namespace) -> int:
    path = write_graph(
        args.example, args.mode, args.out, args.naming, args.format, args.local_grads, args.rankdir
    )
    print(f"wrote {path}")
    return 0


def _plots(args: argparse.Namespace) -> int:
    for path in write_plots(args.out):
        print(f"wrote {path}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    """Run ``benchmarks/run.py`` in a fresh interpreter (it sets thread counts before numpy
    is imported)."""
    root = pathlib.Path(__file__).resolve().parent.parent
    runner = root / "benchmarks" / "run.py"
    if not runner.exists():
        raise UserError(
            "benchmarks/run.py is not here; the benchmarks live in the repository, "
            "so run this from a checkout (see README)"
        )
    command = [sys.executable, str(runner)]
    if args.list:
        command.append("--list")
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    return subprocess.call(command + list(args.suites), cwd=root)


if __name__ == "__main__":
    sys.exit(main())
