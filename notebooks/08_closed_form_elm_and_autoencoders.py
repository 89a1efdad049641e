# %% [markdown]
# # 08 · Closed-form learning (ELM) and autoencoders
#
# The last part of the notes leaves backpropagation through the whole network behind in
# two directions. The **extreme learning machine** keeps a single hidden layer but does not
# train it at all: the input weights are random, and the output weights are the solution of
# a linear least-squares problem — a closed form, no iterations. The **autoencoder** trains
# a network whose target is its own input: it learns a compressed representation (the
# code) from unlabelled data, and, in its denoising form, learns to undo corruption.

# %%
# %matplotlib inline
import time

import graphviz
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn

_ = graphviz.set_jupyter_format("png")  # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The extreme learning machine
#
# Hidden unit $i$ computes $G(\mathbf{a}_i, b_i, \mathbf{x}) = g(\mathbf{a}_i^\top\mathbf{x} + b_i)$ with
# $\mathbf{a}_i, b_i$ drawn at random and never changed. Stacking the $N$ training samples
# gives the hidden-layer output matrix $H \in \mathbb{R}^{N \times L}$ (row $n$ is
# $\mathbf{h}(\mathbf{x}_n)$), and the network's output is $H\beta$. With the one-hot targets
# $T \in \mathbb{R}^{N \times C}$, the notes' objective
# $\min_\beta \lVert\beta\rVert_p + C\lVert H\beta - T\rVert_q$ has for $p = q = 2$ the closed forms
#
# $$\hat\beta = H^{+}T \quad\text{(Moore–Penrose pseudo-inverse, the limit } C \to \infty\text{)},
# \qquad \hat\beta = \Bigl(H^\top H + \tfrac{1}{C}I\Bigr)^{-1}H^\top T \quad\text{(ridge)}.$$
#
# `nn.ELM(n_hidden, activation, C=None)` implements both. On the digits, with pixels scaled
# to $[0, 1]$ and the same 80/20 split as notebook 04:

# %%
X_all, y_all = nn.data.load_digits()
order = np.random.default_rng(0).permutation(len(X_all))
X_train, y_train = X_all[order[:1437]] / 16, y_all[order[:1437]]
X_test, y_test = X_all[order[1437:]] / 16, y_all[order[1437:]]


