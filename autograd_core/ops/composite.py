"""Functions built from primitives: they need no derivative rules of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dims import axis_arg
from .reduce import logsumexp

if TYPE_CHECKING:
    from ..tensor import Tensor


def log_softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log softmax(a) = a - logsumexp(a): stable for any logits (not log(softmax(a)))."""
    axis = axis_arg("log_softmax", axis, dim, default=-1)
    return a - logsumexp(a, axis=axis, keepdims=True)


def softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(a - logsumexp(a)): rows sum to 1, no overflow for logits of 1e4."""
    axis = axis_arg("softmax", axis, dim, default=-1)
    return log_softmax(a, axis).exp()
