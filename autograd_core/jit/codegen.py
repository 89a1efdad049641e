"""The Python a captured program runs: ``ag.compile``'s node-by-node replay.

A traced program is a fixed list of primitive calls, so it can be written out as a Python
function with one line per call: no loop over steps, no lookups of where an operand lives,
every value in a local variable (``v<slot>``, its gradient ``g<slot>``). ``forward`` makes
each recorded node's ctx (its op, its inputs' stand-ins, which need a gradient) and calls
the primitive's own forward rule; ``backward`` calls each node's own backward rule in the
engine's order, fits each gradient to its input's shape and dtype, and sums the gradients
exactly as the engine does. ``Compiled.source`` shows this code; ``Compiled.code`` shows the
same program as a student would write it (``listing.py``).
"""

from __future__ import annotations

import itertools
import linecache
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import _as_output
from ..node import ENTRY_SLOTS, packed_entries
from ..tensor import _wrap
from ..unbroadcast import _fit_array
from .schedule import Walk
from .steps import HelperStep, PassStep
from .trace import Input, Pack

__all__ = ["generate", "helper_name"]

_programs = itertools.count(1)


class _Source:
    """Lines of code, and the objects they refer to (as globals of the generated code)."""

    def __init__(self):
        self.lines: list[str] = []
        self.globals = {
            "ndarray": np.ndarray,
            "asarray": np.asarray,
            "new": object.__new__,
            "fit": _fit_array,
            "wrap": _wrap,
            "as_output": _as_output,
        }
        self._names: dict[int, str] = {}

    def ref(self, obj: Any, name: str) -> str:
        """A global name for ``obj``: ``name``, numbered when taken by another object."""
        known = self._names.get(id(obj))
        if known is not None:
            return known
        name = re.sub(r"\W|^(?=\d)", "_", name)  # a valid identifier (e.g. from dtype '>f8')
        unique, n = name, 1
        while unique in self.globals:
            unique, n = f"{name}_{n}", n + 1
        self._names[id(obj)] = unique
        self.globals[unique] = obj
        return unique

    def add(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)


def generate(program: Any, value_shapes: list) -> tuple[str, Callable, Callable]:
    """Python source and functions ``forward(values, inputs)`` and ``backward(ctxs,
    grads)``; each backward pass inside the function gets its walk, ``backward_k`` (a pass
    walking as the outputs' shares theirs)."""
    src = _Source()
    passes = [step for step in program.steps if type(step) is PassStep]
    walks = {}  # walk key -> (function name, walk)
    for name, walk in [("backward", program.walk)] + [
        (f"backward_{k}", step.walk) for k, step in enumerate(passes, 1)
    ]:
        walks.setdefault(walk.key(), (name, walk))
    _forward(src, program, value_shapes)
    functions = [src.lines]
    for name, walk in walks.values():
        src.lines = []
        _backward(src, name, walk, program)
        functions.append(src.lines)
    text = "\n\n\n".join("\n".join(lines) for lines in functions) + "\n"
    filename = f"<ag.compile program {next(_programs)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)  # tracebacks
    namespace = dict(src.globals)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - our own code
    for step in passes:
        step.run.walk_fn = namespace[walks[step.walk.key()][0]]
    return text, namespace["forward"], namespace["backward"]


def helper_name(fn: Callable) -> str:
    """A readable name for a helper: ``Adam._step`` is ``Adam.step``, ``np.greater``
    is ``greater``."""
    name = getattr(fn, "__name__", "helper").lstrip("_") or "helper"
    owner = getattr(fn, "__self__", None)
    return name if owner is None else f"{type(owner).__name__}.{name}"


def _operand(src: _Source, source: Any) -> str:
    """The expression of an argument: a value, the call's Tensor argument, a tuple of
    them, or a constant (a literal where one reads better than a name)."""
    if type(source) is int:
        return f"v{source}"
    if type(source) is Input:  # a Tensor argument of the call itself
        return f"inputs[{source.index}]"
    if type(source) is Pack:  # a tuple (an index) holding traced arrays
        return "(" + "".join(_operand(src, s) + ", " for s in source.items) + ")"
    if source.value is None or type(source.value) in (bool, int, str):
        return repr(source.value)
    return src.ref(source.value, "const")


def _forward(src: _Source, program: Any, value_shapes: list) -> None:
    """forward(values, inputs): ``values`` holds the input arrays, ``inputs`` the input
    Tensors (where a backward pass inside delivers gradients); returns the outputs and the
    ctxs of the recorded nodes, in backward order."""
    src.add("def forward(values, inputs):", 0)
    for slot in program.input_slots:
        src.add(f"v{slot} = values[{slot}]")
    n_passes = 0
    for i, step in enumerate(program.steps):
        if type(step) is PassStep:  # loss.backward() inside: walk back from here
            n_passes += 1
            name = src.ref(step.run, f"backward_pass_{n_passes}")
            src.add(f"{name}(inputs, ({_ctxs(step.walk)}))")
        elif type(step) is HelperStep:  # a numpy helper (a comparison), a check or a side effect
            call = (
                f"{src.ref(step.fn, helper_name(step.fn))}"
                f"({', '.join(_operand(src, s) for s in step.fetch)})"
            )
            src.add(f"v{step.outs[0]} = asarray({call})" if step.outs else call)
        else:
            _op_call(src, step, f"c{i}", value_shapes)
    outputs = "".join(f"v{o.slot}, " if o.slot is not None else "None, " for o in program.outputs)
    src.add(f"return ({outputs}), ({_ctxs(program.walk)})")


