"""Random tensors, and the library's one reading of ``rng=`` arguments.

``rng=`` (a numpy Generator, an int seed or None) is read by ``generator`` everywhere in the
library (randn, layer initialisation, dropout masks, data shuffling); after
``ag.manual_seed(s)`` every ``rng=None`` draws from one generator seeded with s, so a seeded
program repeats itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from . import dtypes
from .creation import _dtype, _leaf, _like, _shape
from .device import check_device
from .jit.capture import refuse
from .tensor import _wrap

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from .device import device as Device
    from .tensor import Tensor

Seed: TypeAlias = "np.random.Generator | int | None"  # what an ``rng=`` argument accepts
Shape: TypeAlias = "int | tuple[int, ...] | list[int]"

__all__ = [
    "manual_seed",
    "generator",
    "randn",
    "rand",
    "randn_like",
    "rand_like",
    "randint",
    "randperm",
]

_seeded: np.random.Generator | None = None  # the generator of rng=None after manual_seed


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the library's generator: from now on every ``rng=None`` (``randn``, layer
    initialisation, dropout masks, data shuffling) draws from one numpy Generator seeded
    with ``seed``, so two runs after ``manual_seed(0)`` draw the same numbers. Returns it."""
    global _seeded
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
    _seeded = generator(int(seed), "manual_seed")
    return _seeded


def generator(rng: Seed = None, where: str = "rng") -> np.random.Generator:
    """A numpy Generator from None (the seeded generator after ``manual_seed``, else fresh
    entropy), an int seed or a Generator: the one place where every ``rng=`` argument of the
    library is interpreted."""
    refuse(f"random numbers ({where})")
    if rng is None:
        return np.random.default_rng() if _seeded is None else _seeded
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
    *shape: Shape,
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """Standard normal samples; pass ``rng`` (a numpy Generator or a seed) to reproduce."""
    check_device(device, "randn")
    data = generator(rng, "randn").standard_normal(_shape(shape, "randn"))
    return _leaf(data.astype(_dtype(dtype, "randn"), copy=False), requires_grad)


def rand(
    *shape: Shape,
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """Uniform samples in [0, 1); pass ``rng`` to reproduce."""
    check_device(device, "rand")
    data = generator(rng, "rand").random(_shape(shape, "rand"))
    return _leaf(data.astype(_dtype(dtype, "rand"), copy=False), requires_grad)


def randn_like(
    t: Tensor | ArrayLike,
    *,
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """Standard normal samples in the shape (and float dtype, unless given) of ``t``."""
    check_device(device, "randn_like")
    shape, dtype = _random_like(t, dtype, "randn_like")
    return randn(shape, rng=rng, dtype=dtype, requires_grad=requires_grad, device=device)


def rand_like(
    t: Tensor | ArrayLike,
    *,
    rng: Seed = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: str | Device | None = None,
) -> Tensor:
    """Uniform samples in [0, 1) in the shape (and float dtype, unless given) of ``t``."""
    check_device(device, "rand_like")
    shape, dtype = _random_like(t, dtype, "rand_like")
    return rand(shape, rng=rng, dtype=dtype, requires_grad=requires_grad, device=device)


def randint(
    low: int,
    high: int | Shape | None = None,
    size: Shape = (),
    *,
    rng: Seed = None,
    dtype: DTypeLike = np.int64,
    device: str | Device | None = None,
) -> Tensor:
    """Random integers in [low, high): ``randint(low, high, size)``, or PyTorch's
    ``randint(high, size)`` (low = 0) and ``randint(high)``."""
    check_device(device, "randint")
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int, got {value!r}")
    if high <= low:
        raise ValueError(f"randint: high must be greater than low, got low={low}, high={high}")
    shape = _shape(size if isinstance(size, (tuple, list)) else (size,), "randint")
    data = generator(rng, "randint").integers(low, high, shape)
    return _wrap(data.astype(_dtype(dtype, "randint"), copy=False))


def randperm(
    n: int, *, rng: Seed = None, dtype: DTypeLike = np.int64, device: str | Device | None = None
) -> Tensor:
    """A random permutation of 0, 1, ..., n - 1."""
    check_device(device, "randperm")
    (n,) = _shape((n,), "randperm")
    data = generator(rng, "randperm").permutation(n)
    return _wrap(data.astype(_dtype(dtype, "randperm"), copy=False))


def _random_like(t: Tensor | ArrayLike, dtype: DTypeLike | None, where: str) -> tuple:
    """The shape of ``t`` and the float dtype random samples like it take."""
    data = _like(t, where)
    dtype = data.dtype if dtype is None else dtypes.as_dtype(dtype, where)
    if dtype.kind != "f":
        raise TypeError(f"{where}: random samples need a float dtype, got {dtype}")
    return data.shape, dtype
