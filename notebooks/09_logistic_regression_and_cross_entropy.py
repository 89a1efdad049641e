# %% [markdown]
# # 09 · Logistic regression, sigmoid vs softmax, information and cross-entropy
#
# The notes describe a feed-forward network as a stack of Logistic-regression models, and
# its last layer as a classifier: a Logistic regression for two classes,
# $p(y = 1 \mid \mathbf{x}) = a^{(L)}$, or a Softmax regression for $C$ classes,
# $\hat{\mathbf{y}} = \operatorname{softmax}(\mathbf{z}^{(L)})$, trained with the
# cross-entropy loss. This notebook takes those pieces one at a time: Logistic regression as
# a computation graph, why the Logistic function's all-positive outputs slow down the layer
# after it, sigmoid against softmax outputs for the 0–9 digits, and where the cross-entropy
# loss comes from (information, entropy and the KL divergence).

# %%
# %matplotlib inline
import graphviz
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import viz

_ = graphviz.set_jupyter_format("png")  # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. Logistic regression as a computation graph
#
# For one sample $(\mathbf{x}, y)$ with $y \in \{0, 1\}$, Logistic regression computes
#
# $$z = \mathbf{w}^\top\mathbf{x} + b, \qquad \hat y = \sigma(z) = \frac{1}{1 + e^{-z}},
# \qquad \mathcal{L} = -\bigl[y \log \hat y + (1 - y)\log(1 - \hat y)\bigr],$$
#
# the binary cross-entropy. With $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ the chain rule gives
#
# $$\frac{\partial\mathcal{L}}{\partial z}
# = \Bigl(-\frac{y}{\hat y} + \frac{1 - y}{1 - \hat y}\Bigr)\hat y(1 - \hat y) = \hat y - y,
# \qquad \frac{\partial\mathcal{L}}{\partial\mathbf{w}} = (\hat y - y)\,\mathbf{x},
# \qquad \frac{\partial\mathcal{L}}{\partial b} = \hat y - y.$$
#
# The factor $\hat y(1 - \hat y)$ of the sigmoid cancels: the gradient is simply "prediction
# minus label". The engine builds the graph from the same formulas, written with `ag` ops;
# `z.retain_grad()` keeps the gradient of the intermediate $z$.

# %%
x = ag.tensor([1.5, -0.5])
y = 1.0
w = ag.tensor([0.4, 0.8], requires_grad=True)
b = ag.tensor(0.3, requires_grad=True)

z = (w * x).sum() + b
z.retain_grad()
y_hat = ag.sigmoid(z)
L = -(y * ag.log(y_hat) + (1 - y) * ag.log(1 - y_hat))
L.backward()

print(f"z = {z.item():.4f}, ŷ = {y_hat.item():.4f}, L = {L.item():.4f}")
print(f"engine:  dL/dz = {z.grad.item():.6f}, dL/dw = {w.grad.data}, dL/db = {b.grad.item():.6f}")
by_hand = y_hat.item() - y
print(f"by hand: ŷ − y = {by_hand:.6f}, (ŷ − y)x = {by_hand * x.data}")
check("|dL/dz (engine) − (ŷ − y)|", abs(z.grad.item() - by_hand), 1e-12)
check("max |dL/dw (engine) − (ŷ − y)x|", np.abs(w.grad.data - by_hand * x.data).max(), 1e-12)
check("|dL/db (engine) − (ŷ − y)|", abs(b.grad.item() - by_hand), 1e-12)
check(
    "|L − F.binary_cross_entropy(ŷ, y)|",
    abs(L.item() - F.binary_cross_entropy(y_hat, ag.tensor(y)).item()),
    1e-12,
)

# %% [markdown]
# The graph, with the notes' naming of intermediate results $h_1, h_2, \dots$; each tensor
# shows its value and, after `backward`, its gradient.

# %%
viz.draw_graph(L, naming="h")

# %% [markdown]
# ### Training on two Gaussian clouds
#
# Over $N$ samples the loss is the mean of the per-sample losses, so
# $\partial\mathcal{L}/\partial\mathbf{w} = \frac1N\sum_n(\hat y_n - y_n)\mathbf{x}_n$. We
# train $\mathbf{w}, b$ by plain gradient descent on two overlapping Gaussian clouds of 100
# points each. Logistic regression is a linear classifier: its decision boundary
# $\hat y = \frac12$ is the line $\mathbf{w}^\top\mathbf{x} + b = 0$.

