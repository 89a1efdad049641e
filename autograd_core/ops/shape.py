"""Shape primitives: reshape, transpose, broadcast_to, indexing (and its adjoint,
scatter-add), concatenate (also spelled ``cat``, PyTorch's name), stack. All are linear, so
each jvp applies the op itself to the tangent. The ops built from them (flip, pad, split,
squeeze, ...) are in ``layout``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OpError, OpTypeError
from ..function import Primitive, array_of, call
from ..tensor import Tensor
from .dims import axis_arg
from .elementwise import _tensor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..tensor_ops import Operand


class Alias(Primitive):
    """the same values as a new graph node (used to attach or strip a tangent);  d = 1"""

    symbol = "alias"
    view = True

    @staticmethod
    def forward(ctx, a):
        return np.asarray(a).view()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t


class Reshape(Primitive):
    """same elements, new shape;  the gradient is reshaped back"""

    symbol = "reshape"
    view = True

    @staticmethod
    def forward(ctx, a, shape=None):
        a = np.asarray(a)
        ctx.in_shape, ctx.shape = a.shape, shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise OpError(
                f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)

    @staticmethod
    def jvp(ctx, t):
        return reshape(t, ctx.shape)


class Transpose(Primitive):
    """permute axes;  the gradient is permuted back with the inverse permutation"""

    symbol = "transpose"
    view = True

    @staticmethod
    def forward(ctx, a, axes=None):
        a = np.asarray(a)
        if axes is not None and (
            any(not -a.ndim <= x < a.ndim for x in axes)
            or sorted(int(x) % a.ndim for x in axes) != list(range(a.ndim))
        ):
            raise OpError(
                f"transpose: axes {tuple(axes)} are not a permutation for shape {a.shape}"
            )
        ctx.axes = (
            tuple(range(a.ndim))[::-1] if axes is None else tuple(int(x) % a.ndim for x in axes)
        )
        return np.transpose(a, ctx.axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(tuple(np.argsort(ctx.axes)))

    @staticmethod
    def jvp(ctx, t):
        return transpose(t, ctx.axes)


class BroadcastTo(Primitive):
    """repeat along broadcast axes;  the engine sums the gradient back to the input shape"""

    symbol, op_name = "broadcast", "broadcast_to"
    view = True

    @staticmethod
    def forward(ctx, a, shape=None):
        ctx.shape_out = shape
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise OpError(
                f"broadcast_to: cannot broadcast a tensor of shape {np.shape(a)} to {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return broadcast_to(t, ctx.shape_out)


class GetItem(Primitive):
    """a[index] (ints, slices, ellipsis, None, integer arrays, boolean masks);
    the gradient is scattered back, repeated integer indices accumulating"""

    symbol = "[]"
    view = True

    @staticmethod
    def forward(ctx, a, index=None):
        a = np.asarray(a)
        ctx.in_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        return call(ScatterAdd, g, shape=ctx.in_shape, index=ctx.index)

    @staticmethod
    def jvp(ctx, t):
        return GetItem.apply(t, index=ctx.index)


class ScatterAdd(Primitive):
    """zeros(shape) with g added at ``index`` (np.add.at): the adjoint of indexing"""

    symbol, op_name = "scatter", "scatter_add"

    @staticmethod
    def forward(ctx, g, shape=None, index=None):
        ctx.index, ctx.shape_out = index, shape
        out = np.zeros(shape, dtype=np.result_type(g))
        if _is_advanced(index):
            np.add.at(out, index, g)  # integer arrays may repeat an index: accumulate
        else:
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, g):
        return call(GetItem, g, index=ctx.index)

    @staticmethod
    def jvp(ctx, t):
        return ScatterAdd.apply(t, shape=ctx.shape_out, index=ctx.index)


class Concatenate(Primitive):
    """join along an existing axis;  each input gets its slice of the gradient"""

    symbol = "concat"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        arrays = [np.asarray(a) for a in arrays]
        ndim = arrays[0].ndim
        if ndim == 0:
            raise OpError(
                "concatenate: zero-dimensional tensors cannot be concatenated (use stack)"
            )
        if not -ndim <= axis < ndim:
            raise OpError(
                f"concatenate: axis {axis} is out of range for tensors with {ndim} dimensions"
            )
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] if a.ndim else None for a in arrays]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        axis = ctx.axis % g.ndim
        for size in ctx.sizes:
            index = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(call(GetItem, g, index=index))
            start += size
        return tuple(grads)

    @staticmethod
    def jvp(ctx, *tangents):
        return concatenate(_zero_fill(ctx, tangents), axis=ctx.axis)


class Stack(Primitive):
    """join along a new axis;  input i gets the gradient's slice i along that axis"""

    symbol = "stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        out = np.stack(arrays, axis=axis)
        ctx.axis = axis % out.ndim
        return out

    @staticmethod
    def backward(ctx, g):
        prefix = (slice(None),) * ctx.axis
        return tuple(call(GetItem, g, index=prefix + (i,)) for i in range(len(ctx._entries())))

    @staticmethod
    def jvp(ctx, *tangents):
        return stack(_zero_fill(ctx, tangents), axis=ctx.axis)


