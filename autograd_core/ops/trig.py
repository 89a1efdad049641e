"""Trigonometric and hyperbolic primitives: sin, cos, sinh, cosh, arcsin, arccos, arctan
(PyTorch's asin, acos, atan are the same functions). Each derivative is the textbook one:
sin' = cos, cos' = -sin, sinh' = cosh, cosh' = sinh, arcsin' = 1/√(1-a²),
arccos' = -1/√(1-a²), arctan' = 1/(1+a²)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive, call
from .elementwise import _tensor
from .unary import Sqrt

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Operand


class Sin(Primitive):
    """y = sin a;  dy = cos a · da"""

    symbol = "sin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * call(Cos, a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * call(Cos, a)


class Cos(Primitive):
    """y = cos a;  dy = -sin a · da"""

    symbol = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * call(Sin, a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return -t * call(Sin, a)


class Sinh(Primitive):
    """y = sinh a;  dy = cosh a · da"""

    symbol = "sinh"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sinh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * call(Cosh, a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * call(Cosh, a)


class Cosh(Primitive):
    """y = cosh a;  dy = sinh a · da"""

    symbol = "cosh"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cosh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * call(Sinh, a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * call(Sinh, a)


def _one_minus_square(a):
    """1 - a², as (1 - a)(1 + a): no cancellation near |a| = 1, where arcsin's slope lives."""
    return (1.0 - a) * (1.0 + a)


class Arcsin(Primitive):
    """y = arcsin a;  dy = da / √(1 - a²)  (+inf at a = ±1, nan outside [-1, 1])"""

    symbol = "asin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arcsin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / call(Sqrt, _one_minus_square(a))

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t / call(Sqrt, _one_minus_square(a))


class Arccos(Primitive):
    """y = arccos a;  dy = -da / √(1 - a²)  (-inf at a = ±1, nan outside [-1, 1])"""

    symbol = "acos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arccos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g / call(Sqrt, _one_minus_square(a))

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return -t / call(Sqrt, _one_minus_square(a))


class Arctan(Primitive):
    """y = arctan a;  dy = da / (1 + a²)"""

    symbol = "atan"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1.0 + a * a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t / (1.0 + a * a)


# ---------------------------------------------------------------------------- functions
def sin(a: Operand) -> Tensor:
    return Sin.apply(_tensor(a, "sin"))


def cos(a: Operand) -> Tensor:
    return Cos.apply(_tensor(a, "cos"))


def sinh(a: Operand) -> Tensor:
    return Sinh.apply(_tensor(a, "sinh"))


def cosh(a: Operand) -> Tensor:
    return Cosh.apply(_tensor(a, "cosh"))


def arcsin(a: Operand) -> Tensor:
    """Inverse sine, in [-π/2, π/2]; nan outside [-1, 1]. PyTorch's name: asin."""
    return Arcsin.apply(_tensor(a, "arcsin"))


def arccos(a: Operand) -> Tensor:
    """Inverse cosine, in [0, π]; nan outside [-1, 1]. PyTorch's name: acos."""
    return Arccos.apply(_tensor(a, "arccos"))


def arctan(a: Operand) -> Tensor:
    """Inverse tangent, in (-π/2, π/2). PyTorch's name: atan."""
    return Arctan.apply(_tensor(a, "arctan"))


# PyTorch's names: the same function objects


asin, acos, atan = arcsin, arccos, arctan