# %%
rng = np.random.default_rng(0)
X = np.concatenate([rng.normal([-1.0, -0.5], 0.8, (100, 2)), rng.normal([1.0, 1.0], 0.8, (100, 2))])
y_true = np.concatenate([np.zeros(100), np.ones(100)])

w = ag.zeros(2, requires_grad=True)
b = ag.zeros((), requires_grad=True)
losses = []
for step in range(300):
    y_hat = ag.sigmoid(ag.tensor(X) @ w + b)
    loss = F.binary_cross_entropy(y_hat, y_true)
    w.grad, b.grad = None, None
    loss.backward()
    if step == 0:
        mean_rule = ((y_hat.data - y_true)[:, None] * X).mean(axis=0)
        check(
            "step 0: max |dL/dw − mean (ŷₙ − yₙ)xₙ|", np.abs(w.grad.data - mean_rule).max(), 1e-12
        )
    with ag.no_grad():
        w -= 0.5 * w.grad
        b -= 0.5 * b.grad
    losses.append(loss.item())

accuracy = ((y_hat.data > 0.5) == y_true).mean()
print(f"w = {w.data}, b = {b.item():.3f}; loss {losses[0]:.4f} → {losses[-1]:.4f}")
print(f"training accuracy {accuracy:.3f}")
check("largest step-to-step change of the loss (≤ 0: it never rises)", max(np.diff(losses)), 0)
check("1 − training accuracy", 1 - accuracy, 0.1)

grid = np.linspace(-3.5, 3.5, 200)
G1, G2 = np.meshgrid(grid, grid)
with ag.no_grad():
    P = ag.sigmoid(ag.tensor(np.stack([G1.ravel(), G2.ravel()], 1)) @ w + b).data.reshape(G1.shape)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
shade = ax1.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
ax1.contour(G1, G2, P, levels=[0.5], colors="k")
ax1.plot([], [], "k-", label="boundary ŷ = 0.5")
for label, marker, color in [(0, "o", "C0"), (1, "s", "C3")]:
    ax1.scatter(*X[y_true == label].T, marker=marker, color=color, s=15, label=f"y = {label}")
ax1.set_xlabel("$x_1$")
ax1.set_ylabel("$x_2$")
ax1.set_title("Logistic regression: ŷ = σ(wᵀx + b)")
ax1.legend(loc="upper left")
fig.colorbar(shade, ax=ax1, label="ŷ")
ax2.plot(losses, label="binary cross-entropy")
ax2.set_xlabel("gradient-descent step")
ax2.set_ylabel("mean loss")
ax2.set_title("Training loss (learning rate 0.5)")
ax2.legend()
plt.show()

# %% [markdown]
# ## 2. The Logistic function is not zero-centred
#
# The notes list this as a drawback of the Logistic function (and of ReLU): its outputs are
# all positive, $\sigma(x) \in (0, 1)$, while $\tanh(x) = 2\sigma(2x) - 1 \in (-1, 1)$ is
# zero-centred. Take a unit of the next layer, $z = \mathbf{w}^\top\mathbf{a} + b$, whose
# inputs are the outputs $\mathbf{a} = \sigma(\mathbf{h})$ of a Logistic layer, and write
# $\delta = \partial\mathcal{L}/\partial z$. Then
#
# $$\frac{\partial\mathcal{L}}{\partial w_i} = \delta\, a_i, \qquad a_i > 0,$$
#
# so for every sample **all components of $\partial\mathcal{L}/\partial\mathbf{w}$ have the
# sign of $\delta$**: a gradient step can raise all of the unit's weights together or lower
# them all together, never raise some and lower others. We check it with the engine, sample
# by sample, for a unit with 5 inputs and a binary cross-entropy loss, once with Logistic
# inputs and once with tanh inputs.

# %%
rng = np.random.default_rng(1)
H_pre = rng.standard_normal((20, 5))  # the previous layer's pre-activations h, 20 samples
labels = rng.integers(0, 2, 20).astype(float)
w0 = rng.standard_normal(5)


