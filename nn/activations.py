"""Activation functions as Modules; the formulas (and derivatives) live in ``nn.functional``.

Parametric ones hold Parameters: PReLU's slopes γ, Swish's β (when ``learnable``) and
DyT's α, γ, β.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograd_core.ops.dims import axis_arg

from . import functional as F
from .init import _float_dtype
from .module import Module
from .parameter import Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from autograd_core import Tensor

__all__ = [
    "Sigmoid",
    "Logistic",
    "Tanh",
    "HardLogistic",
    "HardTanh",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softplus",
    "Swish",
    "SiLU",
    "GELU",
    "DyT",
    "Softmax",
    "LogSoftmax",
]


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^-x), the Logistic function;  σ' = σ(1 - σ)."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.sigmoid(x)


Logistic = Sigmoid


class Tanh(Module):
    """tanh(x) = 2σ(2x) - 1;  tanh' = 1 - tanh²."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.tanh(x)


class HardLogistic(Module):
    """max(min(0.25x + 0.5, 1), 0);  derivative 0.25 on [-2, 2], else 0."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.hard_logistic(x)


class HardTanh(Module):
    """max(min(x, 1), -1);  derivative 1 on [-1, 1], else 0."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.hard_tanh(x)


class ReLU(Module):
    """max(0, x);  derivative [x > 0]."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else γx;  derivative 1 or γ."""

    def __init__(self, gamma: float = 0.01) -> None:
        super().__init__()
        self.gamma = F._number(gamma, "gamma", type(self).__name__)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.leaky_relu(x, self.gamma)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}"


class PReLU(Module):
    """x if x > 0 else γx with learnable γ: one slope, or one per channel (input axis 1).

    Parameters
    ----------
    num_parameters : int
        1, or the number of channels C of (N, C, ...) inputs.
    init : float
        Initial slope.
    dtype : numpy dtype, optional
        Dtype of ``weight`` (the slopes γ, shape (num_parameters,)).
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__()
        if not isinstance(num_parameters, (int, np.integer)) or num_parameters < 1:
            raise ValueError(
                f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}"
            )
        self.num_parameters = int(num_parameters)
        self.weight = Parameter(np.full(self.num_parameters, init, _float_dtype(dtype)))

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.prelu(F._in_dtype_of(x, self.weight), self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x if x > 0 else γ(eˣ - 1);  derivative 1 or γeˣ."""

    def __init__(self, gamma: float = 1.0) -> None:
        super().__init__()
        self.gamma = F._number(gamma, "gamma", type(self).__name__)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.elu(x, self.gamma)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}"


class Softplus(Module):
    """log(1 + eˣ), computed stably;  derivative σ(x)."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.softplus(x)


class Swish(Module):
    """x · σ(βx): β fixed, or a learnable Parameter of shape (1,) with ``learnable=True``.

    Parameters
    ----------
    beta : float
        The (initial) gate sharpness: 0 gives x/2, 1 gives SiLU, ∞ tends to ReLU.
    learnable : bool
        Learn β by gradient descent.
    dtype : numpy dtype, optional
        Dtype of β when it is learnable.
    """

    def __init__(
        self, beta: float = 1.0, learnable: bool = False, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__()
        self.learnable = bool(learnable)
        if self.learnable:
            self.beta = Parameter(np.full(1, F._number(beta, "beta", "Swish"), _float_dtype(dtype)))
        else:
            self.beta = F._number(beta, "beta", "Swish")

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        if self.learnable:
            x = F._in_dtype_of(x, self.beta)
        return F.swish(x, self.beta)

    def extra_repr(self) -> str:
        beta = self.beta.data[0] if self.learnable else self.beta
        return f"beta={beta}, learnable={self.learnable}"


class SiLU(Module):
    """x · σ(x) (Swish with β = 1)."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.silu(x)


class GELU(Module):
    """x · Φ(x): exact with erf (``approximate="none"``), or its ``"tanh"`` or ``"sigmoid"``
    (x · σ(1.702x)) approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh", "sigmoid"):
            raise ValueError(
                f"GELU: approximate must be 'none', 'tanh' or 'sigmoid', got {approximate!r}"
            )
        self.approximate = approximate

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class DyT(Module):
    """Dynamic tanh γ · tanh(αx) + β over the last axis, with learnable scalar α and
    per-feature γ, β (Zhu et al., CVPR 2025: "Transformers without Normalization").

    Parameters
    ----------
    num_features : int
        Size C of the last axis.
    alpha_init : float
        Initial α.
    dtype : numpy dtype, optional
        Parameter dtype.

    Attributes
    ----------
    alpha : Parameter of shape (1,)
    weight, bias : Parameter of shape (C,)
        γ (starts at 1) and β (starts at 0).
    """

    def __init__(
        self, num_features: int, alpha_init: float = 0.5, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__()
        if not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"DyT: num_features must be a positive integer, got {num_features!r}")
        self.num_features = int(num_features)
        self.alpha_init = F._number(alpha_init, "alpha_init", "DyT")
        dtype = _float_dtype(dtype)
        self.alpha = Parameter(np.full(1, self.alpha_init, dtype))
        self.weight = Parameter(np.ones(self.num_features, dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype))

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        x = F._in_dtype_of(x, self.weight)
        if x.ndim == 0 or x.shape[-1] != self.num_features:
            raise ValueError(
                f"DyT({self.num_features}): expected the last axis of the input to have size "
                f"{self.num_features}, got shape {x.shape}"
            )
        return F.dyt(x, self.alpha, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"num_features={self.num_features}, alpha_init={self.alpha_init}"


class _AlongAxis(Module):
    """A normalisation along one axis, given as ``dim`` (PyTorch's name, also positional) or
    ``axis``; without either, the last axis (PyTorch warns and guesses from the rank)."""

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        axis = axis_arg(type(self).__name__, axis, dim)
        self.axis = -1 if axis is None else axis

    @property
    def dim(self) -> int:
        """The axis (PyTorch's attribute name)."""
        return self.axis

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Softmax(_AlongAxis):
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim`` / ``axis`` (the last axis by default)."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.softmax(x, self.axis)


class LogSoftmax(_AlongAxis):
    """x - logsumexp(x) along ``dim`` / ``axis`` (the last axis by default)."""

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        return F.log_softmax(x, self.axis)
