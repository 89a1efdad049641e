"""The table of ONNX export rules: one function per engine primitive, emitting ONNX nodes.

``nn.onnx_export`` walks a recorded graph and calls ``RULES[type(node)](graph, op)`` for each
node: ``op`` (an ``Op``) gives the node's inputs as ONNX value names, its configuration and
its output array (shape and dtype); ``graph`` (``onnx_export.GraphBuilder``) adds nodes and
constants and returns the name of the node's result.

onnxruntime's CPU provider has no float64 kernel for ``Erf`` and ``Softplus``: erf is then
emitted as a Chebyshev expansion of erfc (accurate to about 3e-16), and softplus always as
max(x, 0) + log1p(e^-|x|) with an accurate log1p made of Log. ONNX has no log1p or expm1:
both are made of Log and Exp with the classic corrections for tiny x (``_log1p``,
``_expm1``). Indexing (``GetItem``) has its own module, ``nn.onnx_index``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from autograd_core import ops

from . import functional as F
from .onnx_index import getitem_rule

if TYPE_CHECKING:
    from .onnx_export import GraphBuilder

__all__ = ["Op", "RULES", "exportable_ops"]


@dataclass
class Op:
    """One recorded node, as a rule sees it.

    ``values`` are the node's positional inputs as recorded (Tensors, numpy masks, numbers,
    None); ``config`` its keyword configuration; ``out`` its output array; ``where`` names
    the op and the layer it came from, for error messages.
    """

    graph: GraphBuilder
    values: tuple
    config: dict
    out: np.ndarray
    where: str

    def input(self, index: int) -> str:
        """The ONNX name of input ``index`` (a constant for a number or an array)."""
        return self.graph.value(self.values[index], self.out.dtype, self.where)


Rule = Callable[["GraphBuilder", Op], str]


# ---------------------------------------------------------------------------- elementwise
def _unary(op_type: str) -> Rule:
    def rule(g: GraphBuilder, op: Op) -> str:
        return g.node(op_type, [op.input(0)])

    return rule


def _binary(op_type: str) -> Rule:
    def rule(g: GraphBuilder, op: Op) -> str:
        return g.node(op_type, [op.input(0), op.input(1)])

    return rule


def _square(g: GraphBuilder, op: Op) -> str:
    x = op.input(0)
    return g.node("Mul", [x, x])


def _rsqrt(g: GraphBuilder, op: Op) -> str:
    return g.node("Reciprocal", [g.node("Sqrt", [op.input(0)])])


def _clip(g: GraphBuilder, op: Op) -> str:
    """np.clip(x, lo, hi) = min(max(x, lo), hi); Max and Min also take array bounds."""
    out = op.input(0)
    lo, hi = op.config.get("lo"), op.config.get("hi")
    if lo is not None:
        out = g.node("Max", [out, g.value(lo, op.out.dtype, op.where)])
    if hi is not None:
        out = g.node("Min", [out, g.value(hi, op.out.dtype, op.where)])
    return out


def _where(g: GraphBuilder, op: Op) -> str:
    condition = g.mask(op.values[0], op.where)
    return g.node("Where", [condition, op.input(1), op.input(2)])


def _cast(g: GraphBuilder, op: Op) -> str:
    return g.node("Cast", [op.input(0)], to=g.tensor_type(op.out.dtype))


# ---------------------------------------------------------------------------- erf, softplus
# erfc(z) = t · exp(-z² + ½(c₀ + ty·d) - dd), t = 2 / (2 + z), ty = 4t - 2, for z ≥ 0, with
# d, dd from Clenshaw's recurrence over these Chebyshev coefficients (Numerical Recipes,
# 3rd ed., §6.2.2). Here it gives erf to within 3e-16 on the whole real line.
_ERFC_CHEBYSHEV = (
    -1.3026537197817094,
    6.4196979235649026e-1,
    1.9476473204185836e-2,
    -9.561514786808631e-3,
    -9.46595344482036e-4,
    3.66839497852761e-4,
    4.2523324806907e-5,
    -2.0278578112534e-5,
    -1.624290004647e-6,
    1.303655835580e-6,
    1.5626441722e-8,
    -8.5238095915e-8,
    6.529054439e-9,
    5.059343495e-9,
    -9.91364156e-10,
    -2.27365122e-10,
    9.6467911e-11,
    2.394038e-12,
    -6.886027e-12,
    8.94487e-13,
    3.13092e-13,
    -1.12708e-13,
    3.81e-16,
    7.106e-15,
    -1.523e-15,
    -9.4e-17,
    1.21e-16,
    -2.8e-17,
)


def _erf(g: GraphBuilder, op: Op) -> str:
    """ONNX Erf in float32; in float64 (no onnxruntime kernel) sign(x) · (1 - erfc(|x|))."""
    x = op.input(0)
    if op.out.dtype != np.float64:
        return g.node("Erf", [x])

    def c(value: float) -> str:
        return g.const(np.array(value, np.float64))

    z = g.node("Abs", [x])
    t = g.node("Div", [c(2.0), g.node("Add", [c(2.0), z])])
    ty = g.node("Sub", [g.node("Mul", [c(4.0), t]), c(2.0)])
    d, dd = c(_ERFC_CHEBYSHEV[-1]), c(0.0)
    for coefficient in reversed(_ERFC_CHEBYSHEV[1:-1]):
        step = g.node("Sub", [g.node("Mul", [ty, d]), dd])
        d, dd = g.node("Add", [step, c(coefficient)]), d
    series = g.node("Mul", [c(0.5), g.node("Add", [c(_ERFC_CHEBYSHEV[0]), g.node("Mul", [ty, d])])])
    exponent = g.node("Sub", [g.node("Sub", [series, g.node("Mul", [z, z])]), dd])
    erfc = g.node("Mul", [t, g.node("Exp", [exponent])])
    return g.node("Mul", [g.node("Sign", [x]), g.node("Sub", [c(1.0), erfc])])


def _softplus(g: GraphBuilder, op: Op) -> str:
    """log(1 + eˣ) = max(x, 0) + log1p(u), u = e^-|x| ∈ (0, 1]; log1p(u) = u · log(w) / (w - 1)
    with w = 1 + u rounded (exact to a few ulps; u itself where w rounds to 1)."""
    x = op.input(0)
    one = g.const(np.array(1.0, op.out.dtype))
    u = g.node("Exp", [g.node("Neg", [g.node("Abs", [x])])])
    w = g.node("Add", [one, u])
    ratio = g.node("Div", [g.node("Log", [w]), g.node("Sub", [w, one])])
    log1p = g.node("Where", [g.node("Equal", [w, one]), u, g.node("Mul", [u, ratio])])
    return g.node("Add", [g.node("Relu", [x]), log1p])


# ---------------------------------------------------------------------------- log1p, expm1
def _near_zero(g: GraphBuilder, x: str, dtype: np.dtype) -> str:
    """The mask |x| < 1/2, where log(1 + x) and eˣ - 1 lose digits to cancellation."""
    return g.node("Less", [g.node("Abs", [x]), g.const(np.array(0.5, dtype))])


def _log1p(g: GraphBuilder, op: Op) -> str:
    """log(1 + x): for |x| < 1/2, x · log(w) / (w - 1) with w = 1 + x rounded, the rounding
    of w cancelling out (x itself where w rounds to 1); elsewhere plain log(1 + x)."""
    x, dtype = op.input(0), op.out.dtype
    one = g.const(np.array(1.0, dtype))
    w = g.node("Add", [one, x])
    log_w = g.node("Log", [w])
    ratio = g.node("Div", [log_w, g.node("Sub", [w, one])])
    small = g.node("Where", [g.node("Equal", [w, one]), x, g.node("Mul", [x, ratio])])
    return g.node("Where", [_near_zero(g, x, dtype), small, log_w])


def _expm1(g: GraphBuilder, op: Op) -> str:
    """eˣ - 1: for |x| < 1/2, (u - 1) · x / log(u) with u = eˣ rounded (x where u rounds to
    1); elsewhere plain u - 1, which has no cancellation there (and is ∞ when u is)."""
    x, dtype = op.input(0), op.out.dtype
    one = g.const(np.array(1.0, dtype))
    u = g.node("Exp", [x])
    u_minus_1 = g.node("Sub", [u, one])
    ratio = g.node("Div", [x, g.node("Log", [u])])
    small = g.node("Where", [g.node("Equal", [u, one]), x, g.node("Mul", [u_minus_1, ratio])])
    return g.node("Where", [_near_zero(g, x, dtype), small, u_minus_1])


# ---------------------------------------------------------------------------- reductions
def _axes(op: Op) -> list[int] | None:
    axis = op.config.get("axis")
    if axis is None:
        return None
    ndim = np.ndim(op.values[0])
    return [int(a) % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]


def _reduce(op_type: str) -> Rule:
    """ReduceX over the node's ``axis`` (all axes for None), keeping them with ``keepdims``.
    From opset 18 (13 for ReduceSum) the axes are an input, before that an attribute."""

    def rule(g: GraphBuilder, op: Op) -> str:
        axes, keepdims = _axes(op), int(bool(op.config.get("keepdims", False)))
        if axes is None:
            return g.node(op_type, [op.input(0)], keepdims=keepdims)
        if g.opset >= (13 if op_type == "ReduceSum" else 18):
            axes_name = g.const(np.array(axes, np.int64))
            return g.node(op_type, [op.input(0), axes_name], keepdims=keepdims)
        return g.node(op_type, [op.input(0)], keepdims=keepdims, axes=axes)

    return rule


# ---------------------------------------------------------------------------- shapes, products
def _reshape(g: GraphBuilder, op: Op) -> str:
    """Reshape to the recorded shape; on a value with a batch axis, that axis is written 0
    ("keep the input's"), so the graph runs at any batch size."""
    x, shape = op.input(0), list(op.out.shape)
    if g.has_batch(x):
        in_shape = np.shape(op.values[0])
        if not shape or shape[0] != in_shape[0]:
            raise ValueError(
                f"export_onnx: {op.where} reshapes {in_shape} to {tuple(shape)}, which merges "
                "or splits the batch axis; keep axis 0 as the batch, or export with "
                "dynamic_batch=False"
            )
        shape[0] = 0
    return g.node("Reshape", [x, g.const(np.array(shape, np.int64))])


def _transpose(g: GraphBuilder, op: Op) -> str:
    axes = op.config.get("axes")
    perm = list(range(np.ndim(op.values[0]) - 1, -1, -1)) if axes is None else list(axes)
    return g.node("Transpose", [op.input(0)], perm=[int(a) for a in perm])


def _refuse_batch_move(g: GraphBuilder, op: Op, what: str) -> None:
    """The error for an op that would move, join or drop the dynamic batch axis."""
    raise ValueError(
        f"export_onnx: {op.where} {what}, so the graph could only run at the example's batch "
        f"size {g.batch}; keep axis 0 as the batch, or export with dynamic_batch=False"
    )


def _concatenate(g: GraphBuilder, op: Op) -> str:
    """Concat along the node's axis; along the batch axis it is refused."""
    inputs = [op.input(i) for i in range(len(op.values))]
    axis = int(op.config.get("axis", 0)) % op.out.ndim
    if axis == 0 and any(g.has_batch(name) for name in inputs):
        _refuse_batch_move(g, op, "joins tensors along the batch axis")
    return g.node("Concat", inputs, axis=axis)


