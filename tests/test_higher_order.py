"""Higher-order derivatives: ag.grad(create_graph=True) applied again, closed-form second
derivatives of the elementwise ops, mixed partials and Hessian-vector products."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf


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
    ("softplus-like", lambda x: ag.log(ag.exp(x) + 1.0), lambda v: _sig(v) * (1 - _sig(v)), "any"),
]


@pytest.mark.parametrize("name, f, f2, domain", SECOND_ORDER, ids=[r[0] for r in SECOND_ORDER])
@pytest.mark.parametrize("shape", [(), (4,)], ids=["0d", "1d"])
def test_grad_of_grad_matches_closed_form(name, f, f2, domain, shape):
    """d²/dx² of sum f(x) is f''(x) elementwise (0-d inputs included)."""
    values = (
        np.array([0.3, 0.7, 1.3, 2.1]) if domain == "positive" else np.array([-1.2, -0.4, 0.6, 1.5])
    )
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
