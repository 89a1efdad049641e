"""Initialisers: fill a tensor's data in place and return the tensor (PyTorch's ``nn.init``).

Why not zeros: with every weight equal, all units of a layer compute the same value and
receive the same gradient, so they stay identical however long we train (the symmetry
problem of the notes). Random values break the tie; their scale keeps the net inputs
``Wᵀx + b`` near 0, where sigmoid and tanh still have a useful slope:

* ``uniform_fan_in_``  U(-1/√n, 1/√n), n = fan_in (the notes' ``2*rand/sqrt(n) - 1/sqrt(n)``)
* ``xavier_*``         Var(W) = gain² · 2 / (fan_in + fan_out) (Glorot & Bengio), or the
  notes' derivation Var(W) = 1/fan_in with ``mode="fan_in"``: Var(a⁽ˡ⁾) = n·Var(W)·Var(a⁽ˡ⁻¹⁾)
* ``kaiming_*``        Var(W) = gain² / fan (He et al.), gain = √2 for ReLU

Every random initialiser takes ``rng``: a numpy Generator or an int seed.
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core import Tensor, get_default_dtype
from autograd_core.random import generator as _generator

__all__ = [
    "calculate_gain",
    "zeros_",
    "ones_",
    "constant_",
    "normal_",
    "uniform_",
    "uniform_fan_in_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
]


def _float_dtype(dtype):
    """The dtype of new parameters: the default dtype unless a floating dtype is given."""
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters must have a floating dtype, got {dtype}")
    return dtype


def _fill(tensor, values, where):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{where}: expected a floating tensor, got dtype {tensor.dtype}")
    tensor.data[...] = values  # in place, cast to the tensor's dtype; records no graph
    return tensor


def _fans(tensor, where):
    """(fan_in, fan_out) of a weight of shape (out, in, *receptive field)."""
    if tensor.ndim < 2:
        raise ValueError(
            f"{where}: fan_in and fan_out need a tensor with at least 2 dimensions, got shape "
            f"{tensor.shape} (for a bias, use uniform_fan_in_(bias, fan_in=...))"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode, where):
    fan_in, fan_out = _fans(tensor, where)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations at unit variance after ``nonlinearity``.

    linear / identity / sigmoid: 1, tanh: 5/3, relu: √2, leaky_relu with slope ``param``
    (default 0.01): √(2 / (1 + slope²)), selu: 3/4 (the values PyTorch uses).
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        "'linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'"
    )


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0 (only right for biases: zero weights leave the units symmetric)."""
    return _fill(tensor, 0.0, "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _fill(tensor, 1.0, "ones_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill(tensor, float(val), "constant_")


def normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(tensor, _generator(rng).normal(mean, std, tensor.shape), "normal_")


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, rng: np.random.Generator | int | None = None
) -> Tensor:
    """Fill with samples of U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(tensor, _generator(rng).uniform(a, b, tensor.shape), "uniform_")


def uniform_fan_in_(
    tensor: Tensor, fan_in: int | None = None, rng: np.random.Generator | int | None = None
) -> Tensor:
    """Fill with U(-1/√n, 1/√n), n = ``fan_in`` (by default the tensor's own fan_in).

    The notes' rule for both W and b, so that Wᵀx + b stays near 0 (for x ~ N(0, 1) it has
    variance 1/3); a bias has no fan of its own: pass its layer's ``fan_in``. This is the
    default of ``nn.Linear`` and ``nn.Maxout``.
    """
    n = _fans(tensor, "uniform_fan_in_")[0] if fan_in is None else fan_in
    if n <= 0:
        raise ValueError(f"uniform_fan_in_: fan_in must be positive, got {n}")
    bound = 1.0 / math.sqrt(n)
    return uniform_(tensor, -bound, bound, rng)


def _xavier_std(tensor, gain, mode, where):
    fan_in, fan_out = _fans(tensor, where)
    if mode == "fan_avg":
        return gain * math.sqrt(2.0 / (fan_in + fan_out))
    if mode == "fan_in":
        return gain / math.sqrt(fan_in)
    raise ValueError(f"{where}: mode must be 'fan_avg' or 'fan_in', got {mode!r}")


def xavier_uniform_(
    tensor: Tensor,
    gain: float = 1.0,
    mode: str = "fan_avg",
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """Xavier/Glorot uniform: U(-a, a) with a = √3 · std, the std of ``xavier_normal_``.

    With the default ``mode="fan_avg"``, a = gain · √(6 / (fan_in + fan_out)) as in PyTorch.
    """
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain, mode, "xavier_uniform_")
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(
    tensor: Tensor,
    gain: float = 1.0,
    mode: str = "fan_avg",
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """Xavier/Glorot normal: N(0, std²), std = gain · √(2 / (fan_in + fan_out)).

    ``mode="fan_in"`` gives std = gain / √fan_in, the notes' W ~ N(0, 1/n⁽ˡ⁻¹⁾), which keeps
    Var(a⁽ˡ⁾) = Var(a⁽ˡ⁻¹⁾) for activations that are linear near 0.
    """
    return normal_(tensor, 0.0, _xavier_std(tensor, gain, mode, "xavier_normal_"), rng)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """He uniform: U(-b, b), b = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    The defaults (leaky_relu with slope a = 0, i.e. ReLU) give b = √(6 / fan_in).
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode, "kaiming_uniform_"))
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """He normal: N(0, std²), std = gain / √fan; for ReLU std = √(2 / fan_in)."""
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(_fan(tensor, mode, "kaiming_normal_"))
    return normal_(tensor, 0.0, std, rng)
