"""ag.grad: gradients returned as a tuple without touching .grad, unused inputs,
non-leaf inputs, grad_outputs (vector-Jacobian products) and several outputs."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf


# ------------------------------------------------------------------ ag.grad
def test_grad_returns_tuple_and_leaves_dot_grad_untouched():
    """ag.grad returns a tuple of gradients and writes no .grad."""
    x, y = leaf([1.0, 2.0]), leaf(3.0)
    out = (x * y).sum()
    result = ag.grad(out, [x, y])
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(result[0].data, [3, 3])
    assert result[1].item() == 3.0
    assert x.grad is None and y.grad is None


def test_grad_single_input_still_returns_tuple():
    x = leaf(2.0)
    result = ag.grad(x * x, x)
    assert isinstance(result, tuple) and result[0].item() == 4.0


def test_grad_allow_unused_gives_none():
    """An input the output does not depend on gets None with allow_unused=True."""
    x, z = leaf(2.0), leaf(5.0)
    gx, gz = ag.grad(x * 3, [x, z], allow_unused=True)
    assert gx.item() == 3.0 and gz is None


def test_grad_unused_input_is_an_error():
    x, z = leaf(2.0), leaf(5.0)
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*not have been used.*allow_unused"):
        ag.grad(x * 3, [x, z])


def test_grad_with_respect_to_non_leaf():
    """ag.grad w.r.t. an intermediate h gives dy/dh, not dy/dx."""
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, gx = ag.grad(y, [h, x])
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    np.testing.assert_array_equal(gx.data, 2 * h.data * 3)
    assert x.grad is None
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert h.grad is None


def test_grad_with_grad_outputs_is_a_vjp():
    """grad_outputs v gives vᵀJ: for y = x² elementwise, 2 x v."""
    x = leaf([1.0, 2.0, 3.0])
    v = ag.tensor([0.5, -1.0, 2.0])
    (g,) = ag.grad(x * x, x, grad_outputs=v)
    np.testing.assert_array_equal(g.data, 2 * x.data * v.data)


def test_grad_of_several_outputs_sums_them():
    x = leaf(2.0)
    (g,) = ag.grad([x * x, x * 3], x)
    assert g.item() == 7.0


def test_grad_output_is_the_input():
    """d x / d x = 1 for a leaf output (no graph to walk)."""
    x = leaf(2.0)
    assert ag.grad(x, x)[0].item() == 1.0
