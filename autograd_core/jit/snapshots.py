"""Snapshots of values: what a guard compares a Python value by.

A number, a string or a tuple of them is compared by type and bits (``1`` is not ``True``,
``-0.0`` is not ``0.0``); a list, dict, set or numpy array, which can change in place, by a
frozen copy of its contents (``freeze``); any other object by identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import CompileError
from ..tensor import Tensor

__all__ = [
    "MAX_ITEMS",
    "MAX_ELEMENTS",
    "SCALARS",
    "explorable",
    "is_static",
    "is_mutable",
    "freeze",
]

MAX_ITEMS = 10_000  # a container compared on every call may hold at most this many items
MAX_ELEMENTS = 2**20  # and a numpy array at most this many elements (8 MiB of float64)


SCALARS = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    np.generic,
    np.dtype,
    range,
    type(Ellipsis),
    slice,
)


def explorable(value: Any) -> bool:
    return not isinstance(value, (Tensor, *SCALARS))


def is_static(value: Any) -> bool:
    """Is ``value`` a number, string or the like, or a tuple of such (a signature holds
    it by value)?"""
    if isinstance(value, (tuple, frozenset)):
        return all(is_static(v) for v in value)
    return isinstance(value, SCALARS)


def is_mutable(value: Any) -> bool:
    """Can ``value`` change in place (so that its contents are compared)?"""
    if isinstance(value, (list, dict, set, np.ndarray)):
        return True
    if isinstance(value, (tuple, frozenset)):
        return any(is_mutable(v) for v in value)
    return False


class _Same:
    """An object inside a frozen container: equal only to the very same object."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is _Same and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def freeze(value: Any, path: str = "a value", budget: list | None = None) -> Any:
    """A comparable snapshot of ``value``'s contents: equal snapshots mean equal types,
    bits and object identities throughout."""
    budget = [MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise CompileError(
            f"ag.compile: the function reads {path}, which holds more than {MAX_ITEMS} items; "
            "comparing them on every call would cost more than the call. Pass the data as an "
            "argument (a Tensor), or read it outside the function"
        )
    kind = type(value)
    if isinstance(value, (list, tuple)):
        return kind, tuple(freeze(v, path, budget) for v in value)
    if isinstance(value, dict):
        return kind, tuple(
            (freeze(k, path, budget), freeze(v, path, budget)) for k, v in value.items()
        )
    if isinstance(value, (set, frozenset)):
        return kind, frozenset(freeze(v, path, budget) for v in value)
    if isinstance(value, np.ndarray):
        if value.size > MAX_ELEMENTS:
            raise CompileError(
                f"ag.compile: the function reads {path}, a numpy array of shape "
                f"{value.shape}; comparing it with its traced value on every call would cost "
                "more than the call. Pass it as an argument, or wrap it in a Tensor (a Tensor "
                "read from outside is read afresh on every call)"
            )
        return kind, value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, (float, complex, np.generic)):
        return kind, np.asarray(value).tobytes()
    if isinstance(value, (type(None), bool, int, str, bytes)):
        return kind, value
    return _Same(value)
