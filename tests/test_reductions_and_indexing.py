"""Reductions and indexing: values against numpy over every axis combination, gradients
against central differences, empty tensors, and repeated indices that accumulate."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import check_against_numeric, leaf


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
    """Reductions along the only axis of a vector (mean(0) included) and of a 0-d tensor."""
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
