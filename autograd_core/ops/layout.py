"""Ops that move, repeat, pad or cut a tensor's elements: flip and pad are primitives;
tile, repeat_interleave, split, chunk, unbind, squeeze, unsqueeze, flatten, permute, triu
and tril are built from the shape primitives (indexing, reshape, transpose, where), whose
rules give their gradients.

Where numpy and PyTorch mean different things by one name, the docstring says which meaning
is taken. There is no ``repeat`` function: PyTorch's ``x.repeat(2, 3)`` tiles (``tile``
here) while numpy's ``np.repeat`` repeats each element (``repeat_interleave`` here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OpError, OpTypeError
from ..function import Primitive, array_of, call
from ..jit import capture
from .dims import axis_arg
from .elementwise import _tensor, where
from .reduce import normalize_axes
from .shape import GetItem, getitem, reshape, transpose

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..tensor import Tensor
    from ..tensor_ops import Axis, Operand


class Flip(Primitive):
    """y = a with the order of its elements reversed along ``axes``;  dy = g flipped back

    The output is a copy, as PyTorch's flip (numpy's np.flip returns a view)."""

    symbol = "flip"

    @staticmethod
    def forward(ctx, a, axes=()):
        ctx.axes = axes
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return call(Flip, g, axes=ctx.axes)

    @staticmethod
    def jvp(ctx, t):
        return Flip.apply(t, axes=ctx.axes)


class Pad(Primitive):
    """y = a surrounded by ``value``: ``widths[i] = (before, after)`` entries on axis i;
    dy/da = the slice of g without the padding (the padding is a constant)"""

    symbol = "pad"

    @staticmethod
    def forward(ctx, a, widths=(), value=0.0):
        a = np.asarray(a)
        ctx.widths = widths
        ctx.inside = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        out = np.full([lo + n + hi for (lo, hi), n in zip(widths, a.shape)], value, a.dtype)
        out[ctx.inside] = a
        return out

    @staticmethod
    def backward(ctx, g):
        return call(GetItem, g, index=ctx.inside)

    @staticmethod
    def jvp(ctx, t):
        return Pad.apply(t, widths=ctx.widths)


# ---------------------------------------------------------------------------- helpers
def _one_axis(a: Tensor, axis: Any, op: str) -> tuple[int, int]:
    """A single axis of ``a`` (negatives allowed), as (index, length along it)."""
    if not _is_int(axis):
        raise OpTypeError(f"{op}: axis must be an int, got {axis!r}")
    if a.ndim == 0:
        raise OpError(f"{op}: a 0-d tensor has no axis {axis}")
    (axis,) = normalize_axes(axis, a.ndim, op)
    return axis, a.shape[axis]


def _pieces(a: Tensor, axis: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    """``a`` cut along ``axis`` into consecutive pieces of the given sizes (slices: views)."""
    before, pieces, start = (slice(None),) * axis, [], 0
    for size in sizes:
        pieces.append(getitem(a, before + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def _is_int(n: Any) -> bool:
    """Is ``n`` an int (a Python or numpy one, not a bool)?"""
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


def _positive(n: Any, name: str, op: str) -> int:
    """``n``, checked to be a positive int (``name`` is the argument's name in errors)."""
    if not _is_int(n):
        raise OpTypeError(f"{op}: {name} must be an int, got {n!r}")
    if n <= 0:
        raise OpError(f"{op}: {name} must be positive, got {n}")
    return int(n)


def _pad_widths(pad_width: Any, shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """numpy's forms of ``pad_width`` as one (before, after) pair per axis."""
    try:
        widths = np.asarray(pad_width)
    except ValueError:  # a ragged list
        widths = None
    if widths is None or widths.dtype.kind not in "iu":
        raise OpTypeError(f"pad: pad_width must hold ints, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (len(shape), 2))
    except ValueError:
        raise OpError(
            f"pad: pad_width {pad_width!r} does not fit a tensor of shape {shape}: give an "
            "int, one (before, after) pair, or one pair per axis"
        ) from None
    if (widths < 0).any():
        raise OpError(f"pad: widths must not be negative, got pad_width={pad_width!r}")
    return tuple((int(lo), int(hi)) for lo, hi in widths)


# ---------------------------------------------------------------------------- reorder
def flip(a: Operand, axis: Axis = None, *, dims: Axis = None) -> Tensor:
    """Reverse the order of the elements along ``axis`` (numpy; None: every axis) or
    ``dims`` (PyTorch's name; an int or a tuple). The gradient is flipped back."""
    if axis is not None and dims is not None:
        raise OpTypeError(f"flip: got axis={axis!r} and dims={dims!r}; give one of them")
    a = _tensor(a, "flip")
    return Flip.apply(a, axes=normalize_axes(axis if dims is None else dims, a.ndim, "flip"))


def permute(a: Operand, *dims: int | Sequence[int]) -> Tensor:
    """The axes in the order ``dims`` (``permute(a, 2, 0, 1)`` or ``permute(a, (2, 0, 1))``):
    output axis i is input axis dims[i]. The same as ``transpose(a, dims)``."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    a = _tensor(a, "permute")
    normalize_axes(dims, a.ndim, "permute")  # each axis in range, none twice
    if len(dims) != a.ndim:
        raise OpError(
            f"permute: dims {dims} must name each of the {a.ndim} axes of shape {a.shape} once"
        )
    return transpose(a, dims)


# ---------------------------------------------------------------------------- reshape
def squeeze(a: Operand, axis: Axis = None, *, dim: Axis = None) -> Tensor:
    """Drop axes of length 1: all of them (axis None), or those named (an int or a tuple).
    A named axis whose length is not 1 is kept: a no-op, as in PyTorch (numpy raises)."""
    a = _tensor(a, "squeeze")
    axes = normalize_axes(axis_arg("squeeze", axis, dim), a.ndim, "squeeze")
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if n != 1 or i not in axes))


def unsqueeze(a: Operand, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert an axis of length 1 at position ``axis`` (or ``dim``) of the result: axis in
    [-ndim-1, ndim], a negative one counting from the end as in PyTorch (-1: a new last
    axis)."""
    axis = axis_arg("unsqueeze", axis, dim)
    a = _tensor(a, "unsqueeze")
    if axis is None:
        raise OpTypeError("unsqueeze: give the position of the new axis (axis= or dim=)")
    if not _is_int(axis):
        raise OpTypeError(f"unsqueeze: axis must be an int, got {axis!r}")
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise OpError(
            f"unsqueeze: axis {axis} is out of range [{-a.ndim - 1}, {a.ndim}] for a tensor "
            f"with {a.ndim} dimensions"
        )
    position = int(axis) % (a.ndim + 1)
    return reshape(a, a.shape[:position] + (1,) + a.shape[position:])


def flatten(a: Operand, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes start_dim..end_dim (both included) into one, as PyTorch's flatten
    (all of them by default; a 0-d tensor becomes a 1-d tensor of one element)."""
    a = _tensor(a, "flatten")
    if not (_is_int(start_dim) and _is_int(end_dim)):
        raise OpTypeError(
            f"flatten: start_dim and end_dim must be ints, got {start_dim!r}, {end_dim!r}"
        )
    shape = a.shape or (1,)
    start, end = (normalize_axes(d, len(shape), "flatten")[0] for d in (start_dim, end_dim))
    if start > end:
        raise OpError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of "
            f"shape {a.shape}"
        )
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(a, shape[:start] + (merged,) + shape[end + 1 :])


# ---------------------------------------------------------------------------- repeat, pad
def tile(a: Operand, reps: int | Sequence[int]) -> Tensor:
    """``a`` repeated ``reps[i]`` times along axis i, as numpy's np.tile, torch.tile and
    PyTorch's ``x.repeat(*reps)`` (shorter reps get leading 1s; longer reps give ``a``
    leading axes of length 1). tile([a, b], 2) = [a, b, a, b].

    Built by indexing with np.tile(arange(n), r) = 0 1 .. n-1 0 1 ..: the gradient of an
    element sums g over its copies (repeated indices accumulate)."""
    a = _tensor(a, "tile")
    reps = (reps,) if isinstance(reps, (int, np.integer)) else reps
    if not isinstance(reps, (tuple, list)) or not all(_is_int(r) for r in reps):
        raise OpTypeError(f"tile: reps must be an int or a tuple of ints, got {reps!r}")
    if any(r < 0 for r in reps):
        raise OpError(f"tile: reps must not be negative, got {reps!r}")
    ndim = max(a.ndim, len(reps))
    a = reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    reps = (1,) * (ndim - len(reps)) + tuple(reps)
    return getitem(a, np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(a.shape, reps)]))


def repeat_interleave(
    a: Operand, repeats: Any, axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """Each element repeated ``repeats`` times in place along ``axis`` (None: of the
    flattened tensor), as numpy's np.repeat and torch.repeat_interleave:
    repeat_interleave([a, b], 2) = [a, a, b, b]. ``repeats`` is one count or one count per
    element along the axis (an int list, array or tensor).

    Built by indexing with np.repeat(arange(n), repeats) = 0 0 1 1 ..: the gradient of an
    element sums g over its run (repeated indices accumulate)."""
    axis = axis_arg("repeat_interleave", axis, dim)
    a = _tensor(a, "repeat_interleave")
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis, n = _one_axis(a, axis, "repeat_interleave")
    counts = array_of(repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or counts.size not in (1, n):
        raise OpError(
            f"repeat_interleave: repeats must be one int or one per element along axis "
            f"{axis} (length {n}), got {repeats!r}"
        )
    if (counts < 0).any():
        raise OpError(f"repeat_interleave: repeats must not be negative, got {repeats!r}")
    positions = np.arange(n)
    index = np.repeat(positions, counts)
    capture.record_numpy(np.repeat, (positions, counts), index)  # counts may be a tensor
    return getitem(a, (slice(None),) * axis + (index,))


def pad(a: Operand, pad_width: Any, value: float = 0.0, *, mode: str = "constant") -> Tensor:
    """``a`` surrounded by ``value`` (numpy's np.pad in constant mode, the only mode).

    ``pad_width`` follows numpy: an int (that many on both sides of every axis), one
    (before, after) pair for every axis, or one pair per axis: pad(x, ((0, 0), (1, 2))) adds
    one column on the left of a matrix and two on the right. (nn.functional.pad takes
    PyTorch's flat, last-axis-first convention.) The gradient is g without the padding."""
    if mode != "constant":
        raise OpError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise OpTypeError(f"pad: value must be a number, got {value!r}")
    a = _tensor(a, "pad")
    return Pad.apply(a, widths=_pad_widths(pad_width, a.shape), value=value)


# ---------------------------------------------------------------------------- cut
def split(
    a: Operand,
    split_size_or_sections: int | Sequence[int],
    axis: int = 0,
    *,
    dim: int | None = None,
) -> tuple[Tensor, ...]:
    """``a`` cut along ``axis`` into pieces, with PyTorch's meaning: an int is the size of
    every piece (the last one may be smaller), a list gives the sizes, which must add up to
    the axis length. (numpy's np.split reads an int as a number of equal sections and a
    list as split points: use chunk for a number of pieces.) The pieces are views."""
    a = _tensor(a, "split")
    axis, n = _one_axis(a, axis_arg("split", axis, dim, default=0), "split")
    spec = split_size_or_sections
    if isinstance(spec, (list, tuple)):
        sizes = [int(s) for s in spec if _is_int(s) and s >= 0]
        if len(sizes) != len(spec) or sum(sizes) != n:
            raise OpError(
                f"split: sizes {list(spec)} must be non-negative ints that add up to the "
                f"length {n} of axis {axis} (shape {a.shape})"
            )
        return _pieces(a, axis, sizes)
    size = _positive(spec, "split_size", "split")
    return _pieces(a, axis, [min(size, n - start) for start in range(0, max(n, 1), size)])


def chunk(a: Operand, chunks: int, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
    """``a`` cut along ``axis`` into pieces of ceil(n / chunks) elements, as PyTorch's chunk:
    the last piece may be smaller, and there may be fewer than ``chunks`` pieces
    (chunk of 5 elements into 4 gives sizes 2, 2, 1). The pieces are views."""
    a = _tensor(a, "chunk")
    axis, n = _one_axis(a, axis_arg("chunk", axis, dim, default=0), "chunk")
    chunks = _positive(chunks, "chunks", "chunk")
    if n == 0:  # nothing to cut: `chunks` empty pieces, as PyTorch
        return _pieces(a, axis, [0] * chunks)
    return split(a, -(-n // chunks), axis)


def unbind(a: Operand, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
    """The slices of ``a`` along ``axis``, each without that axis: unbind(x) = (x[0], x[1],
    ...), as PyTorch's unbind (numpy: tuple(np.moveaxis(x, axis, 0)))."""
    a = _tensor(a, "unbind")
    axis, n = _one_axis(a, axis_arg("unbind", axis, dim, default=0), "unbind")
    return tuple(getitem(a, (slice(None),) * axis + (i,)) for i in range(n))


# ---------------------------------------------------------------------------- triangles
def _triangle(a: Operand, k: int, diagonal: int | None, op: str, keep: Any) -> Tensor:
    """``a`` with the entries outside a triangle of its last two axes set to 0; the mask
    (np.triu or np.tril of ones) is a constant, so the gradient is masked the same way."""
    if diagonal is not None and k != 0 and k != diagonal:
        raise OpTypeError(f"{op}: got k={k!r} and diagonal={diagonal!r}; give one of them")
    k = k if diagonal is None else diagonal
    if not _is_int(k):
        raise OpTypeError(f"{op}: the diagonal must be an int, got {k!r}")
    a = _tensor(a, op)
    if a.ndim < 2:
        raise OpError(f"{op}: needs a tensor with at least 2 dimensions, got shape {a.shape}")
    mask = keep(np.ones(a.shape[-2:], dtype=bool), k)
    return where(mask, a, np.zeros((), a.dtype))


def triu(a: Operand, k: int = 0, *, diagonal: int | None = None) -> Tensor:
    """The upper triangle of the last two axes: entries [i, j] with j - i >= k (numpy's
    ``k``, PyTorch's ``diagonal``: 0 the main diagonal, 1 above it), the others 0."""
    return _triangle(a, k, diagonal, "triu", np.triu)


def tril(a: Operand, k: int = 0, *, diagonal: int | None = None) -> Tensor:
    """The lower triangle of the last two axes: entries [i, j] with j - i <= k (numpy's
    ``k``, PyTorch's ``diagonal``), the others 0."""
    return _triangle(a, k, diagonal, "tril", np.tril)
