"""Losses: values against their formulas, gradients (the notes' softmax - onehot), stability
for extreme logits and probabilities, reductions, dtypes and clear errors on misuse."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(0)
LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-3.0, 4.0, 1.0], [1.0, 1.0, -2.0]])
LABELS = np.array([0, 2, 1, 1])
ONE_HOT = np.eye(3)[LABELS]
STRICT = dict(over="raise", divide="raise", invalid="raise")


def _log_softmax(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# ---------------------------------------------------------------------------- MSE
def test_mse_value_gradient_and_reductions():
    x = ag.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    y = RNG.standard_normal((3, 2))
    loss = F.mse_loss(x, y)
    np.testing.assert_allclose(loss.data, np.mean((x.data - y) ** 2))
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (x.data - y) / 6)
    np.testing.assert_allclose(nn.MSELoss(reduction="sum")(x, y).data, np.sum((x.data - y) ** 2))
    assert nn.MSELoss(reduction="none")(x, y).shape == (3, 2)


def test_mse_refuses_to_broadcast_and_nan_targets():
    x = ag.tensor(np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"target shape \(3,\) does not match input shape \(3, 1"):
        F.mse_loss(x, np.ones(3))
    with pytest.raises(ValueError, match="target contains NaN"):
        F.mse_loss(x, np.array([[1.0], [np.nan], [0.0]]))


# ---------------------------------------------------------------------------- cross-entropy
def test_cross_entropy_with_labels_matches_the_formula():
    expected = -_log_softmax(LOGITS)[np.arange(4), LABELS]
    np.testing.assert_allclose(F.cross_entropy(LOGITS, LABELS).data, expected.mean())
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(reduction="sum")(LOGITS, LABELS).data, expected.sum()
    )
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(LOGITS, LABELS).data, expected)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x = ag.tensor(LOGITS, requires_grad=True)
    nn.CrossEntropyLoss()(x, LABELS).backward()
    np.testing.assert_allclose(x.grad.data, (np.exp(_log_softmax(LOGITS)) - ONE_HOT) / 4)


def test_cross_entropy_one_hot_and_probability_targets():
    labels_loss = F.cross_entropy(LOGITS, LABELS, reduction="none").data
    np.testing.assert_allclose(F.cross_entropy(LOGITS, ONE_HOT, reduction="none").data, labels_loss)
    np.testing.assert_allclose(
        F.cross_entropy(LOGITS, ONE_HOT.astype(int)).data, labels_loss.mean()
    )
    soft = np.full((4, 3), 0.2) + 0.4 * ONE_HOT
    np.testing.assert_allclose(
        F.cross_entropy(LOGITS, soft, reduction="none").data,
        -(soft * _log_softmax(LOGITS)).sum(axis=1),
    )


def test_cross_entropy_gradchecks():
    x = ag.tensor(LOGITS, requires_grad=True)
    soft = ag.tensor(np.full((4, 3), 1 / 3), requires_grad=True)
    assert ag.gradcheck(lambda x: F.cross_entropy(x, LABELS), [x], check_forward=True)
    assert ag.gradgradcheck(lambda x: F.cross_entropy(x, LABELS), [x])
    assert ag.gradcheck(F.cross_entropy, [x, soft], check_forward=True)


def test_cross_entropy_is_stable_for_huge_logit_gaps():
    x = ag.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], requires_grad=True)
    with np.errstate(**STRICT):
        loss = F.cross_entropy(x, np.array([2, 1]))
        loss.backward()
    np.testing.assert_allclose(loss.data, 2e4 / 2)
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.0, -0.5], [0.0, 0.0, 0.0]])


def test_nll_loss_on_log_softmax_equals_cross_entropy():
    x = ag.tensor(LOGITS, requires_grad=True)
    nll = nn.NLLLoss()(F.log_softmax(x, axis=1), LABELS)
    np.testing.assert_allclose(nll.data, F.cross_entropy(LOGITS, LABELS).data)
    nll.backward()
    np.testing.assert_allclose(x.grad.data, (np.exp(_log_softmax(LOGITS)) - ONE_HOT) / 4)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss], ids=["cross_entropy", "nll"])
def test_class_index_misuse(loss):
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 3\), got 3 at index 1"):
        loss(LOGITS, np.array([0, 3, 1, 1]))
    with pytest.raises(ValueError, match=r"got -1 at index 0"):
        loss(LOGITS, np.array([-1, 0, 1, 1]))
    with pytest.raises(TypeError, match="class-index targets must be integers, got dtype float64"):
        loss(LOGITS, ag.tensor([0.0, 2.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected class indices of shape \(4,\)"):
        loss(LOGITS, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, C\), got \(3,\)"):
        loss(LOGITS[0], np.array([0]))


def test_cross_entropy_probability_target_misuse():
    with pytest.raises(ValueError, match=r"target shape \(4, 2\) does not match input shape"):
        F.cross_entropy(LOGITS, np.ones((4, 2)) / 2)
    with pytest.raises(ValueError, match="target contains NaN"):
        F.cross_entropy(LOGITS, np.where(ONE_HOT == 1, np.nan, 0.0))


# ---------------------------------------------------------------------------- binary
def test_bce_matches_the_formula():
    p = ag.tensor([0.9, 0.2, 0.6], requires_grad=True)
    y = np.array([1.0, 0.0, 0.0])
    expected = -(y * np.log(p.data) + (1 - y) * np.log(1 - p.data))
    np.testing.assert_allclose(nn.BCELoss(reduction="none")(p, y).data, expected)
    assert ag.gradcheck(lambda p: F.binary_cross_entropy(p, y), [p], check_forward=True)


def test_bce_clamps_each_log_at_minus_100():
    p = ag.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    with np.errstate(**STRICT):
        loss = F.binary_cross_entropy(p, y, reduction="none")
        loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [0.0, 0.0, 100.0, 100.0])
    assert np.all(np.isfinite(p.grad.data))


def test_bce_with_logits_is_stable_and_matches_bce_of_sigmoid():
    x = ag.tensor([-3.0, -0.5, 0.7, 2.0], requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.3])
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y).data,
        F.binary_cross_entropy(F.sigmoid(x), y).data,
        rtol=1e-12,
    )
    assert ag.gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y), [x], check_forward=True)
    assert ag.gradgradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y), [x])

    big = ag.tensor([1000.0, -1000.0, 1000.0], requires_grad=True)
    with np.errstate(**STRICT):
        loss = nn.BCEWithLogitsLoss(reduction="none")(big, np.array([0.0, 0.0, 1.0]))
        loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [1000.0, 0.0, 0.0])
    np.testing.assert_array_equal(big.grad.data, [1.0, 0.0, 0.0])  # σ(x) - y


def test_binary_misuse():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got values in \[-0.1, 1.2\]"):
        F.binary_cross_entropy(ag.tensor([-0.1, 1.2]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target shape \(2, 1\) does not match input shape \(2,"):
        F.binary_cross_entropy_with_logits(ag.tensor([0.1, 0.2]), np.zeros((2, 1)))


@pytest.mark.parametrize("target", [[0.0, 1.5], [-0.5, 1.0], [0.0, np.inf]])
def test_bce_refuses_targets_outside_0_1_instead_of_a_negative_loss(target):
    p = ag.tensor([0.3, 0.8])
    for loss in (
        lambda: F.binary_cross_entropy(p, np.array(target)),
        lambda: nn.BCELoss()(p, np.array(target)),
    ):
        with pytest.raises(
            ValueError,
            match=r"^binary_cross_entropy: target must hold values "
            r"in \[0, 1\], got .* at index",
        ):
            loss()


def test_bce_accepts_soft_targets_and_the_bounds_0_and_1():
    p = ag.tensor([0.3, 0.8, 0.5])
    loss = F.binary_cross_entropy(p, np.array([0.0, 1.0, 0.25]), reduction="none")
    assert np.all(loss.data >= 0)


def test_compiled_bce_checks_the_target_on_every_call():
    bce = ag.compile(lambda p, y: F.binary_cross_entropy(p, y))
    p = ag.tensor([0.2, 0.7])
    bce(p, ag.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\], got 2.0"):
        bce(p, ag.tensor([0.0, 2.0]))
    assert bce.traces == 1


# ---------------------------------------------------------------------------- shared
@pytest.mark.parametrize(
    "loss", [nn.MSELoss, nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss]
)
def test_invalid_reduction(loss):
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        loss(reduction="avg")


def test_float32_losses_stay_float32():
    x = ag.tensor(LOGITS.astype(np.float32), requires_grad=True)
    losses = [
        F.cross_entropy(x, LABELS),
        F.cross_entropy(x, ONE_HOT),
        F.mse_loss(x, ONE_HOT),
        F.binary_cross_entropy(F.sigmoid(x), ONE_HOT),
        F.binary_cross_entropy_with_logits(x, ONE_HOT),
    ]
    for loss in losses:
        x.grad = None
        loss.backward()
        assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_repr():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


# ---------------------------------------------------------------------------- regulariser
def test_frobenius_penalty_is_half_lambda_sum_of_squares():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    weights = [model[0].weight, model[1].weight]
    penalty = F.frobenius_penalty(weights, lam=0.1)
    np.testing.assert_allclose(penalty.data, 0.05 * sum((w.data**2).sum() for w in weights))
    penalty.backward()
    for w in weights:
        np.testing.assert_allclose(w.grad.data, 0.1 * w.data)  # the notes' + λW
    assert model[0].bias.grad is None
    with pytest.raises(ValueError, match="empty list of parameters"):
        F.frobenius_penalty([], 0.1)
    with pytest.raises(ValueError, match="lam must be non-negative"):
        F.frobenius_penalty(weights, -1.0)


def test_cross_entropy_hessian_forward_over_reverse():
    """ag.hessian runs backward without create_graph but with dual inputs: the fused
    softmax-CE must then use its differentiable residual, giving diag(p) - ppᵀ per row."""
    x0 = np.random.default_rng(0).standard_normal((2, 3))
    labels = np.array([0, 2])
    H = ag.hessian(lambda t: F.cross_entropy(t, labels, reduction="sum"), ag.tensor(x0))
    p = np.exp(x0) / np.exp(x0).sum(axis=1, keepdims=True)
    expected = np.zeros((2, 3, 2, 3))
    for n in range(2):
        expected[n, :, n, :] = np.diag(p[n]) - np.outer(p[n], p[n])
    np.testing.assert_allclose(H.data, expected, atol=1e-12)