def per_sample_gradients(activation):
    """dLₙ/dw and δₙ = dLₙ/dz for each sample, by the engine (one backward pass per sample)."""
    grads, deltas = [], []
    for h, y in zip(H_pre, labels):
        w = ag.tensor(w0, requires_grad=True)
        z = (w * activation(ag.tensor(h))).sum() + 0.1
        z.retain_grad()
        F.binary_cross_entropy(ag.sigmoid(z), ag.tensor(y)).backward()
        grads.append(w.grad.data)
        deltas.append(z.grad.item())
    return np.array(grads), np.array(deltas)


same_sign = {}
for name, activation in [("logistic", ag.sigmoid), ("tanh", ag.tanh)]:
    grads, deltas = per_sample_gradients(activation)
    signs = np.sign(grads)
    same_sign[name] = np.mean(np.all(signs == np.sign(deltas)[:, None], axis=1))
    print(f"{name} inputs: signs of dL/dw for the first 4 samples (δ's sign first)")
    for delta, row in zip(deltas[:4], signs[:4]):
        print(f"   δ {'+' if delta > 0 else '−'} | " + " ".join("+" if s > 0 else "−" for s in row))
    print(f"   fraction of the 20 samples where every dL/dwᵢ has the sign of δ: {same_sign[name]}")

check(
    "logistic inputs: 1 − fraction of samples with all dL/dwᵢ of δ's sign",
    1 - same_sign["logistic"],
    0,
)
check("tanh inputs: fraction of samples with all dL/dwᵢ of δ's sign", same_sign["tanh"], 0.5)

# %% [markdown]
# The **bias shift** of the notes: the Logistic outputs have mean $\approx \frac12$ rather than
# 0, so the next unit's input $\mathbf{w}^\top\mathbf{a}$ is offset by
# $\mathbb{E}[\mathbf{w}^\top\mathbf{a}] = \mathbf{w}^\top\mathbb{E}[\mathbf{a}] \approx
# \frac12\sum_i w_i$ — a bias that is not the unit's own $b$ and that moves whenever any
# weight moves. With tanh inputs the offset vanishes. (On 10 000 samples with
# $h \sim \mathcal{N}(0, 1)$, for the weights $\mathbf{w} = (0.8, 0.5, -0.3, 0.9, 0.6)$:)

# %%
h = np.random.default_rng(2).standard_normal((10_000, 5))
w_next = np.array([0.8, 0.5, -0.3, 0.9, 0.6])
for name, activation in [("logistic", ag.sigmoid), ("tanh", ag.tanh)]:
    a = activation(ag.tensor(h)).data
    shift = (a @ w_next).mean()
    print(
        f"{name:8s}: mean of the outputs a {a.mean():+.4f}; mean of wᵀa {shift:+.4f} "
        f"(½ Σwᵢ = {0.5 * w_next.sum():+.4f})"
    )
    expected_mean, expected_shift = (0.5, 0.5 * w_next.sum()) if name == "logistic" else (0.0, 0.0)
    check(f"{name}: |mean of the outputs − {expected_mean}|", abs(a.mean() - expected_mean), 0.01)
    check(f"{name}: |mean of wᵀa − {expected_shift:.4f}|", abs(shift - expected_shift), 0.02)

# %% [markdown]
# ### The zig-zag path
#
# The notes' picture: of the four quadrants of the $(\Delta w_1, \Delta w_2)$ plane, a unit
# with Logistic inputs can only step into the first (both weights up) or the third (both
# down). If the weights must go right *and* down (the fourth quadrant) to reach the optimum,
# gradient descent has to zig-zag. A 2-weight example: $z = w_1a_1 + w_2a_2$ learns the target
# $t = \mathbf{w}^{*\top}\mathbf{a}$ with $\mathbf{w}^* = (2, -1)$ from $\mathbf{w} = (0, 0)$,
# by stochastic gradient descent (one sample per step) on $\frac12(z - t)^2$, on 50 samples
# $\mathbf{a} = \sigma(\mathbf{h})$ or $\mathbf{a} = \tanh(\mathbf{h})$,
# $\mathbf{h} \sim \mathcal{N}(0, 2^2 I)$, with the same learning rate 0.2.

# %%
h = np.random.default_rng(3).normal(0.0, 2.0, (50, 2))
w_star = np.array([2.0, -1.0])


def sgd_path(activation, epochs=6, lr=0.2):
    """The weights after every single-sample gradient step."""
    inputs = activation(ag.tensor(h))
    targets = inputs.data @ w_star
    w = ag.zeros(2, requires_grad=True)
    path = [w.data.copy()]
    for _ in range(epochs):
        for a, t in zip(inputs, targets):
            w.grad = None
            (0.5 * ((w * a).sum() - t) ** 2).backward()
            with ag.no_grad():
                w -= lr * w.grad
            path.append(w.data.copy())
    return np.array(path), inputs.data


