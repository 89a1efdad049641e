"""The optimisers of ``nn.optim``: SGD, AdaGrad, RMSProp, Adam, AdamW.

Notation of the course notes: θ a parameter, g = ∂E/∂θ its minibatch gradient, ε (``lr``) the
learning rate, δ (``eps``) a small constant that keeps a division finite, ⊙ element-wise product,
t the number of steps this parameter has taken.

Each optimiser applies PyTorch's update rule (the single-tensor path of ``torch.optim``) with
PyTorch's default hyper-parameters, so a sequence of steps matches PyTorch to float64 rounding.
A step reads ``p.grad`` and rewrites ``p.data`` in place, keeping its dtype: float32 parameters
get float32 state and float32 updates (state made before ``model.to(dtype)`` is cast at the next
step). A parameter whose ``.grad`` is None is skipped and its state does not advance; that
differs from a zero gradient, which still moves the parameter when momentum or weight decay is
on (PyTorch behaves the same way).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.jit.capture import refuse, side_effect

_NO_GRAD = ag.no_grad()  # one context for every update (it keeps a stack: re-entrant)

# What an optimiser is given: the Tensors to optimise, or parameter-group dicts
Params = Iterable[Tensor] | Iterable[dict[str, Any]]

__all__ = [
    "Optimizer",
    "SGD",
    "AdaGrad",
    "Adagrad",
    "RMSProp",
    "RMSprop",
    "Adam",
    "AdamW",
]


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad`` and state dicts.

    ``params`` is an iterable of Tensors, or of dicts ``{"params": [...], "lr": ..., ...}``
    (parameter groups); a group takes the optimiser's defaults for the keys it leaves out.
    A subclass provides ``_check_group`` (validate hyper-parameters) and ``_update`` (one
    parameter's step on numpy arrays).
    """

    _compile_live = True  # ag.compile replays step() and zero_grad() live: no guards inside

    # names a parameter's state may hold: checked by load_state_dict
    _state_keys: tuple[str, ...] = ()

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}  # each parameter's arrays and numbers
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, (Tensor, dict, set, frozenset)) or not isinstance(params, Iterable):
            raise TypeError(
                "params must be an ordered iterable (list, tuple, generator) of Tensors or of "
                f"parameter-group dicts, got {type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} tensors, {settings}")
        return "\n".join(lines + [")"])

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a dict ``{"params": [...], **hyper-parameters}`` (e.g. when unfreezing layers)."""
        if not isinstance(group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError("a parameter group needs a 'params' entry")
        params = group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError("a group's params must be ordered (a list or tuple), not a set")
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        unknown = sorted(set(group) - set(self.defaults) - {"params", "initial_lr"})
        if unknown:
            raise ValueError(
                f"unknown hyper-parameter(s) {unknown} for {type(self).__name__}; "
                f"expected some of {sorted(self.defaults)}"
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but parameter {i} is a "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"parameter {i} (shape {p.shape}) does not require grad, so it would never "
                    "get a gradient to step with"
                )
            if id(p) in seen:
                raise ValueError(
                    f"parameter {i} (shape {p.shape}) is given to the optimizer more than once; "
                    "list each parameter once, in a single group"
                )
            seen.add(id(p))
        merged = {**self.defaults, **group, "params": params}
        self._check_group(merged)
        self.param_groups.append(merged)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: to None (the default, as in PyTorch) or to zeros.

        Inside a function ``ag.compile`` captures, the reset is replayed on every call."""
        side_effect(self._zero_grad, set_to_none)

    def _zero_grad(self, set_to_none):
        for group in self.param_groups:
            for p in group["params"]:  # (the .grad property's checks are for user code)
                if set_to_none:
                    p._grad = None
                elif p._grad is not None:
                    p._grad = Tensor(np.zeros_like(p._data))

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; returns ``closure()`` if one is given.

        ``closure`` re-evaluates the model and returns the loss (it runs with grad enabled).
        Inside a function ``ag.compile`` captures (a whole training step), the update is
        replayed on every call, reading the learning rate and the gradients afresh.
        """
        loss = None
        if closure is not None:
            refuse(
                "an optimiser step with a closure (the closure runs the model again "
                "inside the step): call step() without one in a compiled function"
            )
            with ag.enable_grad():
                loss = closure()
        side_effect(self._step)
        return loss

    def _step(self):
        states = self.state
        with _NO_GRAD:  # an update is not part of any graph
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p._grad  # (what the .grad property checks is for user code)
                    if grad is None:
                        continue
                    g, data = grad._data, p._data
                    if g.shape != data.shape:
                        raise ValueError(
                            f"gradient of shape {g.shape} for a parameter of shape {data.shape}"
                        )
                    if g.dtype != data.dtype:
                        g = g.astype(data.dtype)
                    state = states.get(p)
                    if state is None:
                        state = states[p] = {}
                    elif state:
                        _follow_dtype(state, data.dtype)
                    self._update(data, g, state, group)

    def _check_group(self, group):
        raise NotImplementedError

    def _update(self, p, g, state, group):
        """Step the array ``p`` in place with gradient ``g`` (read-only) and its ``state``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: array or number}}, "param_groups": [...]}``, as PyTorch.

        Parameters are named by their position across the groups; arrays are copies, so the
        dict is a snapshot that later steps do not change. ``nn.save`` writes it as is.
        """
        groups, state, index = [], {}, 0
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                if self.state.get(p):
                    state[index] = {
                        k: v.copy() if isinstance(v, np.ndarray) else v
                        for k, v in self.state[p].items()
                    }
                ids.append(index)
                index += 1
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` (all or nothing).

        The groups must have the same sizes as this optimiser's; state arrays must have their
        parameter's shape and are cast to its dtype.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter group(s), this optimizer "
                f"has {len(self.param_groups)}"
            )
        by_index, new_groups = {}, []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded parameter group {i} has {len(saved['params'])} parameters, this "
                    f"optimizer's has {len(group['params'])}"
                )
            unknown = sorted(set(saved) - set(self.defaults) - {"params", "initial_lr"})
            if unknown:
                raise ValueError(
                    f"loaded parameter group {i} has hyper-parameter(s) {unknown} that "
                    f"{type(self).__name__} does not use"
                )
            by_index.update(zip(saved["params"], group["params"]))
            new_group = {**group, **saved, "params": group["params"]}
            self._check_group(new_group)
            new_groups.append(new_group)
        new_state = {}
        for key, entry in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"loaded state names parameter {key!r}, which no group lists")
            p = by_index[key]
            unknown = sorted(set(entry) - set(self._state_keys))
            if unknown:
                raise ValueError(
                    f"state of parameter {key} has entries {unknown} that "
                    f"{type(self).__name__} does not use (expected {list(self._state_keys)})"
                )
            new_state[p] = {
                name: _state_value(name, value, p, key) for name, value in entry.items()
            }
        self.param_groups[:] = new_groups
        self.state = new_state


def _follow_dtype(state, dtype):
    """Cast a parameter's state arrays to its dtype: ``model.to(dtype)`` after the optimiser
    was built changes the parameters in place, and the moments follow at the next step."""
    for name, value in state.items():
        if isinstance(value, np.ndarray) and value.dtype != dtype:
            state[name] = value.astype(dtype)


def _state_value(name, value, p, key):
    """A loaded state entry: ``step`` as an int, arrays as owned copies in the param's dtype."""
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return int(value)
    value = np.asarray(value)
    if value.shape != p._data.shape:
        raise ValueError(
            f"state '{name}' of parameter {key} has shape {value.shape}, but the parameter has "
            f"shape {p._data.shape}"
        )
    return value.astype(p._data.dtype, copy=True)


