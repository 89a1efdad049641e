"""Reductions: sum, max/min (ties share the gradient evenly), a stable logsumexp and norm are
primitives; mean, var and std are compositions of them (prod and cumsum are in ``scan.py``).

Each takes numpy's ``axis=`` / ``keepdims=`` and PyTorch's ``dim=`` / ``keepdim=``
(``dims.py``). max/min with PyTorch's meaning (a ``dim`` gives values and indices) are in
``sort.py``; ``amax``/``amin`` here are the values-only reductions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import OpError, OpTypeError
from ..function import Primitive, array_of, call
from .dims import axis_arg, keepdims_arg
from .elementwise import Where, _tensor
from .shape import BroadcastTo, Reshape
from .unary import Exp

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Axis, Operand


def normalize_axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise OpTypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)):
            raise OpTypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if ndim == 0 and a in (0, -1):  # a 0-d tensor has one (virtual) axis, like PyTorch
            continue
        if not -ndim <= a < ndim:
            raise OpError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise OpError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(normalized))


def one_axis(op: str, axis: int, ndim: int) -> int:
    """``axis`` (one int, negatives allowed) as an axis of a tensor with ``ndim`` dimensions;
    a 0-d tensor's one virtual axis is 0. For the ops that work along exactly one axis."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise OpTypeError(f"{op}: axis must be an int, got {axis!r}")
    axes = normalize_axes(axis, ndim, op)
    return axes[0] if axes else 0


def _kept_shape(shape, axes):
    """The shape of the reduction with keepdims=True."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _reduction(ctx, a, axis, keepdims, name, nonempty=False):
    """Common set-up of a reduction's forward: normalise the axes and keep what backward
    needs to re-insert them (``nonempty``: an empty reduced axis has no value)."""
    a = np.asarray(a)
    axes = normalize_axes(axis, a.ndim, name)
    if nonempty:
        _check_nonempty(name, a.shape, axes)
    ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, axes)
    ctx.axes, ctx.keepdims = axes, keepdims
    return a, axes


def _check_nonempty(op, shape, axes):
    """A max or min over an empty axis has no value."""
    if any(shape[i] == 0 for i in axes):
        raise OpError(f"{op}: cannot reduce over an empty axis of shape {shape}")


def _count(shape, axes):
    """How many elements a reduction over ``axes`` combines."""
    return int(np.prod([shape[i] for i in axes])) if axes else 1


def _expand(g, ctx):
    """Bring an output gradient back to the input's shape (re-insert reduced axes)."""
    if g.shape != ctx.kept:
        g = call(Reshape, g, shape=ctx.kept)
    return g if g.shape == ctx.in_shape else call(BroadcastTo, g, shape=ctx.in_shape)


class Sum(Primitive):
    """Σ over axes;  the gradient of every summed element is g"""

    symbol = "Σ"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        a, axes = _reduction(ctx, a, axis, keepdims, "sum")
        return np.add.reduce(a, axis=axes, keepdims=keepdims)  # np.sum without its wrapper

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx)

    @staticmethod
    def jvp(ctx, t):
        return sum(t, ctx.axes, ctx.keepdims)


class _Extremum(Primitive):
    """max/min over axes; ties share the gradient evenly (max([2, 2, 1]) -> [.5, .5, 0]),
    as PyTorch's amax/amin and its full reductions max(a)/min(a) do"""

    reducer = None

    @classmethod
    def _forward(cls, ctx, a, axis, keepdims, name):
        a, axes = _reduction(ctx, a, axis, keepdims, name, nonempty=True)
        out = cls.reducer(a, axis=axes, keepdims=True)
        hits = a == out
        weight = hits / np.add.reduce(hits, axis=axes, keepdims=True)
        ctx.save_for_backward(weight.astype(a.dtype, copy=False))
        return (
            out
            if keepdims
            else out.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))
        )

    @staticmethod
    def backward(ctx, g):
        (weight,) = ctx.saved_tensors
        return _expand(g, ctx) * weight

    @staticmethod
    def jvp(ctx, t):
        (weight,) = ctx.saved_tensors
        return sum(t * weight, ctx.axes, ctx.keepdims)


