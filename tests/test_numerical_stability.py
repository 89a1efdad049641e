"""Numerical stability: saturating sigmoid, softmax and logsumexp at extreme values, pow,
log and sqrt at 0, and IEEE results (inf, NaN) outside an op's domain."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf, strict


# ------------------------------------------------------------------ numerical stability
def test_sigmoid_saturates_without_overflow():
    """sigmoid(±1000) = 1 and 0 exactly, gradient exactly 0, no overflow."""
    x = leaf([-1000.0, 1000.0, 0.0])
    with strict():
        y = ag.sigmoid(x)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.25])


@pytest.mark.parametrize(
    "values, probs", [([1000.0] * 3, [1 / 3] * 3), ([-1000.0, 0.0], [0, 1]), ([1e4, 0.0], [1, 0])]
)
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
    """log(0) = -inf with grad +inf; sqrt(0) has grad +inf (the limits)."""
    x = leaf(0.0)
    with np.errstate(divide="ignore"):
        y = ag.log(x)
        y.backward()
    assert y.item() == -np.inf and x.grad.item() == np.inf
    x = leaf(0.0)
    with np.errstate(divide="ignore"):
        ag.sqrt(x).backward()
    assert x.grad.item() == np.inf


# ------------------------------------------------------------------ outside the domain
def test_division_by_zero_masked_afterwards_still_gives_nan():
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


def test_pow_outside_its_domain_is_nan():
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


def test_log_of_negative_is_nan_and_exp_overflows_to_inf():
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
