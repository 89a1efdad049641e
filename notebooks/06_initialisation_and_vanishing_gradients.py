# %% [markdown]
# # 06 · Initialisation, batch normalisation and vanishing gradients
#
# Where training starts matters as much as how it moves. This notebook measures the
# notes' claims about initialisation — why not zeros, why small random values of the
# right scale (uniform, Xavier, He) — then batch normalisation, and finally the
# vanishing gradient of deep sigmoid networks, which the notes identify with the error
# recursion $\boldsymbol\delta^{(l)} = f'(\mathbf{z}^{(l)}) \odot (W^{(l+1)})^\top\boldsymbol\delta^{(l+1)}$.

# %%
# %matplotlib inline
import graphviz
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

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
# ## 1. Zero (or any constant) initialisation: the symmetry problem
#
# If every weight of a layer starts equal, every hidden unit computes the same value,
# receives the same error term and the same gradient, and takes the same step — so the
# units stay identical for ever, and a layer of 8 units is worth one. We train a 2-8-2
# tanh network on the two moons with all weights and biases set to zero, with all set to
# 0.5, and with the default random initialisation, and then compare the 8 hidden units.

# %%
X, y = nn.data.make_moons(300, noise=0.15, rng=0)
X, _, _ = nn.data.standardize(X)
Xt, yt = ag.tensor(X), ag.tensor(y)


def train_moons(init_value=None, steps=500, lr=0.5):
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
    if init_value is not None:
        for p in model.parameters():
            nn.init.constant_(p, init_value)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(Xt), yt).backward()
        opt.step()
    with ag.no_grad():
        accuracy = (model(Xt).data.argmax(1) == y).mean()
    return model, accuracy


for label, value in [("all zeros", 0.0), ("all 0.5", 0.5), ("random U(−1/√n, 1/√n)", None)]:
    model, accuracy = train_moons(value)
    W1, b1, W2 = model[0].weight.data, model[0].bias.data, model[2].weight.data
    spread = max(np.abs(W1 - W1[0]).max(), np.abs(b1 - b1[0]).max(), np.abs(W2 - W2[:, :1]).max())
    print(
        f"{label:22s} accuracy {accuracy:.3f};  largest difference between two hidden units' "
        f"parameters: {spread:.2e}"
    )
    if value is not None:
        check(f"   {label}: the 8 hidden units are still identical, max difference", spread, 0.0)
print("\nhidden-layer weights W(1) after training from all zeros (one row per unit):")
print(train_moons(0.0)[0][0].weight.data)

# %% [markdown]
# From a constant start the eight units are bit-for-bit identical after 500 steps of
# gradient descent: from 0.5 they learn, but all alike, so the network computes exactly what
# a single hidden unit could — a straight decision boundary, 87 % on the moons. From all
# zeros it is worse still: with tanh, $\mathbf{a}^{(1)} = \tanh(\mathbf{0}) = \mathbf{0}$ makes
# $\partial\mathcal{L}/\partial W^{(2)} = \boldsymbol\delta^{(2)}(\mathbf{a}^{(1)})^\top = 0$, and
# $W^{(2)} = 0$ makes $\boldsymbol\delta^{(1)} = f'(\mathbf{z}^{(1)}) \odot (W^{(2)})^\top\boldsymbol\delta^{(2)} = \mathbf{0}$,
# so only the output bias ever moves — the weights printed above are still exactly zero,
# and the accuracy is that of guessing one class. Random values break the tie.
#
# ## 2. The scale: uniform, Xavier, He
#
# Random, but how large? The notes' argument: with independent zero-mean weights and
# inputs, a net input $z_i = \sum_{j=1}^{n} w_{ij} a_j$ has
#
# $$\operatorname{Var}(z^{(l)}) = n^{(l-1)}\,\operatorname{Var}(W^{(l)})\,\operatorname{Var}(a^{(l-1)}),$$
#
# so the signal keeps its size through a layer only if $n\operatorname{Var}(W) = 1$ (for an
# activation that is linear near 0). Three choices, in `nn.init`:
#
# * the notes' **uniform** $U(-1/\sqrt n, 1/\sqrt n)$ (`uniform_fan_in_`, the default of
#   `nn.Linear`): $\operatorname{Var}(W) = \frac{1}{3n}$, so each layer shrinks the variance
#   threefold — harmless in a shallow network, fatal in a deep one;
# * **Xavier** $\mathcal{N}(0, 1/n)$ (`xavier_normal_(w, mode="fan_in")`, the notes' form;
#   Glorot and Bengio's original averages fan-in and fan-out): $n\operatorname{Var}(W) = 1$;
# * **He** $\mathcal{N}(0, 2/n)$ (`kaiming_normal_(w, nonlinearity="relu")`): ReLU zeroes
#   half of its inputs, which halves the second moment, and the factor 2 compensates.
#
# First the formula, checked on one layer with standard normal inputs ($n = 256$):