def _zero_fill(ctx, tangents):
    """Missing tangents are zeros of their primal's shape."""
    dtype = np.result_type(*(t.dtype for t in tangents if t is not None))
    return [
        Tensor(np.zeros(np.shape(array_of(p)), dtype=dtype)) if t is None else t
        for p, t in zip(ctx.inputs, tangents)
    ]


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) and np.asarray(i).dtype != bool for i in items)


def _normalize_index(index):
    """Tensors inside an index become arrays; lists become arrays (numpy semantics)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray([_normalize_index(i) for i in index])
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    return index


# ---------------------------------------------------------------------------- functions
def _shape_arg(shape, where):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, (tuple, list)) and all(isinstance(n, (int, np.integer)) for n in shape):
        return tuple(int(n) for n in shape)
    raise OpTypeError(f"{where}: shape must be an int or a tuple of ints, got {shape!r}")


def _tensor_list(tensors, where):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise OpTypeError(f"{where}: expected a list of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise OpError(f"{where}: need at least one tensor")
    return [_tensor(t, where) for t in tensors]


def reshape(a: Operand, shape: int | Sequence[int]) -> Tensor:
    """The same elements in a new shape (one dimension may be -1)."""
    a, shape = _tensor(a, "reshape"), _shape_arg(shape, "reshape")
    if a.shape == shape:
        return a
    return Reshape.apply(a, shape=shape)


def transpose(a: Operand, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None)."""
    if axes is not None:
        axes = _shape_arg(axes, "transpose")
    return Transpose.apply(_tensor(a, "transpose"), axes=axes)


def broadcast_to(a: Operand, shape: int | Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (a read-only view); the gradient is summed back."""
    a, shape = _tensor(a, "broadcast_to"), _shape_arg(shape, "broadcast_to")
    if a.shape == shape:
        return a
    return BroadcastTo.apply(a, shape=shape)


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]`` with numpy semantics; repeated integer indices accumulate gradient."""
    return GetItem.apply(a, index=_normalize_index(index))


def concatenate(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (``dim=`` is PyTorch's spelling of ``axis=``)."""
    axis = axis_arg("concatenate", axis, dim, default=0)
    return Concatenate.apply(*_tensor_list(tensors, "concatenate"), axis=axis)


def cat(tensors: Sequence[Operand], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """``concatenate`` under PyTorch's name, with PyTorch's ``dim`` first (``axis=`` too)."""
    if axis is not None and dim != 0 and dim != axis:
        raise OpTypeError(f"cat: got dim={dim!r} and axis={axis!r}; give one of them")
    return concatenate(tensors, dim if axis is None else axis)


def stack(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis (``dim=`` is PyTorch's ``axis=``)."""
    axis = axis_arg("stack", axis, dim, default=0)
    tensors = _tensor_list(tensors, "stack")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise OpError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return Stack.apply(*tensors, axis=axis)
