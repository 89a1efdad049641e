"""The ONNX export rule of indexing, ``x[index]`` (the ``GetItem`` primitive).

Basic indices become ONNX ops in this order: every slice (an int ``i`` as the slice
``i:i+1``) is one ``Slice``, one integer array along one axis is a ``Gather``, the axes the
ints took away are a ``Squeeze`` and the new axes of ``None`` an ``Unsqueeze``:

    x[:, 2]        Slice(axes [1], 2:3) -> Squeeze(axes [1])
    x[:, ::-2]     Slice(axes [1], steps [-2])
    x[..., None]   Unsqueeze(axes [ndim])
    x[:, [0, 2]]   Gather(axis 1, indices [0, 2])

On a value with the dynamic batch axis, axis 0 must keep its full slice ``:``: a position
or a part of it (``x[0]``, ``x[:4]``) only means something at the example's batch size.
A boolean mask has no rule: the number of elements it keeps depends on the values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .onnx_export import GraphBuilder
    from .onnx_ops import Op

__all__ = ["getitem_rule"]

_BEFORE_START = np.iinfo(np.int64).min  # a Slice end "before index 0", for negative steps


def getitem_rule(g: GraphBuilder, op: Op) -> str:
    """x[index] with ints, slices (any step), Ellipsis, None and one integer array."""
    x, shape = op.input(0), np.shape(op.values[0])
    items = _expand(op.config.get("index"), len(shape), op.where)
    if g.has_batch(x) and shape and shape[0] == g.batch:
        _check_batch_axis(items, g.batch, op.where)
    out = _slice(g, x, items, shape)
    out = _gather(g, out, items, shape)
    squeezed = [axis for axis, item in _axis_items(items) if isinstance(item, int)]
    if squeezed:
        out = g.node("Squeeze", [out, g.const(np.array(squeezed, np.int64))])
    new_axes = _new_axes(items)
    if new_axes:
        out = g.node("Unsqueeze", [out, g.const(np.array(new_axes, np.int64))])
    if out == x:  # x[...] or x[:]: the same values under a new name
        out = g.node("Identity", [x])
    return out


# ---------------------------------------------------------------------------- the index
def _expand(index: Any, ndim: int, where: str) -> list:
    """The index as a list with Ellipsis replaced by full slices: slices, ints, None and at
    most one integer array (as an int64 array). Anything else has no rule."""
    items = list(index) if isinstance(index, tuple) else [index]
    items = [_item(item, where) for item in items]
    arrays = [item for item in items if isinstance(item, np.ndarray)]
    if len(arrays) > 1 or (arrays and any(isinstance(item, int) for item in items)):
        raise NotImplementedError(
            f"export_onnx: {where} indexes with several integer arrays or an integer array "
            "and ints together, which has no ONNX export rule; index one axis at a time"
        )
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    ellipses = [at for at, item in enumerate(items) if item is Ellipsis]
    if ellipses:
        at = ellipses[0]
        return items[:at] + [slice(None)] * (ndim - consumed) + items[at + 1 :]
    return items + [slice(None)] * (ndim - consumed)


def _item(item: Any, where: str) -> Any:
    """One index item as a slice, int, None, Ellipsis or int64 array."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return item
    array = np.asarray(item)
    if array.dtype.kind == "b":
        raise NotImplementedError(
            f"export_onnx: {where} indexes with a boolean mask, which has no ONNX export "
            "rule (how many elements it keeps depends on the values); multiply by the mask "
            "or use ag.where(mask, x, 0) instead"
        )
    if array.dtype.kind not in "iu":
        raise NotImplementedError(
            f"export_onnx: {where} indexes with {item!r}, which has no ONNX export rule"
        )
    return int(array) if array.ndim == 0 else array.astype(np.int64)


def _axis_items(items: list) -> list[tuple[int, Any]]:
    """(input axis, item) for every item but None, which takes no axis of the input."""
    return list(enumerate(item for item in items if item is not None))


def _new_axes(items: list) -> list[int]:
    """The output axes the None items create."""
    axes, position = [], 0
    for item in items:
        if item is None:
            axes.append(position)
        if isinstance(item, np.ndarray):
            position += item.ndim
        elif not isinstance(item, int):
            position += 1
    return axes


def _check_batch_axis(items: list, batch: int, where: str) -> None:
    """Axis 0 of a batch value keeps its full slice, and no new axis comes before it."""
    first = items[0]
    if first is None:
        raise ValueError(
            f"export_onnx: {where} adds an axis before the batch axis, which moves it off "
            "axis 0; index as x[:, None], or export with dynamic_batch=False"
        )
    whole = isinstance(first, slice) and first.start in (None, 0) and first.stop is None
    if not (whole and first.step in (None, 1)):
        described = first if not isinstance(first, np.ndarray) else f"the array {first.tolist()}"
        raise ValueError(
            f"export_onnx: {where} indexes the batch axis (axis 0) with {described}, which "
            f"is tied to the batch size {batch} of the example: the graph could only run at "
            "that batch size. Keep a full slice ':' on axis 0, or export with "
            "dynamic_batch=False"
        )


# ---------------------------------------------------------------------------- the nodes
def _slice(g: GraphBuilder, x: str, items: list, shape: tuple) -> str:
    """One Slice node for the slices and ints that do not take a whole axis."""
    starts, ends, axes, steps = [], [], [], []
    for axis, item in _axis_items(items):
        if isinstance(item, int):
            start = item % shape[axis]
            item = slice(start, start + 1)
        if not isinstance(item, slice):
            continue
        start, end, step = item.indices(shape[axis])
        if (start, end, step) == (0, shape[axis], 1):
            continue
        if step < 0 and end < 0:  # numpy's -1 is "before 0"; ONNX's is the last element
            end = _BEFORE_START
        starts, ends = [*starts, start], [*ends, end]
        axes, steps = [*axes, axis], [*steps, step]
    if not axes:
        return x
    bounds = [g.const(np.array(v, np.int64)) for v in (starts, ends, axes, steps)]
    return g.node("Slice", [x, *bounds])


def _gather(g: GraphBuilder, x: str, items: list, shape: tuple) -> str:
    """Gather along the axis of the integer array, if there is one."""
    for axis, item in _axis_items(items):
        if isinstance(item, np.ndarray):
            indices = g.const(item % shape[axis])
            return g.node("Gather", [x, indices], axis=axis)
    return x
