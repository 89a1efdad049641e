"""Classic models of the notes: Perceptron, ELM (closed form) and autoencoders."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.data import load_digits, make_xor


@pytest.fixture(scope="module")
def digits():
    """Digits scaled to [0, 1], split 80/20 with a fixed permutation."""
    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[: int(0.8 * len(X))], order[int(0.8 * len(X)) :]
    X = X / 16.0
    return X[train], y[train], X[test], y[test]


def reconstruction_mse(model, inputs, targets):
    with ag.no_grad():
        return float(np.mean((model(inputs).data - targets) ** 2))


# ------------------------------------------------------------------------------ Perceptron
def separable(n=100, seed=0):
    """Points on both sides of the line x₁ - 2x₂ + 0.5 = 0, at least 0.2 away from it."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (4 * n, 2))
    score = X @ np.array([1.0, -2.0]) + 0.5
    keep = np.abs(score) / np.sqrt(5.0) > 0.2
    return X[keep][:n], np.where(score[keep][:n] > 0, 1, -1)


def test_perceptron_converges_within_the_novikoff_bound():
    X, y = separable()
    p = nn.Perceptron(2, rng=0)
    p.augmented_weight[:] = 0.0  # the bound holds from ŵ = 0
    p.fit(X, y)
    assert p.converged_ and p.score(X, y) == 1.0
    assert p.mistakes_[-1] == 0 and p.n_epochs_ == len(p.mistakes_) <= p.max_epochs
    assert p.n_updates_ == sum(p.mistakes_) > 0
    # (R/γ)² with R = max ‖x̂‖ and γ the margin of the unit-norm separator ŵ* = [1, -2, 0.5]
    X_hat = np.hstack([X, np.ones((len(X), 1))])
    w_star = np.array([1.0, -2.0, 0.5]) / np.linalg.norm([1.0, -2.0, 0.5])
    gamma = np.min(y * (X_hat @ w_star))
    assert p.n_updates_ <= (np.max(np.linalg.norm(X_hat, axis=1)) / gamma) ** 2
    np.testing.assert_array_equal(p.weight, p.augmented_weight[:2])
    assert p.bias == p.augmented_weight[2]


def test_perceptron_update_is_w_hat_plus_lr_y_x_hat():
    p = nn.Perceptron(2, lr=0.5, rng=0)
    p.augmented_weight[:] = 0.0  # ŵᵀx̂ = 0 counts as a mistake
    p.fit([[2.0, 3.0]], [-1])
    np.testing.assert_array_equal(p.augmented_weight, [-1.0, -1.5, -0.5])
    assert (p.n_updates_, p.mistakes_, p.converged_) == (1, [1, 0], True)


def test_perceptron_keeps_zero_one_labels_and_is_reproducible():
    X, y = separable(seed=1)
    labels = (y > 0).astype(int)
    a, b = nn.Perceptron(2, rng=3).fit(X, labels), nn.Perceptron(2, rng=3).fit(X, labels)
    np.testing.assert_array_equal(a.augmented_weight, b.augmented_weight)
    assert set(np.unique(a.predict(X))) == {0, 1} and a.score(X, labels) == 1.0
    np.testing.assert_array_equal(a.predict(X), (a.decision_function(X) > 0).astype(int))


def test_perceptron_reports_non_convergence_on_xor():
    X, y = make_xor(4, noise=0.0)
    p = nn.Perceptron(2, max_epochs=50, rng=0).fit(X, y)
    assert not p.converged_
    assert p.n_epochs_ == 50 and min(p.mistakes_) > 0
    assert p.score(X, y) <= 0.75  # no line gets all four corners right


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((3, 3)), [1, -1, 1], "3 features per sample, expected 2"),
        (np.zeros(3), [1, -1, 1], "2-D array"),
        (np.zeros((3, 2)), [1, 2, 1], r"labels must be in \{-1, \+1\} or \{0, 1\}"),
        (np.zeros((3, 2)), [1, -1], "does not match the 3 samples"),
        (np.zeros((3, 2)), [[1], [-1], [1]], "1-D array of labels"),
        (np.full((3, 2), np.nan), [1, -1, 1], "NaN"),
    ],
)
def test_perceptron_rejects_bad_shapes_and_labels(X, y, message):
    with pytest.raises(ValueError, match=message):
        nn.Perceptron(2).fit(X, y)


