"""Deep and wide graphs: a million-node chain, deep chains under a low recursion limit, the
iterative topological sort, and tensors used thousands of times (in linear time)."""

import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.engine import toposort

from .helpers import leaf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------ deep and wide graphs
CHAIN_SCRIPT = r"""
import sys, math
import autograd_core as ag
sys.setrecursionlimit(1000)
n = 1_000_000
x = ag.tensor(1.0, requires_grad=True)
y = x
for _ in range(n):
    y = y * 1.0000001
y.backward()
print("value", repr(y.item()))
print("grad", repr(x.grad.item()))
del y
import gc
gc.collect()
print("deleted")
"""


def test_million_node_chain_backward_and_delete():
    """A 1,000,000-node chain backpropagates without RecursionError and its graph can be
    dropped without overflowing the C stack (run in a subprocess: a crash is a failure)."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-c", CHAIN_SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = dict((line + " ").split(" ", 1) for line in proc.stdout.splitlines())
    value, grad = float(lines["value"]), float(lines["grad"])
    # backward multiplies the same factor in the same order as forward did
    assert grad == value
    assert grad == pytest.approx(np.exp(1e6 * np.log1p(1e-7)), rel=1e-9)
    assert "deleted" in lines


def test_deep_chain_in_process_no_recursion_error():
    """20k nodes in-process, with a low recursion limit: the sort is iterative."""
    limit = sys.getrecursionlimit()
    x = leaf(0.5)
    y = x
    for _ in range(20_000):
        y = y + y * 1e-6
    sys.setrecursionlimit(500)
    try:
        y.backward()
        del y
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == pytest.approx((1 + 1e-6) ** 20_000, rel=1e-10)


def test_toposort_of_deep_chain_puts_inputs_first():
    """toposort is iterative and orders each node after its inputs' nodes."""
    x = leaf(1.0)
    y = x
    for _ in range(5_000):
        y = -y
    order = toposort([y.grad_fn])
    assert len(order) == 5_000 and order[-1] is y.grad_fn
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for inp in node.inputs:
            if isinstance(inp, ag.Tensor) and inp.grad_fn is not None:
                assert position[inp.grad_fn] < position[node]


def test_wide_fan_out_ten_thousand_uses():
    """One tensor consumed 10,000 times receives the exact sum of its 10,000 uses."""
    x = leaf([1.0, 2.0])
    y = x * 0.0
    for i in range(10_000):
        y = y + x * float(i)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [sum(range(10_000))] * 2)


def test_wide_fan_out_through_stack():
    """The same tensor stacked 10,000 times: every slice's gradient lands on it."""
    x = leaf([1.0, 2.0])
    y = ag.stack([x] * 10_000).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [10_000, 10_000])


def _fan_out_time(n):
    best = np.inf
    for _ in range(3):
        x = leaf([1.0, 2.0])
        start = time.perf_counter()
        y = x * 0.0
        for _ in range(n):
            y = y + x
        y.sum().backward()
        best = min(best, time.perf_counter() - start)
        assert x.grad.data[0] == n
    return best


def test_wide_fan_out_costs_linear_time():
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
