"""The elementwise math ops as a PyTorch user expects them: log1p/expm1 stay exact near 0,
the rounding ops give zero gradients (not None), PyTorch's names (asin, clamp(min=, max=))
are the same functions, where broadcasts its three arguments, and the values and gradients
agree with PyTorch where it is installed. (Values, gradients, dtypes and errors of every op
are checked generically by the records in tests/opinfo_math.py.)"""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops

from .helpers import leaf, strict

TINY = 1e-10


# ---------------------------------------------------------------------------- stability
def test_log1p_is_exact_where_log_of_one_plus_x_is_not():
    """log(1 + 1e-10) loses 8 digits to rounding 1 + 1e-10; log1p keeps them all."""
    x = leaf([TINY, -TINY, 1e-300])
    with strict():
        y = ag.log1p(x)
        y.sum().backward()
    taylor = x.data - x.data**2 / 2 + x.data**3 / 3  # exact to 1e-30 relative here
    np.testing.assert_allclose(y.data, taylor, rtol=1e-15, atol=0)
    assert abs(ag.log(1.0 + x).data[0] - TINY) > 1e-18  # the naive formula is off
    np.testing.assert_allclose(x.grad.data, 1.0 / (1.0 + x.data), rtol=1e-15)


def test_expm1_is_exact_where_exp_minus_one_is_not():
    x = leaf([TINY, -TINY, 0.0])
    with strict():
        y = ag.expm1(x)
        y.sum().backward()
    taylor = x.data + x.data**2 / 2 + x.data**3 / 6
    np.testing.assert_allclose(y.data, taylor, rtol=1e-15, atol=0)
    assert abs((ag.exp(x) - 1.0).data[0] - TINY) > 1e-18
    np.testing.assert_allclose(x.grad.data, np.exp(x.data), rtol=1e-15)


def test_singular_points_give_ieee_values_and_gradients():
    """As PyTorch: log1p(-1) = -inf with slope +inf, reciprocal(0) = inf with slope -inf,
    rsqrt(0) = inf with slope -inf, arcsin(±1) = ±π/2 with slope +inf."""
    cases = [
        (ag.log1p, -1.0, -np.inf, np.inf),
        (ag.reciprocal, 0.0, np.inf, -np.inf),
        (ag.rsqrt, 0.0, np.inf, -np.inf),
        (ag.arcsin, 1.0, np.pi / 2, np.inf),
        (ag.arcsin, -1.0, -np.pi / 2, np.inf),
        (ag.arccos, 1.0, 0.0, -np.inf),
    ]
    for fn, at, value, slope in cases:
        x = leaf(at)
        with np.errstate(divide="ignore"):
            y = fn(x)
            y.backward()
        assert y.item() == value and x.grad.item() == slope, fn.__name__


def test_reciprocal_of_integers_is_a_float_division():
    """np.reciprocal would divide integers (1 // 2 = 0); PyTorch gives floats, as here."""
    y = ag.reciprocal(ag.tensor([1, 2, 4]))
    assert y.dtype.kind == "f"
    np.testing.assert_array_equal(y.data, [1.0, 0.5, 0.25])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inverse_trig_slopes_follow_the_textbook_formulas(dtype):
    """arcsin' = 1/√(1-x²), arccos' = -1/√(1-x²), arctan' = 1/(1+x²), in the input's dtype."""
    x = np.array([-0.99, -0.5, 0.0, 0.3, 0.999], dtype=dtype)
    expected = {
        ag.arcsin: 1 / np.sqrt(1 - x.astype(np.float64) ** 2),
        ag.arccos: -1 / np.sqrt(1 - x.astype(np.float64) ** 2),
        ag.arctan: 1 / (1 + x.astype(np.float64) ** 2),
    }
    for fn, slope in expected.items():
        t = leaf(x, dtype=dtype)
        fn(t).sum().backward()
        assert t.grad.dtype == dtype
        np.testing.assert_allclose(t.grad.data, slope, rtol=1e-12 if dtype == np.float64 else 1e-5)


# ---------------------------------------------------------------------------- rounding
ROUNDING = [ag.sign, ag.floor, ag.ceil, ag.round]


@pytest.mark.parametrize("fn", ROUNDING, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounding_ops_give_zero_gradients_not_none(fn, dtype):
    """torch.floor(x).sum().backward() gives x.grad = zeros: the step functions are flat
    almost everywhere, and the jumps (here 0, 1, 0.5) count as flat too."""
    x = leaf([-1.7, 0.0, 0.5, 1.0, 2.5], dtype=dtype)
    y = fn(x)
    assert y.requires_grad and y.grad_fn is not None
    (y * 3.0).sum().backward()
    assert x.grad is not None and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.data, np.zeros(5))


