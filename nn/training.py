"""``nn.fit``: the minibatch training loop, with metrics, callbacks and resumable checkpoints.

One epoch is the notes' minibatch SGD: for every batch, forward, loss, zero the gradients,
backward, optimiser step; then, if a validation loader is given, an evaluation pass in eval
mode with gradients off. Logs keep Python floats only (``.item()``): a stored loss Tensor would
keep its whole graph alive.

With ``checkpoint_dir`` the full training state is written atomically after every epoch
(model and optimiser state dicts, the epoch, the history, the shuffling and dropout generators,
the callbacks' state). ``resume=True`` restores it and continues at the next epoch, so that an
interrupted run ends with bit-identical parameters to an uninterrupted one.

With ``compile=True`` each training step (forward, loss, zero_grad, backward and the
optimiser's step) and each evaluation pass run under ``ag.compile``: each batch shape (and
train/eval mode) is traced once and replayed after, with the same numbers as eager mode.
A model that cannot be captured (dropout in training draws a new mask per batch) trains
eagerly, with a warning that says why.

Output: with ``progress=True`` a tqdm bar runs within each epoch (on a terminal only; it is
cleared when the epoch ends), then one summary line per epoch is printed, never cut short:

    epoch 3/30  loss 0.4120  acc 0.8700  val_loss 0.4500  val_acc 0.8600  1.2s

``progress=False`` prints the summary lines only, ``log=False`` silences them.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

import autograd_core as ag
from autograd_core.serialization import load, save

if TYPE_CHECKING:
    from .module import Module
    from .optim import Optimizer

# A batch is (*inputs, target); a metric maps (output, target) arrays to a float
Batches = Iterable[Sequence[ag.Tensor | np.ndarray]]
Metric = Callable[[np.ndarray, np.ndarray], float]
Metrics = Iterable[str | Metric] | dict[str, str | Metric]

__all__ = [
    "fit",
    "evaluate",
    "accuracy",
    "summary_line",
    "Callback",
    "EarlyStopping",
    "CHECKPOINT_NAME",
]

CHECKPOINT_NAME = "checkpoint.ckpt"


def accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """Fraction of rows classified correctly (numpy arrays in, float out).

    Several output columns: the prediction is the argmax over the last axis, and ``target``
    holds class labels or one-hot / probability rows. One column (or a 1-D output): the output
    is a logit, the prediction is ``output > 0`` and the target holds 0/1.
    """
    if output.ndim == 1 or output.shape[-1] == 1:
        predicted, truth = output.reshape(-1) > 0, target.reshape(-1) > 0.5
    else:
        predicted = output.argmax(-1)
        truth = target if target.ndim == output.ndim - 1 else target.argmax(-1)
    return float(np.mean(predicted == truth))


METRICS = {"accuracy": accuracy}


class Callback:
    """Hooks called by ``fit``; override the ones you need.

    ``on_epoch_end`` returns True to stop training. ``state_dict`` / ``load_state_dict`` let a
    callback's state travel in checkpoints, so that resumed runs decide as uninterrupted ones.
    """

    def on_train_begin(self, model: Module, history: dict[str, list[float]]) -> None:
        """Called once before the first epoch (also when resuming)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> bool:
        """Called after each epoch with ``logs`` (this epoch's floats); True stops training."""
        return False

    def on_train_end(self, model: Module) -> None:
        """Called once after the last epoch."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``mode`` is "min", "max", or "auto" (max for names containing "acc", else min). With
    ``restore_best`` the model gets the weights of its best epoch back when training ends.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
    ) -> None:
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode, self.restore_best = mode, restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch, self.wait, self.best_state = None, 0, None

    def on_train_begin(self, model: Module, history: dict[str, list[float]]) -> None:
        if self.monitor not in history:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but fit logs only {sorted(history)} "
                "(val_* entries need a val_loader)"
            )

    def on_epoch_end(self, epoch: int, logs: dict[str, float], model: Module) -> bool:
        value = logs[self.monitor]
        if self.mode == "min":
            improved = value < self.best - self.min_delta
        else:
            improved = value > self.best + self.min_delta
        if improved:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = model.state_dict()
        else:
            self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, model: Module) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best, self.best_epoch = state_dict["best"], state_dict["best_epoch"]
        self.wait, self.best_state = state_dict["wait"], state_dict["best_state"]


def _metric_functions(metrics):
    """``metrics`` as {name: fn(output, target) -> float}: names of METRICS, callables, or a
    dict of them."""
    if metrics is None:
        return {}
    items = metrics.items() if isinstance(metrics, dict) else [(None, m) for m in metrics]
    functions = {}
    for name, metric in items:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; known: {sorted(METRICS)}")
            name, metric = name or metric, METRICS[metric]
        elif not callable(metric):
            raise TypeError(f"a metric must be a name or a callable, got {metric!r}")
        functions[name or metric.__name__] = metric
    return functions


class _Step:
    """The forward pass and the loss of one batch, and when training the update too
    (zero_grad, backward, step), compiled on request (see ``fit``)."""

    def __init__(self, model, loss_fn, compile=False, optimizer=None):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.compiled = ag.compile(self._run) if compile else None
        self.compiled_train = ag.compile(self._train) if compile and optimizer else None

    def _run(self, modes, *batch):
        *inputs, target = batch
        output = self.model(*inputs)
        return output, self.loss_fn(output, target)

    def _train(self, modes, *batch):
        output, loss = self._run(modes, *batch)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return output, loss

    def __call__(self, batch, train=False):
        modes = tuple(m.training for m in self.model.modules())  # train/eval: part of a trace
        eager, compiled = (
            (self._train, self.compiled_train) if train else (self._run, self.compiled)
        )
        if compiled is None:
            return eager(modes, *batch)
        try:
            return compiled(modes, *batch)
        except ag.CompileError as error:
            warnings.warn(
                f"nn.fit(compile=True): training eagerly, the model cannot be captured: {error}",
                RuntimeWarning,
                stacklevel=5,
            )
            self.compiled = self.compiled_train = None
            if error.ran:  # the step ran to its end while traced: do not run it twice
                return error.result
            return eager(modes, *batch)


def _run_epoch(step, loader, metrics, train=False, bar=None):
    """Mean loss and metrics over ``loader``, weighted by batch size; trains if ``train``."""
    totals, count = dict.fromkeys(["loss", *metrics], 0.0), 0
    for batch in loader:
        target = batch[-1]
        output, loss = step(batch, train)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"the loss became {value} after {count} samples of this epoch; "
                "try a smaller learning rate"
            )
        n = len(target)
        count += n
        totals["loss"] += value * n
        for name, metric in metrics.items():
            totals[name] += metric(_array(output), _array(target)) * n
        if bar is not None:
            bar.update()
            bar.set_postfix({k: f"{v / count:.4f}" for k, v in totals.items()}, refresh=False)
    if count == 0:
        raise ValueError("the data loader yielded no batches")
    return {name: total / count for name, total in totals.items()}


def _array(value):
    """A batch's output or target as the numpy array metrics take. A loader may yield numpy
    arrays, whose ``.data`` is a raw memoryview, not the values."""
    return value._data if isinstance(value, ag.Tensor) else np.asarray(value)


def evaluate(
    model: Module,
    loader: Batches,
    loss_fn: Callable[..., ag.Tensor],
    metrics: Metrics | None = None,
) -> dict[str, float]:
    """Mean loss and metrics over ``loader`` in eval mode with gradients off (a dict of floats)."""
    return _evaluate(_Step(model, loss_fn), loader, _metric_functions(metrics))


def _evaluate(step, loader, metrics):
    model = step.model
    was_training = model.training
    model.eval()
    try:
        with ag.no_grad():
            return _run_epoch(step, loader, metrics)
    finally:
        model.train(was_training)


def _generators(model):
    """The numpy Generators held by the model's modules (e.g. Dropout masks), by dotted name."""
    found = {}
    for module_name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{module_name}.{attr}" if module_name else attr] = value
    return found


