"""What is recorded: the grad mode switches (no_grad, enable_grad, set_grad_enabled as
PyTorch has them), leaves and non-leaves, detach and requires_grad_."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    yield
    ag.set_grad_enabled(True)


def _records():
    return (ag.tensor(1.0, requires_grad=True) * 2).requires_grad


# ------------------------------------------------------------------ set_grad_enabled
def test_set_grad_enabled_called_as_a_function_switches_recording():
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled() and not _records()
    ag.set_grad_enabled(True)
    assert ag.is_grad_enabled() and _records()


def test_set_grad_enabled_as_a_context_manager_restores_the_mode_before_it():
    with ag.set_grad_enabled(False):
        assert not _records()
        with ag.set_grad_enabled(True):
            assert _records()
        assert not _records()
    assert _records()
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert _records()
        assert not _records()


def test_set_grad_enabled_as_a_decorator_switches_for_each_call_only():
    @ag.set_grad_enabled(False)
    def inside():
        return _records()

    assert ag.is_grad_enabled()  # decorating switched nothing
    assert inside() is False
    assert ag.is_grad_enabled() and _records()
    assert inside() is False


def test_set_grad_enabled_refuses_a_mode_that_is_not_a_bool():
    with pytest.raises(TypeError, match="must be a bool"):
        ag.set_grad_enabled("no")
    assert ag.is_grad_enabled()


# ------------------------------------------------------------------ grad modes
def test_no_grad_outputs_have_no_history():
    """Under no_grad, outputs do not require grad and have no grad_fn."""
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = ag.exp(x * 2).sum()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_no_grad_results_are_constants_later():
    """A no_grad result used in grad mode acts as a constant."""
    x = leaf(3.0)
    with ag.no_grad():
        c = x * x
    y = c * x
    y.backward()
    assert x.grad.item() == 9.0


def test_nested_enable_grad_records_again():
    x = leaf(2.0)
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * x
        z = x * x
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.backward()
    assert x.grad.item() == 4.0


def test_no_grad_as_decorator_and_set_grad_enabled():
    x = leaf(2.0)

    @ag.no_grad()
    def f(t):
        return t * t

    assert not f(x).requires_grad
    assert f(x).item() == 4.0
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not (x * x).requires_grad
    with ag.set_grad_enabled(True):
        assert (x * x).requires_grad


def test_no_grad_restores_state_after_exception():
    with pytest.raises(ZeroDivisionError), ag.no_grad():
        _ = 1 / 0
    assert ag.is_grad_enabled()


def test_no_grad_is_reentrant():
    """The same no_grad object can be nested and reused."""
    ctx = ag.no_grad()
    with ctx:
        with ctx:
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_backward_restores_grad_mode():
    """The engine switches recording off while it runs and restores the caller's mode."""
    x = leaf(2.0)
    (x * x).backward()
    assert ag.is_grad_enabled()
    z = x * x
    with ag.no_grad():
        z.backward()  # works under no_grad, and leaves it off
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert x.grad.item() == 8.0


# ------------------------------------------------------------------ leaves, detach
def test_leaf_and_non_leaf_semantics():
    """requires_grad leaves, results of ops (non-leaves) and constants (leaves)."""
    x = leaf(1.0)
    c = ag.tensor(2.0)
    y = x * c
    z = c * 3
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad
    assert c.is_leaf and not c.requires_grad


def test_detach_cuts_the_graph():
    """detach gives a leaf with the same values that carries no gradient back."""
    x = leaf([1.0, 2.0])
    h = x * 3
    d = h.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.data, h.data)
    y = (d * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [3, 6])  # d treated as a constant


def test_requires_grad_underscore_on_leaf_and_non_leaf():
    """requires_grad_ flips leaves (returning self) and refuses non-leaves."""
    c = ag.tensor([1.0, 2.0])
    assert c.requires_grad_() is c and c.requires_grad
    (c * 2).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [2, 2])
    c.requires_grad_(False)
    assert not (c * 2).requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        (leaf(1.0) * 2).requires_grad_(False)


def test_requires_grad_is_validated_when_set():
    with pytest.raises(TypeError, match="Only Tensors of floating point dtype"):
        ag.tensor(np.arange(3)).requires_grad = True
    y = ag.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False


def test_constants_get_no_grad():
    """Tensors that do not require grad never receive .grad."""
    x, c = leaf(2.0), ag.tensor(5.0)
    (x * c).backward()
    assert c.grad is None and x.grad.item() == 5.0
