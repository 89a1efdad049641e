"""RELIABILITY.md §1-3 and §6, the items that no other test file pins down yet (the map of
every item to its tests is in the reliability report; in-place, hooks and anomaly mode,
items 10-12, 14 and 15, are in tests/test_inplace_hooks_anomaly.py). One test per item,
named ``test_item_NN_...``.
"""

import gc
import time
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from autograd_core.engine import toposort


def leaf(value, dtype=np.float64):
    return ag.tensor(np.asarray(value, dtype=dtype), requires_grad=True)


def strict():
    """Overflow, invalid and divide-by-zero raise (underflow to 0 is exact enough)."""
    return np.errstate(all="raise", under="ignore")


# ------------------------------------------------------------------ §1 engine semantics
def test_item_05_backward_with_a_gradient_gives_the_vector_jacobian_product():
    """y.backward(v) on a non-scalar y accumulates vᵀJ (ones_like(y) gives the column sums),
    and the result equals ag.grad with the same grad_outputs."""
    x = leaf([1.0, 2.0, 3.0])
    y = ag.stack([x * x, x * 3.0])  # J = [[diag(2x)], [3 I]]
    y.backward(ag.ones_like(y))
    np.testing.assert_array_equal(x.grad.data, 2 * x.data + 3)
    v = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]])
    x2 = leaf([1.0, 2.0, 3.0])
    (g,) = ag.grad(ag.stack([x2 * x2, x2 * 3.0]), x2, grad_outputs=ag.tensor(v))
    np.testing.assert_array_equal(g.data, v[0] * 2 * x2.data + v[1] * 3)


# ------------------------------------------------------------------ §2 numerical stability
def test_item_22_division_by_zero_masked_afterwards_still_gives_nan():
    """x/0 is ±inf (IEEE); masking the output does not clean the gradient (PyTorch gives
    [nan, 1]), and neither does where(x > 0, log x, 0) at 0; the double-where pattern (mask
    the input, then the output) gives a finite gradient without any floating-point error."""
    x = leaf([1.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x / ag.tensor([0.0, 1.0])
        assert y.data[0] == np.inf
        y[np.array([False, True])].sum().backward()
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 1.0
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        ag.where(x.data > 0, ag.log(x), 0.0).sum().backward()
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 1.0
    x = leaf([0.0, 1.0])
    with strict():
        mask = x.data > 0
        safe = ag.where(mask, x, 1.0)
        y = ag.where(mask, ag.log(safe), 0.0)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_item_23_pow_outside_its_domain_is_nan():
    """(-8)**(1/3) is NaN with a NaN gradient (IEEE), and d(a**b)/db for a negative base is
    NaN (a^b log a), while d/da stays finite for an integral exponent."""
    x = leaf(-8.0)
    with np.errstate(invalid="ignore"):
        y = x ** (1 / 3)
        y.backward()
    assert np.isnan(y.item()) and np.isnan(x.grad.item())
    a, b = leaf(-2.0), leaf(2.0)
    with np.errstate(invalid="ignore"):
        y = a**b
        y.backward()
    assert y.item() == 4.0 and a.grad.item() == -4.0 and np.isnan(b.grad.item())


def test_item_24_log_of_negative_is_nan_and_exp_overflows_to_inf():
    """log(-1) is NaN (any gradient allowed outside the domain); exp(1000) is inf with an
    inf gradient, never an exception."""
    x = leaf([-1.0])
    with np.errstate(invalid="ignore"):
        y = ag.log(x)
        y.sum().backward()
    assert np.isnan(y.data[0])
    x = leaf([1000.0, 0.0])
    with np.errstate(over="ignore"):
        y = ag.exp(x)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [np.inf, 1.0])
    np.testing.assert_array_equal(x.grad.data, [np.inf, 1.0])


# ------------------------------------------------------------------ §3 subgradient conventions
def test_item_28_norm_at_zero():
    """ag.norm has gradient 0 at 0 (PyTorch's choice); a hand-written sqrt(sum(x²)) gives NaN
    there (0·inf, as in PyTorch), and the squared Frobenius penalty has gradient 0 at 0."""
    x = leaf([0.0, 0.0])
    with strict():
        ag.norm(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    x = leaf([0.0, 0.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        (x * x).sum().sqrt().backward()
    assert np.isnan(x.grad.data).all()
    w = leaf(np.zeros((2, 2)))
    with strict():
        F.frobenius_penalty([w], 1.0).backward()
    np.testing.assert_array_equal(w.grad.data, np.zeros((2, 2)))


def test_item_30_indexing_the_argmax_gives_all_to_one_index_unlike_max():
    """With a tie, x[argmax] sends the whole gradient to the first maximum ([1, 0]), while the
    max reduction splits it ([.5, .5]): the documented difference (the library has no max
    that returns indices; numpy's argmax picks the index)."""
    x = leaf([2.0, 2.0, 1.0])
    x[int(np.argmax(x.data))].backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 0.0])
    x = leaf([2.0, 2.0, 1.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.5, 0.0])
    x = leaf([[3.0, 3.0], [1.0, 4.0]])
    rows = np.arange(2)
    x[rows, np.argmax(x.data, axis=1)].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("order", ["x first", "constant first"])
def test_item_31_maximum_against_a_constant_number_gives_the_tensor_zero_on_a_tie(order):
    """maximum(x, 0.) at x = 0 gives x the gradient 0 (the constant is fixed), matching relu;
    minimum likewise; a constant array behaves like a number."""
    for op, const in ((ag.maximum, 0.0), (ag.minimum, 0.0), (ag.maximum, np.zeros(3))):
        x = leaf([-1.0, 0.0, 2.0])
        y = op(x, const) if order == "x first" else op(const, x)
        y.sum().backward()
        wins = x.data > 0 if op is ag.maximum else x.data < 0
        np.testing.assert_array_equal(x.grad.data, wins.astype(float))
    x = leaf([-1.0, 0.0, 2.0])
    ag.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])


