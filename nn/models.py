"""Classic models of the course notes: the perceptron, the extreme learning machine and
autoencoders.

* ``Perceptron``: the mistake-driven algorithm on the augmented form x̂ = [x; 1], ŵ = [w; b];
  plain numpy, since it is not gradient descent on a loss.
* ``ELM``: a single hidden layer with random, fixed input weights; the output weights are the
  closed-form least-squares solution β = H⁺T (or its ridge-regularised form).
* ``AutoEncoder``: encoder y = h(x), decoder r = f(y), trained by gradient descent to make the
  reconstruction error ‖r - x‖² small; optionally tied, denoising, and pretrained greedily
  layer by layer (a stacked autoencoder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor, get_default_dtype
from autograd_core.random import generator as _generator

from . import functional as F
from . import init, optim
from .activations import (
    ELU,
    GELU,
    HardLogistic,
    HardTanh,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softplus,
    Swish,
    Tanh,
)
from .data.loader import DataLoader, TensorDataset
from .layers import Linear, _positive_int
from .module import IncompatibleKeys, Module, Sequential
from .parameter import Parameter
from .training import fit as _fit

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["Perceptron", "ELM", "AutoEncoder", "TiedLinear"]

# Elementwise activations by name (as in nn.functional); each entry builds a parameter-free
# Module, so an ELM or AutoEncoder shows its activations in repr.
_ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "hard_logistic": HardLogistic,
    "hard_tanh": HardTanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "softplus": Softplus,
    "swish": Swish,
    "silu": SiLU,
    "gelu": GELU,
}

_OPTIMIZERS = {
    "sgd": optim.SGD,
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "rmsprop": optim.RMSProp,
    "adagrad": optim.AdaGrad,
}


def _activation(name: str, where: str) -> Module:
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}"
        )
    return _ACTIVATIONS[name]()


def _matrix(
    X: Tensor | ArrayLike, where: str, n_features: int | None = None, name: str = "X"
) -> np.ndarray:
    """``X`` as a finite 2-D float array (default dtype) with ``n_features`` columns."""
    array = X.data if isinstance(X, Tensor) else np.asarray(X)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be numeric, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(
            f"{where}: {name} must be a non-empty 2-D array (n_samples, n_features), "
            f"got shape {array.shape}"
        )
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{where}: {name} has {array.shape[1]} features per sample, expected {n_features}"
        )
    array = array.astype(get_default_dtype())
    if not np.isfinite(array).all():
        raise ValueError(f"{where}: {name} contains NaN or inf")
    return array


def _rows(target: Tensor | ArrayLike, n: int, where: str, name: str) -> np.ndarray:
    array = target.data if isinstance(target, Tensor) else np.asarray(target)
    if array.ndim == 0 or array.shape[0] != n:
        raise ValueError(
            f"{where}: {name} of shape {array.shape} does not match the {n} samples of X"
        )
    return array


# ------------------------------------------------------------------------------ perceptron
class Perceptron:
    """Rosenblatt's perceptron f(x) = wᵀx + b for two classes, trained by the notes' rule.

    In the augmented form x̂ = [x; 1] and ŵ = [w; b], so wᵀx + b = ŵᵀx̂. With labels y ∈ {-1, +1}
    a sample is classified correctly when y ŵᵀx̂ > 0; each misclassified sample (y ŵᵀx̂ ≤ 0)
    triggers the update

        ŵ ← ŵ + η y x̂          (η = ``lr``; the notes' step is η = 1)

    i.e. w ← w ± x, b ← b ± 1. An epoch visits every sample once in a random order; training
    stops after the first epoch with no mistake (every sample is then classified correctly)
    or after ``max_epochs``. On linearly separable data the number of updates is finite (the
    convergence theorem of the notes); starting from ŵ = 0 it is at most (R/γ)², with
    R = maxᵢ ‖x̂ᵢ‖ and γ the margin of a unit-norm separating ŵ*: γ = minᵢ yᵢ ŵ*ᵀx̂ᵢ.

    Parameters
    ----------
    n_features : int
        Dimension of x.
    max_epochs : int
        Upper bound on the number of passes over the data.
    lr : float
        Step η > 0. From ŵ = 0 it only rescales ŵ; from a random start it sets how far the
        first updates move away from it.
    rng : numpy Generator or int, optional
        Draws the initial ŵ (the notes' step 1: random initialisation, U(-1/√n, 1/√n) with
        n = ``n_features``) and the order of the samples in each epoch.

    Attributes
    ----------
    augmented_weight : ndarray of shape (n_features + 1,)
        ŵ = [w; b]; ``fit`` continues from its current value (set it to 0 to start there).
    weight : ndarray of shape (n_features,)
        w, a view of ``augmented_weight[:-1]``.
    bias : float
        b = ``augmented_weight[-1]``.
    classes_ : ndarray of shape (2,)
        The label values of the negative and positive class, (-1, 1) or (0, 1).
    n_updates_ : int
        Number of updates (mistakes) during the last ``fit``.
    n_epochs_ : int
        Epochs run by the last ``fit``, counting the final mistake-free one.
    mistakes_ : list of int
        Mistakes made in each of those epochs.
    converged_ : bool
        Whether the last epoch made no mistake, i.e. the training data are separated.

    Examples
    --------
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, 0.5]])
    >>> p = nn.Perceptron(2, rng=0).fit(X, [1, 1, -1, -1])
    >>> p.converged_, p.score(X, [1, 1, -1, -1])
    (True, 1.0)
    """

    def __init__(
        self,
        n_features: int,
        max_epochs: int = 100,
        lr: float = 1.0,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.n_features = _positive_int(n_features, "n_features", "Perceptron")
        self.max_epochs = _positive_int(max_epochs, "max_epochs", "Perceptron")
        self.lr = float(lr)
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"Perceptron: lr must be a positive number, got {lr!r}")
        self.rng = _generator(rng)
        bound = 1.0 / np.sqrt(self.n_features)
        self.augmented_weight = self.rng.uniform(-bound, bound, self.n_features + 1)
        self.classes_ = None
        self.n_updates_, self.n_epochs_, self.mistakes_, self.converged_ = 0, 0, [], False

    @property
    def weight(self) -> np.ndarray:
        return self.augmented_weight[:-1]

    @property
    def bias(self) -> float:
        return float(self.augmented_weight[-1])

    def __repr__(self) -> str:
        return (
            f"Perceptron(n_features={self.n_features}, max_epochs={self.max_epochs}, lr={self.lr})"
        )

    def _signs(self, y, n):
        """Labels as ±1 (and the two label values), from {-1, +1} or {0, 1}."""
        y = _rows(y, n, "Perceptron.fit", "y")
        if y.ndim != 1 or y.dtype.kind not in "biuf":
            raise ValueError(
                f"Perceptron.fit: y must be a 1-D array of labels in {{-1, +1}} or {{0, 1}}, "
                f"got shape {y.shape} and dtype {y.dtype}"
            )
        values = set(np.unique(y).tolist())
        for classes in ((-1, 1), (0, 1)):
            if values <= set(classes):
                return np.where(y == classes[1], 1.0, -1.0), np.array(classes)
        raise ValueError(
            f"Perceptron.fit: labels must be in {{-1, +1}} or {{0, 1}}, got {sorted(values)}"
        )

    def fit(self, X: Tensor | ArrayLike, y: Tensor | ArrayLike) -> Perceptron:
        """Run the perceptron algorithm on samples ``X`` (N, n_features) with labels ``y`` (N,).

        Returns self. Does not raise when the data are not separable: check ``converged_``.
        """
        X = _matrix(X, "Perceptron.fit", self.n_features)
        signs, self.classes_ = self._signs(y, len(X))
        X_hat = np.hstack([X, np.ones((len(X), 1), X.dtype)])  # x̂ = [x; 1]
        w_hat = self.augmented_weight
        self.n_updates_, self.mistakes_, self.converged_ = 0, [], False
        for _ in range(self.max_epochs):
            mistakes = 0
            for i in self.rng.permutation(len(X)):
                if signs[i] * (w_hat @ X_hat[i]) <= 0:  # misclassified (or on the boundary)
                    w_hat += self.lr * signs[i] * X_hat[i]  # ŵ ← ŵ + η y x̂
                    mistakes += 1
            self.mistakes_.append(mistakes)
            self.n_updates_ += mistakes
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_epochs_ = len(self.mistakes_)
        return self

    def decision_function(self, X: Tensor | ArrayLike) -> np.ndarray:
        """wᵀx + b for each row of ``X``: positive on the side of class ``classes_[1]``."""
        X = _matrix(X, "Perceptron.decision_function", self.n_features)
        return X @ self.weight + self.bias

    def predict(self, X: Tensor | ArrayLike) -> np.ndarray:
        """Labels (in the encoding ``fit`` saw): ``classes_[1]`` where wᵀx + b > 0, else
        ``classes_[0]``."""
        if self.classes_ is None:
            raise RuntimeError("Perceptron.predict: call fit(X, y) first")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def score(self, X: Tensor | ArrayLike, y: Tensor | ArrayLike) -> float:
        """Accuracy: the fraction of samples of ``X`` whose predicted label equals ``y``."""
        predicted = self.predict(X)
        return float(np.mean(predicted == _rows(y, len(predicted), "Perceptron.score", "y")))


# ------------------------------------------------------------------------------ ELM
class ELM(Module):
    """Extreme learning machine: one hidden layer with random, fixed input weights and a
    closed-form output layer (Huang et al.).

    The hidden output of a sample x is h(x) = g(xW + b): unit i computes g(aᵢᵀx + bᵢ) with
    aᵢ the i-th column of W. Stacking the N training samples gives H = g(XW + b) of shape
    (N, L), and the model is f(x) = h(x)β. Only β is learned, without iterations, as the
    least-squares solution of Hβ = T with the smallest norm:

        β = H⁺T          (H⁺ the Moore-Penrose pseudo-inverse, ``C=None``)

    or, for the notes' objective ‖β‖² + C‖Hβ - T‖² (p = q = 2), the ridge solution

        β = (HᵀH + I/C)⁻¹ HᵀT     (solved as a linear system; when N < L the equal
                                   β = Hᵀ(HHᵀ + I/C)⁻¹T is used, an N×N system).

    A small C shrinks β towards 0; as C → ∞ the ridge solution tends to H⁺T.

    Parameters
    ----------
    n_hidden : int
        Number L of hidden units.
    activation : str
        The hidden nonlinearity g, by its name in ``nn.functional``: "sigmoid", "tanh",
        "relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "swish", "hard_tanh", ...
    C : float, optional
        Regularisation constant C > 0 of the ridge form; None for the pseudo-inverse.
    rng : numpy Generator or int, optional
        Draws W and b, each entry from U(-1, 1) as in Huang's ELM; scale the inputs to about
        [-1, 1] (or standardise them) so that g is not saturated everywhere.

    Attributes
    ----------
    input_weight : buffer Tensor of shape (n_features, n_hidden)
        W = [a₁ … a_L], drawn at the first ``fit`` (when the input size is known) and kept by
        later fits, which then only recompute β (e.g. after changing ``C``).
    input_bias : buffer Tensor of shape (n_hidden,)
        b = [b₁ … b_L].
    beta : Parameter of shape (n_hidden, n_outputs)
        The output weights β; a Parameter, so it can also be fine-tuned by gradient descent.
    classes : buffer Tensor of shape (n_classes,) or None
        The class labels after a classification fit (output column k stands for
        ``classes[k]``); None after a regression fit.

    All four are in ``state_dict()``; ``load_state_dict`` also works on an unfitted ELM.

    Examples
    --------
    >>> X, y = nn.data.load_digits()
    >>> elm = nn.ELM(500, "sigmoid", rng=0).fit(X[:1400] / 16, y[:1400])
    >>> elm.score(X[1400:] / 16, y[1400:]) > 0.9
    True
    """

    def __init__(
        self,
        n_hidden: int,
        activation: str = "sigmoid",
        C: float | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        self.n_hidden = _positive_int(n_hidden, "n_hidden", "ELM")
        if C is not None and not (np.isfinite(C) and C > 0):
            raise ValueError(f"ELM: C must be a positive number or None, got {C!r}")
        self.C = None if C is None else float(C)
        self.activation = _activation(activation, "ELM")
        self.rng = _generator(rng)
        self.register_buffer("input_weight", None)
        self.register_buffer("input_bias", None)
        self.register_parameter("beta", None)
        self.register_buffer("classes", None)

    def extra_repr(self) -> str:
        return f"n_hidden={self.n_hidden}, C={self.C}"

    def _check_fitted(self, where):
        if self.beta is None:
            raise RuntimeError(f"ELM.{where}: the ELM is not fitted yet; call fit(X, T) first")

    def hidden(self, x: Tensor | ArrayLike) -> Tensor:
        """h(x) = g(xW + b) for a batch x of shape (N, n_features): the rows of H."""
        if self.input_weight is None:
            raise RuntimeError("ELM.hidden: the ELM is not fitted yet; call fit(X, T) first")
        x = F._in_dtype_of(x if isinstance(x, Tensor) else _matrix(x, "ELM"), self.input_weight)
        if x.ndim != 2 or x.shape[1] != self.input_weight.shape[0]:
            raise ValueError(
                f"ELM: expected an input of shape (N, {self.input_weight.shape[0]}), got {x.shape}"
            )
        return self.activation(x @ self.input_weight + self.input_bias)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        """f(x) = h(x)β: the raw outputs (one column per class, or per regression target)."""
        self._check_fitted("forward")
        return self.hidden(x) @ self.beta

    def _targets(self, T, n):
        """(target matrix, class labels or None): integer labels become one-hot rows."""
        T = _rows(T, n, "ELM.fit", "T")
        if T.dtype.kind in "biu":
            if T.ndim != 1:
                raise ValueError(
                    f"ELM.fit: integer targets are class labels and must be 1-D, got shape "
                    f"{T.shape} (pass one-hot or real-valued targets as floats)"
                )
            classes, index = np.unique(T, return_inverse=True)
            return np.eye(len(classes), dtype=get_default_dtype())[index], classes
        if T.dtype.kind != "f" or T.ndim > 2:
            raise ValueError(
                f"ELM.fit: T must be integer labels (N,) or real targets (N,) or (N, m), got "
                f"shape {T.shape} and dtype {T.dtype}"
            )
        if not np.isfinite(T).all():
            raise ValueError("ELM.fit: T contains NaN or inf")
        return T.reshape(n, -1).astype(get_default_dtype()), None

    def fit(self, X: Tensor | ArrayLike, T: Tensor | ArrayLike) -> ELM:
        """Solve for β on inputs ``X`` (N, n_features) and targets ``T``.

        ``T`` holds integer class labels (N,) (classification: the targets are one-hot rows
        and ``predict`` returns labels) or real values (N,) or (N, m) (regression). Returns
        self.
        """
        X = _matrix(X, "ELM.fit")
        targets, classes = self._targets(T, len(X))
        if self.input_weight is None:
            shape = (X.shape[1], self.n_hidden)
            self.input_weight = ag.tensor(self.rng.uniform(-1.0, 1.0, shape))
            self.input_bias = ag.tensor(self.rng.uniform(-1.0, 1.0, self.n_hidden))
        with ag.no_grad():
            H = self.hidden(X).data
        if self.C is None:
            beta = np.linalg.pinv(H) @ targets  # β = H⁺T
        elif len(H) >= self.n_hidden:  # β = (HᵀH + I/C)⁻¹ HᵀT
            beta = np.linalg.solve(H.T @ H + np.eye(self.n_hidden) / self.C, H.T @ targets)
        else:  # β = Hᵀ(HHᵀ + I/C)⁻¹T, the same β from an N×N system
            beta = H.T @ np.linalg.solve(H @ H.T + np.eye(len(H)) / self.C, targets)
        self.beta = Parameter(beta)
        self.classes = None if classes is None else ag.tensor(classes)
        return self

    def predict(self, X: Tensor | ArrayLike) -> np.ndarray:
        """Class labels (argmax of the outputs) after a classification fit; after a regression
        fit the outputs, shape (N, m), or (N,) for a single target."""
        self._check_fitted("predict")
        with ag.no_grad():
            out = self(_matrix(X, "ELM.predict")).data
        if self.classes is not None:
            return self.classes.data[out.argmax(axis=1)]
        return out[:, 0] if out.shape[1] == 1 else out

    def score(self, X: Tensor | ArrayLike, T: Tensor | ArrayLike) -> float:
        """Accuracy after a classification fit; the coefficient of determination
        R² = 1 - Σ(t - f(x))² / Σ(t - t̄)² after a regression fit (1 is perfect, 0 is as good
        as predicting the mean; averaged over the output columns)."""
        predicted = self.predict(X)
        T = _rows(T, len(predicted), "ELM.score", "T")
        if self.classes is not None:
            return float(np.mean(predicted == T))
        T = T.reshape(len(T), -1)
        residual = ((T - predicted.reshape(T.shape)) ** 2).sum(axis=0)
        total = ((T - T.mean(axis=0)) ** 2).sum(axis=0)
        return float(np.mean(1.0 - residual / total))

    def load_state_dict(
        self, state_dict: Mapping[str, Tensor | ArrayLike], strict: bool = True
    ) -> IncompatibleKeys:
        """As ``Module.load_state_dict``; an unfitted ELM first takes the saved shapes."""
        for name in ("input_weight", "input_bias", "beta", "classes"):
            if getattr(self, name) is None and name in state_dict:
                value = state_dict[name]
                value = np.array(value.data if isinstance(value, Tensor) else value)
                setattr(self, name, Parameter(value) if name == "beta" else ag.tensor(value))
        return super().load_state_dict(state_dict, strict)


# ------------------------------------------------------------------------------ autoencoders
class TiedLinear(Module):
    """Decoder layer tied to an encoder ``Linear``: r = yW + c, with W the encoder's weight.

    The encoder computes y = xWᵀ + b (W of shape (out, in)), so this layer maps back from
    ``out`` to ``in`` features with the transpose Wᵀ (the tied constraint of the notes). The
    weight is the same Parameter object as the encoder's (no copy): it is updated once per step
    with the gradients of both uses summed, and appears in ``state_dict`` under both names, as
    tied weights do in PyTorch. The bias c is the decoder's own.
    """

    def __init__(self, encoder_layer: Linear, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Linear):
            raise TypeError(f"TiedLinear ties to an nn.Linear, got {type(encoder_layer).__name__}")
        self.in_features = encoder_layer.out_features
        self.out_features = encoder_layer.in_features
        self.weight = encoder_layer.weight
        self.bias = Parameter(np.empty(self.out_features, encoder_layer.weight.dtype))
        init.uniform_fan_in_(self.bias, fan_in=self.in_features, rng=_generator(rng))

    def forward(self, y: Tensor) -> Tensor:
        return F._in_dtype_of(y, self.weight) @ self.weight + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, tied=True"


def _linears(sequential):
    return [m for m in sequential if isinstance(m, (Linear, TiedLinear))]


class _Corrupted:
    """Batches (x̃, x) from a loader of (x,): the corrupted input and the clean target."""

    def __init__(self, loader, noise, corruption, rng):
        self.loader, self.noise, self.corruption, self.rng = loader, noise, corruption, rng

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for (x,) in self.loader:
            clean = x.data
            if self.noise == 0.0:
                corrupted = clean
            elif self.corruption == "gaussian":  # x̃ = x + ε, ε ~ N(0, noise²)
                corrupted = clean + self.noise * self.rng.standard_normal(clean.shape)
            else:  # masking: each input is set to 0 with probability noise
                corrupted = clean * (self.rng.random(clean.shape) >= self.noise)
            yield ag.tensor(corrupted.astype(clean.dtype)), x


class AutoEncoder(Module):
    """A fully connected autoencoder: encoder y = h(x), decoder r = f(y) = f(h(x)), trained to
    make the reconstruction error small (the notes' 重建误差):

        min  1/(N·D) Σₙ ‖f(h(xₙ)) - xₙ‖²     (mean squared error over all N·D entries)

    The encoder maps ``sizes[0]`` → … → ``sizes[-1]`` (the code y) with a Linear layer and
    ``activation`` at each step; the decoder mirrors it, ``sizes[-1]`` → … → ``sizes[0]``, with
    ``activation`` after each layer but the last, which uses ``output_activation``. With
    ``sizes[-1] < sizes[0]`` (the usual case) the code is undercomplete: it cannot copy its
    input and must keep the most salient structure of the data.

    Variants of the notes:

    * tied weights (``tied=True``): each decoder layer uses the transpose of its encoder
      layer's weight, W' = Wᵀ (same memory), with a bias of its own; see ``TiedLinear``.
    * denoising (``fit(..., noise=σ)``): the encoder sees a corrupted x̃, the loss compares
      f(h(x̃)) with the clean x, so the model must learn to undo the corruption.
    * stacked (``greedy_layerwise_pretrain``): one shallow autoencoder per layer, each trained
      on the codes of the previous one, then stacked (and usually fine-tuned end to end).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from the input to the code, at least two, e.g. ``[64, 32, 16]``.
    activation : str
        Hidden nonlinearity by its ``nn.functional`` name ("sigmoid", "tanh", "relu", ...).
    tied : bool
        Share each encoder weight (transposed) with its mirror decoder layer.
    output_activation : str or None
        Nonlinearity of the reconstruction: None (identity) for standardised data, "sigmoid"
        for data scaled to [0, 1].
    rng : numpy Generator or int, optional
        Source of the initial weights (``nn.Linear``'s U(-1/√n, 1/√n)).

    Attributes
    ----------
    encoder, decoder : Sequential
        The two halves, ``encoder(x)`` gives the code and ``decoder(y)`` the reconstruction.

    Examples
    --------
    >>> X, _ = nn.data.load_digits()
    >>> ae = nn.AutoEncoder([64, 16], output_activation="sigmoid", rng=0)
    >>> losses = ae.fit(X / 16, epochs=5, lr=1e-2, rng=0)
    >>> ae.encode(X[:3] / 16).shape, ae(X[:3] / 16).shape
    ((3, 16), (3, 64))
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        tied: bool = False,
        output_activation: str | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__()
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError(
                f"AutoEncoder: sizes must list at least two layer widths (input, ..., code), "
                f"got {sizes!r}"
            )
        self.sizes = [_positive_int(n, "each size", "AutoEncoder") for n in sizes]
        self.tied = bool(tied)
        rng = _generator(rng)
        encoder = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            encoder += [Linear(n_in, n_out, rng=rng), _activation(activation, "AutoEncoder")]
        self.encoder = Sequential(*encoder)
        decoder = []
        mirrored = _linears(self.encoder)[::-1]
        for k, layer in enumerate(mirrored):
            if self.tied:
                decoder.append(TiedLinear(layer, rng=rng))
            else:
                decoder.append(Linear(layer.out_features, layer.in_features, rng=rng))
            name = output_activation if k == len(mirrored) - 1 else activation
            if name is not None:
                decoder.append(_activation(name, "AutoEncoder"))
        self.decoder = Sequential(*decoder)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, tied={self.tied}"

    def _input(self, x, n_features, what):
        x = x if isinstance(x, Tensor) else ag.tensor(_matrix(x, "AutoEncoder", name=what))
        if x.ndim != 2 or x.shape[1] != n_features:
            raise ValueError(
                f"AutoEncoder{self.sizes}: expected {what} of shape (N, {n_features}), "
                f"got {x.shape}"
            )
        return x

    def encode(self, x: Tensor | ArrayLike) -> Tensor:
        """The code y = h(x), shape (N, sizes[-1])."""
        return self.encoder(self._input(x, self.sizes[0], "inputs"))

    def decode(self, y: Tensor | ArrayLike) -> Tensor:
        """The reconstruction f(y) of codes y, shape (N, sizes[0])."""
        return self.decoder(self._input(y, self.sizes[-1], "codes"))

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        """The reconstruction r = f(h(x))."""
        return self.decode(self.encode(x))

    def fit(
        self,
        X: Tensor | ArrayLike,
        epochs: int = 10,
        lr: float = 1e-3,
        batch_size: int = 32,
        noise: float = 0.0,
        corruption: str = "gaussian",
        optimizer: str = "adam",
        rng: np.random.Generator | int | None = None,
        progress: bool = False,
    ) -> list[float]:
        """Train on the reconstruction MSE with minibatches (``nn.fit``); returns the loss
        history, one mean training loss per epoch (of f(h(x̃)) against x when denoising).

        Parameters
        ----------
        X : array (N, sizes[0])
            The training inputs, which are also the targets.
        epochs, lr, batch_size :
            Number of passes, learning rate and minibatch size.
        noise : float
            Corruption level for a denoising autoencoder; 0 trains a plain one. Each batch is
            corrupted afresh and the loss always compares with the clean input.
        corruption : {"gaussian", "mask"}
            "gaussian": x̃ = x + ε with ε ~ N(0, noise²) (additive Gaussian noise).
            "mask": each entry of x is set to 0 with probability ``noise`` (masking noise, as
            in Vincent et al.'s denoising autoencoders).
        optimizer : {"adam", "sgd", "adamw", "rmsprop", "adagrad"}
            The ``nn.optim`` optimiser, created with ``lr`` and its other defaults.
        rng : numpy Generator or int, optional
            Shuffling and corruption, for reproducible runs.
        progress : bool
            Show a progress bar per epoch.
        """
        X = _matrix(X, "AutoEncoder.fit", self.sizes[0])
        noise = float(noise)
        if corruption not in ("gaussian", "mask"):
            raise ValueError(
                f"AutoEncoder.fit: corruption must be 'gaussian' or 'mask', got {corruption!r}"
            )
        if noise < 0 or (corruption == "mask" and noise >= 1):
            raise ValueError(
                f"AutoEncoder.fit: noise must be >= 0 (and < 1 for masking), got {noise}"
            )
        if optimizer not in _OPTIMIZERS:
            raise ValueError(
                f"AutoEncoder.fit: unknown optimizer {optimizer!r}; expected one of "
                f"{sorted(_OPTIMIZERS)}"
            )
        rng = _generator(rng)
        loader = DataLoader(TensorDataset(X), batch_size, shuffle=True, rng=rng)
        batches = _Corrupted(loader, noise, corruption, rng)
        opt = _OPTIMIZERS[optimizer](self.parameters(), lr=lr)
        return _fit(self, batches, F.mse_loss, opt, epochs, progress=progress, log=progress)["loss"]

    @classmethod
    def greedy_layerwise_pretrain(
        cls,
        X: Tensor | ArrayLike,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        tied: bool = False,
        output_activation: str | None = None,
        rng: np.random.Generator | int | None = None,
        **fit_options: Any,
    ) -> AutoEncoder:
        """Build a stacked autoencoder by greedy layer-wise training (逐层预训练).

        For each k, a shallow autoencoder ``sizes[k]`` → ``sizes[k+1]`` → ``sizes[k]`` is
        trained (with ``fit(**fit_options)``: epochs, lr, batch_size, noise, ...) to
        reconstruct its input: X for k = 0, the codes of autoencoder k - 1 after that. Its
        encoder becomes layer k of the stacked encoder and its decoder the mirror layer of
        the stacked decoder. The first one reconstructs the data, so its output uses
        ``output_activation``; the others reconstruct codes, so theirs uses ``activation``,
        exactly as the stacked decoder does. With ``noise`` > 0 this is the stacked denoising
        autoencoder of the notes. Fine-tune the result end to end with its ``fit``.

        Returns
        -------
        AutoEncoder
            The stacked model; its ``pretrain_losses_`` holds one loss history per layer.
        """
        X = _matrix(X, "AutoEncoder.greedy_layerwise_pretrain")
        rng = _generator(rng)
        stacked = cls(sizes, activation, tied, output_activation, rng=rng)
        if X.shape[1] != stacked.sizes[0]:
            raise ValueError(
                f"AutoEncoder.greedy_layerwise_pretrain: X has {X.shape[1]} features, sizes "
                f"starts with {stacked.sizes[0]}"
            )
        encoder_layers = _linears(stacked.encoder)
        decoder_layers = _linears(stacked.decoder)[::-1]
        codes, histories = X, []
        for k, (n_in, n_out) in enumerate(zip(stacked.sizes[:-1], stacked.sizes[1:])):
            shallow = cls(
                [n_in, n_out],
                activation,
                tied,
                output_activation if k == 0 else activation,
                rng=rng,
            )
            histories.append(shallow.fit(codes, rng=rng, **fit_options))
            encoder_layers[k].load_state_dict(_linears(shallow.encoder)[0].state_dict())
            decoder_layers[k].load_state_dict(_linears(shallow.decoder)[0].state_dict())
            with ag.no_grad():
                codes = shallow.encode(codes).data
        stacked.pretrain_losses_ = histories
        return stacked
