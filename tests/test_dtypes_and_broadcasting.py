"""dtypes and broadcasting: float32 stays float32 through every op and its gradient, mixed
dtypes give each leaf a gradient of its own dtype, and gradients of broadcast operands are
summed back to the operand's shape."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import check_against_numeric, leaf

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
    # Python floats take the default dtype; ints are int64 as in PyTorch (test_torch_surface)
    assert ag.tensor(1.0).dtype == np.float64
    assert ag.tensor([1, 2.0]).dtype == np.float64
    assert ag.tensor(np.array([1, 2], np.float32)).dtype == np.float32


# ------------------------------------------------------------------ unbroadcasting
BROADCAST_SHAPES = [
    ((3, 1), (1, 4)),
    ((1,), (5, 4)),
    ((4,), (2, 3, 4)),
    ((), (2, 3)),
    ((2, 1, 4), (3, 1)),
    ((5, 4), (1,)),
    ((2, 3), ()),
]
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
