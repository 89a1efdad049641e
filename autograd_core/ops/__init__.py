"""Every primitive (a ``Function`` subclass) and every public op function."""

from .arithmetic import Add, Div, Mul, Neg, Pow, Sub, add, div, mul, neg, pow, sub
from .composite import log_softmax, softmax
from .elementwise import (
    Cast,
    Clip,
    Maximum,
    Minimum,
    Where,
    cast,
    clip,
    maximum,
    minimum,
    where,
)
from .linalg import MatMul, matmul
from .reduce import LogSumExp, Max, Min, Norm, Sum, logsumexp, max, mean, min, norm, sum, var
from .shape import (
    Alias,
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    ScatterAdd,
    Stack,
    Transpose,
    broadcast_to,
    concatenate,
    getitem,
    reshape,
    stack,
    transpose,
)
from .unary import (
    Abs,
    Cos,
    Exp,
    Log,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Tanh,
    abs,
    cos,
    exp,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)

__all__ = [
    "abs", "add", "broadcast_to", "cast", "clip", "concatenate", "cos", "div", "exp", "getitem",
    "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mul",
    "neg", "norm", "pow", "relu", "reshape", "sigmoid", "sin", "softmax", "sqrt", "stack", "sub",
    "sum", "tanh", "transpose", "var", "where",
    "Abs", "Add", "Alias", "BroadcastTo", "Cast", "Clip", "Concatenate", "Cos", "Div", "Exp",
    "GetItem", "Log", "LogSumExp", "MatMul", "Max", "Maximum", "Min", "Minimum", "Mul", "Neg",
    "Norm", "Pow", "Relu", "Reshape", "ScatterAdd", "Sigmoid", "Sin", "Sqrt", "Stack", "Sub", "Sum",
    "Tanh", "Transpose", "Where", "PRIMITIVES",
]

PRIMITIVES = (
    Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid, Relu, Abs,
    Maximum, Minimum, Where, Clip, Cast, Sum, Max, Min, LogSumExp, Norm, Reshape, Transpose,
    BroadcastTo, GetItem, ScatterAdd, Concatenate, Stack, MatMul, Alias,
)
