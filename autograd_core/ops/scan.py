"""prod and cumsum: the ops whose rules run along an axis. prod's gradient, the product of
the other elements, is a running product from each side (never y / a, which is 0/0 at a
zero); cumsum's is a running sum of the gradient from the other end."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive, call
from .dims import axis_arg, keepdims_arg
from .elementwise import Where, _tensor
from .reduce import Sum, _count, _expand, _reduction, one_axis, sum
from .shape import BroadcastTo, Transpose

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Axis, Operand


class Prod(Primitive):
    """y = Π a over axes;  dy/da_i = Π_{j≠i} a_j, the product of the others

    The product of the others is not computed as y / a_i, which is 0/0 where a_i = 0: with
    one zero, the gradient there is the product of the others (and 0 elsewhere); with two
    or more it is 0 everywhere. ``ProdOthers`` computes it along one axis, so the reduced
    axes are moved last and flattened into one.
    """

    symbol = "Π"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        a, axes = _reduction(ctx, a, axis, keepdims, "prod")
        ctx.save_for_backward(a)
        return np.multiply.reduce(a, axis=axes, keepdims=keepdims)

    @staticmethod
    def others(ctx):
        """Π_{j≠i} a_j over the reduced axes, for every element a_i (a's shape)."""
        (a,) = ctx.saved_tensors
        kept = tuple(i for i in range(a.ndim) if i not in ctx.axes)
        order = kept + ctx.axes  # the reduced axes last
        moved = tuple(a.shape[i] for i in order)
        flat = moved[: len(kept)] + (_count(a.shape, ctx.axes),)
        identity = order == tuple(range(a.ndim))
        x = a if identity else call(Transpose, a, axes=order)
        others = call(ProdOthers, x.reshape(flat)).reshape(moved)
        return others if identity else call(Transpose, others, axes=_inverse(order))

    @staticmethod
    def backward(ctx, g):
        return _expand(g, ctx) * Prod.others(ctx)

    @staticmethod
    def jvp(ctx, t):
        return sum(t * Prod.others(ctx), ctx.axes, ctx.keepdims)


class ProdOthers(Primitive):
    """y_i = Π_{j≠i} a_j along the last axis (the gradient of a product), computed as the
    product of the elements before i times the product of those after it: no division.

    Its own rules (second derivatives of prod):  dy_i = Σ_k W[i, k] da_k  with
    W[i, k] = Π_{j≠i,k} a_j for k ≠ i and W[i, i] = 0. W is ProdOthers again, of the n × n
    matrix B whose row i is a with a_i replaced by 1, with its diagonal set to 0: n² values,
    computed only for second derivatives.
    """

    symbol = "Π_{j≠i}"

    @staticmethod
    def forward(ctx, a):
        a = np.asarray(a)
        ctx.save_for_backward(a)
        if a.shape[-1] == 0:
            return a.copy()
        ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
        before = np.cumprod(np.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, a[..., :0:-1]], axis=-1), axis=-1)
        return before * after[..., ::-1]

    @staticmethod
    def weights(ctx):
        """W[..., i, k] = dy_i / da_k."""
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        diagonal = np.eye(n, dtype=bool)
        one, zero = np.ones((), a.dtype), np.zeros((), a.dtype)
        rows = call(BroadcastTo, a.reshape(a.shape[:-1] + (1, n)), shape=a.shape + (n,))
        return call(Where, diagonal, zero, call(ProdOthers, call(Where, diagonal, one, rows)))

    @staticmethod
    def backward(ctx, g):
        return call(Sum, g.reshape(g.shape + (1,)) * ProdOthers.weights(ctx), axis=-2)

    @staticmethod
    def jvp(ctx, t):
        return call(Sum, ProdOthers.weights(ctx) * t.reshape(t.shape[:-1] + (1, -1)), axis=-1)


def _inverse(order):
    """The permutation that undoes ``order``."""
    return tuple(int(i) for i in np.argsort(order))


class CumSum(Primitive):
    """y_i = Σ_{j≤i} a_j along an axis (axis None: along the flattened tensor, as numpy);
    the gradient is the running sum from the other end,  da_j = Σ_{i≥j} g_i"""

    symbol = "cumsum"

    @staticmethod
    def forward(ctx, a, axis=None):
        a = np.asarray(a)
        ctx.in_shape, ctx.axis = a.shape, axis
        if axis is None or a.ndim == 0:
            out = np.cumsum(a.reshape(-1))
            return out if axis is None else out.reshape(a.shape)
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, g):
        flat = ctx.axis is None or not ctx.in_shape
        axis = 0 if flat else ctx.axis
        if flat:
            g = g.reshape(-1)
        backwards = (slice(None),) * axis + (slice(None, None, -1),)
        total = call(CumSum, g[backwards], axis=axis)[backwards]
        return total.reshape(ctx.in_shape) if flat else total

    @staticmethod
    def jvp(ctx, t):
        return CumSum.apply(t, axis=ctx.axis)


# ---------------------------------------------------------------------------- functions
def prod(
    a: Operand,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Product over ``axis``; its gradient is the product of the other elements, right
    where ``a`` holds zeros (see ``Prod``)."""
    axis, keepdims = axis_arg("prod", axis, dim), keepdims_arg("prod", keepdims, keepdim)
    return Prod.apply(_tensor(a, "prod"), axis=axis, keepdims=keepdims)


def cumsum(a: Operand, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Running sum along ``axis``; axis None sums along the flattened tensor (numpy's
    default; PyTorch requires a dim)."""
    axis = axis_arg("cumsum", axis, dim)
    a = _tensor(a, "cumsum")
    if axis is not None:
        axis = one_axis("cumsum", axis, a.ndim)
    return CumSum.apply(a, axis=axis)
