"""Function transforms built on the two modes: vjp, jacobian (reverse or forward), hessian.

They nest: the inputs keep the tangents they carry and the results are assembled with ops
(``stack``), so a transform called inside ``jvp`` (or inside another forward-mode
transform) is differentiated too: ``jacobian(lambda x: jacobian(f, x, mode="fwd"), x0,
mode="fwd")`` is the Hessian of a scalar f."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .engine import grad
from .forward_ad import _with_tangents, dual, dual_level, jvp, unpack_dual
from .grad_mode import enable_grad, no_grad
from .ops import reshape, stack
from .tensor import Tensor, _set_tangents, _wrap

__all__ = ["vjp", "jacobian", "hessian"]


def _leaves(xs, where):
    """Fresh leaves requiring grad with the values (and tangents) of ``xs`` (Tensor or
    tuple)."""
    single = not isinstance(xs, (tuple, list))
    xs = (xs,) if single else tuple(xs)
    leaves = []
    for i, x in enumerate(xs):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.dtype.kind not in "fc":
            raise TypeError(f"{where}: input {i} must be floating point, got dtype {x.dtype}")
        leaf = _set_tangents(_wrap(x._data), x._tangents)  # an enclosing jvp's tangents
        leaf.requires_grad = True
        leaves.append(leaf)
    return single, tuple(leaves)


def _outputs(result, where):
    multi = isinstance(result, (tuple, list))
    outs = tuple(result) if multi else (result,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"{where}: f must return a Tensor or a tuple of Tensors, got {type(o).__name__}"
            )
    return multi, outs


def vjp(
    f: Callable[..., Tensor | tuple[Tensor, ...]],
    primals: Tensor | Sequence[Tensor],
    cotangents: Tensor | Sequence[Tensor] | None = None,
    create_graph: bool = False,
) -> tuple[Tensor | tuple[Tensor, ...], Tensor | tuple[Tensor, ...]]:
    """``(f(*primals), cotangents · J)``: the outputs and the vector-Jacobian product.

    ``cotangents`` may be omitted when ``f`` returns one-element tensors. Gradients come
    in the structure of ``primals`` (zeros for inputs the outputs do not depend on).
    """
    single, leaves = _leaves(primals, "vjp")
    with enable_grad():  # a graph is needed even under no_grad (as in an outer jacobian)
        multi, outs = _outputs(f(*leaves), "vjp")
    if cotangents is not None and not isinstance(cotangents, (tuple, list)):
        cotangents = (cotangents,)
    usable = [i for i, o in enumerate(outs) if o.requires_grad]
    grads = [None] * len(leaves)
    if usable:
        cts = None if cotangents is None else [cotangents[i] for i in usable]
        grads = grad(
            [outs[i] for i in usable], leaves, cts, create_graph=create_graph, allow_unused=True
        )
    grads = tuple(
        _wrap(np.zeros_like(leaf._data)) if g is None else g for leaf, g in zip(leaves, grads)
    )
    values = tuple(o if create_graph else _with_tangents(o.detach(), o._tangents) for o in outs)
    return (values if multi else values[0]), (grads[0] if single else grads)


def jacobian(
    f: Callable[..., Tensor | tuple[Tensor, ...]], x: Tensor | Sequence[Tensor], mode: str = "rev"
) -> Tensor | tuple[Tensor | tuple[Tensor, ...], ...]:
    """The Jacobian of ``f`` at ``x``: a Tensor of shape ``out.shape + x.shape``.

    ``mode="rev"`` runs one backward pass per output element; ``mode="fwd"`` one jvp per
    input element (cheaper when there are fewer inputs than outputs). With several inputs
    and/or outputs the result is nested tuples ``J[out][in]`` in the same structure.
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd', got {mode!r}")
    single, leaves = _leaves(x, "jacobian")
    if mode == "rev":
        with enable_grad():  # a graph is needed even under no_grad (as in an outer jacobian)
            multi, outs = _outputs(f(*leaves), "jacobian")
        # rows[k][i]: d out_k[element] / d leaf_i, one per element of out_k
        rows = [[[] for _ in leaves] for _ in outs]
        for k, o in enumerate(outs):
            for flat in range(o.size if o.requires_grad else 0):
                seed = np.zeros(o.shape, dtype=o.dtype)
                seed.flat[flat] = 1.0
                row = grad(o, leaves, _wrap(seed), retain_graph=True, allow_unused=True)
                for i, g in enumerate(row):
                    rows[k][i].append(g)
        blocks = [
            [_assemble(rows[k][i], 0, o, leaf) for i, leaf in enumerate(leaves)]
            for k, o in enumerate(outs)
        ]
    else:
        columns = None  # columns[k][i]: d out_k / d leaf_i[element], one per element
        for i, leaf in enumerate(leaves):
            for flat in range(leaf.size):
                direction = np.zeros(leaf.shape, dtype=leaf.dtype)
                direction.flat[flat] = 1.0
                tangents = [None] * len(leaves)
                tangents[i] = _wrap(direction)
                with no_grad():  # forward mode needs no graph
                    outputs, out_tangents = jvp(f, leaves, tangents)
                multi = isinstance(outputs, tuple)
                outs = outputs if multi else (outputs,)
                out_tangents = out_tangents if multi else (out_tangents,)
                if columns is None:
                    columns = [[[] for _ in leaves] for _ in outs]
                for k, t in enumerate(out_tangents):
                    columns[k][i].append(t)
        if columns is None:  # no input element: f was never called
            multi, outs = _outputs(f(*leaves), "jacobian")
            columns = [[[] for _ in leaves] for _ in outs]
        blocks = [
            [_assemble(columns[k][i], -1, o, leaf) for i, leaf in enumerate(leaves)]
            for k, o in enumerate(outs)
        ]
    return _nest(blocks, multi, single)


