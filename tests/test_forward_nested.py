"""Nested forward mode: every ag.jvp (and ag.forward_ad.dual_level) opens a level of its own,
so that jvp-of-jvp, forward-over-forward Jacobians and Hessians, and forward-over-reverse
inside a jvp give higher derivatives, without perturbation confusion. Checked against
closed forms and central differences in float64."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.forward_ad import dual_level

X0 = 0.7


def f(x):
    return ag.sin(x) * x


def f1(x):  # f'
    return np.cos(x) * x + np.sin(x)


def f2(x):  # f''
    return 2 * np.cos(x) - x * np.sin(x)


def f3(x):  # f'''
    return -3 * np.sin(x) - x * np.cos(x)


def derivative(f, x):
    """x -> f'(x) by forward mode."""
    return ag.jvp(f, x, ag.tensor(1.0))[1]


def central(fn, x, eps=1e-5):
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def test_jvp_of_jvp_is_the_second_derivative():
    _, second = ag.jvp(lambda x: derivative(f, x), ag.tensor(X0), ag.tensor(1.0))
    assert second.item() == pytest.approx(f2(X0), rel=1e-12)
    assert second.item() == pytest.approx(1.0787, abs=1e-4)
    assert second.item() == pytest.approx(central(f1, X0), rel=1e-8)


def test_three_nested_jvps_give_the_third_derivative():
    third = derivative(lambda x: derivative(lambda y: derivative(f, y), x), ag.tensor(X0))
    assert third.item() == pytest.approx(f3(X0), rel=1e-12)


def test_no_perturbation_confusion():
    """d/dx [x · (d/dy (x + y))|_{y=1}] = d/dx [x · 1] = 1 (confusing the two tangents
    gives 2)."""

    def outer(x):
        inner = derivative(lambda y: x + y, ag.tensor(1.0))
        return x * inner

    assert derivative(outer, ag.tensor(3.0)).item() == 1.0


def test_no_perturbation_confusion_when_the_inner_function_multiplies_by_the_closure():
    """d/dx [d/dy (x·y)] = d/dx [x] = 1; and d/dx [x · d/dy (x·y)] = 2x."""
    assert (
        derivative(lambda x: derivative(lambda y: x * y, ag.tensor(2.0)), ag.tensor(3.0)).item()
        == 1.0
    )
    value = derivative(lambda x: x * derivative(lambda y: x * y, ag.tensor(2.0)), ag.tensor(3.0))
    assert value.item() == 6.0


def test_an_inner_jvp_does_not_see_the_outer_tangent_of_a_closure():
    seen = []

    def outer(x):
        def inner(y):
            seen.append(ag.unpack_dual(x).tangent)  # x has no tangent at the inner level
            return x * y

        return derivative(inner, ag.tensor(2.0))

    derivative(outer, ag.tensor(3.0))
    assert seen == [None]


def test_jvp_with_a_vector_tangent_that_depends_on_the_outer_input():
    """d/dx of the directional derivative of g along x itself: g(y) = Σ y³, so
    h(x) = J_g(x)·x = Σ 3x³ and dh/dx · v = Σ 9x² v."""
    x0, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -0.25])

    def h(x):
        return ag.jvp(lambda y: (y**3).sum(), x, x)[1]

    _, t = ag.jvp(h, ag.tensor(x0), ag.tensor(v))
    assert t.item() == pytest.approx(np.sum(9 * x0**2 * v), rel=1e-12)


def test_forward_over_forward_jacobian_is_the_hessian():
    def g(x):
        return (ag.tanh(x) ** 2).sum() + x[0] * x[1] * x[2]

    x0 = np.array([0.3, -0.4, 0.9])
    H = ag.jacobian(lambda x: ag.jacobian(g, x, mode="fwd"), ag.tensor(x0), mode="fwd")
    expected = ag.hessian(g, ag.tensor(x0))
    np.testing.assert_allclose(H.data, expected.data, rtol=1e-12, atol=1e-12)
    eps = 1e-6
    for j in range(3):
        e = np.eye(3)[j] * eps
        column = (_gradient(g, x0 + e) - _gradient(g, x0 - e)) / (2 * eps)
        np.testing.assert_allclose(H.data[:, j], column, rtol=1e-6, atol=1e-8)


