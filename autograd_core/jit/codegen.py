"""Straight-line Python for a captured program: ``ag.compile``'s node-by-node replay.

A traced program is a fixed list of primitive calls, so it can be written out as a Python
function with one line per call: no loop over steps, no lookups of where an operand lives,
every value in a local variable. ``forward`` calls each primitive's own forward rule;
``backward`` calls each recorded node's own backward rule, in the engine's order, and sums
the gradients exactly as the engine does. ``Compiled.code`` shows both functions.
"""

import itertools
import linecache
import re

import numpy as np

from ..engine import _fit_array
from ..function import _as_output, input_slots
from ..tensor import _wrap

__all__ = ["generate"]

_programs = itertools.count(1)


class _Source:
    """Lines of code, and the objects they refer to (as globals of the generated code)."""

    def __init__(self):
        self.lines = []
        self.globals = {"ndarray": np.ndarray, "asarray": np.asarray, "new": object.__new__,
                        "fit": _fit_array, "wrap": _wrap, "as_output": _as_output}
        self._names = {}

    def ref(self, obj, name):
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

    def add(self, line, depth=1):
        self.lines.append("    " * depth + line)


def generate(program, value_shapes):
    """Python source and functions ``forward(values, inputs)`` and ``backward(ctxs,
    grads)``; each backward pass inside the function gets its walk, ``backward_k``."""
    src = _Source()
    passes = [step for step in program.steps if step.schedule is not None]
    _forward(src, program, value_shapes, passes)
    functions = [src.lines]
    n_inputs = len(program.input_slots)
    walks = {}  # what a walk visits -> its function (a pass walking as the outputs' shares it)
    for name, schedule in [("backward", program.schedule)] + [
            (f"backward_{k}", step.schedule) for k, step in enumerate(passes, 1)]:
        walks.setdefault(_walk(schedule), (name, schedule))
    for name, schedule in walks.values():
        src.lines = []
        _backward(src, name, schedule, n_inputs)
        functions.append(src.lines)
    text = "\n\n\n".join("\n".join(lines) for lines in functions) + "\n"
    filename = f"<ag.compile program {next(_programs)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)  # tracebacks
    namespace = dict(src.globals)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - our own code
    for step in passes:
        step.forward.run = namespace[walks[_walk(step.schedule)][0]]
    return text, namespace["forward"], namespace["backward"]


def _name_of(fn):
    """A readable global name for a helper: ``Adam_step`` for a bound method ``_step``."""
    name = getattr(fn, "__name__", "helper").lstrip("_") or "helper"
    owner = getattr(fn, "__self__", None)
    return name if owner is None else f"{type(owner).__name__}_{name}"


def _walk(schedule):
    """What a backward walk's code depends on: the nodes it visits and where seeds enter."""
    return tuple(index for index, *_ in schedule.steps), tuple(schedule.seeds)


def _operand(src, source):
    if type(source) is int:
        return f"v{source}"
    if hasattr(source, "index"):  # a Tensor argument of the call itself
        return f"inputs[{source.index}]"
    if hasattr(source, "items"):  # a tuple (an index) holding traced arrays
        return "(" + "".join(_operand(src, s) + ", " for s in source.items) + ")"
    if source.value is None or type(source.value) in (bool, int, str):
        return repr(source.value)  # a literal reads better than a name
    return src.ref(source.value, "const")


def _forward(src, program, value_shapes, passes):
    """forward(values, inputs): ``values`` holds the input arrays, ``inputs`` the input
    Tensors (where a backward pass inside delivers gradients); returns the outputs and the
    ctxs of the recorded nodes, in backward order."""
    src.add("def forward(values, inputs):", 0)
    for slot in program.input_slots:
        src.add(f"v{slot} = values[{slot}]")
    for i, step in enumerate(program.steps):
        args = [_operand(src, s) for s in step.fetch]
        outs = [f"v{slot}" for slot in step.outs]
        if step.schedule is not None:  # loss.backward() inside: walk back from here
            ctxs = "".join(f"c{index}, " for index, *_ in step.schedule.steps)
            name = src.ref(step.forward, f"backward_pass_{passes.index(step) + 1}")
            src.add(f"{name}(inputs, ({ctxs}))")
            continue
        if step.cls is None:  # a numpy helper (a comparison), a check or a side effect
            name = _name_of(step.forward)
            call = f"{src.ref(step.forward, name)}({', '.join(args)})"
            src.add(f"{outs[0]} = asarray({call})" if outs else call)
            continue
        ctx = f"c{i}"
        op = step.cls.__name__
        src.add(f"{ctx} = new({src.ref(step.cls, op)})" + _prepare(src, ctx, step, i))
        static = {k: v for k, v in step.config.items() if k not in step.dynamic}
        keywords = ([f"**{src.ref(static, f'config_{i}')}"] if static else []) + [
            f"{key}={_operand(src, s)}" for key, s in step.dynamic.items()]
        call = f"{src.ref(step.forward, op + '_forward')}({', '.join([ctx] + args + keywords)})"
        src.add(f"{', '.join(outs)}{',' if len(outs) > 1 else ''} = {call}")
        for slot, name in zip(step.outs, outs):
            if value_shapes[slot] == () or not step.cls.array_rules:  # numpy scalars
                src.add(f"if type({name}) is not ndarray: {name} = as_output({op}, {name})")
    outputs = "".join(f"v{slot}, " if slot is not None else "None, "
                      for slot, _ in program.outputs)
    ctxs = "".join(f"c{index}, " for index, *_ in program.schedule.steps)
    src.add(f"return ({outputs}), ({ctxs})")


