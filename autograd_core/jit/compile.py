"""``ag.compile``: capture a function's graph once, then replay it as straight-line code.

The notes' *static* computation graph, built from our dynamic one. The first call with a
given signature (shapes, dtypes and requires_grad of the Tensor arguments, the values of the
others) runs the function eagerly while a tracer writes down every primitive it calls: its
forward rule, where each argument comes from (an argument, an earlier result, a Tensor read
from outside such as a parameter, or a constant) and its configuration. From the recorded
graph it also fixes the backward schedule: the order the engine would visit the nodes in,
and where each rule's gradients go.

Later calls replay that program (``codegen.py`` writes it out as Python, one line per
primitive): each primitive's own ``forward`` on the new arrays, with no Tensor, graph node
or dispatch in between; the outputs hang from one graph node whose backward replays each
primitive's ``backward`` rule on arrays in the recorded order. The rules are the eager ones,
called on the same arrays in the same order, so values and gradients are bit-identical to
eager mode. A graph made only of scalars runs in waves of vector calls instead
(``waves.py``).

A program is replayed only while what its trace depended on holds: the signature (grad
mode, default dtype, each Tensor argument's shape, dtype and requires_grad, the other
arguments' types and values) selects its programs, and each program's guards
(``guards.py``: the Python values the function reads from closures, globals, modules and
objects, and the Tensors it reads from outside) must all hold; otherwise the function is
traced again. A bounded number of programs is kept, least recently used out. Tensor
arguments are traced through copies, so that an argument the function also reads from
outside stays two values.

A whole training step can be captured: the library reports its side effects to the tracer
(``capture.side_effect``: ``zero_grad``, optimiser and scheduler steps), and the program
calls them again at their place; ``loss.backward()`` inside becomes a backward walk of the
recorded rules at its place, which stores the leaves' gradients as the engine would.

What cannot be captured raises ``CompileError``: Python control flow on a tensor's value
(``if loss > 0``, ``.item()``, ``.data``, ``np.asarray(t)``), in-place changes, random
draws (dropout in training mode, numpy's generators), gradients taken as values inside
(``ag.grad``, ``create_graph``), and Python side effects on values the function reads.
"""

import functools
import threading
import warnings
from collections import OrderedDict

import numpy as np

from .waves import plan_waves
from .codegen import generate
from ..engine import _deliver, backward, grad, toposort
from ..function import _FREED, Function, _sequence, input_slots
from ..dtypes import get_default_dtype
from ..errors import CompileError
from ..grad_mode import current, enable_grad
from .guards import RandomStates, collect
from ..tensor import Tensor, _make, _wrap

__all__ = ["compile", "CompileError", "Compiled"]


def compile(fn, max_programs=8):
    """A version of ``fn`` that records its graph once and replays it while nothing it
    depended on has changed.

    ``fn`` takes Tensors (numpy arrays are taken as Tensors; other arguments are static and
    part of the signature) and returns a Tensor or a tuple of Tensors. Tensors it reads
    from outside, such as a model's parameters, are read afresh on every call, and
    gradients flow into them as in eager mode. The Python values it reads (closures,
    globals, module attributes and modes) are guarded: a call where one has changed traces
    again. At most ``max_programs`` traces are kept (the least recently used go first).
    """
    return Compiled(fn, max_programs)


class Compiled:
    """The callable ``ag.compile`` returns; ``traces`` counts the traces made."""

    WARN_AFTER = 8  # traces before a warning that the function keeps retracing
    _guard_wraps = "fn"  # a compiled function read by another is guarded as its fn

    def __init__(self, fn, max_programs=8):
        if not callable(fn):
            raise TypeError(f"ag.compile: expected a function, got {type(fn).__name__}")
        if isinstance(max_programs, bool) or not isinstance(max_programs, int) \
                or max_programs < 1:
            raise ValueError(f"ag.compile: max_programs must be a positive int, got "
                             f"{max_programs!r}")
        self.fn = fn
        self.max_programs = max_programs
        self._programs = OrderedDict()  # signature -> its programs, most recently used last
        self._lock = threading.Lock()  # the cache is shared by the threads that call fn
        self._last = None
        self.traces = 0  # how many times the function was traced
        self.retrace_reason = None  # why the latest trace was made
        functools.update_wrapper(self, fn, updated=())  # name and doc, not attributes

    def __call__(self, *args, **kwargs):
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
        outputs, program = _trace(self.fn, args, kwargs)
        self._keep(key, program, reason)
        return outputs

    def _find(self, key, args, kwargs):
        """A program of this signature whose guards hold, or None and why not."""
        with self._lock:
            programs = list(self._programs.get(key, ()))
        if not programs:
            return None, "a new signature (argument shapes, dtypes or static values)" \
                if self.traces else "the first call"
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

    def _keep(self, key, program, reason):
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
                RuntimeWarning, stacklevel=3)

    def __get__(self, instance, owner=None):
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
            bound = store[key] = Compiled(functools.partial(self.fn, instance),
                                          self.max_programs)
        return bound

    @property
    def code(self):
        """The program of the latest trace: its forward and backward as Python source (or,
        for a graph of scalars, how it runs in waves); None before the first call."""
        return None if self._last is None else self._last.code

    @property
    def guards(self):
        """The guards of the latest trace, as the Python function that checks them before a
        replay; None before the first call."""
        return None if self._last is None else self._last.guards.source

    def __repr__(self):
        return f"<ag.compile({getattr(self.fn, '__name__', self.fn)!r}), {self.traces} trace(s)>"


