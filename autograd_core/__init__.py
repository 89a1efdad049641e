"""autograd_core: a dynamic computation graph on numpy, with reverse and forward mode.

import autograd_core as ag
w = ag.tensor(0.0, requires_grad=True)
f = 1 / (ag.exp(-(w * 1.0 + 0.0)) + 1)
f.backward()          # w.grad == 0.25
"""

from .creation import arange, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .dtypes import get_default_dtype, set_default_dtype
from .engine import grad
from .errors import CompileError, OpError
from .forward_ad import dual, jvp, unpack_dual
from .function import Function, Primitive
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .jit.compile import compile
from .numerical import gradcheck, gradgradcheck, numerical_grad
from .ops import (
    abs,
    broadcast_to,
    cast,
    clip,
    concatenate,
    cos,
    exp,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    norm,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    stack,
    sum,
    tanh,
    transpose,
    var,
    where,
)
from .tensor import Tensor
from .transforms import hessian, jacobian, vjp

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "tensor",
    "Function",
    "Primitive",
    "OpError",
    "grad",
    "no_grad",
    "enable_grad",
    "detect_anomaly",
    "set_grad_enabled",
    "is_grad_enabled",
    "get_default_dtype",
    "set_default_dtype",
    "numerical_grad",
    "gradcheck",
    "gradgradcheck",
    "dual",
    "unpack_dual",
    "jvp",
    "vjp",
    "jacobian",
    "hessian",
    "compile",
    "CompileError",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "randn",
    "rand",
    "arange",
    "exp",
    "log",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "sqrt",
    "abs",
    "maximum",
    "minimum",
    "where",
    "clip",
    "cast",
    "matmul",
    "sum",
    "mean",
    "var",
    "max",
    "min",
    "logsumexp",
    "norm",
    "softmax",
    "log_softmax",
    "reshape",
    "transpose",
    "broadcast_to",
    "concatenate",
    "stack",
]
