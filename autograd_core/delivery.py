"""Where a backward pass's gradients end up: what the user sees of them.

The engine hands each leaf's gradient contributions to a ``Delivery``, which sums them and
stores the total once, at the end of the pass: into ``.grad`` (``backward``) or into the
results ``ag.grad`` returns. On the way it runs the hooks, fills the ``.grad`` of
non-leaves that retain it, and captures the non-leaf gradients ``ag.grad`` asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .hooks import PostAccumulateHook
from .tensor import Tensor, _wrap


class Delivery:
    """Where the leaves' gradients of one pass go: into ``.grad`` (backward) or into the
    results (ag.grad). Each leaf's contributions are summed first (in the order they come,
    as the engine sums a node's) and stored once, at the end of the pass, as PyTorch adds
    a leaf's summed input buffer to ``.grad``; a leaf with hooks gets them on that total."""

    def __init__(
        self, targets: dict | None, results: list | None, create_graph: bool, arrays: bool
    ) -> None:
        self.targets, self.results, self.create_graph = targets, results, create_graph
        self.arrays = arrays  # contributions are arrays (else Tensors)
        self.handed_out = set()  # ids of memory already stored as some .grad this pass
        self.totals = {}  # leaf -> the sum of its contributions so far
        # the nodes whose output gradients ag.grad returns (leaves are caught in _store)
        self.watched = set() if targets is None else {k[0] for k in targets if type(k) is tuple}

    def add(self, leaf: Tensor, g: Any) -> None:
        """One more contribution to a leaf's gradient."""
        total = self.totals.get(leaf)
        self.totals[leaf] = g if total is None else total + g

    def seeded(self, seed: np.ndarray) -> None:
        """A seed's memory (the user's, or a new array of ones) is never stored as a .grad."""
        self.handed_out.add(id(_owner(seed)))

    def observe(self, node: Any, grads: list) -> list:
        """What the user sees of a node's output gradients: hooks (which may replace them),
        retained ``.grad`` of non-leaves and the gradients ``ag.grad`` returns: all Tensors."""
        if self.arrays:
            grads = [None if g is None else _wrap(g) for g in grads]
        if node._hooks is not None:
            _run_node_hooks(node, grads)
        if node._retained is not None:
            _fill_retained(node, grads)
        if self.targets is not None:
            _capture(node, grads, self.targets, self.results)
        if self.arrays:
            grads = [None if g is None else g._data for g in grads]
        return grads

    def finish(self) -> None:
        """Store every leaf's total; leaves with hooks last, through their hooks."""
        hooked = []
        for leaf, g in self.totals.items():
            if self.arrays:
                g = _wrap(g)
            if leaf._hooks:  # after the others: a post-accumulate hook sees them stored
                hooked.append((leaf, g))
            else:
                self._store(leaf, g)
        for leaf, g in hooked:
            self._store(
                leaf, _apply_hooks(leaf._hooks, g, leaf.shape, f"a leaf of shape {leaf.shape}")
            )
            if self.targets is None:  # .grad was updated: run the post-accumulate hooks
                for hook in list(leaf._hooks.values()):
                    if type(hook) is PostAccumulateHook:
                        hook.fn(leaf)

    def _store(self, leaf: Tensor, g: Tensor) -> None:
        """Add a leaf's total to ag.grad's result or to its ``.grad``."""
        if self.targets is not None:
            for i in self.targets.get(leaf, ()):
                self.results[i] = g if self.results[i] is None else self.results[i] + g
        elif self.create_graph:
            leaf._grad = g if leaf._grad is None else leaf._grad + g
        elif leaf._grad is None:
            data = g._data
            owner = data if data.base is None else _owner(data)
            if id(owner) in self.handed_out or not data.flags.writeable:
                data = owner = data.copy()  # two .grad tensors (or a seed) never share memory
            self.handed_out.add(id(owner))
            # an array-mode pass hands over a wrapper of its own: keep it
            leaf._grad = g if self.arrays and data is g._data else _wrap(data)
        else:
            leaf._grad = _wrap(leaf._grad._data + g._data)


def _deliver(leaves: list, grads: list, seeds: list) -> None:
    """Store one replayed backward pass's gradients (arrays, None where none) into the
    ``.grad`` of ``leaves``, as a pass of the engine stores them (ag.compile's replay)."""
    delivery = Delivery(None, None, False, True)
    for seed in seeds:
        delivery.handed_out.add(id(seed))
    for leaf, g in zip(leaves, grads):
        if g is not None:
            delivery.add(leaf, g)
    delivery.finish()


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` reads (itself unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _apply_hooks(hooks: dict, g: Tensor, shape: tuple, where: str) -> Tensor:
    """Run gradient hooks in order; a hook that returns a value replaces the gradient."""
    for hook in list(hooks.values()):
        if type(hook) is PostAccumulateHook:
            continue
        replaced = hook(g)
        if replaced is not None:
            if not isinstance(replaced, Tensor):
                replaced = _wrap(np.asarray(replaced, dtype=g.dtype))
            if replaced.shape != shape:
                raise RuntimeError(
                    f"a hook on {where} returned a gradient of shape {replaced.shape}; "
                    f"expected {shape}"
                )
            g = replaced
    return g


def _run_node_hooks(node: Any, grads: list) -> None:
    """The hooks registered on a node's outputs, each on its output's gradient."""
    for output_nr, hooks in node._hooks.items():
        if grads[output_nr] is not None and hooks:
            grads[output_nr] = _apply_hooks(
                hooks,
                grads[output_nr],
                grads[output_nr].shape,
                f"output {output_nr} of {type(node).__name__}",
            )


def _fill_retained(node: Any, grads: list) -> None:
    """Accumulate into the ``.grad`` of the node's outputs that retain their gradient."""
    for output_nr, ref in node._retained.items():
        tensor = ref()
        g = grads[output_nr]
        if tensor is not None and g is not None:
            tensor._grad = g if tensor._grad is None else tensor._grad + g


def _capture(node: Any, grads: list, targets: dict, results: list) -> None:
    """The gradients of the node's outputs that ag.grad asked for."""
    for output_nr, g in enumerate(grads):
        for i in targets.get((node, output_nr), ()):
            if g is not None:
                results[i] = g
