"""The library's error types, and the messages that describe an op's bad inputs.

An op that numpy cannot compute (shapes that do not broadcast, an index out of range, a
ragged list, a dtype tensors cannot hold) fails with an error that names the op and the
shapes it was given, rather than with numpy's message from deep inside ``forward``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["OpError", "OpTypeError", "CompileError"]


class OpError(ValueError):
    """A clear error raised by an op about its inputs (shapes, values)."""


class OpTypeError(TypeError):
    """A clear error raised by an op about the type of an argument."""


class CompileError(RuntimeError):
    """The function does something a captured graph cannot replay.

    Most are raised while tracing, before the function has finished. Those found after it
    ran to its end (a side effect on a value it reads, a random draw) have ``ran`` True and
    the call's return value in ``result``: the call happened, uncompiled."""

    ran = False
    result = None


def op_name(cls: type) -> str:
    """The name an op's errors use: its ``op_name``, else its class name in lower case."""
    return getattr(cls, "op_name", cls.__name__.lower())


def describe_failure(cls: type, args: tuple, exc: Exception) -> Exception:
    """Turn a numpy error deep inside forward into one that names the op and shapes."""
    name = op_name(cls)
    shapes = [_shape_of(a) for a in args]
    if cls.broadcasting and isinstance(exc, ValueError):
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            pretty = " and ".join(str(s) for s in shapes)
            return OpError(f"{name}: shapes {pretty} cannot be broadcast together")
    described = ", ".join(str(s) for s in shapes)
    message = f"{name}: invalid input for shapes ({described}): {exc}"
    if isinstance(exc, IndexError):
        return IndexError(message)
    if isinstance(exc, TypeError):
        return TypeError(message)
    return OpError(message)


def unsupported_dtype(cls: type, args: tuple, dtype: np.dtype) -> OpTypeError:
    """forward returned an array of a kind tensors cannot hold (complex, strings...)."""
    kinds = ", ".join(
        str(_shape_of(a)) if _array_of_tensor(a) is not None else type(a).__name__ for a in args
    )
    return OpTypeError(
        f"{op_name(cls)}: dtype {dtype} is not supported (inputs: {kinds}); tensors hold "
        "bool, int or float data"
    )


def ragged_operand(cls: type) -> OpError:
    """A list argument that is not rectangular."""
    return OpError(
        f"{op_name(cls)}: a ragged list is not a valid operand (data must be a "
        "rectangular nested list of numbers)"
    )


def non_numeric_operand(cls: type, dtype: np.dtype) -> OpTypeError:
    """A list argument whose elements are not numbers."""
    return OpTypeError(f"{op_name(cls)}: operands must be numeric, got dtype {dtype}")


def _array_of_tensor(a: Any) -> np.ndarray | None:
    """The array of a Tensor argument, None for anything else."""
    from .tensor import Tensor  # (tensor.py imports this module, through jit.capture)

    return a._data if isinstance(a, Tensor) else None


def _shape_of(a: Any) -> tuple[int, ...] | str:
    """The shape of an argument (a Tensor, an array, a number, a list), or its type's name
    for a ragged list."""
    array = _array_of_tensor(a)
    try:
        return np.shape(a if array is None else array)
    except ValueError:  # a ragged list
        return type(a).__name__
