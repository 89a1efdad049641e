"""Grad mode switches: no_grad / enable_grad / set_grad_enabled as PyTorch has them."""

import pytest

import autograd_core as ag


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    yield
    ag.set_grad_enabled(True)


def _records():
    return (ag.tensor(1.0, requires_grad=True) * 2).requires_grad


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
