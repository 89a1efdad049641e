# %% [markdown]
# # 07 · Universal approximation and non-convexity
#
# Two facts from the notes pull in opposite directions. The **universal approximation
# theorem** says a network with one hidden layer of "squashing" units,
# $F(\mathbf{x}) = \sum_{m=1}^{M} v_m\,\phi(\mathbf{w}_m^\top\mathbf{x} + b_m)$, can approximate
# any continuous function on a bounded closed set to any accuracy $\varepsilon$, given
# enough units $M$. But the theorem only says such weights *exist*; finding them means
# minimising a loss that is **not convex** in the weights, so gradient descent can stall on
# plateaus or settle in poor solutions. This notebook shows both.

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
# ## 1. Why one hidden layer suffices: a construction
#
# The idea of the proof fits in one line. A steep sigmoid $\sigma(k(x - c))$ is almost a
# step at $c$; a sum of steps is a staircase; and a staircase with small enough steps
# follows any continuous function. With grid points $x_0 < x_1 < \dots < x_M$ on the
# interval and the step of unit $m$ placed halfway between $x_{m-1}$ and $x_m$,
#
# $$F(x) = f(x_0) + \sum_{m=1}^{M}\bigl(f(x_m) - f(x_{m-1})\bigr)\,\sigma\bigl(k(x - c_m)\bigr),
# \qquad c_m = \tfrac12(x_{m-1} + x_m),$$
#
# is exactly a network with one hidden layer of $M$ logistic units (weights $k$, biases
# $-kc_m$), a linear output layer with weights $v_m = f(x_m) - f(x_{m-1})$, and the output
# bias $f(x_0)$. No training at all — and the error goes to zero as $M$ grows.


# %%
def target(x):
    return np.sin(2 * x) + 0.3 * x**2 - 0.5


x = np.linspace(-3, 3, 2001)[:, None]


def staircase_network(M, a=-3.0, b=3.0):
    """The construction above as an nn.Sequential: M logistic units, linear output."""
    grid = np.linspace(a, b, M + 1)
    centres = (grid[:-1] + grid[1:]) / 2
    k = 8 * M / (b - a)  # steeper steps for finer grids
    hidden, output = nn.Linear(1, M), nn.Linear(M, 1)
    hidden.weight.data[...] = k
    hidden.bias.data[...] = -k * centres
    output.weight.data[...] = np.diff(target(grid))
    output.bias.data[...] = target(grid[0])
    return nn.Sequential(hidden, nn.Sigmoid(), output)


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(x, target(x), "k", lw=2.5, label="f(x) = sin 2x + 0.3x² − 0.5")
widths = [4, 8, 16, 32, 64, 128, 256]
errors = []
for M in widths:
    with ag.no_grad():
        F_x = staircase_network(M)(ag.tensor(x)).data
    errors.append(np.abs(F_x - target(x)).max())
    if M in (4, 16, 64):
        ax1.plot(x, F_x, label=f"M = {M} units")
ax1.set_title("One hidden layer of steep sigmoids: a staircase")
ax1.legend(fontsize=8)
ax2.loglog(widths, errors, "o-", label="max |F − f| on [−3, 3]")
ax2.loglog(widths, errors[0] * widths[0] / np.array(widths), "k:", label="∝ 1/M")
ax2.set_xlabel("hidden units M")
ax2.set_ylabel("max error")
ax2.set_title("Error of the construction")
ax2.legend()
plt.show()
for M, err in zip(widths, errors):
    print(f"M = {M:3d}: max |F − f| = {err:.4f}")

# %% [markdown]
# The error falls like $1/M$: each step is at most $\max|f'|\cdot(b - a)/M$ high. The
# construction is wasteful — it uses nothing but the height of $f$ on a grid — but it
# shows why *width* alone buys accuracy.
#
# ## 2. The same networks, trained
#
# Gradient descent does far better with far fewer units, because it also places and
# shapes the sigmoids. Below, one hidden layer of $M$ logistic units and a linear output,
# trained with Adam on the mean squared error at 200 points for 2000 full-batch steps.

# %%
x_train = ag.tensor(np.linspace(-3, 3, 200)[:, None])
y_train = ag.tensor(target(x_train.data))


def train_width(M, seed, steps=2000):
    model = nn.Sequential(nn.Linear(1, M, rng=seed), nn.Sigmoid(), nn.Linear(M, 1, rng=seed + 1000))
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(x_train), y_train)
        loss.backward()
        opt.step()
    return model, loss.item()


fig, ax = plt.subplots(figsize=(7.5, 4.2))
ax.plot(x, target(x), "k", lw=2.5, label="f(x)")
trained = {}
for M in [1, 2, 4, 8, 16, 32]:
    model, loss = train_width(M, seed=0)
    trained[M] = model
    with ag.no_grad():
        err = np.abs(model(ag.tensor(x)).data - target(x)).max()
    print(f"M = {M:2d}: training MSE {loss:.2e}, max |F − f| = {err:.3f}")
    if M in (1, 2, 4, 8, 32):
        with ag.no_grad():
            ax.plot(x, model(ag.tensor(x)).data, label=f"trained, M = {M}")
