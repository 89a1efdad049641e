"""In-place semantics particular to this engine (the checklist items are in
test_inplace_hooks_anomaly.py): version counters shared by views, `+=` rebinding on
recorded tensors, saved outputs, hooks on non-leaves, anomaly messages."""

import numpy as np
import pytest

import autograd_core as ag
import nn


def test_a_view_shares_the_version_counter_of_its_base():
    a = ag.tensor([1.0, 2.0, 3.0])
    b = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
    c = a * b
    a[1:].mul_(10)  # writes a's buffer through a view
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; "
                                           "expected version 0"):
        c.sum().backward()


def test_modifying_a_saved_output_under_no_grad_is_detected():
    x = ag.tensor([0.5], requires_grad=True)
    y = x.exp()
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward saved by ExpBackward"):
        y.backward()


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
    with pytest.raises(RuntimeError, match="mul_: in-place operations on a tensor that requires grad"):
        y.mul_(3)


def test_inplace_errors_name_the_op_and_shapes():
    t = ag.zeros(3)
    with pytest.raises(ValueError, match=r"add_: cannot update a tensor of shape \(3,\)"):
        t.add_(ag.ones(2, 3))
    with pytest.raises(IndexError, match=r"__setitem__: cannot assign into a tensor of shape"):
        t[5] = 1.0


def test_setitem_and_fill_and_zero():
    t = ag.zeros(4)
    t[1] = 5.0
    t[np.array([0, 3])] = ag.tensor([7.0, 8.0])
    np.testing.assert_array_equal(t.data, [7.0, 5.0, 0.0, 8.0])
    t.fill_(2.0)
    assert np.all(t.data == 2.0)
    t.zero_()
    assert np.all(t.data == 0.0)


def test_optimizer_style_update_under_no_grad_keeps_dtype():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    with ag.no_grad():
        p.sub_(0.5 * ag.ones(3))
    assert p.dtype == np.float32 and np.all(p.data == 0.5)


def test_hook_on_a_non_leaf_replaces_its_gradient_upstream():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    handle = y.register_hook(lambda g: g * 0 + 1)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    handle.remove()
    x.grad = None
    (x * 3 * (x * 3)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [18.0, 36.0])


def test_hook_returning_a_wrong_shape_is_a_clear_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ag.ones(3))
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(3,\); expected \(2,\)"):
        x.sum().backward()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_anomaly_in_backward_names_the_backward_and_the_forward_line():
    with ag.detect_anomaly():
        x = ag.tensor([0.0, 1.0], requires_grad=True)
        y = ag.sqrt(x).sum()
        with pytest.raises(FloatingPointError,
                           match=r"'SqrtBackward' returned inf values in its 0th output.*"
                                 r"test_inplace.py:\d+"):
            y.backward()


def test_forward_hook_sees_and_may_replace_the_output():
    layer = nn.Linear(2, 3, rng=0)
    seen = []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    layer(ag.ones(4, 2))
    handle.remove()
    layer(ag.ones(4, 2))
    assert seen == [(4, 3)]
    layer.register_forward_hook(lambda m, inputs, out: out * 0.0)
    assert np.all(layer(ag.ones(1, 2)).data == 0.0)


def test_requires_grad_is_validated_when_set():
    with pytest.raises(TypeError, match="Only Tensors of floating point dtype"):
        ag.tensor(np.arange(3)).requires_grad = True
    y = ag.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False


def test_assigned_grad_must_match_the_shape():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"assigned grad has shape \(3,\)"):
        x.grad = ag.ones(3)


def test_post_accumulate_hook_sees_the_updated_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * x).sum().backward()
    (x * x).sum().backward()
    handle.remove()
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0], [4.0, 8.0]]


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
