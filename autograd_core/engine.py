"""The reverse-mode engine: sort the graph, seed, call each node's rule once, accumulate.

The engine knows no specific op. It walks nodes in reverse topological order (each node
runs after all of its consumers, so diamonds and reused tensors get the sum over their
paths). A pass is seed → per-node step → deliver: the roots' gradients go to their nodes'
pending lists; each node's step runs its rule on its pending gradients, sums each result
down to its input's shape (central unbroadcasting), casts it to the input's dtype and adds
it to the pending list of the node that made the input; the leaves' gradients go to a
``Delivery`` (delivery.py), which stores them at the end. Saved tensors are freed unless
``retain_graph``. Everything is iterative: a chain of a million nodes needs no recursion.

An ordinary first-order pass (no ``create_graph``, no forward-mode tangents in the graph)
runs on plain numpy arrays: gradients travel as ndarrays (or as numpy float scalars, the
gradients of 0-d values), ``Primitive`` rules receive arrays, and only what the user sees
(``.grad``, hooks, retained and returned gradients) is wrapped in Tensors. A recorded pass
runs the same rules on Tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .anomaly import checked_backward
from .delivery import Delivery
from .grad_mode import current, shared
from .jit import capture
from .node import _FREED, Node
from .tensor import Tensor, _wrap
from .unbroadcast import FLOAT_SCALARS, _fit_array, _fit_tensor

__all__ = ["backward", "grad", "toposort"]

_EMIT = object()  # toposort's marker: the node under it has all its parents emitted


def toposort(roots: Sequence[Node | None]) -> list[Node]:
    """Nodes reachable from ``roots`` (grad_fn objects), each after all of its inputs' nodes.

    Iterative depth-first search with an explicit stack; shared by the engine and viz. A
    node is expanded when first popped: it goes back on the stack under an ``_EMIT``
    marker, above it its unvisited parents; popping the marker emits the node below it.
    """
    order, visited = [], set()
    stack = [node for node in reversed(roots) if node is not None]
    while stack:
        node = stack.pop()
        if node is _EMIT:
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(_EMIT)
        for entry in reversed(node._entries()):
            parent = (
                entry
                if isinstance(entry, Node)
                else entry.grad_fn
                if isinstance(entry, Tensor)
                else None
            )
            if parent is not None and parent not in visited:
                stack.append(parent)
    return order


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``retain_graph`` defaults to ``create_graph`` (a recorded backward pass usually gets
    differentiated again, through the same graph).
    """
    if retain_graph is None:
        retain_graph = create_graph
    _run(tensors, grad_tensors, retain_graph, create_graph, targets=None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned as a tuple (``.grad`` untouched).

    Like ``torch.autograd.grad``: ``grad_outputs`` are the cotangents (may be omitted for
    one-element outputs), ``retain_graph`` defaults to ``create_graph``, and an input that
    the outputs do not depend on is an error unless ``allow_unused=True`` (it gets None).
    """
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] (shape {t.shape}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if grad_outputs is not None:
        grad_outputs = _as_tuple(grad_outputs)
    targets = {}  # a leaf, or (node, output_nr) -> the positions it has in inputs
    for i, t in enumerate(inputs):
        key = t if t.grad_fn is None else (t.grad_fn, t._output_nr)
        targets.setdefault(key, []).append(i)
    results = [None] * len(inputs)
    _run(outputs, grad_outputs, retain_graph, create_graph, targets, results)
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"grad: inputs[{i}] (shape {inputs[i].shape}) appears to not have been used "
                "in the graph; set allow_unused=True if this is the desired behavior"
            )
    return tuple(results)


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    raise TypeError(f"expected a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _run(
    roots: Any,
    seeds: Any,
    retain_graph: bool,
    create_graph: bool,
    targets: dict | None,
    results: list | None = None,
    watch: Any = None,
) -> None:
    """One backward pass: seed, walk the graph, deliver the leaves' gradients.

    ``watch`` (optional, see backward_trace.py) is told each node's upstream gradients and
    each gradient passed on, with the running total at its destination."""
    roots = _as_tuple(roots)
    st = current()
    if st.tracer is not None:  # inside ag.compile: loss.backward() is captured
        capture.record_backward(roots, seeds, retain_graph, create_graph, targets)
        return
    if seeds is None:
        seeds = (None,) * len(roots)
    elif len(seeds) != len(roots):
        raise RuntimeError(f"backward: got {len(seeds)} gradients for {len(roots)} output tensors")
    order = toposort([r.grad_fn for r in roots])
    arrays = not create_graph and (
        not shared.tangents_made or all(node._out_tangents is None for node in order)
    )
    previous = st.grad_enabled, st.array_backward
    st.grad_enabled, st.array_backward = create_graph, arrays
    try:
        delivery = Delivery(targets, results, create_graph, arrays)
        pending = _seed_all(roots, seeds, delivery)
        anomaly = st.anomaly
        for node in reversed(order):
            grads = pending.pop(node, None)
            if grads is not None:
                _step(node, grads, pending, delivery, anomaly, watch)
                if not retain_graph:
                    node._saved = _FREED  # free what it saved
        delivery.finish()
    finally:
        st.grad_enabled, st.array_backward = previous


def _seed_all(roots: tuple, seeds: Sequence[Any], delivery: Delivery) -> dict:
    """The pending gradients (node -> one per output) the pass starts from: each root's
    seed, at its node (or delivered, for a root that is a leaf)."""
    pending = {}
    for i, (root, seed) in enumerate(zip(roots, seeds)):
        g = _seed(root, i, seed)
        delivery.seeded(g._data)
        g = g._data if delivery.arrays else g
        if root.grad_fn is None:
            delivery.add(root, g)
        else:
            _add_pending(pending, root.grad_fn, root._output_nr, g)
    return pending


def _seed(root: Any, index: int, grad_tensor: Any) -> Tensor:
    """The gradient a pass starts from at one root: ones for a one-element root."""
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: tensors[{index}] is a {type(root).__name__}, not a Tensor")
    if not root.requires_grad:
        raise RuntimeError(
            f"element {index} of tensors does not require grad and does not have a grad_fn "
            "(it was built from tensors with requires_grad=False, or under no_grad)"
        )
    if grad_tensor is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this output has "
                f"shape {root.shape}: pass grad=<tensor of shape {root.shape}> "
                "(e.g. ones_like(y)) to compute a vector-Jacobian product"
            )
        return _wrap(np.ones(root._data.shape, root._data.dtype))
    if not isinstance(grad_tensor, Tensor):
        grad_tensor = Tensor(grad_tensor, dtype=root.dtype)
    if grad_tensor.shape != root.shape:
        raise RuntimeError(
            f"backward: the grad passed for tensors[{index}] has shape {grad_tensor.shape}, "
            f"but the output has shape {root.shape}; they must match"
        )
    return grad_tensor if grad_tensor.dtype == root.dtype else grad_tensor.astype(root.dtype)


def _step(
    node: Node, grads: list, pending: dict, delivery: Delivery, anomaly: bool, watch: Any = None
) -> None:
    """One node of the walk: run its rule on its output gradients, then fit each input's
    gradient to that input and pass it on (to its node's pending list, or delivered)."""
    arrays = delivery.arrays
    if node._hooks is not None or node._retained is not None or node in delivery.watched:
        grads = delivery.observe(node, grads)
    if arrays and not node.array_rules:  # a custom rule written for Tensors
        grads = [None if g is None else _wrap(g) for g in grads]
    if watch is not None:
        watch.node(node, grads)
    input_grads = checked_backward(node, grads) if anomaly else node.backward(node, *grads)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    entries = node._entries()
    if len(input_grads) != len(entries):
        _check_count(node, input_grads, len(entries))
    for index, (entry, g) in enumerate(zip(entries, input_grads)):
        if g is None:
            continue
        if isinstance(entry, Node):  # a node standing for its single output
            parent, output_nr, data = entry, 0, entry._out
        elif isinstance(entry, Tensor) and entry._requires_grad:
            parent, output_nr, data = entry.grad_fn, entry._output_nr, entry._data
        else:
            continue
        if not arrays:
            g = _fit_tensor(node, index, data, g)
        elif (
            (type(g) is not np.ndarray and type(g) not in FLOAT_SCALARS)
            or g.shape != data.shape
            or g.dtype != data.dtype
        ):
            g = _fit_array(node, index, data, g)
        if parent is None:
            delivery.add(entry, g)
            if watch is not None:
                watch.edge(node, index, entry, g, delivery.totals[entry])
            continue
        grads = pending.get(parent)  # what _add_pending does
        if grads is None:
            grads = pending[parent] = [None] * parent._n_outputs
        grads[output_nr] = g if grads[output_nr] is None else grads[output_nr] + g
        if watch is not None:
            watch.edge(node, index, entry, g, grads[output_nr])


def _check_count(node: Node, input_grads: tuple, n_inputs: int) -> None:
    """A rule returns one gradient per input (extra trailing Nones are allowed)."""
    if len(input_grads) < n_inputs or any(g is not None for g in input_grads[n_inputs:]):
        raise RuntimeError(
            f"function {type(node).__name__}.backward returned an incorrect "
            f"number of gradients (expected {n_inputs}, got {len(input_grads)})"
        )


def _add_pending(pending: dict, node: Node, output_nr: int, g: Any) -> None:
    """Add ``g`` to the gradient waiting for output ``output_nr`` of ``node``."""
    grads = pending.get(node)
    if grads is None:
        grads = pending[node] = [None] * node._n_outputs
    grads[output_nr] = g if grads[output_nr] is None else grads[output_nr] + g
