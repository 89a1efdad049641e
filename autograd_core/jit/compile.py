"""``ag.compile``: capture a function's graph once, then replay it as straight-line code.

The notes' *static* computation graph, built from our dynamic one. The first call with a
given signature runs the function eagerly while a tracer writes down every primitive it
calls (``trace.py``): its forward rule, where each argument comes from (an argument, an
earlier result, a Tensor read from outside such as a parameter, or a constant) and its
configuration. From the recorded graph the program fixes the backward walk: the order the
engine would visit the nodes in, and where each rule's gradients go (``schedule.py``).

Later calls replay that program (``program.py``, written out as Python by ``codegen.py``):
each primitive's own ``forward`` on the new arrays, with no Tensor, graph node or dispatch
in between; the outputs hang from one graph node whose backward replays each primitive's
``backward`` rule on arrays in the recorded order. The rules are the eager ones, called on
the same arrays in the same order, so values and gradients are bit-identical to eager
mode. A graph made only of scalars runs in waves of vector calls instead (``waves.py``).

A program is replayed only while what its trace depended on holds: the signature (grad
mode, default dtype, each Tensor argument's shape, dtype and requires_grad, the other
arguments' types and values) selects its programs, and each program's guards
(``guards.py``: the Python values the function reads from closures, globals, modules and
objects, and the Tensors it reads from outside) must all hold; otherwise the function is
traced again. A bounded number of programs is kept, least recently used out.

A whole training step can be captured: the library reports its side effects to the tracer
(``capture.side_effect``: ``zero_grad``, optimiser and scheduler steps), and the program
calls them again at their place; ``loss.backward()`` inside becomes a backward walk of the
recorded rules at its place, which stores the leaves' gradients as the engine would.

What cannot be captured raises ``CompileError``: Python control flow on a tensor's value
(``if loss > 0``, ``.item()``, ``.data``, ``np.asarray(t)``), in-place changes, random
draws (dropout in training mode, numpy's generators), gradients taken as values inside
(``ag.grad``, ``create_graph``), and Python side effects on values the function reads.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..grad_mode import current
from ..tensor import Tensor, _wrap
from .program import Program
from .trace import trace

__all__ = ["compile", "Compiled"]


def compile(fn: Callable, max_programs: int = 8) -> Compiled:
    """A version of ``fn`` that records its graph once and replays it while nothing it
    depended on has changed.

    ``fn`` takes Tensors (numpy arrays are taken as Tensors; other arguments are static and
    part of the signature) and returns a Tensor or a tuple of Tensors. Tensors it reads
    from outside, such as a model's parameters, are read afresh on every call, and
    gradients flow into them as in eager mode. The Python values it reads (closures,
    globals, module attributes and modes) are guarded: a call where one has changed traces
    again. At most ``max_programs`` traces are kept (the least recently used go first).

    The result shows its latest program two ways: ``.code``, as the program a student would
    write (one line per primitive call, forward then backward), and ``.source``, the
    Python it runs.
    """
    return Compiled(fn, max_programs)


class Compiled:
    """The callable ``ag.compile`` returns; ``traces`` counts the traces made."""

    WARN_AFTER = 8  # traces before a warning that the function keeps retracing
    _guard_wraps = "fn"  # a compiled function read by another is guarded as its fn

    def __init__(self, fn: Callable, max_programs: int = 8):
        if not callable(fn):
            raise TypeError(f"ag.compile: expected a function, got {type(fn).__name__}")
        if isinstance(max_programs, bool) or not isinstance(max_programs, int) or max_programs < 1:
            raise ValueError(
                f"ag.compile: max_programs must be a positive int, got {max_programs!r}"
            )
        self.fn = fn
        self.max_programs = max_programs
        self._programs: OrderedDict[tuple, list[Program]] = OrderedDict()  # most recent last
        self._lock = threading.Lock()  # the cache is shared by the threads that call fn
        self._last: Program | None = None
        self.traces: int = 0  # how many times the function was traced
        self.retrace_reason: str | None = None  # why the latest trace was made
        functools.update_wrapper(self, fn, updated=())  # name and doc, not attributes

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Replay a program whose signature and guards match the call; else trace one."""
        args = tuple([_wrap(a) if isinstance(a, np.ndarray) else a for a in args])
        st = current()
        eager = st.tracer is not None or st.anomaly  # nested or checked: run eagerly
        if not eager and st.forward_enabled:  # and so does forward mode
            for a in args:
                if isinstance(a, Tensor) and a._tangent is not None:
                    eager = True
        if eager:
            return self.fn(*args, **kwargs)
        key = _signature(args, kwargs, st.grad_enabled)
        program, reason = self._find(key, args, kwargs)
        if program is not None:
            return program.run(args, kwargs)
        traced = trace(self.fn, args, kwargs)
        self._keep(key, Program(self.fn, traced), reason)
        return traced.result

    def _find(self, key: tuple, args: tuple, kwargs: dict) -> tuple[Program | None, str | None]:
        """A program of this signature whose guards hold, or None and why not."""
        with self._lock:
            programs = list(self._programs.get(key, ()))
        if not programs:
            return (
                None,
                "a new signature (argument shapes, dtypes or static values)"
                if self.traces
                else "the first call",
            )
        reason = None
        for program in reversed(programs):  # the most recently used first
            failed = program.failed_guard(args, kwargs)
            if failed is None:
                with self._lock:
                    if key in self._programs:
                        self._programs.move_to_end(key)
                return program, None
            reason = reason or failed
        return None, reason

    def _keep(self, key: tuple, program: Program, reason: str | None) -> None:
        with self._lock:
            self._programs.setdefault(key, []).append(program)
            self._programs.move_to_end(key)
            if sum(map(len, self._programs.values())) > self.max_programs:
                oldest = next(iter(self._programs))  # least recently used signature
                self._programs[oldest].pop(0)  # and its oldest program
                if not self._programs[oldest]:
                    del self._programs[oldest]
            self._last = program
            self.traces += 1
            self.retrace_reason = reason
            warn = self.traces == self.WARN_AFTER
        if warn:
            warnings.warn(
                f"ag.compile: {getattr(self.fn, '__name__', 'the function')} was traced "
                f"{self.traces} times (the last time because {reason}). A function that "
                "traces again on most calls runs slower than uncompiled: pass numbers that "
                "change from call to call as Tensors, and keep the values it reads fixed",
                RuntimeWarning,
                stacklevel=3,
            )

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        """As a method decorator: each object gets its own compiled method (its own
        traces), kept in the object so that it lives and dies with it."""
        if instance is None:
            return self
        store = getattr(instance, "__dict__", None)
        if store is None:  # no room in the object: one program per object, kept here
            return functools.partial(self, instance)
        key = f"_ag_compiled_{id(self)}"
        bound = store.get(key)
        if bound is None:
            bound = store[key] = Compiled(functools.partial(self.fn, instance), self.max_programs)
        return bound

    @property
    def code(self) -> str | None:
        """The program of the latest trace as a student would write it: one line per
        primitive call in the op's name, forward then backward (``listing.py``); None
        before the first call."""
        return None if self._last is None else self._last.code

    @property
    def source(self) -> str | None:
        """The Python the latest program runs (``codegen.py``: ctxs, shape and dtype checks
        included), or for a graph of scalars how it runs in waves; None before the first
        call."""
        return None if self._last is None else self._last.source

    @property
    def guards(self) -> str | None:
        """The guards of the latest trace, as the Python function that checks them before a
        replay; None before the first call."""
        return None if self._last is None else self._last.guards.source

    def __repr__(self) -> str:
        return f"<ag.compile({getattr(self.fn, '__name__', self.fn)!r}), {self.traces} trace(s)>"