# %%
n, width, depth = 256, 256, 10
rng = np.random.default_rng(0)
x = rng.standard_normal((1000, n))

inits = {
    "uniform U(−1/√n, 1/√n)": (lambda w, r: nn.init.uniform_fan_in_(w, rng=r), 1 / (3 * n)),
    "Xavier N(0, 1/n)": (lambda w, r: nn.init.xavier_normal_(w, mode="fan_in", rng=r), 1 / n),
    "He N(0, 2/n)": (lambda w, r: nn.init.kaiming_normal_(w, nonlinearity="relu", rng=r), 2 / n),
}
for name, (init, var_w) in inits.items():
    layer = nn.Linear(n, width, bias=False)
    init(layer.weight, rng)
    with ag.no_grad():
        z = layer(ag.tensor(x)).data
    predicted = n * var_w * x.var()
    print(
        f"{name:24s} Var(W) = {layer.weight.data.var():.2e} (target {var_w:.2e});  "
        f"Var(z) = {z.var():.3f}, predicted n·Var(W)·Var(x) = {predicted:.3f}"
    )


# %% [markdown]
# Then ten layers of width 256, each initialisation with tanh and with ReLU: the standard
# deviation of the activations $a^{(l)}$ layer by layer, for a batch of 1000 standard normal
# inputs.


# %%
def deep_activations(activation, init, depth=10, seed=0):
    r = np.random.default_rng(seed)
    a = ag.tensor(x)
    stds, samples = [], []
    with ag.no_grad():
        for _ in range(depth):
            layer = nn.Linear(width, width, bias=False)
            init(layer.weight, r)
            a = activation(layer(a))
            stds.append(a.data.std())
            samples.append(a.data.ravel())
    return np.array(stds), samples


fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
stats = {}
for ax, (act_name, activation) in zip(axes, [("tanh", ag.tanh), ("ReLU", ag.relu)]):
    for name, (init, _) in inits.items():
        stds, samples = deep_activations(activation, init)
        stats[act_name, name] = (stds, samples)
        ax.semilogy(range(1, depth + 1), stds, "o-", label=name)
    ax.set_title(f"{act_name} network")
    ax.set_xlabel("layer l")
    ax.legend(fontsize=8)
axes[0].set_ylabel("std of the activations a(l)")
plt.show()
for key in [
    ("tanh", "uniform U(−1/√n, 1/√n)"),
    ("ReLU", "Xavier N(0, 1/n)"),
    ("ReLU", "He N(0, 2/n)"),
]:
    stds = stats[key][0]
    print(
        f"{key[0]:4s} + {key[1]:24s} std per layer shrinks by a factor "
        f"{np.exp(np.mean(np.diff(np.log(stds[3:])))):.3f}"
    )

# %% [markdown]
# The measured factors per layer match the variance argument: $1/\sqrt3 \approx 0.577$ for
# tanh with the uniform rule (tanh is nearly linear for such small inputs),
# $1/\sqrt2 \approx 0.707$ for ReLU with Xavier (ReLU halves the second moment, nothing
# compensates), and about 1 for ReLU with He. With tanh, Xavier keeps the signal alive
# but slowly shrinking (tanh is *less* than linear away from 0); He is too large for tanh
# and pushes units towards saturation. The histograms for the tanh network show both
# failure modes — collapse to 0 and pile-up at ±1:

# %%
fig, axes = plt.subplots(3, 3, figsize=(11, 6), sharex=True)
for row, name in enumerate(inits):
    samples = stats["tanh", name][1]
    for col, layer in enumerate([1, 4, 10]):
        ax = axes[row, col]
        ax.hist(samples[layer - 1], bins=np.linspace(-1, 1, 61), color=f"C{row}")
        ax.set_yticks([])
        if row == 0:
            ax.set_title(f"layer {layer}")
        if col == 0:
            ax.set_ylabel(name.split(" ")[0])
fig.suptitle("tanh activations a(l) in a 10-layer network, per initialisation")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Vanishing gradients
#
# The same arithmetic runs backwards. Each layer of the error recursion multiplies
# $\boldsymbol\delta$ by $(W^{(l+1)})^\top$ and by $f'(\mathbf{z}^{(l)})$, and for the logistic
# function $f' = \sigma(1 - \sigma) \le 1/4$. With weights of the notes' scale the product
# shrinks at every layer, and the first layers of a deep sigmoid network receive almost no
# gradient. `viz.plot_gradient_flow()` shows $\lVert\partial\mathcal{L}/\partial W^{(l)}\rVert$
# per layer for a 10-layer sigmoid network (Xavier initialisation) and the same network
# with ReLU (He initialisation), after one backward pass:

# %%
viz.plot_gradient_flow()

