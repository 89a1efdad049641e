"""In-place changes of a Tensor, and the version counters that keep backward correct.

An in-place method (``add_``, ``mul_``, ``x[i] = v``, ``zero_`` ...) writes into the
tensor's buffer. Three things must stay right afterwards:

* Backward. An op may have saved the old values for its backward rule. Every buffer has a
  version counter (``_Version``), shared by the tensor and its views and bumped by each
  in-place change; a saved tensor remembers the version it was saved at, and backward
  raises if it changed instead of using the new values (see ``node.py``).
* The recorded graph. While it is being recorded, a tensor that requires grad may not be
  changed in place (``_check``): rewriting a recorded value would change the history that
  backward walks. ``x += y`` then rebinds x to ``x + y`` instead (``rebinds``).
* Forward mode. A change that concerns tangents is reported to ``forward_ad``, which gives
  the tensor the tangents of the out-of-place form of the change.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import grad_mode
from .jit import capture
from .tensor import Tensor, _wrap
from .tensor_ops import Operand

__all__ = ["update", "fill", "setitem", "rebinds", "alias"]


class _Version:
    """How many times a buffer was modified in place; shared by a tensor and its views.

    ``up_to_date`` is None until forward mode changes tangents in place on this buffer; from
    then on it holds (id -> weakref) the tensors whose tangents know of the latest such
    change: the tensor written, its base, and views taken or brought up to date since. A
    view not among them gets its tangent again from its base when next used
    (``_refresh_tangents``)."""

    __slots__ = ("value", "up_to_date")

    def __init__(self):
        self.value = 0
        self.up_to_date = None


# ---------------------------------------------------------------------------- in-place ops
def update(t: Tensor, op: str, ufunc: np.ufunc, other: Operand) -> Tensor:
    """``t = ufunc(t, other)`` written into t's buffer (``add_``, ``sub_``, ``mul_``,
    ``div_``); ``op`` names the method in error messages. Returns t."""
    _check(t, op, other)
    value = other._data if isinstance(other, Tensor) else other
    tangents = _has_tangents(t, other)
    before = forward_ad.snapshot(t, other) if tangents else None
    try:
        ufunc(t._data, value, out=t._data, casting="same_kind")
    except (ValueError, TypeError) as exc:
        raise _cannot_update(t, op, value, exc) from None
    _bump(t)
    if tangents:
        forward_ad.updated(t, ufunc, *before)
    return t


def fill(t: Tensor, op: str, value: Operand) -> Tensor:
    """Every element of t set to ``value`` (``zero_``, ``fill_``). Returns t."""
    _check(t, op, value)
    array = value._data if isinstance(value, Tensor) else value
    tangents = _has_tangents(t, value)
    try:
        t._data[...] = array
    except (ValueError, TypeError) as exc:
        raise _cannot_update(t, op, array, exc) from None
    _bump(t)
    if tangents:
        forward_ad.assigned(t, Ellipsis, value)
    return t


def setitem(t: Tensor, index: Any, value: Operand) -> None:
    """``t[index] = value``, written into t's buffer."""
    _check(t, "__setitem__", value)
    index = ops.shape._normalize_index(index)
    try:
        t._data[index] = value._data if isinstance(value, Tensor) else value
    except (ValueError, IndexError, TypeError) as exc:
        raise type(exc)(
            f"__setitem__: cannot assign into a tensor of shape {t.shape}: {exc}"
        ) from None
    _bump(t)
    if _has_tangents(t, value):
        forward_ad.assigned(t, index, value)


def rebinds(t: Tensor, other: Operand) -> bool:
    """Should ``t += other`` (and ``-=``, ``*=``, ``/=``) rebind t to the out-of-place result
    instead of updating it in place? Yes while the graph is recorded, when t is part of it
    or other requires grad: so ``total += loss`` works and other's gradient is kept, and the
    old value (with every earlier reference to it) stays unchanged."""
    return grad_mode.current().grad_enabled and (
        t._requires_grad
        and t.grad_fn is not None
        or isinstance(other, Tensor)
        and other._requires_grad
        and not t._requires_grad
    )


