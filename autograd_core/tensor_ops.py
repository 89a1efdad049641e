"""``TensorOps``: a Tensor's operators, math methods, comparisons and in-place methods; a base
class of ``Tensor`` (its reductions, shape and dtype methods are ``TensorMethods``).

``x + y``, ``x @ w``, ``x[i]``, ``x.exp()``, ``x.sum(axis)`` ... each calls the op of the
same name in ``autograd_core.ops``, which computes the result and records it in the graph.
Comparisons (``x < y``, ``x.lt(y)``) give bool tensors outside the graph. ``x.add_(y)``,
``x += y``, ``x[i] = v`` ... change x in place (``autograd_core.inplace``).

PyTorch's method names are here too, with PyTorch's meaning wherever it differs from
numpy's: ``x.view(2, 3)``, ``x.t()``, ``x.expand(...)``, ``x.to(dtype)``, ``x.float()``,
``x.clone()``, ``x.masked_fill(mask, v)``, ``x.max(dim)`` (values and indices),
``x.transpose(0, 1)`` (two axes: swapped), ``x.repeat(2, 3)`` (tiles the whole tensor).

The ops import ``Tensor``, which is built from this class, so this module cannot import
them while it loads: it reaches them through the package (``ag.ops``, ``ag.inplace``) when
a method runs, once every module is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

import autograd_core as ag

from . import tensor as tensor_module  # half loaded now (it imports this module): read later
from .errors import OpTypeError
from .jit import capture

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["TensorOps", "Operand", "Axis"]

# what an op accepts as an operand, and as an axis
Operand: TypeAlias = "Tensor | np.ndarray | float | int | bool"
Axis: TypeAlias = "int | tuple[int, ...] | None"


class TensorOps:
    """The methods of ``Tensor`` that are ops (see the module docstring)."""

    __slots__ = ()

    # ----------------------------------------------------------------- operators
    def __add__(self, other: Operand) -> Tensor:
        return ag.ops.add(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return ag.ops.add(other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return ag.ops.sub(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return ag.ops.sub(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return ag.ops.mul(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return ag.ops.mul(other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return ag.ops.div(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return ag.ops.div(other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return ag.ops.pow(self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return ag.ops.pow(other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return ag.ops.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return ag.ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ag.ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ag.ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ag.ops.getitem(self, index)

    # comparisons give bool tensors that carry no gradient
    def __lt__(self, other: Operand) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Operand) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Operand) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Operand) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: Operand) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Operand) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    # ----------------------------------------------------------------- math
    def exp(self) -> Tensor:
        return ag.ops.exp(self)

    def log(self) -> Tensor:
        return ag.ops.log(self)

    def log1p(self) -> Tensor:
        return ag.ops.log1p(self)

    def expm1(self) -> Tensor:
        return ag.ops.expm1(self)

    def sqrt(self) -> Tensor:
        return ag.ops.sqrt(self)

    def rsqrt(self) -> Tensor:
        return ag.ops.rsqrt(self)

    def square(self) -> Tensor:
        return ag.ops.square(self)

    def reciprocal(self) -> Tensor:
        return ag.ops.reciprocal(self)

    def abs(self) -> Tensor:
        return ag.ops.abs(self)

    def sign(self) -> Tensor:
        return ag.ops.sign(self)

    def sin(self) -> Tensor:
        return ag.ops.sin(self)

    def cos(self) -> Tensor:
        return ag.ops.cos(self)

    def sinh(self) -> Tensor:
        return ag.ops.sinh(self)

    def cosh(self) -> Tensor:
        return ag.ops.cosh(self)

    def tanh(self) -> Tensor:
        return ag.ops.tanh(self)

    def arcsin(self) -> Tensor:
        return ag.ops.arcsin(self)

    def arccos(self) -> Tensor:
        return ag.ops.arccos(self)

    def arctan(self) -> Tensor:
        return ag.ops.arctan(self)

    asin, acos, atan = arcsin, arccos, arctan  # PyTorch's names

    def sigmoid(self) -> Tensor:
        return ag.ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ag.ops.relu(self)

    def floor(self) -> Tensor:
        return ag.ops.floor(self)

    def ceil(self) -> Tensor:
        return ag.ops.ceil(self)

    def round(self, decimals: int = 0) -> Tensor:
        return ag.ops.round(self, decimals)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        return ag.ops.clip(self, lo, hi)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return ag.ops.clamp(self, min, max)

    def pow(self, exponent: Operand) -> Tensor:
        return ag.ops.pow(self, exponent)

    def add(self, other: Operand) -> Tensor:
        return ag.ops.add(self, other)

    def sub(self, other: Operand) -> Tensor:
        return ag.ops.sub(self, other)

    def mul(self, other: Operand) -> Tensor:
        return ag.ops.mul(self, other)

    def div(self, other: Operand) -> Tensor:
        return ag.ops.div(self, other)

    def neg(self) -> Tensor:
        return ag.ops.neg(self)

    def matmul(self, other: Operand) -> Tensor:
        return ag.ops.matmul(self, other)

    def mm(self, other: Operand) -> Tensor:
        return ag.ops.mm(self, other)

    def outer(self, other: Operand) -> Tensor:
        return ag.ops.outer(self, other)

    # ----------------------------------------------------------------- comparisons
    def eq(self, other: Operand) -> Tensor:
        return _compare(np.equal, self, other)

    def ne(self, other: Operand) -> Tensor:
        return _compare(np.not_equal, self, other)

    def lt(self, other: Operand) -> Tensor:
        return _compare(np.less, self, other)

    def le(self, other: Operand) -> Tensor:
        return _compare(np.less_equal, self, other)

    def gt(self, other: Operand) -> Tensor:
        return _compare(np.greater, self, other)

    def ge(self, other: Operand) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def any(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Whether any element (along ``axis``) is nonzero: a bool tensor outside the graph."""
        return _logical("any", self, axis, keepdims, dim, keepdim)

    def all(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Whether every element (along ``axis``) is nonzero: a bool tensor outside the graph."""
        return _logical("all", self, axis, keepdims, dim, keepdim)

    def masked_fill(self, mask: Tensor | np.ndarray, value: Operand) -> Tensor:
        """``value`` where the bool ``mask`` is True, the tensor's own values elsewhere, in the
        tensor's dtype (as PyTorch); the gradient flows to both."""
        mask_dtype = np.asarray(mask._data if isinstance(mask, TensorOps) else mask).dtype
        if mask_dtype != np.bool_:
            raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {mask_dtype}")
        return ag.ops.cast(ag.ops.where(mask, value, self), self.dtype)

    # ----------------------------------------------------------------- in place (inplace.py)
    # Each writes into the buffer and returns self; inplace.py says what is refused and how
    # backward and forward mode stay right.
    def add_(self, other: Operand) -> Tensor:
        return ag.inplace.update(self, "add_", np.add, other)

    def sub_(self, other: Operand) -> Tensor:
        return ag.inplace.update(self, "sub_", np.subtract, other)

    def mul_(self, other: Operand) -> Tensor:
        return ag.inplace.update(self, "mul_", np.multiply, other)

    def div_(self, other: Operand) -> Tensor:
        return ag.inplace.update(self, "div_", np.true_divide, other)

    def zero_(self) -> Tensor:
        return ag.inplace.fill(self, "zero_", 0)

    def fill_(self, value: Operand) -> Tensor:
        return ag.inplace.fill(self, "fill_", value)

    def __setitem__(self, index: Any, value: Operand) -> None:
        ag.inplace.setitem(self, index, value)

    # x += y updates x in place, or rebinds x to x + y while the graph is recorded
    def __iadd__(self, other: Operand) -> Tensor:
        return self + other if ag.inplace.rebinds(self, other) else self.add_(other)

    def __isub__(self, other: Operand) -> Tensor:
        return self - other if ag.inplace.rebinds(self, other) else self.sub_(other)

    def __imul__(self, other: Operand) -> Tensor:
        return self * other if ag.inplace.rebinds(self, other) else self.mul_(other)

    def __itruediv__(self, other: Operand) -> Tensor:
        return self / other if ag.inplace.rebinds(self, other) else self.div_(other)


def _compare(ufunc: np.ufunc, a: Tensor, b: Operand) -> Tensor:
    """``ufunc(a, b)`` (a comparison) as a bool tensor outside the graph, computed in the
    dtype an op on a and b would use."""
    Tensor = tensor_module.Tensor
    if not (
        isinstance(b, Tensor)
        and a._data.dtype is b._data.dtype
        or type(b) in (int, float)
        and a._data.dtype.kind == "f"
    ):
        a, b = ag.ops.elementwise.promoted_arrays(a, b)
    a = a._data if isinstance(a, Tensor) else a
    b = b._data if isinstance(b, Tensor) else b
    try:
        result = np.asarray(ufunc(a, b))
    except ValueError:
        raise ValueError(
            f"{ufunc.__name__}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together"
        ) from None
    except TypeError:
        raise TypeError(
            f"{ufunc.__name__}: cannot compare a tensor with {type(b).__name__}"
        ) from None
    capture.record_numpy(ufunc, (a, b), result)  # masks are data: ag.compile recomputes them
    return tensor_module._wrap(result)


def _logical(name: str, a: Tensor, axis: Axis, keepdims: bool, dim: Axis, keepdim: Any) -> Tensor:
    """``a.any(...)`` / ``a.all(...)``: a bool tensor outside the graph, which ag.compile
    recomputes on each call."""
    axis = ag.ops.dims.axis_arg(name, axis, dim)
    keepdims = ag.ops.dims.keepdims_arg(name, keepdims, keepdim)
    if not isinstance(keepdims, (bool, np.bool_)):
        raise OpTypeError(f"{name}: keepdims must be a bool, got {keepdims!r}")
    axes = ag.ops.reduce.normalize_axes(axis, a.ndim, name)
    fn = _any if name == "any" else _all
    result = np.asarray(fn(a._data, axes, keepdims))
    capture.record_numpy(fn, (a, axes, keepdims), result)
    return tensor_module._wrap(result)


def _any(array: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.any(array, axis=axes, keepdims=keepdims)


def _all(array: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.all(array, axis=axes, keepdims=keepdims)