ax.legend(fontsize=8)
ax.set_title("One hidden layer, trained by gradient descent")
plt.show()

# %% [markdown]
# Trained units are far more economical: eight of them come close to what the
# construction needs 32 to 64 for. But the result of training depends on where it starts — the first sign of non-convexity. The 4-unit
# network, trained from six random starts with everything else equal:

# %%
finals = {seed: train_width(4, seed=seed)[1] for seed in range(6)}
for seed, loss in finals.items():
    print(f"M = 4, seed {seed}: final training MSE {loss:.2e}")
print(f"best / worst: {min(finals.values()):.1e} / {max(finals.values()):.1e}")

# %% [markdown]
# For a convex loss, every run of gradient descent with a small enough step would reach
# the same (global) minimum value. Here the same architecture ends up orders of magnitude
# apart depending only on where it started: some runs find a good fit, others stay stuck
# near a solution that only follows the parabola and misses the oscillation.
#
# ## 3. The 1-1-1 network's loss surfaces
#
# The notes' smallest example: $\hat y = \sigma(w_2\,\sigma(w_1 x))$ with a single sample
# $(x, y) = (1, 1)$, two parameters, and two losses — the squared error $(y - \hat y)^2$ and the
# cross-entropy $-\log\hat y$. `viz.plot_loss_surface` draws both over
# $(w_1, w_2) \in [-10, 10]^2$:

# %%
viz.plot_loss_surface()


# %% [markdown]
# Neither surface is a bowl. Two certificates of non-convexity, computed with the engine:
#
# * a convex function satisfies $\mathcal{L}\bigl(\tfrac{p + q}{2}\bigr) \le \tfrac12\bigl(\mathcal{L}(p) + \mathcal{L}(q)\bigr)$
#   for all $p, q$ — one violating pair suffices;
# * a twice-differentiable convex function has a positive semi-definite Hessian everywhere —
#   one negative eigenvalue suffices. `ag.hessian` (forward-over-reverse) gives the exact
#   Hessian at any point, and the map below shades where it has a negative eigenvalue.


# %%
def squared(w):
    y_hat = ag.sigmoid(w[1] * ag.sigmoid(w[0] * 1.0))
    return (1.0 - y_hat) ** 2


def cross_entropy(w):
    return -ag.log(ag.sigmoid(w[1] * ag.sigmoid(w[0] * 1.0)))


def value(loss, w):
    return loss(ag.tensor(np.asarray(w, dtype=float))).item()


grid = np.linspace(-10, 10, 31)


def on_grid(loss, g):
    return loss(ag.tensor(np.stack(np.meshgrid(g, g)))).data  # rows: w2, columns: w1


fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for ax, (name, loss) in zip(axes, [("squared error", squared), ("cross-entropy", cross_entropy)]):
    lowest = np.array(
        [
            [np.linalg.eigvalsh(ag.hessian(loss, ag.tensor([a, b])).data).min() for a in grid]
            for b in grid
        ]
    )
    surface = on_grid(loss, grid)
    ax.contourf(grid, grid, lowest < -1e-9, levels=[-0.5, 0.5, 1.5], colors=["white", "#f4cccc"])
    contours = ax.contour(grid, grid, surface, levels=12, cmap="viridis", linewidths=0.8)
    ax.clabel(contours, fontsize=7)
    ax.set_title(f"{name} (contours)")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    print(
        f"{name:14s} smallest Hessian eigenvalue on the grid: {lowest.min():+.4f}, "
        f"negative on {np.mean(lowest < -1e-9):.0%} of the grid"
    )
    # the midpoint test along the direction of negative curvature at the most concave grid point
    i, j = np.unravel_index(lowest.argmin(), lowest.shape)
    c = np.array([grid[j], grid[i]])
    eigenvalues, eigenvectors = np.linalg.eigh(ag.hessian(loss, ag.tensor(c)).data)
    p, q = c - 0.5 * eigenvectors[:, 0], c + 0.5 * eigenvectors[:, 0]
    mid, chord = value(loss, (p + q) / 2), (value(loss, p) + value(loss, q)) / 2
    print(
        f"{name:14s} along the most negative curvature: p = {np.round(p, 2)}, q = "
        f"{np.round(q, 2)}, "
        f"L((p + q)/2) = {mid:.4f} > (L(p) + L(q))/2 = {chord:.4f}  →  not convex ✓"
    )
    assert mid > chord
fig.suptitle("Shaded: the Hessian has a negative eigenvalue — the surface is locally not convex")
plt.show()


