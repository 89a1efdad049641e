# %% [markdown]
# # 02 · Activation functions
#
# A neuron computes its net input $z = \mathbf{w}^\top\mathbf{x} + b$ and its activation
# $a = f(z)$. The notes ask three things of $f$: continuous and differentiable (except at
# a few points), so that gradient methods apply; cheap to compute; and a derivative whose
# range is neither too small nor too large, or training becomes slow or unstable. This
# notebook looks at every activation of the notes through that last lens — its derivative
# — using `nn.functional` for the functions and the engine for the derivatives.

# %%
# %matplotlib inline
import math

import graphviz
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import viz
from viz.plots import activation_curves

_ = graphviz.set_jupyter_format("png")  # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The catalogue
#
# `viz.plot_activations` draws each function (solid) and its derivative (dashed), the
# derivative computed by reverse mode. From the notes:
#
# * **sigmoid family** — Logistic $\sigma(x) = 1/(1 + e^{-x})$, $\tanh(x) = 2\sigma(2x) - 1$,
#   and their *hard* versions, the first-order Taylor expansions at 0 clipped to the range:
#   $\text{hard-logistic}(x) = \max(\min(0.25x + 0.5, 1), 0)$,
#   $\text{hard-tanh}(x) = \max(\min(x, 1), -1)$;
# * **ReLU family** — $\mathrm{ReLU}(x) = \max(0, x)$,
#   $\mathrm{LeakyReLU}(x) = \max(0, x) + \gamma\min(0, x)$, PReLU (the same with a learned
#   $\gamma_i$), $\mathrm{ELU}(x) = \max(0, x) + \min(0, \gamma(e^x - 1))$ and its smooth
#   cousin $\mathrm{softplus}(x) = \log(1 + e^x)$;
# * **gated** — $\mathrm{swish}(x) = x\,\sigma(\beta x)$ and
#   $\mathrm{GELU}(x) = x\,P(X \le x)$, $X \sim \mathcal{N}(0, 1)$, with its two approximations;
# * **DyT** $= \gamma\tanh(\alpha x) + \beta$.

# %%
viz.plot_activations()

# %% [markdown]
# Each derivative drawn above came from the engine. Checked against the closed forms of
# the notes on a grid that avoids the kinks:

# %%
x = np.linspace(-4, 4, 400)  # does not contain the kinks 0, ±1, ±2
sig = 1 / (1 + np.exp(-x))
phi = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
Phi = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
s5 = 1 / (1 + np.exp(-5 * x))
closed_form = {
    "sigmoid": sig * (1 - sig),  # σ' = σ(1 − σ)
    "tanh": 1 - np.tanh(x) ** 2,  # tanh' = 1 − tanh²
    "hard_logistic": np.where(np.abs(x) < 2, 0.25, 0.0),
    "hard_tanh": np.where(np.abs(x) < 1, 1.0, 0.0),
    "relu": (x > 0).astype(float),
    "leaky_relu (γ=0.1)": np.where(x > 0, 1.0, 0.1),
    "prelu (γ=0.25)": np.where(x > 0, 1.0, 0.25),
    "elu": np.where(x > 0, 1.0, np.exp(x)),  # γ = 1
    "softplus": sig,  # softplus' = σ
    "swish (β=1) = silu": sig + x * sig * (1 - sig),  # σ(βx) + βx σ(βx)(1 − σ(βx))
    "swish (β=5)": s5 + 5 * x * s5 * (1 - s5),
    "gelu": Phi + x * phi,  # Φ(x) + x φ(x)
}
for name, expected in closed_form.items():
    _, dy = activation_curves(name, x)
    check(f"max |engine f′ − closed form|  {name:20s}", np.abs(dy - expected).max(), 1e-12)
y_tanh, _ = activation_curves("tanh", x)
check("max |tanh(x) − (2σ(2x) − 1)|", np.abs(y_tanh - (2 / (1 + np.exp(-2 * x)) - 1)).max(), 1e-15)

