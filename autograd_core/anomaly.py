"""Anomaly mode (``ag.detect_anomaly()``): find the first op that makes a NaN or an inf.

Forward: ``Function.apply`` checks each op's outputs and records, on each node, the line
of user code that created it. Backward: the engine runs each rule through
``checked_backward``, which reports a rule returning NaN/inf gradients together with the
line that created its node.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

import numpy as np

from .grad_mode import current
from .tensor import Tensor

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_LIBRARY = (_PACKAGE, os.path.join(os.path.dirname(_PACKAGE), "nn"))


def user_frame() -> str:
    """'file:line in function: code' of the innermost caller outside this library."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_LIBRARY):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


def check_forward_values(cls: type, args: tuple, outs: tuple) -> None:
    """The first op whose output has a NaN/inf that its inputs did not have raises."""
    bad = _non_finite(outs)
    if bad and not _non_finite([a._data if isinstance(a, Tensor) else np.asarray(a) for a in args]):
        kind = "nan" if np.isnan(outs[bad[0]]).any() else "inf"
        raise FloatingPointError(
            f"Function '{cls.__name__}' produced {kind} values in its output {bad[0]} during "
            f"the forward pass, at {user_frame()}"
        )


def checked_backward(node: Any, grads: list) -> Any:
    """Run a node's backward rule with its inner ops unchecked, then check its result, so
    that a NaN is reported as coming from this node's rule, with its forward origin."""
    st = current()
    st.anomaly = False
    try:
        input_grads = node.backward(node, *grads)
    finally:
        st.anomaly = True
    check_backward_values(node, input_grads if type(input_grads) is tuple else (input_grads,))
    return input_grads


def check_backward_values(node: Any, grads: tuple) -> None:
    """A backward rule that returned NaN/inf gradients raises, naming where its node was
    created (when anomaly mode was on during the forward pass)."""
    arrays = [g._data if isinstance(g, Tensor) else g for g in grads]
    bad = _non_finite(arrays)
    if bad:
        kind = "nan" if np.isnan(arrays[bad[0]]).any() else "inf"
        created = node.creation or "<not recorded: enable detect_anomaly before the forward pass>"
        raise FloatingPointError(
            f"Function '{type(node).__name__}Backward' returned {kind} values in its "
            f"{bad[0]}th output. The forward op was created at {created}"
        )


def _non_finite(arrays: Any) -> list[int]:
    """The positions of the float arrays that hold a NaN or an inf."""
    return [
        i
        for i, a in enumerate(arrays)
        if isinstance(a, np.ndarray) and a.dtype.kind in "fc" and not np.isfinite(a).all()
    ]
