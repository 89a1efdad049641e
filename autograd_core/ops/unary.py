"""Unary elementwise primitives: exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs.
Rules that need the output (exp, sqrt, tanh, sigmoid) save it rather than recompute it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive, call
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


# ---------------------------------------------------------------------------- functions
def exp(a: Operand) -> Tensor:
    return Exp.apply(_tensor(a, "exp"))


def log(a: Operand) -> Tensor:
    return Log.apply(_tensor(a, "log"))


def sqrt(a: Operand) -> Tensor:
    return Sqrt.apply(_tensor(a, "sqrt"))


def sin(a: Operand) -> Tensor:
    return Sin.apply(_tensor(a, "sin"))


def cos(a: Operand) -> Tensor:
    return Cos.apply(_tensor(a, "cos"))


def tanh(a: Operand) -> Tensor:
    return Tanh.apply(_tensor(a, "tanh"))


def sigmoid(a: Operand) -> Tensor:
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    return Sigmoid.apply(_tensor(a, "sigmoid"))


def relu(a: Operand) -> Tensor:
    return Relu.apply(_tensor(a, "relu"))


def abs(a: Operand) -> Tensor:
    return Abs.apply(_tensor(a, "abs"))