# %% [markdown]
# ## 2. Saturation
#
# Logistic and tanh are *saturating on both sides*: $f'(x) \to 0$ as $x \to \pm\infty$. A unit
# whose net input sits far from 0 passes almost no gradient back — the error term
# $\delta = f'(z) \odot (\cdots)$ of backpropagation is multiplied by a tiny $f'(z)$. Two
# numbers tell the story: $\sigma'(x) \le \sigma'(0) = 1/4$ everywhere, and already
# $\sigma'(5) \approx 0.0066$. ReLU saturates on the left only, and has $f' = 1$ on the right.
#
# Below, left: the derivatives on a log scale. Right: the average slope
# $\mathbb{E}[f'(z)]$ when the net inputs are $z \sim \mathcal{N}(0, s^2)$ — what a layer
# sees when its weights (or its inputs) are too large. This is why the notes want
# initial net inputs near 0, and why normalising inputs and batch normalisation help
# (notebook 06). ReLU and GELU pass back half the gradient on average at every scale
# (their curves coincide: for symmetric $z$, $\mathbb{E}[f'(z)] = 1/2$ for both).

# %%
x = np.linspace(-10, 10, 2001)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name in ["sigmoid", "tanh", "relu", "gelu"]:
    _, dy = activation_curves(name, x)
    ax1.semilogy(x, np.maximum(dy, 1e-6), label=name)
ax1.set_ylim(1e-5, 2)
ax1.set_xlabel("x")
ax1.set_ylabel("f′(x) (log scale)")
ax1.set_title("Derivatives")
ax1.legend()

rng = np.random.default_rng(0)
z = rng.standard_normal(100_000)
scales = np.logspace(-1, 1.5, 26)
for name in ["sigmoid", "tanh", "relu", "gelu"]:
    ax2.semilogx(scales, [activation_curves(name, s * z)[1].mean() for s in scales], label=name)
ax2.set_xlabel("spread s of the net inputs z ~ N(0, s²)")
ax2.set_ylabel("mean f′(z)")
ax2.set_title("Average slope a layer passes back")
ax2.legend()
plt.show()

_, d_sig = activation_curves("sigmoid", np.array([0.0, 5.0]))
print(f"σ'(0) = {d_sig[0]:.4f},  σ'(5) = {d_sig[1]:.4f}")
for s in [1, 10]:
    print(
        f"s = {s:2d}:  mean σ'(z) = {activation_curves('sigmoid', s * z)[1].mean():.3f}, "
        f"mean tanh'(z) = {activation_curves('tanh', s * z)[1].mean():.3f}, "
        f"mean relu'(z) = {activation_curves('relu', s * z)[1].mean():.3f}"
    )

# %% [markdown]
# ## 3. Dying ReLU
#
# ReLU's left side is exactly flat. The notes describe the failure this causes: *after one
# improper update, a neuron may never activate again on any training sample*. Its output
# is then 0 everywhere, so $f'(z) = 0$ for every sample, the gradient of its weights is
# exactly zero, and no gradient method can bring it back. Leaky ReLU keeps a slope
# $\gamma$ on the left precisely to avoid this.
#
# The experiment: a 2-64-2 network learns the two-moons problem; then one bad update
# pushes every first-layer bias down by 2 (the kind of step a too-large learning rate
# produces); then training continues with Adam for 20 epochs. A unit counts as **dead**
# when its net input is $\le 0$ on every training sample. A callback of `nn.fit` counts
# the dead units after each epoch.

# %%
X, y = nn.data.make_moons(400, noise=0.15, rng=0)
X, _, _ = nn.data.standardize(X)
loader = nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=32, shuffle=True, rng=0)


def dead_units(model):
    """Boolean mask of first-layer units whose net input is <= 0 on every training sample."""
    with ag.no_grad():
        z = model[0](ag.tensor(X)).data
    return z.max(axis=0) <= 0


class CountDead(nn.Callback):
    def __init__(self):
        self.counts = []

    def on_epoch_end(self, epoch, logs, model):
        self.counts.append(int(dead_units(model).sum()))


