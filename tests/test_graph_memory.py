"""What a graph keeps alive and when it lets go: nodes instead of intermediate tensors,
saved arrays freed as backward returns (or kept with retain_graph), nothing saved under
no_grad, flat memory over training steps and no reference cycles."""

import gc
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.engine import toposort
from autograd_core.ops import Relu

from .helpers import leaf


# ------------------------------------------------------------------ what a graph keeps
def test_graph_keeps_nodes_not_intermediate_tensors():
    """A consumer keeps the node that made its input, not the input's Tensor object: an
    intermediate the user drops is freed at once (no gc), and backward is unchanged."""
    x = leaf([1.0, 2.0])
    h = x * 2.0
    ref = weakref.ref(h)
    y = (h * h).sum()
    del h
    assert ref() is None
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [8.0, 16.0])


def test_a_chain_costs_the_collector_one_object_per_op():
    """The node is the only object a recorded op leaves for the garbage collector to scan
    (no Tensor, no tuple of inputs): this is what keeps a 10^6-node graph fast with gc on."""
    x = leaf(1.0)
    gc.collect()
    before = len(gc.get_objects())
    y = x
    for _ in range(2000):
        y = y * -1.0 + 1.0
    after = len(gc.get_objects())
    assert after - before <= 4000 + 50  # 4000 nodes, a little slack for interpreter noise
    y.backward()
    assert x.grad.item() == 1.0


def test_inputs_rebuilds_tensors_on_the_same_data():
    """``node.inputs`` gives the recorded arguments back: a dropped intermediate as a new
    Tensor on the same array, with its node, output index and name."""
    x = leaf([1.0, 2.0])
    h = x * 2.0
    data = h.data
    y = h * 3.0
    h.name = "h"  # named after it was consumed: the node keeps the name
    del h
    rebuilt, constant = y.grad_fn.inputs
    assert rebuilt.data is data and rebuilt.grad_fn is not None and rebuilt.name == "h"
    assert constant == 3.0 and rebuilt.requires_grad
    assert rebuilt.grad_fn.inputs[0] is x  # a leaf is kept as itself


def test_in_place_change_of_a_consumed_intermediate_is_caught():
    """The version counter of an intermediate lives with its node, so a consumer that kept
    only the node still sees an in-place change made through the Tensor or a view of it."""
    x = leaf([1.0, 2.0])
    for modify in (lambda h: h.mul_(2.0), lambda h: h[0:1].add_(1.0), lambda h: h.detach().zero_()):
        h = x * 2.0
        y = (h * h).sum()  # Mul saves h
        with ag.no_grad():
            modify(h)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_retained_grad_of_a_consumed_intermediate():
    """``retain_grad`` still fills the user's own Tensor, and ``node.inputs`` returns it."""
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.retain_grad()
    y = (h * h).sum()
    square = y.grad_fn.inputs[0].grad_fn
    assert square.inputs[0] is h
    y.backward()
    np.testing.assert_array_equal(h.grad.data, [4.0, 8.0])


# ------------------------------------------------------------------ memory release
def _saved_constants(root):
    """Weak references to every constant ndarray saved by the nodes of root's graph."""
    refs = []
    for node in toposort([root.grad_fn]):
        saved = node._saved  # not a tuple where forward saved exactly its inputs
        for value in saved if isinstance(saved, tuple) else ():
            if isinstance(value, np.ndarray):
                refs.append(weakref.ref(value))
    return refs


SAVES_CONSTANT = [
    ("relu", lambda x: ag.relu(x)),
    ("abs", lambda x: ag.abs(x)),
    ("clip", lambda x: x.clip(-0.5, 0.5)),
    ("maximum", lambda x: ag.maximum(x, x * 0.5)),
    ("max", lambda x: x.max(axis=0)),
    ("min", lambda x: x.min()),
]


