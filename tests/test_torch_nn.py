"""nn with a PyTorch user's habits: nn.Identity, nn.utils.clip_grad_*, Dataset / DataLoader
collation, ag.save / ag.load, nn.optim.lr_scheduler, Module.to and its dtype rule, dim= on
softmax, F.pad, and a PyTorch-style training loop. Comparisons with PyTorch itself run where
it is installed and are skipped otherwise."""

import math
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from nn.data import DataLoader, Dataset, TensorDataset, default_collate
from nn.optim import lr_scheduler


# ---------------------------------------------------------------- nn.Identity
def test_identity_returns_its_input_and_ignores_its_arguments():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    layer = nn.Identity(54, unused_argument1=0.1)
    assert layer(x) is x and list(layer.parameters()) == [] and repr(layer) == "Identity()"


# ---------------------------------------------------------------- gradient clipping
def _with_grads(*grads):
    params = [nn.Parameter(np.zeros_like(np.asarray(g, dtype=float))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(np.asarray(g, dtype=float))
    return params


def test_clip_grad_norm_scales_every_grad_by_max_norm_over_the_total_norm():
    a, b = _with_grads([3.0, 0.0], [[0.0], [4.0]])  # total 2-norm 5
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.item() == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad.data, [3.0 * scale, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad.data, [[0.0], [4.0 * scale]], rtol=1e-15)


def test_clip_grad_norm_leaves_small_grads_alone_and_skips_params_without_grad():
    a, b = _with_grads([0.3, 0.4], [0.0])
    b.grad = None
    total = nn.utils.clip_grad_norm_(iter([a, b]), max_norm=1.0)  # any iterable
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad.data, [0.3, 0.4])
    assert nn.utils.clip_grad_norm_([b], 1.0).item() == 0.0  # no gradient at all


def test_clip_grad_norm_with_the_infinity_norm_and_a_single_tensor():
    (a,) = _with_grads([-6.0, 2.0, 3.0])
    total = nn.utils.clip_grad_norm_(a, max_norm=2.0, norm_type=math.inf)
    assert total.item() == 6.0
    np.testing.assert_allclose(a.grad.data, np.array([-6.0, 2.0, 3.0]) * 2.0 / (6.0 + 1e-6))


def test_clip_grad_norm_keeps_the_grad_objects_and_their_dtype():
    p = nn.Parameter(np.zeros(2, np.float32))
    p.grad = grad = ag.tensor(np.array([30.0, 40.0], np.float32))
    total = nn.utils.clip_grad_norm_([p], 5.0)
    assert p.grad is grad and grad.dtype == np.float32 and total.dtype == np.float32
    np.testing.assert_allclose(grad.data, [3.0, 4.0], rtol=1e-6)


def test_clip_grad_norm_refuses_a_nonfinite_norm_only_when_asked():
    (a,) = _with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad.data, [np.inf, 1.0])
    with np.errstate(invalid="ignore"):  # inf * 0
        nn.utils.clip_grad_norm_([a], 1.0)  # PyTorch scales by max_norm / inf = 0 anyway
    assert np.isnan(a.grad.data[0]) and a.grad.data[1] == 0.0


def test_clip_grad_value_clamps_every_element_in_place():
    a, b = _with_grads([-3.0, 0.5, 2.0], [[7.0]])
    nn.utils.clip_grad_value_([a, b], clip_value=1.0)
    np.testing.assert_array_equal(a.grad.data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.data, [[1.0]])
    with pytest.raises(ValueError, match="clip_value must be non-negative"):
        nn.utils.clip_grad_value_([a], -1.0)
    with pytest.raises(TypeError, match="parameter 0 is a list"):
        nn.utils.clip_grad_value_([[1.0]], 1.0)


