"""Checkpoints travel both ways between this library and PyTorch: a state dict saved with
nn.save loads with safetensors.torch.load_file into the PyTorch twin of the model (strict
load_state_dict), and one PyTorch saved with safetensors.torch.save_file loads here; both
models then give the same outputs (float64 to 1e-12, float32 to 1e-6)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- the models and their twins
def mlp(dtype):
    return nn.Sequential(
        nn.Linear(5, 8, rng=0, dtype=dtype), nn.ReLU(), nn.Linear(8, 3, rng=1, dtype=dtype)
    )


def torch_mlp(dtype):
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).to(
        TORCH_DTYPE[dtype]
    )


def batch_norm_net(dtype):
    return nn.Sequential(
        nn.Linear(5, 8, rng=2, dtype=dtype),
        nn.BatchNorm1d(8, dtype=dtype),
        nn.ReLU(),
        nn.Linear(8, 3, rng=3, dtype=dtype),
    )


def torch_batch_norm_net(dtype):
    return torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    ).to(TORCH_DTYPE[dtype])


class TorchFCNet(torch.nn.Module):
    """The notes' FCNet written in PyTorch, as the notes write it."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = torch.nn.Linear(input_size, hidden_size)
        self.relu = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def fcnet(dtype):
    ag.manual_seed(0)
    return load_example("fcnet_mnist").FCNet(784, 500, 10).to(dtype)


def torch_fcnet(dtype):
    return TorchFCNet(784, 500, 10).to(TORCH_DTYPE[dtype])


MODELS = {
    "mlp": (mlp, torch_mlp, 5),
    "batch_norm": (batch_norm_net, torch_batch_norm_net, 5),
    "fcnet": (fcnet, torch_fcnet, 784),
}


def train_a_few_steps(model, inputs, dtype):
    """Three Adam steps in training mode: BatchNorm's running statistics move."""
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    for step in range(3):
        x = ag.tensor(inputs(step), dtype=dtype)
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
    return model.eval()


def train_torch_a_few_steps(model, inputs):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    dtype = next(model.parameters()).dtype
    for step in range(3):
        opt.zero_grad()
        (model(torch.tensor(inputs(step), dtype=dtype)) ** 2).mean().backward()
        opt.step()
    return model.eval()


def batches(width):
    return lambda step: np.random.default_rng(step).standard_normal((16, width))


CASES = [(name, dtype) for name in MODELS for dtype in (np.float64, np.float32)]


def assert_same_outputs(model, torch_model, width, dtype):
    """Both models (in eval mode) give the same outputs on one batch, to TOLERANCE."""
    x = np.random.default_rng(9).standard_normal((7, width))
    with torch.no_grad():
        expected = torch_model(torch.tensor(x, dtype=TORCH_DTYPE[dtype])).numpy()
    with ag.no_grad():
        got = model(ag.tensor(x, dtype=dtype)).data
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


# ---------------------------------------------------------------- here -> PyTorch
@pytest.mark.parametrize("name, dtype", CASES)
def test_a_state_dict_saved_here_loads_strictly_into_the_pytorch_twin(name, dtype, tmp_path):
    ours, twin, width = MODELS[name]
    model = train_a_few_steps(ours(dtype), batches(width), dtype)
    nn.save(model.state_dict(), tmp_path / "model.safetensors")
    state = safetensors_torch.load_file(tmp_path / "model.safetensors")
    torch_model = twin(dtype)
    torch_model.load_state_dict(state, strict=True)
    torch_model.eval()
    assert_same_outputs(model, torch_model, width, dtype)


def test_batch_norm_running_statistics_and_batch_count_reach_pytorch(tmp_path):
    model = train_a_few_steps(batch_norm_net(np.float64), batches(5), np.float64)
    nn.save(model.state_dict(), tmp_path / "bn.safetensors")
    state = safetensors_torch.load_file(tmp_path / "bn.safetensors")
    assert state["1.num_batches_tracked"].dtype == torch.int64
    assert state["1.num_batches_tracked"].shape == () and int(state["1.num_batches_tracked"]) == 3
    np.testing.assert_array_equal(state["1.running_var"].numpy(), model[1].running_var.data)
    assert not np.allclose(model[1].running_var.data, 1.0)  # the statistics did move


def test_batch_norm_counts_batches_as_pytorch_does():
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    for step in range(3):
        x = np.random.default_rng(step).standard_normal((6, 4))
        ours(ag.tensor(x))
        theirs(torch.tensor(x, dtype=torch.float32))
    ours.eval(), theirs.eval()
    ours(np.ones((2, 4))), theirs(torch.ones(2, 4))  # evaluation counts nothing
    assert int(ours.num_batches_tracked.data) == int(theirs.num_batches_tracked) == 3


# ---------------------------------------------------------------- PyTorch -> here
@pytest.mark.parametrize("name, dtype", CASES)
def test_a_state_dict_saved_by_pytorch_loads_here(name, dtype, tmp_path):
    ours, twin, width = MODELS[name]
    torch.manual_seed(0)
    torch_model = train_torch_a_few_steps(twin(dtype), batches(width))
    safetensors_torch.save_file(torch_model.state_dict(), tmp_path / "torch.safetensors")
    model = ours(dtype)
    assert model.load_state_dict(nn.load(tmp_path / "torch.safetensors")) == ([], [])
    model.eval()
    assert_same_outputs(model, torch_model, width, dtype)


def test_a_pytorch_file_with_metadata_loads_as_its_tensors(tmp_path):
    state = torch_mlp(np.float64).state_dict()
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(state, path, metadata={"format": "pt"})
    loaded = nn.load(path)
    assert sorted(loaded) == sorted(state)
    for key, tensor in state.items():
        np.testing.assert_array_equal(loaded[key], tensor.numpy())


# ---------------------------------------------------------------- the example
def test_the_to_pytorch_example_gives_pytorchs_predictions(tmp_path, capsys):
    example = load_example("to_pytorch")
    difference = example.main(["--out", str(tmp_path)])
    assert difference < 1e-12
    assert (tmp_path / "digits_mlp.safetensors").exists()
    out = capsys.readouterr().out
    assert (
        "max |ours - PyTorch|" in out and "same predicted digit for every test image: True" in out
    )
