"""Functions that make tensors."""

import numpy as np

from . import dtypes
from .tensor import Tensor, _leaf

__all__ = ["tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "randn", "rand",
           "arange"]


def tensor(data, requires_grad=False, dtype=None, name=None):
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


def _dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape, dtype=None, requires_grad=False):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _leaf(np.zeros(_shape(shape, "zeros"), _dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _leaf(np.ones(_shape(shape, "ones"), _dtype(dtype)), requires_grad)


def full(shape, value, dtype=None, requires_grad=False):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _leaf(np.full(_shape(shape, "full"), value, _dtype(dtype)), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with the shape (and dtype, unless given) of ``t``."""
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return _leaf(np.zeros(data.shape, dtype or data.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with the shape (and dtype, unless given) of ``t``."""
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return _leaf(np.ones(data.shape, dtype or data.dtype), requires_grad)


def _rng(rng):
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator or an int seed, got {type(rng).__name__}")
    return rng


def randn(*shape, rng=None, dtype=None, requires_grad=False):
    """Standard normal samples; pass ``rng`` (a numpy Generator or a seed) to reproduce."""
    data = _rng(rng).standard_normal(_shape(shape, "randn")).astype(_dtype(dtype), copy=False)
    return _leaf(data, requires_grad)


def rand(*shape, rng=None, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1); pass ``rng`` to reproduce."""
    data = _rng(rng).random(_shape(shape, "rand")).astype(_dtype(dtype), copy=False)
    return _leaf(data, requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Evenly spaced values in [start, stop): integers stay int64 unless ``dtype`` is given,
    floats take the default dtype."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if integral else dtypes.get_default_dtype()
    return _leaf(np.arange(start, stop, step, dtype=dtype), requires_grad)
