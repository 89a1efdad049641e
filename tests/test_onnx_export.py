"""nn.export_onnx: every layer and activation runs in onnxruntime as in eager mode, at any batch
size, in float32 and float64; clear errors for what cannot export; train --export-onnx."""

import os
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd_app.__main__ import main  # noqa: E402
from nn.onnx_export import DEFAULT_OPSET, OPSETS  # noqa: E402

BATCH_SIZES = (1, 3, 17)
TOLERANCE = {
    np.float32: {"rtol": 1e-5, "atol": 1e-6},
    np.float64: {"rtol": 1e-12, "atol": 1e-12},
}
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def _seeded():
    """Layers built without rng= draw from the global generator: the same weights every run,
    so that a float32 comparison never depends on the draw."""
    ag.manual_seed(0)


def run_onnx(path, x, input_name="input"):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {input_name: x})[0]


def eager(model, x):
    with ag.no_grad():
        return model(ag.tensor(x)).data


def randomize(model, rng):
    """Parameters and buffers away from their initial values (BatchNorm's variance > 0), so
    that a mix-up of any two shows."""
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        values = (
            rng.uniform(0.5, 1.5, tensor.shape) if "var" in name else rng.normal(0, 1, tensor.shape)
        )
        tensor.data[...] = values


def assert_matches_eager(model, features, dtype, path, rng, scale=3.0):
    """Export at batch size 5, check the file, and compare with eager at other batch sizes."""
    nn.export_onnx(model, rng.normal(0, 1, (5, *features)).astype(dtype), path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    model.eval()
    for n in BATCH_SIZES:
        x = (scale * rng.normal(0, 1, (n, *features))).astype(dtype)
        got = run_onnx(path, x)
        assert got.dtype == dtype and got.shape[0] == n
        np.testing.assert_allclose(got, eager(model, x), **TOLERANCE[dtype])


# (name, factory, input features); every activation of the notes, each layer, Sequential
LAYERS = [
    ("Linear", lambda: nn.Linear(4, 3), (4,)),
    ("Linear-no-bias", lambda: nn.Linear(4, 3, bias=False), (4,)),
    ("Linear-3d", lambda: nn.Linear(4, 3), (2, 4)),
    ("Flatten-Linear", lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 3)), (2, 3)),
    ("Sigmoid", nn.Sigmoid, (4,)),
    ("Tanh", nn.Tanh, (4,)),
    ("HardLogistic", nn.HardLogistic, (4,)),
    ("HardTanh", nn.HardTanh, (4,)),
    ("ReLU", nn.ReLU, (4,)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.1), (4,)),
    ("PReLU-one-slope", nn.PReLU, (4,)),
    ("PReLU-per-channel", lambda: nn.PReLU(4), (4,)),
    ("PReLU-per-channel-3d", lambda: nn.PReLU(4), (4, 3)),
    ("ELU", lambda: nn.ELU(0.7), (4,)),
    ("Softplus", nn.Softplus, (4,)),
    ("Swish-fixed-beta", lambda: nn.Swish(1.7), (4,)),
    ("Swish-learnable-beta", lambda: nn.Swish(0.8, learnable=True), (4,)),
    ("SiLU", nn.SiLU, (4,)),
    ("GELU-erf", nn.GELU, (4,)),
    ("GELU-tanh", lambda: nn.GELU("tanh"), (4,)),
    ("GELU-sigmoid", lambda: nn.GELU("sigmoid"), (4,)),
    ("Maxout", lambda: nn.Maxout(4, 3, 2), (4,)),
    ("DyT", lambda: nn.DyT(4), (4,)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(4), (4,)),
    ("BatchNorm1d-3d", lambda: nn.BatchNorm1d(4), (4, 3)),
    ("Dropout", lambda: nn.Dropout(0.5), (4,)),
    ("Softmax", nn.Softmax, (4,)),
    ("Softmax-axis-1", lambda: nn.Softmax(axis=1), (4, 3)),
    ("LogSoftmax", nn.LogSoftmax, (4,)),
    ("Identity", nn.Identity, (4,)),
    (
        "Sequential",
        lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ELU(), nn.Linear(8, 3)),
        (4,),
    ),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name, make, features", LAYERS, ids=[layer[0] for layer in LAYERS])
