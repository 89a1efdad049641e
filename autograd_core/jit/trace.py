"""Tracing: run a function once, eagerly, and write down every primitive it calls.

While ``trace`` runs the function, the calling thread's switches hold a ``Tracer`` and the
library reports to it through ``capture.py``: each op that ran (``OpCall``), each numpy
helper, data check or side effect (``HelperCall``) and each ``loss.backward()``
(``BackwardCall``). Values are told apart by their arrays: every array gets a *slot* of the
program's value list (the Tensor arguments first, then each result in order); a Tensor
whose array has no slot was read from outside (a parameter) and becomes a *captured* input.

What the trace cannot replay is refused, during the run (``capture.refuse``) or after it
(random draws, a dual Tensor read from outside, a Python side effect on a value the
function reads): then the call has run eagerly to its end and ``CompileError.result``
holds its result.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..engine import backward, toposort
from ..errors import CompileError
from ..function import Function
from ..grad_mode import current
from ..tensor import Tensor, _make
from .guards import Guards, collect
from .reads import parameter_names

__all__ = [
    "Constant",
    "Input",
    "Pack",
    "OpCall",
    "HelperCall",
    "BackwardCall",
    "Tracer",
    "Trace",
    "trace",
]


# ---------------------------------------------------------------------------- sources
# Where an argument comes from on each call: a slot (an int), a Constant, an Input or a Pack.
class Constant:
    """An argument that is the same on every call: a number, an array, an object."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class Input:
    """The Tensor argument ``index`` (counted among the Tensor arguments) of each call."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class Pack:
    """A tuple (an index) some of whose items are traced arrays."""

    __slots__ = ("items",)

    def __init__(self, items: tuple):
        self.items = items


# ---------------------------------------------------------------------------- events
class OpCall(NamedTuple):
    """An op ran: its class, the node eager mode made, where each argument came from, its
    configuration (``dynamic``: the entries that are traced values), the slots of its
    results and the result Tensors."""

    cls: type
    ctx: Function
    sources: tuple
    config: dict
    dynamic: dict
    outs: tuple
    results: tuple


class HelperCall(NamedTuple):
    """A numpy helper (one result slot), a data check or a side effect (none)."""

    fn: Callable
    sources: tuple
    outs: tuple


class BackwardCall(NamedTuple):
    """``loss.backward()`` inside the function, from these root Tensors."""

    roots: tuple
    retain_graph: bool


class Tracer:
    """Writes down each primitive call of an eager run, and where its arguments come from.

    ``slots`` maps id(array) to a slot of the program's value list; a Tensor argument of
    an op whose array has no slot comes from outside: it becomes a captured slot, read
    from that Tensor on every call.
    """

    def __init__(self, args: tuple):
        self.slots: dict[int, int] = {}
        self.keep: list[np.ndarray] = []  # the traced arrays, by slot
        self.steps: list = []  # OpCall, HelperCall and BackwardCall, in order
        self.captured: list[Tensor] = []  # Tensors read from outside, in first-use order
        self.captured_slots: list[int] = []
        self.side_effects = False  # recorded a backward pass or another side effect
        self.args = args
        self.arg_slots = [self._new(a._data) if isinstance(a, Tensor) else None for a in args]

    def _new(self, array: np.ndarray) -> int:
        self.slots[id(array)] = slot = len(self.keep)
        self.keep.append(array)  # keeps the id unique for the tracer's lifetime
        return slot

    def _source(self, value: Any) -> Any:
        """A slot for a Tensor or a known array; otherwise the value itself (a constant)."""
        if isinstance(value, Tensor):
            slot = self.slots.get(id(value._data))
            if slot is None:
                slot = self._new(value._data)
                self.captured.append(value)
                self.captured_slots.append(slot)
            return slot
        if isinstance(value, np.ndarray):
            return self.slots.get(id(value), Constant(value))
        if isinstance(value, tuple) and any(
            id(v) in self.slots for v in value if isinstance(v, np.ndarray)
        ):
            return Pack(tuple(self._source(v) for v in value))
        return Constant(value)

    def op(
        self,
        cls: type,
        ctx: Function,
        args: tuple,
        arrays: tuple,
        config: dict | None,
        results: tuple,
    ) -> None:
        """``Function.apply`` reports each call here (after its forward ran); ``arrays`` are
        the arguments as forward received them."""
        sources = tuple(
            self._source(a if isinstance(a, Tensor) else array) for a, array in zip(args, arrays)
        )
        dynamic = {}
        for key, value in (config or {}).items():
            source = self._source(value)
            if not isinstance(source, Constant):
                dynamic[key] = source
        outs = tuple(self._new(r._data) for r in results)
        self.steps.append(OpCall(cls, ctx, sources, config or {}, dynamic, outs, results))

    def numpy(self, fn: Callable, args: tuple, result: np.ndarray) -> None:
        """A non-differentiable numpy helper on traced values (comparisons, integer casts)."""
        sources = tuple(self._source(a) for a in args)
        self.steps.append(HelperCall(fn, sources, (self._new(result),)))

    def check(self, fn: Callable, args: tuple) -> None:
        """A test of data values (``capture.validate``): replayed, with no result."""
        self.steps.append(HelperCall(fn, tuple(self._source(a) for a in args), ()))

    def effect(self, fn: Callable, args: tuple) -> None:
        """A side effect on the model's state (``capture.side_effect``): replayed with the
        same arguments (objects such as an optimiser or a parameter), except a Tensor
        argument of the function, which each replay replaces with that call's own."""
        self.side_effects = True
        self.steps.append(HelperCall(fn, tuple(self._effect_source(fn, a) for a in args), ()))

    def _effect_source(self, fn: Callable, value: Any) -> Constant | Input:
        slot = self.slots.get(id(value._data)) if isinstance(value, Tensor) else None
        if slot is None or slot in self.captured_slots:
            return Constant(value)
        if slot in self.arg_slots:
            position = self.arg_slots.index(slot)
            return Input(sum(s is not None for s in self.arg_slots[:position]))
        raise CompileError(
            f"ag.compile: {getattr(fn, '__name__', 'a side effect')} on a tensor computed "
            f"inside the function (shape {value.shape}): it would act on the traced tensor "
            "on every call. Do it outside the function"
        )

    def backward(self, roots: tuple, seeds: Any, retain_graph: bool) -> None:
        """``loss.backward()`` inside the function: checked, run now (untraced), and
        recorded, so that every replay runs the recorded rules backward from that call's
        ``roots`` and stores the leaves' gradients into their ``.grad``."""
        self._check_backward(roots, seeds)
        st = current()
        tracer, st.tracer = st.tracer, None
        try:
            backward(roots, retain_graph=retain_graph)
        finally:
            st.tracer = tracer
        self.side_effects = True
        self.steps.append(BackwardCall(tuple(roots), bool(retain_graph)))

    def _check_backward(self, roots: tuple, seeds: Any) -> None:
        """Refuse a pass the program could not replay: a given gradient, or roots and nodes
        that were not computed inside the function."""
        if seeds is not None and any(s is not None for s in seeds):
            raise CompileError(
                "ag.compile: backward(gradient) inside the function is not captured; call "
                "backward() with no argument on a one-element loss, or call it outside"
            )
        recorded = {
            id(r.grad_fn)
            for step in self.steps
            if type(step) is OpCall
            for r in step.results
            if r.grad_fn is not None
        }
        for root in roots:
            if (
                isinstance(root, Tensor)
                and root.requires_grad
                and (root.grad_fn is None or id(root.grad_fn) not in recorded)
            ):
                raise CompileError(
                    f"ag.compile: backward() inside the function on a tensor of shape "
                    f"{root.shape} that was not computed inside it; call it on a result of "
                    "the function's own operations"
                )
        for node in toposort([r.grad_fn for r in roots if isinstance(r, Tensor)]):
            if id(node) not in recorded and type(node) is not _TraceInput:
                raise CompileError(
                    "ag.compile: the backward pass inside the function reaches a tensor "
                    f"computed outside it (by {type(node).__name__}); the captured program "
                    "can only deliver gradients to leaves. Pass such values in detached, or "
                    "call backward outside the function"
                )


