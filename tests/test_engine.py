"""Reverse-mode engine semantics: worked examples of the notes, reused nodes and diamonds,
accumulation and graph freeing, higher order, ag.grad, deep and wide graphs, grad modes,
leaf semantics, memory release, dtypes, unbroadcasting, reductions, subgradient
conventions, indexing, matmul, shape ops and numerical stability (RELIABILITY.md §1-3, §6).
"""

import gc
import os
import subprocess
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.engine import toposort
from autograd_core.examples import notes_f, notes_j
from autograd_core.ops import Relu

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def leaf(value, dtype=np.float64):
    return ag.tensor(np.asarray(value, dtype=dtype), requires_grad=True)


def strict():
    """Overflow, invalid and divide-by-zero raise. Underflow to 0 (exp(-1000)) is the
    correct IEEE result and numpy ignores it by default, so it stays ignored."""
    return np.errstate(all="raise", under="ignore")


def weighted_sum(y, seed=0):
    """sum(y * w) for a fixed random w: a scalar whose gradient tests every output."""
    w = np.random.default_rng(seed).standard_normal(np.shape(y.data))
    return (y * ag.tensor(w)).sum()


def check_against_numeric(f, inputs, rtol=1e-6, atol=1e-7):
    """Backward of sum(f(*inputs) * w) matches central differences; grad shapes match."""
    for t in inputs:
        t.zero_grad()
    weighted_sum(f(*inputs)).backward()
    numeric = ag.numerical_grad(lambda *xs: weighted_sum(f(*xs)), list(inputs))
    for t, n in zip(inputs, numeric):
        assert t.grad is not None
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad.data, n, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ worked examples
def test_notes_f_values_and_gradients():
    """f(x; w, b) = 1/(exp(-(wx+b))+1) at x=1, w=b=0: f=0.5, df/dw = df/db = 0.25."""
    f, nodes = notes_f()
    assert f.item() == 0.5
    assert [nodes[h].item() for h in ("h1", "h2", "h3", "h4", "h5")] == [0, 0, 0, 1, 2]
    f.backward()
    assert nodes["w"].grad.item() == 0.25
    assert nodes["b"].grad.item() == 0.25
    assert nodes["x"].grad is None  # x does not require grad


def test_notes_f_at_other_point_matches_closed_form():
    """df/dw = x s(1-s), df/db = s(1-s) with s = f, at x=2, w=0.3, b=-0.1."""
    f, nodes = notes_f(2.0, 0.3, -0.1)
    f.backward()
    s = 1 / (1 + np.exp(-(0.3 * 2.0 - 0.1)))
    assert f.item() == pytest.approx(s, rel=1e-15)
    assert nodes["w"].grad.item() == pytest.approx(2.0 * s * (1 - s), rel=1e-14)
    assert nodes["b"].grad.item() == pytest.approx(s * (1 - s), rel=1e-14)


def test_notes_j_values_and_gradients():
    """J(a,b,c) = 3(a+bc) at (5,3,2): J=33, dJ/da=3, dJ/db=3c=6, dJ/dc=3b=9."""
    J, nodes = notes_j()
    assert J.item() == 33
    assert nodes["u"].item() == 6 and nodes["v"].item() == 11
    J.backward()
    assert [nodes[k].grad.item() for k in "abc"] == [3, 6, 9]


# ------------------------------------------------------------------ reused nodes, DAGs
def _a_plus_a_twice(a):
    b = a + a
    return b + b


REUSE = [
    ("b=a+a;c=b+b", _a_plus_a_twice, 1.0, 4.0, 4.0),
    ("x-x", lambda x: x - x, 5.0, 0.0, 0.0),
    ("x*x+x", lambda x: x * x + x, 3.0, 12.0, 7.0),
    ("x/x", lambda x: x / x, 3.0, 1.0, 0.0),
    ("x*x*x", lambda x: x * x * x, 2.0, 8.0, 12.0),
    ("(x+x)*(x-1)", lambda x: (x + x) * (x - 1), 3.0, 12.0, 10.0),
]


@pytest.mark.parametrize("name, f, at, value, grad", REUSE, ids=[r[0] for r in REUSE])
def test_reused_node_gets_sum_over_uses(name, f, at, value, grad):
    """A tensor used several times receives the sum of all its uses (topological order)."""
    x = leaf(at)
    y = f(x)
    assert y.item() == value
    y.backward()
    assert x.grad.item() == grad


def test_diamond_sums_both_paths():
    """e = 3b + b² with b = 2x: de/dx = 2(3 + 2b) = 22 at x=2 (b visited once, after both)."""
    x = leaf(2.0)
    b = x * 2
    c = b * 3
    d = b * b
    e = c + d
    e.backward()
    assert e.item() == 28.0
    assert x.grad.item() == 22.0


def test_nested_diamonds_through_unary_ops():
    """Two stacked diamonds through exp: y = (e + e)·e with e = exp(x); dy/dx = 4 e²."""
    x = leaf(0.5)
    e = ag.exp(x)
    y = (e + e) * e
    y.backward()
    assert x.grad.item() == pytest.approx(4 * np.exp(1.0), rel=1e-14)


def test_non_leaf_used_by_two_roots_of_one_backward():
    """Backward on two outputs at once sums their contributions to a shared node."""
    x = leaf(2.0)
    h = x * 3
    y1, y2 = h * h, h + 1
    ag.engine.backward((y1, y2))
    assert x.grad.item() == 2 * 6 * 3 + 3


# ------------------------------------------------------------------ accumulation
def test_leaf_grad_accumulates_over_backward_calls_and_zero_grad_resets():
    """Separate backward passes add into .grad; zero_grad sets it to None."""
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3 + 2, 3 + 4])
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 3])


