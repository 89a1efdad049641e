"""Functions built from primitives: they need no derivative rules of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reduce import logsumexp

if TYPE_CHECKING:
    from ..tensor import Tensor


def log_softmax(a: Tensor, axis: int = -1) -> Tensor:
    """log softmax(a) = a - logsumexp(a): stable for any logits (not log(softmax(a)))."""
    return a - logsumexp(a, axis=axis, keepdims=True)


def softmax(a: Tensor, axis: int = -1) -> Tensor:
    """exp(a - logsumexp(a)): rows sum to 1, no overflow for logits of 1e4."""
    return log_softmax(a, axis).exp()