def _signature(args, kwargs, grad_enabled):
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
                raise TypeError(f"ag.compile: pass Tensors as positional arguments (keyword "
                                f"arguments are static settings), got "
                                f"{name}=<{type(value).__name__}>")
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


def _static_key(value):
    """A static argument in a signature: equal only for the same type and bits (1 and
    True, 2 and 2.0, 0.0 and -0.0 trace apart, as eager mode may tell them apart)."""
    if isinstance(value, (tuple, frozenset)):
        return type(value), type(value)(_static_key(v) for v in value)
    if isinstance(value, (float, complex, np.generic)):
        return type(value), np.asarray(value).tobytes()
    return type(value), value


# ---------------------------------------------------------------------------- tracing
class _Tracer:
    """Writes down each primitive call of an eager run, and where its arguments come from.

    Values are identified by their arrays: ``slots`` maps id(array) to a slot of the
    program's value list (arguments first, then every result in order). A Tensor argument
    whose array has no slot comes from outside: it becomes a *captured* slot, read from the
    Tensor on every call.
    """

    def __init__(self, args):
        self.slots, self.keep = {}, []
        self.steps = []  # (cls, ctx, sources, config, dynamic config, output slots, results)
        self.captured = []  # Tensors read from outside the function, in first-use order
        self.captured_slots = []
        self.side_effects = False  # recorded a backward pass or another side effect
        self.n = 0
        self.args = args
        self.arg_slots = [self._new(a._data) if isinstance(a, Tensor) else None for a in args]

    def _new(self, array):
        self.slots[id(array)] = slot = self.n
        self.keep.append(array)  # keeps the id unique for the tracer's lifetime
        self.n += 1
        return slot

    def _source(self, value):
        """A slot for a Tensor or a known array; otherwise the value itself (a constant)."""
        if isinstance(value, Tensor):
            slot = self.slots.get(id(value._data))
            if slot is None:
                slot = self._new(value._data)
                self.captured.append(value)
                self.captured_slots.append(slot)
            return slot
        if isinstance(value, np.ndarray):
            return self.slots.get(id(value), _Constant(value))
        if isinstance(value, tuple) and any(id(v) in self.slots for v in value
                                            if isinstance(v, np.ndarray)):
            return _Pack(tuple(self._source(v) for v in value))
        return _Constant(value)

    def op(self, cls, ctx, args, arrays, config, results):
        """``Function.apply`` reports each call here (after its forward ran); ``arrays`` are
        the arguments as forward received them."""
        sources = tuple(self._source(a if isinstance(a, Tensor) else array)
                        for a, array in zip(args, arrays))
        dynamic = {}
        if config:
            for key, value in config.items():
                source = self._source(value)
                if not isinstance(source, _Constant):
                    dynamic[key] = source
        outs = tuple(self._new(r._data) for r in results)
        self.steps.append((cls, ctx, sources, config or {}, dynamic, outs, results))

    def numpy(self, fn, args, result):
        """A non-differentiable numpy helper on traced values (comparisons, integer casts)."""
        sources = tuple(self._source(a) for a in args)
        self.steps.append((None, fn, sources, {}, {}, (self._new(result),), ()))

    def check(self, fn, args):
        """A test of data values (``grad_mode.validate``): replayed, with no result."""
        sources = tuple(self._source(a) for a in args)
        self.steps.append((None, fn, sources, {}, {}, (), ()))

    def effect(self, fn, args):
        """A side effect on the model's state (``capture.side_effect``): replayed with the
        same arguments (objects such as an optimiser or a parameter), except a Tensor
        argument of the function, which each replay replaces with that call's own."""
        self.side_effects = True
        sources = []
        for a in args:
            slot = self.slots.get(id(a._data)) if isinstance(a, Tensor) else None
            if slot is None or slot in self.captured_slots:
                sources.append(_Constant(a))
            elif slot in self.arg_slots:
                sources.append(_Input(sum(s is not None for s in self.arg_slots[
                    :self.arg_slots.index(slot)])))
            else:
                raise CompileError(
                    f"ag.compile: {getattr(fn, '__name__', 'a side effect')} on a tensor "
                    f"computed inside the function (shape {a.shape}): it would act on the "
                    "traced tensor on every call. Do it outside the function")
        self.steps.append((None, fn, tuple(sources), {}, {}, (), ()))

    def backward(self, roots, seeds, retain_graph):
        """``loss.backward()`` inside the function: checked, run now (untraced), and
        recorded, so that every replay runs the recorded rules backward from that call's
        ``roots`` and stores the leaves' gradients into their ``.grad``."""
        if seeds is not None and any(s is not None for s in seeds):
            raise CompileError(
                "ag.compile: backward(gradient) inside the function is not captured; call "
                "backward() with no argument on a one-element loss, or call it outside")
        recorded = {id(r.grad_fn) for *_, results in self.steps for r in results
                    if r.grad_fn is not None}
        for root in roots:
            if isinstance(root, Tensor) and root.requires_grad \
                    and (root.grad_fn is None or id(root.grad_fn) not in recorded):
                raise CompileError(
                    f"ag.compile: backward() inside the function on a tensor of shape "
                    f"{root.shape} that was not computed inside it; call it on a result of "
                    "the function's own operations")
        for node in toposort([r.grad_fn for r in roots if isinstance(r, Tensor)]):
            if id(node) not in recorded and type(node) is not _TraceInput:
                raise CompileError(
                    "ag.compile: the backward pass inside the function reaches a tensor "
                    f"computed outside it (by {type(node).__name__}); the captured program "
                    "can only deliver gradients to leaves. Pass such values in detached, or "
                    "call backward outside the function")
        st = current()
        tracer, st.tracer = st.tracer, None
        try:
            backward(roots, retain_graph=retain_graph)
        finally:
            st.tracer = tracer
        self.side_effects = True
        self.steps.append((_Backward, roots, (), {"retain_graph": bool(retain_graph)}, {}, (),
                           ()))


