"""The reverse-mode engine: sort the graph, seed, call each node's rule once, accumulate.

The engine knows no specific op. It walks nodes in reverse topological order (each node
runs after all of its consumers, so diamonds and reused tensors get the sum over their
paths), sums every gradient down to its input's shape (central unbroadcasting), casts it to
the input's dtype, accumulates, and frees saved tensors unless ``retain_graph``.
Everything is iterative: a chain of a million nodes needs no recursion.

An ordinary first-order pass (no ``create_graph``, no forward-mode tangents in the graph)
runs on plain numpy arrays: gradients travel as ndarrays (or as numpy float scalars, the
gradients of 0-d values), ``Primitive`` rules receive arrays, and only what the user sees
(``.grad``, hooks, retained and returned gradients) is wrapped in Tensors. A recorded pass
runs the same rules on Tensors.
"""

import numpy as np

from .function import _FREED, Function, check_backward_values
from .grad_mode import current, shared
from .jit import capture
from .tensor import PostAccumulateHook, Tensor, _wrap

__all__ = ["backward", "grad", "toposort"]

ndarray = np.ndarray
# numpy's float scalars: what arithmetic on 0-d arrays returns. An array-mode pass lets them
# through as gradients of 0-d inputs (same numbers, and the next rule's arithmetic on a
# scalar is several times cheaper than on a 0-d array); leaves get them as 0-d arrays.
FLOAT_SCALARS = frozenset([np.float16, np.float32, np.float64, np.longdouble])


def toposort(roots):
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
        n = node._n_in  # node._entries(), inline
        for inp in (node._in1, node._in0) if n == 2 else (node._in0,) if n == 1 else \
                reversed(node._in0) if n else ():
            if isinstance(inp, Function):
                if inp not in visited:
                    stack.append(inp)
            elif isinstance(inp, Tensor):
                parent = inp.grad_fn
                if parent is not None and parent not in visited:
                    stack.append(parent)
    return order


