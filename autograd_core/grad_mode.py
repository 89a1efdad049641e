"""Global switches of the engine: gradient recording, forward-mode propagation, anomaly
checks, array-mode backward, and ag.compile's tracer (with the checks that refuse what a
captured graph cannot replay: they are called from tensor, creation, nn and the engine).

The state lives in one small slotted object so that ``Function.apply`` reads it with a
single attribute lookup on its hot path.
"""

import contextlib

__all__ = ["CompileError", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly"]


class _State:
    __slots__ = ("grad_enabled", "forward_enabled", "anomaly", "array_backward", "tracer",
                 "module", "tangents_made")

    def __init__(self):
        self.grad_enabled = True  # record graphs for reverse mode
        self.forward_enabled = True  # push tangents of dual tensors (off inside jvp rules)
        self.anomaly = False  # check every forward value and backward gradient for NaN/inf
        self.array_backward = False  # the engine runs Primitive rules on arrays (first order)
        self.tracer = None  # ag.compile's tracer while a function is being captured
        self.module = None  # the innermost nn.Module running forward (nodes record it for viz)
        self.tangents_made = False  # has any node pushed forward-mode tangents (ever)?


state = _State()


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that sets gradient recording on or off."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)
        self._previous = []

    def __enter__(self):
        self._previous.append(state.grad_enabled)
        state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        state.grad_enabled = self._previous.pop()
        return False


def no_grad():
    """``with ag.no_grad():`` builds no graph: outputs have ``requires_grad=False``.

    Forward mode is not affected: dual tensors still carry tangents.
    Also usable as a decorator (``@ag.no_grad()``).
    """
    return _GradMode(False)


def enable_grad():
    """Turn recording back on inside a ``no_grad`` block (context manager or decorator)."""
    return _GradMode(True)


def set_grad_enabled(mode):
    """Context manager setting recording to ``mode``."""
    return _GradMode(mode)


def is_grad_enabled():
    """True when operations on tensors that require grad are being recorded."""
    return state.grad_enabled


@contextlib.contextmanager
def detect_anomaly():
    """``with ag.detect_anomaly():`` raises ``FloatingPointError`` at the first op whose
    forward value or backward gradient contains NaN or inf, naming the op and the line of
    user code that created it. Slow: for debugging only."""
    previous = state.anomaly
    state.anomaly = True
    try:
        yield
    finally:
        state.anomaly = previous


# ---------------------------------------------------------------------------- ag.compile
class CompileError(RuntimeError):
    """The function does something a captured graph cannot replay."""


def refuse(what):
    """Raise ``CompileError`` for ``what`` while a function is being traced (library hook)."""
    if state.tracer is not None:
        raise CompileError(
            f"ag.compile cannot capture {what}: a captured graph replays the same operations "
            "on every call. Call the function uncompiled, or move this out of it"
        )


def traced(tensor):
    """Is ``tensor`` a value of the function ag.compile is tracing (known only at run time)?"""
    return state.tracer is not None and id(tensor.data) in state.tracer.slots


def validate(check, *args):
    """Run ``check(*args)``, a test of data values that raises a clear error, now; and, while
    ag.compile traces, record it so that every replay runs it on that call's values."""
    check(*args)
    if state.tracer is not None:
        state.tracer.check(check, args)


def side_effect(fn, *args):
    """Run ``fn(*args)``, a side effect on the model's state (``zero_grad``, an optimiser or
    scheduler step), and return its result; while ag.compile traces, also record it, so
    that every replay runs it again, with the same ``args``, at this point of the program
    (library hook). It runs untraced: what it computes is not part of the captured graph."""
    tracer = state.tracer
    if tracer is None:
        return fn(*args)
    state.tracer = None
    try:
        result = fn(*args)
    finally:
        state.tracer = tracer
    tracer.effect(fn, args)
    return result


def refuse_traced(tensor, what):
    """Raise ``CompileError`` when ``tensor``'s value is only known at run time."""
    if traced(tensor):
        raise CompileError(
            f"ag.compile: {what} of a traced tensor (shape {tensor.shape}) turns a value that "
            "changes from call to call into a Python constant, so the captured graph would be "
            "wrong on the next call (data-dependent control flow such as `if loss > 0:` or "
            "`.item()`). Use Tensor ops (ag.where, ag.maximum) or call the function uncompiled"
        )