paths, steps_needed, conditions = {}, {}, {}
for name, activation in [("logistic", ag.sigmoid), ("tanh", ag.tanh)]:
    path, inputs = sgd_path(activation)
    steps = np.diff(path, axis=0)
    close = np.linalg.norm(path - w_star, axis=1) < 0.05
    check(f"{name}: distance to w* after the last step", np.linalg.norm(path[-1] - w_star), 0.05)
    paths[name], steps_needed[name] = path, int(np.argmax(close))
    moments = inputs.T @ inputs / len(inputs)  # the loss's Hessian E[a aᵀ]
    conditions[name] = np.linalg.cond(moments)
    opposite = np.mean(steps[:, 0] * steps[:, 1] < 0)
    print(
        f"{name:8s}: steps with Δw₁, Δw₂ of opposite signs {opposite:.0%}; "
        f"condition number of E[aaᵀ] {conditions[name]:.1f}; "
        f"steps to come within 0.05 of w*: {steps_needed[name]}"
    )
    if name == "logistic":
        check(
            "logistic: largest −Δw₁·Δw₂ over all steps (≤ 0: never the 2nd/4th quadrant)",
            max(-steps[:, 0] * steps[:, 1]),
            0,
        )
check("tanh's condition number / logistic's", conditions["tanh"] / conditions["logistic"], 0.5)
check(
    "logistic needs more steps than tanh: tanh steps / logistic steps",
    steps_needed["tanh"] / steps_needed["logistic"],
    0.5,
)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, (name, path) in zip(axes, paths.items()):
    ax.plot(*path[:60].T, ".-", lw=1, ms=4, label="first 60 SGD steps")
    ax.plot(*path.T, "-", lw=0.5, alpha=0.4, color="C0")
    ax.plot(*w_star, "r*", ms=14, label="optimum w* = (2, −1)")
    ax.plot(0, 0, "ko", label="start")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(f"{name} inputs: {steps_needed[name]} steps to reach w*")
    ax.set_ylim(-1.7, 0.2)
    ax.set_aspect("equal")
    ax.legend(loc="lower left")
plt.show()

# %% [markdown]
# With Logistic inputs every step goes up-right or down-left, so the path to the optimum,
# down-right of the start, is a staircase; with tanh inputs the steps point in every
# direction and the path is direct. In terms of the loss surface: the positive mean of
# $\mathbf{a}$ makes $\mathbb{E}[\mathbf{a}\mathbf{a}^\top]$ (the Hessian of the mean loss)
# badly conditioned, a long narrow valley, and gradient descent crosses a narrow valley
# slowly. The notes' remedies are to centre the outputs (use tanh, or normalise) and to give
# the next layer a learnable bias $b$ that can absorb the shift.

# %% [markdown]
# ## 3. Ten sigmoid outputs or one softmax for the digits 0–9
#
# The notes compare two output layers for recognising the digits 0–9. **Sigmoid**: each of
# the 10 output units passes its own value through $\sigma$, giving 10 *independent*
# probabilities $\sigma(z_k)$ — "is it a 3?", "is it an 8?" — trained with the binary
# cross-entropy of each unit against the one-hot label. **Softmax**: the 10 values form one
# vector, $\hat y_k = e^{z_k} / \sum_j e^{z_j}$, a *single distribution* over mutually
# exclusive classes, trained with the cross-entropy
# $\mathcal{L}(\mathbf{y}, \hat{\mathbf{y}}) = -\mathbf{y}^\top\log\hat{\mathbf{y}}$. We train
# the same 64-32-10 network (same initial weights, Adam, 10 epochs) both ways on the shipped
# $8\times8$ digits; only the output nonlinearity and its loss differ.

# %%
X_all, y_all = nn.data.load_digits()
order = np.random.default_rng(0).permutation(len(X_all))
X_train, y_train = X_all[order[:1437]] / 16, y_all[order[:1437]]
X_test, y_test = X_all[order[1437:]] / 16, y_all[order[1437:]]
T_train = nn.data.one_hot(y_train, 10)