class Max(_Extremum):
    symbol = "max"
    reducer = np.maximum.reduce

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return Max._forward(ctx, a, axis, keepdims, "max")


class Min(_Extremum):
    symbol = "min"
    reducer = np.minimum.reduce

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return Min._forward(ctx, a, axis, keepdims, "min")


class LogSumExp(Primitive):
    """y = log Σ e^a, computed as m + log Σ e^(a-m) with m the max;  dy/da = softmax(a).

    Primitive for stability. Where every summed entry is -inf the value is -inf and, by
    our convention, the gradient is 0 (not NaN).
    """

    symbol = "logsumexp"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        a, axes = _reduction(ctx, a, axis, keepdims, "logsumexp", nonempty=True)
        m = np.maximum.reduce(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(a.dtype, copy=False)
        with np.errstate(divide="ignore", under="ignore"):  # log 0 = -inf and e^-1000 = 0
            out = m + np.log(np.add.reduce(np.exp(a - m), axis=axes, keepdims=True))
        ctx.all_neg_inf = np.isneginf(out) if np.isneginf(out).any() else None
        if not keepdims:
            out = out.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def softmax(ctx):
        a, out = ctx.saved_tensors
        out = out.reshape(ctx.kept)
        if ctx.all_neg_inf is not None:
            out = call(Where, ctx.all_neg_inf, 0.0, out)
            return call(Where, ctx.all_neg_inf, 0.0, call(Exp, a - out))
        return call(Exp, a - out)

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx) * LogSumExp.softmax(ctx)

    @staticmethod
    def jvp(ctx, t):
        return sum(t * LogSumExp.softmax(ctx), ctx.axes, ctx.keepdims)


class Norm(Primitive):
    """‖a‖₂ = √(Σ a²) over axes;  d‖a‖/da = a / ‖a‖, and 0 where ‖a‖ = 0

    A primitive for the kink: at 0 it takes the minimum-norm subgradient 0 (as PyTorch's
    norm), where the composition √(Σ a²) would give 0 · ∞ = NaN.
    """

    symbol = "‖·‖"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        a, axes = _reduction(ctx, a, axis, keepdims, "norm")
        out = np.sqrt(np.add.reduce(a * a, axis=axes, keepdims=keepdims))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def direction(ctx):
        a, out = ctx.saved_tensors
        norm = out.reshape(ctx.kept)
        return a / call(Where, array_of(norm) == 0, 1.0, norm)  # a = 0 wherever the norm is 0

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx) * Norm.direction(ctx)

    @staticmethod
    def jvp(ctx, t):
        return sum(t * Norm.direction(ctx), ctx.axes, ctx.keepdims)