def _signature(args: tuple, kwargs: dict, grad_enabled: bool) -> tuple:
    """What a trace depends on beyond its guards: the grad mode and the default dtype, each
    Tensor argument's shape, dtype, requires_grad and which earlier argument it is (f(x, x)
    is not f(x, y)), and the other arguments' types and values."""
    parts = [grad_enabled, get_default_dtype()]
    first = {}
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            same = first.setdefault(id(a._data), i)
            parts.append((a._data.shape, a._data.dtype, a._requires_grad, same))
        else:
            parts.append(("static", _static_key(a)))
    if kwargs:
        for name, value in kwargs.items():
            if isinstance(value, (Tensor, np.ndarray)):
                raise TypeError(
                    f"ag.compile: pass Tensors as positional arguments (keyword "
                    f"arguments are static settings), got "
                    f"{name}=<{type(value).__name__}>"
                )
        parts.extend(sorted((name, _static_key(v)) for name, v in kwargs.items()))
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:
        raise TypeError(
            "ag.compile: arguments that are not Tensors or arrays are part of the signature "
            "and must be hashable (numbers, strings, tuples); pass data as Tensors"
        ) from None
    return key


def _static_key(value: Any) -> Any:
    """A static argument in a signature: equal only for the same type and bits (1 and
    True, 2 and 2.0, 0.0 and -0.0 trace apart, as eager mode may tell them apart)."""
    if isinstance(value, (tuple, frozenset)):
        return type(value), type(value)(_static_key(v) for v in value)
    if isinstance(value, (float, complex, np.generic)):
        return type(value), np.asarray(value).tobytes()
    return type(value), value