def train_digits(loss_fn, epochs=10):
    """A 64-32-10 tanh network returning the logits z; trained with Adam on minibatches."""
    net = nn.Sequential(nn.Linear(64, 32, rng=0), nn.Tanh(), nn.Linear(32, 10, rng=1))
    optimizer = nn.optim.Adam(net.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(len(X_train)), 45):
            optimizer.zero_grad()
            loss_fn(net(ag.tensor(X_train[batch])), batch).backward()
            optimizer.step()
    return net


sigmoid_net = train_digits(lambda z, batch: F.binary_cross_entropy(ag.sigmoid(z), T_train[batch]))
softmax_net = train_digits(lambda z, batch: F.cross_entropy(z, y_train[batch]))
with ag.no_grad():
    sigmoid_out = ag.sigmoid(sigmoid_net(ag.tensor(X_test))).data
    softmax_out = ag.softmax(softmax_net(ag.tensor(X_test)), axis=1).data

for name, out in [("10 sigmoids + BCE", sigmoid_out), ("softmax + cross-entropy", softmax_out)]:
    sums = out.sum(axis=1)
    print(
        f"{name:24s}: test accuracy {(out.argmax(1) == y_test).mean():.3f}; "
        f"Σₖ ŷₖ over the test images from {sums.min():.3f} to {sums.max():.3f}"
    )
check("softmax: max |Σₖ ŷₖ − 1| over the test images", np.abs(softmax_out.sum(1) - 1).max(), 1e-12)
check(
    "sigmoid: 0.05 − max |Σₖ ŷₖ − 1| (≤ 0: the sums are not 1)",
    0.05 - np.abs(sigmoid_out.sum(1) - 1).max(),
    0,
)
for name, out in [("sigmoid", sigmoid_out), ("softmax", softmax_out)]:
    check(f"{name}: test error rate", (out.argmax(1) != y_test).mean(), 0.1)

# %% [markdown]
# Both output layers classify well (the argmax is what decides), but only the softmax
# outputs are a distribution. The difference shows on an ambiguous image: we take the test
# digit on which the softmax network is least sure (its largest probability is the smallest).

# %%
index = int(softmax_out.max(axis=1).argmin())
top_three = np.argsort(softmax_out[index])[::-1][:3]
print(
    f"test image {index}, label {y_test[index]}; softmax's three most probable digits {top_three}"
)
print(f"sigmoid outputs: {sigmoid_out[index]}  (sum {sigmoid_out[index].sum():.3f})")
print(f"softmax outputs: {softmax_out[index]}  (sum {softmax_out[index].sum():.3f})")
check(
    "sigmoid: largest output on this image (< ½: no digit claimed)", sigmoid_out[index].max(), 0.5
)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5), gridspec_kw={"width_ratios": [1, 2, 2]})
axes[0].imshow(X_test[index].reshape(8, 8), cmap="gray_r")
axes[0].set_title(f"test image {index} (label {y_test[index]})")
axes[0].grid(False)
axes[0].set_xticks([])
axes[0].set_yticks([])
for ax, out, name, color in [
    (axes[1], sigmoid_out, "10 independent sigmoids", "C1"),
    (axes[2], softmax_out, "softmax (one distribution)", "C0"),
]:
    ax.bar(range(10), out[index], color=color, label=f"Σₖ ŷₖ = {out[index].sum():.2f}")
    ax.set_xticks(range(10))
    ax.set_ylim(0, 1)
    ax.set_xlabel("digit k")
    ax.set_ylabel("output ŷₖ")
    ax.set_title(name)
    ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# The sigmoid units answer ten separate yes/no questions. On this image every one of them
# answers "probably not" — the network can say "none of the ten" — while softmax has to
# share out a whole unit of probability and spreads it over 7, 8 and 9. On other images
# several sigmoid units can be high at once; either way their sum is not 1. That suits
# *multi-label* tasks (an image may contain several objects). For exclusive classes such as
# the digits, softmax makes the outputs compete: raising one lowers the others, and the
# vector reads directly as $p(y = k \mid \mathbf{x})$.

