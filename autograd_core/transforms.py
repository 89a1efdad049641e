"""Function transforms built on the two modes: vjp, jacobian (reverse or forward), hessian."""

import numpy as np

from .engine import grad
from .forward_ad import dual, jvp
from .grad_mode import no_grad
from .tensor import Tensor, _wrap

__all__ = ["vjp", "jacobian", "hessian"]


def _leaves(xs, where):
    """Fresh leaves requiring grad with the values of ``xs`` (Tensor or tuple)."""
    single = not isinstance(xs, (tuple, list))
    xs = (xs,) if single else tuple(xs)
    leaves = []
    for i, x in enumerate(xs):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.dtype.kind not in "fc":
            raise TypeError(f"{where}: input {i} must be floating point, got dtype {x.dtype}")
        leaf = _wrap(x._data)
        leaf.requires_grad = True
        leaves.append(leaf)
    return single, tuple(leaves)


def _outputs(result, where):
    multi = isinstance(result, (tuple, list))
    outs = tuple(result) if multi else (result,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: f must return a Tensor or a tuple of Tensors, "
                            f"got {type(o).__name__}")
    return multi, outs


def vjp(f, primals, cotangents=None, create_graph=False):
    """``(f(*primals), cotangents · J)``: the outputs and the vector-Jacobian product.

    ``cotangents`` may be omitted when ``f`` returns one-element tensors. Gradients come
    in the structure of ``primals`` (zeros for inputs the outputs do not depend on).
    """
    single, leaves = _leaves(primals, "vjp")
    multi, outs = _outputs(f(*leaves), "vjp")
    if cotangents is not None and not isinstance(cotangents, (tuple, list)):
        cotangents = (cotangents,)
    usable = [i for i, o in enumerate(outs) if o.requires_grad]
    grads = [None] * len(leaves)
    if usable:
        cts = None if cotangents is None else [cotangents[i] for i in usable]
        grads = grad([outs[i] for i in usable], leaves, cts, create_graph=create_graph,
                     allow_unused=True)
    grads = tuple(
        _wrap(np.zeros_like(leaf._data)) if g is None else g for leaf, g in zip(leaves, grads)
    )
    values = tuple(o if create_graph else o.detach() for o in outs)
    return (values if multi else values[0]), (grads[0] if single else grads)


def jacobian(f, x, mode="rev"):
    """The Jacobian of ``f`` at ``x``: a Tensor of shape ``out.shape + x.shape``.

    ``mode="rev"`` runs one backward pass per output element; ``mode="fwd"`` one jvp per
    input element (cheaper when there are fewer inputs than outputs). With several inputs
    and/or outputs the result is nested tuples ``J[out][in]`` in the same structure.
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd', got {mode!r}")
    single, leaves = _leaves(x, "jacobian")
    if mode == "rev":
        multi, outs = _outputs(f(*leaves), "jacobian")
        blocks = [[np.zeros(o.shape + leaf.shape, dtype=o.dtype) for leaf in leaves] for o in outs]
        for k, o in enumerate(outs):
            if not o.requires_grad:
                continue
            for flat in range(o.size):
                seed = np.zeros(o.shape, dtype=o.dtype)
                seed.flat[flat] = 1.0
                row = grad(o, leaves, _wrap(seed), retain_graph=True, allow_unused=True)
                index = np.unravel_index(flat, o.shape)
                for i, g in enumerate(row):
                    if g is not None:
                        blocks[k][i][index] = g._data
    else:
        blocks = None
        for i, leaf in enumerate(leaves):
            for flat in range(leaf.size):
                direction = np.zeros(leaf.shape, dtype=leaf.dtype)
                direction.flat[flat] = 1.0
                tangents = [None] * len(leaves)
                tangents[i] = _wrap(direction)
                with no_grad():  # forward mode needs no graph
                    outputs, out_tangents = jvp(f, leaves, tangents)
                multi = isinstance(outputs, tuple)
                out_tangents = out_tangents if multi else (out_tangents,)
                if blocks is None:
                    blocks = [[np.zeros(t.shape + lf.shape, dtype=t.dtype) for lf in leaves]
                              for t in out_tangents]
                index = np.unravel_index(flat, leaf.shape)
                for k, t in enumerate(out_tangents):
                    blocks[k][i][(Ellipsis,) + index] = t._data
    return _nest(blocks, multi, single)


def hessian(f, x):
    """Second derivatives of a scalar ``f`` at ``x``, shape ``x.shape + x.shape``.

    Computed forward-over-reverse: for each input element, a dual input carrying that basis
    direction goes through ``f`` and through the backward pass, and the tangent of the
    gradient is one column of the Hessian (n forward+backward passes for n inputs).
    With several inputs the result is nested tuples ``H[i][j]``.
    """
    single, leaves = _leaves(x, "hessian")
    blocks = [[np.zeros(a.shape + b.shape, dtype=a.dtype) for b in leaves] for a in leaves]
    for j, leaf in enumerate(leaves):
        for flat in range(leaf.size):
            direction = np.zeros(leaf.shape, dtype=leaf.dtype)
            direction.flat[flat] = 1.0
            inputs = [dual(lf, _wrap(direction)) if i == j else lf for i, lf in enumerate(leaves)]
            out = f(*inputs)
            if not isinstance(out, Tensor) or out.size != 1:
                raise ValueError("hessian: f must return a one-element Tensor")
            grads = grad(out, leaves, allow_unused=True)
            index = np.unravel_index(flat, leaf.shape)
            for i, g in enumerate(grads):
                if g is not None and g._tangent is not None:
                    blocks[i][j][(Ellipsis,) + index] = g._tangent._data
    if single:
        return _wrap(blocks[0][0])
    return tuple(tuple(_wrap(b) for b in row) for row in blocks)


def _nest(blocks, multi_out, single_in):
    rows = [tuple(_wrap(b) for b in row) for row in blocks]
    rows = [row[0] if single_in else row for row in rows]
    return tuple(rows) if multi_out else rows[0]