def _check(condition, message):
    if not condition:
        raise ValueError(message)


def _check_common(group):
    _check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
    _check(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 decay.

    Plain (the notes' vanilla SGD):       θ ← θ - ε g
    Weight decay λ (L2 term ½λ‖θ‖²):      g ← g + λ θ
    Momentum ρ, dampening τ (the notes' v_{t+1} = ρ v_t + ∇f, x_{t+1} = x_t - α v_{t+1}):
        v ← g on the first step, then v ← ρ v + (1 - τ) g
        θ ← θ - ε v                  (nesterov=True: θ ← θ - ε (g + ρ v))
    """

    _state_keys = ("momentum_buffer",)

    def __init__(
        self,
        params: Params,
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            nesterov=nesterov,
            dampening=dampening,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_common(group)
        _check(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")
        _check(
            not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
            "Nesterov momentum requires a momentum and zero dampening",
        )

    def _update(self, p, g, state, group):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            v = state.get("momentum_buffer")
            if v is None:
                v = state["momentum_buffer"] = g.copy()
            else:
                v *= momentum
                v += (1 - group["dampening"]) * g
            g = g + momentum * v if group["nesterov"] else v
        p -= lr * g


class AdaGrad(Optimizer):
    """AdaGrad: a per-parameter learning rate that shrinks where gradients have been large.

        g ← g + λ θ                     (weight decay λ)
        r ← r + g ⊙ g                   (r starts at initial_accumulator_value)
        θ ← θ - ε_t / (δ + √r) ⊙ g      with ε_t = ε / (1 + (t - 1) lr_decay)

    As r only grows, the effective rate ε/√r decays monotonically (the notes' drawback).
    PyTorch's δ is 1e-10 where the notes' code uses 1e-3.
    """

    _state_keys = ("step", "sum")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_common(group)
        _check(group["lr_decay"] >= 0.0, f"Invalid lr_decay value: {group['lr_decay']}")
        _check(
            group["initial_accumulator_value"] >= 0.0,
            f"Invalid initial_accumulator_value value: {group['initial_accumulator_value']}",
        )
        _check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        r = state["sum"]
        r += g * g
        p -= lr * g / (np.sqrt(r) + group["eps"])


class RMSProp(Optimizer):
    """RMSProp: AdaGrad with a moving average in place of the sum of squared gradients.

    g ← g + λ θ                                 (weight decay λ)
    r ← ρ r + (1 - ρ) g ⊙ g                     (ρ is ``alpha``)
    centered=True: ḡ ← ρ ḡ + (1 - ρ) g,  r̃ = r - ḡ ⊙ ḡ  (else r̃ = r)
    θ ← θ - ε g / (√r̃ + δ)
    momentum μ > 0: b ← μ b + g / (√r̃ + δ),  θ ← θ - ε b
    """

    _state_keys = ("step", "square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_common(group)
        _check(group["alpha"] >= 0.0, f"Invalid alpha value: {group['alpha']}")
        _check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        _check(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")

    def _update(self, p, g, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        r = state["square_avg"]
        r *= alpha
        r += (1 - alpha) * g * g
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * g
            denom = np.sqrt(r - g_avg * g_avg) + group["eps"]
        else:
            denom = np.sqrt(r) + group["eps"]
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / denom
            p -= group["lr"] * b
        else:
            p -= group["lr"] * g / denom


class Adam(Optimizer):
    """Adam: momentum (first moment s) and RMSProp (second moment r) with bias correction.

        g ← g + λ θ                         (weight decay λ, added to the gradient)
        s ← ρ₁ s + (1 - ρ₁) g               (ρ₁, ρ₂ are ``betas``)
        r ← ρ₂ r + (1 - ρ₂) g ⊙ g
        ŝ = s / (1 - ρ₁ᵗ),  r̂ = r / (1 - ρ₂ᵗ)
        θ ← θ - ε ŝ / (√r̂ + δ)
        amsgrad=True: r̂ uses the running maximum of r instead of r.

    The step is computed as ε/(1 - ρ₁ᵗ) · s / (√r/√(1 - ρ₂ᵗ) + δ), PyTorch's arrangement of
    the same formula. (The notes' code sample squares g in the first moment and puts δ inside
    the square root; the formula above is the published one.)
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False  # AdamW: decay θ directly instead of adding λθ to g

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        _check_common(group)
        _check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        _check(len(group["betas"]) == 2, f"betas must be a pair, got {group['betas']}")
        for i, beta in enumerate(group["betas"]):
            _check(0.0 <= beta < 1.0, f"Invalid beta parameter at index {i}: {beta}")

    def _update(self, p, g, state, group):
        lr, weight_decay, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        if self._decoupled:
            p *= 1 - lr * weight_decay
        elif weight_decay != 0:
            g = g + weight_decay * p
        s, r = state["exp_avg"], state["exp_avg_sq"]
        s *= beta1
        s += (1 - beta1) * g
        r *= beta2
        r += (1 - beta2) * g * g
        if group["amsgrad"]:
            r = np.maximum(state["max_exp_avg_sq"], r, out=state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(r) / math.sqrt(1 - beta2**t) + group["eps"]
        p -= step_size * s / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the decay skips the moments.

        θ ← θ (1 - ε λ)       then the Adam step with the raw gradient g

    Default λ is 1e-2 (PyTorch's).
    """

    _decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


# PyTorch's spellings of the same classes.
Adagrad = AdaGrad
RMSprop = RMSProp