def test_a_pass_adds_the_sum_of_a_leafs_contributions_to_its_grad():
    """.grad += (g1 + g2), as PyTorch adds a leaf's summed buffer (and as a compiled pass
    does), not (.grad + g1) + g2: here the two differ in the last bit."""
    tiny = 2.0**-53  # 1 + tiny rounds back to 1, 1 + 2·tiny does not
    f = lambda x: (x * tiny + x * tiny).sum()  # noqa: E731
    compiled = ag.compile(f)
    for fn in (f, compiled, compiled):  # eager, then tracing, then replay
        x = leaf([1.0])
        x.grad = ag.tensor([1.0])
        fn(x).backward()
        assert x.grad.item() == 1.0 + 2 * tiny != (1.0 + tiny) + tiny


@pytest.mark.parametrize("f", [
    lambda x: x.sum(), lambda x: (x + x).sum(), lambda x: x[0], lambda x: x.max(),
    lambda x: ag.stack([x, x]).sum(), lambda x: x.broadcast_to((2, 3)).sum(),
], ids=["sum", "add", "index", "max", "stack", "broadcast"])
def test_leaf_grad_is_a_writeable_array_of_its_own(f):
    """.grad is writeable, never a read-only broadcast view, and shares memory with no
    other tensor of the computation (optimizers may update it in place)."""
    x = leaf([1.0, -2.0, 3.0])
    y = f(x)
    y.backward()
    assert x.grad.data.flags.writeable
    assert x.grad.data.strides == np.empty_like(x.grad.data).strides  # no stride-0 view
    for other in (x.data, y.data):
        assert not np.shares_memory(x.grad.data, other)


def test_backward_on_a_leaf_root():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_grads_of_two_leaves_never_share_a_buffer():
    """add hands the same gradient to both sides: the leaves must get separate arrays."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    (a * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [3, 3])
    np.testing.assert_array_equal(b.grad.data, [1, 1])


def test_intermediate_buffers_start_fresh_on_each_pass():
    """A shared non-leaf h receives a new buffer per pass: 3·2 + 5·2 = 16, not more."""
    x = leaf(1.0)
    h = x * 2
    y1, y2 = h * 3, h * 5
    y1.backward(retain_graph=True)
    y2.backward()
    assert x.grad.item() == 16.0


def test_retain_graph_second_backward_adds():
    """retain_graph=True keeps saved tensors: a second backward works and adds."""
    x = leaf([1.0, 2.0, 3.0])
    y = (ag.exp(x) * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(first, np.exp([1, 2, 3]) * (1 + np.array([1, 2, 3])), rtol=1e-14)
    np.testing.assert_array_equal(x.grad.data, 2 * first)


def test_second_backward_through_freed_graph_raises():
    """Without retain_graph the saved tensors are freed; a second backward says so."""
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_ag_grad_frees_graph_by_default():
    """ag.grad defaults retain_graph to create_graph (False): the graph is freed."""
    x = leaf(2.0)
    y = x * x
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ag.grad(y, x)


# ------------------------------------------------------------------ non-leaf grads
def test_non_leaf_grad_is_none_unless_retained():
    """Intermediate .grad stays None (reading it warns, as in PyTorch); retain_grad() keeps
    it (and it accumulates)."""
    x = leaf([1.0, 2.0])
    h = x * 3
    k = x * 4
    k.retain_grad()
    y = (h * h + k).sum()
    y.backward(retain_graph=True)
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert h.grad is None
    np.testing.assert_array_equal(k.grad.data, [1, 1])
    y.backward()
    np.testing.assert_array_equal(k.grad.data, [2, 2])
    np.testing.assert_array_equal(x.grad.data, 2 * (2 * 9 * x.data + 4))


def test_retain_grad_on_the_root():
    """The root itself can retain its seed gradient."""
    x = leaf(3.0)
    y = x * 2
    y.retain_grad()
    y.backward()
    assert y.grad.item() == 1.0


# ------------------------------------------------------------------ higher order
def test_third_derivative_of_cube():
    """x³ at 2: first 12, second 12, third 6, via ag.grad(create_graph=True)."""
    x = leaf(2.0)
    (g1,) = ag.grad(x**3, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)
    assert x.grad is None


def test_third_derivative_of_cube_as_product():
    """x·x·x at 2 gives the same 12, 12, 6 through mul's rule."""
    x = leaf(2.0)
    (g1,) = ag.grad(x * x * x, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_backward_create_graph_then_differentiate_x_grad():
    """backward(create_graph=True) records a differentiable x.grad; like PyTorch, it also
    keeps the graph (retain_graph defaults to create_graph), so x.grad = 2e^(2x) can be
    differentiated again: d/dx sum(x.grad) = 4e^(2x)."""
    x = leaf([0.1, 0.2])
    y = ag.exp(x * 2).sum()
    with pytest.warns(UserWarning, match="reference cycle"):
        y.backward(create_graph=True)
    assert x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * x.data), rtol=1e-14)
    (gg,) = ag.grad(x.grad.sum(), x)
    np.testing.assert_allclose(gg.data, 4 * np.exp(2 * x.data), rtol=1e-14)


def _sig(v):
    return 1 / (1 + np.exp(-v))


# (name, f applied elementwise, closed-form f'', domain)
SECOND_ORDER = [
    ("exp", ag.exp, np.exp, "any"),
    ("log", ag.log, lambda v: -1 / v**2, "positive"),
    ("sin", ag.sin, lambda v: -np.sin(v), "any"),
    ("cos", ag.cos, lambda v: -np.cos(v), "any"),
    ("tanh", ag.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2), "any"),
    ("sigmoid", ag.sigmoid, lambda v: _sig(v) * (1 - _sig(v)) * (1 - 2 * _sig(v)), "any"),
    ("sqrt", ag.sqrt, lambda v: -0.25 * v**-1.5, "positive"),
    ("reciprocal", lambda x: 1 / x, lambda v: 2 / v**3, "positive"),
    ("pow 2.5", lambda x: x**2.5, lambda v: 2.5 * 1.5 * v**0.5, "positive"),
    ("rpow 3**x", lambda x: 3.0**x, lambda v: np.log(3.0) ** 2 * 3.0**v, "any"),
    ("x**x", lambda x: x**x, lambda v: v**v * ((np.log(v) + 1) ** 2 + 1 / v), "positive"),
    ("softplus-like", lambda x: ag.log(ag.exp(x) + 1.0), lambda v: _sig(v) * (1 - _sig(v)),
     "any"),
]


