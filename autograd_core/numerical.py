"""Numerical differentiation and gradient checking.

``numerical_grad`` perturbs one input element at a time, so a gradient of N parameters
costs O(N) evaluations of f (O(N²) for a network whose forward pass is O(N)): the reason
the notes give for using automatic differentiation instead, and the reason it remains the
referee that every analytic derivative is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .engine import grad
from .forward_ad import _with_tangents, jvp
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor, _wrap

__all__ = ["numerical_grad", "gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with central differences."""


def _as_inputs(inputs):
    single = isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list))
    items = (inputs,) if single else tuple(inputs)
    return single, tuple(x if isinstance(x, Tensor) else Tensor(x) for x in items)


def _evaluate(f, values):
    """f at the given arrays, as a tuple of float64 numpy arrays (no graph recorded)."""
    with no_grad():
        out = f(*[_wrap(v) for v in values])
    outs = out if isinstance(out, (tuple, list)) else (out,)
    # copies: an output may be a view of the very array that is perturbed next
    return tuple(np.array(o._data if isinstance(o, Tensor) else o, dtype=np.float64) for o in outs)


def numerical_grad(
    f: Callable[..., Tensor],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    method: str = "central",
) -> np.ndarray | tuple[np.ndarray, ...]:
    """Finite-difference gradient of a scalar ``f`` w.r.t. each input.

    ``method="central"``: (f(x+eps) - f(x-eps)) / 2eps, error O(eps²);
    ``method="forward"``: (f(x+eps) - f(x)) / eps, error O(eps).
    Returns one numpy array per input (a single array when ``inputs`` is one Tensor).
    """
    if method not in ("central", "forward"):
        raise ValueError(f"numerical_grad: method must be 'central' or 'forward', got {method!r}")
    single, tensors = _as_inputs(inputs)
    values = [t._data.copy() for t in tensors]
    base = _evaluate(f, values)
    if len(base) != 1 or base[0].size != 1:
        raise ValueError(
            "numerical_grad: f must return a one-element tensor; use gradcheck for "
            f"Jacobians (got output shapes {[b.shape for b in base]})"
        )
    grads = []
    for i, value in enumerate(values):
        if value.dtype.kind != "f":
            raise TypeError(f"numerical_grad: input {i} must be floating point, got {value.dtype}")
        g = np.zeros(value.shape, dtype=np.float64)
        for j in range(value.size):
            original = value.flat[j]
            value.flat[j] = original + eps
            plus = _evaluate(f, values)[0].item()
            if method == "central":
                value.flat[j] = original - eps
                minus = _evaluate(f, values)[0].item()
                g.flat[j] = (plus - minus) / (2 * eps)
            else:
                g.flat[j] = (plus - base[0].item()) / eps
            value.flat[j] = original
        grads.append(g)
    return grads[0] if single else tuple(grads)


def _numerical_jacobian(f, values, wrt, eps):
    """J[k][i] of shape (out_k.size, in_i.size) by central differences."""
    outs = _evaluate(f, values)
    jac = [[np.zeros((o.size, values[i].size)) for i in wrt] for o in outs]
    for col, i in enumerate(wrt):
        value = values[i]
        for j in range(value.size):
            original = value.flat[j]
            value.flat[j] = original + eps
            plus = _evaluate(f, values)
            value.flat[j] = original - eps
            minus = _evaluate(f, values)
            value.flat[j] = original
            for k in range(len(outs)):
                jac[k][col][:, j] = ((plus[k] - minus[k]) / (2 * eps)).ravel()
    return jac


def _reverse_jacobian(f, tensors, wrt):
    leaves = [_wrap(t._data) for t in tensors]
    for i in wrt:
        leaves[i].requires_grad = True
    out = f(*leaves)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    jac = [[np.zeros((o.size, tensors[i].size)) for i in wrt] for o in outs]
    targets = [leaves[i] for i in wrt]
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor) or not o.requires_grad:
            continue
        for row in range(o.size):
            seed = np.zeros(o.shape, dtype=o.dtype)
            seed.flat[row] = 1.0
            grads = grad(o, targets, _wrap(seed), retain_graph=True, allow_unused=True)
            for col, g in enumerate(grads):
                if g is not None:
                    if g.shape != tensors[wrt[col]].shape:
                        raise GradcheckError(
                            f"gradient for input {wrt[col]} has shape {g.shape}, expected "
                            f"{tensors[wrt[col]].shape}"
                        )
                    jac[k][col][row] = g._data.ravel()
    return jac