def _prepare(src, ctx, step, i):
    """What a node needs before forward: what its rules read of the ctx. A Primitive's
    saved values stay the plain arrays forward saved (``_replayed``); a custom Function
    unpacks them as in eager mode."""
    if not step.recorded:  # forward alone: a custom one may still ask needs_input_grad
        needs = (False,) * len(step.fetch)
        return "" if step.cls.array_rules else \
            f"; {ctx}._n_in = 0; {ctx}._needs = {needs!r}; {ctx}._replayed = False"
    slots = src.ref(input_slots(step.stand_ins), f"inputs_{i}")
    code = f"; {ctx}._n_in, {ctx}._in0, {ctx}._in1 = {slots}; {ctx}._needs = {step.needs!r}"
    if step.cls.array_rules:
        return code + f"; {ctx}._replayed = True"
    return code + f"; {ctx}._replayed = False; {ctx}._saved = ()"


def _backward(src, name, schedule, n_inputs):
    """``name``(ctxs, grads): the gradients of the call's inputs (None where none), from
    the gradients of the schedule's roots."""
    src.add(f"def {name}(ctxs, grads):", 0)
    if schedule.steps:
        src.add("(" + "".join(f"c{index}, " for index, *_ in schedule.steps) + ") = ctxs")
    for k, (_, _, _, n_outputs, _) in enumerate(schedule.steps):
        src.add(" = ".join([f"g{k}_{o}" for o in range(n_outputs)] + ["None"]))
    if n_inputs:
        src.add(" = ".join([f"r{j}" for j in range(n_inputs)] + ["None"]))
    for i, seed in enumerate(schedule.seeds):
        if seed is not None:
            g = f"g{seed[0]}_{seed[1]}"
            src.add(f"if grads[{i}] is not None: {g} = grads[{i}] if {g} is None "
                    f"else {g} + grads[{i}]")
    # (k, o) -> is g{k}_{o} an array nothing else holds? True when every contribution is a
    # fresh array from a fresh_grads rule (or a sum of them), never a seed from outside
    fresh = {seed: False for seed in schedule.seeds if seed is not None}
    for k, (index, cls, array_rules, n_outputs, routes) in enumerate(schedule.steps):
        grads = [f"g{k}_{o}" for o in range(n_outputs)]
        src.add(f"if {' or '.join(g + ' is not None' for g in grads)}:")
        if not array_rules:  # a custom rule written for Tensors
            grads = [f"(None if {g} is None else wrap({g}))" for g in grads]
        rule, name = cls.backward, f"{cls.__name__}_backward"
        if array_rules and n_outputs == 1 and fresh.get((k, 0)) \
                and cls.donated_backward is not None:
            rule, name = cls.donated_backward, f"{cls.__name__}_donated_backward"
        src.add(f"t = {src.ref(rule, name)}(c{index}, {', '.join(grads)})", 2)
        src.add("if type(t) is not tuple: t = (t,)", 2)
        for position, stand_in, shape, dtype, to_input, target, output_nr in routes:
            if not to_input:
                fresh[target, output_nr] = fresh.get((target, output_nr), True) and \
                    array_rules and cls.fresh_grads
            dest = f"r{target}" if to_input else f"g{target}_{output_nr}"
            src.add(f"u = t[{position}]", 2)
            src.add("if u is not None:", 2)
            src.add(f"if type(u) is not ndarray or u.shape != {shape!r} or u.dtype != "
                    f"{src.ref(dtype, str(dtype))}: u = fit(c{index}, {position}, "
                    f"{src.ref(stand_in._data, 'like_' + str(dtype))}, u)", 3)
            src.add(f"{dest} = u if {dest} is None else {dest} + u", 3)
    src.add("return [" + "".join(f"r{j}, " for j in range(n_inputs)) + "]")
