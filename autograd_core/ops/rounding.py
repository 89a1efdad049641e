"""Piecewise-constant primitives: sign, floor, ceil, round.

Each is a step function: flat between its jumps, so its derivative is 0 almost everywhere
and undefined only at the jumps (the integers, the half-integers, 0). As PyTorch and JAX
do, the gradient is taken to be 0 everywhere, jumps included: ``floor(x).sum().backward()``
gives ``x.grad`` = zeros (a gradient, not None, so that a parameter used only through a
rounding op still gets one), and forward mode gives zero tangents. To send a gradient
through a rounding step anyway, write the straight-through estimator yourself:
``x + (floor(x) - x).detach()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import OpTypeError
from ..function import Primitive
from .elementwise import _tensor

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Operand


class _Steps(Primitive):
    """A step function: d/da = 0 (forward is the subclass's)."""

    @staticmethod
    def backward(ctx, g):
        return np.zeros(g.shape, dtype=g.dtype)

    @staticmethod
    def jvp(ctx, t):
        return np.zeros(t.shape, dtype=t.dtype)


class Sign(_Steps):
    """y = sign a (-1, 0 or 1; nan stays nan);  dy = 0"""

    symbol = "sign"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)


class Floor(_Steps):
    """y = ⌊a⌋;  dy = 0"""

    symbol = "floor"

    @staticmethod
    def forward(ctx, a):
        return np.floor(a)


class Ceil(_Steps):
    """y = ⌈a⌉;  dy = 0"""

    symbol = "ceil"

    @staticmethod
    def forward(ctx, a):
        return np.ceil(a)


class Round(_Steps):
    """y = a rounded to ``decimals`` places, halves to even (0.5 -> 0, 1.5 -> 2);  dy = 0"""

    symbol = "round"

    @staticmethod
    def forward(ctx, a, decimals=0):
        return np.round(a, decimals)


# ---------------------------------------------------------------------------- functions
def sign(a: Operand) -> Tensor:
    """-1, 0 or 1 by the sign of each element; the gradient is 0."""
    return Sign.apply(_tensor(a, "sign"))


def floor(a: Operand) -> Tensor:
    """The largest integer ≤ each element; the gradient is 0."""
    return Floor.apply(_tensor(a, "floor"))


def ceil(a: Operand) -> Tensor:
    """The smallest integer ≥ each element; the gradient is 0."""
    return Ceil.apply(_tensor(a, "ceil"))


def round(a: Operand, decimals: int = 0) -> Tensor:
    """Each element rounded to ``decimals`` decimal places, ties to the even neighbour (numpy's
    and PyTorch's rule: round(2.5) = 2); the gradient is 0."""
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise OpTypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    return Round.apply(_tensor(a, "round"), decimals=int(decimals))