@pytest.mark.parametrize("name, f, f2, domain", SECOND_ORDER, ids=[r[0] for r in SECOND_ORDER])
@pytest.mark.parametrize("shape", [(), (4,)], ids=["0d", "1d"])
def test_grad_of_grad_matches_closed_form(name, f, f2, domain, shape):
    """d²/dx² of sum f(x) is f''(x) elementwise (0-d inputs included)."""
    values = np.array([0.3, 0.7, 1.3, 2.1]) if domain == "positive" else np.array(
        [-1.2, -0.4, 0.6, 1.5])
    x = leaf(values[0] if shape == () else values)
    (g,) = ag.grad(f(x).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, f2(x.data), rtol=1e-12, atol=1e-14)


def test_second_derivative_of_relu_is_zero():
    """relu' is piecewise constant: its derivative is 0 (or the gradient is a constant)."""
    x = leaf([-1.0, 0.5, 2.0])
    (g,) = ag.grad(ag.relu(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [0, 1, 1])
    if g.requires_grad:
        (gg,) = ag.grad(g.sum(), x, allow_unused=True)
        assert gg is None or not gg.data.any()


def test_second_derivative_of_division_in_both_arguments():
    """f = a/b: d²f/da db = -1/b², d²f/db² = 2a/b³."""
    a, b = leaf(1.5), leaf(0.8)
    ga, gb = ag.grad(a / b, (a, b), create_graph=True)
    (d_ab,) = ag.grad(ga, b)
    assert d_ab.item() == pytest.approx(-1 / 0.8**2, rel=1e-14)
    a, b = leaf(1.5), leaf(0.8)
    ga, gb = ag.grad(a / b, (a, b), create_graph=True)
    (d_bb,) = ag.grad(gb, b)
    assert d_bb.item() == pytest.approx(2 * 1.5 / 0.8**3, rel=1e-14)


def test_second_derivative_of_pow_mixed_partial():
    """f = a**b: d²f/da db = a^(b-1) (1 + b log a)."""
    a, b = leaf(1.7), leaf(2.3)
    (ga,) = ag.grad(a**b, a, create_graph=True)
    (d_ab,) = ag.grad(ga, b)
    assert d_ab.item() == pytest.approx(1.7**1.3 * (1 + 2.3 * np.log(1.7)), rel=1e-13)


def test_hessian_vector_product_through_matmul():
    """f = xᵀ A x has Hessian A + Aᵀ: the HVP by double backward equals (A + Aᵀ) v."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    x = leaf(rng.standard_normal(4))
    f = x @ (ag.tensor(A) @ x)
    (g,) = ag.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.data, (A + A.T) @ x.data, rtol=1e-13)
    (hv,) = ag.grad((g * ag.tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.data, (A + A.T) @ v, rtol=1e-13)


def test_hessian_vector_product_through_matrix_weights():
    """L = ||W x||² / 2 as a function of W: dL/dW = (Wx)xᵀ, HVP with V is (Vx)xᵀ."""
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.standard_normal(3))
    W = leaf(rng.standard_normal((2, 3)))
    V = rng.standard_normal((2, 3))
    z = W @ x
    (g,) = ag.grad((z * z).sum() / 2, W, create_graph=True)
    np.testing.assert_allclose(g.data, np.outer(W.data @ x.data, x.data), rtol=1e-13)
    (hv,) = ag.grad((g * ag.tensor(V)).sum(), W)
    np.testing.assert_allclose(hv.data, np.outer(V @ x.data, x.data), rtol=1e-13)


def test_hessian_vector_product_through_logsumexp():
    """Hessian of logsumexp is diag(p) - p pᵀ with p = softmax(x)."""
    x = leaf([0.3, -1.0, 2.0, 0.5])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    (g,) = ag.grad(ag.logsumexp(x), x, create_graph=True)
    p = np.exp(x.data) / np.exp(x.data).sum()
    np.testing.assert_allclose(g.data, p, rtol=1e-14)
    (hv,) = ag.grad((g * ag.tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.data, (np.diag(p) - np.outer(p, p)) @ v, rtol=1e-12)


def test_second_derivative_through_softmax_matches_gradgradcheck():
    """softmax and log_softmax are differentiable twice (checked against finite diffs)."""
    x = leaf(np.random.default_rng(3).standard_normal((2, 3)))
    assert ag.gradgradcheck(lambda t: ag.softmax(t, axis=-1), [x])
    assert ag.gradgradcheck(lambda t: ag.log_softmax(t, axis=0), [x])


# ------------------------------------------------------------------ ag.grad
def test_grad_returns_tuple_and_leaves_dot_grad_untouched():
    """ag.grad returns a tuple of gradients and writes no .grad."""
    x, y = leaf([1.0, 2.0]), leaf(3.0)
    out = (x * y).sum()
    result = ag.grad(out, [x, y])
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(result[0].data, [3, 3])
    assert result[1].item() == 3.0
    assert x.grad is None and y.grad is None


def test_grad_single_input_still_returns_tuple():
    x = leaf(2.0)
    result = ag.grad(x * x, x)
    assert isinstance(result, tuple) and result[0].item() == 4.0


def test_grad_allow_unused_gives_none():
    """An input the output does not depend on gets None with allow_unused=True."""
    x, z = leaf(2.0), leaf(5.0)
    gx, gz = ag.grad(x * 3, [x, z], allow_unused=True)
    assert gx.item() == 3.0 and gz is None


def test_grad_unused_input_is_an_error():
    x, z = leaf(2.0), leaf(5.0)
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*not have been used.*allow_unused"):
        ag.grad(x * 3, [x, z])


def test_grad_with_respect_to_non_leaf():
    """ag.grad w.r.t. an intermediate h gives dy/dh, not dy/dx."""
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, gx = ag.grad(y, [h, x])
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    np.testing.assert_array_equal(gx.data, 2 * h.data * 3)
    assert x.grad is None
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert h.grad is None


def test_grad_with_grad_outputs_is_a_vjp():
    """grad_outputs v gives vᵀJ: for y = x² elementwise, 2 x v."""
    x = leaf([1.0, 2.0, 3.0])
    v = ag.tensor([0.5, -1.0, 2.0])
    (g,) = ag.grad(x * x, x, grad_outputs=v)
    np.testing.assert_array_equal(g.data, 2 * x.data * v.data)


def test_grad_of_several_outputs_sums_them():
    x = leaf(2.0)
    (g,) = ag.grad([x * x, x * 3], x)
    assert g.item() == 7.0


def test_grad_output_is_the_input():
    """d x / d x = 1 for a leaf output (no graph to walk)."""
    x = leaf(2.0)
    assert ag.grad(x, x)[0].item() == 1.0


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
    proc = subprocess.run([sys.executable, "-c", CHAIN_SCRIPT], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
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


# ------------------------------------------------------------------ grad modes
def test_no_grad_outputs_have_no_history():
    """Under no_grad, outputs do not require grad and have no grad_fn."""
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = ag.exp(x * 2).sum()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_no_grad_results_are_constants_later():
    """A no_grad result used in grad mode acts as a constant."""
    x = leaf(3.0)
    with ag.no_grad():
        c = x * x
    y = c * x
    y.backward()
    assert x.grad.item() == 9.0


def test_nested_enable_grad_records_again():
    x = leaf(2.0)
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * x
        z = x * x
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.backward()
    assert x.grad.item() == 4.0


def test_no_grad_as_decorator_and_set_grad_enabled():
    x = leaf(2.0)

    @ag.no_grad()
    def f(t):
        return t * t

    assert not f(x).requires_grad
    assert f(x).item() == 4.0
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * x).requires_grad
    with ag.set_grad_enabled(True):
        assert (x * x).requires_grad


def test_no_grad_restores_state_after_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


def test_no_grad_is_reentrant():
    """The same no_grad object can be nested and reused."""
    ctx = ag.no_grad()
    with ctx:
        with ctx:
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_backward_restores_grad_mode():
    """The engine switches recording off while it runs and restores the caller's mode."""
    x = leaf(2.0)
    (x * x).backward()
    assert ag.is_grad_enabled()
    z = x * x
    with ag.no_grad():
        z.backward()  # works under no_grad, and leaves it off
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert x.grad.item() == 8.0


# ------------------------------------------------------------------ leaves, detach
def test_leaf_and_non_leaf_semantics():
    """requires_grad leaves, results of ops (non-leaves) and constants (leaves)."""
    x = leaf(1.0)
    c = ag.tensor(2.0)
    y = x * c
    z = c * 3
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad
    assert c.is_leaf and not c.requires_grad


def test_detach_cuts_the_graph():
    """detach gives a leaf with the same values that carries no gradient back."""
    x = leaf([1.0, 2.0])
    h = x * 3
    d = h.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.data, h.data)
    y = (d * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [3, 6])  # d treated as a constant


