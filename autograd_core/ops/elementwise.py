"""Elementwise primitives. Each rule is written for same-shaped operands; the engine sums
gradients back over broadcast axes and ``Function.apply`` broadcasts tangents."""

import numpy as np

from ..dtypes import as_dtype
from ..function import Function
from ..tensor import Tensor


def _plus(a, b):
    """Sum of two optional tangents (None means zero)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _scaled(t, factor):
    return None if t is None else t * factor


class Add(Function):
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


class Sub(Function):
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


class Mul(Function):
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


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b²"""

    broadcasting, symbol = True, "÷"

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


class Neg(Function):
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


class Pow(Function):
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
            if isinstance(b, Tensor):  # b·a^(b-1), with a masked where b = 0 (0·0^-1 is nan)
                zero = b.data == 0
                d_a = where(zero, 0.0, b * where(zero, 1.0, a) ** (b - 1))
            elif b == 0:
                d_a = 0.0 * a
            elif b == 1:
                d_a = 1.0 + 0.0 * a
            else:
                d_a = b * a ** (b - 1)
        if need_b:  # a^b·log a, with a masked where a = 0 and b ≥ 0 (0·log 0 is nan)
            base = a.data if isinstance(a, Tensor) else np.asarray(a)
            zero = (base == 0) & (b.data >= 0)
            d_b = where(zero, 0.0, out * log(where(zero, 1.0, a)))
        return d_a, d_b

    @staticmethod
    def backward(ctx, g):
        d_a, d_b = Pow.partials(ctx, *ctx.needs_input_grad)
        return _scaled(d_a, g), _scaled(d_b, g)

    @staticmethod
    def jvp(ctx, ta, tb):
        d_a, d_b = Pow.partials(ctx, ta is not None, tb is not None)
        return _plus(None if ta is None else ta * d_a, None if tb is None else tb * d_b)


class Exp(Function):
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


class Log(Function):
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


class Sqrt(Function):
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


class Sin(Function):
    """y = sin a;  dy = cos a · da"""

    symbol = "sin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * cos(a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * cos(a)


