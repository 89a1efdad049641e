"""Functions that make tensors, and value comparisons (random tensors are in ``random.py``).

Every factory takes PyTorch's keywords: ``dtype=``, ``requires_grad=`` and ``device=``
(the CPU only: see ``device.py``).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from . import dtypes
from .device import check_device
from .jit import capture
from .tensor import Tensor, _wrap, positional_error

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from .device import device as Device

Shape: TypeAlias = "int | tuple[int, ...] | list[int]"

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "full_like",
    "eye",
    "arange",
    "linspace",
    "allclose",
    "isclose",
]


_MAX_ELEMENTS = 2**31  # a guard against an accidental arange(0, 1e300)


# ---------------------------------------------------------------------------- from data
def tensor(
    data: ArrayLike | Tensor,
    *refused: object,
    dtype: DTypeLike | None = None,
    device: str | Device | None = None,
    requires_grad: bool = False,
    name: str | None = None,
) -> Tensor:
    """A Tensor from a number, a nested list, a numpy array or a Tensor.

    As in PyTorch, Python ints are int64, bools bool and floats the default dtype
    (``ag.get_default_dtype()``); numpy arrays keep theirs. The data is copied, so the
    tensor never aliases the caller's array. Only ``data`` is positional: ``tensor(2, 3)``
    raises (use ``zeros(2, 3)`` for a shape, ``tensor([2, 3])`` for values).
    """
    if refused:
        raise positional_error("tensor", data, refused)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name, device=device)


def as_tensor(
    data: ArrayLike | Tensor, dtype: DTypeLike | None = None, device: str | Device | None = None
) -> Tensor:
    """``data`` itself when it is a Tensor of that dtype (None: any), a recorded cast of it
    for another dtype, else a new tensor as ``tensor(data, dtype=dtype)`` makes."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.astype(dtype)  # a recorded cast
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor with the values and dtype of a numpy array.

    Unlike PyTorch's, it COPIES the array: with a shared buffer, a later change to the
    array would change the values a recorded graph saved for backward, and this engine
    has no version counter on numpy arrays to notice it.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Tensor(array)