def test_perceptron_misuse():
    with pytest.raises(RuntimeError, match="call fit"):
        nn.Perceptron(2).predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="lr must be a positive"):
        nn.Perceptron(2, lr=0)
    with pytest.raises(ValueError, match="max_epochs"):
        nn.Perceptron(2, max_epochs=0)


# ------------------------------------------------------------------------------ ELM
def test_elm_fits_sine_with_50_hidden_units():
    x = np.linspace(-3, 3, 200)[:, None]
    elm = nn.ELM(50, "sigmoid", rng=0).fit(x, np.sin(x[:, 0]))
    x_new = np.random.default_rng(1).uniform(-3, 3, (500, 1))
    prediction = elm.predict(x_new)
    assert prediction.shape == (500,)
    assert np.mean((prediction - np.sin(x_new[:, 0])) ** 2) < 1e-4  # measured 9e-9
    assert elm.score(x_new, np.sin(x_new[:, 0])) > 0.9999  # R²


def test_elm_classifies_digits(digits):
    X, y, X_test, y_test = digits
    elm = nn.ELM(500, "sigmoid", rng=0).fit(X, y)
    assert elm.beta.shape == (500, 10)
    assert elm.score(X_test, y_test) >= 0.95  # measured 0.986
    np.testing.assert_array_equal(elm.classes.data, np.arange(10))


def test_elm_output_weights_are_the_minimum_norm_least_squares_solution():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    elm = nn.ELM(60, "tanh", rng=0).fit(X, T)  # L > N: many exact solutions, β = H⁺T
    H = elm.hidden(X).data
    np.testing.assert_allclose(elm.beta.data, np.linalg.lstsq(H, T, rcond=None)[0], atol=1e-8)
    np.testing.assert_allclose(elm.predict(X), T, atol=1e-6)


@pytest.mark.parametrize("n_samples", [80, 20])  # N ≥ L uses the L×L system, N < L the N×N one
def test_elm_ridge_matches_the_closed_form(n_samples):
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(n_samples, 4)), rng.normal(size=(n_samples, 3))
    plain = nn.ELM(30, "sigmoid", rng=0).fit(X, T)
    ridge = nn.ELM(30, "sigmoid", C=0.5, rng=0).fit(X, T)
    np.testing.assert_array_equal(ridge.input_weight.data, plain.input_weight.data)
    H = ridge.hidden(X).data
    expected = np.linalg.solve(H.T @ H + np.eye(30) / 0.5, H.T @ T)  # (HᵀH + I/C)⁻¹HᵀT
    np.testing.assert_allclose(ridge.beta.data, expected, rtol=1e-10, atol=1e-12)
    assert np.linalg.norm(ridge.beta.data) < 0.5 * np.linalg.norm(plain.beta.data)


def test_elm_refit_keeps_the_hidden_layer_and_only_learns_beta():
    X, y = load_digits()
    elm = nn.ELM(20, "relu", rng=0).fit(X[:200] / 16, y[:200])
    W, beta = elm.input_weight.data.copy(), elm.beta.data.copy()
    elm.C = 1e-3
    elm.fit(X[:200] / 16, y[:200])
    np.testing.assert_array_equal(elm.input_weight.data, W)
    assert not np.allclose(elm.beta.data, beta)
    assert [name for name, _ in elm.named_parameters()] == ["beta"]


def test_elm_state_dict_round_trip_into_an_unfitted_model(tmp_path):
    X, y = load_digits()
    elm = nn.ELM(40, "tanh", rng=0).fit(X[:300] / 16, y[:300] + 1)  # labels 1..10
    nn.save(elm.state_dict(), tmp_path / "elm.npz")
    copy = nn.ELM(40, "tanh")
    copy.load_state_dict(nn.load(tmp_path / "elm.npz"))
    np.testing.assert_array_equal(copy.predict(X[300:] / 16), elm.predict(X[300:] / 16))
    assert set(copy.predict(X[300:] / 16)) <= set(range(1, 11))


