"""RELIABILITY.md items 10-12 (in-place methods and version counters), 14 (hooks) and 15
(detect_anomaly), written against the API of the checklist and API.md ("Later additions").
Each group is skipped only while its feature is missing (a hasattr check), so the tests turn
on by themselves when the feature lands.
"""

import os

import numpy as np
import pytest

import autograd_core as ag
import nn

HAS_INPLACE = all(hasattr(ag.Tensor, m) for m in ("add_", "sub_", "mul_", "div_", "zero_",
                                                   "fill_", "__setitem__"))
HAS_HOOKS = hasattr(ag.Tensor, "register_hook")
HAS_MODULE_HOOKS = hasattr(nn.Module, "register_forward_hook")
HAS_ANOMALY = hasattr(ag, "detect_anomaly")

inplace = pytest.mark.skipif(not HAS_INPLACE, reason="in-place methods not implemented yet")
hooks = pytest.mark.skipif(not HAS_HOOKS, reason="Tensor.register_hook not implemented yet")
module_hooks = pytest.mark.skipif(not HAS_MODULE_HOOKS,
                                  reason="Module.register_forward_hook not implemented yet")
anomaly = pytest.mark.skipif(not HAS_ANOMALY, reason="ag.detect_anomaly not implemented yet")

MODIFIED = r"modified by an inplace operation"
THIS_FILE = os.path.basename(__file__)


def leaf(value):
    return ag.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)


def const(value):
    return ag.tensor(np.asarray(value, dtype=np.float64))


# ------------------------------------------------------------------ item 10: version counter
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


@inplace
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_item_10_inplace_methods_update_values_and_return_self(name, modify, expected):
    """Each in-place method writes into the tensor's own buffer (and returns it)."""
    t = const([1.0, 2.0, 3.0])
    buffer = t.data
    result = modify(t)
    assert result is None or result is t
    np.testing.assert_array_equal(t.data, expected)
    assert t.data is buffer or np.shares_memory(t.data, buffer)


@inplace
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_item_10_modifying_a_saved_input_makes_backward_raise(name, modify, expected):
    """c = a * b saves a; changing a in place afterwards makes backward raise PyTorch's error
    ('... modified by an inplace operation ... is at version 1; expected version 0')
    instead of using the new values."""
    a, b = const([1.0, 2.0, 3.0]), leaf([1.0, 1.0, 1.0])
    c = a * b
    modify(a)
    with pytest.raises(RuntimeError, match=MODIFIED + r".*version 1; expected version 0"):
        c.sum().backward()


@inplace
def test_item_10_modifying_an_input_that_was_not_saved_is_fine():
    """c = a + b saves nothing, so a /= 2 afterwards does not affect backward."""
    a, b = const([1.0, 2.0]), leaf([3.0, 4.0])
    c = a + b
    a /= 2.0
    np.testing.assert_array_equal(a.data, [0.5, 1.0])
    c.sum().backward()
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


@inplace
def test_item_10_modifying_a_saved_output_makes_backward_raise():
    """exp saves its output: changing it in place (allowed under no_grad) is detected."""
    x = leaf([0.0, 1.0])
    y = ag.exp(x)
    with ag.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


@inplace
def test_item_10_error_names_the_shape_and_the_version():
    a, b = const(np.ones((2, 3))), leaf(np.ones((2, 3)))
    c = a * b
    a.add_(1.0)
    a.add_(1.0)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*version 2; expected version 0"):
        c.sum().backward()


# ------------------------------------------------------------------ item 11: leaves
@inplace
@pytest.mark.parametrize("name, modify, expected", IN_PLACE, ids=[r[0] for r in IN_PLACE])
def test_item_11_inplace_on_a_leaf_that_requires_grad(name, modify, expected):
    """Refused while recording, with PyTorch's wording; allowed under no_grad (optimizer
    steps, initialisation)."""
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used "
                                           r"in an in-place operation"):
        modify(x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
    with ag.no_grad():
        modify(x)
    np.testing.assert_array_equal(x.data, expected)
    assert x.requires_grad and x.is_leaf


@inplace
def test_item_11_inplace_on_a_view_of_a_leaf_that_requires_grad():
    """A view of such a leaf gets PyTorch's 'a view of a leaf Variable' error; under no_grad
    the write goes through to the leaf's buffer."""
    x = leaf([1.0, 2.0, 3.0])
    view = x[0:2]
    with pytest.raises(RuntimeError, match=r"a view of a leaf Variable that requires grad is "
                                           r"being used in an in-place operation"):
        view.mul_(2.0)
    with ag.no_grad():
        view = x[0:2]
        view.mul_(2.0)
    np.testing.assert_array_equal(x.data, [2.0, 4.0, 3.0])


# ------------------------------------------------------------------ item 12: views
@inplace
@pytest.mark.parametrize("how", ["mul_", "*="])
def test_item_12_inplace_on_a_view_never_gives_a_silently_wrong_gradient(how):
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


@inplace
def test_item_12_views_share_the_version_counter_of_their_base():
    """An in-place change through a view of a saved constant is detected at backward."""
    c, x = const([1.0, 2.0, 3.0]), leaf([1.0, 1.0, 1.0])
    y = c * x
    c[0:2].mul_(2.0)
    np.testing.assert_array_equal(c.data, [2.0, 4.0, 3.0])
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


@inplace
def test_item_12_setitem_on_a_constant_view_is_seen_by_its_base():
    c = const(np.zeros((2, 3)))
    c[1] = 5.0
    c[0, 1:] = const([1.0, 2.0])
    np.testing.assert_array_equal(c.data, [[0, 1, 2], [5, 5, 5]])


@inplace
def test_item_11_setitem_on_a_leaf_that_requires_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad"):
        x[0] = 5.0


# ------------------------------------------------------------------ item 14: hooks
@hooks
def test_item_14_hook_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match=r"cannot register a hook on a tensor that doesn't "
                                           r"require gradient"):
        const([1.0]).register_hook(lambda g: g)