def test_clipping_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    for norm_type in (2.0, 1.0, math.inf):
        ours = _with_grads(*grads)
        theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        total = nn.utils.clip_grad_norm_(ours, 0.5, norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        assert total.item() == pytest.approx(expected.item(), rel=1e-12)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- Dataset, DataLoader
class Squares(Dataset):
    """A map-style dataset as PyTorch users write them: (float32 image Tensor, int label)."""

    def __init__(self, n=7):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        image = ag.tensor(np.full((1, 2, 2), index, np.float32))
        return image, index % 3


def test_a_dataset_subclass_is_batched_by_the_default_collate():
    loader = DataLoader(Squares(), batch_size=3)
    batches = list(loader)
    assert len(loader) == 3 and [len(labels) for _, labels in batches] == [3, 3, 1]
    images, labels = batches[0]
    assert images.shape == (3, 1, 2, 2) and images.dtype == np.float32
    assert labels.dtype == np.int64 and labels.data.tolist() == [0, 1, 2]
    assert labels.size(0) == 3 and images.size() == (3, 1, 2, 2)


def test_default_collate_follows_pytorch_dtypes_and_structure():
    ints = default_collate([1, 2, 3])
    assert ints.dtype == np.int64 and ints.data.tolist() == [1, 2, 3]
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == ag.get_default_dtype()
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.float32(1.0), np.float32(2.0)]).dtype == np.float32
    arrays = default_collate([np.zeros(2, np.int32), np.ones(2, np.int32)])
    assert arrays.dtype == np.int32 and arrays.shape == (2, 2)
    batch = default_collate([{"x": np.zeros(2), "name": "a"}, {"x": np.ones(2), "name": "b"}])
    assert batch["x"].shape == (2, 2) and batch["name"] == ["a", "b"]
    x, (y, z) = default_collate([(1.0, (2, 3.0)), (4.0, (5, 6.0))])
    assert y.dtype == np.int64 and z.data.tolist() == [3.0, 6.0]


def test_default_collate_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="different numbers of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object(), object()])


def test_a_dataset_without_getitem_or_len_says_what_to_define():
    class Empty(Dataset):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define __len__"):
        len(Empty())
    with pytest.raises(NotImplementedError, match=r"Empty must define __getitem__"):
        Empty()[0]


def test_tensor_dataset_keeps_its_one_index_per_batch_fast_path(monkeypatch):
    data = TensorDataset(np.arange(10.0).reshape(10, 1), np.arange(10))
    calls = []
    original = TensorDataset.__getitem__
    monkeypatch.setattr(
        TensorDataset, "__getitem__", lambda self, i: calls.append(i) or original(self, i)
    )
    loader = DataLoader(data, batch_size=4)
    monkeypatch.setattr(TensorDataset, "__getitem__", original)  # the loader's check is by identity
    calls_before = len(calls)
    assert [len(y) for _, y in loader] == [4, 4, 2] and len(calls) == calls_before
    assert TensorDataset.__mro__[1] is Dataset


def test_a_tensor_dataset_subclass_with_its_own_getitem_gets_one_index_at_a_time():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return 2 * x, y

    x, y = next(iter(DataLoader(Doubled(np.arange(4.0), np.arange(4)), batch_size=4)))
    assert x.data.tolist() == [0.0, 2.0, 4.0, 6.0] and y.dtype == np.int64


def test_collate_fn_num_workers_and_pin_memory_are_accepted():
    loader = DataLoader(
        Squares(4), batch_size=2, collate_fn=lambda samples: len(samples), num_workers=2
    )
    assert list(loader) == [2, 2]
    assert DataLoader(Squares(2), pin_memory=True).pin_memory is True


def test_int64_labels_from_a_loader_feed_cross_entropy():
    images, labels = next(iter(DataLoader(Squares(6), batch_size=6)))
    logits = nn.Linear(4, 3, rng=0)(images.reshape(6, 4))
    loss = F.cross_entropy(logits, labels)
    expected = nn.CrossEntropyLoss()(logits, ag.tensor(labels.data.astype(np.int32)))
    assert loss.item() == expected.item()


def test_integer_inputs_of_losses_compute_in_floats():
    # Python ints are int64 tensors now: a float target must not be truncated to them
    assert F.mse_loss(ag.tensor([1, 2]), [1.5, 2.5]).item() == 0.25
    assert F.mse_loss([True, False], [0.5, 0.5]).item() == 0.25
    logits = ag.tensor([[0, 0]])
    assert F.cross_entropy(logits, [1]).item() == pytest.approx(math.log(2))


