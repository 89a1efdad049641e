"""Reverse mode on small graphs: the notes' worked examples, nodes used several times and
diamonds, how .grad accumulates over passes (and retain_graph), gradients of non-leaves, the
gradient of a non-scalar output, and the arrays a user holds (seeds, .grad, gradients seen by
hooks) that backward never overwrites.
"""

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.examples import notes_f, notes_j
from autograd_core.ops import Relu

from .helpers import leaf


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


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x.sum(),
        lambda x: (x + x).sum(),
        lambda x: x[0],
        lambda x: x.max(),
        lambda x: ag.stack([x, x]).sum(),
        lambda x: x.broadcast_to((2, 3)).sum(),
    ],
    ids=["sum", "add", "index", "max", "stack", "broadcast"],
)
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


def test_assigned_grad_must_match_the_shape():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(3,\)"):
        x.grad = ag.ones(3)


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


# ------------------------------------------------------------------ non-scalar outputs
def test_backward_with_a_gradient_gives_the_vector_jacobian_product():
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


# ------------------------------------------------------------------ arrays the user holds
def test_backward_never_writes_into_the_callers_gradient():
    """The seed passed to backward is the caller's array: Add hands it to both ReLUs, and
    neither may mask it in place."""
    a, b = leaf([1.0, -1.0, 2.0]), leaf([3.0, 4.0, -5.0])
    seed = np.array([10.0, 20.0, 30.0])
    (ag.relu(a) + ag.relu(b)).backward(ag.tensor(seed))
    assert seed.tolist() == [10.0, 20.0, 30.0]
    assert a.grad.tolist() == [10.0, 0.0, 30.0] and b.grad.tolist() == [10.0, 20.0, 0.0]


def test_relu_masks_the_sum_of_its_outputs_uses():
    """h = relu(a) used twice: h's gradient is 2 + 3, masked where a < 0."""
    a = leaf([1.0, -1.0, 2.0])
    h = ag.relu(a * 1.0)
    (h * 2.0 + h * 3.0).sum().backward()
    assert a.grad.tolist() == [5.0, 0.0, 5.0]


class _PassThroughRelu(Relu):
    """A subclass with its own rule: ReLU's forward, the identity's gradient."""

    @staticmethod
    def backward(ctx, g):
        return g


def test_a_subclass_with_its_own_backward_runs_that_rule():
    """A Relu subclass that overrides backward gets its own rule, eagerly, while compiled
    code is traced and when it is replayed: the gradient passes through unmasked."""
    first, second = nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    f = lambda x: second(_PassThroughRelu.apply(first(x))).sum()  # noqa: E731
    compiled = ag.compile(f)
    unmasked = (np.ones((5, 2)) @ second.weight.data).sum(axis=0)  # what the rule passes on
    for fn in (f, compiled, compiled):  # eager, then tracing, then replay
        first.zero_grad()
        fn(x).backward()
        np.testing.assert_allclose(first.bias.grad.data, unmasked)


def _observed_mlp(observe):
    first, second = nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    h = ag.relu(first(x))
    seen = observe(h)
    loss = nn.CrossEntropyLoss()(second(h), np.array([0, 1, 1, 0, 1]))
    return h, loss, seen, first


@pytest.mark.parametrize("how", ["hook", "retain_grad", "ag.grad"])
def test_a_gradient_someone_sees_is_never_masked_afterwards(how):
    """The gradient of a ReLU's output that a hook, retain_grad or ag.grad hands to the user
    stays as it came: ReLU's rule never masks it in place."""
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
    assert (g.data[h.data == 0] != 0).any()  # h's gradient as it came, not masked
