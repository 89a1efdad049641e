"""Functions that make tensors."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from . import dtypes
from .jit.capture import refuse
from .tensor import Tensor, _wrap

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

Seed: TypeAlias = "np.random.Generator | int | None"  # what an ``rng=`` argument accepts

__all__ = ["tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "randn", "rand", "arange"]


_MAX_ELEMENTS = 2**31  # a guard against an accidental arange(0, 1e300)


def tensor(
    data: ArrayLike | Tensor,
    requires_grad: bool = False,
    dtype: DTypeLike | None = None,
    name: str | None = None,
) -> Tensor:
    """A Tensor from a number, a nested list, a numpy array or a Tensor.

    Python numbers and lists take the default dtype (``ag.get_default_dtype()``); numpy
    arrays keep theirs. The data is copied, so the tensor never aliases the caller's array.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _shape(shape, where):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{where}: shape must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf around a freshly made array (no copy)."""
    t = _wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _dtype(dtype, where="tensor"):
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype, where)


def zeros(
    *shape: int | tuple[int, ...], dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _leaf(np.zeros(_shape(shape, "zeros"), _dtype(dtype, "zeros")), requires_grad)


def ones(
    *shape: int | tuple[int, ...], dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _leaf(np.ones(_shape(shape, "ones"), _dtype(dtype, "ones")), requires_grad)


def full(
    shape: int | tuple[int, ...],
    value: float | Tensor,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``shape`` filled with the number ``value``."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"full: shape must be an int or a tuple of ints, got {shape!r}")
    if isinstance(value, Tensor):
        value = value._data
    if np.ndim(value) != 0 or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"full: value must be a number, got {value!r}")
    data = np.full(_shape(tuple(shape), "full"), value, _dtype(dtype, "full"))
    return _leaf(data, requires_grad)


def _like(t, where):
    if isinstance(t, Tensor):
        return t._data
    try:
        return dtypes.to_array(t, where=where)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{where}: expected a Tensor or array-like, got {type(t).__name__}"
        ) from exc


def zeros_like(
    t: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``t``."""
    data = _like(t, "zeros_like")
    return _leaf(
        np.zeros(data.shape, _dtype(dtype, "zeros_like") if dtype else data.dtype), requires_grad
    )


def ones_like(
    t: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``t``."""
    data = _like(t, "ones_like")
    return _leaf(
        np.ones(data.shape, _dtype(dtype, "ones_like") if dtype else data.dtype), requires_grad
    )


def generator(rng: Seed = None, where: str = "rng") -> np.random.Generator:
    """A numpy Generator from None (fresh entropy), an int seed or a Generator: the one
    place where every ``rng=`` argument of the library is interpreted."""
    refuse(f"random numbers ({where})")
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{where}: a seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(rng)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy Generator or an int seed, got {type(rng).__name__}"
        )
    return rng


def randn(
    *shape: int | tuple[int, ...],
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; pass ``rng`` (a numpy Generator or a seed) to reproduce."""
    data = generator(rng, "randn").standard_normal(_shape(shape, "randn"))
    data = data.astype(_dtype(dtype, "randn"), copy=False)
    return _leaf(data, requires_grad)


def rand(
    *shape: int | tuple[int, ...],
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1); pass ``rng`` to reproduce."""
    data = generator(rng, "rand").random(_shape(shape, "rand"))
    data = data.astype(_dtype(dtype, "rand"), copy=False)
    return _leaf(data, requires_grad)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Evenly spaced values in [start, stop): integers stay int64 unless ``dtype`` is given,
    floats take the default dtype."""
    if stop is None:
        start, stop = 0, start
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: {name} must be a number, got {value!r}")
    if not all(np.isfinite(v) for v in (start, stop, step)):
        raise ValueError(
            f"arange: start, stop and step must be finite, got {start}, {stop}, {step}"
        )
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