class Cos(Function):
    """y = cos a;  dy = -sin a · da"""

    symbol = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * sin(a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return -t * sin(a)


class Tanh(Function):
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


class Sigmoid(Function):
    """y = 1 / (1 + e^-a);  dy = y(1 - y) · da.  Primitive for stability: each branch of
    the forward exponentiates only non-positive numbers, so ±1000 give exact 1 and 0."""

    symbol = "σ"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(under="ignore"):  # e^-1000 underflowing to 0 is the right answer
            e = np.exp(-np.abs(a))
        y = np.where(np.asarray(a) >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
            e.dtype, copy=False
        )
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


class Relu(Function):
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


class Abs(Function):
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


def _tie_weights(ctx, a, b, wins, out):
    """Share of the gradient that goes to ``a``: 1 where it wins, 0.5 on a tie between two
    tensors, and 0 on a tie with a constant (a Python number is fixed, as in PyTorch)."""
    a_is_tensor, b_is_tensor = (isinstance(x, Tensor) for x in ctx.inputs)
    tie = 0.5 if a_is_tensor and b_is_tensor else (0.0 if a_is_tensor else 1.0)
    weight_a = (wins(a, b) + tie * np.equal(a, b)).astype(out.dtype)
    ctx.save_for_backward(weight_a, 1.0 - weight_a)


class Maximum(Function):
    """max(a, b) elementwise; the gradient goes to the larger side, split 0.5/0.5 on ties
    (a tie with a constant number gives the tensor 0, so maximum(x, 0) matches relu)"""

    broadcasting, symbol = True, "max"

    @staticmethod
    def forward(ctx, a, b):
        out = np.maximum(a, b)
        _tie_weights(ctx, a, b, np.greater, out)
        return out

    @staticmethod
    def backward(ctx, g):
        weight_a, weight_b = ctx.saved_tensors
        return g * weight_a, g * weight_b

    @staticmethod
    def jvp(ctx, ta, tb):
        weight_a, weight_b = ctx.saved_tensors
        return _plus(_scaled(ta, weight_a), _scaled(tb, weight_b))


class Minimum(Function):
    """min(a, b) elementwise; the gradient goes to the smaller side, split 0.5/0.5 on ties
    (0 for the tensor on a tie with a constant number)"""

    broadcasting, symbol = True, "min"

    @staticmethod
    def forward(ctx, a, b):
        out = np.minimum(a, b)
        _tie_weights(ctx, a, b, np.less, out)
        return out

    backward = staticmethod(Maximum.backward)
    jvp = staticmethod(Maximum.jvp)


class Where(Function):
    """cond ? a : b;  d/da = [cond], d/db = [not cond]; cond gets no gradient"""

    broadcasting, symbol = True, "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), dtype=g.dtype)
        return None, where(ctx.cond, g, zero), where(ctx.cond, zero, g)

    @staticmethod
    def jvp(ctx, t_cond, ta, tb):
        zero = np.zeros((), dtype=np.result_type(*(t.dtype for t in (ta, tb) if t is not None)))
        return where(ctx.cond, zero if ta is None else ta, zero if tb is None else tb)


class Clip(Function):
    """clip(a, lo, hi);  d/da = [lo ≤ a ≤ hi]"""

    symbol = "clip"

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        inside = np.ones(np.shape(a), dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.save_for_backward(inside)
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside

    @staticmethod
    def jvp(ctx, t):
        (inside,) = ctx.saved_tensors
        return t * inside


class Cast(Function):
    """a.astype(dtype); the gradient is cast back to a's dtype by the engine"""

    symbol = "cast"

    @staticmethod
    def forward(ctx, a, dtype=None):
        return np.asarray(a).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t


# ---------------------------------------------------------------------------- functions
def add(a, b):
    """a + b with broadcasting."""
    return Add.apply(a, b)


def sub(a, b):
    """a - b with broadcasting."""
    return Sub.apply(a, b)


def mul(a, b):
    """a * b with broadcasting."""
    return Mul.apply(a, b)


def div(a, b):
    """a / b with broadcasting."""
    return Div.apply(a, b)


def neg(a):
    return Neg.apply(a)


def pow(a, b):
    """a ** b with broadcasting (either side may be a Tensor or a number)."""
    return Pow.apply(a, b)


def exp(a):
    return Exp.apply(_tensor(a))


def log(a):
    return Log.apply(_tensor(a))


def sqrt(a):
    return Sqrt.apply(_tensor(a))


def sin(a):
    return Sin.apply(_tensor(a))


def cos(a):
    return Cos.apply(_tensor(a))


def tanh(a):
    return Tanh.apply(_tensor(a))


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    return Sigmoid.apply(_tensor(a))


def relu(a):
    return Relu.apply(_tensor(a))


def abs(a):
    return Abs.apply(_tensor(a))


def maximum(a, b):
    """Elementwise maximum; ties share the gradient 0.5/0.5."""
    return Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise minimum; ties share the gradient 0.5/0.5."""
    return Minimum.apply(a, b)


def where(cond, a, b):
    """Elementwise ``a`` where ``cond`` is true, else ``b`` (cond gets no gradient)."""
    if isinstance(cond, Tensor):
        cond = cond.data
    cond = np.asarray(cond)
    if cond.dtype != bool:
        raise TypeError(f"where: cond must be a boolean tensor or array, got dtype {cond.dtype}")
    return Where.apply(cond, a, b)


def clip(a, lo=None, hi=None):
    """Clamp to [lo, hi]; the gradient is 1 inside (bounds included), 0 outside."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    return Clip.apply(_tensor(a), lo=lo, hi=hi)


def cast(a, dtype):
    """The tensor converted to ``dtype`` (itself when it already has it)."""
    a = _tensor(a)
    dtype = as_dtype(dtype, "cast")
    if a.dtype == dtype:
        return a
    if a.requires_grad and dtype.kind not in "fc":
        return Tensor(a.data.astype(dtype))
    return Cast.apply(a, dtype=dtype)


def _tensor(a):
    return a if isinstance(a, Tensor) else Tensor(a)
