"""Forward mode inside one op: push the tangents its inputs carry through its jvp rule.

``Function.apply`` calls ``push_tangents`` when an input carries tangents (``forward_ad``
has the user's side: dual tensors, ``jvp``, levels). With nested forward mode an input may
carry tangents at several levels: the rule runs once per level, outer levels first, each
time with that level and inner ones switched off, so that the ops of the rule push the
outer levels only. A tangent computed at one level thus carries the derivative along the
outer levels: jvp of jvp gives second derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import Levels, current, shared
from .tensor import Tensor, _wrap


def forward_levels() -> Levels:
    """The calling thread's forward-mode levels (``grad_mode.Levels``)."""
    return current().levels


def push_tangents(cls: type, ctx: Any, args: tuple, results: tuple) -> None:
    """Give ``results`` (the op's output Tensors) their tangents at every level the inputs
    carry, and keep them on the node (``ctx._out_tangents``) for the Tensors it rebuilds."""
    levels = forward_levels()
    carried = _carried_levels(args, levels.off_from)
    if not carried:
        return
    shared.tangents_made = True  # from now on backward checks its graphs for tangents
    stored = [None] * len(results)  # per output: {level: tangent}
    st = current()
    previous = st.forward_enabled, levels.off_from
    try:
        for level in carried:
            tangents, nested = _tangents_at(args, level)
            levels.off_from = level
            # the rule's ops need forward mode only if an outer level is around
            st.forward_enabled = nested or level != carried[0]
            _store_level(cls, ctx, level, cls.jvp(ctx, *tangents), results, stored)
            ctx._out_tangents = tuple(stored)
    finally:
        st.forward_enabled, levels.off_from = previous


def _store_level(
    cls: type, ctx: Any, level: int, out_tangents: Any, results: tuple, stored: list
) -> None:
    """Give each differentiable output its tangent at ``level`` (levels come outer first:
    the last one set is the innermost, which ``_tangent`` holds)."""
    if type(out_tangents) is not tuple:
        out_tangents = (out_tangents,)
    if len(out_tangents) != len(results):
        raise RuntimeError(
            f"{cls.__name__}.jvp returned {len(out_tangents)} tangents, "
            f"expected one per output ({len(results)})"
        )
    non_diff = ctx._non_differentiable
    for i, (t, tangent) in enumerate(zip(results, out_tangents)):
        if tangent is not None and t.dtype.kind in "fc" and id(t._data) not in non_diff:
            t._tangent = tangent = _tangent_like(cls, tangent, t)
            t._tangents = stored[i] = (
                {level: tangent} if stored[i] is None else {**stored[i], level: tangent}
            )


def _carried_levels(args: tuple, off_from: int | None) -> list[int]:
    """The levels, sorted, that the Tensors in ``args`` carry, below ``off_from``."""
    found = []
    for a in args:
        if isinstance(a, Tensor) and a._tangents is not None:
            for level in a._tangents:
                if level not in found and (off_from is None or level < off_from):
                    found.append(level)
    if len(found) > 1:
        found.sort()
    return found


def _tangents_at(args: tuple, level: int) -> tuple[list, bool]:
    """Each argument's tangent at ``level`` (None: none), and whether one of them carries
    tangents of its own (of outer levels)."""
    tangents, nested = [], False
    for a in args:
        tangent = a._tangents.get(level) if isinstance(a, Tensor) and a._tangents else None
        if tangent is not None and tangent._tangent is not None:
            nested = True
        tangents.append(tangent)
    return tangents, nested


def _tangent_like(cls: type, tangent: Any, out: Tensor) -> Tensor:
    """A jvp rule's tangent as a Tensor of the output's shape (broadcast) and dtype."""
    if (
        type(tangent) is Tensor
        and tangent._data.shape == out._data.shape
        and tangent._data.dtype == out._data.dtype
    ):  # the common case
        return tangent
    from .ops import broadcast_to, cast  # (the ops import function, which imports this)

    if not isinstance(tangent, Tensor):
        tangent = _wrap(np.asarray(tangent))
    if tangent.shape != out.shape:
        try:
            tangent = broadcast_to(tangent, out.shape)
        except ValueError:
            raise RuntimeError(
                f"{cls.__name__}.jvp returned a tangent of shape {tangent.shape} "
                f"for an output of shape {out.shape}"
            ) from None
    if tangent.dtype != out.dtype:
        tangent = cast(tangent, out.dtype)
    return tangent
