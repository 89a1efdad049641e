"""Forward mode: dual tensors carry a tangent beside their value, and every primitive's jvp
rule pushes it through in the same pass that computes the value (no double-backward trick).
Forward and reverse mode compose: a dual tensor can also be recorded for backward.

Nesting works by levels, as PyTorch's ``dual_level`` and JAX's JVP tracers do. Each
``jvp`` call (or ``with dual_level():``) opens a new level, numbered above every level
opened before it, so an inner level has a higher number than the levels around it; a
``dual`` made inside works at the innermost open level, and one made outside any works at
the base level 0. A tensor carries at most one tangent per level, and the tangent at a
level may itself carry tangents of lower (outer) levels: its derivative along them. A
primitive pushes each level its inputs carry, outer first, running its jvp rule with that
level and inner ones switched off (``Function.apply``), so the ops of the rule push the
outer levels only. So jvp-of-jvp gives second derivatives, and an outer tangent never
leaks into an inner one (no perturbation confusion).
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .grad_mode import BASE_LEVEL, current, shared
from .inplace import _refresh_tangents
from .ops import Alias, add, cast, div, getitem, mul, reshape, sub, where
from .ops.elementwise import _tensor
from .tangents import forward_levels
from .tensor import Tensor, _set_tangents, _wrap

__all__ = ["dual", "unpack_dual", "jvp", "dual_level"]

DualPair = namedtuple("DualPair", ["primal", "tangent"])
_numbers = itertools.count(BASE_LEVEL + 1)  # level numbers, never reused


@contextlib.contextmanager
def dual_level() -> Iterator[int]:
    """``with dual_level() as level:`` opens a new, innermost level of forward mode; a
    ``dual`` made inside carries its tangent at that level (``jvp`` opens one per call)."""
    level, open_levels = next(_numbers), forward_levels().open
    open_levels.append(level)
    try:
        yield level
    finally:
        open_levels.remove(level)


def _innermost():
    return forward_levels().open[-1]


def dual(primal: Tensor, tangent: Tensor, level: int | None = None) -> Tensor:
    """A tensor with the value of ``primal`` carrying ``tangent`` (d primal / d direction)
    at ``level`` (default: the innermost open level; the base level outside any ``jvp``).

    It keeps the tangents ``primal`` carries at outer levels, and ``tangent`` may carry
    tangents of outer levels too. Gradients still flow back to ``primal`` when it requires
    grad.
    """
    level = _innermost() if level is None else level
    primal, tangent = _tensor(primal, "dual"), _tensor(tangent, "dual")
    if primal.dtype.kind not in "fc":
        raise TypeError(f"dual: the primal must be floating point, got dtype {primal.dtype}")
    if tangent.shape != primal.shape:
        raise ValueError(
            f"dual: the tangent has shape {tangent.shape} but the primal has shape "
            f"{primal.shape}; they must match"
        )
    if tangent.dtype != primal.dtype:
        tangent = cast(tangent, primal.dtype)
    if tangent._tangents is None and primal._tangents is None:  # the common case
        return _with_tangents(primal, {level: tangent})
    open_levels = forward_levels().open
    if any(lv >= level and lv in open_levels for lv in tangent._tangents or ()):
        raise ValueError(
            "dual: the tangent carries a tangent at the same level (or an inner one); a "
            "tangent may only carry tangents of outer levels: open a new level (ag.jvp or "
            "dual_level) to differentiate a tangent"
        )
    if any(lv > level and lv in open_levels for lv in primal._tangents or ()):
        raise ValueError(
            "dual: the primal carries a tangent at a level inside the one asked "
            "for; make the dual at the innermost level"
        )
    tangents = {
        lv: t for lv, t in (primal._tangents or {}).items() if lv < level and lv in open_levels
    }  # (a closed level is never read again)
    tangents[level] = tangent
    return _with_tangents(primal, tangents)


def unpack_dual(t: Tensor, level: int | None = None) -> DualPair:
    """``(primal, tangent)`` of a tensor at ``level`` (default: the innermost open level;
    the base level outside any ``jvp``). The tangent is None when t carries none at that
    level; the primal keeps t's tangents at the other levels."""
    level = _innermost() if level is None else level
    t = _tensor(t, "unpack_dual")
    _refresh(t)
    tangents = t._tangents or {}
    rest = {lv: tangent for lv, tangent in tangents.items() if lv != level}
    return DualPair(_with_tangents(t, rest or None), tangents.get(level))


