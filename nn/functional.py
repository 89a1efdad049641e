"""Stateless math of the nn package: activations, layers and losses (``import nn.functional as F``).

This module is the single source of the formulas; the Modules of ``nn.activations``,
``nn.layers`` and ``nn.losses`` hold parameters and configuration and call these functions.
Everything is composed of engine primitives, so reverse mode, forward mode and higher-order
derivatives come for free. Two primitives are added here, each for a reason: ``Erf`` (numpy
has no erf) and ``Softplus`` (log(1 + eˣ) overflows or loses all precision when composed).
Formulas follow the course notes; where PyTorch differs the docstring says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.function import Primitive, call
from autograd_core.jit.capture import refuse, validate
from autograd_core.ops import Exp, Sigmoid
from autograd_core.ops.dims import axis_arg
from autograd_core.random import generator as _generator

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


__all__ = [
    "Erf",
    "Softplus",
    "erf",
    "sigmoid",
    "logistic",
    "tanh",
    "hard_logistic",
    "hard_tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "softplus",
    "swish",
    "silu",
    "gelu",
    "maxout",
    "dyt",
    "softmax",
    "log_softmax",
    "linear",
    "pad",
    "dropout",
    "batch_norm",
    "mse_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "frobenius_penalty",
]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO_OVER_PI = math.sqrt(2.0 / math.pi)
_math_erf = np.frompyfunc(math.erf, 1, 1)


def _tensor(x: Tensor | ArrayLike) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _in_dtype_of(x: Tensor | ArrayLike, param: Tensor) -> Tensor:
    """``x`` as a Tensor of ``param``'s dtype: the rule of every layer with parameters.

    A layer computes in its parameters' dtype, whatever the input's (a float64 batch into a
    ``model.float()`` computes in float32; PyTorch raises instead). The cast is a recorded
    op, so the gradient w.r.t. ``x`` comes back in x's own dtype.
    """
    return ag.cast(_tensor(x), param.dtype)


def _number(value: object, name: str, where: str) -> float:
    """``float(value)`` for a hyper-parameter, with an error naming the layer and argument."""
    if isinstance(value, Tensor) and value.size == 1:
        value = value.item()
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- primitives
class Erf(Primitive):
    """y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt;  dy = 2/√π · e^(-x²) · dx

    numpy has no erf: the forward maps ``math.erf`` over the elements (as accurate as the C
    library's erf; fast enough for teaching sizes). On Tensors the rules are differentiable, so
    erf has derivatives of every order.
    """

    symbol = "erf"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_math_erf(x), dtype=np.result_type(x, 0.0))  # float32 stays float32

    @staticmethod
    def derivative(ctx):
        (x,) = ctx.saved_tensors
        return _TWO_OVER_SQRT_PI * call(Exp, -(x * x))

    @staticmethod
    def backward(ctx, g):
        return g * Erf.derivative(ctx)

    @staticmethod
    def jvp(ctx, t):
        return t * Erf.derivative(ctx)


class Softplus(Primitive):
    """y = log(1 + eˣ);  dy = σ(x) · dx (the Logistic function)

    A primitive for stability: computed as logaddexp(0, x), so softplus(1000) = 1000 with
    gradient 1, softplus(-1000) = 0 with gradient 0, and log(1 + eˣ) keeps its precision
    for x ≪ 0 (where 1 + eˣ rounds to 1). It equals max(x, 0) + log(1 + e^-|x|).
    """

    symbol = "softplus"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(under="ignore"):  # e^-1000 rounds to 0, which is the right answer
            return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * call(Sigmoid, x)

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return t * call(Sigmoid, x)


class Linear(Primitive):
    """y = x Wᵀ + b;  dx = g W, dW = gᵀ x, db = Σ g over the batch axes

    One node instead of transpose + matmul + add: the weight gradient comes out in W's own
    (out, in) layout and the bias gradient is a single sum.
    """

    symbol = "linear"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = np.matmul(x, weight.T)
        if bias is not None:
            out += bias  # a fresh array: add in place
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        rows = g.reshape((-1, out_features))  # every batch axis flattened into rows
        grad_x = g @ weight if need_x else None
        grad_w = rows.T @ x.reshape((-1, in_features)) if need_w else None
        grad_b = rows.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b

    @staticmethod
    def jvp(ctx, t_x, t_w, t_b):
        x, weight = ctx.saved_tensors
        terms = [
            t
            for t in (
                None if t_x is None else t_x @ weight.T,
                None if t_w is None else x @ t_w.T,
                t_b,
            )
            if t is not None
        ]
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out


class SoftmaxCrossEntropy(Primitive):
    """ℓₙ = logsumexp(xₙ) - xₙ[yₙ] for integer labels yₙ;  ∂ℓₙ/∂xₙ = softmax(xₙ) - onehot(yₙ)

    The notes' softmax-then-cross-entropy as one node: the gradient is softmax − target
    directly (no indexing scatter), and the log-sum-exp subtracts the row maximum first, so
    logits 1e4 apart stay finite. ``reduction`` "sum" or "mean" is done inside the node
    (Σₙ ℓₙ, then ÷ N), with the same arithmetic as the separate sum and division.
    """

    symbol = "softmax-CE"

    @staticmethod
    def forward(ctx, x, labels=None, reduction="none"):
        ctx.labels, ctx.reduction = labels, reduction
        m = x.max(axis=1, keepdims=True)
        if np.isfinite(m).all():  # the common case: each row's sum of e is at least 1
            e = np.exp(x - m)
            total = e.sum(axis=1, keepdims=True)
            lse = (m + np.log(total))[:, 0]
        else:  # a row of -inf (or a nan or inf): shift by 0 there, log 0 = -inf is fine
            m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
            with np.errstate(under="ignore", divide="ignore"):
                e = np.exp(x - m)
                total = e.sum(axis=1, keepdims=True)
                lse = (m + np.log(total))[:, 0]
        rows = np.arange(x.shape[0])
        residual = e / total  # softmax(x) - onehot(y), kept for a first-order backward
        residual[rows, labels] -= 1.0
        ctx.save_for_backward(x, residual)
        losses = lse - x[rows, labels]
        if reduction == "none":
            return losses
        total = np.add.reduce(losses, axis=0)  # np.sum without its wrapper
        return total if reduction == "sum" else np.true_divide(total, len(losses))

    @staticmethod
    def residual(ctx):
        """softmax(x) - onehot(y), in Tensor ops (so second derivatives are right)."""
        x, _ = ctx.saved_tensors
        onehot = np.zeros(x.shape, dtype=x.dtype)
        onehot[np.arange(x.shape[0]), ctx.labels] = 1.0
        return ag.softmax(x, axis=1) - onehot

    @staticmethod
    def backward(ctx, g):
        x, residual = ctx.saved_tensors
        if not isinstance(x, Tensor) or (not ag.is_grad_enabled() and x.tangent is None):
            # an ordinary first-order backward: the residual computed in forward suffices
            return SoftmaxCrossEntropy.per_row(ctx, g) * residual
        return SoftmaxCrossEntropy.per_row(ctx, g) * SoftmaxCrossEntropy.residual(ctx)

    @staticmethod
    def per_row(ctx, g):
        """The output gradient as a column (one row per sample): g, g for a sum, g/N for
        a mean (what the separate sum and division would hand back)."""
        if ctx.reduction == "none":
            return g.reshape((-1, 1))
        return g if ctx.reduction == "sum" else g / len(ctx.labels)

    @staticmethod
    def jvp(ctx, t):
        per_sample = (t * SoftmaxCrossEntropy.residual(ctx)).sum(axis=1)
        if ctx.reduction == "none":
            return per_sample
        total = per_sample.sum()
        return total if ctx.reduction == "sum" else total / len(ctx.labels)


def erf(x: Tensor | ArrayLike) -> Tensor:
    """The Gauss error function, elementwise."""
    return Erf.apply(_tensor(x))


# ---------------------------------------------------------------------------- activations
def sigmoid(x: Tensor | ArrayLike) -> Tensor:
    """Logistic σ(x) = 1 / (1 + e^-x);  σ' = σ(1 - σ). Squashes ℝ into (0, 1)."""
    return ag.sigmoid(_tensor(x))


logistic = sigmoid


def tanh(x: Tensor | ArrayLike) -> Tensor:
    """tanh(x) = (eˣ - e^-x) / (eˣ + e^-x) = 2σ(2x) - 1;  tanh' = 1 - tanh²."""
    return ag.tanh(_tensor(x))


def hard_logistic(x: Tensor | ArrayLike) -> Tensor:
    """max(min(0.25x + 0.5, 1), 0): σ's first-order Taylor expansion at 0, clipped;
    derivative 0.25 on [-2, 2], 0 outside. (PyTorch's hardsigmoid uses x/6 + 0.5 instead.)"""
    return ag.clip(0.25 * _tensor(x) + 0.5, 0.0, 1.0)


def hard_tanh(x: Tensor | ArrayLike) -> Tensor:
    """max(min(x, 1), -1): tanh's Taylor expansion at 0, clipped;  derivative 1 on [-1, 1],
    bounds included as in ``clip`` (PyTorch's hardtanh gives 0 at ±1), 0 outside."""
    return ag.clip(_tensor(x), -1.0, 1.0)


def relu(x: Tensor | ArrayLike) -> Tensor:
    """max(0, x);  derivative [x > 0] (0 at x = 0, as PyTorch)."""
    return ag.relu(_tensor(x))


def leaky_relu(x: Tensor | ArrayLike, gamma: float = 0.01) -> Tensor:
    """x if x > 0 else γx  (= max(0, x) + γ min(0, x));  derivative 1 or γ (γ at x = 0)."""
    x = _tensor(x)
    return ag.where(x > 0, x, _number(gamma, "gamma", "leaky_relu") * x)


def prelu(x: Tensor | ArrayLike, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope γ (``weight``): x if x > 0 else γx.

    d/dx = 1 or γ, d/dγ = 0 or x. ``weight`` has one slope, or one per channel (axis 1).
    """
    x = _tensor(x)
    if weight.size > 1:
        if x.ndim < 2 or x.shape[1] != weight.size:
            raise ValueError(
                f"prelu: {weight.size} slopes need an input with {weight.size} channels on "
                f"axis 1, got shape {x.shape}"
            )
        weight = weight.reshape((weight.size,) + (1,) * (x.ndim - 2))
    return ag.where(x > 0, x, weight * x)


def elu(x: Tensor | ArrayLike, gamma: float = 1.0) -> Tensor:
    """x if x > 0 else γ(eˣ - 1)  (= max(0, x) + min(0, γ(eˣ - 1)));  derivative 1 or γeˣ.

    The exponential sees min(x, 0) only, so a large x cannot overflow the unused branch.
    """
    x = _tensor(x)
    gamma = _number(gamma, "gamma", "elu")
    return ag.where(x > 0, x, gamma * (ag.exp(ag.clip(x, hi=0.0)) - 1.0))


def softplus(x: Tensor | ArrayLike) -> Tensor:
    """log(1 + eˣ), a smooth ReLU;  derivative σ(x). Stable for any x (see ``Softplus``)."""
    return Softplus.apply(_tensor(x))


def swish(x: Tensor | ArrayLike, beta: float | Tensor = 1.0) -> Tensor:
    """x · σ(βx), self-gated;  d/dx = σ(βx) + βx σ(βx)(1 - σ(βx)).

    β = 0 gives x/2, β → ∞ tends to ReLU. ``beta`` may be a number or a learnable Tensor.
    """
    x = _tensor(x)
    beta = beta if isinstance(beta, Tensor) else _number(beta, "beta", "swish")
    return x * ag.sigmoid(beta * x)


def silu(x: Tensor | ArrayLike) -> Tensor:
    """x · σ(x), Swish with β = 1."""
    return swish(x, 1.0)


def gelu(x: Tensor | ArrayLike, approximate: str = "none") -> Tensor:
    """x · Φ(x) with Φ the standard normal CDF.

    * ``"none"``:    x · ½(1 + erf(x/√2)), exact;  derivative Φ(x) + x·φ(x)
    * ``"tanh"``:    0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))
    * ``"sigmoid"``: x · σ(1.702x)
    """
    x = _tensor(x)
    if approximate == "none":
        return 0.5 * x * (1.0 + erf(x * _SQRT_HALF))
    if approximate == "tanh":
        return 0.5 * x * (1.0 + ag.tanh(_SQRT_TWO_OVER_PI * (x + 0.044715 * (x * x * x))))
    if approximate == "sigmoid":
        return x * ag.sigmoid(1.702 * x)
    raise ValueError(f"gelu: approximate must be 'none', 'tanh' or 'sigmoid', got {approximate!r}")


def maxout(z: Tensor | ArrayLike, k: int) -> Tensor:
    """max over groups of k: the last axis of ``z`` holds k net inputs zₖ = wₖᵀx + bₖ per unit
    (unit j uses entries jk … jk + k - 1). The gradient goes to the largest piece (ties split)."""
    z = _tensor(z)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"maxout: k must be a positive integer, got {k!r}")
    if z.ndim == 0 or z.shape[-1] % k:
        raise ValueError(f"maxout: the last axis of shape {z.shape} is not a multiple of k={k}")
    return z.reshape(z.shape[:-1] + (z.shape[-1] // k, k)).max(axis=-1)


def dyt(x: Tensor | ArrayLike, alpha: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Dynamic tanh γ · tanh(αx) + β over the last axis (``weight`` = γ, ``bias`` = β):
    a normalisation-free replacement for LayerNorm (Zhu et al., CVPR 2025)."""
    return weight * ag.tanh(alpha * _tensor(x)) + bias