def test_default_collate_matches_pytorch():
    torch = pytest.importorskip("torch")
    samples = [(np.full(2, i, np.float32), i, float(i)) for i in range(3)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    for a, b in zip(ours[:2], theirs[:2]):  # floats: ours the default dtype, PyTorch float64
        assert a.dtype == np.dtype(str(b.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(a.data, b.numpy())


# ---------------------------------------------------------------- ag.save / ag.load
def test_a_state_dict_round_trips_through_ag_save_and_ag_load(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.Linear(4, 2, rng=1))
    ag.save(model.state_dict(), tmp_path / "model.pth")
    copy = nn.Sequential(nn.Linear(3, 4, rng=5), nn.BatchNorm1d(4), nn.Linear(4, 2, rng=6))
    assert copy.load_state_dict(ag.load(tmp_path / "model.pth")) == ([], [])
    for (name, a), (_, b) in zip(model.state_dict().items(), copy.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert nn.save is ag.save and nn.load is ag.load


def test_tensors_and_parameters_keep_their_class(tmp_path):
    ag.save({"w": nn.Parameter([1.0]), "t": ag.tensor([2.0])}, tmp_path / "x.pth")
    back = ag.load(tmp_path / "x.pth")
    assert type(back["w"]) is nn.Parameter and back["w"].requires_grad
    assert type(back["t"]) is ag.Tensor and not back["t"].requires_grad


def test_a_parameter_loads_as_a_tensor_that_requires_grad_without_nn(tmp_path):
    path = tmp_path / "p.pth"
    ag.save({"w": nn.Parameter([1.0, 2.0])}, path)
    code = (
        "import sys, autograd_core as ag; w = ag.load(sys.argv[1])['w']; "
        "print(type(w).__name__, w.requires_grad, w.data.tolist(), 'nn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.stdout.split() == ["Tensor", "True", "[1.0,", "2.0]", "False"], out.stderr


def test_only_tensor_subclass_tags_can_be_registered():
    from autograd_core.serialization import register_tensor_class

    with pytest.raises(ValueError, match="'dict' is not a Tensor-subclass tag"):
        register_tensor_class("dict", nn.Parameter)
    with pytest.raises(TypeError, match="is not a Tensor subclass"):
        register_tensor_class("parameter", dict)


# ---------------------------------------------------------------- lr_scheduler
def _sgd(lr=1.0, groups=1):
    return nn.optim.SGD([{"params": [nn.Parameter([0.0])]} for _ in range(groups)], lr=lr)


def _lrs(scheduler, epochs, metrics=None):
    """The lr of every epoch: epoch 0 at construction, then one step() per epoch."""
    lrs = [scheduler.optimizer.param_groups[0]["lr"]]
    for e in range(epochs):
        scheduler.step() if metrics is None else scheduler.step(metrics[e])
        lrs.append(scheduler.optimizer.param_groups[0]["lr"])
        assert scheduler.get_last_lr()[0] == lrs[-1]
    return lrs


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
            [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125],
        ),
        (
            lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.1),
            [1, 1, 0.1, 0.1, 0.1, 1e-3, 1e-3],
        ),
        (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), [0.9**e for e in range(7)]),
        (
            lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4),
            [1, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0, 0.1464466, 0.5],
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=2, eta_min=0.2),
            [1, 0.6, 0.2, 0.6, 1, 0.6, 0.2],
        ),
        (
            lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)),
            [1 / (e + 1) for e in range(7)],
        ),
    ],
    ids=["StepLR", "MultiStepLR", "ExponentialLR", "Cosine", "Cosine eta_min", "LambdaLR"],
)
def test_schedules_give_pytorchs_learning_rates(make, expected):
    np.testing.assert_allclose(_lrs(make(_sgd()), 6), expected, rtol=1e-6, atol=1e-12)


def test_lambda_lr_takes_one_function_per_group():
    opt = _sgd(groups=2)
    sched = lr_scheduler.LambdaLR(opt, [lambda e: 0.5**e, lambda e: e + 1.0])
    sched.step()
    assert sched.get_last_lr() == [0.5, 2.0]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        lr_scheduler.LambdaLR(_sgd(groups=2), [abs, abs, abs])