def test_layer_runs_in_onnxruntime_as_in_eager_mode_at_any_batch_size(
    name, make, features, dtype, tmp_path
):
    rng = np.random.default_rng(0)
    model = make().to(dtype)
    randomize(model, rng)
    model.train()  # the export switches to evaluation mode itself
    assert_matches_eager(model, features, dtype, tmp_path / "model.onnx", rng)


def test_float64_erf_matches_math_erf_over_the_real_line(tmp_path):
    """onnxruntime has no float64 Erf: the export's own expansion is used, as exact as erf."""

    class Erf(nn.Module):
        def forward(self, x):
            return F.erf(x)

    x = np.linspace(-30, 30, 20001).reshape(-1, 1)
    nn.export_onnx(Erf(), x[:2], tmp_path / "erf.onnx")
    np.testing.assert_allclose(run_onnx(tmp_path / "erf.onnx", x), eager(Erf(), x), atol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_softplus_and_softmax_stay_finite_and_exact_for_large_inputs(dtype, tmp_path):
    x = np.array([[-1e4, -40.0, 0.0, 30.0, 1e4]], dtype)
    for model in (nn.Softplus(), nn.Softmax(), nn.LogSoftmax()):
        nn.export_onnx(model, x, tmp_path / "model.onnx")
        got = run_onnx(tmp_path / "model.onnx", x)
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, eager(model, x), **TOLERANCE[dtype])


@pytest.fixture(scope="module", params=DTYPES, ids=["float32", "float64"])
def digits_mlp(request):
    """An MLP (with BatchNorm and Dropout) trained for a few epochs on the digits."""
    dtype = request.param
    X, y = nn.data.load_digits()
    X = (X / 16.0).astype(dtype)
    model = nn.Sequential(
        nn.Linear(64, 32, rng=0, dtype=dtype),
        nn.BatchNorm1d(32, dtype=dtype),
        nn.ReLU(),
        nn.Dropout(0.1, rng=0),
        nn.Linear(32, 10, rng=1, dtype=dtype),
    )
    loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), 64, shuffle=True, rng=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    nn.fit(model, loader, nn.CrossEntropyLoss(), optimizer, 3, progress=False, log=False)
    return model, X, y, dtype


def test_trained_digits_mlp_gives_the_eager_logits_in_onnxruntime(digits_mlp, tmp_path):
    model, X, y, dtype = digits_mlp
    nn.export_onnx(model, X[:4], tmp_path / "digits.onnx")
    model.eval()
    for n in (1, 3, 17, len(X)):
        got = run_onnx(tmp_path / "digits.onnx", X[:n])
        np.testing.assert_allclose(got, eager(model, X[:n]), **TOLERANCE[dtype])
    logits = run_onnx(tmp_path / "digits.onnx", X)
    assert (logits.argmax(axis=1) == y).mean() > 0.9  # the trained model, not a fresh one
    names = {init.name for init in onnx.load(tmp_path / "digits.onnx").graph.initializer}
    used = {key for key, value in model.state_dict().items() if value.dtype.kind == "f"}
    assert used <= names  # parameters and running statistics, by their state-dict names


class Residual(nn.Module):
    """x + f(x), f = Linear-Tanh-Linear: a user Module with a skip connection."""

    def __init__(self, width):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Linear(width, width))

    def forward(self, x):
        return x + self.inner(x)


