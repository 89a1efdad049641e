"""nn.optim against float64 references of PyTorch's published update rules, plus misuse errors.

Each reference below transcribes the algorithm box of the PyTorch documentation for the
optimiser, in plain numpy, with gradients of the test problem computed by hand.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import optim

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 3))
Y = RNG.standard_normal((8, 2))
W0 = RNG.standard_normal((3, 2))
B0 = RNG.standard_normal(2)


def loss_of(W, b, dtype=np.float64):
    r = ag.tensor(X.astype(dtype)) @ W + b - ag.tensor(Y.astype(dtype))
    return (r * r).sum() / len(X)


def numpy_grads(W, b):
    """d/dW, d/db of mean-over-rows ‖XW + b - Y‖², by hand."""
    r = X @ W + b - Y
    return [2 * X.T @ r / len(X), 2 * r.sum(0) / len(X)]


def run(cls, kwargs, steps, dtype=np.float64):
    W, b = nn.Parameter(W0.astype(dtype)), nn.Parameter(B0.astype(dtype))
    opt = cls([W, b], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(W, b, dtype).backward()
        opt.step()
    return opt, W, b


# ---------------------------------------------------------------- references (PyTorch docs)
def ref_sgd(theta, g, st, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    if weight_decay:
        g = g + weight_decay * theta
    if momentum:
        st["b"] = g if t == 1 else momentum * st["b"] + (1 - dampening) * g
        g = g + momentum * st["b"] if nesterov else st["b"]
    return theta - lr * g


def ref_adagrad(
    theta,
    g,
    st,
    t,
    lr=0.01,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
):
    lr_t = lr / (1 + (t - 1) * lr_decay)
    if weight_decay:
        g = g + weight_decay * theta
    st["sum"] = st.get("sum", initial_accumulator_value) + g**2
    return theta - lr_t * g / (np.sqrt(st["sum"]) + eps)


def ref_rmsprop(
    theta, g, st, t, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    if weight_decay:
        g = g + weight_decay * theta
    st["v"] = alpha * st.get("v", 0.0) + (1 - alpha) * g**2
    v = st["v"]
    if centered:
        st["g_ave"] = alpha * st.get("g_ave", 0.0) + (1 - alpha) * g
        v = v - st["g_ave"] ** 2
    if momentum > 0:
        st["b"] = momentum * st.get("b", 0.0) + g / (np.sqrt(v) + eps)
        return theta - lr * st["b"]
    return theta - lr * g / (np.sqrt(v) + eps)


def ref_adam(
    theta,
    g,
    st,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    beta1, beta2 = betas
    if decoupled:
        theta = theta - lr * weight_decay * theta
    elif weight_decay:
        g = g + weight_decay * theta
    st["m"] = beta1 * st.get("m", 0.0) + (1 - beta1) * g
    st["v"] = beta2 * st.get("v", 0.0) + (1 - beta2) * g**2
    m_hat = st["m"] / (1 - beta1**t)
    if amsgrad:
        st["v_max"] = np.maximum(st.get("v_max", 0.0), st["v"])
        v_hat = st["v_max"] / (1 - beta2**t)
    else:
        v_hat = st["v"] / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_adamw(
    theta, g, st, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False
):
    return ref_adam(theta, g, st, t, lr, betas, eps, weight_decay, amsgrad, decoupled=True)


def run_reference(rule, kwargs, steps):
    params, states = [W0.copy(), B0.copy()], [{}, {}]
    for t in range(1, steps + 1):
        grads = numpy_grads(*params)
        params = [rule(p, g, st, t, **kwargs) for p, g, st in zip(params, grads, states)]
    return params


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.AdaGrad, ref_adagrad, dict()),
    (
        optim.AdaGrad,
        ref_adagrad,
        dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5),
    ),
    (optim.RMSProp, ref_rmsprop, dict()),
    (optim.RMSProp, ref_rmsprop, dict(momentum=0.5)),
    (
        optim.RMSProp,
        ref_rmsprop,
        dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.1),
    ),
    (optim.Adam, ref_adam, dict()),
    (optim.Adam, ref_adam, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    (optim.AdamW, ref_adamw, dict()),
    (optim.AdamW, ref_adamw, dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
]


@pytest.mark.parametrize("cls, rule, kwargs", CASES, ids=[f"{c.__name__}-{k}" for c, _, k in CASES])
def test_steps_match_the_published_rule(cls, rule, kwargs):
    _, W, b = run(cls, kwargs, steps=12)
    W_ref, b_ref = run_reference(rule, kwargs, steps=12)
    np.testing.assert_allclose(W.data, W_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.data, b_ref, rtol=1e-12, atol=1e-14)
    assert not np.allclose(W.data, W0)  # the steps did move the parameters


@pytest.mark.parametrize(
    "cls, expected",
    [
        (
            optim.AdaGrad,
            dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
        ),
        (
            optim.RMSProp,
            dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
        ),
        (optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)),
        (
            optim.AdamW,
            dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
        ),
    ],
)
def test_default_hyperparameters_are_pytorchs(cls, expected):
    assert cls([nn.Parameter([1.0])]).defaults == expected


def test_sgd_defaults_and_pytorch_spellings():
    sgd = optim.SGD([nn.Parameter([1.0])], lr=0.1)
    assert sgd.defaults == dict(lr=0.1, momentum=0, weight_decay=0, nesterov=False, dampening=0)
    assert optim.Adagrad is optim.AdaGrad and optim.RMSprop is optim.RMSProp


def test_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    for ours, theirs, kwargs in [
        (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
        (optim.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True)),
    ]:
        _, W, b = run(ours, kwargs, steps=10)
        Wt = torch.tensor(W0, requires_grad=True)
        bt = torch.tensor(B0, requires_grad=True)
        opt = theirs([Wt, bt], **kwargs)
        for _ in range(10):
            opt.zero_grad()
            r = torch.tensor(X) @ Wt + bt - torch.tensor(Y)
            ((r * r).sum() / len(X)).backward()
            opt.step()
        np.testing.assert_allclose(W.data, Wt.detach().numpy(), rtol=1e-12)


# ---------------------------------------------------------------- mechanics
def test_update_is_in_place_and_builds_no_graph():
    _, W, _ = run(optim.SGD, dict(lr=0.1, momentum=0.9), steps=0)
    opt = optim.SGD([W], lr=0.1, momentum=0.9)
    data = W.data
    loss_of(W, nn.Parameter(B0)).backward()
    opt.step()
    assert W.data is data and W.is_leaf and W.grad_fn is None


@pytest.mark.parametrize("cls, rule, kwargs", CASES[1::2], ids=lambda v: getattr(v, "__name__", ""))
def test_float32_parameters_stay_float32(cls, rule, kwargs):
    opt, W, b = run(cls, kwargs, steps=5, dtype=np.float32)
    assert W.dtype == np.float32 and b.dtype == np.float32
    for state in opt.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32
    W_ref, _ = run_reference(rule, kwargs, steps=5)
    np.testing.assert_allclose(W.data, W_ref, rtol=1e-4, atol=1e-5)


def test_zero_grad_sets_none_by_default_or_zeros():
    opt, W, b = run(optim.SGD, dict(lr=0.1), steps=1)
    loss_of(W, b).backward()
    opt.zero_grad(set_to_none=False)
    assert W.grad.shape == W.shape and not W.grad.data.any()
    opt.zero_grad()
    assert W.grad is None and b.grad is None


def test_closure_is_evaluated_and_its_loss_returned():
    W, b = nn.Parameter(W0), nn.Parameter(B0)
    opt = optim.SGD([W, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_of(W, b)
        loss.backward()
        return loss

    first = opt.step(closure).item()
    assert opt.step(closure).item() < first


def test_param_groups_take_their_own_settings_and_inherit_the_rest():
    W, b = nn.Parameter(W0), nn.Parameter(B0)
    opt = optim.SGD([{"params": [W]}, {"params": [b], "lr": 0.0}], lr=0.1, momentum=0.9)
    assert opt.param_groups[1]["momentum"] == 0.9
    loss_of(W, b).backward()
    opt.step()
    assert not np.array_equal(W.data, W0) and np.array_equal(b.data, B0)


# ---------------------------------------------------------------- None gradient vs zero gradient
def test_parameter_without_grad_is_skipped_entirely():
    used, unused = nn.Parameter([1.0, 2.0]), nn.Parameter([3.0, 4.0])
    opt = optim.SGD([used, unused], lr=0.1, momentum=0.9, weight_decay=0.5)
    for _ in range(3):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.data, [3.0, 4.0])
    assert unused not in opt.state or not opt.state[unused]


def test_zero_grad_with_decay_and_momentum_still_moves_the_parameter():
    p = nn.Parameter([3.0, 4.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    p.grad = ag.zeros(2)
    opt.step()  # g = 0 + 0.5 p, v = g, p ← p - 0.1 v
    np.testing.assert_allclose(p.data, [3.0 - 0.15, 4.0 - 0.2])
    p.grad = ag.zeros(2)
    opt.step()  # momentum keeps carrying it
    assert p.data[0] < 3.0 - 0.15


def test_adam_step_count_advances_only_for_parameters_with_grads():
    a, b = nn.Parameter([1.0]), nn.Parameter([1.0])
    opt = optim.Adam([a, b])
    for i in range(4):
        opt.zero_grad()
        (a * 2.0 + (b * 3.0 if i % 2 else 0.0)).sum().backward()
        opt.step()
    assert opt.state[a]["step"] == 4 and opt.state[b]["step"] == 2


# ---------------------------------------------------------------- state dicts
@pytest.mark.parametrize("cls, rule, kwargs", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_state_dict_round_trip_through_a_file_gives_the_identical_next_step(
    cls, rule, kwargs, tmp_path
):
    opt, W, b = run(cls, kwargs, steps=3)
    nn.save({"optimizer": opt.state_dict(), "W": W, "b": b}, tmp_path / "opt.ckpt")
    loaded = nn.load(tmp_path / "opt.ckpt")
    W2, b2 = loaded["W"], loaded["b"]
    opt2 = cls([W2, b2], **kwargs)
    opt2.load_state_dict(loaded["optimizer"])
    for o, (w, bias) in ((opt, (W, b)), (opt2, (W2, b2))):
        o.zero_grad()
        loss_of(w, bias).backward()
        o.step()
    np.testing.assert_array_equal(W.data, W2.data)
    np.testing.assert_array_equal(b.data, b2.data)


def test_state_dict_is_a_snapshot_with_pytorch_layout():
    opt, W, _ = run(optim.Adam, dict(lr=0.1), steps=2)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["state"][0]["step"] == 2
    before = sd["state"][0]["exp_avg"].copy()
    loss_of(W, nn.Parameter(B0)).backward()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)


def test_load_state_dict_restores_hyperparameters():
    opt, _, _ = run(optim.SGD, dict(lr=0.5, momentum=0.9), steps=1)
    other = optim.SGD([nn.Parameter(W0), nn.Parameter(B0)], lr=0.01)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.5 and other.param_groups[0]["momentum"] == 0.9


def test_load_state_dict_rejects_mismatches_and_changes_nothing():
    opt, W, b = run(optim.Adam, dict(), steps=1)
    sd = opt.state_dict()
    fresh = optim.Adam([W])
    with pytest.raises(ValueError, match="has 2 parameters"):
        fresh.load_state_dict(sd)
    with pytest.raises(ValueError, match="does not use"):
        optim.SGD([W, b], lr=0.1).load_state_dict(sd)
    transposed = optim.Adam([nn.Parameter(W0.T), nn.Parameter(B0)])
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2, 3\)"):
        transposed.load_state_dict(sd)
    assert transposed.state == {}
    with pytest.raises(ValueError, match="has 1 parameter group"):
        optim.Adam([{"params": [W]}, {"params": [b]}]).load_state_dict(
            {"state": {}, "param_groups": sd["param_groups"]}
        )


# ---------------------------------------------------------------- misuse errors
def test_empty_parameter_list():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))


def test_non_leaf_parameter():
    p = nn.Parameter([1.0])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2.0], lr=0.1)


def test_duplicate_parameters_within_and_across_groups():
    p, q = nn.Parameter([1.0]), nn.Parameter([2.0])
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, q, p], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.Adam([{"params": [p]}, {"params": [q, p]}])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD([p], lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam([{"params": [p], "lr": -1.0}]), "Invalid learning rate: -1.0"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=-0.5), "Invalid momentum value"),
        (lambda p: optim.AdamW([p], weight_decay=-1.0), "Invalid weight_decay value"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
        (lambda p: optim.RMSProp([p], eps=-1e-8), "Invalid epsilon value"),
        (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (
            lambda p: optim.SGD([{"params": [p], "learning_rate": 0.1}], lr=0.1),
            "unknown hyper-parameter",
        ),
    ],
)
def test_invalid_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make(nn.Parameter([1.0]))


def test_params_that_are_not_an_ordered_collection_of_trainable_tensors():
    p = nn.Parameter([1.0])
    with pytest.raises(TypeError, match="ordered iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered iterable"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([ag.tensor([1.0])], lr=0.1)


def test_plain_tensors_requiring_grad_can_be_optimized():
    w = ag.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.data, [1.0])


# ---------------------------------------------------------------- schedulers
def sgd(lr=0.1):
    return optim.SGD([nn.Parameter([1.0])], lr=lr, momentum=0.9)


def test_step_lr_decays_every_step_size_epochs():
    opt = sgd()
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(9):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (e // 3) for e in range(10)], rtol=1e-15)


def test_cosine_annealing_follows_the_closed_form_and_continues_past_t_max():
    opt = sgd()
    sched = optim.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(14):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    closed = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 6)) / 2 for e in range(15)]
    np.testing.assert_allclose(lrs, closed, rtol=1e-12, atol=1e-15)
    assert lrs[6] == pytest.approx(0.01) and lrs[12] == pytest.approx(0.1)


def test_scheduler_resumes_from_last_epoch_and_round_trips_its_state():
    opt = sgd()
    sched = optim.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    resumed = optim.CosineAnnealingLR(opt, T_max=10, last_epoch=3)
    assert resumed.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=1e-12)
    copy = optim.CosineAnnealingLR(sgd(), T_max=10)
    copy.load_state_dict(sched.state_dict())
    assert copy.last_epoch == 4 and copy.base_lrs == [0.1]
    with pytest.raises(KeyError, match="initial_lr"):
        optim.StepLR(sgd(), step_size=2, last_epoch=3)


def test_scheduler_arguments_are_checked():
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(sgd(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        optim.CosineAnnealingLR(sgd(), T_max=0)
    with pytest.raises(TypeError, match="not an Optimizer"):
        optim.StepLR(object(), step_size=1)