# ---------------------------------------------------------------------------- functions
def sum(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Sum over ``axis`` (None: all; int or tuple; negatives allowed)."""
    axis, keepdims = axis_arg("sum", axis, dim), keepdims_arg("sum", keepdims, keepdim)
    return Sum.apply(_tensor(a, "sum"), axis=axis, keepdims=keepdims)


def mean(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Arithmetic mean over ``axis`` (a sum divided by the count)."""
    axis, keepdims = axis_arg("mean", axis, dim), keepdims_arg("mean", keepdims, keepdim)
    a = _tensor(a, "mean")
    axes = normalize_axes(axis, a.ndim, "mean")
    count = _count(a.shape, axes)
    if count == 0:
        raise OpError(f"mean: cannot average over an empty axis of shape {a.shape}")
    return sum(a, axes, keepdims) / count


def var(
    a: Operand,
    axis: Axis = None,
    *,
    keepdims: bool = False,
    ddof: float = 0,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Variance Σ(a - mean)² / (n - ddof) over ``axis``.

    The default is numpy's ddof=0, the biased 1/n variance (batch norm's); PyTorch's
    default is the unbiased 1/(n - 1): ask for it with ddof=1, correction=1 or
    unbiased=True. keepdims and ddof are keywords only, because PyTorch reads
    ``x.var(0, True)`` as unbiased=True.
    """
    a, axes, keepdims, ddof, count = _variance_args(
        "var", a, axis, dim, keepdims, keepdim, ddof, correction, unbiased
    )
    centered = a - mean(a, axes, keepdims=True)
    return sum(centered * centered, axes, keepdims) / (count - ddof)


def std(
    a: Operand,
    axis: Axis = None,
    *,
    keepdims: bool = False,
    ddof: float = 0,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Standard deviation √(Σ(a - mean)² / (n - ddof)) over ``axis``: numpy's ddof=0 by
    default (PyTorch's default is 1; see ``var``).

    Computed as ‖a - mean‖ / √(n - ddof), so that where all the values are equal its
    gradient is Norm's subgradient 0 (PyTorch's std, the square root of 0, gives NaN).
    """
    a, axes, keepdims, ddof, count = _variance_args(
        "std", a, axis, dim, keepdims, keepdim, ddof, correction, unbiased
    )
    centered = a - mean(a, axes, keepdims=True)
    return norm(centered, axes, keepdims) / math.sqrt(count - ddof)


def _variance_args(op, a, axis, dim, keepdims, keepdim, ddof, correction, unbiased):
    """var's and std's arguments, checked: the tensor, its axes, keepdims, the ddof and the
    number of elements each result combines."""
    axis, keepdims = axis_arg(op, axis, dim), keepdims_arg(op, keepdims, keepdim)
    ddof = _ddof_arg(op, ddof, correction, unbiased)
    a = _tensor(a, op)
    axes = normalize_axes(axis, a.ndim, op)
    count = _count(a.shape, axes)
    if count - ddof <= 0:
        raise OpError(f"{op}: need more than ddof={ddof} elements, got {count}")
    return a, axes, keepdims, ddof, count


def _ddof_arg(op, ddof, correction, unbiased):
    """The ddof given as numpy's ddof=, PyTorch's correction= or unbiased= (True is ddof=1).
    ddof=0 is also the default, so only a nonzero ddof can disagree with the others."""
    if unbiased is not None and not isinstance(unbiased, bool):
        raise OpTypeError(f"{op}: unbiased must be True or False, got {unbiased!r}")
    for name, value in (("ddof", ddof), ("correction", correction)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number, type(None))):
            raise OpTypeError(f"{op}: {name} must be a number, got {value!r}")
    given = [c for c in (correction, None if unbiased is None else int(unbiased)) if c is not None]
    if ddof != 0:
        given.append(ddof)
    if len(set(given)) > 1:
        raise OpTypeError(
            f"{op}: got ddof={ddof}, correction={correction}, unbiased={unbiased}; give one of them"
        )
    return given[0] if given else 0


def _values_only(cls, op, a, axis, keepdims, dim, keepdim):
    """amax / amin: the Max or Min reduction over ``axis`` (several axes allowed)."""
    axis, keepdims = axis_arg(op, axis, dim), keepdims_arg(op, keepdims, keepdim)
    a = _tensor(a, op)
    _check_nonempty(op, a.shape, normalize_axes(axis, a.ndim, op))
    return cls.apply(a, axis=axis, keepdims=keepdims)


def amax(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Maximum over ``axis`` (values only, several axes allowed); tied maxima share the
    gradient evenly, as in PyTorch's amax."""
    return _values_only(Max, "amax", a, axis, keepdims, dim, keepdim)


def amin(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Minimum over ``axis`` (values only, several axes allowed); tied minima share the
    gradient evenly, as in PyTorch's amin."""
    return _values_only(Min, "amin", a, axis, keepdims, dim, keepdim)


def logsumexp(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """log Σ exp(a) over ``axis``, without overflow; gradient softmax(a)."""
    axis = axis_arg("logsumexp", axis, dim)
    keepdims = keepdims_arg("logsumexp", keepdims, keepdim)
    return LogSumExp.apply(_tensor(a, "logsumexp"), axis=axis, keepdims=keepdims)


def norm(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Euclidean (Frobenius) norm √(Σ a²) over ``axis``; its gradient at 0 is 0."""
    axis, keepdims = axis_arg("norm", axis, dim), keepdims_arg("norm", keepdims, keepdim)
    return Norm.apply(_tensor(a, "norm"), axis=axis, keepdims=keepdims)