results = {}
for name, activation in [("ReLU", nn.ReLU()), ("LeakyReLU (γ = 0.01)", nn.LeakyReLU(0.01))]:
    model = nn.Sequential(nn.Linear(2, 64, rng=1), activation, nn.Linear(64, 2, rng=3))
    before = nn.fit(
        model,
        loader,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(model.parameters(), lr=0.01),
        epochs=10,
        metrics=["accuracy"],
        progress=False,
        log=False,
    )
    model[0].bias.data[...] -= 2.0  # the improper update
    counter = CountDead()
    counter.counts.append(int(dead_units(model).sum()))
    after = nn.fit(
        model,
        loader,
        nn.CrossEntropyLoss(),
        nn.optim.Adam(model.parameters(), lr=0.01),
        epochs=20,
        metrics=["accuracy"],
        callbacks=[counter],
        progress=False,
        log=False,
    )
    results[name] = (model, counter.counts, before["accuracy"] + after["accuracy"])
    print(
        f"{name:22s} dead units: {counter.counts[0]} of 64 after the bad update, "
        f"{counter.counts[-1]} after 20 more epochs;  training accuracy "
        f"{before['accuracy'][-1]:.3f} -> {after['accuracy'][0]:.3f} -> {after['accuracy'][-1]:.3f}"
    )

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
for name, (_, counts, acc) in results.items():
    ax1.plot(range(len(counts)), np.array(counts) / 64, marker=".", label=name)
    ax2.plot(range(1, len(acc) + 1), acc, marker=".", label=name)
ax1.set_xlabel("epochs after the bad update")
ax1.set_ylabel("fraction of dead units")
ax1.set_title("Dead first-layer units")
ax2.axvline(10.5, color="k", ls=":", lw=1)
ax2.annotate("bad update", (10.8, 0.45))
ax2.set_xlabel("epoch")
ax2.set_ylabel("training accuracy")
ax2.set_title("Accuracy")
ax1.legend()
ax2.legend()
plt.show()

# %% [markdown]
# The ReLU units that died stay dead, and the network has to make do with what is left.
# The leaky units receive a gradient $\gamma = 0.01$ times smaller but not zero, and
# Adam — which divides by the gradient's running magnitude — turns even that small signal
# into full-size steps, so many of them come back. The reason is visible in the gradients:

# %%
for name, (model, _, _) in results.items():
    dead = dead_units(model)
    model.zero_grad()
    F.cross_entropy(model(ag.tensor(X)), ag.tensor(y)).backward()
    largest = max(
        np.abs(model[0].weight.grad.data[dead]).max(initial=0),
        np.abs(model[0].bias.grad.data[dead]).max(initial=0),
    )
    print(
        f"{name:22s} {dead.sum():2d} dead units; largest |gradient| over their weights and biases: "
        f"{largest:.2e}"
    )
    if name == "ReLU":
        check("ReLU: max |gradient| of the dead units' parameters", largest, 0.0)

# %% [markdown]
# ## 4. Swish: from linear to ReLU
#
# $\mathrm{swish}(x) = x\,\sigma(\beta x)$ is self-gated: the gate $\sigma(\beta x) \in (0, 1)$
# decides how much of $x$ passes. At $\beta = 0$ the gate is $1/2$ and swish is the linear
# function $x/2$; as $\beta \to \infty$ the gate becomes a step and swish becomes ReLU. It
# *interpolates* between a linear function and ReLU, and for finite $\beta > 0$ it is not
# monotone (a small dip below 0 for negative $x$).
#
# How fast does it approach ReLU? $|\mathrm{swish}_\beta(x) - \mathrm{ReLU}(x)| = |x|\,
# \sigma(-\beta|x|)$, and substituting $t = \beta|x|$ gives
# $\max_x = \frac{1}{\beta}\max_t t\,\sigma(-t) \approx 0.2785/\beta$: the gap shrinks like
# $1/\beta$.

# %%
x = np.linspace(-4, 4, 80001)
fig, ax = plt.subplots(figsize=(7, 4))
for beta in [0, 0.5, 1, 2, 5, 20]:
    ax.plot(x, F.swish(ag.tensor(x), beta).data, label=f"β = {beta}")
ax.plot(x, x / 2, "k:", lw=1, label="x/2")
ax.plot(x, np.maximum(x, 0), "k--", lw=1, label="ReLU")
ax.set_ylim(-1, 4)
ax.set_title("swish(x) = x·σ(βx)")
ax.legend(fontsize=8)
plt.show()