def test_requires_grad_underscore_on_leaf_and_non_leaf():
    """requires_grad_ flips leaves (returning self) and refuses non-leaves."""
    c = ag.tensor([1.0, 2.0])
    assert c.requires_grad_() is c and c.requires_grad
    (c * 2).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [2, 2])
    c.requires_grad_(False)
    assert not (c * 2).requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        (leaf(1.0) * 2).requires_grad_(False)


def test_constants_get_no_grad():
    """Tensors that do not require grad never receive .grad."""
    x, c = leaf(2.0), ag.tensor(5.0)
    (x * c).backward()
    assert c.grad is None and x.grad.item() == 5.0


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
    for modify in (lambda h: h.mul_(2.0), lambda h: h[0:1].add_(1.0),
                   lambda h: h.detach().zero_()):
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
    """The worked case of the checklist: relu's mask via y.grad_fn._saved."""
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
    params = [leaf(rng.standard_normal((4, 16)) * 0.5), leaf(np.zeros(16)),
              leaf(rng.standard_normal((16, 1)) * 0.5), leaf(np.zeros(1))]
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


# ------------------------------------------------------------------ gradients written in place
# A rule with ``donated_backward`` (ReLU) may write into its output's gradient when that
# array is its own: made by a fresh_grads rule (Linear, softmax-cross-entropy) or a sum of
# contributions. Never when anyone else may hold it: the caller's seed, an array passed on
# by Add, or a gradient that hooks, retain_grad or ag.grad see.


@pytest.fixture
def donations(monkeypatch):
    """Count Relu.donated_backward calls (the rule itself still runs)."""
    calls = []
    donated = Relu.__dict__["donated_backward"].__func__

    def spy(ctx, g):
        calls.append(g.shape)
        return donated(ctx, g)

    monkeypatch.setattr(Relu, "donated_backward", staticmethod(spy))
    return calls


def _mlp_grads(x, y):
    import nn

    model = nn.Sequential(nn.Linear(3, 6, rng=0), nn.ReLU(), nn.Linear(6, 4, rng=1),
                          nn.ReLU(), nn.Linear(4, 2, rng=2))
    nn.CrossEntropyLoss()(model(x), y).backward()
    return [p.grad.data for p in model.parameters()]


def test_relu_writes_into_a_gradient_made_by_linear_with_the_same_numbers(donations,
                                                                          monkeypatch):
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    y = np.array([0, 1, 1, 0, 1])
    donated = _mlp_grads(x, y)
    assert donations == [(5, 4), (5, 6)]
    monkeypatch.setattr(Relu, "donated_backward", None)
    for a, b in zip(donated, _mlp_grads(x, y)):
        assert np.array_equal(a, b)