def fit(
    model: Module,
    train_loader: Batches,
    loss_fn: Callable[..., ag.Tensor],
    optimizer: Optimizer,
    epochs: int,
    val_loader: Batches | None = None,
    metrics: Metrics | None = None,
    callbacks: Iterable[Callback] | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
    compile: bool = False,
    log: bool = True,
) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` epochs; returns the history, a dict of per-epoch lists.

    Parameters
    ----------
    model : nn.Module
    train_loader, val_loader : iterables of batches ``(*inputs, target)``, e.g. DataLoaders
    loss_fn : callable ``loss_fn(output, target) -> scalar Tensor``
    optimizer : nn.optim.Optimizer over the model's parameters
    epochs : int, the total number of epochs (a resumed run counts the ones already done)
    metrics : list of names (``"accuracy"``) or callables ``fn(output, target) -> float`` on
        numpy arrays, or a dict name -> callable
    callbacks : list of ``Callback`` (e.g. ``EarlyStopping``)
    checkpoint_dir : directory for ``checkpoint.ckpt``, rewritten atomically after each epoch
    resume : continue from ``checkpoint_dir``'s checkpoint if there is one (a file there that
        fit did not write, such as a bare state dict, is refused with a ValueError)
    progress : show a tqdm bar within each epoch with the running loss and metrics, on a
        terminal only (none when stderr is not a TTY, e.g. in a log file); cleared at the
        epoch's end
    compile : run each training step (forward, loss, backward, update) and each evaluation
        pass under ``ag.compile`` (same results, less Python per batch; a model that cannot
        be captured trains eagerly with a warning)
    log : print one summary line per epoch (see ``summary_line``)

    Returns
    -------
    dict
        ``"loss"`` and each metric on the training batches (averaged over the epoch as the
        parameters moved), then ``"val_loss"`` and ``"val_<metric>"`` when ``val_loader`` is
        given; each a list of floats, one per epoch.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    metric_fns = _metric_functions(metrics)
    callbacks = list(callbacks or [])
    history = _empty_history(metric_fns, validate=val_loader is not None)
    path = _checkpoint_path(checkpoint_dir, resume)
    start, stopped = 0, False
    if resume and os.path.exists(path):
        checkpoint = _load_checkpoint(path)
        _check_same_run(checkpoint, history, callbacks)
        start, stopped, history = _restore(checkpoint, model, optimizer, train_loader, callbacks)
    for callback in callbacks:
        callback.on_train_begin(model, history)
    step = _Step(model, loss_fn, compile, optimizer)

    for epoch in range(start, epochs):
        if stopped:  # by a callback, possibly in the run this one resumes
            break
        desc = f"epoch {epoch + 1}/{epochs}"
        started = time.perf_counter()
        logs = _train_and_validate(step, train_loader, val_loader, metric_fns, desc, progress)
        if log:
            tqdm.write(summary_line(epoch + 1, epochs, logs, time.perf_counter() - started))
        for name, value in logs.items():
            history[name].append(value)
        # every callback sees the epoch, even when an earlier one already asked to stop
        stopped = any([callback.on_epoch_end(epoch, logs, model) for callback in callbacks])
        if path is not None:
            state = _checkpoint(model, optimizer, train_loader, callbacks, epoch, history, stopped)
            save(state, path)

    for callback in callbacks:
        callback.on_train_end(model)
    return history


def _empty_history(metric_names, validate):
    """``{entry: []}`` for the loss and each metric, then for their ``val_`` twins when
    ``validate`` (fit appends one float per epoch to each list)."""
    names = ["loss", *metric_names]
    history = {name: [] for name in names}
    if validate:
        history.update({f"val_{name}": [] for name in names})
    return history


def _checkpoint_path(checkpoint_dir, resume):
    """The file fit checkpoints to (None without ``checkpoint_dir``); creates its directory."""
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs the checkpoint_dir to resume from")
    if checkpoint_dir is None:
        return None
    path = os.path.join(checkpoint_dir, CHECKPOINT_NAME)
    os.makedirs(checkpoint_dir, exist_ok=True)
    return path


def _train_and_validate(step, train_loader, val_loader, metrics, desc, progress):
    """One epoch: train on every batch of ``train_loader`` (a tqdm bar labelled ``desc`` shows
    the running means), then evaluate on ``val_loader`` if given. Returns the epoch's logs:
    the loss and metrics, then the ``val_`` ones."""
    step.model.train()
    bar = tqdm(
        total=len(train_loader) if hasattr(train_loader, "__len__") else None,
        desc=desc,
        unit="batch",
        leave=False,  # the summary line replaces the bar when the epoch ends
        disable=None if progress else True,  # None: no bar unless stderr is a terminal
    )
    with bar:
        logs = _run_epoch(step, train_loader, metrics, train=True, bar=bar)
    if val_loader is not None:
        val_logs = _evaluate(step, val_loader, metrics)
        logs.update({f"val_{name}": value for name, value in val_logs.items()})
    return logs


# short names of the summary line; the history keeps the full ones
_SHORT_NAMES = {"accuracy": "acc"}


def summary_line(epoch: int, epochs: int, logs: dict[str, float], seconds: float) -> str:
    """One epoch's line, e.g. ``epoch 3/30  loss 0.4120  acc 0.8700  val_loss 0.4500
    val_acc 0.8600  1.2s``: the epoch, every entry of ``logs`` (4 decimals) and the time."""
    parts = [f"epoch {epoch}/{epochs}"]
    for name, value in logs.items():
        prefix, base = ("val_", name[4:]) if name.startswith("val_") else ("", name)
        parts.append(f"{prefix}{_SHORT_NAMES.get(base, base)} {value:.4f}")
    parts.append(f"{seconds:.2f}s" if seconds < 1 else f"{seconds:.1f}s")
    return "  ".join(parts)


def _checkpoint(model, optimizer, train_loader, callbacks, epoch, history, stopped):
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "stopped": stopped,
        "history": history,
        "loader": train_loader.state_dict() if hasattr(train_loader, "state_dict") else {},
        "generators": {k: g.bit_generator.state for k, g in _generators(model).items()},
        "callbacks": [callback.state_dict() for callback in callbacks],
        "meta": {"format": "nn.fit checkpoint", "optimizer": type(optimizer).__name__},
    }


def _is_epoch(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# what _checkpoint writes: entry -> (test, what the test expects)
_CHECKPOINT_ENTRIES = {
    "model": (lambda v: isinstance(v, dict), "a dict"),
    "optimizer": (lambda v: isinstance(v, dict), "a dict"),
    "epoch": (_is_epoch, "a non-negative int"),
    "stopped": (lambda v: isinstance(v, bool), "a bool"),
    "history": (
        lambda v: isinstance(v, dict) and all(isinstance(x, list) for x in v.values()),
        "a dict of lists",
    ),
    "loader": (lambda v: isinstance(v, dict), "a dict"),
    "generators": (lambda v: isinstance(v, dict), "a dict"),
    "callbacks": (lambda v: isinstance(v, list), "a list"),
}


def _load_checkpoint(path):
    """``nn.load(path)``, checked to be what ``fit`` writes, so that a state dict or another
    file saved under that name fails with what is wrong instead of a KeyError."""
    checkpoint = load(path)
    where = f"nn.fit(resume=True): {path}"
    why = (
        f"fit writes one to checkpoint_dir/{CHECKPOINT_NAME} after every epoch when given "
        "checkpoint_dir"
    )
    if not isinstance(checkpoint, dict):
        raise ValueError(
            f"{where} holds a {type(checkpoint).__name__}, not a training checkpoint ({why})"
        )
    what = f"{where} is not a training checkpoint ({why})"
    missing = [name for name in _CHECKPOINT_ENTRIES if name not in checkpoint]
    if missing:
        raise ValueError(
            f"{what}: it lacks {', '.join(map(repr, missing))}. A file saved with "
            "nn.save(model.state_dict(), ...) holds weights only: load them with "
            "model.load_state_dict(nn.load(path)) and call fit without resume=True"
        )
    for name, (test, expected) in _CHECKPOINT_ENTRIES.items():
        if not test(checkpoint[name]):
            raise ValueError(
                f"{what}: its {name!r} is a {type(checkpoint[name]).__name__}, expected {expected}"
            )
    return checkpoint


def _check_same_run(checkpoint, history, callbacks):
    """A ValueError unless the checkpoint comes from a run like this one: the same history
    entries (metrics, validation or not) and as many callbacks."""
    if list(checkpoint["history"]) != list(history):
        raise ValueError(
            f"the checkpoint logged {list(checkpoint['history'])}, this run would log "
            f"{list(history)}: resume with the same metrics and validation loader"
        )
    if len(checkpoint["callbacks"]) != len(callbacks):
        raise ValueError(
            f"the checkpoint holds the state of {len(checkpoint['callbacks'])} callback(s), "
            f"but fit was given {len(callbacks)}"
        )


def _restore(checkpoint, model, optimizer, train_loader, callbacks):
    """Load a checkpoint's state into the live objects; returns (next epoch, stopped, history)."""
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if hasattr(train_loader, "load_state_dict"):
        train_loader.load_state_dict(checkpoint["loader"])
    generators = _generators(model)
    for name, state in checkpoint["generators"].items():
        if name in generators:
            generators[name].bit_generator.state = state
    for callback, state in zip(callbacks, checkpoint["callbacks"]):
        callback.load_state_dict(state)
    return checkpoint["epoch"] + 1, checkpoint["stopped"], checkpoint["history"]
