"""Reading a recorded graph: its tensors in creation order, and replaying it.

A replay re-runs every recorded op on fresh copies of the leaves (optionally dual ones),
which gives forward-mode tangents and reverse-mode adjoints of every intermediate tensor
even after ``backward`` has freed what the original graph saved. ``viz`` uses it.
"""

import numpy as np

from .engine import toposort
from .forward_ad import dual
from .tensor import Tensor, _wrap

__all__ = ["graph_tensors", "replay", "tensor_key"]


def tensor_key(t):
    """Identity of a tensor in the graph: a leaf by object, a result by (node, output)."""
    return ("leaf", id(t)) if t.grad_fn is None else (t.grad_fn, t._output_nr)


def graph_tensors(roots):
    """``(nodes, tensors)``: the nodes in creation order and every Tensor object the graph
    references (the roots and every node's tensor inputs), keyed by ``tensor_key``."""
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    nodes = sorted(toposort([r.grad_fn for r in roots]), key=lambda n: n.seq)
    tensors = {}
    for node in nodes:
        for inp in node.inputs:
            if isinstance(inp, Tensor):
                tensors.setdefault(tensor_key(inp), inp)
    for r in roots:
        tensors.setdefault(tensor_key(r), r)
    return nodes, tensors


def replay(roots, tangents=None, requires_grad=True):
    """Re-run the graph of ``roots`` on fresh leaves; returns ``old tensor -> new tensor``.

    ``tangents`` maps leaf tensors (by identity) to tangent arrays, making those leaves dual.
    New leaves copy the old values and require grad where the old ones did (and
    ``requires_grad`` is true).
    """
    nodes, _ = graph_tensors(roots)
    tangents = {id(k): v for k, v in (tangents or {}).items()}
    new = {}

    def fresh(t):
        if not isinstance(t, Tensor):
            return t
        key = tensor_key(t)
        if key not in new:
            leaf = _wrap(np.array(t._data))
            leaf.requires_grad = bool(requires_grad and t.requires_grad)
            leaf.name = t.name
            if id(t) in tangents:
                leaf = dual(leaf, _wrap(np.asarray(tangents[id(t)], dtype=t.dtype)))
            new[key] = leaf
        return new[key]

    for node in nodes:
        outs = type(node).apply(*[fresh(a) for a in node.inputs], **(node.config or {}))
        for index, out in enumerate(outs if isinstance(outs, tuple) else (outs,)):
            new[(node, index)] = out
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    for r in roots:
        fresh(r)
    return lambda t: fresh(t) if t.grad_fn is None else new[tensor_key(t)]
