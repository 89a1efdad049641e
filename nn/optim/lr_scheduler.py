"""``nn.optim.lr_scheduler``: learning-rate schedules, with PyTorch's semantics.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls
(``ReduceLROnPlateau.step(metric)`` takes the epoch's validation metric). A scheduler writes
each parameter group's ``optimizer.param_groups[i]["lr"]``, which the next optimiser step
reads. As in PyTorch, the value for epoch 0 is set at construction, each group remembers its
``initial_lr`` (the base rate ε₀), and an update is applied to the group's current lr (the
"chainable" form), so two schedulers on one optimiser compose; a scheduler built with
``last_epoch`` ≥ 0 (resuming) starts from the closed form instead.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autograd_core.jit.capture import refuse, side_effect

from .optimizer import Optimizer

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "ReduceLROnPlateau",
]


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def _positive_int(value, name):
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


class LRScheduler:
    """Base class: sets each group's ``lr`` once per ``step()`` (call it once per epoch).

    A subclass gives ``_closed_form(base_lr, epoch)``, the rate of epoch ``epoch``, and
    ``_chained(lr, base_lr, epoch)``, the same rate computed from the current ``lr``.
    """

    _compile_live = True  # ag.compile replays step() live: no guards inside

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "an optimizer"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._resuming = last_epoch != -1
        self.step()

    def step(self) -> None:
        """Advance one epoch and set each group's ``lr`` (replayed on every call of a
        function ``ag.compile`` captures)."""
        side_effect(self._step)

    def _step(self):
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            if self._resuming:
                group["lr"] = self._closed_form(base_lr, self.last_epoch)
            else:
                group["lr"] = self._chained(group["lr"], base_lr, self.last_epoch)
        self._resuming = False
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest ``step()``, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser (PyTorch's scheduler state dict); ``ag.save`` writes it."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def _closed_form(self, base_lr, epoch):
        raise NotImplementedError

    def _chained(self, lr, base_lr, epoch):
        raise NotImplementedError


class StepLR(LRScheduler):
    """Decay by ``gamma`` every ``step_size`` epochs: ε_e = ε₀ γ^⌊e / step_size⌋."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size, self.gamma = _positive_int(step_size, "step_size"), gamma
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)

    def _chained(self, lr, base_lr, epoch):
        return lr * self.gamma if epoch > 0 and epoch % self.step_size == 0 else lr


class MultiStepLR(LRScheduler):
    """Decay by ``gamma`` at each epoch of ``milestones``: ε_e = ε₀ γ^(milestones ≤ e).

    ``milestones`` is a list of epochs; one listed twice decays twice (a Counter, as PyTorch).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(_positive_int(m, "each milestone") for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, base_lr, epoch):
        passed = sum(n for milestone, n in self.milestones.items() if milestone <= epoch)
        return base_lr * self.gamma**passed

    def _chained(self, lr, base_lr, epoch):
        return lr * self.gamma ** self.milestones.get(epoch, 0)


class ExponentialLR(LRScheduler):
    """Decay by ``gamma`` every epoch: ε_e = ε₀ γᵉ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, base_lr, epoch):
        return base_lr * self.gamma**epoch

    def _chained(self, lr, base_lr, epoch):
        return lr * self.gamma if epoch > 0 else lr


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ε₀ down to ``eta_min`` over ``T_max`` epochs (SGDR, no restarts):

        ε_e = η_min + (ε₀ - η_min) (1 + cos(π e / T_max)) / 2

    Past ``T_max`` the cosine continues, so the rate climbs back, as in PyTorch.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max, self.eta_min = _positive_int(T_max, "T_max"), eta_min
        super().__init__(optimizer, last_epoch)

    def _closed_form(self, base_lr, epoch):
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + cosine) / 2

    def _chained(self, lr, base_lr, epoch):
        # PyTorch's recursive form: the ratio of consecutive closed-form values, applied to the
        # current lr; where the previous cosine factor is 0 (e - 1 = T_max mod 2 T_max) the ratio
        # is undefined and the closed-form increment is added instead.
        T, eta_min = self.T_max, self.eta_min
        if epoch == 0:
            return lr
        if (epoch - 1 - T) % (2 * T) == 0:
            return lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return ratio * (lr - eta_min) + eta_min


class LambdaLR(LRScheduler):
    """ε_e = ε₀ · lr_lambda(e): any schedule, e.g. a linear warm-up ``lambda e: min(1, e / 5)``.

    ``lr_lambda`` is one function, or a list with one per parameter group. The rate is set
    from ε₀ every epoch (not chained). The functions are code, so ``state_dict()`` leaves
    them out: give them again when building the scheduler that loads the state.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        groups = len(_check_optimizer(optimizer).param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(lambdas) != groups:
            raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lambdas)}")
        for f in lambdas:
            if not callable(f):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {type(f).__name__}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _step(self):
        self.last_epoch += 1
        for group, base_lr, f in zip(self.optimizer.param_groups, self.base_lrs, self.lr_lambdas):
            group["lr"] = base_lr * f(self.last_epoch)
        self._resuming = False
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class ReduceLROnPlateau:
    """Multiply the lr by ``factor`` once a metric has stopped improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch with the validation loss (``mode="min"``) or accuracy
    (``mode="max"``). A value counts as an improvement on the best so far when it beats it by
    more than ``threshold``: relatively (``threshold_mode="rel"``: below best·(1 - threshold)
    in min mode, above best·(1 + threshold) in max mode) or absolutely (``"abs"``: by
    ``threshold``). After more than ``patience`` epochs without one, every group's lr becomes
    max(lr · factor, min_lr) (a change smaller than ``eps`` is skipped), and ``cooldown``
    epochs follow in which bad epochs are not counted. PyTorch's algorithm and defaults.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        groups = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(min_lrs) != groups:
            raise ValueError(f"ReduceLROnPlateau: expected {groups} min_lrs, got {len(min_lrs)}")
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lrs, self.eps = cooldown, min_lrs, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, metrics: float) -> None:
        """Record one epoch's metric (a number or a one-element Tensor); reduce the lr if it
        has not improved for more than ``patience`` epochs."""
        refuse("ReduceLROnPlateau.step (it decides from the metric's value)")
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # bad epochs in cooldown are not counted
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def is_better(self, value: float, best: float) -> bool:
        """Does ``value`` improve on ``best`` by more than the threshold?"""
        relative = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (best * (1.0 - self.threshold) if relative else best - self.threshold)
        return value > (best * (1.0 + self.threshold) if relative else best + self.threshold)

    def _reduce_lr(self):
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            new_lr = max(group["lr"] * self.factor, min_lr)
            if group["lr"] - new_lr > self.eps:
                group["lr"] = new_lr

    def get_last_lr(self) -> list[float]:
        """The learning rates after the latest ``step()``, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimiser (counters, best value, settings)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.__dict__.update(state_dict)