@pytest.mark.parametrize("name, f", SAVES_CONSTANT, ids=[r[0] for r in SAVES_CONSTANT])
def test_saved_constant_arrays_die_after_backward(name, f):
    """With retain_graph=False, saved constant arrays (relu's mask, abs's sign, max's
    weights) are released as backward returns, without gc.collect()."""
    x = leaf([-1.0, 0.3, 2.0])
    y = f(x)
    refs = _saved_constants(y)
    assert refs and all(r() is not None for r in refs)
    gc.disable()
    try:
        y.sum().backward()
        assert all(r() is None for r in refs)
    finally:
        gc.enable()
    assert y.grad_fn is not None  # the node is still there; only its saved arrays went


def test_relu_mask_dies_after_backward():
    """relu's mask, read from y.grad_fn._saved, is gone as soon as backward returns."""
    x = leaf([-1.0, 0.0, 2.0])
    y = ag.relu(x)
    mask_ref = weakref.ref(y.grad_fn._saved[0])
    assert mask_ref() is not None
    gc.disable()
    try:
        y.sum().backward()
        assert mask_ref() is None
    finally:
        gc.enable()


def test_where_condition_lives_with_the_graph_and_dies_with_it():
    """where's condition is an input of its node (like the input tensors, it is part of the
    graph's structure, which viz can still draw after backward): it is freed with the graph."""
    x = leaf([1.0, -2.0, 3.0])
    cond = x.data > 0
    ref = weakref.ref(cond)
    y = ag.where(cond, x, x * 2)
    del cond
    gc.disable()
    try:
        y.sum().backward()
        assert ref() is not None
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_saved_constants_survive_with_retain_graph():
    x = leaf([-1.0, 0.0, 2.0])
    y = ag.relu(x)
    mask_ref = weakref.ref(y.grad_fn._saved[0])
    y.sum().backward(retain_graph=True)
    assert mask_ref() is not None


def test_whole_graph_releases_saved_constants():
    """Every saved constant of a small network dies after one backward."""
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4, 3)))
    w = leaf(rng.standard_normal((3, 5)))
    h = ag.relu(x @ w)
    y = ag.maximum(h, h * 0.1).max(axis=1).abs().sum()
    refs = _saved_constants(y)
    assert len(refs) >= 3
    gc.disable()
    try:
        y.backward()
        assert [r() is None for r in refs] == [True] * len(refs)
    finally:
        gc.enable()


class _SpyRelu(Relu):
    """Relu that remembers a weak reference to the mask its forward saved."""

    refs = []

    @staticmethod
    def forward(ctx, a):
        out = Relu.forward(ctx, a)
        _SpyRelu.refs.append(weakref.ref(ctx._saved[0]))
        return out


def test_no_grad_keeps_no_saved_arrays():
    """Under no_grad a primitive's saved arrays are dropped as soon as it returns; in grad
    mode the same call keeps them."""
    _SpyRelu.refs.clear()
    x = leaf([-1.0, 2.0])
    gc.disable()
    try:
        with ag.no_grad():
            y = _SpyRelu.apply(x)
        assert y.grad_fn is None
        assert _SpyRelu.refs[0]() is None
        z = _SpyRelu.apply(x)
        assert _SpyRelu.refs[1]() is not None
        assert z.grad_fn is not None
    finally:
        gc.enable()


def test_constant_inputs_keep_no_graph():
    """Ops on tensors that require no grad record nothing (same as no_grad)."""
    _SpyRelu.refs.clear()
    y = _SpyRelu.apply(ag.tensor([-1.0, 2.0]))
    assert y.grad_fn is None and _SpyRelu.refs[0]() is None