check("β = 0: max |swish − x/2|", np.abs(F.swish(ag.tensor(x), 0.0).data - x / 2).max(), 0.0)
t = np.linspace(0, 5, 500001)
constant = (t / (1 + np.exp(t))).max()
print(f"max_t t·σ(−t) = {constant:.4f}")
for beta in [1, 10, 100, 1000]:
    gap = np.abs(F.swish(ag.tensor(x), float(beta)).data - np.maximum(x, 0)).max()
    print(f"β = {beta:4d}: max |swish − ReLU| = {gap:.3e},  β · gap = {beta * gap:.4f}")

# %% [markdown]
# ## 5. GELU and its two approximations
#
# $\mathrm{GELU}(x) = x\,\Phi(x)$ gates $x$ by the standard normal CDF. The notes give
# two cheaper forms: $0.5x\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3))\bigr)$ and
# $x\,\sigma(1.702x)$. `F.gelu` computes the exact one with `erf` and both approximations
# (`approximate="tanh"` / `"sigmoid"`); their errors, and those of their derivatives:

# %%
x = np.linspace(-6, 6, 120001)
exact, d_exact = activation_curves("gelu", x)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for approx in ["tanh", "sigmoid"]:
    y_approx, d_approx = activation_curves(f"gelu ({approx})", x)
    err, d_err = y_approx - exact, d_approx - d_exact
    i = np.abs(err).argmax()
    print(
        f"{approx:7s}: max |approx − exact| = {np.abs(err).max():.2e} at x = {x[i]:+.2f};  "
        f"max |approx′ − exact′| = {np.abs(d_err).max():.2e}"
    )
    ax1.plot(x, err, label=f"{approx} approximation")
    ax2.plot(x, d_err, label=f"{approx} approximation")
ax1.set_title("GELU: approximation − exact")
ax2.set_title("derivative: approximation − exact")
for ax in (ax1, ax2):
    ax.set_xlabel("x")
    ax.legend()
plt.show()

# %% [markdown]
# The tanh form is accurate to about $5\times10^{-4}$; the sigmoid form $x\sigma(1.702x)$ —
# which is swish with $\beta = 1.702$ — to about $2\times10^{-2}$. Both errors vanish far
# from 0, where GELU is either $x$ or 0.
#
# ## 6. Maxout
#
# A Maxout unit does not squash a scalar net input: it has $K$ weight vectors and takes the
# largest of $K$ net inputs, $\mathrm{maxout}(\mathbf{x}) = \max_k(\mathbf{w}_k^\top\mathbf{x}
# + b_k)$. A maximum of affine functions is convex and piecewise linear, and every convex
# function is the maximum of its tangents — so, as the notes say, Maxout can approximate
# any convex function. With one input and the $K$ tangents of $x^2$ at points $c_k$ spaced
# $h$ apart on $[-2, 2]$ (slope $2c_k$, intercept $-c_k^2$), the largest gap sits halfway
# between tangent points and equals $(h/2)^2$. ReLU itself is a Maxout unit with $K = 2$
# pieces, $x$ and 0.

# %%
x = np.linspace(-2, 2, 4001)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(x, x**2, "k", lw=2, label="x²")
for K in [2, 3, 5, 9]:
    unit = nn.Maxout(1, 1, K)
    c = np.linspace(-2, 2, K)
    unit.weight.data[...] = (2 * c).reshape(1, K, 1)  # tangent at c: 2c·x − c²
    unit.bias.data[...] = (-(c**2)).reshape(1, K)
    with ag.no_grad():
        approx = unit(ag.tensor(x[:, None])).data[:, 0]
    h = 4 / (K - 1)
    check(f"K = {K}: |max error − (h/2)²|", abs(np.abs(approx - x**2).max() - (h / 2) ** 2), 1e-6)
    ax.plot(x, approx, label=f"Maxout, K = {K} pieces")
ax.legend()
ax.set_title("A Maxout unit as a piecewise-linear convex approximation")
plt.show()

relu_unit = nn.Maxout(1, 1, 2)
relu_unit.weight.data[...] = np.array([1.0, 0.0]).reshape(1, 2, 1)
relu_unit.bias.data[...] = 0.0
with ag.no_grad():
    as_relu = relu_unit(ag.tensor(x[:, None])).data[:, 0]