def _ctxs(walk: Walk) -> str:
    return "".join(f"c{step.index}, " for step in walk.steps)


def _op_call(src: _Source, step: Any, ctx: str, value_shapes: list) -> None:
    """A primitive call: its ctx, its forward rule, and its results made arrays."""
    op = step.cls.__name__
    src.add(f"{ctx} = new({src.ref(step.cls, op)}){_prepare(src, ctx, step)}")
    args = [_operand(src, s) for s in step.fetch]
    keywords = ([f"**{src.ref(step.config, f'config_{ctx}')}"] if step.config else []) + [
        f"{key}={_operand(src, s)}" for key, s in step.dynamic.items()
    ]
    outs = [f"v{slot}" for slot in step.outs]
    forward = src.ref(step.cls.forward, op + "_forward")
    src.add(
        f"{', '.join(outs)}{',' if len(outs) > 1 else ''} = "
        f"{forward}({', '.join([ctx] + args + keywords)})"
    )
    for slot, name in zip(step.outs, outs):
        if value_shapes[slot] == () or not step.cls.array_rules:  # numpy scalars
            src.add(f"if type({name}) is not ndarray: {name} = as_output({op}, {name})")


def _prepare(src: _Source, ctx: str, step: Any) -> str:
    """What a node needs before forward: what its rules read of the ctx. A Primitive's
    saved values stay the plain arrays forward saved (``_replayed``); a custom Function
    unpacks them as in eager mode."""
    slots = ", ".join(f"{ctx}.{slot}" for slot in ENTRY_SLOTS)  # the node's input entries
    if not step.recorded:  # forward alone: a custom one may still ask needs_input_grad
        needs = (False,) * len(step.fetch)
        if step.cls.array_rules:
            return ""
        empty = packed_entries(())
        return f"; {slots} = {empty!r}; {ctx}._needs = {needs!r}; {ctx}._replayed = False"
    entries = src.ref(packed_entries(step.stand_ins), f"entries_{ctx}")
    code = f"; {slots} = {entries}; {ctx}._needs = {step.needs!r}"
    if step.cls.array_rules:
        return code + f"; {ctx}._replayed = True"
    return code + f"; {ctx}._replayed = False; {ctx}._saved = ()"


def _backward(src: _Source, name: str, walk: Walk, program: Any) -> None:
    """``name``(ctxs, grads): the gradients of the call's inputs (None where none), from
    the gradients of the walk's roots."""
    src.add(f"def {name}(ctxs, grads):", 0)
    inputs = [f"g{slot}" for slot in program.input_slots]
    if walk.steps:
        src.add(f"({_ctxs(walk)}) = ctxs")
        outputs = [f"g{slot}" for step in walk.steps for slot in program.steps[step.index].outs]
        src.add(" = ".join(outputs + ["None"]))
    if inputs:
        src.add(" = ".join(inputs + ["None"]))
    for i, root in enumerate(walk.roots):
        if root.node is not None:
            g = f"g{walk.gradient_slot(program.steps, False, root.node, root.output_nr, [])}"
            src.add(
                f"if grads[{i}] is not None: {g} = grads[{i}] if {g} is None else {g} + grads[{i}]"
            )
    for step in walk.steps:
        _rule_call(src, step, walk, program)
    src.add("return [" + "".join(f"{g}, " for g in inputs) + "]")


def _rule_call(src: _Source, step: Any, walk: Walk, program: Any) -> None:
    """A node's backward rule on the gradients of its outputs (when one has a gradient),
    and each of its gradients fitted and added to its destination."""
    ctx, cls = f"c{step.index}", step.cls
    grads = [f"g{slot}" for slot in program.steps[step.index].outs]
    src.add(f"if {' or '.join(g + ' is not None' for g in grads)}:")
    if not cls.array_rules:  # a custom rule written for Tensors
        grads = [f"(None if {g} is None else wrap({g}))" for g in grads]
    rule = src.ref(cls.backward, f"{cls.__name__}_backward")
    src.add(f"t = {rule}({', '.join([ctx] + grads)})", 2)
    src.add("if type(t) is not tuple: t = (t,)", 2)
    for route in step.routes:
        dest = "g" + str(
            walk.gradient_slot(
                program.steps, route.to_input, route.target, route.output_nr, program.input_slots
            )
        )
        data = route.stand_in._data
        like = src.ref(data, f"like_{data.dtype}")
        src.add(f"u = t[{route.operand}]", 2)
        src.add("if u is not None:", 2)
        src.add(
            f"if type(u) is not ndarray or u.shape != {data.shape!r} or u.dtype != "
            f"{src.ref(data.dtype, str(data.dtype))}: "
            f"u = fit({ctx}, {route.operand}, {like}, u)",
            3,
        )
        src.add(f"{dest} = u if {dest} is None else {dest} + u", 3)
