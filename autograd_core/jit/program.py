"""A captured program: the steps of one trace, and how a call replays them.

``Program`` turns a ``Trace`` into steps that hold no trace-time value: a primitive call
(``OpStep``: its op, where each argument comes from, its configuration, and what its node
needs to know of its inputs: their shape, dtype and requires_grad, in memoryless
*stand-ins*), a numpy helper, check or side effect (``HelperStep``), and a backward pass
inside the function (``PassStep``). It fixes the backward walk from the outputs
(``schedule.py``), and has the steps written out as Python (``codegen.py``) or, for a graph
of scalars, planned as vector calls (``waves.py``).

A replay runs the forward on the call's arrays, then hangs the outputs from one graph node,
``CompiledCall``, whose backward runs the recorded rules on arrays in the walk's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..delivery import _deliver
from ..engine import grad
from ..function import Function
from ..grad_mode import current, enable_grad
from ..node import _FREED, _sequence
from ..tensor import Tensor, _make
from .codegen import generate
from .listing import listing
from .schedule import plan_walk
from .steps import HelperStep, OpStep, Output, PassStep
from .trace import BackwardCall, HelperCall, OpCall, Trace
from .waves import plan_waves

__all__ = ["Program", "BackwardPass", "CompiledCall"]


class Program:
    """The replayable program of one trace; ``run(args, kwargs)`` replays a call."""

    def __init__(self, fn: Callable, trace: Trace):
        tracer = trace.tracer
        self.fn, self.multi, self.guards = fn, trace.multi, trace.guards
        self.returns_none = trace.result is None  # a training step may return nothing
        self.n_values = len(tracer.keep)
        self.arg_slots = tracer.arg_slots
        self.captured = tuple(tracer.captured)
        self.captured_slots = tracer.captured_slots
        self.tensor_args = [i for i, slot in enumerate(tracer.arg_slots) if slot is not None]
        # inputs of the call's graph node: every Tensor argument, then every captured Tensor
        self.input_slots = [s for s in tracer.arg_slots if s is not None] + tracer.captured_slots
        self.names = trace.names
        # does any input require grad? (the signature and the guards fix the answer)
        self.needs_node = any(t._requires_grad for t in self._inputs(tracer.args))
        self.side_effects = tracer.side_effects  # zero_grad, backward, steps inside
        input_of = {slot: k for k, slot in enumerate(self.input_slots)}
        self.outputs = tuple(_output(o, tracer.slots, input_of) for o in trace.outputs)
        self.steps, node_of, passes = _steps(tracer.steps)
        stand_ins = {
            index: step.stand_ins for index, step in enumerate(self.steps) if type(step) is OpStep
        }
        self.walk = plan_walk(trace.outputs, node_of, stand_ins, tracer.slots, input_of)
        for index, roots in passes:
            walk = plan_walk(roots, node_of, stand_ins, tracer.slots, input_of)
            backward_pass = self.steps[index].run
            backward_pass.seeds = [np.ones(root.shape, root.dtype) for root in walk.roots]
            self.steps[index] = PassStep(backward_pass, walk)
        self._prepare_replay(tracer.keep)
        self._listing = None

    def _prepare_replay(self, values: list[np.ndarray]) -> None:
        """Plan the replay: in waves for a graph of scalars, else as generated Python
        (``values``: the traced arrays, by slot)."""
        only_ops = all(type(step) is OpStep for step in self.steps)
        self.waves = plan_waves(self, values) if only_ops else None
        if self.waves is None:
            self.source, self._forward, self._backward = generate(self, [a.shape for a in values])
        else:
            self.source = self.waves.describe()

    @property
    def code(self) -> str:
        """The program as a student would write it (``listing.py``), made when first read."""
        if self._listing is None:
            self._listing = listing(self)
        return self._listing

    def failed_guard(self, args: tuple, kwargs: dict) -> str | None:
        """None when this program may run the call, else what changed since its trace
        (a Tensor it reads from outside, a Python value: see ``guards.py``)."""
        return self.guards.check(args, kwargs)

    # ------------------------------------------------------------------ forward
    def run(self, args: tuple, kwargs: dict) -> Any:
        """Replay the call: the outputs as Tensors, hung from the call's graph node."""
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
        for k, ((slot, requires_grad, input_index), value) in enumerate(zip(self.outputs, results)):
            if slot is None:  # an input returned as it is
                outs.append(inputs[input_index])
            elif requires_grad and node is not None:
                outs.append(_make(value, node, True, k))
            else:
                outs.append(_make(value))
        return self.multi(outs) if self.multi else outs[0]

    def _run_waves(self, args: tuple, kwargs: dict) -> Any:
        inputs = self._inputs(args)
        values, ctxs = self.waves.forward(inputs)
        node = self._node(inputs, args, kwargs, ctxs)
        value = np.array(values[self.outputs[0].slot])
        out = (
            _make(value, node, True)
            if node is not None and self.outputs[0].requires_grad
            else _make(value)
        )
        return self.multi((out,)) if self.multi else out

    def _inputs(self, args: tuple) -> tuple:
        """The call's Tensor inputs: its Tensor arguments, then the captured Tensors."""
        return tuple([args[i] for i in self.tensor_args]) + self.captured

    def _node(self, inputs: tuple, args: tuple, kwargs: dict, ctxs: tuple) -> Function | None:
        """The graph node of one call (None when nothing needs a gradient)."""
        if self.needs_node and current().grad_enabled:
            return CompiledCall.node(self, ctxs, inputs, args, kwargs)
        return None

    # ------------------------------------------------------------------ backward
    def backward(self, ctxs: tuple, grads: tuple) -> list:
        """Gradients for the call's inputs from the outputs' gradients (arrays)."""
        if self.waves is not None:
            return (
                self.waves.backward(ctxs, grads[0])
                if grads[0] is not None
                else [None] * len(self.input_slots)
            )
        return self._backward(ctxs, grads)