@pytest.mark.parametrize("fn", ROUNDING, ids=lambda f: f.__name__)
def test_rounding_ops_give_zero_tangents_and_zero_second_derivatives(fn):
    x = ag.tensor([-1.7, 0.2, 2.5])
    _, tangent = ag.jvp(fn, (x,), (ag.ones_like(x),))
    np.testing.assert_array_equal(tangent.data, np.zeros(3))
    w = leaf([-1.7, 0.2, 2.5])
    (g,) = ag.grad(fn(w * w).sum(), [w], create_graph=True)
    np.testing.assert_array_equal(g.data, np.zeros(3))
    (gg,) = ag.grad(g.sum(), [w])  # g depends on w through w * w's rule, as in PyTorch
    np.testing.assert_array_equal(gg.data, np.zeros(3))


def test_a_parameter_used_through_floor_still_gets_a_gradient():
    """The gradient is zeros, not None: an optimiser step sees the parameter; and the
    straight-through estimator of the module docstring passes the gradient on."""
    w = leaf([0.4, 1.6])
    (ag.floor(w) * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    w = leaf([0.4, 1.6])
    straight_through = w + (ag.floor(w) - w).detach()
    np.testing.assert_array_equal(straight_through.data, [0.0, 1.0])
    (straight_through * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0])


def test_round_halves_to_even_as_numpy_and_pytorch():
    x = ag.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994])
    np.testing.assert_array_equal(ag.round(x).data, [0.0, 2.0, 2.0, -0.0, -2.0, 0.0])
    np.testing.assert_array_equal(
        ag.round(ag.tensor([1.234, -5.678]), decimals=2).data, [1.23, -5.68]
    )
    np.testing.assert_array_equal(
        ag.round(ag.tensor([149.0, 25.0]), decimals=-1).data, [150.0, 20.0]
    )


def test_sign_of_zero_is_zero_and_of_nan_is_nan():
    """sign(±0) = 0 (numpy and PyTorch). sign(nan) = nan, as numpy and IEEE propagate it;
    PyTorch gives 0 there (pytorch/pytorch#41245, an open bug), which would hide the nan."""
    y = ag.sign(ag.tensor([-0.0, 0.0, -3.0, 2.0, np.inf, np.nan]))
    np.testing.assert_array_equal(y.data, [0.0, 0.0, -1.0, 1.0, 1.0, np.nan])


@pytest.mark.parametrize("fn", ROUNDING, ids=lambda f: f.__name__)
def test_rounding_integers_keeps_them_integers(fn):
    """As PyTorch: floor/ceil/round/sign of an int tensor is an int tensor, values kept."""
    x = ag.tensor([-3, 0, 7])
    y = fn(x)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, np.sign(x.data) if fn is ag.sign else x.data)


# ---------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    "alias, name", [("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan")]
)
def test_pytorch_names_are_the_same_functions(alias, name):
    assert getattr(ag, alias) is getattr(ag, name) is getattr(ops, name)
    assert getattr(ops, alias) is getattr(ops, name)
    assert alias in ag.__all__ and name in ag.__all__