def hessian(
    f: Callable[..., Tensor], x: Tensor | Sequence[Tensor]
) -> Tensor | tuple[tuple[Tensor, ...], ...]:
    """Second derivatives of a scalar ``f`` at ``x``, shape ``x.shape + x.shape``.

    Computed forward-over-reverse: for each input element, a dual input carrying that basis
    direction (at a forward-mode level of its own) goes through ``f`` and through the
    backward pass, and the tangent of the gradient is one column of the Hessian (n
    forward+backward passes for n inputs). With several inputs the result is nested
    tuples ``H[i][j]``.
    """
    single, leaves = _leaves(x, "hessian")
    columns = [[[] for _ in leaves] for _ in leaves]  # columns[i][j]: d grad_i / d leaf_j[e]
    for j, leaf in enumerate(leaves):
        for flat in range(leaf.size):
            direction = np.zeros(leaf.shape, dtype=leaf.dtype)
            direction.flat[flat] = 1.0
            with dual_level() as level, enable_grad():
                inputs = [
                    dual(lf, _wrap(direction), level) if i == j else lf
                    for i, lf in enumerate(leaves)
                ]
                out = f(*inputs)
                if not isinstance(out, Tensor) or out.size != 1:
                    raise ValueError("hessian: f must return a one-element Tensor")
                grads = (
                    grad(out, leaves, allow_unused=True)
                    if out.requires_grad
                    else (None,) * len(leaves)
                )
                for i, g in enumerate(grads):
                    columns[i][j].append(None if g is None else unpack_dual(g, level).tangent)
    blocks = [
        [_assemble(columns[i][j], -1, a, b) for j, b in enumerate(leaves)]
        for i, a in enumerate(leaves)
    ]
    if single:
        return blocks[0][0]
    return tuple(tuple(row) for row in blocks)


def _assemble(pieces, axis, out, wrt):
    """The block d out / d wrt (shape out.shape + wrt.shape) from its rows (axis 0: one per
    element of out) or columns (axis -1: one per element of wrt); None pieces are zeros.
    Made with ops, so that tangents the pieces carry (an enclosing jvp's) carry over."""
    shape = out.shape + wrt.shape
    piece_shape = wrt.shape if axis == 0 else out.shape
    if not pieces or all(p is None for p in pieces):
        return _wrap(np.zeros(shape, dtype=out.dtype))
    dtype = next(p.dtype for p in pieces if p is not None)
    pieces = [_wrap(np.zeros(piece_shape, dtype=dtype)) if p is None else p for p in pieces]
    return reshape(stack(pieces, axis=axis), shape)


def _nest(blocks, multi_out, single_in):
    rows = [tuple(row) for row in blocks]
    rows = [row[0] if single_in else row for row in rows]
    return tuple(rows) if multi_out else rows[0]
