"""Initialisers: in place, dtype-preserving, reproducible with rng=, with the bounds and
standard deviations of their formulas; and the notes' symmetry problem of zero init."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from nn import init

FAN_OUT, FAN_IN = 300, 200


def _weight(dtype=np.float64):
    return nn.Parameter(np.empty((FAN_OUT, FAN_IN), dtype))


RANDOM = [
    ("normal_", lambda t, rng: init.normal_(t, 0.5, 2.0, rng=rng), None, 2.0),
    ("uniform_", lambda t, rng: init.uniform_(t, -3.0, 3.0, rng=rng), 3.0, None),
    (
        "uniform_fan_in_",
        lambda t, rng: init.uniform_fan_in_(t, rng=rng),
        1 / math.sqrt(FAN_IN),
        None,
    ),
    (
        "xavier_uniform_",
        lambda t, rng: init.xavier_uniform_(t, rng=rng),
        math.sqrt(6 / (FAN_IN + FAN_OUT)),
        None,
    ),
    (
        "xavier_normal_",
        lambda t, rng: init.xavier_normal_(t, gain=2.0, rng=rng),
        None,
        2.0 * math.sqrt(2 / (FAN_IN + FAN_OUT)),
    ),
    (
        "xavier_normal_fan_in",
        lambda t, rng: init.xavier_normal_(t, mode="fan_in", rng=rng),
        None,
        1 / math.sqrt(FAN_IN),
    ),  # the notes' W ~ N(0, 1/n)
    (
        "kaiming_uniform_",
        lambda t, rng: init.kaiming_uniform_(t, rng=rng),
        math.sqrt(6 / FAN_IN),
        None,
    ),
    (
        "kaiming_normal_",
        lambda t, rng: init.kaiming_normal_(t, rng=rng),
        None,
        math.sqrt(2 / FAN_IN),
    ),
    (
        "kaiming_normal_fan_out_tanh",
        lambda t, rng: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh", rng=rng),
        None,
        (5 / 3) / math.sqrt(FAN_OUT),
    ),
]


@pytest.mark.parametrize("name, fill, bound, std", RANDOM, ids=[r[0] for r in RANDOM])
def test_random_initialisers(name, fill, bound, std):
    t = _weight(np.float32)
    data = t.data
    assert fill(t, 0) is t and t.data is data and t.dtype == np.float32  # in place
    if bound is not None:
        assert np.abs(t.data).max() <= bound and np.abs(t.data).max() > 0.99 * bound
        np.testing.assert_allclose(t.data.std(), bound / math.sqrt(3), rtol=0.02)
    else:
        np.testing.assert_allclose(t.data.std(), std, rtol=0.02)
    again = _weight(np.float32)
    fill(again, np.random.default_rng(0))
    np.testing.assert_array_equal(again.data, t.data)  # an int seed and a Generator agree
    fill(again, 1)
    assert not np.array_equal(again.data, t.data)


def test_constant_initialisers():
    t = _weight()
    assert np.all(init.zeros_(t).data == 0.0)
    assert np.all(init.ones_(t).data == 1.0)
    assert np.all(init.constant_(t, 0.3).data == 0.3)
    assert t.requires_grad and t.is_leaf


def test_uniform_fan_in_for_a_bias_needs_the_layers_fan_in():
    bias = nn.Parameter(np.empty(FAN_OUT))
    with pytest.raises(ValueError, match=r"pass fan_in|uniform_fan_in_\(bias, fan_in=...\)"):
        init.uniform_fan_in_(bias)
    init.uniform_fan_in_(bias, fan_in=4, rng=0)
    assert np.abs(bias.data).max() <= 0.5


def test_calculate_gain():
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_misuse():
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        init.zeros_(np.zeros(3))
    with pytest.raises(TypeError, match="rng must be a numpy Generator or an int seed"):
        init.normal_(_weight(), rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_uniform_(_weight(), mode="fan_avg")


def _train(model, steps=20, lr=0.5):
    x = ag.tensor(np.random.default_rng(0).standard_normal((16, 2)))
    y = ag.tensor((x.data[:, :1] * x.data[:, 1:] > 0).astype(np.float64))  # XOR of signs
    losses = []
    for _ in range(steps):
        model.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad.data
        losses.append(loss.item())
    return losses


def _mlp(rng=None):
    return nn.Sequential(nn.Linear(2, 5, rng=rng), nn.Sigmoid(), nn.Linear(5, 1, rng=rng))


def test_zero_init_keeps_the_hidden_units_identical():
    """The notes' symmetry problem: every hidden unit gets the same gradient, forever."""
    model = _mlp()
    for p in model.parameters():
        init.zeros_(p)
    losses = _train(model)
    hidden, out = model[0], model[2]
    assert losses[-1] < losses[0]  # it learns something, but only as one unit would
    assert np.abs(hidden.weight.data).max() > 0.01  # weights moved away from zero ...
    for unit in range(1, 5):  # ... but every unit stays a copy of the first (up to rounding)
        np.testing.assert_allclose(hidden.weight.data[unit], hidden.weight.data[0], rtol=1e-12)
        np.testing.assert_allclose(hidden.bias.data[unit], hidden.bias.data[0], rtol=1e-12)
        np.testing.assert_allclose(out.weight.data[0, unit], out.weight.data[0, 0], rtol=1e-12)

    random = _mlp(rng=0)
    _train(random)
    first_inputs = random[0].weight.data[:, 0]
    assert np.abs(first_inputs[:, None] - first_inputs[None, :]).max() > 0.1  # tie broken