class _Backward:
    """Marks a backward pass in a trace's steps (``_Tracer.backward``)."""


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _Input:
    """The Tensor argument ``index`` (among the Tensor arguments) of the current call."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class _Pack:
    """A tuple (an index) some of whose items are traced arrays."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


def _trace(fn, args, kwargs):
    """Run ``fn`` once, eagerly, under a tracer; return its result and the program.

    The Tensor arguments are traced through copies of their arrays, so
    that the program tells an argument from a Tensor the function also reads from outside
    (``f(w)`` with ``x * w`` inside must not become ``x * x`` for later arguments)."""
    collector = collect(fn, args, kwargs)
    randomness = RandomStates(collector.rngs)
    copies = tuple(_traced_copy(a) if isinstance(a, Tensor) else a for a in args)
    tracer = _Tracer(copies)
    st = current()
    st.tracer = tracer
    try:
        result = fn(*copies, **kwargs)
    finally:
        st.tracer = None
    result = _originals(result, copies, args)
    drawn = randomness.drawn()
    if drawn is not None:
        _refuse_after(f"the function drew random numbers from {drawn} while it was traced: "
                      "the program would replay the same numbers on every call. Draw them "
                      "outside and pass them in as Tensors", result)
    duals = [t for t in tracer.captured if t._tangent is not None]
    if duals:
        _refuse_after(f"the function reads a dual tensor (shape {duals[0].shape}) from "
                      "outside: a replay reads its value only, not its forward-mode tangent. "
                      "Pass it as an argument (with dual arguments the function runs "
                      "uncompiled)", result)
    guards = collector.finish(tracer.captured)
    changed = guards.check(args, kwargs)
    if changed is not None:
        _refuse_after(f"{changed} while the function was traced (a Python side effect, such "
                      "as `count += 1` or `log.append(...)`): the program replays only the "
                      "tensor operations, so later calls would not repeat it. Move it out of "
                      "the function", result)
    multi = list if isinstance(result, list) else tuple if isinstance(result, tuple) else None
    outputs = tuple(result) if multi else () if result is None else (result,)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"ag.compile: the function must return a Tensor, a tuple of "
                            f"Tensors or None, got {type(o).__name__}")
    program = _Program(fn, tracer, _originals(outputs, args, copies), multi,
                       returns_none=result is None)
    program.guards = guards
    return result, program