def _stack(g: GraphBuilder, op: Op) -> str:
    """stack = Unsqueeze every input at the new axis, then Concat along it."""
    inputs = [op.input(i) for i in range(len(op.values))]
    axis = int(op.config.get("axis", 0)) % op.out.ndim
    if axis == 0 and any(g.has_batch(name) for name in inputs):
        _refuse_batch_move(g, op, "stacks tensors along a new axis before the batch axis")
    axes = g.const(np.array([axis], np.int64))
    return g.node("Concat", [g.node("Unsqueeze", [name, axes]) for name in inputs], axis=axis)


def _cumsum(g: GraphBuilder, op: Op) -> str:
    """CumSum along the node's axis (the engine's cumsum is neither reversed nor exclusive);
    axis None runs along the flattened tensor. A 0-d tensor is its own cumulative sum."""
    x, axis, shape = op.input(0), op.config.get("axis"), np.shape(op.values[0])
    if not shape:
        return g.node("Identity", [x])
    if axis is None:
        if len(shape) > 1 and g.has_batch(x):
            _refuse_batch_move(g, op, f"flattens {shape} (cumsum with axis=None)")
        x, axis = g.node("Reshape", [x, g.const(np.array([-1], np.int64))]), 0
    return g.node("CumSum", [x, g.const(np.array(int(axis) % len(shape), np.int64))])


