"""argparse ``type`` functions, each turning an option's text into its value or refusing it,
and the ``HelpFormatter`` of every subcommand's ``-h``.

A refused value is argparse's usage error (status 2) with a message that names what was
expected and what was given, e.g. "argument --lr: expected a finite number > 0, got '0'".
A value given is honoured or refused, never replaced by a default.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import re
from collections.abc import Callable


def _bounded(
    convert: Callable[[str], float], expected: str, low: float, low_allowed: bool
) -> Callable[[str], float]:
    """An argparse ``type``: ``convert(text)``, finite and above ``low`` (or equal to it when
    ``low_allowed``); else the message "expected <expected>, got '<text>'"."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if (
            value is None
            or (isinstance(value, float) and not math.isfinite(value))
            or value < low
            or (value == low and not low_allowed)
        ):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # argparse's fallback messages name the type
    return parse


positive_int = _bounded(int, "an integer >= 1", 1, True)
non_negative_int = _bounded(int, "an integer >= 0", 0, True)
positive_float = _bounded(float, "a finite number > 0", 0.0, False)
non_negative_float = _bounded(float, "a finite number >= 0", 0.0, True)


def non_empty(text: str) -> str:
    """A path: any string but the empty one."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got ''")
    return text


def file_path(text: str) -> str:
    """A path that names a file (``graph --out``): not empty, not ending in a folder."""
    if pathlib.Path(text).name in ("", ".", ".."):
        raise argparse.ArgumentTypeError(
            f"expected a file path such as out/graph.svg, got {text!r}"
        )
    return text


def onnx_file(text: str) -> str:
    """A path for an ONNX file (``train --export-onnx``): a file name ending in .onnx."""
    if pathlib.Path(text).name in ("", ".", "..") or pathlib.PurePath(text).suffix != ".onnx":
        raise argparse.ArgumentTypeError(
            f"expected a file path ending in .onnx, such as out/model.onnx, got {text!r}"
        )
    return text


def layer_sizes(text: str) -> list[int]:
    """Hidden layer sizes: "128" or "64,64" -> [128] / [64, 64]; "" -> [] (no hidden layer)."""
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        message = f"expected sizes like 128 or 64,64, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive, got {text!r}")
    return sizes


def in_words(choices: list[str]) -> str:
    """``["svg", "png", "pdf"]`` -> "svg, png or pdf"."""
    names = [str(choice) for choice in choices]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def shown_default(default: object) -> str | None:
    """How help text shows an option's default: ``[128]`` -> "128", like the option's own
    syntax; None for a default not worth showing (None, a flag's False or True, an empty list)."""
    if default is None or default is argparse.SUPPRESS or isinstance(default, bool):
        return None
    if isinstance(default, (list, tuple)):
        return ",".join(str(value) for value in default) or None
    return str(default)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with an option's choices in words when its help does not name them
    all ("svg, png or pdf") and "(default: X)" when the default is a real value that its
    help does not already state."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        words = set(re.findall(r"[\w-]+", help_text))
        if action.choices and not all(str(choice) in words for choice in action.choices):
            help_text += f"; one of {_escaped(in_words(list(action.choices)))}"
        default = shown_default(action.default)
        if default is not None and "default" not in help_text:
            help_text += f" (default: {_escaped(default)})"
        return help_text


def _escaped(text: str) -> str:
    """``text`` safe inside an argparse help string (which is %-formatted)."""
    return text.replace("%", "%%")