def test_jacobian_of_a_forward_jacobian_of_a_vector_function():
    """J of J of g(x) = x ⊙ sin(x)·x₀: a (3, 3, 3) tensor of second derivatives."""

    def g(x):
        return x * ag.sin(x) * x[0]

    x0 = np.array([0.3, -0.4, 0.9])
    T = ag.jacobian(lambda x: ag.jacobian(g, x, mode="fwd"), ag.tensor(x0), mode="fwd")
    assert T.shape == (3, 3, 3)
    eps = 1e-6
    for j in range(3):
        e = np.eye(3)[j] * eps
        fd = ag.jacobian(g, ag.tensor(x0 + e)).data - ag.jacobian(g, ag.tensor(x0 - e)).data
        np.testing.assert_allclose(T.data[..., j], fd / (2 * eps), rtol=1e-6, atol=1e-8)


def test_reverse_jacobian_inside_a_forward_jacobian():
    def g(x):
        return ag.exp(x) * x.sum()

    x0 = np.array([0.1, 0.2])
    nested = ag.jacobian(lambda x: ag.jacobian(g, x, mode="rev"), ag.tensor(x0), mode="fwd")
    eps = 1e-6
    for j in range(2):
        e = np.eye(2)[j] * eps
        fd = ag.jacobian(g, ag.tensor(x0 + e)).data - ag.jacobian(g, ag.tensor(x0 - e)).data
        np.testing.assert_allclose(nested.data[..., j], fd / (2 * eps), rtol=1e-6, atol=1e-8)


def test_hessian_inside_a_jvp_gives_third_derivatives():
    def g(x):
        return (x**4).sum() + x[0] * x[1] ** 2

    x0, v = np.array([0.5, -1.5]), np.array([1.0, 2.0])
    _, dH = ag.jvp(lambda x: ag.hessian(g, x), ag.tensor(x0), ag.tensor(v))
    # H = [[12x0², 2x1], [2x1, 12x1² + 2x0]];  dH·v:
    expected = np.array([[24 * x0[0] * v[0], 2 * v[1]], [2 * v[1], 24 * x0[1] * v[1] + 2 * v[0]]])
    np.testing.assert_allclose(dH.data, expected, rtol=1e-12)