def test_reduce_on_plateau_waits_patience_epochs_then_reduces():
    opt = _sgd()
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8]
    assert _lrs(sched, 9, metrics) == [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert sched.best == 8 and sched.last_epoch == 9


def test_reduce_on_plateau_cooldown_min_lr_and_max_mode():
    sched = lr_scheduler.ReduceLROnPlateau(_sgd(), factor=0.5, patience=0, cooldown=2)
    assert _lrs(sched, 8, [5.0] * 8) == [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    sched = lr_scheduler.ReduceLROnPlateau(_sgd(), factor=0.1, patience=0, min_lr=0.05)
    assert _lrs(sched, 4, [1.0] * 4) == [1, 1, 0.1, 0.05, 0.05]
    sched = lr_scheduler.ReduceLROnPlateau(
        _sgd(), mode="max", patience=0, threshold=0.1, threshold_mode="abs"
    )
    _lrs(sched, 3, [0.5, 0.55, ag.tensor(0.7)])  # a one-element Tensor is a metric too
    assert sched.best == pytest.approx(0.7) and sched.get_last_lr() == [0.1]


def test_reduce_on_plateau_checks_its_arguments():
    for kwargs, message in [
        ({"factor": 1.0}, "factor must be < 1.0"),
        ({"mode": "up"}, "mode must be 'min' or 'max'"),
        ({"threshold_mode": "x"}, "threshold_mode must be 'rel' or 'abs'"),
        ({"min_lr": [0.1, 0.2]}, "expected 1 min_lrs, got 2"),
    ]:
        with pytest.raises(ValueError, match=message):
            lr_scheduler.ReduceLROnPlateau(_sgd(), **kwargs)


def test_schedulers_write_what_the_optimizer_steps_with():
    p = nn.Parameter([0.0])
    opt = nn.optim.SGD([p], lr=1.0)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[1], gamma=0.5)
    for _ in range(2):
        opt.zero_grad()
        (p * 1.0).sum().backward()
        opt.step()
        sched.step()
    np.testing.assert_array_equal(p.data, [-1.5])  # steps of 1.0, then 0.5


def test_scheduler_state_round_trips_through_ag_save(tmp_path):
    opt = _sgd()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for metric in (3.0, 2.0, 2.5):
        sched.step(metric)
    steps = lr_scheduler.MultiStepLR(_sgd(), milestones=[2, 3])
    steps.step()
    ag.save({"plateau": sched.state_dict(), "steps": steps.state_dict()}, tmp_path / "s.pth")
    state = ag.load(tmp_path / "s.pth")
    resumed = lr_scheduler.ReduceLROnPlateau(_sgd(), patience=1)
    resumed.load_state_dict(state["plateau"])
    assert (resumed.best, resumed.num_bad_epochs, resumed.last_epoch) == (2.0, 1, 3)
    again = lr_scheduler.MultiStepLR(_sgd(), milestones=[7])
    again.load_state_dict(state["steps"])
    assert _lrs(again, 2)[1:] == pytest.approx([0.1, 0.01]) and again.last_epoch == 3
    lambdas = lr_scheduler.LambdaLR(_sgd(), lambda e: 1.0)
    assert "lr_lambdas" not in lambdas.state_dict() and lambdas.state_dict()["last_epoch"] == 0


def test_schedulers_are_importable_from_nn_optim_too():
    assert nn.optim.StepLR is lr_scheduler.StepLR and nn.optim.lr_scheduler is lr_scheduler
    with pytest.raises(ValueError, match="each milestone must be a positive integer"):
        lr_scheduler.MultiStepLR(_sgd(), milestones=[0])


def test_schedules_match_pytorch():
    torch = pytest.importorskip("torch")
    TL = torch.optim.lr_scheduler
    pairs = [
        (lambda o: lr_scheduler.StepLR(o, 3, 0.5), lambda o: TL.StepLR(o, 3, 0.5)),
        (
            lambda o: lr_scheduler.MultiStepLR(o, [2, 4, 4], 0.3),
            lambda o: TL.MultiStepLR(o, [2, 4, 4], 0.3),
        ),
        (lambda o: lr_scheduler.ExponentialLR(o, 0.8), lambda o: TL.ExponentialLR(o, 0.8)),
        (
            lambda o: lr_scheduler.CosineAnnealingLR(o, 5, 0.01),
            lambda o: TL.CosineAnnealingLR(o, 5, 0.01),
        ),
        (
            lambda o: lr_scheduler.LambdaLR(o, lambda e: 0.9**e),
            lambda o: TL.LambdaLR(o, lambda e: 0.9**e),
        ),
    ]
    for ours, theirs in pairs:
        reference = theirs(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5))
        expected = [reference.get_last_lr()[0]]
        for _ in range(12):
            reference.optimizer.step()
            reference.step()
            expected.append(reference.get_last_lr()[0])
        np.testing.assert_allclose(_lrs(ours(_sgd(0.5)), 12), expected, rtol=1e-12)
    metrics = [5, 4, 4, 4, 4.5, 3, 3, 3, 3, 3, 2, 2]
    reference = TL.ReduceLROnPlateau(
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5), patience=1, cooldown=1
    )
    expected = [0.5]
    for m in metrics:
        reference.step(m)
        expected.append(reference.optimizer.param_groups[0]["lr"])
    sched = lr_scheduler.ReduceLROnPlateau(_sgd(0.5), patience=1, cooldown=1)
    np.testing.assert_allclose(_lrs(sched, len(metrics), metrics), expected, rtol=1e-12)


