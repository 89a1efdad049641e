"""Property tests (hypothesis): for random shapes, broadcastable pairs and values, forward
values equal numpy's, every gradient has its input's shape, and reverse-mode gradients equal
central differences, for the broadcasting binary ops and the reductions.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


def finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def broadcast_pair(draw, lo=-2.0, hi=2.0):
    """Two float64 arrays whose shapes broadcast together (0 to 3 dims, sides up to 3)."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
    )
    a, b = (draw(hnp.arrays(np.float64, s, elements=finite(lo, hi))) for s in shapes.input_shapes)
    return a, b, shapes.result_shape


def grads_vs_numeric(f, arrays, rtol=1e-5, atol=1e-6):
    """Backward of sum(f(*xs) * w) for a fixed random w, against central differences."""
    xs = [ag.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*xs)
    w = ag.tensor(np.random.default_rng(0).standard_normal(out.shape))
    (out * w).sum().backward()
    numeric = ag.numerical_grad(lambda *ts: (f(*ts) * w).sum(), [ag.tensor(a) for a in arrays])
    for x, n in zip(xs, numeric):
        assert x.grad is not None
        assert x.grad.shape == x.shape
        assert x.grad.dtype == np.float64
        np.testing.assert_allclose(x.grad.data, n, rtol=rtol, atol=atol)
    return out


# (name, op, numpy reference, how to make the pair safe for the op)
def _keep(a, b):
    return a, b


def _away_from_zero(a, b):
    """Denominators in ±[0.5, 2.5]: no pole near the finite-difference step."""
    return a, np.where(b >= 0, b + 0.5, b - 0.5)


def _positive_base(a, b):
    """Base in [0.5, 2.5], exponent in [-2, 2]."""
    return np.abs(a) + 0.5, b


def _untied(a, b):
    """a on the grid 0.1k + 0.05, b on the grid 0.1k: every pair is at least 0.05 apart, so
    maximum/minimum never switch sides within the finite-difference step."""
    return np.floor(a * 10) / 10 + 0.05, np.round(b * 10) / 10


BINARY = [
    ("add", lambda a, b: a + b, np.add, _keep),
    ("sub", lambda a, b: a - b, np.subtract, _keep),
    ("mul", lambda a, b: a * b, np.multiply, _keep),
    ("div", lambda a, b: a / b, np.divide, _away_from_zero),
    ("pow", lambda a, b: a**b, np.power, _positive_base),
    ("maximum", ag.maximum, np.maximum, _untied),
    ("minimum", ag.minimum, np.minimum, _untied),
]


@pytest.mark.parametrize("name, op, ref, prepare", BINARY, ids=[r[0] for r in BINARY])
@SETTINGS
@given(pair=broadcast_pair())
def test_binary_op_broadcasting_gradients(name, op, ref, prepare, pair):
    """Value equals numpy's (bit for bit), result has the broadcast shape, each grad has its
    input's shape and equals central differences."""
    a, b, result_shape = pair
    a, b = prepare(a, b)
    out = grads_vs_numeric(op, [a, b])
    assert out.shape == result_shape
    np.testing.assert_array_equal(out.data, ref(a, b))


@SETTINGS
@given(pair=broadcast_pair())
def test_binary_op_with_python_scalar(pair):
    """A Python number on either side broadcasts and gets no gradient of its own."""
    a, _, _ = pair
    out = grads_vs_numeric(lambda x: 2.5 * x - x / 4.0 + 1.0, [a])
    np.testing.assert_allclose(out.data, 2.5 * a - a / 4.0 + 1.0, rtol=1e-15)


# ------------------------------------------------------------------ reductions
@st.composite
def reduction_case(draw):
    """An array (1-3 dims, sides 1-4, distinct values 0.1 apart), an axis spec and keepdims."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    noise = draw(hnp.arrays(np.float64, shape, elements=finite(-1.0, 1.0)))
    # rank the drawn values (ties broken by position) so every entry is distinct
    ranks = np.empty(noise.size)
    ranks[np.argsort(noise.ravel(), kind="stable")] = np.arange(noise.size)
    values = ranks.reshape(shape) * 0.1 - 0.05 * noise.size
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=0, max_size=ndim))
        negate = draw(st.lists(st.booleans(), min_size=len(axes), max_size=len(axes)))
        axis = tuple(a - ndim if n else a for a, n in zip(axes, negate))
    return values, axis, draw(st.booleans())


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = [
    ("sum", "sum", np.sum),
    ("mean", "mean", np.mean),
    ("max", "max", np.max),
    ("min", "min", np.min),
    ("logsumexp", "logsumexp", _np_logsumexp),
    ("var", "var", np.var),
]


@pytest.mark.parametrize("name, method, ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@SETTINGS
@given(case=reduction_case())
def test_reduction_gradients(name, method, ref, case):
    """For random axis subsets (None, int, negative, tuple, empty tuple) and keepdims:
    value and shape equal numpy's; the grad has the input's shape and equals central diffs."""
    values, axis, keepdims = case
    expected = ref(values, axis=axis, keepdims=keepdims)

    def f(t):
        return getattr(t, method)(axis=axis, keepdims=keepdims)

    out = grads_vs_numeric(f, [values])
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(case=reduction_case())
def test_softmax_rows_sum_to_one_and_gradients(case):
    """softmax along any axis sums to 1 there; log_softmax grads equal central diffs."""
    values, axis, _ = case
    axis = 0 if not isinstance(axis, int) else axis
    s = ag.softmax(ag.tensor(values), axis=axis)
    np.testing.assert_allclose(s.data.sum(axis=axis), 1.0, rtol=1e-13)
    grads_vs_numeric(lambda t: ag.log_softmax(t, axis=axis), [values])


@SETTINGS
@given(
    data=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), elements=finite(-3.0, 3.0)
    )
)
def test_unary_chain_gradients(data):
    """A composition of smooth unary ops: grad shape and values against central diffs."""
    out = grads_vs_numeric(
        lambda x: ag.tanh(ag.exp(x * 0.5)) * ag.sigmoid(x) + ag.sin(x) ** 2, [data]
    )
    assert out.shape == data.shape


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=2, max_dims=4, max_side=3, base_shape=()
    ),
    inner=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_batched_matmul_gradients(shapes, inner, seed):
    """Batched matmul with broadcasting batch dims: numpy's value, grads vs central diffs."""
    (sa, sb), _ = shapes.input_shapes, shapes.result_shape
    a_shape = sa[:-1] + (inner,)
    b_shape = sb[:-2] + (inner, sb[-1])
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    out = grads_vs_numeric(ag.matmul, [a, b])
    np.testing.assert_allclose(out.data, np.matmul(a, b), rtol=1e-13, atol=1e-13)
