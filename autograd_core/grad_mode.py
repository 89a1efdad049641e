"""Switches of the engine: gradient recording, forward-mode propagation, anomaly checks,
array-mode backward, and ag.compile's tracer (which ``jit.capture`` reports to).

The switches are per thread, as PyTorch's are: a thread inside ``ag.no_grad()`` (an
evaluation or monitoring thread) does not switch recording off in another, and a function
being traced by ``ag.compile`` in one thread never records another thread's ops. Each
thread's switches live in one small slotted object; ``current()`` finds it (one
``ContextVar`` lookup), and ``Function.apply`` calls it once per op.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

__all__ = [
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
]


BASE_LEVEL = 0  # forward mode's level outside any jvp

Fn = TypeVar("Fn", bound=Callable[..., Any])  # a function decorated by a grad mode


class Levels:
    """Forward mode's levels in one thread (see ``forward_ad``): those open, outermost
    first, and, while a jvp rule runs, the first level switched off (levels from it on do
    not propagate; None: all do)."""

    __slots__ = ("open", "off_from")

    def __init__(self) -> None:
        self.open = [BASE_LEVEL]
        self.off_from = None


class _State:
    __slots__ = (
        "grad_enabled",
        "forward_enabled",
        "anomaly",
        "array_backward",
        "tracer",
        "numpy_watch",
        "module",
        "levels",
    )

    def __init__(self):
        self.grad_enabled = True  # record graphs for reverse mode
        self.forward_enabled = True  # push tangents of dual tensors (off inside jvp rules)
        self.anomaly = False  # check every forward value and backward gradient for NaN/inf
        self.array_backward = False  # the engine runs Primitive rules on arrays (first order)
        self.tracer = None  # ag.compile's tracer while a function is being captured
        self.numpy_watch = None  # also told of masks computed in numpy (nn.export_onnx)
        self.module = None  # the innermost nn.Module running forward (nodes record it for viz)
        self.levels = Levels()  # forward mode's nested levels


if getattr(sys.flags, "thread_inherit_context", 0):  # new threads copy the context (and
    _local = threading.local()  # would share one _State through it): a thread-local instead

    def current() -> _State:
        """The calling thread's switches."""
        try:
            return _local.state
        except AttributeError:
            _local.state = _State()
            return _local.state
else:
    _states: contextvars.ContextVar[_State] = contextvars.ContextVar("autograd_core_state")
    _get = _states.get

    def current() -> _State:
        """The calling thread's switches (a new thread starts with the defaults)."""
        st = _get(None)
        if st is None:
            st = _State()
            _states.set(st)
        return st


class _Shared:
    __slots__ = ("tangents_made",)

    def __init__(self):
        self.tangents_made = False  # has any node pushed forward-mode tangents (ever, anywhere)?


shared = _Shared()  # process-wide: a graph made in one thread may be walked in another


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that sets gradient recording on or off."""

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = enabled if enabled is None else bool(enabled)  # None: leave it as it is
        self._previous: list[bool] = []

    def __enter__(self) -> _GradMode:
        st = current()
        self._previous.append(st.grad_enabled)
        if self.enabled is not None:
            st.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        current().grad_enabled = self._previous.pop()
        return False


class set_grad_enabled(_GradMode):
    """Set gradient recording to ``mode``, as PyTorch's ``set_grad_enabled`` does.

    Called as a function, ``ag.set_grad_enabled(False)`` switches recording off for the
    rest of the calling thread's work. As a context manager, ``with
    ag.set_grad_enabled(False):`` restores the previous mode on exit; as a decorator, it
    sets the mode for each call of the function only.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        super().__init__(mode)
        st = current()
        self._before = st.grad_enabled  # the mode this call switched away from
        st.grad_enabled = mode

    def __enter__(self) -> set_grad_enabled:
        before, self._before = self._before, None
        super().__enter__()
        if before is not None:  # the call switched already: exit restores what came before
            self._previous[-1] = before
        return self

    def __call__(self, fn: Fn) -> Fn:
        if self._before is not None:  # a decorator: undo the switch the call made
            current().grad_enabled, self._before = self._before, None
        return super().__call__(fn)

    def _recreate_cm(self):
        return _GradMode(self.enabled)


def no_grad(fn: Fn | None = None) -> _GradMode | Fn:
    """``with ag.no_grad():`` builds no graph: outputs have ``requires_grad=False``.

    Forward mode is not affected: dual tensors still carry tangents.
    Also usable as a decorator, ``@ag.no_grad()`` or ``@ag.no_grad`` (as in PyTorch 2).
    """
    if fn is None:
        return _GradMode(False)
    if not callable(fn):
        raise TypeError(f"no_grad takes no arguments (or a function to decorate), got {fn!r}")
    return _GradMode(False)(fn)


def inference_mode(mode: bool | Fn = True) -> _GradMode | Fn:
    """PyTorch's ``torch.inference_mode()``: here the same as ``no_grad()``, no graph is
    built (PyTorch also makes its results "inference tensors" that autograd refuses later;
    here they are ordinary tensors). ``inference_mode(False)`` leaves recording as it is.
    A context manager or a decorator, with or without parentheses."""
    if callable(mode):  # @ag.inference_mode, without parentheses
        return _GradMode(False)(mode)
    if not isinstance(mode, bool):
        raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
    return _GradMode(False if mode else None)


def enable_grad() -> _GradMode:
    """Turn recording back on inside a ``no_grad`` block (context manager or decorator)."""
    return _GradMode(True)


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return current().grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """``with ag.detect_anomaly():`` raises ``FloatingPointError`` at the first op whose
    forward value or backward gradient contains NaN or inf, naming the op and the line of
    user code that created it. Slow: for debugging only."""
    st = current()
    previous = st.anomaly
    st.anomaly = True
    try:
        yield
    finally:
        st.anomaly = previous