def softmax(x: Tensor | ArrayLike, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis`` (or PyTorch's ``dim``), computed as
    exp(x - logsumexp(x))."""
    return ag.softmax(_tensor(x), axis_arg("softmax", axis, dim, default=-1))


def log_softmax(x: Tensor | ArrayLike, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along ``axis`` (or ``dim``): finite for any finite logits (never
    log(softmax))."""
    return ag.log_softmax(_tensor(x), axis_arg("log_softmax", axis, dim, default=-1))


# ---------------------------------------------------------------------------- layers
def linear(x: Tensor | ArrayLike, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with W of shape (out_features, in_features)."""
    x = _tensor(x)
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit a weight of shape {weight.shape}: "
            f"expected the last dimension to be in_features={weight.shape[-1]}"
        )
    return Linear.apply(x, weight, bias)


def pad(
    x: Tensor | ArrayLike, pad: Sequence[int], mode: str = "constant", value: float | None = 0.0
) -> Tensor:
    """``x`` with ``value`` added around its last axes, in PyTorch's convention.

    ``pad`` is a flat tuple of (before, after) pairs starting from the LAST axis:
    ``(1, 2)`` adds 1 column on the left and 2 on the right of each row, ``(1, 1, 2, 2)``
    adds 1 on both sides of the last axis and 2 above and below along the one before. A
    negative width removes that many elements instead, as in PyTorch. Converted to numpy's
    pad_width (one pair per axis, first axis first) for ``ag.pad``; constant mode only.
    ``value=None`` means 0, as in PyTorch.
    """
    x = _tensor(x)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    if (
        not isinstance(pad, (tuple, list))
        or len(pad) % 2
        or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in pad)
    ):
        raise TypeError(f"pad: pad must be a tuple of (before, after) int pairs, got {pad!r}")
    if len(pad) // 2 > x.ndim:
        raise ValueError(
            f"pad: {len(pad)} values pad {len(pad) // 2} axes, but the input of shape "
            f"{x.shape} has {x.ndim}"
        )
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [
        (int(pad[i]), int(pad[i + 1])) for i in range(len(pad) - 2, -1, -2)
    ]
    x = _crop(x, pairs)
    widths = [(max(b, 0), max(a, 0)) for b, a in pairs]
    return ag.pad(x, widths, value=0.0 if value is None else value)


def _crop(x: Tensor, pairs: list[tuple[int, int]]) -> Tensor:
    """``x`` without the elements that negative pad widths remove."""
    if all(b >= 0 and a >= 0 for b, a in pairs):
        return x
    index = []
    for n, (before, after) in zip(x.shape, pairs):
        start, stop = max(-before, 0), n - max(-after, 0)
        if stop < start:
            raise ValueError(f"pad: widths {(before, after)} remove more than the {n} elements")
        index.append(slice(start, stop))
    return x[tuple(index)]


def _probability(p: float, where: str) -> float:
    p = _number(p, "p", where)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{where}: dropout probability must be in [0, 1), got {p}")
    return p


def dropout(
    x: Tensor | ArrayLike,
    p: float = 0.5,
    training: bool = True,
    rng: np.random.Generator | int | None = None,
) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p),
    so E[output] = x and evaluation needs no rescaling; the identity when not training.
    ``rng``: a numpy Generator or an int seed for the mask."""
    p = _probability(p, "dropout")
    x = _tensor(x)
    if not training or p == 0.0:
        return x
    refuse("dropout in training mode (a new random mask on every call); call model.eval()")
    keep = _generator(rng).random(x.shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


def batch_norm(
    x: Tensor | ArrayLike,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over axis 1 of (N, C) or (N, C, L) inputs.

    x̂ = (x - μ) / √(σ² + ε), y = γx̂ + β. In training μ and σ² are the batch statistics
    (biased variance) and the gradient flows through them; the running estimates are
    updated in place as r ← (1 - momentum)·r + momentum·s, with the unbiased batch
    variance for ``running_var`` (PyTorch's rule). Otherwise the running estimates are used.
    """
    x = _tensor(x)
    momentum, eps = _number(momentum, "momentum", "batch_norm"), _number(eps, "eps", "batch_norm")
    if x.ndim not in (2, 3):
        raise ValueError(
            f"batch_norm: expected an input of shape (N, C) or (N, C, L), got {x.shape}"
        )
    axes = (0,) if x.ndim == 2 else (0, 2)
    kept = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        count = x.size // x.shape[1]
        if count < 2:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {x.shape}"
            )
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        if running_mean is not None:
            refuse("batch_norm's running-statistics update in training mode (a side effect)")
            running_mean.data[...] = (1.0 - momentum) * running_mean.data + momentum * (
                mean.data.reshape(-1)
            )
        if running_var is not None:
            unbiased = var.data.reshape(-1) * (count / (count - 1))
            running_var.data[...] = (1.0 - momentum) * running_var.data + momentum * unbiased
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        mean, var = running_mean.reshape(kept), running_var.reshape(kept)
    out = (x - mean) / ag.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(kept)
    if bias is not None:
        out = out + bias.reshape(kept)
    return out


# ---------------------------------------------------------------------------- losses
_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _float_input(input: Tensor | ArrayLike) -> Tensor:
    """The input of a loss as a floating Tensor: integers and bools (``[1, 0]`` is int64 data)
    take the default dtype, so a float target is never truncated to the input's integers."""
    input = _tensor(input)
    return input if input.dtype.kind == "f" else ag.cast(input, ag.get_default_dtype())


def _float_target(target: Tensor | ArrayLike, input: Tensor, where: str) -> Tensor:
    """The target as a Tensor of the input's dtype and exact shape (no broadcasting), NaN-free."""
    if not isinstance(target, Tensor):
        array = np.asarray(target)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{where}: target must be numeric, got dtype {array.dtype}")
        target = ag.tensor(array.astype(input.dtype))
    if target.shape != input.shape:
        raise ValueError(
            f"{where}: target shape {target.shape} does not match input shape {input.shape} "
            "(losses never broadcast)"
        )
    validate(_no_nan, target._data, where)
    return ag.cast(target, input.dtype)


def _no_nan(values, where):
    if np.isnan(values).any():
        raise ValueError(f"{where}: target contains NaN")


def _class_indices(target: Tensor | ArrayLike, input: Tensor, where: str) -> np.ndarray:
    """Integer class labels of shape (N,), each in [0, C), as a numpy array."""
    labels = target._data if isinstance(target, Tensor) else np.asarray(target)
    n, num_classes = input.shape
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: class-index targets must be integers, got dtype {labels.dtype} (use an "
            f"integer array of shape ({n},), or probabilities of shape ({n}, {num_classes}))"
        )
    if labels.shape != (n,):
        raise ValueError(
            f"{where}: target of shape {labels.shape} does not match input of shape "
            f"{input.shape}: expected class indices of shape ({n},)"
        )
    validate(_labels_in_range, labels, num_classes, where)
    return labels


def _labels_in_range(labels, num_classes, where):
    outside = (labels < 0) | (labels >= num_classes)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"{where}: class labels must be in [0, {num_classes}), got {labels[i]} at index {i}"
        )


def _logits(input: Tensor | ArrayLike, where: str) -> Tensor:
    input = _float_input(input)
    if input.ndim != 2:
        raise ValueError(f"{where}: expected an input of shape (N, C), got {input.shape}")
    return input


def mse_loss(
    input: Tensor | ArrayLike, target: Tensor | ArrayLike, reduction: str = "mean"
) -> Tensor:
    """Mean squared error (xᵢ - yᵢ)², averaged over all elements for ``"mean"``.

    Same as PyTorch; the notes' ½ Σ (xᵢ - yᵢ)² is ``0.5 * mse_loss(x, y, reduction="sum")``.
    """
    _check_reduction(reduction)
    input = _float_input(input)
    diff = input - _float_target(target, input, "mse_loss")
    return _reduce(diff * diff, reduction)


def nll_loss(
    input: Tensor | ArrayLike, target: Tensor | ArrayLike, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood -log pₙ[yₙ] from log-probabilities (N, C) and labels (N,)."""
    _check_reduction(reduction)
    input = _logits(input, "nll_loss")
    labels = _class_indices(target, input, "nll_loss")
    return _reduce(-input[np.arange(input.shape[0]), labels], reduction)


def cross_entropy(
    input: Tensor | ArrayLike, target: Tensor | ArrayLike, reduction: str = "mean"
) -> Tensor:
    """Softmax cross-entropy from logits (N, C): -Σ_c yₙc log softmax(xₙ)_c.

    ``target`` is either integer labels (N,) (then the loss is logsumexp(xₙ) - xₙ[yₙ]) or
    one-hot / probability rows (N, C). log softmax is x - logsumexp(x), so logits 1e4 apart
    give a finite loss; the gradient w.r.t. the logits is softmax(x) - y (divided by N
    for ``"mean"``).
    """
    _check_reduction(reduction)
    input = _logits(input, "cross_entropy")
    target_ndim = target.ndim if isinstance(target, Tensor) else np.ndim(target)
    if target_ndim == 2:
        log_p = ag.log_softmax(input, axis=1)
        loss = -(_float_target(target, input, "cross_entropy") * log_p).sum(axis=1)
    else:
        return SoftmaxCrossEntropy.apply(
            input, labels=_class_indices(target, input, "cross_entropy"), reduction=reduction
        )
    return _reduce(loss, reduction)


def _clamped_log(p):
    """max(log p, -100), with gradient 0 (not inf · 0 = NaN) where p = 0."""
    positive = (p > 0)._data  # a comparison of tensors, so ag.compile recomputes the mask
    return ag.where(positive, ag.clip(ag.log(ag.where(positive, p, 1.0)), lo=-100.0), -100.0)


def binary_cross_entropy(
    input: Tensor | ArrayLike, target: Tensor | ArrayLike, reduction: str = "mean"
) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p ∈ [0, 1].

    Each log is clamped at -100 as in PyTorch, so p ∈ {0, 1} gives a finite loss (at most
    100 per element). Where a log is clamped its gradient is 0 (PyTorch instead bounds the
    denominator of p(1-p), which differs only for p < 1e-12 or 1 - p < 1e-12).
    """
    _check_reduction(reduction)
    p = _float_input(input)
    y = _float_target(target, p, "binary_cross_entropy")
    validate(_probabilities, p._data)
    validate(_unit_targets, y._data)  # outside [0, 1] the loss goes negative, as PyTorch refuses
    loss = -(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p))
    return _reduce(loss, reduction)


def _probabilities(p):
    if p.size and (p.min() < 0 or p.max() > 1 or np.isnan(p).any()):
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
            f"[{p.min()}, {p.max()}]"
        )


def _unit_targets(y):
    outside = (y < 0) | (y > 1)  # NaN was refused already (_float_target)
    if outside.any():
        index = tuple(int(k) for k in np.unravel_index(np.argmax(outside), y.shape))
        at = f" at index {index[0] if len(index) == 1 else index}" if index else ""
        raise ValueError(
            f"binary_cross_entropy: target must hold values in [0, 1], got {y[index]}{at} "
            f"(values in [{y.min()}, {y.max()}])"
        )


def binary_cross_entropy_with_logits(
    input: Tensor | ArrayLike, target: Tensor | ArrayLike, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of σ(x): max(x, 0) - xy + log(1 + e^-|x|) = softplus(x) - xy.

    Stable for any logit; gradient σ(x) - y.
    """
    _check_reduction(reduction)
    x = _float_input(input)
    y = _float_target(target, x, "binary_cross_entropy_with_logits")
    return _reduce(softplus(x) - x * y, reduction)


def frobenius_penalty(params: Iterable[Tensor], lam: float) -> Tensor:
    """The notes' structural-risk term λ/2 · Σₗ ||W⁽ˡ⁾||²_F (sum of squared entries);
    gradient λW. Pass the weights to penalise (biases are usually left out)."""
    lam = _number(lam, "lam", "frobenius_penalty")
    if lam < 0:
        raise ValueError(f"frobenius_penalty: lam must be non-negative, got {lam}")
    squares = [(w * w).sum() for w in params]
    if not squares:
        raise ValueError("frobenius_penalty: got an empty list of parameters")
    total = squares[0]
    for s in squares[1:]:
        total = total + s
    return (0.5 * lam) * total