class FCNet(nn.Module):
    """The notes' FCNet (examples/fcnet_mnist.py), 784-500-10 shrunk to 28x28 -> 16 -> 10."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out = self.fc1(self.flatten(x))
        out = self.relu(out)
        return self.fc2(out)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_user_module_subclasses_export(dtype, tmp_path):
    rng = np.random.default_rng(1)
    assert_matches_eager(Residual(5).to(dtype), (5,), dtype, tmp_path / "residual.onnx", rng)
    assert_matches_eager(FCNet(784, 16, 10).to(dtype), (28, 28), dtype, tmp_path / "fc.onnx", rng)


def test_float64_batch_into_a_float32_model_is_cast_as_in_eager_mode(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.GELU()).to(np.float32)
    x = np.random.default_rng(2).normal(0, 1, (6, 4))
    nn.export_onnx(model, x, tmp_path / "model.onnx")
    got = run_onnx(tmp_path / "model.onnx", x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, eager(model, x), **TOLERANCE[np.float32])


def test_python_control_flow_is_baked_in_from_the_example(tmp_path):
    class SignSwitch(nn.Module):
        def forward(self, x):
            return ag.relu(x) if x.sum().item() > 0 else -x

    model = SignSwitch()
    nn.export_onnx(model, np.ones((2, 3)), tmp_path / "model.onnx")
    x = -np.ones((2, 3))
    np.testing.assert_array_equal(run_onnx(tmp_path / "model.onnx", x), np.zeros((2, 3)))
    np.testing.assert_array_equal(eager(model, x), np.ones((2, 3)))  # eager takes the other


def test_export_restores_each_layers_mode_and_leaves_the_state_alone(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    model.train()
    model[2].eval()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    nn.export_onnx(model, np.ones((5, 4)), tmp_path / "model.onnx")
    assert [m.training for m in model.modules()] == [True, True, True, False, True]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    assert not model[1].running_mean.requires_grad and not model[1].running_var.requires_grad


class RowProduct(nn.Module):
    """A layer whose op (Prod) has no ONNX export rule."""

    def forward(self, x):
        return ag.prod(x, axis=1)


def test_an_op_without_a_rule_names_the_op_the_layer_and_what_exports(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), RowProduct())
    with pytest.raises(NotImplementedError, match=r"Prod \(from layer '1' \(RowProduct\)\)"):
        nn.export_onnx(model, np.ones((2, 3)), tmp_path / "model.onnx")
    with pytest.raises(NotImplementedError, match=r"ops that export are .*Linear.*Where"):
        nn.export_onnx(model, np.ones((2, 3)), tmp_path / "model.onnx")
    assert not os.listdir(tmp_path)  # nothing written, no temporary file left


def test_shapes_tied_to_the_example_batch_are_refused_unless_the_batch_is_static(tmp_path):
    class FlattenBatch(nn.Module):
        def forward(self, x):
            return x.reshape(-1)

    class BatchConstant(nn.Module):
        def forward(self, x):
            return x * np.arange(x.size, dtype=x.dtype).reshape(x.shape)

    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match=r"Reshape \(from the model \(FlattenBatch\)\).*batch"):
        nn.export_onnx(FlattenBatch(), x, tmp_path / "model.onnx")
    with pytest.raises(ValueError, match=r"Mul .*shape \(2, 3\).*batch size 2"):
        nn.export_onnx(BatchConstant(), x, tmp_path / "model.onnx")
    for model in (FlattenBatch(), BatchConstant()):
        nn.export_onnx(model, x, tmp_path / "static.onnx", dynamic_batch=False)
        np.testing.assert_array_equal(run_onnx(tmp_path / "static.onnx", x), eager(model, x))


@pytest.mark.parametrize("opset", list(OPSETS))
def test_every_supported_opset_exports_reductions_and_reshapes(opset, tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), nn.Maxout(6, 3, 2), nn.LogSoftmax())
    x = np.random.default_rng(3).normal(0, 1, (5, 4))
    nn.export_onnx(model, x[:2], tmp_path / "model.onnx", opset=opset)
    assert onnx.load(tmp_path / "model.onnx").opset_import[0].version == opset
    np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", x), eager(model, x), rtol=1e-12)


def test_names_batch_dimension_and_default_opset_of_the_file(tmp_path):
    path = tmp_path / "model.onnx"
    nn.export_onnx(nn.Linear(4, 2), np.ones((3, 4)), path, input_names=["x"], output_names=["y"])
    graph = onnx.load(path).graph
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert graph.input[0].name == "x" and graph.output[0].name == "y" and dims == ["batch", 4]
    assert onnx.load(path).opset_import[0].version == DEFAULT_OPSET
    nn.export_onnx(nn.Linear(4, 2), np.ones((3, 4)), path, dynamic_batch=False)
    dims = [d.dim_value for d in onnx.load(path).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [3, 4]


def test_bad_arguments_get_clear_errors(tmp_path):
    path, x = tmp_path / "model.onnx", np.ones((2, 4))
    with pytest.raises(ValueError, match="opset must be an int from 17"):
        nn.export_onnx(nn.ReLU(), x, path, opset=11)
    with pytest.raises(TypeError, match="float32 or float64, got dtype int64"):
        nn.export_onnx(nn.ReLU(), np.ones((2, 4), np.int64), path)
    with pytest.raises(ValueError, match="input_names must hold one non-empty name"):
        nn.export_onnx(nn.ReLU(), x, path, input_names=("a", "b"))
    with pytest.raises(TypeError, match="must be an nn.Module"):
        nn.export_onnx(lambda t: t, x, path)
    with pytest.raises(FileNotFoundError, match="no_such_dir"):
        nn.export_onnx(nn.ReLU(), x, tmp_path / "no_such_dir" / "model.onnx")


def test_outputs_that_cannot_be_traced_are_refused(tmp_path):
    class TwoOutputs(nn.Module):
        def forward(self, x):
            return x, x

    class ThroughNumpy(nn.Module):  # leaves the graph: the output would be the example's
        def forward(self, x):
            return ag.tensor(np.tanh(x.data))

    with pytest.raises(TypeError, match="must return one Tensor"):
        nn.export_onnx(TwoOutputs(), np.ones((2, 3)), tmp_path / "model.onnx")
    with pytest.raises(ValueError, match="output does not depend on its input"):
        nn.export_onnx(ThroughNumpy(), np.ones((2, 3)), tmp_path / "model.onnx")


def test_the_file_is_replaced_atomically(tmp_path):
    path = tmp_path / "model.onnx"
    nn.export_onnx(nn.Linear(4, 2), np.ones((2, 4)), path)
    first = path.read_bytes()
    with pytest.raises(NotImplementedError):
        nn.export_onnx(nn.Sequential(nn.Linear(4, 2), RowProduct()), np.ones((2, 4)), path)
    assert path.read_bytes() == first  # a failed export leaves the old file whole
    nn.export_onnx(nn.Linear(4, 3), np.ones((2, 4)), path)
    assert path.read_bytes() != first and os.listdir(tmp_path) == ["model.onnx"]


def test_missing_onnx_package_is_named_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install -e "\.\[onnx\]"'):
        nn.export_onnx(nn.ReLU(), np.ones((2, 4)), tmp_path / "model.onnx")


def test_export_records_the_graph_even_inside_no_grad(tmp_path):
    model = nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(3, 2))
    x = np.random.default_rng(5).normal(0, 1, (4, 3))
    with ag.no_grad():
        nn.export_onnx(model, x, tmp_path / "model.onnx")
    np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", x), eager(model, x), rtol=1e-12)


# ---------------------------------------------------------------- indexing, joins, scans
class Lambda(nn.Module):
    """A user Module whose forward is ``fn(x)``."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class TwoBranch(nn.Module):
    """Two Linear branches and two input features side by side: ag.cat along the features."""

    def __init__(self, width, dim):
        super().__init__()
        self.dim = dim
        self.left = nn.Sequential(nn.Linear(width, 4), nn.Tanh())
        self.right = nn.Linear(width, 3)

    def forward(self, x):
        return ag.cat([self.left(x), self.right(x), x[..., :2]], dim=self.dim)