def test_relu_never_writes_into_the_callers_gradient(donations):
    a, b = leaf([1.0, -1.0, 2.0]), leaf([3.0, 4.0, -5.0])
    seed = np.array([10.0, 20.0, 30.0])
    (ag.relu(a) + ag.relu(b)).backward(ag.tensor(seed))  # Add hands the seed to both
    assert donations == []
    assert seed.tolist() == [10.0, 20.0, 30.0]
    assert a.grad.tolist() == [10.0, 0.0, 30.0] and b.grad.tolist() == [10.0, 20.0, 0.0]


def test_relu_writes_into_a_sum_of_contributions(donations):
    a = leaf([1.0, -1.0, 2.0])
    h = ag.relu(a * 1.0)
    (h * 2.0 + h * 3.0).sum().backward()  # h's gradient 2 + 3 is a new array
    assert donations == [(3,)]
    assert a.grad.tolist() == [5.0, 0.0, 5.0]


class _PassThroughRelu(Relu):
    """A subclass with its own rule: ReLU's forward, the identity's gradient."""

    @staticmethod
    def backward(ctx, g):
        return g


def test_a_subclass_with_its_own_backward_inherits_no_donation(donations):
    import nn

    assert _PassThroughRelu.donated_backward is None and not _PassThroughRelu.fresh_grads
    first, second = nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    f = lambda x: second(_PassThroughRelu.apply(first(x))).sum()  # noqa: E731
    compiled = ag.compile(f)
    unmasked = (np.ones((5, 2)) @ second.weight.data).sum(axis=0)  # what the rule passes on
    for fn in (f, compiled, compiled):  # eager, then tracing, then replay
        first.zero_grad()
        fn(x).backward()
        np.testing.assert_allclose(first.bias.grad.data, unmasked)
    assert donations == [] and "donated" not in compiled.code


def _observed_mlp(observe):
    import nn

    first, second = nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    h = ag.relu(first(x))
    seen = observe(h)
    loss = nn.CrossEntropyLoss()(second(h), np.array([0, 1, 1, 0, 1]))
    return h, loss, seen, first


@pytest.mark.parametrize("how", ["hook", "retain_grad", "ag.grad"])
def test_relu_never_writes_into_a_gradient_someone_sees(donations, how):
    seen = []
    if how == "hook":
        h, loss, _, first = _observed_mlp(lambda h: h.register_hook(seen.append))
        loss.backward()
        (g,) = seen
    elif how == "retain_grad":
        h, loss, _, first = _observed_mlp(lambda h: h.retain_grad())
        loss.backward()
        g = h.grad
    else:
        h, loss, _, first = _observed_mlp(lambda h: None)
        g, _ = ag.grad(loss, [h, first.weight])
    assert donations == []
    assert (g.data[h.data == 0] != 0).any()  # h's gradient as it came, not masked


# ------------------------------------------------------------------ dtypes
F32_OPS = [
    ("mul float", lambda x: x * 2.5),
    ("rmul float", lambda x: 2.5 * x),
    ("add int", lambda x: x + 1),
    ("rsub float", lambda x: 1.0 - x),
    ("div float", lambda x: x / 3.0),
    ("rdiv float", lambda x: 1.0 / (x + 3.0)),
    ("pow float", lambda x: (x * x + 1.0) ** 1.5),
    ("rpow float", lambda x: 2.0**x),
    ("exp", ag.exp),
    ("log", lambda x: ag.log(x * x + 1.0)),
    ("sqrt", lambda x: ag.sqrt(x * x + 1.0)),
    ("sin", ag.sin),
    ("tanh", ag.tanh),
    ("sigmoid", ag.sigmoid),
    ("relu", ag.relu),
    ("abs", ag.abs),
    ("clip", lambda x: x.clip(-0.5, 0.5)),
    ("maximum float", lambda x: ag.maximum(x, 0.25)),
    ("where float", lambda x: ag.where(x.data > 0, x, 0.5)),
    ("sum", lambda x: x.sum(axis=0)),
    ("mean", lambda x: x.mean(axis=1)),
    ("var", lambda x: x.var(axis=0)),
    ("max", lambda x: x.max(axis=1)),
    ("logsumexp", lambda x: x.logsumexp(axis=1)),
    ("softmax", lambda x: x.softmax(axis=-1)),
    ("log_softmax", lambda x: x.log_softmax(axis=0)),
    ("matmul", lambda x: x @ x.T),
    ("getitem", lambda x: x[[0, 0], 1:]),
    ("reshape", lambda x: x.reshape(-1)),
    ("concatenate", lambda x: ag.concatenate([x, x * 2.0], axis=1)),
    ("stack", lambda x: ag.stack([x, x], axis=0)),
]


@pytest.mark.parametrize("name, f", F32_OPS, ids=[r[0] for r in F32_OPS])
def test_float32_stays_float32(name, f):
    """float32 in: float32 out and float32 gradient (Python numbers do not upcast)."""
    x = leaf(np.random.default_rng(0).standard_normal((2, 3)), dtype=np.float32)
    y = f(x)
    assert y.dtype == np.float32
    (y * ag.tensor(np.ones(y.shape, np.float32))).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_float32_leaf_with_float64_tensor():
    """Mixing with a float64 tensor promotes the value, but each grad keeps its leaf's dtype."""
    x = leaf([1.0, 2.0], dtype=np.float32)
    w = leaf([3.0, 4.0], dtype=np.float64)
    y = (x * w).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [3, 4])
    np.testing.assert_array_equal(w.grad.data, [1, 2])