# ---------------------------------------------------------------------------- randomness
class RandomStates:
    """The states of numpy's and Python's global generators and of the generators a
    function reaches: a trace that draws from one would freeze its numbers."""

    def __init__(self, rngs: list[tuple[str, Any]]):
        self.rngs = [
            ("numpy's global generator (np.random.*)", np.random.mtrand._rand),
            ("Python's random module", random._inst),
            *rngs,
        ]
        self.states = [_state_of(rng) for _, rng in self.rngs]

    def drawn(self) -> str | None:
        """The name of the first generator whose state changed, or None."""
        for (name, rng), state in zip(self.rngs, self.states):
            if not _same_state(_state_of(rng), state):
                return name
        return None


def _state_of(rng: Any) -> Any:
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    if isinstance(rng, np.random.RandomState):
        return rng.get_state(legacy=False)
    return rng.getstate()


def _same_state(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_state(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_state(x, y) for x, y in zip(a, b))
    return a == b


# ---------------------------------------------------------------------------- a trace
class Trace(NamedTuple):
    """What one traced call produced: the call's result, the tracer's record, the result
    Tensors (the caller's own where an argument is returned), the container of several
    results (``list``, ``tuple`` or None for one), the guards, and a name for each input
    (the Tensor arguments, then the captured Tensors) for ``Compiled.code``."""

    result: Any
    tracer: Tracer
    outputs: tuple
    multi: type | None
    guards: Guards
    names: list[str]


def trace(fn: Callable, args: tuple, kwargs: dict) -> Trace:
    """Run ``fn`` once, eagerly, under a tracer.

    The Tensor arguments are traced through copies of their arrays, so that the program
    tells an argument from a Tensor the function also reads from outside (``f(w)`` with
    ``x * w`` inside must not become ``x * x`` for later arguments)."""
    collector = collect(fn, args, kwargs)
    randomness = RandomStates(collector.rngs)
    copies = tuple(_traced_copy(a) if isinstance(a, Tensor) else a for a in args)
    tracer = Tracer(copies)
    st = current()
    st.tracer = tracer
    try:
        result = fn(*copies, **kwargs)
    finally:
        st.tracer = None
    result = _originals(result, copies, args)
    _refuse_unreplayable(randomness, tracer, result)
    guards = collector.finish(tracer.captured)
    changed = guards.check(args, kwargs)
    if changed is not None:
        _refuse_after(
            f"{changed} while the function was traced (a Python side effect, such "
            "as `count += 1` or `log.append(...)`): the program replays only the "
            "tensor operations, so later calls would not repeat it. Move it out of "
            "the function",
            result,
        )
    multi = list if isinstance(result, list) else tuple if isinstance(result, tuple) else None
    outputs = tuple(result) if multi else () if result is None else (result,)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(
                f"ag.compile: the function must return a Tensor, a tuple of "
                f"Tensors or None, got {type(o).__name__}"
            )
    names = _input_names(fn, args, tracer.captured, collector.tensor_paths)
    return Trace(result, tracer, _originals(outputs, args, copies), multi, guards, names)


def _input_names(fn: Callable, args: tuple, captured: list, paths: dict) -> list[str]:
    """Readable, distinct names for the program's inputs: a Tensor argument's parameter
    name; a captured Tensor's ``.name``, the path the function reads it by, or ``p0``."""
    parameters = parameter_names(fn)
    names = [
        parameters[i] if i < len(parameters) else f"args[{i}]"
        for i, a in enumerate(args)
        if isinstance(a, Tensor)
    ]
    names += [t._name or paths.get(id(t)) or f"p{k}" for k, t in enumerate(captured)]
    unique = []
    for name in names:
        if name in unique or re.fullmatch(r"v\d+", name):  # (v1, v2...: computed values)
            name = next(f"{name}_{n}" for n in itertools.count(2) if f"{name}_{n}" not in unique)
        unique.append(name)
    return unique


def _refuse_unreplayable(randomness: RandomStates, tracer: Tracer, result: Any) -> None:
    """Refuse a trace that drew random numbers or read a dual Tensor from outside."""
    drawn = randomness.drawn()
    if drawn is not None:
        _refuse_after(
            f"the function drew random numbers from {drawn} while it was traced: "
            "the program would replay the same numbers on every call. Draw them "
            "outside and pass them in as Tensors",
            result,
        )
    duals = [t for t in tracer.captured if t._tangent is not None]
    if duals:
        _refuse_after(
            f"the function reads a dual tensor (shape {duals[0].shape}) from "
            "outside: a replay reads its value only, not its forward-mode tangent. "
            "Pass it as an argument (with dual arguments the function runs "
            "uncompiled)",
            result,
        )


def _refuse_after(message: str, result: Any) -> None:
    """A CompileError raised after the function ran to its end, eagerly, while traced: the
    call has happened (its effects too), and ``error.result`` is what it returned."""
    error = CompileError(f"ag.compile: {message}. (This call ran uncompiled, to its end.)")
    error.ran, error.result = True, result
    raise error


def _traced_copy(arg: Tensor) -> Tensor:
    """A Tensor with a copy of ``arg``'s array, through which gradients reach ``arg``."""
    copy = _TraceInput.apply(arg) if arg._requires_grad else _make(arg._data.copy())
    copy._name = arg._name
    return copy


def _originals(result: Any, these: tuple, those: tuple) -> Any:
    """``result`` with each Tensor of ``these`` replaced by the same-placed one of
    ``those`` (a function returning an argument returns the caller's Tensor)."""
    swap = {id(a): b for a, b in zip(these, those) if isinstance(a, Tensor)}
    if isinstance(result, (tuple, list)):
        return type(result)(swap.get(id(r), r) for r in result)
    return swap.get(id(result), result)


class _TraceInput(Function):
    """A traced argument's copy; its gradient passes through to the argument."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g