def fit_seconds(fit, repeat=3):
    """Best of a few wall-clock timings (the machine may be busy with other work)."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return result, best


elm, elm_seconds = fit_seconds(lambda: nn.ELM(500, "sigmoid", rng=0).fit(X_train, y_train))
print(elm)
print(
    f"fit in {elm_seconds:.2f} s: training accuracy {elm.score(X_train, y_train):.3f}, "
    f"test accuracy {elm.score(X_test, y_test):.3f}"
)

# the closed form, checked: β is the least-squares solution of Hβ = T
small = nn.ELM(200, "sigmoid", rng=0).fit(X_train, y_train)
with ag.no_grad():
    H = small.hidden(ag.tensor(X_train)).data
T = nn.data.one_hot(y_train, 10)
beta_lstsq = np.linalg.lstsq(H, T, rcond=None)[0]
check(
    "L = 200: max |β from nn.ELM − least-squares solution of Hβ = T|",
    np.abs(small.beta.data - beta_lstsq).max(),
    1e-8,
)
check(
    "L = 200: normal equations, max |Hᵀ(Hβ − T)|",
    np.abs(H.T @ (H @ small.beta.data - T)).max(),
    1e-8,
)


# %% [markdown]
# The same task by gradient descent: the 64-64-10 ReLU network of notebook 04, trained with
# Adam for 20 epochs on the same inputs.


# %%
def train_mlp():
    mlp = nn.Sequential(nn.Linear(64, 64, rng=0), nn.ReLU(), nn.Linear(64, 10, rng=1))
    loader = nn.data.DataLoader(
        nn.data.TensorDataset(X_train, y_train), batch_size=32, shuffle=True, rng=0
    )
    history = nn.fit(
        mlp,
        loader,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(mlp.parameters(), lr=3e-3),
        epochs=20,
        metrics=["accuracy"],
        progress=False,
        log=False,
    )
    return mlp, history


(mlp, history), mlp_seconds = fit_seconds(train_mlp, repeat=1)
with ag.no_grad():
    mlp_test = (mlp(ag.tensor(X_test)).data.argmax(1) == y_test).mean()

print(f"{'':34s} {'fit time':>9s} {'train acc':>10s} {'test acc':>9s}")
print(
    f"{'ELM, 500 random sigmoid units':34s} {elm_seconds:8.2f}s "
    f"{elm.score(X_train, y_train):10.3f} "
    f"{elm.score(X_test, y_test):9.3f}"
)
print(
    f"{'MLP 64-64-10, Adam, 20 epochs':34s} {mlp_seconds:8.2f}s {history['accuracy'][-1]:10.3f} "
    f"{mlp_test:9.3f}"
)

# %% [markdown]
# Comparable accuracy, and the ELM's "training" is a single pseudo-inverse — several
# times faster here, with no learning rate, no epochs and no initialisation to tune. The
# price: the hidden features are random rather than learned, so an ELM needs many more
# hidden units than a trained network (500 against 64), and the cost of the solve grows
# with $L$ (the pseudo-inverse costs $O(NL\min(N, L))$).
#
# ### How many hidden units? Interpolation and the role of $C$
#
# With the pseudo-inverse, the training error falls to zero once $L \ge N$: the $N$ equations
# $H\beta = T$ can then be solved exactly. Right at $L \approx N$, though, $H$ is square and
# badly conditioned, and the exact solution has an enormous norm — it fits the training set
# through wild output weights that generalise terribly. The ridge form's $\frac1C I$ bounds
# $\lVert\beta\rVert$ and removes the problem. (To keep the sweep fast it uses the first
# $N = 500$ training images; the test set is unchanged.)

# %%
N = 500
X_sub, y_sub = X_train[:N], y_train[:N]
sizes = [25, 50, 100, 200, 300, 400, 450, 500, 550, 700, 1000, 1500]
results = {"pseudo-inverse (C = ∞)": None, "ridge, C = 1": 1.0}
curves = {}
for label, C in results.items():
    rows = []
    for L in sizes:
        model = nn.ELM(L, "sigmoid", C=C, rng=0).fit(X_sub, y_sub)
        rows.append(
            (
                model.score(X_sub, y_sub),
                model.score(X_test, y_test),
                np.linalg.norm(model.beta.data),
            )
        )
    curves[label] = np.array(rows)
    print(label)
    for L, (train_acc, test_acc, norm) in zip(sizes, rows):
        print(f"   L = {L:4d}: train {train_acc:.3f}, test {test_acc:.3f}, ‖β‖ = {norm:.1e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for (label, rows), color in zip(curves.items(), ["C0", "C1"]):
    ax1.semilogx(sizes, rows[:, 1], "o-", color=color, label=f"{label}: test")
    ax1.semilogx(sizes, rows[:, 0], "--", color=color, alpha=0.6, label=f"{label}: train")
    ax2.loglog(sizes, rows[:, 2], "o-", color=color, label=label)
for ax in (ax1, ax2):
    ax.axvline(N, color="k", ls=":", lw=1)
    ax.set_xlabel("hidden units L")
ax1.annotate("L = N", (N * 1.05, 0.3))
ax1.set_ylabel("accuracy")
ax1.set_title("ELM accuracy against the number of hidden units")
ax1.legend(fontsize=8)
ax2.set_ylabel("‖β‖ (Frobenius)")
ax2.set_title("Size of the output weights")
ax2.legend(fontsize=8)
plt.show()


# %% [markdown]
# The pseudo-inverse ELM collapses to near-chance test accuracy at $L = N$, where
# $\lVert\beta\rVert$ jumps by more than an order of magnitude, and recovers beyond it (among the infinitely
# many exact solutions, $H^+T$ picks the one of smallest norm, which shrinks again as $L$
# grows). The regularised ELM is smooth in $L$: the $\lVert\beta\rVert$ term of the notes'
# objective is not decoration.
#
# ## 2. Autoencoders
#
# An autoencoder has an encoder $\mathbf{y} = h(\mathbf{x})$ and a decoder
# $\mathbf{r} = f(\mathbf{y})$ and is trained to make the reconstruction error
# $\lVert f(h(\mathbf{x})) - \mathbf{x}\rVert^2$ small. If the code $\mathbf{y}$ is smaller than the
# input (an *undercomplete* autoencoder), the network cannot simply copy: it must keep what
# matters most about the data. A natural baseline is PCA, the best *linear* code of a given
# size for the squared error (a linear autoencoder learns the same subspace). Here
# `nn.AutoEncoder([64, 32, 8], activation="tanh", output_activation="sigmoid")` —
# 64 → 32 → 8 → 32 → 64, with a sigmoid output for pixels in $[0, 1]$ — is trained with Adam
# on the training images; no labels are used.


# %%
def pca_reconstruction(X_fit, X, k):
    mean = X_fit.mean(axis=0)
    components = np.linalg.svd(X_fit - mean, full_matrices=False)[2][:k]
    return (X - mean) @ components.T @ components + mean, (X - mean) @ components.T


autoencoders, codes = {}, {}
for k in [8, 2]:
    ae = nn.AutoEncoder([64, 32, k], activation="tanh", output_activation="sigmoid", rng=0)
    start = time.perf_counter()
    losses = ae.fit(X_train, epochs=60, lr=3e-3, batch_size=32, rng=0)
    seconds = time.perf_counter() - start
    with ag.no_grad():
        reconstruction = ae(X_test).data
        codes[k] = ae.encode(X_test).data
    pca, _ = pca_reconstruction(X_train, X_test, k)
    autoencoders[k] = (ae, reconstruction, pca)
    print(
        f"code size {k}: trained in {seconds:.1f} s; test reconstruction MSE: autoencoder "
        f"{np.mean((reconstruction - X_test) ** 2):.4f}, PCA with {k} components "
        f"{np.mean((pca - X_test) ** 2):.4f}"
    )
print(autoencoders[8][0])


# %%
def show_rows(rows, labels, title, n=10):
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.2 * len(rows)))
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(images[c], 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    plt.show()


_, reconstruction, pca = autoencoders[8]
show_rows(
    [X_test, reconstruction, pca],
    ["original", "autoencoder\n(code 8)", "PCA\n(8 comp.)"],
    "Test digits reconstructed from 8 numbers",
)

# %% [markdown]
# With a code of 8 numbers the nonlinear autoencoder reconstructs the test digits with a
# clearly lower error than 8 principal components. A code of only 2 numbers can be drawn:
# each test image as a point, coloured by its label (which training never saw). The
# autoencoder's code, learned without labels, gathers several digit classes into regions
# of their own, as the first two principal components do — and reconstructs the images
# better from them:

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
_, pca_codes = pca_reconstruction(X_train, X_test, 2)
for ax, (points, title) in zip(
    axes,
    [(codes[2], "autoencoder code (64 → 32 → 2)"), (pca_codes, "first two principal components")],
):
    scatter = ax.scatter(
        points[:, 0], points[:, 1], c=y_test, cmap="tab10", s=14, vmin=-0.5, vmax=9.5
    )
    ax.set_title(title)
fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
plt.show()

# %% [markdown]
# ### Denoising autoencoder
#
# The notes' denoising autoencoder (DAE) is trained to reconstruct the *clean* input from a
# corrupted one: `fit(..., noise=σ)` adds fresh Gaussian noise $\mathcal{N}(0, \sigma^2)$ to
# each minibatch while the loss still compares with the clean images. We train a plain and a
# denoising autoencoder of the same shape (64 → 32 → 64) and feed both test images with
# noise of $\sigma = 0.3$ — large for pixels in $[0, 1]$.

# %%
plain = nn.AutoEncoder([64, 32], output_activation="sigmoid", rng=0)
plain.fit(X_train, epochs=30, lr=1e-2, rng=0)
denoising = nn.AutoEncoder([64, 32], output_activation="sigmoid", rng=0)
denoising.fit(X_train, epochs=30, lr=1e-2, noise=0.3, rng=0)

noisy = X_test + 0.3 * np.random.default_rng(1).standard_normal(X_test.shape)
with ag.no_grad():
    from_plain, from_dae = plain(noisy).data, denoising(noisy).data
    clean_plain, clean_dae = plain(X_test).data, denoising(X_test).data


def mse(a):
    return np.mean((a - X_test) ** 2)


print(
    f"MSE to the clean test images:  noisy input {mse(noisy):.4f}   "
    f"plain AE {mse(from_plain):.4f}   denoising AE {mse(from_dae):.4f}"
)
print(
    f"on clean inputs:               plain AE {mse(clean_plain):.4f}   denoising AE "
    f"{mse(clean_dae):.4f}"
)
show_rows(
    [noisy, from_plain, from_dae, X_test],
    ["noisy input", "plain AE", "denoising AE", "clean"],
    "Denoising: the same noisy test digits through both autoencoders",
)

# %% [markdown]
# Both autoencoders remove much of the noise — projecting onto what digits look like is
# already a denoiser — but the one trained on corrupted inputs does it markedly better. The
# trade-off shows on clean inputs: the plain autoencoder reconstructs those more faithfully,
# the denoising one has learned to smooth. The notes' other variants are options of the same
# class: `tied=True` shares each encoder weight, transposed, with its mirror decoder layer
# (the tied constraint), and `AutoEncoder.greedy_layerwise_pretrain` builds a stacked
# (denoising) autoencoder one layer at a time.
#
# **Summary.** An ELM learns only its output layer, in closed form: one pseudo-inverse,
# accuracy comparable to a trained MLP on the digits, but with many random units, and a
# regularisation constant $C$ that matters near $L = N$. An autoencoder learns a code from
# unlabelled data by reconstructing its input; a small nonlinear code beats PCA of the same
# size, and training on corrupted inputs turns it into a denoiser.