# ---------------------------------------------------------------- Module.to
def test_to_a_dtype_casts_in_place_and_an_earlier_optimizer_still_steps():
    model = nn.Sequential(nn.Linear(3, 2, rng=0), nn.BatchNorm1d(2), nn.Linear(2, 1, rng=1))
    params = list(model.parameters())
    opt = nn.optim.Adam(model.parameters(), lr=0.1)
    x = ag.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    model(x).tanh().sum().backward()
    opt.step()  # Adam's moments are float64 now
    assert model.to(ag.float32) is model
    assert list(model.parameters()) == params and all(p.dtype == np.float32 for p in params)
    assert all(p.grad.dtype == np.float32 for p in params)
    assert model[1].running_mean.dtype == np.float32
    before = params[0].data.copy()
    opt.zero_grad()
    model(x).tanh().sum().backward()
    opt.step()
    assert not np.array_equal(params[0].data, before) and params[0].dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[params[0]].values() if hasattr(v, "dtype"))


def test_float_double_half_and_the_forms_of_to():
    layer = nn.Linear(2, 2)
    assert layer.float().weight.dtype == np.float32
    assert layer.double().weight.dtype == np.float64
    assert layer.half().weight.dtype == np.float16
    assert layer.to(ag.tensor(np.zeros(1, np.float32))).weight.dtype == np.float32
    assert layer.to("cpu", ag.float64).weight.dtype == np.float64
    assert layer.to(device=ag.device("cpu"), dtype=np.float32, non_blocking=True) is layer
    assert layer.cpu() is layer and layer.weight.dtype == np.float32


def test_to_keeps_integer_buffers_and_refuses_integer_dtypes_and_gpus():
    layer = nn.Linear(2, 2)
    layer.register_buffer("count", ag.tensor([3]))
    layer.float()
    assert layer.count.dtype == np.int64
    with pytest.raises(TypeError, match="Module.to only accepts floating dtypes, got int64"):
        layer.to(np.int64)
    with pytest.raises(RuntimeError, match="Module.to: 'cuda' is not available"):
        layer.to("cuda")
    with pytest.raises(RuntimeError, match="Module.cuda: 'cuda' is not available"):
        layer.cuda()
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['memory'\]"):
        layer.to(memory=1)


# ---------------------------------------------------------------- the dtype rule of layers
def _swish():
    return nn.Swish(learnable=True)


