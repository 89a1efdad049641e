"""Activations: every Module and function once in a table, checked against the notes' formula
(written in numpy), in reverse and forward mode against central differences, for second
derivatives, and for dtype; then stability at ±1000, kink conventions, and the properties the
notes state (softplus' = σ, swish at β = 0, the GELU approximations)."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

X = np.array([[-2.7, -1.3, -0.4, 0.3], [0.8, 1.6, 2.5, -0.9]])  # away from every kink
_erf = np.vectorize(math.erf)


def _sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# name, module factory, functional form, reference written from the notes' formula
TABLE = [
    ("sigmoid", nn.Sigmoid, F.sigmoid, _sigma),
    ("tanh", nn.Tanh, F.tanh, np.tanh),
    (
        "hard_logistic",
        nn.HardLogistic,
        F.hard_logistic,
        lambda x: np.maximum(np.minimum(0.25 * x + 0.5, 1.0), 0.0),
    ),
    ("hard_tanh", nn.HardTanh, F.hard_tanh, lambda x: np.maximum(np.minimum(x, 1.0), -1.0)),
    ("relu", nn.ReLU, F.relu, lambda x: np.maximum(0.0, x)),
    (
        "leaky_relu",
        lambda: nn.LeakyReLU(0.1),
        lambda x: F.leaky_relu(x, 0.1),
        lambda x: np.maximum(0.0, x) + 0.1 * np.minimum(0.0, x),
    ),
    (
        "prelu",
        nn.PReLU,
        lambda x: F.prelu(x, ag.tensor([0.25])),
        lambda x: np.maximum(0.0, x) + 0.25 * np.minimum(0.0, x),
    ),
    (
        "elu",
        lambda: nn.ELU(1.5),
        lambda x: F.elu(x, 1.5),
        lambda x: np.maximum(0.0, x) + np.minimum(0.0, 1.5 * (np.exp(x) - 1.0)),
    ),
    ("softplus", nn.Softplus, F.softplus, lambda x: np.log(1.0 + np.exp(x))),
    ("swish", lambda: nn.Swish(1.5), lambda x: F.swish(x, 1.5), lambda x: x * _sigma(1.5 * x)),
    ("silu", nn.SiLU, F.silu, lambda x: x * _sigma(x)),
    ("gelu", nn.GELU, F.gelu, lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))),
    (
        "gelu_tanh",
        lambda: nn.GELU("tanh"),
        lambda x: F.gelu(x, "tanh"),
        lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))),
    ),
    (
        "gelu_sigmoid",
        lambda: nn.GELU("sigmoid"),
        lambda x: F.gelu(x, "sigmoid"),
        lambda x: x * _sigma(1.702 * x),
    ),
    ("dyt", lambda: nn.DyT(4), lambda x: F.dyt(x, 0.5, 1.0, 0.0), lambda x: np.tanh(0.5 * x)),
    ("softmax", nn.Softmax, F.softmax, _softmax),
    ("log_softmax", nn.LogSoftmax, F.log_softmax, lambda x: np.log(_softmax(x))),
]
IDS = [row[0] for row in TABLE]


@pytest.mark.parametrize("name, module, function, reference", TABLE, ids=IDS)
def test_matches_the_formula(name, module, function, reference):
    expected = reference(X)
    np.testing.assert_allclose(module()(ag.tensor(X)).data, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(function(ag.tensor(X)).data, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, module, function, reference", TABLE, ids=IDS)
def test_gradients_reverse_forward_and_second_order(name, module, function, reference):
    x = ag.tensor(X, requires_grad=True)
    assert ag.gradcheck(module(), [x], check_forward=True)
    assert ag.gradgradcheck(function, [x], check_forward=True)


@pytest.mark.parametrize("name, module, function, reference", TABLE, ids=IDS)
def test_float32_stays_float32(name, module, function, reference):
    layer = module()
    for p in layer.parameters():
        p.data = p.data.astype(np.float32)
    x = ag.tensor(X.astype(np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


def test_parameters_of_parametric_activations_are_gradchecked():
    x = ag.tensor(X[:, :3], requires_grad=True)
    slopes = ag.tensor([0.2, -0.1, 0.3], requires_grad=True)
    beta = ag.tensor([0.7], requires_grad=True)
    alpha = ag.tensor([0.6], requires_grad=True)
    gamma = ag.tensor([1.5, -0.5, 2.0], requires_grad=True)
    shift = ag.tensor([0.1, 0.2, -0.3], requires_grad=True)
    assert ag.gradcheck(F.prelu, [x, slopes], check_forward=True)
    assert ag.gradcheck(F.swish, [x, beta], check_forward=True)
    assert ag.gradgradcheck(F.swish, [x, beta])
    assert ag.gradcheck(F.dyt, [x, alpha, gamma, shift], check_forward=True)


def test_erf_primitive():
    points = np.array([-3.0, -0.5, 0.0, 0.2, 1.0, 4.0])
    np.testing.assert_array_equal(F.erf(points).data, [math.erf(p) for p in points])
    assert F.erf(points.astype(np.float32)).dtype == np.float32
    x = ag.tensor(points, requires_grad=True)
    assert ag.gradcheck(F.erf, [x], check_forward=True)
    assert ag.gradgradcheck(F.erf, [x], check_forward=True)


def test_stable_at_plus_minus_1000():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        x = ag.tensor([1000.0, -1000.0], requires_grad=True)
        for fn, value, grad in [
            (F.softplus, [1000.0, 0.0], [1.0, 0.0]),
            (F.sigmoid, [1.0, 0.0], [0.0, 0.0]),
            (F.elu, [1000.0, -1.0], [1.0, 0.0]),
            (F.silu, [1000.0, 0.0], [1.0, 0.0]),
            (F.gelu, [1000.0, 0.0], [1.0, 0.0]),
            (lambda x: F.gelu(x, "sigmoid"), [1000.0, 0.0], [1.0, 0.0]),
        ]:
            y = fn(x)
            (g,) = ag.grad(y.sum(), [x])
            np.testing.assert_allclose(y.data, value, atol=1e-300)
            np.testing.assert_allclose(g.data, grad, atol=1e-300)


def test_softplus_keeps_precision_far_left():
    x = np.array([-50.0, -700.0])
    np.testing.assert_allclose(F.softplus(x).data, np.exp(x), rtol=1e-12)


@pytest.mark.parametrize(
    "fn, slope",
    [
        (F.relu, 0.0),
        (lambda x: F.leaky_relu(x, 0.2), 0.2),
        (lambda x: F.elu(x, 0.7), 0.7),
        (lambda x: F.prelu(x, ag.tensor([0.3])), 0.3),
    ],
    ids=["relu", "leaky_relu", "elu", "prelu"],
)
def test_derivative_at_zero_takes_the_left_branch(fn, slope):
    x = ag.tensor([0.0], requires_grad=True)
    fn(x).sum().backward()
    assert x.grad.data[0] == slope


def test_hard_functions_include_their_bounds_in_the_linear_part():
    x = ag.tensor([-2.0, 2.0, -1.0, 1.0, 3.0], requires_grad=True)
    (F.hard_logistic(x[:2]).sum() + F.hard_tanh(x[2:]).sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [0.25, 0.25, 1.0, 1.0, 0.0])


def test_hard_logistic_is_the_notes_taylor_version():
    y = F.hard_logistic(ag.tensor([-3.0, 1.0, 3.0])).data
    np.testing.assert_array_equal(y, [0.0, 0.75, 1.0])  # PyTorch's x/6 + 1/2 gives 2/3 at 1


def test_softplus_derivative_is_the_logistic_function():
    x = ag.tensor(np.linspace(-30, 30, 61), requires_grad=True)
    F.softplus(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, _sigma(x.data), rtol=1e-12)


def test_swish_interpolates_between_linear_and_relu():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(F.swish(x, 0.0).data, x / 2)
    np.testing.assert_allclose(F.swish(x, 50.0).data, np.maximum(x, 0.0), atol=1e-10)


def test_gelu_approximations_are_close_to_the_exact_form():
    x = np.linspace(-5, 5, 201)
    exact = F.gelu(x).data
    assert np.abs(F.gelu(x, "tanh").data - exact).max() < 1e-3
    assert np.abs(F.gelu(x, "sigmoid").data - exact).max() < 3e-2


def test_prelu_has_one_slope_per_channel():
    layer = nn.PReLU(3, init=0.1)
    layer.weight.data[:] = [0.1, 0.2, 0.3]
    x = -np.ones((2, 3, 4))
    np.testing.assert_allclose(layer(x).data[0, :, 0], [-0.1, -0.2, -0.3])
    assert layer(x[:, :, 0]).shape == (2, 3)
    with pytest.raises(ValueError, match="3 slopes need an input with 3 channels"):
        layer(np.ones((2, 4)))


def test_prelu_learns_its_slope():
    layer = nn.PReLU()
    layer(ag.tensor([-2.0, -1.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.data, [-3.0])  # d/dγ = Σ x over x ≤ 0


def test_swish_beta_is_a_parameter_only_when_learnable():
    assert list(nn.Swish().parameters()) == []
    learnable = nn.Swish(beta=2.0, learnable=True)
    assert [name for name, _ in learnable.named_parameters()] == ["beta"]
    assert learnable.beta.shape == (1,)


def test_dyt_parameters_and_input_check():
    layer = nn.DyT(3, alpha_init=0.8)
    assert [name for name, _ in layer.named_parameters()] == ["alpha", "weight", "bias"]
    layer.weight.data[:] = [1.0, 2.0, 3.0]
    layer.bias.data[:] = [0.5, 0.0, -0.5]
    x = np.array([[0.3, -1.0, 2.0]])
    expected = layer.weight.data * np.tanh(0.8 * x) + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected)
    with pytest.raises(ValueError, match="last axis of the input to have size 3"):
        layer(np.ones((2, 4)))


def test_softmax_modules_take_an_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(nn.Softmax(axis=0)(x).data.sum(axis=0), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(nn.LogSoftmax(axis=0)(x).data, np.log(_softmax(x.T).T))


def test_invalid_gelu_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none', 'tanh' or 'sigmoid'"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match="got 'fast'"):
        F.gelu(ag.tensor([1.0]), "fast")


def test_logistic_is_the_notes_name_for_sigmoid():
    assert nn.Logistic is nn.Sigmoid and F.logistic is F.sigmoid


def test_repr():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(gamma=0.01)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.Swish(2.0, learnable=True)) == "Swish(beta=2.0, learnable=True)"
    assert repr(nn.DyT(8)) == "DyT(num_features=8, alpha_init=0.5)"
    assert repr(nn.Softmax()) == "Softmax(axis=-1)"
