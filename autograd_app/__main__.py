"""Command line: ``autograd-core`` (or ``python -m autograd_app``).

    autograd-core demo                    the notes' examples, then digits training, graphs, plots
    autograd-core train --dataset digits  fit an MLP (see ``autograd-core train -h``)
    autograd-core graph --example notes --mode reverse --out out/notes.png
    autograd-core graph --example notes --mode reverse --out out/notes.html   (step through it)
    autograd-core plots --out out/plots
    autograd-core bench mlp small_ops     the benchmark suites (from a repository checkout)
    autograd-core --version               autograd-core 0.1.0

``graph`` writes the format that --format names, else the one that the suffix of --out names
(.svg, .png, .pdf, or .html: an interactive page that steps through the forward and backward
pass); a name that disagrees with the format is refused, never written.

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
from typing import Any, NoReturn

import autograd_core as ag

from .demo import run_demo
from .errors import UserError, report_errors
from .figures import write_graph, write_plots
from .options import HelpFormatter, file_path, non_empty, positive_int
from .train import add_train_parser, run_train

GRAPH_FORMATS = ("svg", "png", "pdf", "html")


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: "<prog>: error: <message> (see <prog> -h)", and
    ``HelpFormatter``'s help (plain defaults, choices in words) unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``autograd-core`` parser with its subcommands demo, train, graph, plots, bench."""
    parser = _Parser(
        prog="autograd-core",
        description="numpy autodiff engine: demos and tools",
        epilog="autograd-core COMMAND -h describes the options of COMMAND",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"autograd-core {ag.__version__}",
        help="print the version and exit",
    )
    commands = parser.add_subparsers(
        title="commands", dest="command", required=True, metavar="COMMAND"
    )
    _add_demo_parser(commands)
    add_train_parser(commands)
    _add_graph_parser(commands)
    _add_plots_parser(commands)
    _add_bench_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``autograd-core`` with ``argv`` (default: the process's arguments); returns the
    exit status. A usage error exits (status 2) from argparse."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        return run_train(args)  # reports its own errors (the demo runs it too)
    run = {"demo": _demo, "graph": _graph, "plots": _plots, "bench": _bench}[args.command]
    return report_errors(args.command, run, args)


def graph_format(out: str, given: str | None) -> str:
    """The format of ``graph``: ``--format`` if given, else the suffix of ``--out`` (svg when
    it has none). A suffix that is not svg, png, pdf or html without --format, or one that differs
    from --format, is refused (status 2): the file's name must say what it holds."""
    suffix = pathlib.PurePath(out).suffix.lower().lstrip(".")
    if given is None:
        if suffix and suffix not in GRAPH_FORMATS:
            raise UserError(
                f"--out {out}: cannot tell the format from the suffix .{suffix}; "
                "end it with .svg, .png, .pdf or .html, or give --format",
                status=2,
            )
        return suffix or "svg"
    if suffix and suffix != given:
        raise UserError(
            f"--out {out} ends in .{suffix} but --format is {given}; make them agree", status=2
        )
    return given


def _add_demo_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``demo`` subcommand: its --out folder, and --no-train."""
    about = "the notes' worked examples, digits training, graphs and plots"
    demo = commands.add_parser("demo", help=about, description=about)
    demo.add_argument(
        "--out", type=non_empty, default="out", help="folder for the graphs, plots and checkpoint"
    )
    demo.add_argument("--no-train", action="store_true", help="skip the digits training")


def _add_graph_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``graph`` subcommand: which example, how to draw it, and the file."""
    about = "draw a computation graph with graphviz"
    graph = commands.add_parser("graph", help=about, description=about)
    graph.add_argument(
        "--example",
        choices=["notes", "j", "mlp"],
        default="notes",
        help="the function drawn: notes is f(x;w,b) = 1/(exp(-(wx+b))+1), j is "
        "J(a,b,c) = 3(a+bc), mlp is a 4-8-3 MLP with cross-entropy",
    )
    graph.add_argument(
        "--mode",
        choices=["plain", "forward", "reverse"],
        default="plain",
        help="what each tensor shows besides its value: nothing (plain), its tangent "
        "(forward mode) or its adjoint (reverse mode); the html page steps through the "
        "forward pass, then (reverse, or plain) the backward pass",
    )
    graph.add_argument(
        "--naming",
        choices=["auto", "h"],
        default="h",
        help="h names the intermediate results h1, h2, ... as in the notes; "
        "auto uses the tensors' own names",
    )
    graph.add_argument(
        "--local-grads", action="store_true", help="label edges with local partial derivatives"
    )
    graph.add_argument(
        "--rankdir",
        choices=["LR", "TB"],
        default="LR",
        help="layout direction: LR left to right, TB top to bottom",
    )
    graph.add_argument(
        "--format",
        choices=GRAPH_FORMATS,
        help="file format: svg, png or pdf (a drawing) or html (a page that steps through "
        "the passes; open it in a browser) (default: the suffix of --out)",
    )
    graph.add_argument(
        "--out",
        type=file_path,
        default="out/graph.svg",
        help="output file; its suffix, .svg, .png, .pdf or .html, sets the format",
    )


def _add_plots_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``plots`` subcommand and its output folder."""
    about = "write the figures of the notes as PNGs"
    plots = commands.add_parser("plots", help=about, description=about)
    plots.add_argument("--out", type=non_empty, default="out/plots", help="output folder")


def _add_bench_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``bench`` subcommand: the suites to run, their threads, or the list."""
    about = "run benchmark suites (from a checkout of the repository, where benchmarks/ lives)"
    bench = commands.add_parser("bench", help=about, description=about)
    bench.add_argument("suites", nargs="*", help="suites to run (default: all; see --list)")
    bench.add_argument(
        "--threads",
        type=positive_int,
        help="BLAS/OpenMP threads for every library (default: each library's own)",
    )
    bench.add_argument("--list", action="store_true", help="list the suites")


def _demo(args: argparse.Namespace) -> int:
    return run_demo(args.out, train=not args.no_train)


def _graph(args: argparse.Namespace) -> int:
    fmt = graph_format(args.out, args.format)
    path = write_graph(
        args.example, args.mode, args.out, args.naming, fmt, args.local_grads, args.rankdir
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
