"""``trace_backward``: a record of one real backward pass, node by node, as the engine ran it.

The engine's ``_run`` accepts an optional observer (``watch``). ``trace_backward`` passes one
that writes down, for each node in the engine's own order (reverse topological order), the
upstream gradients its rule received and, for each input the rule sent a gradient to: the
local derivative ∂out/∂in, the contribution (the gradient passed on, fitted to the input's
shape) and the running sum at that input right after the engine added it. Where a tensor
is used twice, its second edge shows a running sum of two terms: the notes' "sum over
paths".

The pass is the ``ag.grad`` path of the engine (gradients are returned, never stored): no
``.grad`` changes, except that a non-leaf that ``retain_grad()``-ed gets its ``.grad`` back
as it was before. ``retain_graph=True`` keeps the graph usable afterwards. A graph whose saved
values an earlier ``backward()`` freed is replayed first (the same ops on copies of the same
leaves, so the same values, order, local derivatives and sums), and the record of the
replay's pass is mapped back to the graph's own nodes and tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import _run, toposort
from .graph import graph_tensors, replay, tensor_key
from .node import _FREED, Node
from .tensor import Tensor, _wrap

__all__ = ["BackwardEdge", "BackwardStep", "trace_backward"]


@dataclass
class BackwardEdge:
    """One gradient passed on by a node's rule to input number ``index``.

    ``key`` names the input as ``graph.tensor_key`` does: ``("leaf", id(leaf))`` for a leaf,
    ``(node, output_nr)`` for a result. ``local`` is ∂out/∂in (None unless both are one
    element), ``contribution`` the gradient passed on and ``total`` the running sum at the
    input right after it was added (``previous`` the sum before, None for the first term).
    """

    index: int
    key: tuple
    local: float | None
    contribution: np.ndarray
    total: np.ndarray
    previous: np.ndarray | None


@dataclass
class BackwardStep:
    """One node of the backward pass: its upstream gradients (one per output, None where
    none arrived) and the edges its rule sent gradients along, in input order."""

    node: Node
    upstream: list[np.ndarray | None]
    edges: list[BackwardEdge]


def trace_backward(root: Tensor) -> list[BackwardStep]:
    """Run the engine's backward pass from the one-element tensor ``root`` and record it.

    Returns one ``BackwardStep`` per node the pass ran, in the engine's order. The graph is
    retained and no ``.grad`` is changed (see the module docstring).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace_backward: root must be a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError(
            "trace_backward: root does not require grad (it was built from tensors with "
            "requires_grad=False, or under no_grad): there is no backward pass to trace"
        )
    if root.data.size != 1:
        raise RuntimeError(
            f"trace_backward: root has shape {root.shape}; the traced pass starts from a "
            "one-element tensor (a loss)"
        )
    if any(node._saved is _FREED for node in toposort([root.grad_fn])):
        return _trace_replay(root)
    leaves = _leaves(root)
    recorder = _Recorder()
    retained = _retained_grads(root)
    try:
        targets = {leaf: [i] for i, leaf in enumerate(leaves)}
        _run((root,), None, True, False, targets, [None] * len(leaves), recorder)
    finally:
        for tensor, grad in retained:
            tensor._grad = grad
    return recorder.steps


def _trace_replay(root: Tensor) -> list[BackwardStep]:
    """The record of the pass on a replay of ``root``'s graph, in the graph's own terms."""
    _, tensors = graph_tensors([root])
    new = replay(root)
    node_of, key_of = {}, {}
    for key, t in tensors.items():
        copy = new(t)
        key_of[tensor_key(copy)] = key
        if key[0] != "leaf":
            node_of[copy.grad_fn] = key[0]
    steps = trace_backward(new(root))
    for step in steps:
        step.node = node_of[step.node]
        for edge in step.edges:
            edge.key = key_of[edge.key]
    return steps


def _leaves(root: Tensor) -> list[Tensor]:
    """The leaves behind ``root`` that require grad (the pass's destinations)."""
    _, tensors = graph_tensors([root])
    return [t for key, t in tensors.items() if key[0] == "leaf" and t.requires_grad]


def _retained_grads(root: Tensor) -> list[tuple[Tensor, Any]]:
    """The non-leaves behind ``root`` that retain their gradient, with their ``.grad`` now."""
    retained = []
    for node in toposort([root.grad_fn]):
        for ref in (node._retained or {}).values():
            tensor = ref()
            if tensor is not None:
                retained.append((tensor, tensor._grad))
    return retained


def _array(g: Any) -> np.ndarray:
    """A copy of a gradient as the engine passes it (an array, a numpy scalar or a Tensor)."""
    return np.array(g._data if isinstance(g, Tensor) else g)


def _key(entry: Any) -> tuple:
    """``graph.tensor_key`` of an input entry (a Tensor, or a node standing for its output)."""
    return (entry, 0) if isinstance(entry, Node) else tensor_key(entry)


class _Recorder:
    """The engine's observer: ``node`` before each rule runs, ``edge`` per gradient passed."""

    def __init__(self) -> None:
        self.steps: list[BackwardStep] = []
        self.totals: dict[tuple, np.ndarray] = {}  # key -> running sum so far
        self.local: tuple = ()

    def node(self, node: Node, grads: list) -> None:
        upstream = [None if g is None else _array(g) for g in grads]
        self.steps.append(BackwardStep(node, upstream, []))
        self.local = _local_derivatives(node, grads)

    def edge(self, node: Node, index: int, entry: Any, g: Any, total: Any) -> None:
        key = _key(entry)
        local = self.local[index] if index < len(self.local) else None
        previous = self.totals.get(key)
        self.totals[key] = _array(total)
        self.steps[-1].edges.append(
            BackwardEdge(index, key, local, _array(g), self.totals[key], previous)
        )


def _local_derivatives(node: Node, grads: list) -> tuple:
    """∂out/∂in for each input of a node with one one-element output: the node's own rule
    called on a seed of ones (the engine's local derivative). None where not one element."""
    if len(grads) != 1 or grads[0] is None or np.size(_array(grads[0])) != 1:
        return ()
    g = grads[0]
    ones = _wrap(np.ones_like(g._data)) if isinstance(g, Tensor) else np.ones_like(g)
    result = node.backward(node, ones)
    result = result if type(result) is tuple else (result,)
    return tuple(
        None if r is None or np.size(_array(r)) != 1 else float(_array(r).reshape(()))
        for r in result
    )
