"""``nn.utils``: gradient clipping, as PyTorch's ``torch.nn.utils``.

Call a clipping function between ``loss.backward()`` and ``optimizer.step()``: it rewrites the
``.grad`` of the parameters in place, so the step uses the clipped gradients. Clipping by norm
keeps the direction of the whole gradient and bounds its length, the usual guard against the
exploding gradients of deep or recurrent nets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd_core as ag
from autograd_core import Tensor, inplace
from autograd_core.jit.capture import refuse

from .functional import _number

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor], where: str) -> list[Tensor]:
    """The ``.grad`` Tensors of ``parameters`` (one Tensor or an iterable), skipping None."""
    refuse(f"nn.utils.{where} (it reads the gradients' values); clip outside the function")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: parameter {i} is a {type(p).__name__}, not a Tensor")
    return [p.grad for p in params if p.grad is not None]


def _vector_norm(array: np.ndarray, p: float) -> np.ndarray:
    """‖a‖_p of all the elements as one vector; p = inf is max |aᵢ| (0 when empty)."""
    if p == math.inf:
        return np.abs(array).max(initial=0).astype(array.dtype)
    return np.linalg.norm(array.reshape(-1), ord=p)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their total norm is at most ``max_norm``.

    total = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p, the p-norm of all gradients taken as one vector
    (``norm_type`` p; ``math.inf`` for the largest |gᵢ|). Every gradient is multiplied by
    min(1, max_norm / (total + 1e-6)), so nothing changes while total ≤ max_norm. Parameters
    without a gradient are skipped. Returns total, measured before clipping, as a Tensor
    (PyTorch's return value); a NaN or inf total raises when ``error_if_nonfinite``.
    """
    grads = _grads(parameters, "clip_grad_norm_")
    max_norm = _number(max_norm, "max_norm", "clip_grad_norm_")
    p = _number(norm_type, "norm_type", "clip_grad_norm_")
    if not grads:
        return ag.tensor(0.0)
    norms = np.stack([_vector_norm(g._data, p) for g in grads])
    total = _vector_norm(norms, p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be clipped; pass error_if_nonfinite=False to scale them "
            "by it anyway"
        )
    scale = float(np.minimum(max_norm / (total + 1e-6), 1.0))  # NaN stays NaN, as PyTorch
    if scale != 1.0:
        with ag.no_grad():
            for g in grads:
                inplace.update(g, "clip_grad_norm_", np.multiply, scale)
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value], in place (parameters
    without a gradient are skipped)."""
    grads = _grads(parameters, "clip_grad_value_")
    clip_value = _number(clip_value, "clip_value", "clip_grad_value_")
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    with ag.no_grad():
        for g in grads:
            inplace.update(g, "clip_grad_value_", np.minimum, clip_value)
            inplace.update(g, "clip_grad_value_", np.maximum, -clip_value)
