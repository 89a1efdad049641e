"""Selection by position: argmax/argmin, max/min with PyTorch's meaning, sort, argsort, topk.

Indices are int64 tensors computed with numpy outside the graph (they carry no gradient);
each is reported to ag.compile (``capture.record_numpy``), so that a compiled function
recomputes it from each call's values. The values sort and topk return are gathered along
an axis (``TakeAlongAxis``), which is differentiable: the gradient goes back to the
positions the indices name.

Ties: argmax/argmin (and the indices of max/min) give the first of equal elements, numpy's
rule, which PyTorch documents for CPU. sort, argsort and topk are stable: equal elements
keep their order, in descending order too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..errors import OpError, OpTypeError
from ..function import Primitive, call
from ..jit import capture
from ..tensor import Tensor, _wrap
from .dims import axis_arg, keepdims_arg
from .elementwise import _tensor, maximum, minimum
from .reduce import Max, Min, one_axis
from .shape import ScatterAdd, reshape

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..tensor_ops import Axis, Operand


class ValuesIndices(NamedTuple):
    """What max/min with a dim, sort and topk return (PyTorch's named tuples): the values
    and the int64 indices they were found at. ``values, indices = x.max(1)`` unpacks it;
    ``x.max(1).values`` reads one field."""

    values: Tensor
    indices: Tensor


class TakeAlongAxis(Primitive):
    """y = take_along_axis(a, indices, axis) (PyTorch's gather): along ``axis``, y holds
    a[..., indices[..., j, ...], ...];  the gradient is scattered back to the positions the
    indices name (added up where one repeats). The indices are configuration: no gradient.
    """

    symbol, op_name = "gather", "take_along_axis"

    @staticmethod
    def forward(ctx, a, indices=None, axis=-1):
        a = np.asarray(a)
        ctx.in_shape, ctx.indices, ctx.axis = a.shape, indices, axis
        return np.take_along_axis(a, indices, axis)

    @staticmethod
    def backward(ctx, g):
        index = _along_axis(ctx.indices, ctx.axis)
        return call(ScatterAdd, g, shape=ctx.in_shape, index=index)

    @staticmethod
    def jvp(ctx, t):
        return TakeAlongAxis.apply(t, indices=ctx.indices, axis=ctx.axis)


def _along_axis(indices, axis):
    """The numpy index that picks what take_along_axis(a, indices, axis) picks: ``indices``
    on ``axis``, and on every other axis the position itself (open grids, np.ix_)."""
    grids = list(np.ix_(*(np.arange(n) for n in indices.shape)))
    grids[axis] = indices
    return tuple(grids)


# ---------------------------------------------------------------------------- numpy helpers
# They compute indices outside the graph; ag.compile replays them (capture.record_numpy).
def _argmax(array: np.ndarray, axis: int | None, keepdims: bool) -> np.ndarray:
    """np.argmax as an int64 array."""
    return _first_indices(np.argmax, array, axis, keepdims)


def _argmin(array: np.ndarray, axis: int | None, keepdims: bool) -> np.ndarray:
    """np.argmin as an int64 array."""
    return _first_indices(np.argmin, array, axis, keepdims)


def _first_indices(pick, array, axis, keepdims):
    """``pick`` (np.argmax or np.argmin) of ``array`` along ``axis``, as an int64 array (0
    for a 0-d array's one element)."""
    if array.ndim == 0:
        return np.zeros((), dtype=np.int64)
    return np.asarray(pick(array, axis=axis, keepdims=keepdims), dtype=np.int64)


def _sort_order(array: np.ndarray, axis: int, descending: bool, k: int | None) -> np.ndarray:
    """The indices that sort ``array`` along ``axis`` (the first k of them), stably: equal
    elements keep their order. Descending is the ascending sort of the reversed array,
    reversed, which keeps ties in order too. NaN sorts as the largest value (last when
    ascending, first when descending), as in PyTorch."""
    if array.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if descending:
        n = array.shape[axis]
        backwards = np.argsort(np.flip(array, axis), axis=axis, kind="stable")
        order = n - 1 - np.flip(backwards, axis)
    else:
        order = np.argsort(array, axis=axis, kind="stable")
    if k is not None:
        order = order[(slice(None),) * axis + (slice(0, k),)]
    return np.ascontiguousarray(order, dtype=np.int64)


# ---------------------------------------------------------------------------- functions
def argmax(
    a: Operand,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the largest element along ``axis`` as an int64 tensor (axis None: the index
    into the flattened tensor); the first of equal maxima."""
    axis, keepdims = axis_arg("argmax", axis, dim), keepdims_arg("argmax", keepdims, keepdim)
    return _arg_extremum("argmax", _argmax, _tensor(a, "argmax"), axis, keepdims)


def argmin(
    a: Operand,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the smallest element along ``axis`` as an int64 tensor (axis None: the
    index into the flattened tensor); the first of equal minima."""
    axis, keepdims = axis_arg("argmin", axis, dim), keepdims_arg("argmin", keepdims, keepdim)
    return _arg_extremum("argmin", _argmin, _tensor(a, "argmin"), axis, keepdims)


def _arg_extremum(name: str, pick: Callable, a: Tensor, axis: Axis, keepdims: bool) -> Tensor:
    """argmax/argmin, checked, computed with numpy and reported to ag.compile."""
    if axis is not None:
        axis = one_axis(name, axis, a.ndim)
    if a.size == 0 and (axis is None or a.shape[axis] == 0):
        raise OpError(f"{name}: cannot reduce over an empty axis of shape {a.shape}")
    indices = pick(a._data, axis, keepdims)
    capture.record_numpy(pick, (a._data, axis, keepdims), indices)
    return _wrap(indices)


def max(
    a: Operand,
    dim: int | Tensor | None = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool = False,
) -> Tensor | ValuesIndices:
    """PyTorch's max, and numpy's spelling of it:

    * ``max(a)``: the largest element; ``max(a, axis=...)`` (an int or a tuple): the
      maxima over those axes (numpy), the values only;
    * ``max(a, dim)`` or ``max(a, dim=1)``: a named tuple (values, indices) along that one
      axis (PyTorch); keepdim keeps it in both;
    * ``max(a, other)`` with a tensor: the elementwise ``maximum`` (PyTorch's max(a, b)).

    Tied maxima share the gradient evenly (as amax and PyTorch's max(a) do); PyTorch's
    max(a, dim) sends it all to the index it returns instead.
    """
    return _extremum("max", Max, maximum, _argmax, a, dim, keepdim, axis, keepdims)


def min(
    a: Operand,
    dim: int | Tensor | None = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool = False,
) -> Tensor | ValuesIndices:
    """PyTorch's min: ``min(a)``, ``min(a, axis=...)`` (values), ``min(a, dim)`` (a named
    tuple (values, indices)) and ``min(a, other)`` (the elementwise ``minimum``); see
    ``max``. Tied minima share the gradient evenly."""
    return _extremum("min", Min, minimum, _argmin, a, dim, keepdim, axis, keepdims)


def _extremum(name, op, elementwise, pick, a, dim, keepdim, axis, keepdims):
    """max/min: which of their four meanings the arguments ask for."""
    keep = bool(keepdim or keepdims)
    if isinstance(dim, Tensor):
        if axis is not None or keep:
            raise OpTypeError(
                f"{name}: {name}(a, other) compares two tensors elementwise; it takes no "
                "axis or keepdim"
            )
        return elementwise(a, dim)
    if dim is None:
        return op.apply(_tensor(a, name), axis=axis, keepdims=keep)
    if isinstance(dim, (tuple, list)):
        raise OpTypeError(
            f"{name}: dim={dim!r} must be one int ({name}(a, dim) gives values and indices "
            f"along one axis); for the {name} over several axes use axis={tuple(dim)!r} "
            f"or a{name}"
        )
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise OpTypeError(f"{name}: dim must be an int or a tensor, got {dim!r}")
    if axis is not None:
        raise OpTypeError(f"{name}: got axis={axis!r} and dim={dim!r}; give one of them")
    a = _tensor(a, name)
    values = op.apply(a, axis=dim, keepdims=keep)
    return ValuesIndices(values, _arg_extremum(name, pick, a, dim, keep))


def sort(
    a: Operand,
    axis: int = -1,
    descending: bool = False,
    *,
    dim: int | None = None,
    stable: bool = False,
) -> ValuesIndices:
    """(values, indices): ``a`` sorted along ``axis`` and where each value came from.

    Always stable, equal elements keep their order (descending too), so ``stable=`` changes
    nothing: PyTorch's default sort may order ties either way, and this order is one of
    those. NaN sorts as the largest value. The values' gradient goes back to the positions
    the indices name.
    """
    a = _tensor(a, "sort")
    axis = one_axis("sort", axis_arg("sort", axis, dim, default=-1), a.ndim)
    return _sorted(a, axis, descending, None)


def argsort(
    a: Operand, axis: int = -1, descending: bool = False, *, dim: int | None = None
) -> Tensor:
    """The int64 indices that sort ``a`` along ``axis`` (stably: ties keep their order)."""
    a = _tensor(a, "argsort")
    axis = one_axis("argsort", axis_arg("argsort", axis, dim, default=-1), a.ndim)
    return _indices(a, axis, descending, None)


def topk(
    a: Operand,
    k: int,
    axis: int = -1,
    largest: bool = True,
    sorted: bool = True,
    *,
    dim: int | None = None,
) -> ValuesIndices:
    """(values, indices) of the k largest elements along ``axis`` (the k smallest with
    largest=False), largest first. Of equal elements the first ones are taken. They come
    sorted even with sorted=False (PyTorch then allows any order, so this is one of them).
    """
    a = _tensor(a, "topk")
    axis = one_axis("topk", axis_arg("topk", axis, dim, default=-1), a.ndim)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise OpTypeError(f"topk: k must be an int, got {k!r}")
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise OpError(
            f"topk: k={k} is out of range for axis {axis} of size {n} (shape {a.shape}): "
            f"k must be in [0, {n}]"
        )
    return _sorted(a, axis, largest, int(k))


def _indices(a: Tensor, axis: int, descending: bool, k: int | None) -> Tensor:
    """The sorting indices (the first k), computed with numpy and reported to ag.compile."""
    indices = _sort_order(a._data, axis, descending, k)
    capture.record_numpy(_sort_order, (a._data, axis, descending, k), indices)
    return _wrap(indices)


def _sorted(a: Tensor, axis: int, descending: bool, k: int | None) -> ValuesIndices:
    """(values, indices) of ``a`` sorted along ``axis`` (the first k when k is given)."""
    if a.ndim == 0:  # one element, sorted as a vector of one (PyTorch sorts 0-d tensors)
        values, indices = _sorted(reshape(a, (1,)), 0, descending, k)
        shape = () if k != 0 else (0,)
        return ValuesIndices(reshape(values, shape), reshape(indices, shape))
    indices = _indices(a, axis, descending, k)
    values = TakeAlongAxis.apply(a, indices=indices._data, axis=axis)
    return ValuesIndices(values, indices)
