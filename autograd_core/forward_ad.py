"""Forward mode: dual tensors carry a tangent beside their value, and every primitive's jvp
rule pushes it through in the same pass that computes the value (no double-backward trick).
Forward and reverse mode compose: a dual tensor can also be recorded for backward."""

from collections import namedtuple

import numpy as np

from .grad_mode import current
from .ops import Alias, cast
from .ops.elementwise import _tensor
from .tensor import Tensor, _wrap

__all__ = ["dual", "unpack_dual", "jvp"]

DualPair = namedtuple("DualPair", ["primal", "tangent"])


def dual(primal, tangent):
    """A tensor with the value of ``primal`` carrying ``tangent`` (d primal / d direction).

    Gradients still flow back to ``primal`` when it requires grad.
    """
    primal = _tensor(primal, "dual")
    tangent = _tensor(tangent, "dual")
    if primal.dtype.kind not in "fc":
        raise TypeError(f"dual: the primal must be floating point, got dtype {primal.dtype}")
    if tangent.shape != primal.shape:
        raise ValueError(
            f"dual: the tangent has shape {tangent.shape} but the primal has shape "
            f"{primal.shape}; they must match"
        )
    if tangent.dtype != primal.dtype:
        tangent = cast(tangent, primal.dtype)
    if tangent._tangent is not None:
        tangent = unpack_dual(tangent).primal
    out = _without_tangent(primal)
    out._tangent = tangent
    return out


def unpack_dual(t):
    """``(primal, tangent)`` of a tensor; the tangent is None for a plain tensor."""
    t = _tensor(t, "unpack_dual")
    return DualPair(_without_tangent(t), t._tangent)


def _without_tangent(t):
    """A new node with t's value and graph history but no tangent."""
    if t.requires_grad:
        st = current()
        previous = st.forward_enabled
        st.forward_enabled = False
        try:
            return Alias.apply(t)
        finally:
            st.forward_enabled = previous
    return _wrap(t._data)


def jvp(f, primals, tangents):
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents`` in one pass.

    ``primals`` and ``tangents`` are Tensors or tuples of them (a None tangent means zero).
    Returns ``(outputs, output_tangents)`` with the structure of what ``f`` returns.
    """
    single = isinstance(primals, Tensor) or not isinstance(primals, (tuple, list))
    primals = (primals,) if single else tuple(primals)
    tangents = (tangents,) if single and not isinstance(tangents, (tuple, list)) else tuple(tangents)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp: got {len(tangents)} tangents for {len(primals)} primals")
    duals = []
    for p, t in zip(primals, tangents):
        p = _tensor(p, "jvp")
        duals.append(p if t is None else dual(p, t))
    outputs = f(*duals)
    multi = isinstance(outputs, (tuple, list))
    outs = tuple(outputs) if multi else (outputs,)
    values, out_tangents = [], []
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"jvp: f must return Tensors, got {type(o).__name__}")
        value, tangent = unpack_dual(o)
        values.append(value)
        out_tangents.append(_wrap(np.zeros_like(o._data)) if tangent is None else tangent)
    if multi:
        return tuple(values), tuple(out_tangents)
    return values[0], out_tangents[0]