def _forward_jacobian(f, tensors, wrt):
    values = [_wrap(t._data) for t in tensors]
    outs = _evaluate(f, [v._data for v in values])
    jac = [[np.zeros((o.size, tensors[w].size)) for w in wrt] for o in outs]
    for col, i in enumerate(wrt):
        for j in range(tensors[i].size):
            direction = np.zeros(tensors[i].shape, dtype=tensors[i].dtype)
            direction.flat[j] = 1.0
            tangents = [None] * len(values)
            tangents[i] = _wrap(direction)
            with no_grad():
                _, out_tangents = jvp(f, values, tangents)
            out_tangents = out_tangents if isinstance(out_tangents, tuple) else (out_tangents,)
            for k, t in enumerate(out_tangents):
                jac[k][col][:, j] = t._data.ravel()
    return jac


def gradcheck(
    f: Callable[..., Tensor | tuple[Tensor, ...]],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_forward: bool = False,
    check_backward: bool = True,
) -> bool:
    """Compare reverse mode (and forward mode with ``check_forward=True``) with central
    differences, element by element of the full Jacobian of ``f``.

    Inputs that require grad are checked; use float64 (the tolerances assume it). Passes
    when ``|analytic - numeric| <= atol + rtol * |numeric|`` everywhere. On failure it raises
    ``GradcheckError`` (or returns False) naming the mode, the output, the input, the
    element index and both values.
    """
    _, tensors = _as_inputs(inputs)
    wrt = [i for i, t in enumerate(tensors) if t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    for i in wrt:
        if tensors[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {tensors[i].dtype}; central differences "
                "are only reliable in float64 (cast with .double())"
            )
    values = [t._data.copy() for t in tensors]
    numeric = _numerical_jacobian(f, values, wrt, eps)
    modes = []
    if check_backward:
        modes.append(("reverse mode", _reverse_jacobian(f, tensors, wrt)))
    if check_forward:
        modes.append(("forward mode", _forward_jacobian(f, tensors, wrt)))
    for mode, analytic in modes:
        for k, (num_row, ana_row) in enumerate(zip(numeric, analytic)):
            for col, (num, ana) in enumerate(zip(num_row, ana_row)):
                bad = ~np.isclose(ana, num, rtol=rtol, atol=atol, equal_nan=True)
                if bad.any():
                    row, j = np.argwhere(bad)[0]
                    i = wrt[col]
                    index = np.unravel_index(j, tensors[i].shape)
                    message = (
                        f"gradcheck failed ({mode}): d output[{k}] element {int(row)} / "
                        f"d input[{i}] element {tuple(int(x) for x in index)}: "
                        f"analytic {float(ana[row, j])!r} vs numeric {float(num[row, j])!r} "
                        f"({int(bad.sum())} of {bad.size} entries differ; "
                        f"atol={atol}, rtol={rtol})"
                    )
                    if raise_exception:
                        raise GradcheckError(message)
                    return False
    return True


def _differentiable(x):
    """x itself if it requires grad, else a fresh leaf that does (keeping a tangent)."""
    if x.requires_grad:
        return x
    leaf = _wrap(x._data)
    leaf.requires_grad = True
    return leaf if x._tangents is None else _with_tangents(leaf, x._tangents)  # every level


def gradgradcheck(
    f: Callable[..., Tensor | tuple[Tensor, ...]],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_forward: bool = False,
    rng: np.random.Generator | int | None = 0,
) -> bool:
    """Check second derivatives: gradcheck of ``x -> vᵀ J_f(x)`` (a backward pass recorded
    with ``create_graph=True``) for random cotangents ``v``.

    With ``check_forward=True`` that backward pass is also differentiated in forward mode
    (forward-over-reverse, as Hessian-vector products are computed).
    """
    _, tensors = _as_inputs(inputs)
    wrt = [i for i, t in enumerate(tensors) if t.requires_grad]
    with no_grad():
        outs = f(*[_wrap(t._data) for t in tensors])
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    if grad_outputs is None:
        generator = np.random.default_rng(rng)
        grad_outputs = tuple(_wrap(generator.standard_normal(o.shape)) for o in outs)
    elif not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = (grad_outputs,)

    def first_derivative(*xs):
        # called under no_grad by the numerical and forward-mode checks: record anyway
        with enable_grad():
            return _first_derivative([_differentiable(x) for x in xs])

    def _first_derivative(xs):
        ys = f(*xs)
        ys = ys if isinstance(ys, (tuple, list)) else (ys,)
        pairs = [(y, v) for y, v in zip(ys, grad_outputs) if y.requires_grad]
        grads = grad(
            [y for y, _ in pairs],
            [xs[i] for i in wrt],
            [v for _, v in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(
            _wrap(np.zeros_like(xs[i]._data)) if g is None else g for i, g in zip(wrt, grads)
        )

    return gradcheck(
        first_derivative,
        tensors,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        check_forward=check_forward,
    )
