"""Gradients at kinks and ties: max/min split ties evenly, relu'(0) = abs'(0) = 0, clip is
1 on its bounds, norm is 0 at 0, indexing the argmax differs from max, piecewise-constant
ops carry no gradient, and NaN upstream gradients reach exactly the inputs they came from."""

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F

from .helpers import leaf, strict

# ------------------------------------------------------------------ subgradient conventions
TIES = [
    ("max all", lambda x: x.max(), [2.0, 2.0, 1.0], [0.5, 0.5, 0.0]),
    ("min all", lambda x: x.min(), [1.0, 3.0, 1.0], [0.5, 0.0, 0.5]),
    ("max three-way", lambda x: x.max(), [4.0, 4.0, 4.0], [1 / 3, 1 / 3, 1 / 3]),
    (
        "max rows",
        lambda x: x.max(axis=1).sum(),
        [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]],
        [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]],
    ),
    (
        "min cols keep",
        lambda x: x.min(axis=0, keepdims=True).sum(),
        [[1.0, 5.0], [1.0, 4.0]],
        [[0.5, 0.0], [0.5, 1.0]],
    ),
    ("relu at 0", lambda x: ag.relu(x).sum(), [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
    ("abs at 0", lambda x: ag.abs(x).sum(), [-2.0, 0.0, 3.0], [-1.0, 0.0, 1.0]),
    (
        "clip at bounds",
        lambda x: x.clip(0.0, 1.0).sum(),
        [-1.0, 0.0, 1.0, 2.0],
        [0.0, 1.0, 1.0, 0.0],
    ),
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


# ------------------------------------------------------------------ norms, argmax, comparisons
def test_norm_has_gradient_zero_at_zero():
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


def test_indexing_the_argmax_gives_all_to_one_index_unlike_max():
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
def test_maximum_against_a_constant_number_gives_the_tensor_zero_on_a_tie(order):
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


def test_piecewise_constant_ops_have_no_gradient_path():
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


def test_nan_upstream_gradients_propagate_through_every_use():
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
