"""Elementwise primitives that select or convert: maximum, minimum, where, clip (clamp is
PyTorch's name for it), cast; and the helpers the other elementwise files share. Each rule
is written for same-shaped operands; the engine sums gradients back over broadcast axes and
``Function.apply`` broadcasts tangents."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dtypes import as_dtype, result_type
from ..errors import OpError, OpTypeError
from ..function import Function, Primitive, call
from ..grad_mode import no_grad
from ..tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..tensor_ops import Operand


def _plus(a, b):
    """Sum of two optional tangents (None means zero)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _scaled(t, factor):
    return None if t is None else t * factor


def _tie_weights(ctx, a, b, wins, out):
    """Share of the gradient that goes to ``a``: 1 where it wins, 0.5 on a tie between two
    tensors, and 0 on a tie with a constant (a Python number is fixed, as in PyTorch)."""
    a_is_tensor, b_is_tensor = (isinstance(x, (Tensor, Function)) for x in ctx._entries())
    tie = 0.5 if a_is_tensor and b_is_tensor else (0.0 if a_is_tensor else 1.0)
    weight_a = (wins(a, b) + tie * np.equal(a, b)).astype(out.dtype)
    ctx.save_for_backward(weight_a, 1.0 - weight_a)


class Maximum(Primitive):
    """max(a, b) elementwise; the gradient goes to the larger side, split 0.5/0.5 on ties
    (a tie with a constant number gives the tensor 0, so maximum(x, 0) matches relu)"""

    broadcasting, symbol = True, "max"

    @staticmethod
    def forward(ctx, a, b):
        out = np.maximum(a, b)
        _tie_weights(ctx, a, b, np.greater, out)
        return out

    @staticmethod
    def backward(ctx, g):
        weight_a, weight_b = ctx.saved_tensors
        return g * weight_a, g * weight_b

    @staticmethod
    def jvp(ctx, ta, tb):
        weight_a, weight_b = ctx.saved_tensors
        return _plus(_scaled(ta, weight_a), _scaled(tb, weight_b))


class Minimum(Primitive):
    """min(a, b) elementwise; the gradient goes to the smaller side, split 0.5/0.5 on ties
    (0 for the tensor on a tie with a constant number)"""

    broadcasting, symbol = True, "min"

    @staticmethod
    def forward(ctx, a, b):
        out = np.minimum(a, b)
        _tie_weights(ctx, a, b, np.less, out)
        return out

    backward = staticmethod(Maximum.backward)
    jvp = staticmethod(Maximum.jvp)


class Where(Primitive):
    """cond ? a : b;  d/da = [cond], d/db = [not cond]; cond gets no gradient"""

    broadcasting, symbol = True, "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), dtype=g.dtype)
        return None, call(Where, ctx.cond, g, zero), call(Where, ctx.cond, zero, g)

    @staticmethod
    def jvp(ctx, t_cond, ta, tb):
        zero = np.zeros((), dtype=np.result_type(*(t.dtype for t in (ta, tb) if t is not None)))
        return where(ctx.cond, zero if ta is None else ta, zero if tb is None else tb)


class Clip(Primitive):
    """clip(a, lo, hi);  d/da = [lo ≤ a ≤ hi]"""

    symbol = "clip"

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        inside = np.ones(np.shape(a), dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.save_for_backward(inside)
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside

    @staticmethod
    def jvp(ctx, t):
        (inside,) = ctx.saved_tensors
        return t * inside


class Cast(Primitive):
    """a.astype(dtype); the gradient is cast back to a's dtype by the engine"""

    symbol = "cast"

    @staticmethod
    def forward(ctx, a, dtype=None):
        return np.asarray(a).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t


# ---------------------------------------------------------------------------- functions
def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise maximum; ties share the gradient 0.5/0.5."""
    return Maximum.apply(a, b)


def minimum(a: Operand, b: Operand) -> Tensor:
    """Elementwise minimum; ties share the gradient 0.5/0.5."""
    return Minimum.apply(a, b)


def where(cond: Tensor | np.ndarray, a: Operand, b: Operand) -> Tensor:
    """Elementwise ``a`` where ``cond`` is true, else ``b`` (cond gets no gradient)."""
    if isinstance(cond, Tensor):
        cond = cond._data
    cond = np.asarray(cond)
    if cond.dtype != bool:
        raise TypeError(f"where: cond must be a boolean tensor or array, got dtype {cond.dtype}")
    return Where.apply(cond, a, b)


def clip(a: Operand, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Clamp to [lo, hi]; the gradient is 1 inside (bounds included), 0 outside."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    _check_bounds("clip", arrays=True, lo=lo, hi=hi)
    return Clip.apply(_tensor(a, "clip"), lo=lo, hi=hi)


def clamp(a: Operand, min: float | None = None, max: float | None = None) -> Tensor:
    """PyTorch's name and keywords for ``clip``: min(max(a, min), max), with the same
    gradient (1 inside [min, max], bounds included, 0 outside). When min > max every
    element becomes max, as in PyTorch and numpy."""
    if min is None and max is None:
        raise OpError("clamp: at least one of min and max must be given")
    _check_bounds("clamp", arrays=False, min=min, max=max)
    return Clip.apply(_tensor(a, "clamp"), lo=min, hi=max)


def _check_bounds(op: str, arrays: bool, **bounds: Any) -> None:
    """Bounds are numbers or None; clip also passes arrays on to np.clip (``arrays``). A
    Tensor bound is refused: it would silently get no gradient."""
    for name, bound in bounds.items():
        if isinstance(bound, Tensor):
            raise OpTypeError(
                f"{op}: {name} must be a number, got a Tensor; for a tensor bound use "
                "ag.maximum / ag.minimum, which also give the bound a gradient"
            )
        if not arrays and bound is not None and not isinstance(bound, numbers.Real):
            raise OpTypeError(f"{op}: {name} must be a number, got {type(bound).__name__}")


def cast(a: Operand, dtype: DTypeLike) -> Tensor:
    """The tensor converted to ``dtype`` (itself when it already has it)."""
    a = _tensor(a, "cast")
    dtype = as_dtype(dtype, "cast")
    if a.dtype == dtype:
        return a
    if a.requires_grad and dtype.kind not in "fc":  # integers carry no gradient: no node
        with no_grad():
            return Cast.apply(a, dtype=dtype)
    return Cast.apply(a, dtype=dtype)


def _tensor(a, where):
    """``a`` as a Tensor (numbers and nested lists are converted); errors name ``where``."""
    if isinstance(a, Tensor):
        return a
    try:
        return Tensor(a)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def promoted_arrays(a: Operand, b: Operand) -> tuple[Any, Any]:
    """The values of ``a`` and ``b`` (Tensors, arrays or numbers) as arrays of the dtype a
    binary op on them computes in (PyTorch's rule); comparisons use it. Anything that is
    not a number is left as it is."""
    a, b = (x._data if isinstance(x, Tensor) else x for x in (a, b))
    try:
        dtype = result_type(a, b)
    except TypeError:
        return a, b
    return np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