def _refuse_after(message, result):
    """A CompileError raised after the function ran to its end, eagerly, while traced: the
    call has happened (its effects too), and ``error.result`` is what it returned."""
    error = CompileError(f"ag.compile: {message}. (This call ran uncompiled, to its end.)")
    error.ran, error.result = True, result
    raise error


def _traced_copy(arg):
    """A Tensor with a copy of ``arg``'s array, through which gradients reach ``arg``."""
    copy = _TraceInput.apply(arg) if arg._requires_grad else _make(arg._data.copy())
    copy._name = arg._name
    return copy


def _originals(result, these, those):
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


# ---------------------------------------------------------------------------- the program
class _Program:
    def __init__(self, fn, tracer, outputs, multi, returns_none=False):
        self.fn, self.multi = fn, multi  # the container of several outputs (list or tuple)
        self.returns_none = returns_none  # a training step may return nothing
        self.n_values = tracer.n
        self.arg_slots = tracer.arg_slots
        self.captured = tuple(tracer.captured)
        self.captured_slots = tracer.captured_slots
        self.tensor_args = [i for i, slot in enumerate(tracer.arg_slots) if slot is not None]
        # does any input require grad? (the signature and the guards fix the answer)
        self.needs_node = any(t._requires_grad for t in self._inputs(tracer.args))
        # inputs of the call's graph node: every Tensor argument, then every captured Tensor
        self.input_slots = [s for s in tracer.arg_slots if s is not None] + tracer.captured_slots
        slot_input = {slot: k for k, slot in enumerate(self.input_slots)}
        # output k: (slot, requires_grad) of a computed value, or the index of the input
        # it is (a function may return an argument itself, as eager mode would)
        self.outputs = tuple(
            (None, slot_input[slot]) if slot in slot_input else (slot, o._requires_grad)
            for o, slot in ((o, tracer.slots[id(o._data)]) for o in outputs)
        )
        node_of = {}  # id(ctx) of a recorded node -> its step
        shared = {}  # one stand-in per (shape, dtype, requires_grad)
        self.steps = []
        passes = []  # (step index, roots) of each backward pass inside the function
        for cls, ctx, sources, config, dynamic, outs, results in tracer.steps:
            if cls is _Backward:  # ctx: the roots of the pass
                passes.append((len(self.steps), ctx))
                self.steps.append(_Step(None, _BackwardPass(config["retain_graph"]), (), {}, {},
                                        (), (), False))
                continue
            recorded = any(r.grad_fn is ctx for r in results)
            if recorded:
                node_of[id(ctx)] = len(self.steps)
            stand_ins = tuple(_stand_in(a, shared) for a in ctx.inputs) if recorded else ()
            self.steps.append(_Step(cls, ctx if cls is None else cls.forward, sources, config,
                                    dynamic, outs, stand_ins, recorded))
        self.side_effects = tracer.side_effects  # zero_grad, backward, steps inside
        self.schedule = self._schedule(outputs, node_of, tracer.slots, slot_input)
        for index, roots in passes:
            step = self.steps[index]
            step.schedule = self._schedule(roots, node_of, tracer.slots, slot_input)
            step.forward.seeds = [np.ones(shape, dtype) for shape, dtype in
                                  step.schedule.seed_arrays]
        self.waves = None if passes else plan_waves(self, tracer.keep)  # scalars as vectors
        if self.waves is None:  # node by node, as straight-line code
            self.code, self._forward, self._backward = generate(
                self, [a.shape for a in tracer.keep])
        else:
            self.code = self.waves.describe()
        self.steps = self.schedule = None  # all is in the code now

    def _schedule(self, roots, node_of, slots, slot_input):
        """The walk the engine would make backward from ``roots`` (Tensors) over the
        recorded nodes: its steps, where each rule's gradients go and where seeds enter."""
        tops = [o.grad_fn for o in roots if o.grad_fn is not None and id(o.grad_fn) in node_of]
        order = [node for node in reversed(toposort(tops)) if id(node) in node_of]
        position = {id(node): k for k, node in enumerate(order)}
        schedule = _Schedule()
        for node in order:
            step = self.steps[node_of[id(node)]]
            routes = []
            schedule.route_slots[node_of[id(node)]] = [
                (index, slots[id(inp._data)]) for index, inp in enumerate(node.inputs)
                if isinstance(inp, Tensor) and inp._requires_grad]
            for index, inp in enumerate(node.inputs):
                if not (isinstance(inp, Tensor) and inp._requires_grad):
                    continue
                parent = inp.grad_fn
                stand_in = step.stand_ins[index]
                shape, dtype = stand_in._data.shape, stand_in._data.dtype
                if parent is not None and id(parent) in position:
                    routes.append((index, stand_in, shape, dtype, False, position[id(parent)],
                                   inp._output_nr))
                else:
                    routes.append((index, stand_in, shape, dtype, True,
                                   slot_input[slots[id(inp._data)]], 0))
            cls = type(node)
            schedule.steps.append((node_of[id(node)], cls, cls.array_rules, node._n_outputs,
                                   tuple(routes)))
        for o in roots:  # root k -> (backward position, output_nr) or None
            node = o.grad_fn
            schedule.seeds.append((position[id(node)], o._output_nr)
                                  if node is not None and id(node) in position else None)
            schedule.seed_arrays.append((o._data.shape, o._data.dtype))
        return schedule

    def failed_guard(self, args, kwargs):
        """None when this program may run the call, else what changed since its trace
        (a Tensor it reads from outside, a Python value: see ``guards.py``)."""
        return self.guards.check(args, kwargs)

    # ------------------------------------------------------------------ forward
    def run(self, args, kwargs):
        if self.waves is not None:
            return self._run_waves(args, kwargs)
        values = [None] * self.n_values
        for slot, a in zip(self.arg_slots, args):
            if slot is not None:
                values[slot] = a._data
        for slot, t in zip(self.captured_slots, self.captured):
            values[slot] = t._data
        inputs = self._inputs(args)
        results, ctxs = self._forward(values, inputs)
        if self.returns_none:
            return None
        node = self._node(inputs, args, kwargs, ctxs)
        outs = []
        for k, ((slot, detail), value) in enumerate(zip(self.outputs, results)):
            if slot is None:  # an input returned as it is
                outs.append(inputs[detail])
            elif detail and node is not None:
                outs.append(_make(value, node, True, k))
            else:
                outs.append(_make(value))
        return self.multi(outs) if self.multi else outs[0]

    def _run_waves(self, args, kwargs):
        inputs = self._inputs(args)
        values, ctxs = self.waves.forward(inputs)
        node = self._node(inputs, args, kwargs, ctxs)
        value = np.array(values[self.outputs[0][0]])
        out = _make(value, node, True) if node is not None and self.outputs[0][1] else \
            _make(value)
        return self.multi((out,)) if self.multi else out

    def _inputs(self, args):
        """The call's Tensor inputs: its Tensor arguments, then the captured Tensors."""
        return tuple([args[i] for i in self.tensor_args]) + self.captured

    def _node(self, inputs, args, kwargs, ctxs):
        """The graph node of one call (None when nothing needs a gradient)."""
        if self.needs_node and current().grad_enabled:
            return _CompiledCall.node(self, ctxs, inputs, args, kwargs)
        return None

    # ------------------------------------------------------------------ backward
    def backward(self, ctxs, grads):
        """Gradients for the call's inputs from the outputs' gradients (arrays)."""
        if self.waves is not None:
            return self.waves.backward(ctxs, grads[0]) if grads[0] is not None \
                else [None] * len(self.input_slots)
        return self._backward(ctxs, grads)