# %% [markdown]
# ## 4. Information, entropy, KL divergence and cross-entropy
#
# Why is the classification loss $-\mathbf{y}^\top\log\hat{\mathbf{y}}$? The notes build it
# up from information theory (natural logarithms here, so the unit is the nat; $\log_2$
# gives bits).
#
# * **Information content** of an event of probability $P(x)$: $I(x) = -\log P(x)$ — the
#   less likely the event, the more information its occurrence carries; a certain event
#   carries none.
# * **Entropy**, the expected information content:
#   $H(p) = -\sum_{i=1}^n p(x_i)\log p(x_i)$. (The notes' slide drops the minus sign; with it
#   $H \ge 0$.)
# * **Relative entropy (KL divergence)** of the predicted distribution $q$ from the true one
#   $p$: $D_{KL}(p \parallel q) = \sum_{i=1}^n p(x_i)\log\frac{p(x_i)}{q(x_i)}$.
# * **Cross-entropy**: $H(p, q) = -\sum_{i=1}^n p(x_i)\log q(x_i)$, and splitting the
#   logarithm as the notes do,
#
# $$D_{KL}(p \parallel q) = \sum_i p(x_i)\log p(x_i) - \sum_i p(x_i)\log q(x_i)
# = -H(p) + H(p, q), \qquad\text{i.e.}\qquad H(p, q) = H(p) + D_{KL}(p \parallel q).$$
#
# $H(p)$ does not depend on the model's $q$, so minimising the cross-entropy over $q$ is
# minimising the KL divergence — and the cross-entropy is the simpler of the two to compute.
# **Gibbs' inequality** says $D_{KL}(p \parallel q) \ge 0$, with equality only for $q = p$
# (from $\log t \le t - 1$:
# $-D_{KL} = \sum_i p_i\log\frac{q_i}{p_i} \le \sum_i p_i(\frac{q_i}{p_i} - 1) = 0$).
# So $H(p, q) \ge H(p)$, and the smallest cross-entropy is reached at $q = p$.
#
# The formulas with `ag` ops, checked on 1000 random pairs of distributions over 6 outcomes
# (rows drawn from a Dirichlet distribution):


# %%
def information(P):
    return -ag.log(P)


def entropy(p):
    return (p * information(p)).sum(axis=-1)


def kl_divergence(p, q):
    return (p * ag.log(p / q)).sum(axis=-1)


def cross_entropy(p, q):
    return -(p * ag.log(q)).sum(axis=-1)


rng = np.random.default_rng(4)
p = ag.tensor(rng.dirichlet(np.ones(6), 1000))
q = ag.tensor(rng.dirichlet(np.ones(6), 1000))
H_p, H_pq, D_pq = entropy(p).data, cross_entropy(p, q).data, kl_divergence(p, q).data
print(f"first pair: p = {p.data[0]}\n            q = {q.data[0]}")
print(
    f"H(p) = {H_p[0]:.4f}, H(p, q) = {H_pq[0]:.4f}, KL(p‖q) = {D_pq[0]:.4f}, "
    f"KL(q‖p) = {kl_divergence(q, p).data[0]:.4f} (not symmetric)"
)
print(f"smallest KL(p‖q) over the 1000 pairs: {D_pq.min():.4f}")
check("max |H(p, q) − (H(p) + KL(p‖q))|", np.abs(H_pq - (H_p + D_pq)).max(), 1e-12)
check("Gibbs: largest −KL(p‖q) (≤ 0)", (-D_pq).max(), 0)
check("max |KL(p‖p)|", np.abs(kl_divergence(p, p).data).max(), 1e-15)
check(
    "0.1 − |KL(p‖q) − KL(q‖p)| for the first pair (≤ 0: not symmetric)",
    0.1 - abs(D_pq[0] - kl_divergence(q, p).data[0]),
    0,
)
check("information of a certain event, |I(1)|", abs(information(ag.tensor(1.0)).item()), 0)
check("0 ≤ H(p) ≤ log 6: largest violation", max(-H_p.min(), H_p.max() - np.log(6)), 0)
check("|H(uniform over 6) − log 6|", abs(entropy(ag.full((6,), 1 / 6)).item() - np.log(6)), 1e-15)

# %% [markdown]
# ### Minimising the cross-entropy drives $q$ to $p$
#
# Let the model's distribution be $q = \operatorname{softmax}(\boldsymbol\theta)$ and
# minimise $H(p, q)$ over $\boldsymbol\theta$ with the engine's gradient (which is
# $q - p$) by gradient descent. The loss falls to $H(p)$, the KL divergence to 0, and $q$
# becomes $p$.

