"""Hooks: a tensor hook sees (and may replace) the gradient of its tensor, on leaves once on
the total; hooks run in order and come off with their handle; post-accumulate hooks see the
updated .grad; a module's forward hook sees the inputs and may replace the output."""

import numpy as np
import pytest

import autograd_core as ag
import nn

from .helpers import leaf


# ------------------------------------------------------------------ tensor hooks
def test_hook_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(
        RuntimeError,
        match=r"cannot register a hook on a tensor that doesn't "
        r"require gradient",
    ):
        ag.tensor([1.0]).register_hook(lambda g: g)


def test_a_hook_that_returns_a_tensor_replaces_the_gradient():
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


def test_a_hook_that_returns_none_sees_the_gradient_and_leaves_it():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_a_leaf_hook_runs_once_on_the_total_gradient():
    """x used twice (x * x): the hook sees d/dx = 2x once, not each of the two contributions,
    so a non-linear hook g -> g² gives (2x)² as in PyTorch (not 2·x²)."""
    x = leaf([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.data.copy()) or g * g)
    (x * x).sum().backward()
    assert len(calls) == 1
    np.testing.assert_array_equal(x.grad.data, [4.0, 16.0])


def test_hooks_run_in_order_and_remove_detaches():
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


def test_hooks_see_ag_grad_too():
    x = leaf([3.0])
    x.register_hook(lambda g: g * 0.5)
    (g,) = ag.grad((x * x).sum(), x)
    assert g.item() == 3.0


def test_hook_returning_a_wrong_shape_is_a_clear_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ag.ones(3))
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(3,\); expected \(2,\)"):
        x.sum().backward()


# ------------------------------------------------------------------ post-accumulate hooks
def test_post_accumulate_hook_sees_the_updated_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * x).sum().backward()
    (x * x).sum().backward()
    handle.remove()
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0], [4.0, 8.0]]


def test_post_accumulate_hook_on_a_non_leaf():
    x = leaf([1.0])
    with pytest.raises(
        RuntimeError,
        match=r"post accumulate grad hooks cannot be registered "
        r"on non-leaf tensors",
    ):
        (x * 2.0).register_post_accumulate_grad_hook(lambda t: None)


# ------------------------------------------------------------------ module forward hooks
def test_module_forward_hook_sees_inputs_and_output_and_can_replace_it():
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
