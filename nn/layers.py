"""Layers with parameters or modes: Linear, Flatten, Dropout, BatchNorm1d, Maxout, and the
placeholder Identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_core as ag
from autograd_core.random import generator as _generator

from . import functional as F
from . import init
from .init import _float_dtype
from .module import Module
from .parameter import Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from autograd_core import Tensor

__all__ = ["Identity", "Linear", "Flatten", "Dropout", "BatchNorm1d", "Maxout"]


def _positive_int(value, name, where):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


class Identity(Module):
    """y = x, the input itself: a placeholder, e.g. to switch a layer off
    (``model.fc = nn.Identity()``). Accepts and ignores any arguments, as PyTorch's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """Fully connected layer y = x Wᵀ + b.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the last axis of the input and of the output.
    bias : bool
        Whether to learn the additive bias b.
    rng : numpy Generator or int, optional
        Source of the initial values, for reproducibility.
    dtype : numpy dtype, optional
        Parameter dtype (default: ``ag.get_default_dtype()``).

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
    bias : Parameter of shape (out_features,) or None
        Both start as U(-1/√in_features, 1/√in_features), the notes' initialisation.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | int | None = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Linear")
        self.out_features = _positive_int(out_features, "out_features", "Linear")
        dtype = _float_dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | int | None = None) -> None:
        """Draw W and b again from U(-1/√in_features, 1/√in_features)."""
        rng = _generator(rng)
        init.uniform_fan_in_(self.weight, rng=rng)
        if self.bias is not None:
            init.uniform_fan_in_(self.bias, fan_in=self.in_features, rng=rng)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.linear(F._in_dtype_of(x, self.weight), self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Merge axes ``start_dim`` … ``end_dim`` into one: (N, 2, 3) -> (N, 6) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        x = F._tensor(x)
        shape = x.shape
        if not shape:
            raise ValueError("Flatten: cannot flatten a 0-d tensor")
        start, end = self.start_dim % len(shape), self.end_dim % len(shape)
        if start > end:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim} for an "
                f"input of shape {shape}"
            )
        return x.reshape(shape[:start] + (-1,) + shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    others by 1/(1-p); the identity in evaluation mode.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping an element.
    rng : numpy Generator or int, optional
        Source of the masks: a seed makes the sequence of masks reproducible.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        self.p = F._probability(p, "Dropout")
        self.rng = _generator(rng)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(Module):
    """Batch normalisation of (N, C) or (N, C, L) inputs over axis 1 (C = ``num_features``):
    x̂ = (x - μ_B) / √(σ²_B + ε), y = γx̂ + β.

    In training mode μ_B, σ²_B are the statistics of the batch (the gradient flows through
    them) and the buffers ``running_mean`` / ``running_var`` move towards them by ``momentum``
    (``running_var`` with the unbiased variance, as PyTorch); in evaluation mode the running
    estimates are used instead.

    Parameters
    ----------
    num_features : int
        Number of channels C.
    eps : float
        Added to the variance for numerical stability.
    momentum : float in [0, 1]
        Weight of the new batch in the running estimates.
    dtype : numpy dtype, optional
        Dtype of the parameters and buffers.

    Attributes
    ----------
    weight, bias : Parameter of shape (C,)
        γ (starts at 1) and β (starts at 0).
    running_mean, running_var : buffer Tensors of shape (C,)
        Start at 0 and 1; saved in the state dict.
    num_batches_tracked : buffer Tensor of shape (), int64
        The number of batches seen in training mode, as PyTorch's, so that a state dict has
        the same keys on both sides. A state dict without it (written before it existed)
        still loads, leaving the count as it is.
    """

    _optional_state = ("num_batches_tracked",)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        self.num_features = _positive_int(num_features, "num_features", "BatchNorm1d")
        self.eps = F._number(eps, "eps", "BatchNorm1d")
        self.momentum = F._number(momentum, "momentum", "BatchNorm1d")
        if self.eps <= 0:
            raise ValueError(f"BatchNorm1d: eps must be positive, got {eps}")
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1], got {momentum}")
        dtype = _float_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype))
        self.register_buffer("running_mean", ag.tensor(np.zeros(self.num_features, dtype)))
        self.register_buffer("running_var", ag.tensor(np.ones(self.num_features, dtype)))
        self.register_buffer("num_batches_tracked", ag.tensor(np.array(0, np.int64)))

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        x = F._in_dtype_of(x, self.weight)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}): expected an input of shape "
                f"(N, {self.num_features}) or (N, {self.num_features}, L), got {x.shape}"
            )
        y = F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training,
            self.momentum,
            self.eps,
        )
        if self.training:  # (batch_norm has refused to be traced by ag.compile by now)
            self.num_batches_tracked.data[...] += 1
        return y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class Maxout(Module):
    """Maxout units: each of the ``out_features`` units has k linear pieces
    zₖ = wₖᵀx + bₖ and outputs maxₖ zₖ, a learned piecewise-linear convex function.

    Parameters
    ----------
    in_features, out_features : int
        Input size D and number of units.
    k : int
        Number of pieces per unit.
    rng : numpy Generator or int, optional
        Source of the initial values.
    dtype : numpy dtype, optional
        Parameter dtype.

    Attributes
    ----------
    weight : Parameter of shape (out_features, k, in_features)
    bias : Parameter of shape (out_features, k)
        Both start as U(-1/√in_features, 1/√in_features), like Linear.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        k: int,
        rng: np.random.Generator | int | None = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features", "Maxout")
        self.out_features = _positive_int(out_features, "out_features", "Maxout")
        self.k = _positive_int(k, "k", "Maxout")
        dtype = _float_dtype(dtype)
        shape = (self.out_features, self.k)
        self.weight = Parameter(np.empty(shape + (self.in_features,), dtype))
        self.bias = Parameter(np.empty(shape, dtype))
        rng = _generator(rng)
        init.uniform_fan_in_(self.weight, fan_in=self.in_features, rng=rng)
        init.uniform_fan_in_(self.bias, fan_in=self.in_features, rng=rng)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        pieces = self.out_features * self.k
        weight = self.weight.reshape(pieces, self.in_features)
        z = F.linear(F._in_dtype_of(x, self.weight), weight, self.bias.reshape(pieces))
        return F.maxout(z, self.k)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, k={self.k}"