_EMIT = object()  # toposort's marker: the node under it has all its parents emitted


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``retain_graph`` defaults to ``create_graph`` (a recorded backward pass usually gets
    differentiated again, through the same graph).
    """
    if retain_graph is None:
        retain_graph = create_graph
    _run(tensors, grad_tensors, retain_graph, create_graph, targets=None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned as a tuple (``.grad`` untouched).

    Like ``torch.autograd.grad``: ``grad_outputs`` are the cotangents (may be omitted for
    one-element outputs), ``retain_graph`` defaults to ``create_graph``, and an input that
    the outputs do not depend on is an error unless ``allow_unused=True`` (it gets None).
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"grad: inputs[{i}] (shape {t.shape}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if grad_outputs is not None:
        grad_outputs = _as_tuple(grad_outputs)
    targets = {}
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


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    raise TypeError(f"expected a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _seed(root, index, grad_tensor):
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
    if grad_tensor.dtype != root.dtype:
        grad_tensor = grad_tensor.astype(root.dtype)
    return grad_tensor


def _run(roots, seeds, retain_graph, create_graph, targets, results=None):
    roots = _as_tuple(roots)
    st = current()
    if st.tracer is not None:  # inside ag.compile: loss.backward() is captured
        capture.record_backward(roots, seeds, retain_graph, create_graph, targets)
        return
    if seeds is None:
        seeds = (None,) * len(roots)
    elif len(seeds) != len(roots):
        raise RuntimeError(
            f"backward: got {len(seeds)} gradients for {len(roots)} output tensors"
        )
    order = toposort([r.grad_fn for r in roots])
    arrays = not create_graph and (not shared.tangents_made
                                   or all(node._out_tangents is None for node in order))
    previous = st.grad_enabled, st.array_backward
    st.grad_enabled, st.array_backward = create_graph, arrays
    try:
        pending = {}  # node -> list of gradients, one per output
        delivery = _Delivery(targets, results, create_graph, arrays)
        for i, (root, seed) in enumerate(zip(roots, seeds)):
            g = _seed(root, i, seed)
            delivery.handed_out.add(id(_owner(g._data)))
            if root.grad_fn is None:
                delivery.add(root, g._data if arrays else g)
            else:
                _add_pending(pending, root.grad_fn, root._output_nr, g._data if arrays else g)
        # the nodes whose output gradients ag.grad returns (leaves are caught on delivery)
        watched = set() if targets is None else {k[0] for k in targets if type(k) is tuple}
        anomaly = st.anomaly
        # nodes with a donated_backward whose pending gradient is an array nothing else
        # holds: a fresh_grads rule's result, or a sum of contributions (a new array)
        owned = set()
        for node in reversed(order):
            grads = pending.pop(node, None)
            if grads is None:
                continue
            observed = node._hooks is not None or node._retained is not None or node in watched
            if observed:
                grads = _observe(node, grads, arrays, targets, results)
            if arrays and not node.array_rules:  # a custom rule written for Tensors
                grads = [None if g is None else _wrap(g) for g in grads]
            if anomaly:
                input_grads = _checked_backward(node, grads)
            elif owned and node in owned and not observed:  # may write into its gradient
                input_grads = node.donated_backward(node, *grads)
            else:
                input_grads = node.backward(node, *grads)
            fresh = arrays and node.fresh_grads
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            n = node._n_in  # node._entries(), inline
            inputs = (node._in0, node._in1) if n == 2 else (node._in0,) if n == 1 else \
                node._in0 if n else ()
            if len(input_grads) != len(inputs):
                if len(input_grads) < len(inputs) or any(
                    g is not None for g in input_grads[len(inputs):]
                ):
                    raise RuntimeError(
                        f"function {type(node).__name__}.backward returned an incorrect "
                        f"number of gradients (expected {len(inputs)}, got {len(input_grads)})"
                    )
            for index, (inp, g) in enumerate(zip(inputs, input_grads)):
                if g is None:
                    continue
                if isinstance(inp, Function):  # a node standing for its single output
                    parent, output_nr, data = inp, 0, inp._out
                elif isinstance(inp, Tensor) and inp._requires_grad:
                    parent, output_nr, data = inp.grad_fn, inp._output_nr, inp._data
                else:
                    continue
                if not arrays:
                    g = _fit(node, index, data, g)
                elif (type(g) is not ndarray and type(g) not in FLOAT_SCALARS) \
                        or g.shape != data.shape or g.dtype != data.dtype:
                    g = _fit_array(node, index, data, g)
                if parent is None:
                    delivery.add(inp, g)
                    continue
                grads = pending.get(parent)  # _add_pending(pending, parent, ...), inline
                if grads is None:
                    grads = pending[parent] = [None] * parent._n_outputs
                if grads[output_nr] is None:
                    grads[output_nr] = g
                    if fresh and parent.donated_backward is not None:
                        owned.add(parent)
                else:
                    grads[output_nr] = grads[output_nr] + g
                    if arrays and parent.donated_backward is not None:
                        owned.add(parent)
            if not retain_graph:
                node._saved = _FREED  # free what it saved
        delivery.finish()
    finally:
        st.grad_enabled, st.array_backward = previous


def _observe(node, grads, arrays, targets, results):
    """What the user sees of a node's output gradients: hooks (which may replace them),
    retained ``.grad`` of non-leaves and the gradients ``ag.grad`` returns: all Tensors."""
    if arrays:
        grads = [None if g is None else _wrap(g) for g in grads]
    if node._hooks is not None:
        _run_node_hooks(node, grads)
    if node._retained is not None:
        _fill_retained(node, grads)
    if targets is not None:
        _capture(node, grads, targets, results)
    if arrays:
        grads = [None if g is None else g._data for g in grads]
    return grads


def _checked_backward(node, grads):
    """detect_anomaly: run the rule with its inner ops unchecked, then check its result, so
    that a NaN is reported as coming from this node's backward, with its forward origin."""
    st = current()
    st.anomaly = False
    try:
        input_grads = node.backward(node, *grads)
    finally:
        st.anomaly = True
    check_backward_values(node, input_grads if type(input_grads) is tuple else (input_grads,))
    return input_grads


def _add_pending(pending, node, output_nr, g):
    grads = pending.get(node)
    if grads is None:
        grads = pending[node] = [None] * node._n_outputs
    grads[output_nr] = g if grads[output_nr] is None else grads[output_nr] + g


def _apply_hooks(hooks, g, shape, where):
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