def test_clamp_takes_pytorch_keywords_and_means_clip():
    x = ag.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    expected = np.clip(x.data, -1.0, 1.0)
    np.testing.assert_array_equal(ag.clamp(x, min=-1.0, max=1.0).data, expected)
    np.testing.assert_array_equal(ag.clamp(x, -1.0, 1.0).data, expected)
    np.testing.assert_array_equal(ag.clamp(x, -1.0, 1.0).data, ag.clip(x, -1.0, 1.0).data)
    np.testing.assert_array_equal(ag.clamp(x, min=0.0).data, [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(ag.clamp(x, max=0.0).data, [-2.0, -0.5, 0.0, 0.0, 0.0])


def test_clamp_gradient_is_clips_bounds_included():
    """1 inside [min, max] with the bounds themselves, 0 outside (PyTorch's convention)."""
    x = leaf([-2.0, -1.0, 0.0, 1.0, 2.0])
    ag.clamp(x, min=-1.0, max=1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clamp_with_min_above_max_gives_max_everywhere():
    """PyTorch: min > max sets every element to max (and passes no gradient)."""
    x = leaf([-2.0, 0.0, 2.0])
    y = ag.clamp(x, min=1.0, max=-1.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [-1.0, -1.0, -1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


def test_clamp_keeps_float32_with_python_bounds():
    x = ag.tensor(np.array([-2.0, 0.5], np.float32))
    assert ag.clamp(x, min=0, max=1.0).dtype == np.float32


@pytest.mark.parametrize("op, kwargs", [(ag.clamp, {"max": 1.0}), (ag.clip, {"hi": 1.0})])
def test_tensor_bounds_are_refused_with_a_clear_error(op, kwargs):
    bound = ag.tensor([0.0, 0.0])
    name, key = op.__name__, ("min" if op is ag.clamp else "lo")
    with pytest.raises(TypeError, match=rf"^{name}: {key} must be a number, got a Tensor"):
        op(ag.tensor([1.0, 2.0]), **{key: bound}, **kwargs)


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match=r"^clamp: at least one of min and max"):
        ag.clamp(ag.tensor([1.0]))


# ---------------------------------------------------------------------------- where
WHERE_SHAPES = [
    ((3,), (2, 3), (2, 3)),  # cond smaller than a and b
    ((2, 1), (3,), (2, 3)),  # each stretched along another axis
    ((2, 3), (), (3,)),  # a is 0-d
    ((), (2, 3), (2, 3)),  # one condition for all
    ((2, 3), (2, 1), (1, 3)),  # cond the largest
    ((4, 1, 3), (2, 1), (3,)),  # three ranks
]


def _where_leaves(cond_shape, a_shape, b_shape, seed=0):
    rng = np.random.default_rng(seed)
    cond = rng.random(cond_shape) > 0.5
    return cond, leaf(rng.standard_normal(a_shape)), leaf(rng.standard_normal(b_shape))


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=str)
def test_where_broadcasts_cond_a_and_b_forward_backward_and_jvp(shapes):
    cond, a, b = _where_leaves(*shapes)
    out = ag.where(cond, a, b)
    expected = np.where(cond, a.data, b.data)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    mask = np.broadcast_to(cond, out.shape)
    np.testing.assert_array_equal(a.grad.data, _sum_to(mask * 1.0, a.shape))
    np.testing.assert_array_equal(b.grad.data, _sum_to(~mask * 1.0, b.shape))
    assert ag.gradcheck(lambda x, y: ag.where(cond, x, y), [a, b], check_forward=True)
    assert ag.gradgradcheck(lambda x, y: ag.where(cond, x, y) ** 2, [a, b], check_forward=True)


def _sum_to(g, shape):
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_with_python_numbers_keeps_the_tensor_dtype(dtype):
    """torch.where(cond, x, 0.5) is x's dtype; the number gets no gradient."""
    x = leaf([-1.0, 2.0, -3.0], dtype=dtype)
    for out in (ag.where(x > 0, x, 0.5), ag.where(x > 0, -0.5, x)):
        assert out.dtype == dtype
        out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])
    _, tangent = ag.jvp(lambda t: ag.where(t > 0, t, 0.5), (x,), (ag.ones_like(x),))
    assert tangent.dtype == dtype
    np.testing.assert_array_equal(tangent.data, [0.0, 1.0, 0.0])


def test_where_with_cond_from_comparing_two_tensors():
    """cond = x > y (a bool tensor, broadcast); under ag.compile the mask is recomputed
    on every call, not baked in from the first one."""
    x, y = leaf([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]), leaf([0.0, -3.0, 4.0])

    def f(x, y):
        return ag.where(x > y, x, 2.0 * y).sum()

    f(x, y).backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0, 4.0])
    compiled = ag.compile(f)
    compiled(x, y)
    x.data = -x.data
    assert compiled(x, y).item() == f(x, y).item()


# ---------------------------------------------------------------------------- PyTorch
TORCH_CASES = [
    ("log1p", "log1p", [-0.5, 0.0, 1e-10, 2.0]),
    ("expm1", "expm1", [-2.0, 1e-10, 0.7]),
    ("square", "square", [-1.5, 0.0, 2.0]),
    ("reciprocal", "reciprocal", [-0.5, 0.25, 3.0]),
    ("rsqrt", "rsqrt", [0.25, 1.0, 7.0]),
    ("sinh", "sinh", [-2.0, 0.0, 1.5]),
    ("cosh", "cosh", [-2.0, 0.0, 1.5]),
    ("asin", "asin", [-0.9, 0.0, 0.6]),
    ("acos", "acos", [-0.9, 0.0, 0.6]),
    ("atan", "atan", [-3.0, 0.0, 0.6]),
    ("sign", "sign", [-2.0, 0.0, 3.0]),
    ("floor", "floor", [-1.5, -0.2, 2.7]),
    ("ceil", "ceil", [-1.5, -0.2, 2.7]),
    ("round", "round", [-2.5, 0.5, 1.5, 2.4]),
]


@pytest.mark.parametrize("ours, theirs, x", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_values_and_gradients_match_pytorch(ours, theirs, x):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    getattr(torch, theirs)(t).sum().backward()
    a = leaf(x)
    y = getattr(ag, ours)(a)
    y.sum().backward()
    np.testing.assert_allclose(y.data, getattr(torch, theirs)(t).detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-14)


def test_clamp_and_where_match_pytorch():
    torch = pytest.importorskip("torch")
    values = [-2.0, -1.0, 0.0, 1.0, 2.0]
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    a = leaf(values)
    torch.clamp(t, min=-1.0, max=1.0).sum().backward()
    ag.clamp(a, min=-1.0, max=1.0).sum().backward()
    np.testing.assert_array_equal(a.grad.data, t.grad.numpy())
    t.grad, a.grad = None, None
    torch.where(t > 0, t * t, torch.tensor(0.5, dtype=torch.float64)).sum().backward()
    ag.where(a > 0, a * a, 0.5).sum().backward()
    np.testing.assert_array_equal(a.grad.data, t.grad.numpy())