def test_forward_over_reverse_inside_a_jvp_is_a_hessian_vector_product():
    def g(x):
        return (ag.sin(x) * x).sum()

    x0, v = np.array([0.2, 0.7]), np.array([1.0, -2.0])
    _, hv = ag.jvp(lambda x: ag.vjp(g, x)[1], ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(hv.data, f2(x0) * v, rtol=1e-12)


def test_reverse_over_forward_over_forward():
    x = ag.tensor(X0, requires_grad=True)
    second = derivative(lambda y: derivative(f, y), x)
    second.backward()
    assert x.grad.item() == pytest.approx(f3(X0), rel=1e-12)


def test_hessian_is_unchanged_and_its_columns_are_right():
    def g(x):
        return (ag.exp(x) * x).sum() + x[0] * x[1]

    x0 = np.array([0.3, -0.2])
    H = ag.hessian(g, ag.tensor(x0))
    expected = np.diag(np.exp(x0) * (x0 + 2)) + np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(H.data, expected, rtol=1e-12)


def test_a_dual_made_outside_any_jvp_is_the_base_level_and_nests_with_jvp():
    x = ag.dual(ag.tensor(X0), ag.tensor(1.0))  # base level, as before
    value, first = ag.jvp(f, x, ag.tensor(1.0))
    assert value.tangent.item() == pytest.approx(f1(X0), rel=1e-12)
    assert first.item() == pytest.approx(f1(X0), rel=1e-12)
    assert first.tangent.item() == pytest.approx(f2(X0), rel=1e-12)
    primal, tangent = ag.unpack_dual(first)  # outside any jvp: the base level's pair
    assert tangent.item() == pytest.approx(f2(X0), rel=1e-12)
    assert primal.tangent is None


def test_dual_inside_a_jvp_keeps_the_outer_tangent():
    def outer(x):
        y = ag.dual(x, ag.tensor(10.0))  # the level of this jvp: replaces its tangent ...
        assert ag.unpack_dual(y).tangent.item() == 10.0
        return y * y

    x = ag.dual(ag.tensor(2.0), ag.tensor(1.0))  # ... but keeps the base level's
    _, t = ag.jvp(outer, x, ag.tensor(1.0))
    assert t.item() == 40.0  # 2·y·10
    assert t.tangent.item() == 20.0  # d/dx of 2·x·10


def test_unpack_dual_level_argument():
    x = ag.dual(ag.tensor(1.0), ag.tensor(2.0))
    with dual_level() as level:
        y = ag.dual(x, ag.tensor(3.0))
        z = y * y
        assert ag.unpack_dual(z).tangent.item() == 6.0  # the innermost level
        assert ag.unpack_dual(z, level=level).tangent.item() == 6.0
        assert ag.unpack_dual(z, level=0).tangent.item() == 4.0  # the base level
        assert ag.unpack_dual(z, level=0).tangent.tangent is None
        inner_tangent = ag.unpack_dual(z, level=level).tangent
        assert inner_tangent.tangent.item() == 12.0  # 2·2·3: the base level's derivative of it
        primal = ag.unpack_dual(z).primal
        assert ag.unpack_dual(primal).tangent is None
        assert ag.unpack_dual(primal, level=0).tangent.item() == 4.0


def test_nested_forward_mode_with_every_elementwise_op():
    """Second derivatives by jvp-of-jvp against central differences of first derivatives."""
    ops = {
        "exp": ag.exp,
        "log": lambda x: ag.log(x + 2.0),
        "sqrt": lambda x: ag.sqrt(x + 2.0),
        "tanh": ag.tanh,
        "sigmoid": ag.sigmoid,
        "cos": ag.cos,
        "pow": lambda x: (x + 2.0) ** x,
        "div": lambda x: 1.0 / (x * x + 1.0),
        "logsumexp": lambda x: ag.logsumexp(ag.stack([x, 2 * x, x * x])),
        "norm": lambda x: ag.norm(ag.stack([x, x * x + 1.0])),
        "max": lambda x: ag.maximum(x * x, 0.1 * x),
        "softmax": lambda x: ag.softmax(ag.stack([x, x * x]))[0],
    }
    for name, op in ops.items():
        second = derivative(lambda x, op=op: derivative(op, x), ag.tensor(0.3)).item()

        def first(x, op=op):
            return derivative(op, ag.tensor(x)).item()

        assert second == pytest.approx(central(first, 0.3), rel=1e-6, abs=1e-8), name


def test_levels_are_per_call_not_reused():
    """A tensor that escaped an earlier jvp carries a level that is closed: a later jvp is a
    new level and does not read it."""
    leaked = []

    def keep(x):
        leaked.append(x * 2.0)
        return x

    ag.jvp(keep, ag.tensor(1.0), ag.tensor(1.0))
    _, t = ag.jvp(lambda y: y * leaked[0], ag.tensor(3.0), ag.tensor(1.0))
    assert t.item() == 2.0


def test_dual_refuses_a_tangent_that_carries_the_same_level():
    with dual_level():
        t = ag.dual(ag.tensor(1.0), ag.tensor(1.0))
        with pytest.raises(ValueError, match="the tangent carries a tangent at the same level"):
            ag.dual(ag.tensor(2.0), t)


def _gradient(g, at):
    leaf = ag.tensor(at, requires_grad=True)
    (grad,) = ag.grad(g(leaf), leaf)
    return grad.data


def test_levels_are_per_thread():
    """Each thread opens its own levels: nested jvps in several threads at once."""
    import threading

    results, errors = {}, []

    def work(k):
        try:
            for _ in range(20):
                x0 = 0.1 * k
                second = ag.jvp(lambda x: derivative(f, x), ag.tensor(x0), ag.tensor(1.0))[1]
                assert second.item() == pytest.approx(f2(x0), rel=1e-12)
            results[k] = True
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4
