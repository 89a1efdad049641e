"""Forward mode through in-place updates: ``+=``, ``-=``, ``*=``, ``/=``, ``add_`` ...
``zero_``, ``fill_`` and ``t[i] = v`` rebind the tangent of the tensor they change (to the
tangent of their out-of-place form), at every level, without touching any tangent tensor
in place. Checked against closed forms and central differences in float64."""

import numpy as np
import pytest

import autograd_core as ag

EPS = 1e-6


def directional(f, x0, v):
    """Central difference of f at x0 along v (f on float64 arrays via tensors)."""
    plus = f(ag.tensor(x0 + EPS * v)).data
    minus = f(ag.tensor(x0 - EPS * v)).data
    return (plus - minus) / (2 * EPS)


def fd_jacobian(f, x0):
    return np.stack([directional(f, x0, e) for e in np.eye(x0.size)], axis=-1)


def test_iadd_under_jvp_gives_the_derivative_of_the_sum():
    def f(a):
        c = a * 1.0
        c += a * a
        return c

    _, t = ag.jvp(f, ag.tensor(3.0), ag.tensor(1.0))
    assert t.item() == 7.0


def test_jacobian_fwd_through_iadd_is_not_the_identity():
    def f(a):
        c = a * 1.0
        c += a * a
        return c

    x0 = np.array([1.0, 2.0, -0.5])
    J = ag.jacobian(f, ag.tensor(x0), mode="fwd")
    np.testing.assert_allclose(J.data, np.diag(1 + 2 * x0))
    np.testing.assert_allclose(J.data, ag.jacobian(f, ag.tensor(x0), mode="rev").data)