def test_float32_backward_seed_and_second_order():
    """Seeds, accumulation and create_graph keep float32."""
    x = leaf([0.5, 1.5], dtype=np.float32)
    (ag.exp(x).sum()).backward()
    (ag.exp(x).sum()).backward()
    assert x.grad.dtype == np.float32
    (g,) = ag.grad(ag.tanh(x).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    assert g.dtype == np.float32 and gg.dtype == np.float32


def test_default_dtype_of_python_data_is_float64():
    assert ag.tensor(1).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.float64
    assert ag.tensor(np.array([1, 2], np.float32)).dtype == np.float32


# ------------------------------------------------------------------ unbroadcasting
BROADCAST_SHAPES = [((3, 1), (1, 4)), ((1,), (5, 4)), ((4,), (2, 3, 4)), ((), (2, 3)),
                    ((2, 1, 4), (3, 1)), ((5, 4), (1,)), ((2, 3), ())]
BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
    ("maximum", ag.maximum),
    ("minimum", ag.minimum),
    ("where", lambda a, b: ag.where(a.data * b.data > 1.5, a, b)),
]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name, op", BINARY, ids=[r[0] for r in BINARY])
def test_unbroadcast_grad_shapes_and_values(name, op, shapes):
    """Every .grad has its input's shape and matches central differences."""
    rng = np.random.default_rng(sum(len(s) for s in shapes))
    a = leaf(rng.uniform(0.5, 2.0, shapes[0]))
    b = leaf(rng.uniform(0.5, 2.0, shapes[1]) + 0.01)  # no ties with a
    check_against_numeric(op, [a, b])


def test_unbroadcast_against_python_scalar():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    (2.0 * x + 1.0 - x / 4.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 2), 1.75))


def test_broadcast_to_grad_sums_back():
    x = leaf([[1.0], [2.0]])
    y = x.broadcast_to((3, 2, 4))
    assert y.shape == (3, 2, 4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[12.0], [12.0]])


# ------------------------------------------------------------------ reductions
def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = [
    ("sum", lambda x, ax, kd: x.sum(axis=ax, keepdims=kd), np.sum),
    ("mean", lambda x, ax, kd: x.mean(axis=ax, keepdims=kd), np.mean),
    ("max", lambda x, ax, kd: x.max(axis=ax, keepdims=kd), np.max),
    ("min", lambda x, ax, kd: x.min(axis=ax, keepdims=kd), np.min),
    ("var", lambda x, ax, kd: x.var(axis=ax, keepdims=kd), np.var),
    ("logsumexp", lambda x, ax, kd: x.logsumexp(axis=ax, keepdims=kd), _np_logsumexp),
    ("ag.sum", lambda x, ax, kd: ag.sum(x, ax, kd), np.sum),
    ("ag.mean", lambda x, ax, kd: ag.mean(x, ax, kd), np.mean),
]
AXES = [None, 0, 1, 2, -1, -3, (0, 2), (2, 0), (-1, 1), (0, 1, 2), ()]


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keep"])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name, op, ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_value_shape_and_grad(name, op, ref, axis, keepdims):
    """Values equal numpy's; the grad has the input's shape and matches central diffs."""
    # distinct values 0.1 apart: no ties, so max/min are differentiable at every element
    values = np.random.default_rng(0).permutation(24).reshape(2, 3, 4) * 0.1 - 1.0
    x = leaf(values)
    y = op(x, axis, keepdims)
    expected = ref(values, axis=axis, keepdims=keepdims)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(y.data, expected, rtol=1e-13, atol=1e-15)
    check_against_numeric(lambda t: op(t, axis, keepdims), [x])


@pytest.mark.parametrize("name, op, ref", REDUCTIONS[:6], ids=[r[0] for r in REDUCTIONS[:6]])
def test_reduction_of_1d_and_0d(name, op, ref):
    """mean(0) of a vector (pytorch #1813) and reductions of a 0-d tensor."""
    x = leaf([0.5, -1.0, 2.0])
    check_against_numeric(lambda t: op(t, 0, False), [x])
    s = leaf(1.5)
    y = op(s, None, False)
    assert y.shape == ()
    y.backward()
    assert s.grad.item() == (0.0 if name == "var" else 1.0)


def test_mean_over_two_axes_grad_shape():
    """mean(axis=(1, 2)) on (2, 3, 4): grad shape (2, 3, 4), each entry 1/12."""
    x = leaf(np.ones((2, 3, 4)))
    x.mean(axis=(1, 2)).sum().backward()
    assert x.grad.shape == (2, 3, 4)
    np.testing.assert_allclose(x.grad.data, np.full((2, 3, 4), 1 / 12), rtol=1e-15)


def test_var_with_ddof():
    x = leaf([1.0, 2.0, 4.0])
    y = x.var(ddof=1)
    assert y.item() == pytest.approx(np.var([1, 2, 4], ddof=1), rel=1e-15)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (x.data - x.data.mean()) / 2, rtol=1e-14)


@pytest.mark.parametrize("name", ["max", "min", "logsumexp", "sum"])
def test_reduction_over_non_empty_axis_of_empty_tensor(name):
    """Reducing a (0, 3) tensor over axis 1 is well defined (numpy and PyTorch give an
    empty result of shape (0,)); only reducing over the empty axis is an error."""
    x = leaf(np.ones((0, 3)))
    y = getattr(x, name)(axis=1)
    assert y.shape == (0,)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


# ------------------------------------------------------------------ subgradient conventions
TIES = [
    ("max all", lambda x: x.max(), [2.0, 2.0, 1.0], [0.5, 0.5, 0.0]),
    ("min all", lambda x: x.min(), [1.0, 3.0, 1.0], [0.5, 0.0, 0.5]),
    ("max three-way", lambda x: x.max(), [4.0, 4.0, 4.0], [1 / 3, 1 / 3, 1 / 3]),
    ("max rows", lambda x: x.max(axis=1).sum(), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]],
     [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]),
    ("min cols keep", lambda x: x.min(axis=0, keepdims=True).sum(), [[1.0, 5.0], [1.0, 4.0]],
     [[0.5, 0.0], [0.5, 1.0]]),
    ("relu at 0", lambda x: ag.relu(x).sum(), [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
    ("abs at 0", lambda x: ag.abs(x).sum(), [-2.0, 0.0, 3.0], [-1.0, 0.0, 1.0]),
    ("clip at bounds", lambda x: x.clip(0.0, 1.0).sum(), [-1.0, 0.0, 1.0, 2.0],
     [0.0, 1.0, 1.0, 0.0]),
]


@pytest.mark.parametrize("name, f, value, grad", TIES, ids=[r[0] for r in TIES])
def test_subgradient_conventions(name, f, value, grad):
    """Ties split evenly for max/min; relu'(0) = abs'(0) = 0; clip is 1 on its bounds."""
    x = leaf(value)
    f(x).backward()
    np.testing.assert_allclose(x.grad.data, grad, rtol=1e-15, atol=0)


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum], ids=["maximum", "minimum"])
def test_elementwise_max_min_ties_split_half(op):
    """maximum/minimum of two tensors at a == b give 0.5 to each side."""
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    op(a, b).sum().backward()
    win_a = [0.5, 0.0, 1.0] if op is ag.maximum else [0.5, 1.0, 0.0]
    np.testing.assert_array_equal(a.grad.data, win_a)
    np.testing.assert_array_equal(b.grad.data, 1 - np.array(win_a))


