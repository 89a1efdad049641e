"""The backward walk of a captured program: the engine's order, fixed once at trace time.

From the graph eager mode recorded while tracing, ``plan_walk`` computes the walk the
engine would make back from some roots: which recorded nodes it visits and in what order,
where each of a rule's gradients goes (an earlier node's output or an input of the call),
and where each root's gradient enters. Replaying the rules in this order, summing in this
order, gives the engine's gradients bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import toposort
from ..tensor import Tensor

__all__ = ["Route", "WalkStep", "Root", "Walk", "plan_walk"]


class Route(NamedTuple):
    """Where the gradient a rule returns for one of its inputs goes."""

    operand: int  # which input of the node (which item of the rule's result)
    stand_in: Tensor  # the shape and dtype the gradient must have
    to_input: bool  # True: an input of the call; False: an output of an earlier node
    target: int  # that input's index, or that node's position in the walk
    output_nr: int  # which output of that node (0 for an input)
    slot: int  # the value the gradient belongs to


class WalkStep(NamedTuple):
    """One rule the walk runs: the program step of its node, the op, its routes."""

    index: int
    cls: type
    n_outputs: int
    routes: tuple[Route, ...]


class Root(NamedTuple):
    """A root of the walk: where its gradient enters (``node``: a position in the walk, or
    None when no recorded node made it) and the shape, dtype and slot of its value."""

    node: int | None
    output_nr: int
    shape: tuple
    dtype: np.dtype
    slot: int | None


class Walk(NamedTuple):
    """One backward walk over a program's recorded nodes."""

    steps: list[WalkStep]
    roots: list[Root]

    def gradient_slot(
        self, steps: list, to_input: bool, target: int, output_nr: int, input_slots: list
    ) -> int:
        """The slot of the value a gradient belongs to: input ``target`` of the call, or
        output ``output_nr`` of the node at walk position ``target`` (``steps``: the
        program's steps)."""
        if to_input:
            return input_slots[target]
        return steps[self.steps[target].index].outs[output_nr]

    def key(self) -> tuple:
        """What the walk's code depends on: the nodes it visits and where roots enter."""
        return (
            tuple(step.index for step in self.steps),
            tuple((r.node, r.output_nr) if r.node is not None else None for r in self.roots),
        )


def plan_walk(roots: tuple, node_of: dict, stand_ins: dict, slots: dict, input_of: dict) -> Walk:
    """The walk the engine would make backward from ``roots`` (Tensors) over the recorded
    nodes. ``node_of``: id(node) -> its program step; ``stand_ins``: step -> the stand-ins
    of its inputs; ``slots``: id(array) -> slot; ``input_of``: slot -> input index."""
    tops = [o.grad_fn for o in roots if o.grad_fn is not None and id(o.grad_fn) in node_of]
    order = [node for node in reversed(toposort(tops)) if id(node) in node_of]
    position = {id(node): k for k, node in enumerate(order)}
    steps = []
    for node in order:
        index = node_of[id(node)]
        routes = tuple(
            _route(operand, inp, stand_ins[index][operand], position, slots, input_of)
            for operand, inp in enumerate(node.inputs)
            if isinstance(inp, Tensor) and inp._requires_grad
        )
        steps.append(WalkStep(index, type(node), node._n_outputs, routes))
    walk_roots = [
        Root(
            position.get(id(o.grad_fn)) if o.grad_fn is not None else None,
            o._output_nr,
            o._data.shape,
            o._data.dtype,
            slots.get(id(o._data)),
        )
        for o in roots
    ]
    return Walk(steps, walk_roots)


def _route(
    operand: int, inp: Tensor, stand_in: Tensor, position: dict, slots: dict, input_of: dict
) -> Route:
    """The route of the gradient of ``inp``, input ``operand`` of a node."""
    parent, slot = inp.grad_fn, slots[id(inp._data)]
    if parent is not None and id(parent) in position:
        return Route(operand, stand_in, False, position[id(parent)], inp._output_nr, slot)
    return Route(operand, stand_in, True, input_of[slot], 0, slot)