UPDATES = {
    "iadd": lambda c, y: c.__iadd__(y),
    "isub": lambda c, y: c.__isub__(y),
    "imul": lambda c, y: c.__imul__(y),
    "itruediv": lambda c, y: c.__itruediv__(y),
    "add_": lambda c, y: c.add_(y),
    "sub_": lambda c, y: c.sub_(y),
    "mul_": lambda c, y: c.mul_(y),
    "div_": lambda c, y: c.div_(y),
}


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_each_inplace_update_matches_central_differences(name):
    update = UPDATES[name]

    def f(x):
        c = ag.sin(x) + 2.0
        y = ag.exp(x[::-1]) + 0.5
        out = update(c, y)
        assert out is c  # really in place
        return c * x

    x0, v = np.array([0.3, -0.8, 1.1]), np.array([1.0, -0.5, 2.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)
    J = ag.jacobian(f, ag.tensor(x0), mode="fwd")
    np.testing.assert_allclose(J.data, fd_jacobian(f, x0), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_inplace_update_of_a_plain_tensor_by_a_dual(name):
    """The tensor changed had no tangent: it gets the operand's contribution."""
    update = UPDATES[name]

    def f(x):
        c = ag.tensor([2.0, 3.0, 4.0])
        update(c, x * x + 1.0)
        return c

    x0, v = np.array([0.3, -0.8, 1.1]), np.array([1.0, -0.5, 2.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_inplace_update_by_a_constant_scales_the_tangent(name):
    update = UPDATES[name]

    def f(x):
        c = x * x
        update(c, 4.0)
        return c

    x0, v = np.array([0.3, -0.8]), np.array([1.0, 2.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)


def test_closed_forms_of_mul_and_div():
    """d(c *= y) = tc·y + c_old·ty;  d(c /= y) = (tc - c_new·ty) / y."""

    def mul(a, b):
        c = a * 1.0
        c *= b
        return c

    def div(a, b):
        c = a * 1.0
        c /= b
        return c

    a, b, ta, tb = 3.0, 5.0, 0.5, 2.0
    _, t = ag.jvp(mul, (ag.tensor(a), ag.tensor(b)), (ag.tensor(ta), ag.tensor(tb)))
    assert t.item() == pytest.approx(ta * b + a * tb)
    _, t = ag.jvp(div, (ag.tensor(a), ag.tensor(b)), (ag.tensor(ta), ag.tensor(tb)))
    assert t.item() == pytest.approx((ta - (a / b) * tb) / b)


def test_iadd_broadcasts_a_0d_dual_into_a_vector():
    def f(s):
        c = ag.tensor([1.0, 2.0, 3.0])
        c += s * s
        return c

    _, t = ag.jvp(f, ag.tensor(2.0), ag.tensor(1.0))
    np.testing.assert_array_equal(t.data, [4.0, 4.0, 4.0])
    assert t.shape == (3,)


def test_imul_broadcasts_a_0d_dual_into_a_dual_vector():
    def f(x):
        c = x * 1.0
        c *= x.sum()
        return c

    x0, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-8)


def test_zero_and_fill_give_a_zero_tangent():
    def f(x):
        c = x * x
        c.zero_()
        d = x * 3.0
        d.fill_(2.0)
        return c + d + x

    _, t = ag.jvp(f, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(t.data, [1.0, 1.0])  # only the `+ x`


def test_fill_with_a_0d_dual_takes_its_tangent():
    def f(s):
        c = ag.zeros(3)
        c.fill_(s * s)
        return c

    _, t = ag.jvp(f, ag.tensor(3.0), ag.tensor(1.0))
    np.testing.assert_array_equal(t.data, [6.0, 6.0, 6.0])


def test_setitem_replaces_the_tangent_at_the_position():
    def f(x):
        c = x * 2.0
        c[1] = x[0] * x[0]  # a dual value
        c[2] = 5.0  # a constant: zero tangent there
        return c

    x0, v = np.array([3.0, 1.0, 4.0, 1.0]), np.array([1.0, 10.0, 100.0, 1000.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, [2.0, 6.0, 0.0, 2000.0])
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-8)


SETITEM_CASES = {  # index, the value assigned (a function of x)
    "slice": (slice(1, 3), lambda x: x[:2] * x[2:]),
    "int array": (np.array([0, 2]), lambda x: x[1:3] ** 2),
    "mask": (np.array([True, False, True, False]), lambda x: ag.exp(x[:2])),
    "repeated index, last wins": (np.array([1, 1]), lambda x: x[2:] * 3.0),
    "ellipsis, 0-d value": (Ellipsis, lambda x: x[0] * x[1]),
    "negative step": (slice(None, None, -2), lambda x: x[:2] * x[:2]),
    "tensor index": (ag.tensor(np.array([3])), lambda x: x[:1] + x[1:2]),
}


@pytest.mark.parametrize("name", sorted(SETITEM_CASES))
def test_setitem_with_any_index_matches_central_differences(name):
    index, value = SETITEM_CASES[name]

    def f(x):
        c = ag.sin(x)
        c[index] = value(x)
        return c

    x0, v = np.array([0.3, -0.8, 1.1, 0.2]), np.array([1.0, -0.5, 2.0, 0.7])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)


def test_setitem_of_a_dual_into_a_plain_tensor_2d():
    def f(x):
        out = ag.zeros(2, 3)
        out[0] = x
        out[1, 1:] = x[:2] * x[1:]
        return out

    x0 = np.array([0.3, -0.8, 1.1])
    J = ag.jacobian(f, ag.tensor(x0), mode="fwd")
    np.testing.assert_allclose(J.data, fd_jacobian(f, x0), rtol=1e-7, atol=1e-9)


def test_an_inplace_update_through_a_view_updates_the_base_tangent():
    def f(x):
        c = ag.zeros(2, 3) + x  # (2, 3), every row x
        row = c[0]  # a view of c
        row += x * x
        return c

    x0, v = np.array([0.3, -0.8, 1.1]), np.array([1.0, -0.5, 2.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(t.data, [v + 2 * x0 * v, v])


def test_augmented_item_assignment_on_a_row():
    """c[0] += y is c.__setitem__(0, c[0].__iadd__(y)): through a view, then setitem."""

    def f(x):
        c = ag.ones(2, 3) * x
        c[0] += x * x
        c[1, 2] *= x[0]
        return c

    x0 = np.array([0.3, -0.8, 1.1])
    J = ag.jacobian(f, ag.tensor(x0), mode="fwd")
    np.testing.assert_allclose(J.data, fd_jacobian(f, x0), rtol=1e-7, atol=1e-9)


def test_transposed_and_reshaped_views():
    def f(x):
        c = ag.zeros(2, 3) + x
        c.T[1:] *= 3.0  # columns 1 and 2 through a transposed view
        c.reshape(6)[::5] -= x[0]  # the first and last elements through a reshaped view
        return c

    x0, v = np.array([0.3, -0.8, 1.1]), np.array([1.0, -0.5, 2.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7, atol=1e-9)


def test_a_view_taken_before_the_base_changed_gets_the_new_tangent():
    """A view's values change with its base; so does its tangent (taken again from the
    base's when the view is next used)."""

    def f(x):
        c = x * 1.0
        first = c[0:2]
        c += x * x
        return first * 1.0

    x0, v = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 0.5])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, ((1 + 2 * x0) * v)[:2])
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7)


def test_a_sibling_view_sees_a_change_made_through_another_view():
    def f(x):
        c = ag.zeros(2, 2) + x
        row, column = c[0], c[:, 0]
        row += x * x
        return column * 1.0

    x0, v = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    _, t = ag.jvp(f, ag.tensor(x0), ag.tensor(v))
    np.testing.assert_allclose(t.data, directional(f, x0, v), rtol=1e-7)
    np.testing.assert_allclose(t.data, [v[0] + 2 * x0[0] * v[0], v[0]])
    x = ag.dual(ag.tensor(x0), ag.tensor(v))
    c = ag.zeros(2, 2) + x
    row, column = c[0], c[:, 0]
    row += x * x
    np.testing.assert_allclose(column.tangent.data, t.data)  # .tangent is up to date too
    np.testing.assert_allclose(ag.unpack_dual(column).tangent.data, t.data)


def test_a_view_taken_after_the_change_is_fine():
    def f(x):
        c = x * 1.0
        c += x * x
        return c[0:2] * 1.0

    _, t = ag.jvp(f, ag.tensor([1.0, 2.0, 3.0]), ag.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(t.data, [3.0, 5.0])


def test_a_detached_alias_keeps_no_tangent():
    def f(x):
        c = x * 1.0
        frozen = c.detach()
        c += x * x
        return frozen * 1.0 + c

    _, t = ag.jvp(f, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(t.data, [3.0, 5.0])  # only c's: frozen is a constant


def test_the_users_tangent_is_never_modified():
    tangent = ag.tensor([1.0, 1.0])

    def f(x):
        x += 1.0  # x is the dual jvp made: its tangent is the user's tensor
        x *= 3.0
        return x

    _, t = ag.jvp(f, ag.tensor([1.0, 2.0]), tangent)
    np.testing.assert_array_equal(t.data, [3.0, 3.0])
    np.testing.assert_array_equal(tangent.data, [1.0, 1.0])


def test_an_inplace_update_does_not_change_an_earlier_tangent_object():
    x = ag.dual(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    c = x * 1.0
    before = c.tangent
    c *= x
    np.testing.assert_array_equal(before.data, [1.0, 1.0])
    np.testing.assert_array_equal(c.tangent.data, [2.0, 4.0])


def test_inplace_updates_keep_nested_levels_right():
    """Second derivatives through in-place updates: jvp of jvp of f with c *= c; c += x."""

    def f(x):
        c = ag.sin(x) * 1.0
        c *= c
        c += x
        c[0] = c[0] * x[0]  # scalar x: index 0 of a (1,) tensor
        return c.sum()

    def first(x):
        return ag.jvp(f, x, ag.ones(1))[1]

    _, second = ag.jvp(first, ag.tensor([0.4]), ag.ones(1))
    x = 0.4  # f = x·(sin² x + x):  f'' = 2 sin(2x) + 2x cos(2x) + 2
    assert second.item() == pytest.approx(2 * np.sin(2 * x) + 2 * x * np.cos(2 * x) + 2, rel=1e-10)


def test_float32_tensor_updated_by_a_float64_dual_keeps_its_dtype():
    def f(x):
        c = ag.zeros(3).float()
        c += x
        return c

    _, t = ag.jvp(f, ag.tensor([1.0, 2.0, 3.0]), ag.tensor([1.0, 2.0, 3.0]))
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [1.0, 2.0, 3.0])


def test_inplace_without_tangents_is_unchanged():
    c = ag.tensor([1.0, 2.0])
    c += 1.0
    c[0] = 5.0
    assert c.tangent is None
    np.testing.assert_array_equal(c.data, [5.0, 3.0])