# ------------------------------------------------------------------ indexing
def test_repeated_integer_indices_accumulate():
    """x[[0, 0, 1]].sum() -> [2, 1, 0, 0]: np.add.at semantics, not assignment."""
    x = leaf([1.0, 2.0, 3.0, 4.0])
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2, 1, 0, 0])


def test_repeated_index_pairs_accumulate_in_2d():
    x = leaf(np.zeros((2, 3)))
    (x[[0, 0, 1, 0], [2, 2, 1, 2]] * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 7], [0, 3, 0]])


INDICES = [
    ("int", 1),
    ("negative int", -1),
    ("int list repeated", [0, 0, 2]),
    ("int array", np.array([2, 0, 2, 1])),
    ("int tensor", ag.tensor(np.array([1, 1]))),
    ("bool mask", np.array([True, False, True])),
    ("bool mask 2d", np.array([[True, False, True, True]] * 3) & (np.arange(3) > 0)[:, None]),
    ("bool tensor", ag.tensor(np.array([False, True, True]))),
    ("slice step", (slice(None), slice(None, None, 2))),
    ("negative step", slice(None, None, -1)),
    ("negative step bounds", (slice(None), slice(3, 0, -2))),
    ("none ellipsis", (None, Ellipsis, 1)),
    ("ellipsis none", (Ellipsis, None)),
    ("int and slice", (1, slice(1, None))),
    ("slice and int list", (slice(1, None), [0, 0, 3])),
    ("pairs", ([0, 2, 0], [1, 3, 1])),
    ("empty slice", slice(2, 2)),
]


@pytest.mark.parametrize("name, index", INDICES, ids=[r[0] for r in INDICES])
def test_indexing_value_and_grad(name, index):
    """x[index] equals numpy's, and its grad (shape and values) matches central diffs."""
    values = np.arange(12.0).reshape(3, 4) / 7
    np_index = index.data if isinstance(index, ag.Tensor) else index
    x = leaf(values)
    y = x[index]
    np.testing.assert_array_equal(y.data, values[np_index])
    if y.size == 0:
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.zeros((3, 4)))
        return
    check_against_numeric(lambda t: t[index], [x], atol=1e-9)
    # the adjoint, independently: each output element knows which input element it came from
    w = np.random.default_rng(0).standard_normal(y.shape)
    source = np.arange(12).reshape(3, 4)[np_index]
    expected = np.zeros(12)
    np.add.at(expected, source.ravel(), w.ravel())
    np.testing.assert_allclose(x.grad.data, expected.reshape(3, 4), rtol=1e-15, atol=1e-15)


def test_indexing_a_view_twice():
    """Indexing an indexed result: gradients scatter back through both."""
    x = leaf(np.arange(6.0))
    y = x[1:][::2][[0, 0]]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 2, 0, 0, 0, 0])


# ------------------------------------------------------------------ matmul
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((4, 3), (3,)),
    ((2, 3), (3, 4)),
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 2), (2, 1)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_value_and_grads(shapes):
    """numpy.matmul semantics for 1-d, 2-d and batched operands; grads (shape and values)
    match central differences, batch axes summed back."""
    rng = np.random.default_rng(len(shapes[0]) * 10 + len(shapes[1]))
    a, b = leaf(rng.standard_normal(shapes[0])), leaf(rng.standard_normal(shapes[1]))
    y = a @ b
    expected = np.matmul(a.data, b.data)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.data, expected, rtol=1e-14, atol=1e-14)
    check_against_numeric(lambda p, q: ag.matmul(p, q), [a, b])


def test_matmul_with_numpy_and_constant_operands():
    """A constant operand (numpy array) on either side: only the tensor gets a gradient."""
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = leaf([1.0, -1.0])
    (A @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, A.sum(axis=0))
    x.zero_grad()
    (x @ A).sum().backward()
    np.testing.assert_array_equal(x.grad.data, A.sum(axis=1))


# ------------------------------------------------------------------ shape ops
def _where(a, b):
    return ag.where(a.data > 0, a * 2, b)


SHAPE_OPS = [
    ("reshape", lambda a, b: (a.reshape(3, 2) @ b.reshape(2, 3)).reshape(-1)),
    ("reshape tuple", lambda a, b: a.reshape((6,)) * b.reshape(6)),
    ("transpose", lambda a, b: a.T * b.transpose(1, 0)),
    ("transpose 3d", lambda a, b: a.reshape(1, 2, 3).transpose(2, 0, 1) + b.reshape(3, 1, 2)),
    ("concatenate 0", lambda a, b: ag.concatenate([a, b, a], axis=0)),
    ("concatenate -1", lambda a, b: ag.concatenate([a, b * b], axis=-1)),
    ("stack 0", lambda a, b: ag.stack([a, b], axis=0)),
    ("stack -1", lambda a, b: ag.stack([a, b, a * b], axis=-1)),
    ("where", _where),
    ("flatten", lambda a, b: a.flatten() * b.flatten()),
]


@pytest.mark.parametrize("name, f", SHAPE_OPS, ids=[r[0] for r in SHAPE_OPS])
def test_shape_op_grads(name, f):
    rng = np.random.default_rng(7)
    a, b = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((2, 3)))
    check_against_numeric(f, [a, b])