def _broadcast_to(g: GraphBuilder, op: Op) -> str:
    """Expand to the recorded shape; on a batch value axis 0 is written 1, which Expand's
    two-way broadcasting turns into the input's own batch size."""
    x, in_shape, shape = op.input(0), np.shape(op.values[0]), list(op.out.shape)
    batch_input = g.has_batch(x) and in_shape and in_shape[0] == g.batch
    if batch_input and len(in_shape) < len(shape):
        _refuse_batch_move(g, op, f"broadcasts {in_shape} to {tuple(shape)}, off axis 0")
    if batch_input:
        shape[0] = 1
    elif g.batch is not None and g.batch > 1 and shape and shape[0] == g.batch:
        what = f"broadcasts {in_shape} to {tuple(shape)}, whose axis 0 is the batch size"
        _refuse_batch_move(g, op, what)
    return g.node("Expand", [x, g.const(np.array(shape, np.int64))])


def _linear(g: GraphBuilder, op: Op) -> str:
    """y = x Wᵀ + b: Gemm for a 2-D x, else MatMul with Wᵀ and Add."""
    has_bias = len(op.values) > 2 and op.values[2] is not None
    if np.ndim(op.values[0]) == 2:
        inputs = [op.input(0), op.input(1)] + ([op.input(2)] if has_bias else [])
        return g.node("Gemm", inputs, transB=1)
    weight_t = g.node("Transpose", [op.input(1)], perm=[1, 0])
    out = g.node("MatMul", [op.input(0), weight_t])
    return g.node("Add", [out, op.input(2)]) if has_bias else out


