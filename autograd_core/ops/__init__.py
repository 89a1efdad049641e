"""Every primitive (a ``Function`` subclass) and every public op function."""

from .composite import log_softmax, softmax
from .elementwise import (
    Abs, Add, Cast, Clip, Cos, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, Relu,
    Sigmoid, Sin, Sqrt, Sub, Tanh, Where, abs, add, cast, clip, cos, div, exp, log,
    maximum, minimum, mul, neg, pow, relu, sigmoid, sin, sqrt, sub, tanh, where,
)
from .linalg import MatMul, matmul
from .reduce import LogSumExp, Max, Min, Norm, Sum, logsumexp, max, mean, min, norm, sum, var
from .shape import (
    Alias, BroadcastTo, Concatenate, GetItem, Reshape, ScatterAdd, Stack, Transpose,
    broadcast_to, concatenate, getitem, reshape, stack, transpose,
)

PRIMITIVES = (
    Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid, Relu, Abs,
    Maximum, Minimum, Where, Clip, Cast, Sum, Max, Min, LogSumExp, Norm, Reshape, Transpose,
    BroadcastTo, GetItem, ScatterAdd, Concatenate, Stack, MatMul, Alias,
)