def _cannot_update(t: Tensor, op: str, value: Any, exc: Exception) -> Exception:
    """The error of an in-place update numpy refused (shapes or dtypes that do not fit)."""
    return type(exc)(
        f"{op}: cannot update a tensor of shape {t.shape} and dtype {t.dtype} in place "
        f"with {np.shape(value)} values: {exc}"
    )


def _check(t: Tensor, op: str, other: Operand | None = None) -> None:
    """Raise if ``op`` may not change t in place now (inside ``ag.compile``'s trace, or while
    the graph is recorded and the change would go unrecorded or rewrite recorded values)."""
    capture.refuse(f"in-place changes ({op} on a tensor of shape {t.shape})")
    if not grad_mode.current().grad_enabled:
        return
    if isinstance(other, Tensor) and other._requires_grad and not t._requires_grad:
        raise RuntimeError(
            f"{op}: the value requires grad but the tensor of shape {t.shape} updated in "
            "place does not: the update would not be recorded and the value's gradient "
            "would be lost. Use the out-of-place form (c = c + y), or do it under "
            "ag.no_grad() if no gradient is wanted"
        )
    base = t._base
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({op} on shape {t.shape})"
        )
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({op} on shape {t.shape}); do it under ag.no_grad(), as optimisers do"
        )
    if t.requires_grad:
        raise RuntimeError(
            f"{op}: in-place operations on a tensor that requires grad are not supported while "
            "the graph is recorded (they would rewrite a recorded value); use the out-of-place "
            "form, e.g. y = y + x"
        )


def _has_tangents(t: Tensor, other: Operand) -> bool:
    """Does an in-place change of t by ``other`` concern forward mode? (t, other or t's base
    carries tangents, or the buffer's tangents were changed in place before)"""
    base = t._base
    return (
        t._tangent is not None
        or isinstance(other, Tensor)
        and other._tangent is not None
        or base is not None
        and base._tangent is not None
        or t._version is not None
        and t._version.up_to_date is not None
    )


# ---------------------------------------------------------------------------- version counters
def _bump(t: Tensor) -> None:
    """Count one more in-place change of t's buffer."""
    _version_of(t).value += 1


def _version_of(t: Tensor) -> _Version:
    """The version counter of t's buffer, created on first need. A result's counter is also
    kept by its node, where every Tensor object of that output finds it."""
    if t._version is None:
        node = t.grad_fn
        if node is None:
            t._version = _Version()
        else:
            if node._versions is None:
                node._versions = {}
            version = node._versions.get(t._output_nr)
            if version is None:
                version = node._versions[t._output_nr] = _Version()
            t._version = version
    return t._version


def _share_buffer(view: Tensor, source: Tensor) -> Tensor:
    """``view`` reads ``source``'s buffer: share its version counter and remember the base.
    (A view's counter need not be on its node: having one, it is never consumed as its
    node, so every consumer holds the view Tensor itself.)"""
    version = view._version = _version_of(source)
    view._base = source if source._base is None else source._base
    if version.up_to_date is not None:  # taken after the latest in-place tangent change
        version.up_to_date[id(view)] = weakref.ref(view)
    return view


def alias(t: Tensor) -> Tensor:
    """A new Tensor on t's buffer and version counter that is not a view of it: its
    tangents are its own (``detach``, ``ag.dual``)."""
    result = _wrap(t._data)
    result._version = _version_of(t)
    return result


def _refresh_tangents(t: Tensor) -> None:
    """Bring t's tangents up to date after forward mode changed its buffer's in place: a
    view gets its base's tangents at its elements; anything else keeps its own."""
    up_to_date = t._version.up_to_date
    ref = up_to_date.get(id(t))
    if ref is not None and ref() is t:
        return
    if t._base is not None:
        forward_ad.refresh_view(t)
    up_to_date[id(t)] = weakref.ref(t)


# both import the function module, which imports this one: bound after it is complete
from . import forward_ad, ops  # noqa: E402
