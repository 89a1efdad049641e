"""Command line: ``autograd-core`` (or ``python -m autograd_core``)."""

import argparse
import pathlib
import sys


def _graph(args):
    import viz

    from .examples import notes_f, notes_j

    if args.example == "notes":
        root, _ = notes_f()
    else:
        root, _ = notes_j()
    root.backward(retain_graph=True)
    dot = viz.draw_graph(root, naming=args.naming, mode=args.mode,
                         show_local_grads=args.local_grads, rankdir=args.rankdir)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("") if out.suffix.lstrip(".") == args.format else out
    path = dot.render(stem, format=args.format, cleanup=True)
    print(f"wrote {path}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="autograd-core", description="numpy autodiff engine: demos and tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the notes' worked examples, checked numerically")
    graph = commands.add_parser("graph", help="draw a computation graph with graphviz")
    graph.add_argument("--example", choices=["notes", "j"], default="notes",
                       help="notes: f(x;w,b) = 1/(exp(-(wx+b))+1); j: J(a,b,c) = 3(a+bc)")
    graph.add_argument("--mode", choices=["plain", "forward", "reverse"], default="plain")
    graph.add_argument("--naming", choices=["auto", "h"], default="h")
    graph.add_argument("--local-grads", action="store_true",
                       help="label edges with local partial derivatives")
    graph.add_argument("--rankdir", choices=["LR", "TB"], default="LR")
    graph.add_argument("--format", choices=["svg", "png", "pdf"], default="svg")
    graph.add_argument("--out", default="out/graph.svg", help="output file")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import main as demo

        return demo()
    if args.command == "graph":
        return _graph(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