# ---------------------------------------------------------------------------- filled
def zeros(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    check_device(device, "zeros")
    return _leaf(np.zeros(_shape(shape, "zeros"), _dtype(dtype, "zeros")), requires_grad)


def ones(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    check_device(device, "ones")
    return _leaf(np.ones(_shape(shape, "ones"), _dtype(dtype, "ones")), requires_grad)


def empty(
    *shape: Shape,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """A tensor to be filled: zeros, in fact. PyTorch leaves the memory uninitialised for
    speed; here reading it gives zeros rather than leftovers of other arrays."""
    check_device(device, "empty")
    return _leaf(np.zeros(_shape(shape, "empty"), _dtype(dtype, "empty")), requires_grad)


def full(
    shape: Shape,
    value: float | Tensor,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    *,
    device: str | Device | None = None,
) -> Tensor:
    """A tensor of ``shape`` filled with the number ``value``."""
    check_device(device, "full")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"full: shape must be an int or a tuple of ints, got {shape!r}")
    data = np.full(_shape(tuple(shape), "full"), _fill_value(value, "full"), _dtype(dtype, "full"))
    return _leaf(data, requires_grad)


def zeros_like(
    t: Tensor | ArrayLike,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    *,
    device: str | Device | None = None,
) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``t``."""
    return _filled_like(t, 0, dtype, requires_grad, device, "zeros_like")


def ones_like(
    t: Tensor | ArrayLike,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    *,
    device: str | Device | None = None,
) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``t``."""
    return _filled_like(t, 1, dtype, requires_grad, device, "ones_like")


def full_like(
    t: Tensor | ArrayLike,
    value: float | Tensor,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """``value`` everywhere, in the shape (and dtype, unless given) of ``t``."""
    return _filled_like(t, value, dtype, requires_grad, device, "full_like")


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """The n × m identity matrix (m = n unless given): ones on the diagonal."""
    check_device(device, "eye")
    rows, cols = _shape((n, n if m is None else m), "eye")
    return _leaf(np.eye(rows, cols, dtype=_dtype(dtype, "eye")), requires_grad)


# ---------------------------------------------------------------------------- ranges
def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    *,
    device: str | Device | None = None,
) -> Tensor:
    """Evenly spaced values in [start, stop): integers stay int64 unless ``dtype`` is given,
    floats take the default dtype."""
    check_device(device, "arange")
    if stop is None:
        start, stop = 0, start
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        _check_finite_number(value, name, "arange")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    count = max(0.0, np.ceil((stop - start) / step))
    if count > _MAX_ELEMENTS:
        raise ValueError(f"arange: {count:.3g} elements would not fit in memory")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if integral else dtypes.get_default_dtype()
    data = np.arange(start, stop, step, dtype=_dtype(dtype, "arange"))
    return _leaf(data, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included:
    start + i · (end - start) / (steps - 1)."""
    check_device(device, "linspace")
    _check_finite_number(start, "start", "linspace")
    _check_finite_number(end, "end", "linspace")
    (steps,) = _shape((steps,), "linspace")
    if steps > _MAX_ELEMENTS:
        raise ValueError(f"linspace: {steps} elements would not fit in memory")
    data = np.linspace(start, end, steps, dtype=_dtype(dtype, "linspace"))
    return _leaf(data, requires_grad)


# ---------------------------------------------------------------------------- comparing values
def isclose(
    a: Tensor | ArrayLike,
    b: Tensor | ArrayLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """Elementwise |a - b| <= atol + rtol · |b| as a bool tensor outside the graph (NaNs
    equal each other only with ``equal_nan``)."""
    x, y = _values(a, "isclose"), _values(b, "isclose")
    try:
        result = np.asarray(_isclose(x, y, rtol, atol, equal_nan))
    except ValueError:
        raise ValueError(
            f"isclose: shapes {x.shape} and {y.shape} cannot be broadcast together"
        ) from None
    capture.record_numpy(_isclose, (a, b, rtol, atol, equal_nan), result)  # recomputed
    return _wrap(result)


def allclose(
    a: Tensor | ArrayLike,
    b: Tensor | ArrayLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool:
    """True when every element of a is close to b's: |a - b| <= atol + rtol · |b|."""
    for t in (a, b):
        if isinstance(t, Tensor):
            capture.refuse_read(t, "allclose()")
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def _isclose(a, b, rtol, atol, equal_nan):
    """np.isclose on the arrays of Tensors (the helper ag.compile replays); bools compare
    as 0 and 1 (numpy cannot subtract them)."""
    a, b = (np.asarray(x._data if isinstance(x, Tensor) else x) for x in (a, b))
    a, b = (x.astype(np.int8) if x.dtype == np.bool_ else x for x in (a, b))
    return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


# ---------------------------------------------------------------------------- helpers
def _shape(shape: tuple, where: str) -> tuple[int, ...]:
    """A shape given as ints or as one tuple/list of ints, checked."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{where}: shape must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf around a freshly made array (no copy)."""
    t = _wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _dtype(dtype: DTypeLike | None, where: str) -> np.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype, where)


def _fill_value(value: object, where: str) -> object:
    """A fill value: a real number (bool, int or float), or a 0-d tensor's or array's."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, (numbers.Real, np.bool_)):
        raise TypeError(f"{where}: value must be a real number, got {value!r}")
    return value


def _check_finite_number(value: object, name: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{where}: {name} must be finite, got {value}")


def _filled_like(
    t: Tensor | ArrayLike,
    value: object,
    dtype: DTypeLike | None,
    requires_grad: bool,
    device: str | Device | None,
    where: str,
) -> Tensor:
    """``value`` in the shape (and dtype, unless given) of ``t``: the ``*_like`` functions."""
    check_device(device, where)
    data = _like(t, where)
    dtype = data.dtype if dtype is None else _dtype(dtype, where)
    return _leaf(np.full(data.shape, _fill_value(value, where), dtype), requires_grad)


def _like(t: Tensor | ArrayLike, where: str) -> np.ndarray:
    """The array of a ``*_like`` function's model tensor."""
    if isinstance(t, Tensor):
        return t._data
    try:
        return dtypes.to_array(t, where=where)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{where}: expected a Tensor or array-like, got {type(t).__name__}"
        ) from exc


def _values(x: Tensor | ArrayLike, where: str) -> np.ndarray:
    """The values of a Tensor, or of array-like data."""
    return x._data if isinstance(x, Tensor) else dtypes.to_array(x, where=where)