LAYERS = {
    "Linear": (lambda: nn.Linear(4, 3, rng=0), (5, 4)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), (5, 4)),
    "PReLU": (lambda: nn.PReLU(4), (5, 4)),
    "Maxout": (lambda: nn.Maxout(4, 3, k=2, rng=0), (5, 4)),
    "DyT": (lambda: nn.DyT(4), (5, 4)),
    "Swish": (_swish, (5, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("params, inputs", [(np.float64, np.float32), (np.float32, np.float64)])
def test_a_layer_computes_in_its_parameters_dtype(name, params, inputs):
    make, shape = LAYERS[name]
    layer, reference = make().to(params), make().to(params)
    x = np.random.default_rng(1).standard_normal(shape).astype(inputs)
    xt = ag.tensor(x, requires_grad=True)
    out = layer(xt)
    assert out.dtype == params
    by_hand = reference(ag.tensor(x.astype(params)))  # the computation in params' dtype
    np.testing.assert_array_equal(out.data, by_hand.data)
    (out * out).sum().backward()
    assert xt.grad.dtype == inputs
    assert all(p.grad.dtype == params for p in layer.parameters())


def test_linear_in_float64_on_a_float32_batch_by_hand():
    layer = nn.Linear(3, 2, rng=0)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    xt = ag.tensor(x, requires_grad=True)
    out = layer(xt)
    w, b = layer.weight.data, layer.bias.data
    np.testing.assert_array_equal(out.data, x.astype(np.float64) @ w.T + b)
    out.sum().backward()
    np.testing.assert_array_equal(xt.grad.data, (np.ones((4, 2)) @ w).astype(np.float32))
    np.testing.assert_array_equal(layer.weight.grad.data, np.ones((4, 2)).T @ x.astype(float))


def test_a_float32_model_on_a_float64_batch_computes_in_float32_by_hand():
    model = nn.Linear(3, 2, rng=0).float()
    x = np.random.default_rng(0).standard_normal((4, 3))
    out = model(x)
    w, b = model.weight.data, model.bias.data
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, x.astype(np.float32) @ w.T + b)


# ---------------------------------------------------------------- dim= spellings
def test_softmax_modules_take_pytorchs_positional_dim_or_numpys_axis():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    assert nn.Softmax(0)(x).data.sum(axis=0).tolist() == pytest.approx([1.0] * 3)
    np.testing.assert_array_equal(nn.Softmax(dim=0)(x).data, nn.Softmax(axis=0)(x).data)
    np.testing.assert_array_equal(nn.LogSoftmax(dim=1)(x).data, F.log_softmax(x, dim=1).data)
    assert nn.Softmax(dim=0).dim == 0 and nn.LogSoftmax().dim == -1
    assert not isinstance(nn.LogSoftmax(), nn.Softmax)
    with pytest.raises(TypeError, match="Softmax: got axis=1 and dim=0; give one of them"):
        nn.Softmax(0, axis=1)


def test_functional_softmax_takes_dim():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, F.softmax(x, 0).data)
    np.testing.assert_array_equal(F.log_softmax(x, dim=-1).data, F.log_softmax(x).data)


# ---------------------------------------------------------------- F.pad
def test_pad_reads_pairs_from_the_last_axis():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    assert F.pad(x, (1, 2)).data.tolist() == [[0, 0, 1, 2, 0, 0], [0, 3, 4, 5, 0, 0]]
    out = F.pad(x, (0, 1, 2, 0), value=-1.0)
    assert out.shape == (4, 4) and out.data[:2].tolist() == [[-1.0] * 4] * 2
    assert out.data[2:, :3].tolist() == x.data.tolist()
    np.testing.assert_array_equal(F.pad(x, (1, 1), value=None).data, F.pad(x, (1, 1)).data)


def test_pad_with_negative_widths_crops_and_gradients_flow():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = F.pad(x, (-1, 1))
    assert out.data.tolist() == [[1, 2, 0], [4, 5, 0]]
    out.sum().backward()
    assert x.grad.data.tolist() == [[0, 1, 1], [0, 1, 1]]


def test_pad_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for pad in [(1, 2), (0, 1, 2, 0), (1, 1, 1, 1, 1, 1), (-1, 2, 1, -2)]:
        expected = torch.nn.functional.pad(torch.tensor(x), pad, value=0.5).numpy()
        np.testing.assert_array_equal(F.pad(x, pad, value=0.5).data, expected)


# ---------------------------------------------------------------- a PyTorch-style loop
class Blobs(Dataset):
    """Two Gaussian blobs: (float32 features of shape (2,), an int label)."""

    def __init__(self, n=64):
        super().__init__()
        rng = np.random.default_rng(0)
        self.labels = rng.integers(0, 2, n)
        self.points = (rng.standard_normal((n, 2)) + 2.5 * self.labels[:, None]).astype(np.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return ag.tensor(self.points[index]), int(self.labels[index])


def test_a_pytorch_style_training_loop(tmp_path):
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 2, rng=1))
    model = model.to(ag.float32).to(device)
    loader = DataLoader(Blobs(), batch_size=16, shuffle=True, rng=0)
    criterion = nn.CrossEntropyLoss()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    losses = []
    for _ in range(10):
        total, seen = 0.0, 0
        for features, labels in loader:
            outputs = model(features.to(device))
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            total += loss.item() * labels.size(0)
            seen += labels.size(0)
        scheduler.step()
        losses.append(total / seen)
    assert outputs.dtype == np.float32 and all(p.dtype == np.float32 for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0] and scheduler.get_last_lr() == [0.125]
    ag.save(model.state_dict(), tmp_path / "model.pth")
    restored = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2)).float()
    restored.load_state_dict(ag.load(tmp_path / "model.pth"))
    with ag.no_grad():
        features, _ = next(iter(DataLoader(Blobs(), batch_size=64)))
        np.testing.assert_array_equal(restored(features).data, model(features).data)