# %% [markdown]
# Now four 8-layer networks of width 64 on the digits: sigmoid and ReLU with the default
# (uniform) initialisation, ReLU with He initialisation, and sigmoid with a batch
# normalisation layer before every activation. First their gradient flow at
# initialisation, on one minibatch:

# %%
X_digits, y_digits = nn.data.load_digits()
order = np.random.default_rng(0).permutation(len(X_digits))
X_train, _, _ = nn.data.standardize(X_digits[order[:1437]])
y_train = y_digits[order[:1437]]


def deep_network(activation, batch_norm=False, he=False, depth=8, width=64, seed=0):
    r = np.random.default_rng(seed)
    layers, n_in = [], 64
    for _ in range(depth):
        linear = nn.Linear(n_in, width, rng=r)
        if he:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=r)
            nn.init.zeros_(linear.bias)
        layers += [linear] + ([nn.BatchNorm1d(width)] if batch_norm else []) + [activation()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(width, 10, rng=r))


variants = {
    "sigmoid, uniform init": dict(activation=nn.Sigmoid),
    "ReLU, uniform init": dict(activation=nn.ReLU),
    "ReLU, He init": dict(activation=nn.ReLU, he=True),
    "sigmoid + batch norm": dict(activation=nn.Sigmoid, batch_norm=True),
}
models = {}
xb, yb = ag.tensor(X_train[:64]), ag.tensor(y_train[:64])
for name, options in variants.items():
    models[name] = deep_network(**options)
    F.cross_entropy(models[name](xb), yb).backward()
fig = viz.plot_gradient_flow(models)
fig.axes[0].set_title("Gradient norms per layer at initialisation (8 hidden layers + output)")
display(fig)

# %% [markdown]
# With the uniform initialisation both the sigmoid and the ReLU network pass gradients
# back that shrink by orders of magnitude towards the input: for the sigmoid, $f' \le 1/4$
# *and* small weights; for ReLU, small weights alone ($n\operatorname{Var}(W) = 1/3$, and half of
# the units off). He initialisation keeps the ReLU network's gradient flat. Batch
# normalisation rescales every layer's net inputs to unit variance, which undoes the
# shrinking weights and keeps the sigmoids in their steep middle part.
#
# ## 4. Batch normalisation
#
# A batch-norm layer normalises each feature over the minibatch and then rescales it with
# learned parameters, $\hat x_i = (x_i - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$,
# $y_i = \gamma\hat x_i + \beta$ (the notes insert it between the linear layer and the
# activation). In training mode it uses the batch statistics, and keeps running averages
# of them for evaluation mode:

# %%
bn = nn.BatchNorm1d(3)
rng = np.random.default_rng(1)
batch = ag.tensor(rng.normal(loc=[5.0, -2.0, 0.0], scale=[3.0, 0.1, 10.0], size=(256, 3)))
out = bn(batch).data
print("input  mean", batch.data.mean(0), " std", batch.data.std(0))
print("output mean", out.mean(0), " std", out.std(0))
check("training mode: max |per-feature mean|", np.abs(out.mean(0)).max(), 1e-12)
# the ε in the denominator makes the std slightly below 1: σ_B / √(σ_B² + ε)
expected_std = batch.data.std(0) / np.sqrt(batch.data.var(0) + 1e-5)
check(
    "training mode: max |per-feature std − σ_B/√(σ_B² + ε)|",
    np.abs(out.std(0) - expected_std).max(),
    1e-12,
)
print("running mean after one batch (momentum 0.1):", bn.running_mean.data)
bn.eval()
print("evaluation mode uses the running statistics instead: output mean", bn(batch).data.mean(0))

# %% [markdown]
# And the four deep networks trained for 15 epochs with minibatch SGD ($\alpha = 0.1$,
# batches of 64):

# %%
loader = nn.data.DataLoader(
    nn.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True, rng=0
)
fig, ax = plt.subplots(figsize=(7, 4))
for name, options in variants.items():
    model = deep_network(**options)
    history = nn.fit(
        model,
        loader,
        nn.CrossEntropyLoss(),
        nn.optim.SGD(model.parameters(), lr=0.1),
        epochs=15,
        metrics=["accuracy"],
        progress=False,
        log=False,
    )
    ax.semilogy(
        range(1, 16),
        history["loss"],
        "o-",
        ms=3,
        label=f"{name}: training accuracy {history['accuracy'][-1]:.2f}",
    )
ax.axhline(np.log(10), color="k", ls=":", lw=1)
ax.annotate("chance level ln 10", (10, 2.45))
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title("8 hidden layers on the digits")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The two networks whose gradients vanish at initialisation never leave chance level in
# 15 epochs; He initialisation and batch normalisation both make the same 8-layer network
# trainable. This is the practical content of the notes' training tips: keep the net inputs
# near 0 with unit-scale variance — by normalising the data, by choosing the initial weight
# variance for the activation, and, inside the network, by batch normalisation — and
# prefer activations whose derivative does not shrink the error signal.
