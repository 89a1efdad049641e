"""``Compiled.code``: a captured program as a student would write it by hand.

The listing is made from the same steps and backward walks as the executed code
(``codegen.py``), with the bookkeeping left out: one line per primitive call in the op's
name (``v3 = exp(v2)``), then one line per backward rule in the engine's order
(``g2 = Exp.backward(g3)``), where ``gN`` is the gradient of ``vN``. Inputs keep readable
names: the function's parameter names for its Tensor arguments, and for Tensors read from
outside their ``.name``, the path the function reads them by (``model.0.weight``) or
``p0``, ``p1``... A gradient that adds to one already there is written ``g_x += t``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import op_name
from .codegen import helper_name
from .schedule import Walk
from .steps import HelperStep, PassStep
from .trace import Input, Pack

__all__ = ["listing"]

MAX_LITERAL = 40  # longer constants are shown by their type and shape


def listing(program: Any) -> str:
    """The program's forward (with any backward pass inside, at its place), then, when a
    caller can differentiate its result, its backward."""
    header = program.waves.describe().splitlines()[0] + "\n" if program.waves else ""
    return header + "\n".join(_Listing(program).lines()) + "\n"


class _Listing:
    """The lines of one program's listing, with the names of its values."""

    def __init__(self, program: Any):
        self.program = program
        self.inputs = list(program.names)  # the input values' names, in input order
        self.names = dict(zip(program.input_slots, self.inputs))  # slot -> name
        computed = (slot for step in program.steps for slot in getattr(step, "outs", ()))
        for k, slot in enumerate(computed, 1):
            self.names[slot] = f"v{k}"

    def lines(self) -> list[str]:
        """The forward function, then the backward a caller's pass runs, if any."""
        program, names = self.program, self.names
        arguments = ", ".join(self.inputs[: len(program.tensor_args)])
        lines = [f"def {_function_name(program.fn)}({arguments}):"]
        for step in program.steps:
            lines.extend("    " + line for line in self._forward(step))
        results = [
            names[o.slot] if o.slot is not None else self.inputs[o.input] for o in program.outputs
        ]
        lines.append("    return" + (" " + ", ".join(results) if results else ""))
        if program.needs_node and program.walk.steps:
            lines += ["", ""] + self._backward()
        return lines

    def _backward(self) -> list[str]:
        """``backward(g...)``: the gradients of the inputs from those of the results."""
        walk = self.program.walk
        roots = [self.gradient(r.slot) for r in walk.roots if r.node is not None]
        received = set(roots)
        lines = [_wrapped("def backward(", roots, "):")]
        lines += ["    " + line for line in self._walk(walk, received)]
        given = [g for g in map(_gradient_name, self.inputs) if g in received]
        returned = "    return " + ", ".join(given)
        return lines + [returned if len(returned) <= 100 else _wrapped("    return (", given, ")")]

    def gradient(self, slot: int) -> str:
        """The name of the gradient of a value: ``g3`` for ``v3``, ``g_x`` for ``x``."""
        return _gradient_name(self.names[slot])

    def _forward(self, step: Any) -> list[str]:
        """A step's lines: a call, or a backward pass inside (its rules, its delivery)."""
        if type(step) is PassStep:
            return self._backward_pass(step.walk)
        args = [self._operand(s) for s in step.fetch]
        if type(step) is HelperStep:
            call = f"{helper_name(step.fn)}({', '.join(args)})"
            return [f"{self.names[step.outs[0]]} = {call}" if step.outs else call]
        args += [f"{key}={_literal(value)}" for key, value in step.config.items()]
        args += [f"{key}={self._operand(s)}" for key, s in step.dynamic.items()]
        outs = ", ".join(self.names[slot] for slot in step.outs)
        return [f"{outs} = {op_name(step.cls)}({', '.join(args)})"]

    def _backward_pass(self, walk: Walk) -> list[str]:
        roots = ", ".join(self.names[r.slot] for r in walk.roots)
        seeds = ", ".join(f"{self.gradient(r.slot)} = {_ones(r.shape)}" for r in walk.roots)
        received = {self.gradient(r.slot) for r in walk.roots}
        lines = [f"# {roots}.backward(), from {seeds}"] + self._walk(walk, received)
        given = [name for name in self.inputs if _gradient_name(name) in received]
        return lines + [f"{name}.grad += {_gradient_name(name)}" for name in given]

    def _walk(self, walk: Walk, received: set) -> list[str]:
        """One line per rule of ``walk``; ``received``: the gradients that hold a value so
        far (updated as the rules give more)."""
        program, lines = self.program, []
        for step in walk.steps:
            node = program.steps[step.index]
            grads = [g if g in received else "None" for g in map(self.gradient, node.outs)]
            targets, adds = ["_"] * len(node.stand_ins), []
            for route in step.routes:
                target = self.gradient(
                    walk.gradient_slot(
                        program.steps,
                        route.to_input,
                        route.target,
                        route.output_nr,
                        program.input_slots,
                    )
                )
                if target in received:  # a gradient there already: add to it
                    temp = f"t{len(adds) + 1}" if adds else "t"
                    adds.append(f"{target} += {temp}")
                    target = temp
                else:
                    received.add(target)
                targets[route.operand] = target
            call = f"{', '.join(targets)} = {step.cls.__name__}.backward({', '.join(grads)})"
            lines.append("; ".join([call] + adds))
        return lines

    def _operand(self, source: Any) -> str:
        if type(source) is int:
            return self.names[source]
        if type(source) is Input:  # a Tensor argument of the call
            return self.inputs[source.index]
        if type(source) is Pack:  # a tuple holding traced values
            items = [self._operand(s) for s in source.items]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return _literal(source.value)


def _wrapped(head: str, items: list[str], tail: str) -> str:
    """``head`` + the items, comma separated, + ``tail``: on one line when it fits in 100
    characters, else over several, continuation lines aligned after ``head``."""
    line = head + ", ".join(items) + tail
    if len(line) <= 100:
        return line
    lines, line = [], head
    for k, item in enumerate(items):
        piece = item + ("," if k < len(items) - 1 else tail)
        if len(line) + len(piece) > 100 and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = " " * len(head)
        line += piece + " "
    return "\n".join(lines + [line.rstrip()])


def _function_name(fn: Callable) -> str:
    name = getattr(getattr(fn, "func", fn), "__name__", "")
    return name if name.isidentifier() else "f"


def _gradient_name(value: str) -> str:
    """``g3`` for ``v3``; ``g_x`` for an input ``x``, ``g_model_0_weight`` for
    ``model.0.weight``."""
    if re.fullmatch(r"v\d+", value):
        return "g" + value[1:]
    return "g_" + re.sub(r"\W+", "_", value).strip("_")


def _literal(value: Any) -> str:
    """A constant as it reads best: its repr when short, else its type and shape."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return repr(value.item())
        text = f"array({value.tolist()!r})" if value.size <= 6 else ""
    else:
        text = repr(value)
    if text and len(text) <= MAX_LITERAL:
        return text
    shape = getattr(value, "shape", None)
    return f"<{type(value).__name__}{'' if shape is None else f' of shape {shape}'}>"


def _ones(shape: tuple) -> str:
    return "1.0" if shape == () else f"ones({shape!r})"