def test_item_32_piecewise_constant_ops_have_no_gradient_path():
    """Comparisons give bool tensors with no history; a cast to an integer dtype cuts the
    graph; masks built from them give zero gradient, never NaN; hard_tanh is flat outside."""
    x = leaf([-1.5, 0.0, 2.5])
    for compare in (x > 0, x >= 0, x < 0, x <= 0, x == 0, x != 0):
        assert compare.dtype == np.bool_ and not compare.requires_grad
        assert compare.grad_fn is None
    rounded = ag.cast(x, np.int64)
    assert rounded.dtype == np.int64 and not rounded.requires_grad
    y = ag.where((x > 0).data, x * 0.0, x * 0.0) + F.hard_tanh(x * 3.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0])


def test_item_33_nan_upstream_gradients_propagate_through_every_use():
    """A NaN in the seed reaches every input element that contributed to that output element
    (through add, mul, sum, matmul and indexing), and only those."""
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2.0 + x[[0, 0, 1]] * x
    y.backward(ag.tensor([np.nan, 1.0, 1.0]))
    assert np.isnan(x.grad.data[0]) and np.isfinite(x.grad.data[1:]).all()
    A = leaf(np.ones((2, 3)))
    b = leaf(np.arange(3.0))
    (A @ b).backward(ag.tensor([np.nan, 1.0]))
    assert np.isnan(A.grad.data[0]).all() and np.isfinite(A.grad.data[1]).all()
    assert np.isnan(b.grad.data).all()
    s = leaf([1.0, 2.0])
    (s.sum() * 1.0).backward(ag.tensor(np.nan))
    assert np.isnan(s.grad.data).all()


# ------------------------------------------------------------------ §6 resource limits
def _fan_out_time(n):
    best = np.inf
    for _ in range(3):
        x = leaf([1.0, 2.0])
        start = time.perf_counter()
        y = x * 0.0
        for i in range(n):
            y = y + x
        y.sum().backward()
        best = min(best, time.perf_counter() - start)
        assert x.grad.data[0] == n
    return best


def test_item_45_wide_fan_out_costs_linear_time():
    """One tensor consumed n times: 8x the uses costs about 8x the time (quadratic would be
    64x), and the gradient is accumulated into one buffer (peak memory does not grow with n
    beyond the graph itself)."""
    small, large = _fan_out_time(1_000), _fan_out_time(8_000)
    assert large / small < 24, (small, large)
    x = leaf(np.ones(1000))
    y = ag.stack([x] * 200).sum(axis=0)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        y.sum().backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60 * 8 * 1000 * 200 // 100, peak  # far below 200 separate (1000,) buffers x3


def test_item_46_create_graph_backward_leaves_no_silent_reference_cycle():
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
        "silently (no UserWarning mentioning 'reference cycle', as PyTorch gives)")


def test_item_47_logging_item_does_not_pin_graphs_but_tensors_do():
    """Keeping loss tensors keeps their graphs (and saved arrays) alive; keeping .item()
    keeps only a float, and memory stays flat over many steps."""
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((8, 8)))
    x = ag.tensor(rng.standard_normal((16, 8)))

    def step():
        loss = ag.tanh(x @ w).sum()
        saved = [weakref.ref(v) for node in toposort([loss.grad_fn]) for v in node.inputs
                 if isinstance(v, np.ndarray)]
        return loss, saved

    kept, refs = [], []
    for _ in range(3):
        loss, saved = step()
        kept.append(loss)
        refs.append(weakref.ref(loss.grad_fn))
    gc.collect()
    assert all(r() is not None for r in refs)  # stored tensors pin their graphs
    del kept, loss
    gc.collect()
    assert all(r() is None for r in refs)

    def window(n, log):
        gc.collect()
        tracemalloc.reset_peak()
        for _ in range(n):
            loss, _ = step()
            log.append(loss.item())
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    log = []
    tracemalloc.start()
    try:
        first = window(50, log)
        window(200, log)
        last = window(50, log)
    finally:
        tracemalloc.stop()
    assert all(isinstance(v, float) for v in log)
    assert last <= first + 16 * 1024, (first, last)
