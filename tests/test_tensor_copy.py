"""copy.deepcopy and pickle of tensors: leaves round-trip, results of ops are refused clearly
(whatever the depth of the graph behind them)."""

import copy
import pickle

import numpy as np
import pytest

import autograd_core as ag
import nn


def _leaf_with_grad():
    x = ag.tensor([1.0, -2.0, 3.0], requires_grad=True, name="x")
    (x * x).sum().backward()
    return x


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda t: pickle.loads(pickle.dumps(t))])
def test_a_copied_leaf_keeps_values_flags_name_and_grad_in_memory_of_its_own(clone):
    x = _leaf_with_grad()
    y = clone(x)
    assert type(y) is ag.Tensor and y.is_leaf and y.requires_grad and y.name == "x"
    np.testing.assert_array_equal(y.data, x.data)
    np.testing.assert_array_equal(y.grad.data, x.grad.data)
    assert not np.shares_memory(y.data, x.data)
    assert not np.shares_memory(y.grad.data, x.grad.data)
    y.grad = None
    assert x.grad is not None


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copied_module_has_parameters_of_its_own(clone):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    twin = clone(model)
    x = ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert type(q) is type(p) and q is not p, name
        assert not np.shares_memory(p.data, q.data)


def test_deepcopy_keeps_a_leafs_tangent():
    x = ag.dual(ag.tensor([1.0, 2.0]), ag.tensor([0.5, 0.25]))
    y = copy.deepcopy(x)
    np.testing.assert_array_equal(y.tangent.data, [0.5, 0.25])


def _deep_result(n):
    t = ag.tensor(1.0, requires_grad=True)
    for _ in range(n):
        t = t * 1.0
    return t


@pytest.mark.parametrize("clone", [copy.deepcopy, pickle.dumps])
def test_copying_the_end_of_a_deep_graph_is_refused_with_what_to_do(clone):
    t = _deep_result(100_000)
    with pytest.raises(RuntimeError, match=r"graph leaves.*result of Mul.*\.detach\(\)"):
        clone(t)


def test_a_detached_result_pickles_as_a_leaf():
    t = _deep_result(10)
    restored = pickle.loads(pickle.dumps(t.detach()))
    assert restored.is_leaf and not restored.requires_grad
    assert restored.item() == 1.0