def test_elm_misuse():
    elm = nn.ELM(10)
    with pytest.raises(RuntimeError, match="not fitted"):
        elm.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="integer targets are class labels"):
        elm.fit(np.zeros((4, 3)), np.zeros((4, 2), dtype=int))
    with pytest.raises(ValueError, match="does not match the 4 samples"):
        elm.fit(np.zeros((4, 3)), np.arange(3))
    elm.fit(np.random.default_rng(0).normal(size=(4, 3)), np.arange(4))
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 3\)"):
        elm.predict(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="C must be a positive number"):
        nn.ELM(10, C=0)
    with pytest.raises(ValueError, match="unknown activation 'sigmoidal'"):
        nn.ELM(10, "sigmoidal")


# ------------------------------------------------------------------------------ AutoEncoder
def test_autoencoder_shapes_mirror_the_encoder():
    ae = nn.AutoEncoder([64, 32, 16], activation="tanh", rng=0)
    widths = [(m.in_features, m.out_features) for m in ae.modules() if isinstance(m, nn.Linear)]
    assert widths == [(64, 32), (32, 16), (16, 32), (32, 64)]
    x = np.zeros((5, 64))
    assert ae.encode(x).shape == (5, 16) and ae(x).shape == (5, 64)
    assert ae.decode(np.zeros((5, 16))).shape == (5, 64)
    assert isinstance(ae.decoder[-1], nn.Linear)  # output_activation=None: identity


def test_tied_weights_share_memory_and_sum_both_gradients():
    tied = nn.AutoEncoder([6, 4, 3], tied=True, output_activation="sigmoid", rng=0)
    encoder_weights = [tied.encoder[0].weight, tied.encoder[2].weight]
    assert tied.decoder[2].weight is encoder_weights[0]
    assert tied.decoder[0].weight is encoder_weights[1]
    n_weights = sum(p.size for p in tied.parameters())
    assert n_weights == 6 * 4 + 4 * 3 + (4 + 3) + (4 + 6)  # shared weights once, four biases

    code = np.random.default_rng(0).normal(size=(2, 3))
    before = tied.decode(code).data
    encoder_weights[0].data[0, 0] += 1.0  # a change to the encoder weight ...
    assert not np.allclose(tied.decode(code).data, before)  # ... changes the decoder

    # the gradient of a shared weight is the sum over its two uses: compare with an untied
    # copy whose decoder holds Wᵀ explicitly
    untied = nn.AutoEncoder([6, 4, 3], output_activation="sigmoid")
    params = dict(untied.named_parameters())  # the same names as the tied state dict
    for name, value in tied.state_dict().items():
        decoder_weight = name.startswith("decoder") and name.endswith("weight")
        params[name].data[...] = value.T if decoder_weight else value
    x = np.random.default_rng(1).normal(size=(5, 6))
    for model in (tied, untied):
        nn.functional.mse_loss(model(x), x).backward()
    for k, j in ((0, 2), (2, 0)):
        expected = untied.encoder[k].weight.grad.data + untied.decoder[j].weight.grad.data.T
        np.testing.assert_allclose(tied.encoder[k].weight.grad.data, expected, rtol=1e-12)


def test_autoencoder_learns_to_reconstruct_digits(digits):
    X, _, X_test, _ = digits
    ae = nn.AutoEncoder([64, 16], output_activation="sigmoid", rng=0)
    losses = ae.fit(X, epochs=10, lr=1e-2, batch_size=32, rng=0)
    assert len(losses) == 10 and losses[-1] < 0.5 * losses[0]
    # predicting the mean image scores 0.074 on these test digits; measured 0.025
    assert reconstruction_mse(ae, X_test, X_test) < 0.03


def test_autoencoder_fit_is_reproducible(digits):
    X = digits[0][:200]
    runs = []
    for _ in range(2):
        ae = nn.AutoEncoder([64, 8], rng=1)
        runs.append((ae.fit(X, epochs=2, noise=0.1, rng=2), ae.state_dict()))
    assert runs[0][0] == runs[1][0]
    for name, value in runs[0][1].items():
        np.testing.assert_array_equal(value, runs[1][1][name])