def _mlp_step_factory():
    rng = np.random.default_rng(0)
    X = ag.tensor(rng.standard_normal((32, 4)))
    T = ag.tensor(rng.standard_normal((32, 1)))
    params = [
        leaf(rng.standard_normal((4, 16)) * 0.5),
        leaf(np.zeros(16)),
        leaf(rng.standard_normal((16, 1)) * 0.5),
        leaf(np.zeros(1)),
    ]
    losses = []

    def step():
        w1, b1, w2, b2 = params
        h = ag.tanh(X @ w1 + b1)
        out = ag.relu(h @ w2 + b2) + ag.sigmoid(h).mean(axis=1, keepdims=True)
        loss = ((out - T) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            for p in params:
                p.data = p.data - 0.05 * p.grad.data
                p.zero_grad()
        losses.append(loss.item())

    return step, losses


def test_memory_flat_over_training_steps():
    """Repeated forward/backward/update of a small MLP built from ag ops: the tracemalloc
    peak and current memory of steps 181-200 are not above those of steps 1-20 (a pinned
    graph would add ~25 KB a step). Each window starts and ends with gc.collect(), which
    also empties CPython's tuple free lists (they otherwise look like slow growth)."""
    step, losses = _mlp_step_factory()

    def window(n):
        gc.collect()
        tracemalloc.reset_peak()
        for _ in range(n):
            step()
        gc.collect()
        return tracemalloc.get_traced_memory()

    tracemalloc.start()
    try:
        current_a, peak_a = window(20)
        for _ in range(160):
            step()
        current_b, peak_b = window(20)
    finally:
        tracemalloc.stop()
    assert losses[-1] < losses[0]
    margin = 32 * 1024
    assert current_b <= current_a + margin, (current_a, current_b)
    assert peak_b <= peak_a + margin, (peak_a, peak_b)


def test_training_step_creates_no_reference_cycles():
    """Graphs are freed by reference counting alone: a step leaves no cyclic garbage."""
    step, _ = _mlp_step_factory()
    step()
    gc.collect()
    gc.disable()
    try:
        step()
        assert gc.collect() == 0
    finally:
        gc.enable()


# ------------------------------------------------------------------ what a user keeps
def test_create_graph_backward_leaves_no_silent_reference_cycle():
    """backward(create_graph=True) makes x.grad depend on a graph that holds x: either the
    library avoids the cycle (x is freed by reference counting alone) or, as PyTorch, it
    warns that a reference cycle was created."""
    gc.collect()
    gc.disable()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = leaf([1.0, 2.0])
            (x * x).sum().backward(create_graph=True)
        ref = weakref.ref(x)
        del x
        freed = ref() is None
    finally:
        gc.enable()
        gc.collect()
    warned = any("reference cycle" in str(w.message) for w in caught)
    assert freed or warned, (
        "backward(create_graph=True) created a reference cycle x -> x.grad -> grad_fn -> x "
        "silently (no UserWarning mentioning 'reference cycle', as PyTorch gives)"
    )


def _tanh_loss_factory():
    """A function that records a small loss, ``sum(tanh(x @ w))``, on each call."""
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((8, 8)))
    x = ag.tensor(rng.standard_normal((16, 8)))
    return lambda: ag.tanh(x @ w).sum()


def test_stored_loss_tensors_pin_their_graphs():
    """Keeping loss tensors keeps their graphs (and saved arrays) alive until they go."""
    step = _tanh_loss_factory()
    kept = [step() for _ in range(3)]
    refs = [weakref.ref(loss.grad_fn) for loss in kept]
    gc.collect()
    assert all(r() is not None for r in refs)
    del kept
    gc.collect()
    assert all(r() is None for r in refs)


def test_logging_item_keeps_memory_flat():
    """Keeping .item() keeps only a float: memory stays flat over many steps."""
    step = _tanh_loss_factory()
    log = []

    def window(n):
        gc.collect()
        tracemalloc.reset_peak()
        for _ in range(n):
            log.append(step().item())
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        first = window(50)
        window(200)
        last = window(50)
    finally:
        tracemalloc.stop()
    assert all(isinstance(v, float) for v in log)
    assert last <= first + 16 * 1024, (first, last)
