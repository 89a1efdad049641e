"""Layers: Linear, Flatten, Dropout, BatchNorm1d and Maxout, each against its formula written
in numpy, gradchecked in float64, and for its modes, seeds, dtypes and misuse errors."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


# ---------------------------------------------------------------------------- Linear
def test_linear_computes_x_w_transpose_plus_b():
    layer = nn.Linear(4, 3, rng=0)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = RNG.standard_normal((5, 4))
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(ag.tensor(x)).data, expected)
    assert layer(ag.tensor(RNG.standard_normal((2, 5, 4)))).shape == (2, 5, 3)


def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(100, 200, rng=1)
    bound = 1 / np.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.95 * bound and p.data.min() < 0 < p.data.max()


def test_linear_rng_makes_init_reproducible():
    a, b, c = nn.Linear(5, 3, rng=7), nn.Linear(5, 3, rng=7), nn.Linear(5, 3, rng=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    generator = np.random.default_rng(7)
    np.testing.assert_array_equal(nn.Linear(5, 3, rng=generator).weight.data, a.weight.data)


def test_linear_without_bias():
    layer = nn.Linear(4, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=4, out_features=2, bias=False)"


def test_linear_gradients():
    x = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    w = ag.tensor(RNG.standard_normal((2, 4)), requires_grad=True)
    b = ag.tensor(RNG.standard_normal(2), requires_grad=True)
    assert ag.gradcheck(F.linear, [x, w, b], check_forward=True)
    assert ag.gradgradcheck(F.linear, [x, w, b])


def test_linear_float32_end_to_end():
    layer = nn.Linear(4, 3, dtype=np.float32)
    x = ag.tensor(RNG.standard_normal((2, 4)).astype(np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_linear_misuse():
    with pytest.raises(ValueError, match="expected the last dimension to be in_features=4"):
        nn.Linear(4, 3)(ag.tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match="floating dtype"):
        nn.Linear(2, 3, dtype=np.int64)


# ---------------------------------------------------------------------------- Flatten
def test_flatten():
    x = ag.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = nn.Flatten()(x)
    assert y.shape == (2, 12)
    y.sum().backward()
    assert x.grad.shape == (2, 3, 4)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# ---------------------------------------------------------------------------- Dropout
def test_dropout_is_inverted_and_identity_in_eval():
    layer = nn.Dropout(0.25, rng=0)
    x = ag.tensor(np.ones((200, 500)), requires_grad=True)
    y = layer(x)
    dropped = y.data == 0
    assert abs(dropped.mean() - 0.25) < 0.01
    np.testing.assert_allclose(y.data[~dropped], 1 / 0.75)  # E[y] = x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d y / d x = mask / (1 - p)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_dropout_masks_are_reproducible_with_a_seed():
    x = ag.tensor(np.ones(50))
    a, b = nn.Dropout(0.5, rng=3), nn.Dropout(0.5, rng=3)
    first, second = a(x).data, a(x).data
    np.testing.assert_array_equal(first, b(x).data)
    np.testing.assert_array_equal(second, b(x).data)
    assert not np.array_equal(first, second)


def test_dropout_keeps_float32_and_p_zero_is_identity():
    x = ag.tensor(np.ones(10, dtype=np.float32))
    assert nn.Dropout(0.5)(x).dtype == np.float32
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_probability_is_validated(p):
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\)"):
        nn.Dropout(p)


# ---------------------------------------------------------------------------- BatchNorm1d
def _normalized(x, mean, var, eps=1e-5):
    return (x - mean) / np.sqrt(var + eps)


def test_batchnorm_training_uses_batch_statistics():
    layer = nn.BatchNorm1d(3)
    layer.weight.data[:] = [1.0, 2.0, 0.5]
    layer.bias.data[:] = [0.0, -1.0, 3.0]
    x = RNG.standard_normal((8, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -3.0]
    expected = _normalized(x, x.mean(0), x.var(0)) * layer.weight.data + layer.bias.data
    np.testing.assert_allclose(layer(ag.tensor(x)).data, expected, rtol=1e-12)


def test_batchnorm_running_statistics_follow_pytorchs_rule():
    layer = nn.BatchNorm1d(2, momentum=0.2)
    batches = [RNG.standard_normal((5, 2)) + 3.0 for _ in range(2)]
    mean, var = np.zeros(2), np.ones(2)
    for x in batches:
        layer(ag.tensor(x))
        mean = 0.8 * mean + 0.2 * x.mean(0)
        var = 0.8 * var + 0.2 * x.var(0, ddof=1)  # unbiased for the running estimate
    np.testing.assert_allclose(layer.running_mean.data, mean)
    np.testing.assert_allclose(layer.running_var.data, var)

    layer.eval()
    x = RNG.standard_normal((1, 2))  # one sample is fine in evaluation mode
    np.testing.assert_allclose(layer(ag.tensor(x)).data, _normalized(x, mean, var))
    np.testing.assert_allclose(layer.running_mean.data, mean)  # eval leaves them alone


def test_batchnorm_over_channels_of_3d_input():
    x = RNG.standard_normal((4, 2, 5))
    y = nn.BatchNorm1d(2)(ag.tensor(x)).data
    mean, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    np.testing.assert_allclose(y, _normalized(x, mean, var), rtol=1e-12)


def test_batchnorm_gradient_flows_through_the_batch_statistics():
    x = ag.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    gamma = ag.tensor(RNG.standard_normal(3), requires_grad=True)
    beta = ag.tensor(RNG.standard_normal(3), requires_grad=True)

    def bn(x, gamma, beta):
        return F.batch_norm(x, weight=gamma, bias=beta, training=True)

    assert ag.gradcheck(bn, [x, gamma, beta], check_forward=True)
    assert ag.gradgradcheck(bn, [x, gamma, beta])
    # a shift of the whole batch is normalised away, so the gradient sums to 0 per feature
    (g,) = ag.grad(bn(x, gamma, beta).sum(), [x])
    np.testing.assert_allclose(g.data.sum(axis=0), 0.0, atol=1e-12)


def test_batchnorm_buffers_are_in_the_state_dict_but_not_parameters():
    layer = nn.BatchNorm1d(3, dtype=np.float32)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    buffers = ["running_mean", "running_var", "num_batches_tracked"]
    assert list(layer.state_dict()) == ["weight", "bias"] + buffers
    x = ag.tensor(RNG.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    layer(x).sum().backward()
    assert layer.running_var.dtype == np.float32 and x.grad.dtype == np.float32


def test_batchnorm_misuse():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.tensor(np.ones((1, 3))))
    with pytest.raises(ValueError, match=r"shape \(N, 3\) or \(N, 3, L\), got \(4, 2\)"):
        nn.BatchNorm1d(3)(ag.tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=1.5)


# ---------------------------------------------------------------------------- Maxout
def test_maxout_takes_the_max_of_k_linear_pieces():
    layer = nn.Maxout(4, 3, k=2, rng=0)
    assert layer.weight.shape == (3, 2, 4) and layer.bias.shape == (3, 2)
    x = RNG.standard_normal((5, 4))
    pieces = np.einsum("ni,jki->njk", x, layer.weight.data) + layer.bias.data
    np.testing.assert_allclose(layer(ag.tensor(x)).data, pieces.max(axis=-1))


def test_maxout_gradient_goes_to_the_winning_piece():
    layer = nn.Maxout(2, 1, k=3)
    layer.weight.data[...] = [[[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]]
    layer.bias.data[...] = 0.0
    layer(ag.tensor([[2.0, 1.0]])).sum().backward()  # pieces 2, 1, -3: the first wins
    np.testing.assert_array_equal(layer.weight.grad.data, [[[2.0, 1.0], [0.0, 0.0], [0.0, 0.0]]])
    np.testing.assert_array_equal(layer.bias.grad.data, [[1.0, 0.0, 0.0]])


def test_maxout_gradients():
    x = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    w = ag.tensor(RNG.standard_normal((6, 4)), requires_grad=True)
    b = ag.tensor(RNG.standard_normal(6), requires_grad=True)
    assert ag.gradcheck(
        lambda x, w, b: F.maxout(F.linear(x, w, b), 3), [x, w, b], check_forward=True
    )


def test_maxout_misuse():
    with pytest.raises(ValueError, match="not a multiple of k=4"):
        F.maxout(ag.tensor(np.ones((2, 6))), 4)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        nn.Maxout(3, 2, k=0)
    assert repr(nn.Maxout(3, 2, 4)) == "Maxout(in_features=3, out_features=2, k=4)"