def _run_node_hooks(node, grads):
    for output_nr, hooks in node._hooks.items():
        if grads[output_nr] is not None and hooks:
            grads[output_nr] = _apply_hooks(hooks, grads[output_nr], grads[output_nr].shape,
                                            f"output {output_nr} of {type(node).__name__}")


class _Delivery:
    """Where the leaves' gradients of one pass go: into ``.grad`` (backward) or into the
    results (ag.grad). Each leaf's contributions are summed first (in the order they come,
    as the engine sums a node's) and stored once, at the end of the pass, as PyTorch adds
    a leaf's summed input buffer to ``.grad``; a leaf with hooks gets them on that total."""

    def __init__(self, targets, results, create_graph, arrays):
        self.targets, self.results, self.create_graph = targets, results, create_graph
        self.arrays = arrays  # contributions are arrays (else Tensors)
        self.handed_out = set()  # ids of memory already stored as some .grad this pass
        self.totals = {}  # leaf -> the sum of its contributions so far

    def add(self, leaf, g):
        total = self.totals.get(leaf)
        self.totals[leaf] = g if total is None else total + g

    def finish(self):
        hooked = []
        for leaf, g in self.totals.items():
            if self.arrays:
                g = _wrap(g)
            if leaf._hooks:  # after the others: a post-accumulate hook sees them stored
                hooked.append((leaf, g))
            else:
                self._store(leaf, g)
        for leaf, g in hooked:
            self._store(leaf, _apply_hooks(leaf._hooks, g, leaf.shape,
                                           f"a leaf of shape {leaf.shape}"))
            if self.targets is None:  # .grad was updated: run the post-accumulate hooks
                for hook in list(leaf._hooks.values()):
                    if type(hook) is PostAccumulateHook:
                        hook.fn(leaf)

    def _store(self, leaf, g):
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


def _deliver(leaves, grads, seeds):
    """Store one replayed backward pass's gradients (arrays, None where none) into the
    ``.grad`` of ``leaves``, as a pass of the engine stores them (ag.compile's replay)."""
    delivery = _Delivery(None, None, False, True)
    for seed in seeds:
        delivery.handed_out.add(id(seed))
    for leaf, g in zip(leaves, grads):
        if g is not None:
            delivery.add(leaf, g)
    delivery.finish()


def _owner(array):
    """The array that owns the memory ``array`` reads (itself unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _fill_retained(node, grads):
    for output_nr, ref in node._retained.items():
        tensor = ref()
        g = grads[output_nr]
        if tensor is not None and g is not None:
            tensor._grad = g if tensor._grad is None else tensor._grad + g


def _capture(node, grads, targets, results):
    for output_nr, g in enumerate(grads):
        for i in targets.get((node, output_nr), ()):
            if g is not None:
                results[i] = g


def _fit_array(node, index, data, g):
    """Make a rule's gradient an ndarray of the input's shape and dtype (array mode)."""
    if type(g) is not np.ndarray:
        g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=data.dtype)
    if g.shape != data.shape:
        _check_reducible(node, index, data.shape, g.shape)
        g = sum_to_shape(g, data.shape)
    if g.dtype != data.dtype:
        g = g.astype(data.dtype)
    return g


def _fit(node, index, data, g):
    """Make a rule's gradient a Tensor of the input's shape and dtype (sum over broadcast);
    ``data`` is the input's array."""
    shape, dtype = data.shape, data.dtype
    if type(g) is Tensor and g._data.shape == shape and g._data.dtype == dtype:
        return g
    if not isinstance(g, Tensor):
        g = _wrap(np.asarray(g, dtype=dtype))
    if g.shape != shape:
        _check_reducible(node, index, shape, g.shape)
        g = sum_to_shape(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _check_reducible(node, index, shape, got):
    """A rule's gradient must have the input's shape or one that broadcasting reduces to it."""
    try:
        compatible = np.broadcast_shapes(shape, got) == got
    except ValueError:
        compatible = False
    if not compatible:
        raise RuntimeError(
            f"function {type(node).__name__}.backward returned an invalid gradient at "
            f"index {index}: got shape {got} but expected shape {shape} "
            "(or one that broadcasting reduces to it)"
        )


def sum_to_shape(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched to reach its shape."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = g.reshape(shape)
    return g