def _with_tangents(t, tangents):
    """A new tensor on t's buffer and graph history carrying exactly ``tangents``: an alias
    of t, not a view (its tangents are its own)."""
    if t.requires_grad:  # a node, so that gradients still flow back to t
        st = current()
        previous = st.forward_enabled
        st.forward_enabled = False
        try:
            out = Alias.apply(t)
        finally:
            st.forward_enabled = previous
        out._base = None
        if out.grad_fn is not None:
            out.grad_fn._out_tangents = (tangents,)
    else:  # (no shared version counter, as before: it would slow every op on the dual)
        out = _wrap(t._data)
    if tangents:
        shared.tangents_made = True
    return _set_tangents(out, tangents)


def jvp(
    f: Callable[..., Tensor | tuple[Tensor, ...]],
    primals: Tensor | Sequence[Tensor],
    tangents: Tensor | None | Sequence[Tensor | None],
) -> tuple[Tensor | tuple[Tensor, ...], Tensor | tuple[Tensor, ...]]:
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents`` in one pass.

    ``primals`` and ``tangents`` are Tensors or tuples of them (a None tangent means zero).
    Returns ``(outputs, output_tangents)`` with the structure of what ``f`` returns. Each
    call works at a level of its own, so ``f`` may itself call ``jvp`` (higher derivatives)
    or read tensors of an enclosing ``jvp``.
    """
    single = isinstance(primals, Tensor) or not isinstance(primals, (tuple, list))
    primals = (primals,) if single else tuple(primals)
    if single and not isinstance(tangents, (tuple, list)):
        tangents = (tangents,)
    tangents = tuple(tangents)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp: got {len(tangents)} tangents for {len(primals)} primals")
    with dual_level() as level:
        duals = []
        for p, t in zip(primals, tangents):
            p = _tensor(p, "jvp")
            duals.append(p if t is None else dual(p, t, level))
        outputs = f(*duals)
        multi = isinstance(outputs, (tuple, list))
        outs = tuple(outputs) if multi else (outputs,)
        values, out_tangents = [], []
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(f"jvp: f must return Tensors, got {type(o).__name__}")
            value, tangent = unpack_dual(o, level)
            values.append(value)
            out_tangents.append(_wrap(np.zeros_like(o._data)) if tangent is None else tangent)
    if multi:
        return tuple(values), tuple(out_tangents)
    return values[0], out_tangents[0]


# ---------------------------------------------------------------------------- in place
# An in-place change gives the tensor it changes the tangents of its out-of-place form,
# computed with ops (so every level is right, outer levels of the tangents included) and
# bound to the tensor: no tangent tensor is ever modified, since one may be the user's or
# another tensor's. A change through a view also gives its base new tangents. Other views
# of the base take theirs from it again when next used (``refresh_view``); an alias that is
# not a view (detach, ag.dual) keeps its own tangents, as it keeps no link to the graph.
_OUT_OF_PLACE = {np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div}


def snapshot(t, other):
    """``(t, other)`` as they are before an in-place change of t: t copied, and other too
    when it reads t's memory (``c *= c``)."""
    _refresh(t)
    _refresh(other)
    old = _set_tangents(_wrap(t._data.copy()), t._tangents)
    if other is t:
        return old, old
    if isinstance(other, Tensor) and np.may_share_memory(other._data, t._data):
        other = _set_tangents(_wrap(other._data.copy()), other._tangents)
    return old, other


