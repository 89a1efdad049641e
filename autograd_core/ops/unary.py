"""Unary elementwise primitives: exp, log, sqrt, tanh, sigmoid, relu, abs; log1p, expm1,
square, reciprocal, rsqrt (the trigonometric ones are in ``trig.py``). Rules that need the
output (exp, expm1, sqrt, reciprocal, rsqrt, tanh, sigmoid) save it rather than recompute
it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive
from .elementwise import _tensor

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Operand


class Exp(Primitive):
    """y = e^a;  dy = y · da"""

    symbol = "exp"

    @staticmethod
    def forward(ctx, a):
        y = np.exp(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * y


class Log(Primitive):
    """y = log a;  dy = da / a"""

    symbol = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t / a


class Sqrt(Primitive):
    """y = √a;  dy = da / (2y)  (+inf at a = 0)"""

    symbol = "√"

    @staticmethod
    def forward(ctx, a):
        y = np.sqrt(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2.0 * y)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t / (2.0 * y)


class Tanh(Primitive):
    """y = tanh a;  dy = (1 - y²) · da"""

    symbol = "tanh"

    @staticmethod
    def forward(ctx, a):
        y = np.tanh(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1.0 - y * y)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * (1.0 - y * y)


class Sigmoid(Primitive):
    """y = 1 / (1 + e^-a);  dy = y(1 - y) · da.  Primitive for stability: each branch of
    the forward exponentiates only non-positive numbers, so ±1000 give exact 1 and 0."""

    symbol = "σ"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(under="ignore"):  # e^-1000 underflowing to 0 is the right answer
            e = np.exp(-np.abs(a))
        y = np.where(np.asarray(a) >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(e.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y * (1.0 - y))

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * (y * (1.0 - y))


class Relu(Primitive):
    """y = max(a, 0);  dy = [a > 0] · da  (relu'(0) = 0, as PyTorch and JAX)"""

    symbol = "relu"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a > 0)
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask

    @staticmethod
    def jvp(ctx, t):
        (mask,) = ctx.saved_tensors
        return t * mask


class Abs(Primitive):
    """y = |a|;  dy = sign(a) · da  (abs'(0) = 0)"""

    symbol = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(np.sign(a))
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (sign,) = ctx.saved_tensors
        return g * sign

    @staticmethod
    def jvp(ctx, t):
        (sign,) = ctx.saved_tensors
        return t * sign


class Log1p(Primitive):
    """y = log(1 + a);  dy = da / (1 + a).  Exact for tiny a, where 1 + a would round to 1
    (log1p(1e-10) = 1e-10, log(1 + 1e-10) ≈ 1.00000008e-10)."""

    symbol = "log1p"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1.0 + a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t / (1.0 + a)


class Expm1(Primitive):
    """y = e^a - 1;  dy = (y + 1) · da.  Exact for tiny a, where e^a - 1 cancels."""

    symbol = "expm1"

    @staticmethod
    def forward(ctx, a):
        y = np.expm1(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1.0)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * (y + 1.0)


class Square(Primitive):
    """y = a²;  dy = 2a · da"""

    symbol = "²"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.square(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (2.0 * a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * (2.0 * a)


class Reciprocal(Primitive):
    """y = 1 / a;  dy = -y² · da  (1/0 = inf, as IEEE division gives)"""

    symbol = "1/x"

    @staticmethod
    def forward(ctx, a):
        y = 1.0 / a  # not np.reciprocal, which is integer division on integer arrays
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * (y * y)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return -t * (y * y)


class Rsqrt(Primitive):
    """y = 1 / √a;  dy = -y³/2 · da"""

    symbol = "rsqrt"

    @staticmethod
    def forward(ctx, a):
        y = 1.0 / np.sqrt(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -0.5 * g * (y * y * y)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return -0.5 * t * (y * y * y)


# ---------------------------------------------------------------------------- functions
def exp(a: Operand) -> Tensor:
    return Exp.apply(_tensor(a, "exp"))


def log(a: Operand) -> Tensor:
    return Log.apply(_tensor(a, "log"))


def sqrt(a: Operand) -> Tensor:
    return Sqrt.apply(_tensor(a, "sqrt"))


def tanh(a: Operand) -> Tensor:
    return Tanh.apply(_tensor(a, "tanh"))


def sigmoid(a: Operand) -> Tensor:
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    return Sigmoid.apply(_tensor(a, "sigmoid"))


def relu(a: Operand) -> Tensor:
    return Relu.apply(_tensor(a, "relu"))


def abs(a: Operand) -> Tensor:
    return Abs.apply(_tensor(a, "abs"))


def log1p(a: Operand) -> Tensor:
    """log(1 + a), accurate where a is tiny."""
    return Log1p.apply(_tensor(a, "log1p"))


def expm1(a: Operand) -> Tensor:
    """e^a - 1, accurate where a is tiny."""
    return Expm1.apply(_tensor(a, "expm1"))


def square(a: Operand) -> Tensor:
    """a², elementwise."""
    return Square.apply(_tensor(a, "square"))


def reciprocal(a: Operand) -> Tensor:
    """1 / a, elementwise; a float result for integer input (as PyTorch)."""
    return Reciprocal.apply(_tensor(a, "reciprocal"))


def rsqrt(a: Operand) -> Tensor:
    """1 / √a, elementwise."""
    return Rsqrt.apply(_tensor(a, "rsqrt"))