check(
    "Maxout with pieces (x, 0): max |maxout − ReLU|", np.abs(as_relu - np.maximum(x, 0)).max(), 0.0
)

# %% [markdown]
# Learned by gradient descent from a random start, a 5-piece unit fits even better than
# the evenly spaced tangents (which are not the least-squares optimum); at each input the
# gradient flows only into the piece that attains the maximum.

# %%
unit = nn.Maxout(1, 1, 5, rng=0)
xs = ag.tensor(np.linspace(-2, 2, 101)[:, None])
target = xs * xs
opt = nn.optim.Adam(unit.parameters(), lr=0.05)
for _ in range(1500):
    opt.zero_grad()
    loss = F.mse_loss(unit(xs), target)
    loss.backward()
    opt.step()
c = np.linspace(-2, 2, 5)
tangents = np.max(2 * c[None] * xs.data - c[None] ** 2, axis=1)
print(
    f"mean squared error: learned {loss.item():.4f}, evenly spaced tangents "
    f"{np.mean((tangents - xs.data[:, 0] ** 2) ** 2):.4f}"
)
print("learned slopes:", np.sort(unit.weight.data.ravel()))

# %% [markdown]
# ## 7. DyT, dynamic tanh
#
# DyT (Zhu et al., CVPR 2025, *Transformers without Normalization*) replaces a
# normalisation layer by an element-wise $\mathrm{DyT}(x) = \gamma \odot \tanh(\alpha x) + \beta$
# with a learnable scalar $\alpha$ and per-feature $\gamma, \beta$ (`nn.DyT(num_features,
# alpha_init=0.5)`). $\alpha$ sets the scale below which inputs pass almost linearly;
# $\tanh$ squashes larger values, so outliers are bounded by $|\gamma| + |\beta|$ — what a
# normaliser achieves by dividing by a statistic, DyT achieves without computing one.

# %%
x = np.linspace(-8, 8, 801)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for alpha in [0.25, 0.5, 1, 2]:
    ax1.plot(x, F.dyt(ag.tensor(x), alpha, 1.0, 0.0).data, label=f"α = {alpha}")
ax1.set_title("DyT(x) = γ·tanh(αx) + β   (γ = 1, β = 0)")
ax1.legend()

rng = np.random.default_rng(0)
activations = rng.standard_t(df=2, size=(256, 16))  # heavy tails: a few huge values
layer = nn.DyT(16, alpha_init=0.5)
with ag.no_grad():
    squashed = layer(ag.tensor(activations)).data
bins = np.linspace(-10, 10, 81)
ax2.hist(activations.ravel(), bins=bins, alpha=0.5, label="input (Student t, 2 d.o.f.)")
ax2.hist(squashed.ravel(), bins=bins, alpha=0.7, label="after DyT, α = 0.5")
ax2.set_yscale("log")
ax2.set_title("Outliers squashed")
ax2.legend()
plt.show()
print(
    f"largest |input| = {np.abs(activations).max():.1f},  largest |DyT output| = "
    f"{np.abs(squashed).max():.3f}"
)

# α, γ and β are learned: their gradients against central differences
alpha = ag.tensor(np.array([0.5]), requires_grad=True)
gamma = ag.tensor(rng.standard_normal(16), requires_grad=True)
beta = ag.tensor(rng.standard_normal(16), requires_grad=True)
xt = ag.tensor(rng.standard_normal((4, 16)), requires_grad=True)
print(
    "gradcheck of DyT with respect to x, α, γ, β:",
    ag.gradcheck(lambda x, a, g, b: F.dyt(x, a, g, b), [xt, alpha, gamma, beta]),
)

# %% [markdown]
# **Summary.** The derivative decides how an activation trains: sigmoid and tanh saturate
# on both sides ($\sigma' \le 1/4$); ReLU saturates on one side, where whole units can die
# for good; leaky variants, ELU, swish and GELU keep a gradient everywhere. Swish
# interpolates between $x/2$ and ReLU with a gap of $0.2785/\beta$; GELU's tanh approximation
# is about 40 times closer than its sigmoid one; Maxout learns a convex piecewise-linear
# function; DyT bounds activations like a normaliser without computing statistics.