@pytest.mark.parametrize("corruption, level", [("gaussian", 0.5), ("mask", 0.5)])
def test_denoising_autoencoder_cleans_noisy_inputs_better(digits, corruption, level):
    X, _, X_test, _ = digits
    rng = np.random.default_rng(100)
    if corruption == "gaussian":
        noisy = X_test + level * rng.standard_normal(X_test.shape)
    else:
        noisy = X_test * (rng.random(X_test.shape) >= level)
    errors = []
    for noise in (0.0, level):  # same architecture, seeds and budget; only the corruption differs
        ae = nn.AutoEncoder([64, 32], output_activation="sigmoid", rng=0)
        ae.fit(X, epochs=10, lr=1e-2, noise=noise, corruption=corruption, rng=0)
        errors.append(reconstruction_mse(ae, noisy, X_test))  # compared with the clean digits
    plain, denoising = errors
    assert denoising < 0.95 * plain  # measured ratios 0.86 (gaussian), 0.88 (mask)


@pytest.mark.parametrize("tied", [False, True])
def test_greedy_layerwise_pretraining_stacks_trained_layers(digits, tied):
    X, _, X_test, _ = digits
    sizes = [64, 32, 16]
    options = {"activation": "tanh", "tied": tied, "output_activation": "sigmoid"}
    stacked = nn.AutoEncoder.greedy_layerwise_pretrain(
        X, sizes, rng=0, epochs=5, lr=1e-2, batch_size=32, **options
    )
    assert stacked.sizes == sizes and stacked.encode(X_test).shape == (len(X_test), 16)
    assert stacked(X_test).shape == X_test.shape
    assert [len(h) for h in stacked.pretrain_losses_] == [5, 5]
    assert all(h[-1] < h[0] for h in stacked.pretrain_losses_)
    if tied:
        assert stacked.decoder[2].weight is stacked.encoder[0].weight
    initial = nn.AutoEncoder(sizes, rng=0, **options)  # the stacked model's starting point
    assert reconstruction_mse(stacked, X_test, X_test) < 0.5 * reconstruction_mse(
        initial, X_test, X_test
    )
    # the inner pair (32 -> 16 -> 32, tanh output as in the stack) reconstructs the first
    # layer's codes: error well below their variance (measured 0.06 of it)
    with ag.no_grad():
        codes = stacked.encoder[:2](X_test).data
        inner = stacked.decoder[:2](stacked.encoder[2:](codes)).data
    assert np.mean((inner - codes) ** 2) < 0.25 * codes.var(axis=0).mean()


def test_autoencoder_misuse():
    ae = nn.AutoEncoder([8, 3], rng=0)
    with pytest.raises(ValueError, match=r"expected inputs of shape \(N, 8\), got \(2, 5\)"):
        ae(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"expected codes of shape \(N, 3\)"):
        ae.decode(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="7 features per sample, expected 8"):
        ae.fit(np.zeros((4, 7)))
    with pytest.raises(ValueError, match="corruption must be 'gaussian' or 'mask'"):
        ae.fit(np.zeros((4, 8)), corruption="salt")
    with pytest.raises(ValueError, match="< 1 for masking"):
        ae.fit(np.zeros((4, 8)), noise=1.0, corruption="mask")
    with pytest.raises(ValueError, match="unknown optimizer"):
        ae.fit(np.zeros((4, 8)), optimizer="lbfgs")
    with pytest.raises(ValueError, match="at least two layer widths"):
        nn.AutoEncoder([8])
    with pytest.raises(ValueError, match="unknown activation"):
        nn.AutoEncoder([8, 3], output_activation="softmax")
    with pytest.raises(ValueError, match="X has 7 features, sizes starts with 8"):
        nn.AutoEncoder.greedy_layerwise_pretrain(np.zeros((4, 7)), [8, 3])


def test_docstring_examples_run():
    import doctest

    import nn.models

    result = doctest.testmod(nn.models, extraglobs={"nn": nn, "np": np})
    assert result.attempted > 0 and result.failed == 0