def _output(tensor: Tensor, slots: dict, input_of: dict) -> Output:
    slot = slots[id(tensor._data)]
    if slot in input_of:  # a function may return an argument itself, as eager mode would
        return Output(None, False, input_of[slot])
    return Output(slot, tensor._requires_grad, None)


def _steps(events: list) -> tuple[list, dict, list]:
    """The program's steps from a tracer's events; which step recorded each node (by
    id(node)); and each backward pass's step and roots (its walk is planned later)."""
    steps, node_of, passes = [], {}, []
    shared = {}  # one stand-in per (shape, dtype, requires_grad)
    for event in events:
        if type(event) is BackwardCall:
            passes.append((len(steps), event.roots))
            steps.append(PassStep(BackwardPass(event.retain_graph), None))
        elif type(event) is HelperCall:
            steps.append(HelperStep(event.fn, event.sources, event.outs))
        else:
            steps.append(_op_step(event, shared))
            if steps[-1].recorded:
                node_of[id(event.ctx)] = len(steps) - 1
    return steps, node_of, passes


def _op_step(call: OpCall, shared: dict) -> OpStep:
    recorded = any(r.grad_fn is call.ctx for r in call.results)
    static = {k: v for k, v in call.config.items() if k not in call.dynamic}
    stand_ins = tuple(_stand_in(a, shared) for a in call.ctx.inputs) if recorded else ()
    needs = (
        tuple(isinstance(a, Tensor) and a._requires_grad for a in stand_ins) if recorded else None
    )
    return OpStep(
        call.cls, call.sources, static, call.dynamic, call.outs, stand_ins, needs, recorded
    )


def _stand_in(value: Any, shared: dict) -> Any:
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


class BackwardPass:
    """``loss.backward()`` inside a compiled function, replayed: the recorded rules run
    backward from this call's loss (seeded with ones, as eager mode seeds it), the graph is
    freed unless ``retain_graph``, and the leaves' gradients go into their ``.grad``."""

    __slots__ = ("retain_graph", "walk_fn", "seeds")

    def __init__(self, retain_graph: bool):
        self.retain_graph = retain_graph
        self.seeds = None  # each root's seed, ones (copied per pass), set with its walk
        self.walk_fn = None  # the generated walk, set by codegen

    def __call__(self, inputs: tuple, ctxs: tuple) -> None:
        seeds = [ones.copy() for ones in self.seeds]  # (cheaper than np.ones)
        st = current()
        previous = st.grad_enabled, st.array_backward
        st.grad_enabled, st.array_backward = False, True  # as in the engine's pass
        try:
            grads = self.walk_fn(ctxs, seeds)
            if not self.retain_graph:
                for ctx in ctxs:
                    ctx._saved = _FREED  # free what it saved
            _deliver(inputs, grads, seeds)
        finally:
            st.grad_enabled, st.array_backward = previous


class CompiledCall(Function):
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
    def node(
        cls, program: Program, ctxs: tuple, inputs: tuple, args: tuple, kwargs: dict
    ) -> CompiledCall:
        """The node of one call: its inputs, and what its backward needs (the program, the
        call's ctxs, and its arguments for a create_graph pass)."""
        node = cls.__new__(cls)
        node._set_entries(inputs)
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


def _recorded_backward(
    ctx: CompiledCall, program: Program, args: tuple, kwargs: dict, grads: tuple
) -> tuple:
    """A recorded (create_graph) pass: run the function eagerly again and differentiate
    that graph, so higher derivatives are right (the replayed program has no Tensors)."""
    if program.side_effects:
        raise RuntimeError(
            "a create_graph backward through a call of an ag.compile'd function that has "
            "side effects (zero_grad, backward or an optimiser step inside) would run them "
            "again: differentiate the loss of an uncompiled or effect-free function instead"
        )
    with enable_grad():
        result = program.fn(*args, **kwargs)
    outputs = tuple(result) if program.multi else (result,)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o.requires_grad]
    wanted = [t for t in ctx.inputs if t._requires_grad]
    found = (
        grad(
            [o for o, _ in pairs],
            wanted,
            [g for _, g in pairs],
            create_graph=True,
            allow_unused=True,
        )
        if pairs and wanted
        else [None] * len(wanted)
    )
    found = iter(found)
    return tuple(next(found) if t._requires_grad else None for t in ctx.inputs)