# (name, forward, input features); axis 0 is the batch and keeps its full slice
SHAPE_OPS = [
    ("slice-first-features", lambda x: x[:, :5], (8,)),
    ("slice-with-step", lambda x: x[:, 1:7:2], (8,)),
    ("slice-reversed", lambda x: x[:, ::-1], (8,)),
    ("slice-negative-step-bounded", lambda x: x[:, 6:1:-2], (8,)),
    ("slice-negative-bounds", lambda x: x[:, -5:-1], (8,)),
    ("int-after-ellipsis", lambda x: x[..., 0], (3, 4)),
    ("int-negative", lambda x: x[:, -1], (3, 4)),
    ("int-and-slice", lambda x: x[:, 1, ::2], (3, 4)),
    ("new-axis", lambda x: x[:, None], (4,)),
    ("new-axes-around-a-slice", lambda x: x[..., None, 1:3, None], (4,)),
    ("integer-array", lambda x: x[:, [0, 3, -1, 0]], (5,)),
    ("integer-array-2d", lambda x: x[:, :, np.array([[0, 1], [2, 0]])], (2, 3)),
    ("whole", lambda x: x[...], (4,)),
    ("concatenate-negative-axis", lambda x: ag.concatenate([x, 2 * x[..., :1]], axis=-1), (3, 4)),
    ("concatenate-axis-1", lambda x: ag.cat([x, ag.tanh(x)], dim=1), (3, 4)),
    ("stack-axis-1", lambda x: ag.stack([x, ag.tanh(x)], axis=1), (4,)),
    ("stack-negative-axis", lambda x: ag.stack([x, x * x], dim=-1), (3,)),
    ("cumsum", lambda x: ag.cumsum(x, axis=1), (5,)),
    ("cumsum-negative-axis", lambda x: ag.cumsum(x, dim=-1), (2, 5)),
    ("cumsum-down-the-batch", lambda x: ag.cumsum(x, axis=0), (3,)),
    ("cumsum-flattened-1d", lambda x: ag.cumsum(x[:, 0]), (3,)),
    ("broadcast-to", lambda x: ag.broadcast_to(x[:, None, :], (x.shape[0], 3, 4)), (4,)),
    ("log1p", lambda x: ag.log1p(x * x), (4,)),
    ("expm1", ag.expm1, (4,)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name, forward, features", SHAPE_OPS, ids=[op[0] for op in SHAPE_OPS])
def test_indexing_joins_and_scans_run_in_onnxruntime_as_in_eager_mode(
    name, forward, features, dtype, tmp_path
):
    rng = np.random.default_rng(6)
    assert_matches_eager(Lambda(forward), features, dtype, tmp_path / "model.onnx", rng)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_two_branch_module_that_concatenates_exports(dtype, tmp_path):
    rng = np.random.default_rng(7)
    for dim, features in ((1, (6,)), (-1, (2, 6))):
        model = TwoBranch(6, dim).to(dtype)
        assert_matches_eager(model, features, dtype, tmp_path / "two_branch.onnx", rng)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_log1p_and_expm1_keep_every_digit_near_zero_and_for_large_inputs(dtype, tmp_path):
    """ONNX has no log1p or expm1; log(1 + x) and eˣ - 1 would lose all digits at x = 1e-12."""
    tiny = [1e-30, -1e-20, 1e-12, -3e-9, 1e-6, -2e-4, 0.3, -0.49, 0.5, -0.51]
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    for forward, large in (
        (ag.log1p, [-1.0, -0.9, 2.0, 50.0, 1e6, 1e30]),
        (ag.expm1, [-800.0, -50.0, 30.0, 80.0, 700.0, 1000.0]),
    ):
        x = np.array([tiny + large], dtype)
        with np.errstate(divide="ignore", over="ignore"):  # log1p(-1) = -∞, expm1(1000) = ∞
            nn.export_onnx(Lambda(forward), x, tmp_path / "model.onnx")
            expected = eager(Lambda(forward), x)
        np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", x), expected, rtol, atol=0)
    assert abs(np.log(1 + 1e-12) / 1e-12 - 1) > 1e-5  # the digits log(1 + x) loses there


class ExpandedBias(nn.Module):
    """x + b broadcast to the batch's shape with broadcast_to: the shape holds the batch size."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(np.arange(3.0))

    def forward(self, x):
        return x + self.bias.broadcast_to((x.shape[0], 3))


# (forward, the ValueError's message with dynamic_batch)
BATCH_TIED = [
    (lambda x: x[0], r"GetItem .*the batch axis \(axis 0\) with 0, .*tied to the batch size 4"),
    (lambda x: x[:2], r"GetItem .*with slice\(None, 2, None\), .*tied to the batch size 4"),
    (lambda x: x[1:], r"GetItem .*with slice\(1, None, None\), .*tied to the batch size 4"),
    (lambda x: x[[0, 2]], r"GetItem .*with the array \[0, 2\], .*tied to the batch size 4"),
    (lambda x: x[None], r"GetItem .*adds an axis before the batch axis"),
    (lambda x: ag.cat([x, x], dim=0), r"Concatenate .*along the batch axis.*batch size 4"),
    (lambda x: ag.stack([x, x]), r"Stack .*new axis before the batch axis.*batch size 4"),
    (lambda x: ag.cumsum(x), r"CumSum .*flattens \(4, 3\).*batch size 4"),
    (lambda x: ag.broadcast_to(x, (2, 4, 3)), r"BroadcastTo .*\(4, 3\) to \(2, 4, 3\), off axis 0"),
]


def test_indexing_and_joins_tied_to_the_example_batch_are_refused_unless_it_is_static(tmp_path):
    x = np.random.default_rng(8).normal(0, 1, (4, 3))
    cases = [(Lambda(forward), message) for forward, message in BATCH_TIED]
    cases.append((ExpandedBias(), r"BroadcastTo .*to \(4, 3\), whose axis 0 is the batch size"))
    for model, message in cases:
        with pytest.raises(ValueError, match=message):
            nn.export_onnx(model, x, tmp_path / "model.onnx")
        nn.export_onnx(model, x, tmp_path / "static.onnx", dynamic_batch=False)
        np.testing.assert_allclose(run_onnx(tmp_path / "static.onnx", x), eager(model, x))
    assert sorted(os.listdir(tmp_path)) == ["static.onnx"]


def test_boolean_masks_and_several_index_arrays_have_no_rule(tmp_path):
    x = np.random.default_rng(9).normal(0, 1, (4, 3, 2))
    masks = (lambda x: x[x.data > 0], lambda x: x[:, np.array([True, False, True])])
    for forward in masks:
        with pytest.raises(NotImplementedError, match=r"GetItem .*boolean mask.*no ONNX export"):
            nn.export_onnx(Lambda(forward), x, tmp_path / "model.onnx")
    with pytest.raises(NotImplementedError, match=r"several integer arrays.*no ONNX export"):
        nn.export_onnx(Lambda(lambda x: x[:, [0, 1], [1, 0]]), x, tmp_path / "model.onnx")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("opset", list(OPSETS))
def test_every_supported_opset_exports_indexing_joins_and_scans(opset, tmp_path):
    model = Lambda(lambda x: ag.cumsum(ag.stack([x[:, ::-1], ag.log1p(x * x)], axis=-1), axis=1))
    x = np.random.default_rng(10).normal(0, 1, (5, 4))
    nn.export_onnx(model, x[:2], tmp_path / "model.onnx", opset=opset)
    np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", x), eager(model, x), rtol=1e-12)


# ---------------------------------------------------------------- autograd-core train
def test_train_command_exports_the_trained_model_to_onnx(tmp_path, capsys):
    path = tmp_path / "model.onnx"
    options = ["--dataset", "xor", "--hidden", "8", "--activation", "tanh", "--epochs", "2"]
    argv = ["train", *options, "--no-progress", "--out", str(tmp_path / "run")]
    assert main([*argv, "--export-onnx", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    model.load_state_dict(nn.load(tmp_path / "run" / "checkpoint.ckpt")["model"])
    # the file standardises raw features with the training statistics, its "mean" and "std"
    stats = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}
    assert stats["mean"].shape == stats["std"].shape == (2,) and np.all(stats["std"] > 0)
    assert not np.allclose(stats["mean"], 0.0)  # xor's features are in [0, 1], not centred
    x = np.random.default_rng(4).uniform(0, 1, (7, 2))
    expected = eager(model, (x - stats["mean"]) / stats["std"])
    np.testing.assert_allclose(run_onnx(path, x), expected, rtol=1e-12, atol=1e-12)


def test_train_command_refuses_export_onnx_it_cannot_do_before_training(
    monkeypatch, tmp_path, capsys
):
    argv = ["train", "--dataset", "xor", "--epochs", "1", "--out", str(tmp_path / "run")]
    assert main([*argv, "--export-onnx", str(tmp_path / "missing" / "model.onnx")]) == 2
    assert "directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv, "--export-onnx", str(tmp_path / "model.txt")])
    assert "ending in .onnx" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main([*argv, "--export-onnx", str(tmp_path / "model.onnx")]) == 2
    assert 'pip install -e ".[onnx]"' in capsys.readouterr().err
    assert not (tmp_path / "run" / "checkpoint.ckpt").exists()  # refused before training
