"""Loss Modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)``.

Each calls its function in ``nn.functional`` (where the formulas are documented) with the
``reduction`` chosen at construction: ``"mean"`` (default), ``"sum"`` or ``"none"``
(one loss per sample, or per element for elementwise losses). Targets must match the input's
shape exactly: a loss never broadcasts silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import functional as F
from .module import Module

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from autograd_core import Tensor

__all__ = ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    # set by each subclass: the nn.functional loss, called as function(input, target, reduction)
    function: Callable[[Tensor | ArrayLike, Tensor | ArrayLike, str], Tensor]

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._check_reduction(reduction)

    def forward(self, input: Tensor | ArrayLike, target: Tensor | ArrayLike) -> Tensor:
        return self.function(input, target, self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error (x - y)² between input and a target of the same shape."""

    function = staticmethod(F.mse_loss)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits (N, C) with labels (N,) or probability rows (N, C);
    stable via log-sum-exp, gradient (softmax(x) - y) / N for the mean."""

    function = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    """Negative log-likelihood from log-probabilities (N, C) and labels (N,)."""

    function = staticmethod(F.nll_loss)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (each log clamped at -100)."""

    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of σ(x) from logits x, computed stably."""

    function = staticmethod(F.binary_cross_entropy_with_logits)