# %% [markdown]
# ## 4. Plateaus and traps
#
# The squared-error surface has a large flat plateau where $w_2\sigma(w_1) \ll 0$: there
# $\hat y \approx 0$, the prediction is completely wrong, and yet the gradient vanishes,
# because $\partial(y - \hat y)^2/\partial z = -2(y - \hat y)\,\hat y(1 - \hat y)$ (with $z$ the
# output's net input) carries the factor $\sigma'(z) = \hat y(1 - \hat y) \to 0$. The
# cross-entropy's derivative is $\partial(-\log\hat y)/\partial z = \hat y - y \to -1$: it stays
# large exactly where the prediction is wrong. Gradient descent ($\alpha = 1$, 300 steps)
# from the same three starting points on both surfaces:


# %%
def descend(loss, start, lr=1.0, steps=300):
    w = nn.Parameter(np.array(start, dtype=float))
    opt = nn.optim.SGD([w], lr=lr)
    path = [w.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)


starts = [(-2.0, -4.0), (2.0, -6.0), (6.0, -9.0)]
wide = np.linspace(-10, 10, 81)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for ax, (name, loss) in zip(axes, [("squared error", squared), ("cross-entropy", cross_entropy)]):
    surface = on_grid(loss, wide)
    ax.contour(wide, wide, np.log10(surface + 1e-6), levels=20, cmap="Greys", linewidths=0.7)
    for number, start in enumerate(starts, 1):
        path = descend(loss, start)
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1.5, color=f"C{number}")
        ax.plot(*start, "o", color=f"C{number}", ms=7, mec="k")
        ax.annotate(f" start {number}", start, fontsize=9)
        print(
            f"{name:14s} from {start}: loss {value(loss, path[0]):.3f} -> "
            f"{value(loss, path[-1]):.4f} "
            f"after 300 steps, now at ({path[-1, 0]:+.1f}, {path[-1, 1]:+.1f})"
        )
    ax.set_xlim(-10, 10)
    ax.set_ylim(-10, 10)
    ax.set_title(f"{name}: contours of log₁₀ loss, SGD paths")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
plt.show()

# %% [markdown]
# From start 3, $(6, -9)$, the hidden unit is on ($\sigma(6) \approx 1$) but the output unit is
# saturated at $\hat y \approx 0$: on the squared error gradient descent does not move at
# all, on the cross-entropy it walks straight out to a loss near 0. This is one reason
# classification networks pair a sigmoid or softmax output with the cross-entropy.
#
# Starts 1 and 2 show a trap that no choice of loss removes. With $w_2 < 0$, the
# descent direction lowers $w_1$, which switches the *hidden* unit off: $\sigma(w_1) \to 0$,
# so $\hat y \to \sigma(0) = 1/2$ and the gradient with respect to $w_2$, proportional to
# $\sigma(w_1)$, vanishes. Both losses level off at the value for $\hat y = 1/2$ — 0.25 and
# $\ln 2 \approx 0.69$ — far from the minimum, which lies towards $w_2 \to +\infty$: a saturated
# hidden unit blocks the gradient, the vanishing gradient of notebook 06 in miniature.
#
# ## 5. Symmetry: why every network loss is non-convex
#
# A last, general argument. Swapping two hidden units (their incoming weights and biases,
# and their outgoing weights) gives a different parameter vector that computes *exactly*
# the same function, so the loss has many equivalent minima. A convex loss would then be
# minimal on the whole segment between two of them — but halfway between a network and its
# swapped copy, the two units are identical (the averaged weights), and the network has lost
# capacity. With the trained 8-unit network of section 2:

# %%
model = trained[8]
hidden, output = model[0], model[2]


def loss_of():
    return F.mse_loss(model(x_train), y_train).item()


original = {k: np.array(v) for k, v in model.state_dict().items()}
swap = np.arange(8)
swap[[0, 1]] = [1, 0]  # exchange hidden units 0 and 1

theta_loss = loss_of()
hidden.weight.data[...] = original["0.weight"][swap]
hidden.bias.data[...] = original["0.bias"][swap]
output.weight.data[...] = original["2.weight"][:, swap]
swapped_loss = loss_of()
hidden.weight.data[...] = (original["0.weight"] + original["0.weight"][swap]) / 2
hidden.bias.data[...] = (original["0.bias"] + original["0.bias"][swap]) / 2
output.weight.data[...] = (original["2.weight"] + original["2.weight"][:, swap]) / 2
midpoint_loss = loss_of()
model.load_state_dict(original)

print(
    f"L(θ) = {theta_loss:.2e},  L(swapped θ) = {swapped_loss:.2e},  L(midpoint) = "
    f"{midpoint_loss:.2e}"
)
check("|L(θ) − L(swapped θ)|", abs(theta_loss - swapped_loss), 1e-15)
print(f"the midpoint is {midpoint_loss / theta_loss:.0f} times worse: the loss is not convex")

# %% [markdown]
# **Summary.** Width buys approximation power — constructively $O(1/M)$ error with steep
# sigmoids, and much better with trained weights — but the loss over the weights is
# non-convex: its symmetries alone guarantee that, its Hessian has negative eigenvalues,
# gradient descent from different starts ends at very different losses, and with the squared
# error a saturated output creates plateaus where the gradient vanishes.
