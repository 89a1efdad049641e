"""In-place operations: they write into the tensor's own buffer; version counters (shared by
views and detached aliases) make backward refuse saved values that changed since; leaves that
require grad accept in-place writes only under no_grad; and ``+=`` on a recorded tensor
rebinds it rather than lose a gradient."""

import numpy as np
import pytest

import autograd_core as ag
import nn

from .helpers import leaf

MODIFIED = r"modified by an inplace operation"


def const(value):
    return ag.tensor(np.asarray(value, dtype=np.float64))


IN_PLACE = [
    ("add_", lambda t: t.add_(1.0), [2.0, 3.0, 4.0]),
    ("sub_", lambda t: t.sub_(const([1.0, 1.0, 1.0])), [0.0, 1.0, 2.0]),
    ("mul_", lambda t: t.mul_(2.0), [2.0, 4.0, 6.0]),
    ("div_", lambda t: t.div_(2.0), [0.5, 1.0, 1.5]),
    ("zero_", lambda t: t.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda t: t.fill_(7.0), [7.0, 7.0, 7.0]),
    ("__iadd__", lambda t: t.__iadd__(1.0), [2.0, 3.0, 4.0]),
    ("__setitem__", lambda t: t.__setitem__(slice(0, 2), 5.0), [5.0, 5.0, 3.0]),
]


# ------------------------------------------------------------------ writing into the buffer
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_inplace_methods_update_values_and_return_self(name, modify, expected):
    """Each in-place method writes into the tensor's own buffer (and returns it)."""
    t = const([1.0, 2.0, 3.0])
    buffer = t.data
    result = modify(t)
    assert result is None or result is t
    np.testing.assert_array_equal(t.data, expected)
    assert t.data is buffer or np.shares_memory(t.data, buffer)


def test_setitem_and_fill_and_zero():
    t = ag.zeros(4)
    t[1] = 5.0
    t[np.array([0, 3])] = ag.tensor([7.0, 8.0])
    np.testing.assert_array_equal(t.data, [7.0, 5.0, 0.0, 8.0])
    t.fill_(2.0)
    assert np.all(t.data == 2.0)
    t.zero_()
    assert np.all(t.data == 0.0)


def test_setitem_on_a_constant_view_is_seen_by_its_base():
    c = const(np.zeros((2, 3)))
    c[1] = 5.0
    c[0, 1:] = const([1.0, 2.0])
    np.testing.assert_array_equal(c.data, [[0, 1, 2], [5, 5, 5]])


def test_optimizer_style_update_under_no_grad_keeps_dtype():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    with ag.no_grad():
        p.sub_(0.5 * ag.ones(3))
    assert p.dtype == np.float32 and np.all(p.data == 0.5)


def test_inplace_errors_name_the_op_and_shapes():
    t = ag.zeros(3)
    with pytest.raises(ValueError, match=r"add_: cannot update a tensor of shape \(3,\)"):
        t.add_(ag.ones(2, 3))
    with pytest.raises(IndexError, match=r"__setitem__: cannot assign into a tensor of shape"):
        t[5] = 1.0


# ------------------------------------------------------------------ version counters
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_modifying_a_saved_input_makes_backward_raise(name, modify, expected):
    """c = a * b saves a; changing a in place afterwards makes backward raise PyTorch's error
    ('... modified by an inplace operation ... is at version 1; expected version 0')
    instead of using the new values."""
    a, b = const([1.0, 2.0, 3.0]), leaf([1.0, 1.0, 1.0])
    c = a * b
    modify(a)
    with pytest.raises(RuntimeError, match=MODIFIED + r".*version 1; expected version 0"):
        c.sum().backward()


def test_modifying_an_input_that_was_not_saved_is_fine():
    """c = a + b saves nothing, so a /= 2 afterwards does not affect backward."""
    a, b = const([1.0, 2.0]), leaf([3.0, 4.0])
    c = a + b
    a /= 2.0
    np.testing.assert_array_equal(a.data, [0.5, 1.0])
    c.sum().backward()
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_modifying_a_saved_output_under_no_grad_is_detected():
    """exp saves its output: changing it in place (allowed under no_grad) is detected, and
    the error names the saved output and the node that saved it."""
    x = leaf([0.0, 1.0])
    y = ag.exp(x)
    with ag.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        y.sum().backward()
    assert "output 0 of ExpBackward saved by ExpBackward" in str(info.value)


