"""``TensorOps``: a Tensor's operators, math methods and in-place methods; a base class of
``Tensor``.

``x + y``, ``x @ w``, ``x[i]``, ``x.exp()``, ``x.sum(axis)`` ... each calls the op of the
same name in ``autograd_core.ops``, which computes the result and records it in the graph.
Comparisons (``x < y``) give bool tensors outside the graph. ``x.add_(y)``, ``x += y``,
``x[i] = v`` ... change x in place (``autograd_core.inplace``).

The ops import ``Tensor``, which is built from this class, so this module cannot import
them while it loads: it reaches them through the package (``ag.ops``, ``ag.inplace``) when
a method runs, once every module is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

import autograd_core as ag

from . import tensor as tensor_module  # half loaded now (it imports this module): read later
from .jit import capture

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

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

    # ----------------------------------------------------------------- methods
    def exp(self) -> Tensor:
        return ag.ops.exp(self)

    def log(self) -> Tensor:
        return ag.ops.log(self)

    def sqrt(self) -> Tensor:
        return ag.ops.sqrt(self)

    def abs(self) -> Tensor:
        return ag.ops.abs(self)

    def sin(self) -> Tensor:
        return ag.ops.sin(self)

    def cos(self) -> Tensor:
        return ag.ops.cos(self)

    def tanh(self) -> Tensor:
        return ag.ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return ag.ops.sigmoid(self)

    def relu(self) -> Tensor:
        return ag.ops.relu(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        return ag.ops.clip(self, lo, hi)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.mean(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return ag.ops.var(self, axis, keepdims, ddof)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.max(self, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.min(self, axis, keepdims)

    def norm(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.norm(self, axis, keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return ag.ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return ag.ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ag.ops.log_softmax(self, axis)

    def reshape(self, *shape: int | tuple[int, ...] | list[int]) -> Tensor:
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ag.ops.reshape(self, shape)

    def transpose(self, *axes: int | tuple[int, ...] | list[int]) -> Tensor:
        """Axes reversed (no argument), or permuted: ``x.transpose(1, 0, 2)``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ag.ops.transpose(self, axes or None)

    def flatten(self) -> Tensor:
        return ag.ops.reshape(self, (-1,))

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return ag.ops.broadcast_to(self, shape)

    def astype(self, dtype: DTypeLike) -> Tensor:
        return ag.ops.cast(self, dtype)

    def float(self) -> Tensor:
        return ag.ops.cast(self, np.float32)

    def double(self) -> Tensor:
        return ag.ops.cast(self, np.float64)

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