# %%
p_target = ag.tensor([0.05, 0.1, 0.4, 0.3, 0.1, 0.05])
theta = ag.zeros(6, requires_grad=True)
history = []
for step in range(100):
    q_model = ag.softmax(theta, axis=0)
    loss = cross_entropy(p_target, q_model)
    theta.grad = None
    loss.backward()
    if step == 0:
        check(
            "step 0: max |dH(p, q)/dθ − (q − p)|",
            np.abs(theta.grad.data - (q_model.data - p_target.data)).max(),
            1e-12,
        )
    with ag.no_grad():
        theta -= 2.0 * theta.grad
    history.append((loss.item(), kl_divergence(p_target, q_model).item()))
q_final = ag.softmax(theta, axis=0).data
history = np.array(history)
print(f"p           = {p_target.data}\nq after 100 = {q_final}")
print(f"H(p) = {entropy(p_target).item():.6f}, final H(p, q) = {history[-1, 0]:.6f}")
check("max |q − p| after 100 steps", np.abs(q_final - p_target.data).max(), 1e-4)
check("KL(p‖q) after 100 steps", kl_divergence(p_target, ag.tensor(q_final)).item(), 1e-8)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(history[:, 0], label="cross-entropy H(p, q)")
ax1.axhline(entropy(p_target).item(), color="k", ls="--", label="entropy H(p)")
ax1.set_xlabel("gradient-descent step")
ax1.set_ylabel("nats")
ax1.set_title("H(p, q) = H(p) + KL(p‖q) falls to H(p)")
ax1.legend()
ax2.semilogy(history[:, 1], color="C1", label="KL(p‖q)")
ax2.set_xlabel("gradient-descent step")
ax2.set_ylabel("nats (log scale)")
ax2.set_title("The KL divergence falls to 0")
ax2.legend()
plt.show()

# %% [markdown]
# ### One-hot $p$: cross-entropy is the negative log-likelihood
#
# For a labelled sample the true distribution is one-hot, $p = \mathbf{y}$ with a 1 at the
# label $y$. Then $H(\mathbf{y}) = 0$ (with $0\log 0 = 0$: a certain outcome carries no
# information), the
# cross-entropy equals the KL divergence, and it collapses to a single term:
#
# $$H(\mathbf{y}, \hat{\mathbf{y}}) = -\mathbf{y}^\top\log\hat{\mathbf{y}} = -\log\hat y_{y},$$
#
# the negative log-likelihood of the correct class — the notes' loss
# $\mathcal{L}(\mathbf{y}, \hat{\mathbf{y}})$ with
# $\hat{\mathbf{y}} = \operatorname{softmax}(\mathbf{z})$.
# `nn.functional.cross_entropy` computes it from the logits $\mathbf{z}$ (in the stable form
# $\log\sum_j e^{z_j} - z_y$); on 8 random logit vectors:

# %%
rng = np.random.default_rng(5)
logits = ag.tensor(rng.normal(0, 3, (8, 10)))
digits = rng.integers(0, 10, 8)
q_hat = ag.softmax(logits, axis=1)
ours = cross_entropy(ag.tensor(nn.data.one_hot(digits, 10)), q_hat).data
nll = -np.log(q_hat.data[np.arange(8), digits])
library = F.cross_entropy(logits, digits, reduction="none").data
print(f"H(y, ŷ) with ag ops: {ours}")
print(f"−log ŷ_y           : {nll}")
print(f"F.cross_entropy     : {library}")
check("max |H(y, ŷ) − (−log ŷ_y)|", np.abs(ours - nll).max(), 1e-12)
check("max |H(y, ŷ) − F.cross_entropy(z, y)|", np.abs(ours - library).max(), 1e-12)

# %% [markdown]
# **Summary.** Logistic regression is a small graph (linear map, σ, binary cross-entropy)
# whose loss gradient is simply $(\hat y - y)\mathbf{x}$; the same cancellation makes
# softmax with cross-entropy give $\hat{\mathbf{y}} - \mathbf{y}$. The Logistic function's positive outputs make every
# weight gradient of the next unit share one sign, shift that unit's input, and turn
# gradient descent into a zig-zag; tanh's zero-centred outputs avoid it. Ten sigmoid
# outputs give independent probabilities, softmax one distribution. And the cross-entropy
# loss is the KL divergence from the labels up to the constant $H(p)$: minimising it moves
# the model's distribution onto the data's, and with one-hot labels it is $-\log\hat y_y$.