RULES: dict[type, Rule] = {
    ops.Add: _binary("Add"),
    ops.Sub: _binary("Sub"),
    ops.Mul: _binary("Mul"),
    ops.Div: _binary("Div"),
    ops.Pow: _binary("Pow"),
    ops.Maximum: _binary("Max"),
    ops.Minimum: _binary("Min"),
    ops.MatMul: _binary("MatMul"),
    ops.Neg: _unary("Neg"),
    ops.Exp: _unary("Exp"),
    ops.Log: _unary("Log"),
    ops.Sqrt: _unary("Sqrt"),
    ops.Tanh: _unary("Tanh"),
    ops.Sigmoid: _unary("Sigmoid"),
    ops.Relu: _unary("Relu"),
    ops.Abs: _unary("Abs"),
    ops.Reciprocal: _unary("Reciprocal"),
    ops.Sin: _unary("Sin"),
    ops.Cos: _unary("Cos"),
    ops.Sign: _unary("Sign"),
    ops.Floor: _unary("Floor"),
    ops.Ceil: _unary("Ceil"),
    ops.Alias: _unary("Identity"),
    ops.Square: _square,
    ops.Rsqrt: _rsqrt,
    ops.Clip: _clip,
    ops.Where: _where,
    ops.Cast: _cast,
    ops.Sum: _reduce("ReduceSum"),
    ops.Max: _reduce("ReduceMax"),
    ops.Min: _reduce("ReduceMin"),
    ops.LogSumExp: _reduce("ReduceLogSumExp"),
    ops.Reshape: _reshape,
    ops.Transpose: _transpose,
    ops.BroadcastTo: _broadcast_to,
    ops.GetItem: getitem_rule,
    ops.Concatenate: _concatenate,
    ops.Stack: _stack,
    ops.CumSum: _cumsum,
    ops.Log1p: _log1p,
    ops.Expm1: _expm1,
    F.Linear: _linear,
    F.Erf: _erf,
    F.Softplus: _softplus,
}


def exportable_ops() -> list[str]:
    """The names of the primitives that have an export rule, sorted."""
    return sorted(cls.__name__ for cls in RULES)