class _Step:
    """One call of the forward program (``cls`` None: a numpy helper, a check or a side
    effect ``forward``; with a ``schedule``, a backward pass inside the function)."""

    __slots__ = ("cls", "forward", "fetch", "config", "dynamic", "outs", "stand_ins", "needs",
                 "recorded", "schedule")

    def __init__(self, cls, forward, fetch, config, dynamic, outs, stand_ins, recorded):
        self.cls, self.forward, self.fetch, self.config = cls, forward, fetch, config
        self.dynamic, self.outs, self.stand_ins, self.recorded = dynamic, outs, stand_ins, recorded
        self.needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in stand_ins) \
            if recorded else None
        self.schedule = None


class _Schedule:
    """One backward walk over a program's recorded nodes, as the engine would make it from
    some roots: ``steps`` (step index, op class, array_rules, number of outputs, routes) in
    order, ``seeds`` (where root k's gradient enters, or None), ``seed_arrays`` (each
    root's shape and dtype) and ``route_slots`` (for plan_waves)."""

    __slots__ = ("steps", "seeds", "seed_arrays", "route_slots")

    def __init__(self):
        self.steps, self.seeds, self.seed_arrays, self.route_slots = [], [], [], {}


class _BackwardPass:
    """``loss.backward()`` inside a compiled function, replayed: the recorded rules run
    backward from this call's loss (seeded with ones, as eager mode seeds it), the graph is
    freed unless ``retain_graph``, and the leaves' gradients go into their ``.grad``."""

    __slots__ = ("retain_graph", "run", "seeds")

    def __init__(self, retain_graph):
        self.retain_graph = retain_graph
        self.seeds = None  # each root's seed, ones (copied per pass), set with its schedule
        self.run = None  # the generated walk, set by codegen

    def __call__(self, inputs, ctxs):
        seeds = [ones.copy() for ones in self.seeds]  # (a copy costs a tenth of np.ones)
        st = current()
        previous = st.grad_enabled, st.array_backward
        st.grad_enabled, st.array_backward = False, True  # as in the engine's pass
        try:
            grads = self.run(ctxs, seeds)
            if not self.retain_graph:
                for ctx in ctxs:
                    ctx._saved = _FREED  # free what it saved
            _deliver(inputs, grads, seeds)
        finally:
            st.grad_enabled, st.array_backward = previous