def updated(t, ufunc, old, other):
    """``t`` has become ``ufunc(old, other)`` in place (add_, mul_, ``+=`` ...); ``old``
    and ``other`` come from ``snapshot``."""
    _check_propagating(old, other)
    _rebind(t, _OUT_OF_PLACE[ufunc](old, other))


def assigned(t, index, value):
    """``t[index] = value`` has been done (also zero_ and fill_, with index ``...``)."""
    _refresh(t)
    _refresh(value)
    _check_propagating(t, value)
    written = np.full(t.shape, -1, dtype=np.intp)  # which element of value lands where
    written[index] = np.arange(np.size(_array(value))).reshape(np.shape(_array(value)))
    _rebind(t, _placed(t, value, written))


def _array(x):
    return x._data if isinstance(x, Tensor) else x


def _placed(into, values, source):
    """``into`` with element ``source[p]`` of ``values`` (flattened) at each position p
    where ``source[p] >= 0``: an assignment, out of place, in ops."""
    values = cast(_tensor(values, "__setitem__"), into.dtype)
    if values.size == 0:
        return into
    flat = getitem(reshape(values, (-1,)), np.maximum(source, 0))
    return where(source >= 0, flat, into)


def _rebind(t, new):
    """Give t the tangents of ``new`` (its out-of-place value), as t's shape and dtype; if t
    is a view, give its base the matching tangents; mark every other tensor on the buffer
    out of date."""
    tangents = {level: cast(tangent, t.dtype) for level, tangent in (new._tangents or {}).items()}
    base = t._base
    if base is not None and (tangents or base._tangents):
        source = _positions_in(base._data, t._data)  # which element of t each one is
        _set_tangents(
            base, _placed(base, _set_tangents(_wrap(t._data), tangents or None), source)._tangents
        )
    _set_tangents(t, tangents or None)
    t._version.up_to_date = {id(x): weakref.ref(x) for x in (t, base) if x is not None}


def refresh_view(view):
    """Give a view the tangents of its base at its elements (after an in-place change of
    the buffer made them out of date)."""
    base = view._base
    positions = _positions_in(view._data, base._data)
    _set_tangents(
        view,
        {
            level: getitem(reshape(tangent, (-1,)), positions)
            for level, tangent in (base._tangents or {}).items()
        }
        or None,
    )


def _refresh(x):
    if isinstance(x, Tensor) and x._version is not None and x._version.up_to_date is not None:
        _refresh_tangents(x)


def _positions_in(target, source):
    """For each element of the array ``target``, the flat index of the element of the
    array ``source`` stored at the same address (-1 where none)."""
    if source.size == 0:
        return np.full(target.shape, -1, dtype=np.intp)
    source_at = _addresses(source).ravel()
    order = np.argsort(source_at)
    sorted_at = source_at[order]
    target_at = _addresses(target)
    found = np.searchsorted(sorted_at, target_at).clip(max=sorted_at.size - 1)
    return np.where(sorted_at[found] == target_at, order[found], -1)


def _addresses(a):
    """The memory address of every element of the array ``a``."""
    at = np.full(a.shape, a.__array_interface__["data"][0], dtype=np.intp)
    for axis, (n, stride) in enumerate(zip(a.shape, a.strides)):
        at += (np.arange(n, dtype=np.intp) * stride).reshape((n,) + (1,) * (a.ndim - axis - 1))
    return at


def _check_propagating(*xs):
    """An in-place change while a level it concerns is switched off (inside a jvp rule)
    cannot update that level's tangent: refuse it rather than leave it wrong."""
    st = current()
    off_from = BASE_LEVEL if not st.forward_enabled else forward_levels().off_from
    for x in xs:
        if (
            isinstance(x, Tensor)
            and x._tangents
            and off_from is not None
            and max(x._tangents) >= off_from
        ):
            raise RuntimeError(
                "forward mode: an in-place change of a tensor carrying a tangent at a level "
                "that is switched off here (inside a jvp rule); use out-of-place ops"
            )
