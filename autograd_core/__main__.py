"""Command line: ``autograd-core`` (or ``python -m autograd_core``)."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="autograd-core", description="numpy autodiff engine: demos and tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the notes' worked examples, checked numerically")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import main as demo

        return demo()
    return 2


if __name__ == "__main__":
    sys.exit(main())