def _stand_in(value, shared):
    """What a replayed node keeps of a traced input: its shape, dtype and requires_grad, in
    a Tensor that owns no memory (so a program does not keep its trace-time values alive)."""
    if not isinstance(value, Tensor):
        return value
    key = (value._data.shape, value._data.dtype, value._requires_grad)
    stand_in = shared.get(key)
    if stand_in is None:
        data = np.broadcast_to(np.zeros((), dtype=key[1]), key[0])
        stand_in = shared[key] = _make(data, None, key[2])
    return stand_in


class _CompiledCall(Function):
    """The graph node of one replayed call: its backward replays the recorded rules."""

    array_rules = True
    symbol = "compiled"

    @staticmethod
    def forward(ctx, *args):
        raise RuntimeError(
            "a call of an ag.compile'd function is one opaque node of the graph and cannot be "
            "re-run on its own (drawing forward or reverse mode replays every node): draw "
            "the graph of the uncompiled function instead"
        )

    @classmethod
    def node(cls, program, ctxs, inputs, args, kwargs):
        node = cls.__new__(cls)
        node._n_in, node._in0, node._in1 = input_slots(inputs)
        node._needs, node._replayed, node._out = None, False, None
        node._saved = (program, ctxs, args, kwargs)
        node._n_outputs = len(program.outputs)
        node.config = None
        node.module = current().module  # a compiled Module.forward draws inside its layer
        node.seq = next(_sequence)
        return node

    @staticmethod
    def backward(ctx, *grads):
        if ctx._saved is _FREED:
            return ctx.saved_tensors  # raises the "backward a second time" error
        program, ctxs, args, kwargs = ctx._saved
        if current().array_backward:
            return tuple(program.backward(ctxs, grads))
        return _recorded_backward(ctx, program, args, kwargs, grads)


def _recorded_backward(ctx, program, args, kwargs, grads):
    """A recorded (create_graph) pass: run the function eagerly again and differentiate
    that graph, so higher derivatives are right (the replayed program has no Tensors)."""
    if program.side_effects:
        raise RuntimeError(
            "a create_graph backward through a call of an ag.compile'd function that has "
            "side effects (zero_grad, backward or an optimiser step inside) would run them "
            "again: differentiate the loss of an uncompiled or effect-free function instead")
    with enable_grad():
        result = program.fn(*args, **kwargs)
    outputs = tuple(result) if program.multi else (result,)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o.requires_grad]
    wanted = [t for t in ctx.inputs if t._requires_grad]
    found = grad([o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=True,
                 allow_unused=True) if pairs and wanted else [None] * len(wanted)
    found = iter(found)
    return tuple(next(found) if t._requires_grad else None for t in ctx.inputs)

