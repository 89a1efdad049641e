"""matmul and shape ops: numpy.matmul semantics for 1-d, 2-d and batched operands, and
gradients of reshape, transpose, concatenate, stack, where and flatten."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import check_against_numeric, leaf

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
