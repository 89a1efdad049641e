"""vjp, jacobian and hessian against closed forms and finite differences."""

import numpy as np
import pytest

import autograd_core as ag

RNG = np.random.default_rng(7)


def test_vjp_returns_outputs_and_cotangent_times_jacobian():
    x = ag.tensor([1.0, 2.0])
    out, g = ag.vjp(lambda t: t * t, x, ag.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(out.data, [1.0, 4.0])
    np.testing.assert_array_equal(g.data, [2.0, 40.0])


def test_vjp_structure_follows_the_primals():
    out, (ga, gb) = ag.vjp(lambda a, b: (a * b).sum(), (ag.tensor(2.0), ag.tensor(5.0)))
    assert (out.item(), ga.item(), gb.item()) == (10.0, 5.0, 2.0)


def test_vjp_of_unused_input_is_zero():
    _, (ga, gb) = ag.vjp(lambda a, b: a * 2.0, (ag.tensor(1.0), ag.tensor([1.0, 1.0])))
    assert ga.item() == 2.0 and np.all(gb.data == 0) and gb.shape == (2,)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_of_a_linear_map_is_its_matrix(mode):
    A = RNG.standard_normal((4, 3))
    J = ag.jacobian(lambda x: ag.tensor(A) @ x, ag.tensor(RNG.standard_normal(3)), mode=mode)
    np.testing.assert_allclose(J.data, A)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_nested_structure(mode):
    def f(a, b):
        return a * b, (a**2).sum()

    a, b = ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0])
    (J_prod_a, J_prod_b), (J_sum_a, J_sum_b) = ag.jacobian(f, (a, b), mode=mode)
    np.testing.assert_allclose(J_prod_a.data, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(J_prod_b.data, np.diag([1.0, 2.0]))
    np.testing.assert_allclose(J_sum_a.data, [2.0, 4.0])
    np.testing.assert_allclose(J_sum_b.data, [0.0, 0.0])


def test_jacobian_shape_is_output_shape_then_input_shape():
    J = ag.jacobian(lambda x: x.sum(axis=0), ag.tensor(np.ones((2, 3))))
    assert J.shape == (3, 2, 3)


def test_jacobian_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 'rev' or 'fwd'"):
        ag.jacobian(ag.exp, ag.tensor(1.0), mode="sideways")


def test_hessian_of_quadratic_form_is_A_plus_A_transpose():
    A = RNG.standard_normal((4, 4))
    H = ag.hessian(lambda x: x @ (ag.tensor(A) @ x), ag.tensor(RNG.standard_normal(4)))
    np.testing.assert_allclose(H.data, A + A.T, atol=1e-12)


def test_hessian_of_sum_exp_is_diagonal():
    x = RNG.standard_normal(5)
    H = ag.hessian(lambda t: t.exp().sum(), ag.tensor(x))
    np.testing.assert_allclose(H.data, np.diag(np.exp(x)), atol=1e-12)


def test_hessian_of_logsumexp_is_diag_p_minus_ppT():
    x = RNG.standard_normal(4)
    p = np.exp(x) / np.exp(x).sum()
    H = ag.hessian(lambda t: t.logsumexp(), ag.tensor(x))
    np.testing.assert_allclose(H.data, np.diag(p) - np.outer(p, p), atol=1e-12)


def test_hessian_of_logistic_loss():
    """L(w) = Σ log(1 + exp(-y_i x_iᵀw)) has Hessian Xᵀ diag(s(1-s)) X, s = σ(y xᵀw)."""
    X = RNG.standard_normal((6, 3))
    y = np.sign(RNG.standard_normal(6))
    w = RNG.standard_normal(3)

    def loss(t):
        margins = ag.tensor(y) * (ag.tensor(X) @ t)
        return (-ag.log(ag.sigmoid(margins))).sum()

    s = 1 / (1 + np.exp(-y * (X @ w)))
    expected = X.T @ np.diag(s * (1 - s)) @ X
    np.testing.assert_allclose(ag.hessian(loss, ag.tensor(w)).data, expected, atol=1e-10)


def test_hessian_with_several_inputs_is_nested():
    (Haa, Hab), (Hba, Hbb) = ag.hessian(
        lambda a, b: (a * a * b).sum(), (ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]))
    )
    np.testing.assert_allclose(Haa.data, np.diag([6.0, 8.0]))
    np.testing.assert_allclose(Hab.data, np.diag([2.0, 4.0]))
    np.testing.assert_allclose(Hba.data, Hab.data.T)
    np.testing.assert_allclose(Hbb.data, np.zeros((2, 2)))


def test_hessian_vector_product_matches_finite_differences_of_gradients():
    def f(t):
        return (ag.tanh(t) ** 2).sum() + (t[0] * t[1] * t[2])

    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    H = ag.hessian(f, ag.tensor(x))

    eps = 1e-6
    fd = (_grad(f, x + eps * v) - _grad(f, x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(H.data @ v, fd, rtol=1e-6, atol=1e-8)


def _grad(f, at):
    leaf = ag.tensor(at, requires_grad=True)
    (g,) = ag.grad(f(leaf), leaf)
    return g.data


def test_second_derivative_of_cube_is_12_at_2():
    assert ag.hessian(lambda t: t**3, ag.tensor(2.0)).item() == pytest.approx(12.0)


def test_reverse_mode_transforms_work_under_no_grad():
    """They need a graph: under no_grad (as inside a forward-mode jacobian) they record one
    anyway instead of returning zeros."""
    x = ag.tensor([1.0, 2.0])
    with ag.no_grad():
        _, g = ag.vjp(lambda t: (t**3).sum(), x)
        J = ag.jacobian(lambda t: t**3, x, mode="rev")
        H = ag.hessian(lambda t: (t**3).sum(), x)
    np.testing.assert_allclose(g.data, [3.0, 12.0])
    np.testing.assert_allclose(J.data, np.diag([3.0, 12.0]))
    np.testing.assert_allclose(H.data, np.diag([6.0, 12.0]))


def test_hessian_of_a_function_that_ignores_its_input_is_zero():
    H = ag.hessian(lambda t: ag.tensor(3.0), ag.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(H.data, np.zeros((2, 2)))


def test_transforms_return_plain_tensors():
    J = ag.jacobian(lambda t: t * t, ag.tensor([1.0, 2.0]), mode="fwd")
    H = ag.hessian(lambda t: (t * t).sum(), ag.tensor([1.0, 2.0]))
    for result in (J, H):
        assert isinstance(result, ag.Tensor) and not result.requires_grad
        assert result.tangent is None