def test_concatenate_splits_gradient_exactly():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0, 5.0])
    y = ag.concatenate([a, b])
    (y * ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1, 2])
    np.testing.assert_array_equal(b.grad.data, [3, 4, 5])


def test_where_gives_no_gradient_to_unselected_branch():
    x = leaf([-1.0, 2.0])
    y = leaf([10.0, 20.0])
    ag.where(x.data > 0, x * 3, y * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 3])
    np.testing.assert_array_equal(y.grad.data, [5, 0])


# ------------------------------------------------------------------ numerical stability
def test_sigmoid_saturates_without_overflow():
    """sigmoid(±1000) = 1 and 0 exactly, gradient exactly 0, no overflow."""
    x = leaf([-1000.0, 1000.0, 0.0])
    with strict():
        y = ag.sigmoid(x)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.25])


@pytest.mark.parametrize("values, probs", [([1000.0] * 3, [1 / 3] * 3), ([-1000.0, 0.0], [0, 1]),
                                           ([1e4, 0.0], [1, 0])])
def test_softmax_and_log_softmax_extreme_logits(values, probs):
    """Stable softmax/log_softmax: finite values and gradients for huge logits."""
    w = ag.tensor(np.arange(1.0, len(values) + 1))
    x = leaf(values)
    with strict():
        s = ag.softmax(x)
        (s * w).sum().backward()
    np.testing.assert_allclose(s.data, probs, rtol=1e-12, atol=1e-300)
    p = np.array(probs)
    np.testing.assert_allclose(x.grad.data, p * (w.data - p @ w.data), atol=1e-12)
    x = leaf(values)
    with strict():
        ls = ag.log_softmax(x)
        (ls * w).sum().backward()
    shifted = np.array(values) - np.max(values)
    expected = shifted - np.log(np.exp(shifted).sum())
    np.testing.assert_allclose(ls.data, expected, rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, w.data - p * w.data.sum(), atol=1e-12)
    assert np.isfinite(x.grad.data).all()


def test_logsumexp_of_large_equal_values():
    """logsumexp([1e4, 1e4]) = 1e4 + log 2 with gradient [0.5, 0.5] (to 1e-12: the rule
    exp(a - out) loses the last bits of log 2 added to 1e4)."""
    x = leaf([1e4, 1e4])
    with strict():
        y = ag.logsumexp(x)
        y.backward()
    assert y.item() == pytest.approx(1e4 + np.log(2), rel=1e-15)
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5], rtol=1e-12)


def test_logsumexp_with_one_minus_inf():
    x = leaf([-np.inf, 1.0])
    with strict():
        y = ag.logsumexp(x)
        y.backward()
    assert y.item() == 1.0
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_logsumexp_all_minus_inf_gives_minus_inf_and_zero_grad():
    """Our documented convention: all -inf -> value -inf, gradient 0 (not NaN)."""
    x = leaf([-np.inf, -np.inf])
    with strict():
        y = ag.logsumexp(x)
        y.backward()
    assert y.item() == -np.inf
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_logsumexp_row_of_minus_inf_beside_finite_row():
    x = leaf([[-np.inf, -np.inf], [0.0, 0.0]])
    with strict():
        y = ag.logsumexp(x, axis=1)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [-np.inf, np.log(2)])
    np.testing.assert_array_equal(x.grad.data, [[0, 0], [0.5, 0.5]])


def test_pow_zero_exponent_at_zero_python_scalar():
    """x**0 at x=0: value 1, gradient 0 (not 0 * 0**-1 = NaN)."""
    x = leaf(0.0)
    with strict():
        y = x**0
        y.backward()
    assert y.item() == 1.0 and x.grad.item() == 0.0


def test_pow_zero_exponent_at_zero_tensor_exponent():
    """x**e with a tensor e = 0 at x=0: gradient 0, and no divide-by-zero along the way."""
    x = leaf([0.0, 2.0])
    e = ag.tensor([0.0, 0.0])
    with strict():
        y = x**e
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


@pytest.mark.parametrize("b", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("kind", ["python", "constant tensor"])
def test_pow_exponent_grad_at_zero_base(b, kind):
    """d(a**b)/db at a=0, b≥0 is 0 (not 0·log 0 = NaN); a constant base needs no d/da,
    so nothing may divide by zero on the way."""
    base = 0.0 if kind == "python" else ag.tensor(0.0)
    e = leaf(b)
    with strict():
        y = ag.ops.pow(base, e)
        y.backward()
    assert y.item() == (1.0 if b == 0 else 0.0)
    assert e.grad.item() == 0.0


@pytest.mark.parametrize("b", [0.0, 2.0])
def test_pow_both_grads_at_zero_base(b):
    """a = 0 leaf, b leaf: d/da = b·0^(b-1) is 0 for b=0 (by convention) and b=2; d/db = 0."""
    a, e = leaf(0.0), leaf(b)
    with strict():
        y = a**e
        y.backward()
    assert a.grad.item() == 0.0 and e.grad.item() == 0.0


def test_pow_negative_base_even_exponent():
    """(-2)**2 = 4 with gradient -4, for a Python or a constant tensor exponent."""
    for exponent in (2, 2.0, ag.tensor(2.0)):
        x = leaf(-2.0)
        with strict():
            y = x**exponent
            y.backward()
        assert y.item() == 4.0 and x.grad.item() == -4.0


def test_log_and_sqrt_at_zero_give_infinite_gradient():
    """log(0) = -inf with grad +inf; sqrt(0) has grad +inf (limits, RELIABILITY §2.24)."""
    x = leaf(0.0)
    with np.errstate(divide="ignore"):
        y = ag.log(x)
        y.backward()
    assert y.item() == -np.inf and x.grad.item() == np.inf
    x = leaf(0.0)
    with np.errstate(divide="ignore"):
        ag.sqrt(x).backward()
    assert x.grad.item() == np.inf