def test_the_error_names_the_shape_and_the_version():
    a, b = const(np.ones((2, 3))), leaf(np.ones((2, 3)))
    c = a * b
    a.add_(1.0)
    a.add_(1.0)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*version 2; expected version 0"):
        c.sum().backward()


def test_a_view_shares_the_version_counter_of_its_base():
    """A change written through a view of a saved constant reaches the base's buffer and is
    caught by backward."""
    a, b = const([1.0, 2.0, 3.0]), leaf([1.0, 1.0, 1.0])
    c = a * b
    a[1:].mul_(10.0)  # writes a's buffer through a view
    np.testing.assert_array_equal(a.data, [1.0, 20.0, 30.0])
    with pytest.raises(RuntimeError, match=MODIFIED + r".*version 1; expected version 0"):
        c.sum().backward()


def test_detach_is_an_alias_not_a_view():
    """A detached tensor shares the buffer and its version counter (an in-place change
    through it is still caught by backward), but it is not a view in autograd's sense: as
    in PyTorch, `x.detach().zero_()` is allowed on a leaf that requires grad."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.detach().zero_()
    np.testing.assert_array_equal(x.data, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ------------------------------------------------------------------ leaves that require grad
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_inplace_on_a_leaf_that_requires_grad(name, modify, expected):
    """Refused while recording, with PyTorch's wording; allowed under no_grad (optimizer
    steps, initialisation)."""
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(
        RuntimeError,
        match=r"a leaf Variable that requires grad is being used "
        r"in an in-place operation",
    ):
        modify(x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    with ag.no_grad():
        modify(x)
    np.testing.assert_array_equal(x.data, expected)
    assert x.requires_grad and x.is_leaf


def test_inplace_on_a_view_of_a_leaf_that_requires_grad():
    """A view of such a leaf gets PyTorch's 'a view of a leaf Variable' error; under no_grad
    the write goes through to the leaf's buffer."""
    x = leaf([1.0, 2.0, 3.0])
    view = x[0:2]
    with pytest.raises(
        RuntimeError,
        match=r"a view of a leaf Variable that requires grad is "
        r"being used in an in-place operation",
    ):
        view.mul_(2.0)
    with ag.no_grad():
        view = x[0:2]
        view.mul_(2.0)
    np.testing.assert_array_equal(x.data, [2.0, 4.0, 3.0])


def test_setitem_on_a_leaf_that_requires_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad"):
        x[0] = 5.0


# ------------------------------------------------------------------ recorded tensors
@pytest.mark.parametrize("how", ["mul_", "*="])
def test_inplace_on_a_view_never_gives_a_silently_wrong_gradient(how):
    """y = x * 1; v = y[0]; v *= 2: either a clear error, or the gradient of y.sum() is the
    gradient of the values y now holds ([2, 1, 1] if y changed, [1, 1, 1] if not)."""
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1.0
    v = y[0:1]
    try:
        if how == "mul_":
            v.mul_(2.0)
        else:
            v *= 2.0
    except RuntimeError as exc:
        assert "in-place" in str(exc) or "inplace" in str(exc), exc
        return
    y.sum().backward()
    expected = y.data / x.data  # d y_i / d x_i for the values y holds now
    np.testing.assert_array_equal(x.grad.data, expected)


def test_iadd_on_a_recorded_tensor_rebinds_and_keeps_the_graph_right():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    total = x * x
    before = total
    total += x  # out of place: `before` keeps its value and its graph
    np.testing.assert_array_equal(before.data, [1.0, 4.0])
    total.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 5.0])


def test_explicit_inplace_on_a_recorded_tensor_is_refused():
    y = ag.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(
        RuntimeError, match="mul_: in-place operations on a tensor that requires grad"
    ):
        y.mul_(3)


def test_an_in_place_update_by_a_value_that_requires_grad_never_loses_its_gradient():
    y = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.zeros(2)
    c += y * 3  # rebinds c to the recorded sum, as PyTorch records the in-place add
    c.sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]
    for update in (lambda t: t.add_(y), lambda t: t.mul_(y), lambda t: t.__setitem__(0, y[1])):
        with pytest.raises(RuntimeError, match="value's gradient would be lost"):
            update(ag.zeros(2))
    with ag.no_grad():
        c = ag.zeros(2)
        c.add_(y)  # no graph is recorded here: a plain update
    assert c.tolist() == [1.0, 2.0]