@hooks
def test_item_14_a_hook_that_returns_a_tensor_replaces_the_gradient():
    """On a non-leaf the replaced gradient flows on to the leaves; on a leaf it is what
    accumulates into .grad."""
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.register_hook(lambda g: g * 10.0)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g + 1.0)
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 4.0])


@hooks
def test_item_14_a_hook_that_returns_none_sees_the_gradient_and_leaves_it():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


@hooks
def test_item_14_a_leaf_hook_runs_once_on_the_total_gradient():
    """x used twice (x * x): the hook sees d/dx = 2x once, not each of the two contributions,
    so a non-linear hook g -> g² gives (2x)² as in PyTorch (not 2·x²)."""
    x = leaf([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.data.copy()) or g * g)
    (x * x).sum().backward()
    assert len(calls) == 1
    np.testing.assert_array_equal(x.grad.data, [4.0, 16.0])


@hooks
def test_item_14_hooks_run_in_order_and_remove_detaches():
    x = leaf([1.0])
    calls = []
    first = x.register_hook(lambda g: calls.append("first") or g * 2.0)
    x.register_hook(lambda g: calls.append(("second", g.item())))
    (x * 1.0).sum().backward()
    assert calls == ["first", ("second", 2.0)]
    assert x.grad.item() == 2.0
    first.remove()
    calls.clear()
    x.zero_grad()
    (x * 1.0).sum().backward()
    assert calls == [("second", 1.0)] and x.grad.item() == 1.0


@hooks
def test_item_14_hooks_see_ag_grad_too():
    x = leaf([3.0])
    x.register_hook(lambda g: g * 0.5)
    (g,) = ag.grad((x * x).sum(), x)
    assert g.item() == 3.0


@hooks
@pytest.mark.skipif(not hasattr(ag.Tensor, "register_post_accumulate_grad_hook"),
                    reason="post-accumulate hooks not implemented")
def test_item_14_post_accumulate_hook_on_a_non_leaf():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=r"post accumulate grad hooks cannot be registered "
                                           r"on non-leaf tensors"):
        (x * 2.0).register_post_accumulate_grad_hook(lambda t: None)


@module_hooks
def test_item_14_module_forward_hook_sees_inputs_and_output_and_can_replace_it():
    layer = nn.Linear(2, 1, rng=0)
    seen = []

    def hook(module, inputs, output):
        seen.append((module, inputs, output))
        return output * 0.0

    handle = layer.register_forward_hook(hook)
    x = ag.tensor([[1.0, 2.0]])
    out = layer(x)
    assert seen[0][0] is layer and seen[0][1][0] is x
    np.testing.assert_array_equal(out.data, [[0.0]])
    handle.remove()
    assert layer(x).data[0, 0] != 0.0 and len(seen) == 1


# ------------------------------------------------------------------ item 15: detect_anomaly
ANOMALY_ERRORS = (RuntimeError, FloatingPointError)


@anomaly
def test_item_15_off_by_default_nan_and_inf_pass_silently():
    x = leaf([0.0, -1.0])
    with np.errstate(all="ignore"):
        y = ag.log(x)
        y.sum().backward()
    assert y.data[0] == -np.inf and np.isnan(y.data[1])


@anomaly
def test_item_15_forward_nan_raises_at_the_op_and_names_it_and_the_user_line():
    x = leaf([1.0, -1.0])
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        with pytest.raises(ANOMALY_ERRORS, match=r"Log") as info:
            ag.log(x)
    assert "nan" in str(info.value) and THIS_FILE in str(info.value)


@anomaly
def test_item_15_backward_inf_names_the_backward_function_and_the_forward_line():
    """sqrt at 0 is finite forward but its backward returns inf: the error names
    'SqrtBackward' as PyTorch does ('Function 'SqrtBackward0' returned inf values in its 0th
    output') and where the forward op was created."""
    x = leaf([0.0, 4.0])
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        y = ag.sqrt(x)  # the line the error must point at
        with pytest.raises(ANOMALY_ERRORS, match=r"Function 'Sqrt\w*Backward\w*' returned "
                                                 r"(inf|nan) values in its 0th output") as info:
            y.sum().backward()
    assert THIS_FILE in str(info.value) and "ag.sqrt(x)" in str(info.value)


@anomaly
def test_item_15_nan_already_in_the_input_is_not_blamed_on_the_next_op():
    """A NaN that came in with the data is not the fault of the op that propagates it."""
    x = leaf([np.nan, 1.0])
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        y = x * 2.0  # the NaN came in with x: mul is not its origin
    assert np.isnan(y.data[0])


@anomaly
def test_item_15_the_mode_is_restored_on_exit():
    with pytest.raises(ANOMALY_ERRORS):
        with ag.detect_anomaly(), np.errstate(all="ignore"):
            ag.log(leaf([-1.0]))
    with np.errstate(all="ignore"):
        assert np.isnan(ag.log(leaf([-1.0])).data[0])
