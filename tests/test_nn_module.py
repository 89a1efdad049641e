"""The Module system: registration by assignment, traversal and names, train/eval, zero_grad,
state dicts (copies, buffers, strict loading errors), repr, Sequential and ModuleList."""

from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


class MLP(nn.Module):
    def __init__(self, rng=0):
        super().__init__()
        self.fc1 = nn.Linear(4, 8, rng=rng)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(8, 8, rng=rng), nn.BatchNorm1d(8), nn.Dropout(0.5))
        self.fc2 = nn.Linear(8, 3, rng=rng)
        self.scale = nn.Parameter(np.ones(1))

    def forward(self, x):
        return self.fc2(self.block(self.act(self.fc1(x)))) * self.scale


NAMES = [
    "scale",
    "fc1.weight",
    "fc1.bias",
    "block.0.weight",
    "block.0.bias",
    "block.1.weight",
    "block.1.bias",
    "fc2.weight",
    "fc2.bias",
]


def test_parameters_are_registered_in_order_with_dotted_names():
    model = MLP()
    assert [name for name, _ in model.named_parameters()] == NAMES
    pairs = zip(model.parameters(), (p for _, p in model.named_parameters()), strict=True)
    assert all(a is b for a, b in pairs)
    assert next(model.named_parameters())[1] is model.scale


def test_children_and_modules():
    model = MLP()
    kinds = [type(m).__name__ for m in model.children()]
    assert kinds == ["Linear", "ReLU", "Sequential", "Linear"]
    assert [name for name, _ in model.named_modules()] == [
        "",
        "fc1",
        "act",
        "block",
        "block.0",
        "block.1",
        "block.2",
        "fc2",
    ]
    assert list(model.modules())[0] is model


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_train_and_eval_reach_every_submodule():
    model = MLP()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError, match="mode must be a bool"):
        model.train("no")


def test_zero_grad_sets_grads_to_none():
    model = MLP()
    model(ag.tensor(np.ones((4, 4)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_is_a_copy_and_includes_buffers():
    model = MLP()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    # per module: parameters, then buffers, then submodules (PyTorch's order)
    buffers = ["block.1.running_mean", "block.1.running_var", "block.1.num_batches_tracked"]
    assert list(state) == NAMES[:7] + buffers + NAMES[7:]
    state["fc1.weight"][...] = 0.0
    assert not np.all(model.fc1.weight.data == 0.0)


def test_load_state_dict_round_trip():
    source, target = MLP(rng=1), MLP(rng=2)
    source.train()
    source.block(ag.tensor(np.random.default_rng(0).standard_normal((6, 8))))  # move running stats
    source.eval(), target.eval()
    state = source.state_dict()
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = ag.tensor(np.random.default_rng(1).standard_normal((3, 4)))
    np.testing.assert_array_equal(target(x).data, source(x).data)
    state["fc2.bias"][...] = 42.0  # the model copied the data: no aliasing
    assert not np.any(target.fc2.bias.data == 42.0)


def test_loaded_parameters_stay_leaves_that_require_grad():
    model = nn.Linear(3, 2)
    model.bias.requires_grad_(False)
    model.load_state_dict({"weight": ag.tensor(np.ones((2, 3))), "bias": np.zeros(2)})
    assert model.weight.is_leaf and model.weight.requires_grad
    assert not model.bias.requires_grad
    assert isinstance(model.weight, nn.Parameter)


def test_load_state_dict_casts_to_the_parameter_dtype():
    model = nn.Linear(3, 2, dtype=np.float32)
    model.load_state_dict({"weight": np.full((2, 3), 0.1), "bias": np.zeros(2)})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.weight.data, np.float32(0.1))


def test_strict_loading_lists_every_problem():
    model = nn.Sequential(OrderedDict(fc=nn.Linear(4, 3)))
    state = {"fc.weight": np.zeros((4, 4)), "fc.extra": np.zeros(1)}
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert 'Unexpected key(s) in state_dict: "fc.extra".' in message
    assert 'Missing key(s) in state_dict: "fc.bias".' in message
    assert (
        "size mismatch for fc.weight: copying a param with shape (4, 4) from checkpoint, "
        "the shape in current model is (3, 4)." in message
    )


def test_non_strict_loading_reports_keys_but_still_rejects_shapes():
    model = nn.Linear(4, 3)
    before = model.bias.data.copy()
    result = model.load_state_dict({"weight": np.ones((3, 4)), "other": np.ones(2)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(model.weight.data, 1.0)
    np.testing.assert_array_equal(model.bias.data, before)
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        model.load_state_dict({"bias": np.ones(4)}, strict=False)


def test_failed_load_changes_nothing():
    model = nn.Linear(2, 2)
    before = model.weight.data.copy()
    with pytest.raises(RuntimeError):
        model.load_state_dict({"weight": np.ones((2, 2)), "bias": np.ones(3)})
    np.testing.assert_array_equal(model.weight.data, before)


def test_repr_is_nested_like_pytorch():
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Sequential(nn.Dropout(0.1)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=128, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1)\n"
        "  )\n"
        ")"
    )


def test_sequential_container():
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    x = ag.tensor(np.ones((4, 2)))
    np.testing.assert_array_equal(model(x).data, layers[2](layers[1](layers[0](x))).data)
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        model[3]
    named = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 2), out=nn.Linear(2, 1)))
    assert [name for name, _ in named.named_parameters()][0] == "hidden.weight"


def test_module_list_registers_its_modules():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.Linear(2, 1))
    assert len(blocks) == 4 and len(list(blocks.parameters())) == 8
    replacement = nn.Linear(2, 2)
    blocks[0] = replacement
    blocks.insert(1, nn.ReLU())
    assert blocks[0] is replacement and isinstance(blocks[1], nn.ReLU) and len(blocks) == 5
    assert [name for name, _ in blocks.named_children()] == ["0", "1", "2", "3", "4"]


def test_plain_lists_and_tensors_are_not_registered():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]
            self.constant = ag.tensor([1.0])

    assert list(Model().parameters()) == []


def test_assignment_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign Tensor as parameter 'weight'"):
        model.weight = ag.tensor(np.ones((2, 2)))
    model.bias = None
    assert "bias" not in dict(model.named_parameters())

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgot()
    with pytest.raises(TypeError, match="'1' is a function, not an nn.Module"):
        nn.Sequential(nn.Linear(2, 2), lambda x: x.tanh())


def test_missing_forward_and_attribute():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(1)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weights'"):
        _ = nn.Linear(2, 2).weights


def test_reassigning_and_deleting_registered_names():
    model = nn.Linear(2, 2)
    model.weight = nn.Parameter(np.zeros((2, 2)))
    assert [name for name, _ in model.named_parameters()] == ["weight", "bias"]
    del model.bias
    assert [name for name, _ in model.named_parameters()] == ["weight"]


def test_apply_visits_every_module():
    model = MLP()
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all(np.all(m.weight.data == 0) for m in model.modules() if isinstance(m, nn.Linear))
