"""Arithmetic primitives: + - × ÷, negation and powers, with numpy broadcasting. Each rule
is written for same-shaped operands; the engine sums gradients back over broadcast axes.
Rules run on arrays or on Tensors (see ``Primitive``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..function import Primitive, array_of, call
from ..tensor import Tensor
from .elementwise import Where, _plus, _scaled
from .unary import Log

if TYPE_CHECKING:
    from ..tensor_ops import Operand


class Add(Primitive):
    """a + b;  d/da = 1, d/db = 1"""

    broadcasting, symbol = True, "+"

    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g

    @staticmethod
    def jvp(ctx, ta, tb):
        return _plus(ta, tb)


class Sub(Primitive):
    """a - b;  d/da = 1, d/db = -1"""

    broadcasting, symbol = True, "−"

    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, -g

    @staticmethod
    def jvp(ctx, ta, tb):
        return _plus(ta, None if tb is None else -tb)


class Mul(Primitive):
    """a · b;  d/da = b, d/db = a"""

    broadcasting, symbol = True, "×"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        return _plus(_scaled(ta, b), _scaled(tb, a))


class Div(Primitive):
    """a / b;  d/da = 1/b, d/db = -a/b²"""

    broadcasting, symbol = True, "÷"
    true_division = True  # integer operands give a float (the default dtype)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        return _plus(None if ta is None else ta / b, None if tb is None else -tb * a / (b * b))


class Neg(Primitive):
    """-a;  d/da = -1"""

    symbol = "neg"

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def jvp(ctx, t):
        return -t


class Pow(Primitive):
    """a ** b;  d/da = b·a^(b-1) (0 where b = 0), d/db = a^b·log a (0 where a = 0, b ≥ 0)"""

    broadcasting, symbol = True, "**"

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def partials(ctx, need_a, need_b):
        a, b, out = ctx.saved_tensors
        d_a = d_b = None
        if need_a:
            # b·a^(b-1), with a masked where b = 0 (0·0^-1 = nan)
            if isinstance(b, (Tensor, np.ndarray)):
                zero = array_of(b) == 0
                d_a = call(Where, zero, 0.0, b * call(Where, zero, 1.0, a) ** (b - 1))
            elif b == 0:
                d_a = 0.0 * a
            elif b == 1:
                d_a = 1.0 + 0.0 * a
            else:
                d_a = b * a ** (b - 1)
        if need_b:  # a^b·log a, with a masked where a = 0 and b ≥ 0 (0·log 0 is nan)
            zero = (array_of(a) == 0) & (array_of(b) >= 0)
            d_b = call(Where, zero, 0.0, out * call(Log, call(Where, zero, 1.0, a)))
        return d_a, d_b

    @staticmethod
    def backward(ctx, g):
        d_a, d_b = Pow.partials(ctx, *ctx.needs_input_grad)
        return _scaled(d_a, g), _scaled(d_b, g)

    @staticmethod
    def jvp(ctx, ta, tb):
        d_a, d_b = Pow.partials(ctx, ta is not None, tb is not None)
        return _plus(None if ta is None else ta * d_a, None if tb is None else tb * d_b)


# ---------------------------------------------------------------------------- functions
def add(a: Operand, b: Operand) -> Tensor:
    """a + b with broadcasting."""
    return Add.apply(a, b)


def sub(a: Operand, b: Operand) -> Tensor:
    """a - b with broadcasting."""
    return Sub.apply(a, b)


def mul(a: Operand, b: Operand) -> Tensor:
    """a * b with broadcasting."""
    return Mul.apply(a, b)


def div(a: Operand, b: Operand) -> Tensor:
    """a / b with broadcasting."""
    return Div.apply(a, b)


def neg(a: Operand) -> Tensor:
    return Neg.apply(a)


def pow(a: Operand, b: Operand) -> Tensor:
    """a ** b with broadcasting (either side may be a Tensor or a number)."""
    return Pow.apply(a, b)
