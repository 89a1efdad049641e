# %% [markdown]
# # 05 · Optimisers: SGD, Momentum, AdaGrad, RMSProp, Adam
#
# The notes name two weaknesses of plain (stochastic) gradient descent: a **zig-zag
# route** when the loss is much steeper in some directions than in others — one learning
# rate cannot suit all of them — and a **random route** because each minibatch gives only
# an estimate of the gradient. The optimisers of the notes repair the first by remembering
# past gradients: Momentum averages their *direction*, AdaGrad and RMSProp their
# *magnitude* per coordinate, Adam both. The update rules, with $g$ the (minibatch)
# gradient at the current parameters $\theta$ and all operations element-wise:
#
# | method | state update | parameter update |
# |---|---|---|
# | SGD | — | $\theta \leftarrow \theta - \alpha g$ |
# | Momentum | $v \leftarrow \rho v + g$ | $\theta \leftarrow \theta - \alpha v$ |
# | AdaGrad | $r \leftarrow r + g \odot g$ | $\theta \leftarrow \theta - \dfrac{\epsilon}{\delta + \sqrt{r}} \odot g$ |
# | RMSProp | $r \leftarrow \rho r + (1 - \rho)\, g \odot g$ | $\theta \leftarrow \theta - \dfrac{\epsilon}{\delta + \sqrt{r}} \odot g$ |
# | Adam | $s \leftarrow \rho_1 s + (1 - \rho_1) g,\ \ r \leftarrow \rho_2 r + (1 - \rho_2)\, g \odot g$ | $\theta \leftarrow \theta - \epsilon\,\dfrac{\hat s}{\delta + \sqrt{\hat r}},\ \ \hat s = \dfrac{s}{1 - \rho_1^t},\ \hat r = \dfrac{r}{1 - \rho_2^t}$ |
#
# `nn.optim` implements these with PyTorch's defaults ($\rho = 0.9$ for momentum,
# $\rho = 0.99$ for RMSProp, $\rho_1 = 0.9$, $\rho_2 = 0.999$ for Adam, $\delta = 10^{-10}$ for
# AdaGrad and $10^{-8}$ otherwise; the notes' code uses $\delta = 10^{-3}$). One detail
# differs from the notes' Adam code sample, which squares $g$ in the first moment as well:
# the first moment $s$ is an average of $g$ itself — that is what gives Adam its momentum.

# %%
# %matplotlib inline
import graphviz
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import viz
from viz.plots import PROBLEMS, optimizer_paths

_ = graphviz.set_jupyter_format("png")  # graphs render as images (also on GitHub)
np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The rules, written out, against `nn.optim`
#
# The table above in a dozen lines of numpy, run on the ill-conditioned quadratic
# $\tfrac12(x^2 + 25y^2)$ from the same start and with the same learning rates as the
# paths that `viz` draws with `nn.optim` below. If the library implements the notes'
# rules, the trajectories coincide.


# %%
def notes_optimizer(name, f, start, lr, steps):
    """The update rules of the table, in numpy; the gradient comes from the engine."""
    theta = np.array(start, dtype=float)
    v = s = r = np.zeros(2)
    path, rates = [theta.copy()], []
    for t in range(1, steps + 1):
        p = ag.tensor(theta, requires_grad=True)
        (g,) = ag.grad(f(p), p)
        g = g.data
        if name == "SGD":
            step = lr * g
        elif name == "Momentum":
            v = 0.9 * v + g
            step = lr * v
        elif name == "AdaGrad":
            r = r + g * g
            step = lr / (1e-10 + np.sqrt(r)) * g
        elif name == "RMSProp":
            r = 0.99 * r + 0.01 * g * g
            step = lr / (1e-8 + np.sqrt(r)) * g
        elif name == "Adam":
            s = 0.9 * s + 0.1 * g
            r = 0.999 * r + 0.001 * g * g
            step = lr * (s / (1 - 0.9**t)) / (1e-8 + np.sqrt(r / (1 - 0.999**t)))
        theta = theta - step
        path.append(theta.copy())
        rates.append(
            np.abs(step / np.where(g == 0, np.inf, g))
        )  # effective step size per coordinate
    return np.array(path), np.array(rates)


quadratic = "ill-conditioned quadratic ½(x² + 25y²)"
f, start, window, steps, lrs = PROBLEMS[quadratic]
library_paths = optimizer_paths(quadratic)
for name, lr in lrs.items():
    mine, _ = notes_optimizer(name, f, start, lr, steps)
    check(
        f"{name:8s} (α = {lr:<4g}): max |notes' rule − nn.optim| over {steps} steps",
        np.abs(mine - library_paths[name]).max(),
        1e-10,
    )

# %% [markdown]
# ## 2. Trajectories
#
# `viz.plot_optimizer_paths` runs the five `nn.optim` optimisers from the same start on two
# classic test functions. On the quadratic, SGD runs at α = 0.075, just under its stability
# limit, where it zig-zags across the valley, and Momentum (β = 0.9) at α = 0.003, where its
# velocity averages the zig-zag away, as the notes describe; the other rates are the ones
# that did best in a coarse sweep. Top: the paths over the contours of the loss; bottom: the
# loss per step.

# %%
viz.plot_optimizer_paths()

# %% [markdown]
# **The quadratic** $\tfrac12(x^2 + 25y^2)$ has curvatures 1 and 25. Gradient descent on it
# multiplies the coordinates by fixed factors per step,
#
# $$x_{k+1} = (1 - \alpha)\,x_k,\qquad y_{k+1} = (1 - 25\alpha)\,y_k ,$$
#
# so it is stable only for $\alpha < 2/25 = 0.08$, and at the largest stable rates the $y$
# factor is negative: $y$ flips sign every step (the zig-zag) while $x$ shrinks by only
# $1 - \alpha$ per step (the slow crawl along the valley). Momentum lets the
# steps along the valley build up speed, at the price of overshooting. AdaGrad and RMSProp
# divide each coordinate by its own gradient scale, which on this axis-aligned problem
# removes the ill-conditioning altogether — AdaGrad converges fastest here. RMSProp and
# Adam keep taking steps of roughly $\epsilon$ per coordinate, so with a constant rate they
# end up hovering around the minimum instead of settling into it.
#
# The zig-zag factor, read off the SGD path:

# %%
path = library_paths["SGD"]
alpha = lrs["SGD"]
ratios = path[1:30, 1] / path[:29, 1]
check(
    f"max |y(k+1)/y(k) − (1 − 25α)| with α = {alpha}  (factor {1 - 25 * alpha:+.2f})",
    np.abs(ratios - (1 - 25 * alpha)).max(),
    1e-12,
)
check(
    f"max |x(k+1)/x(k) − (1 − α)|  (factor {1 - alpha:.2f})",
    np.abs(path[1:30, 0] / path[:29, 0] - (1 - alpha)).max(),
    1e-12,
)

# %% [markdown]
# **Rosenbrock's function** $(1 - x)^2 + 100(y - x^2)^2$ has a curved, flat-bottomed valley
# with its minimum at $(1, 1)$. All methods fall into the valley quickly; the difference is
# how they travel along it. Plain SGD crawls (the stable learning rate is set by the steep
# walls). Momentum accumulates speed along the valley floor and is first to arrive. Adam
# follows, RMSProp lags. AdaGrad is the notes' cautionary tale: $r$ only grows, so the
# effective learning rate $\epsilon/(\delta + \sqrt r)$ only decays. Here the start lies on
# the steep wall of the valley, the first gradients are huge, and they dominate $r$ for
# ever: within a few steps the effective rate drops to about $10^{-3}$ and stays there, and
# AdaGrad stalls far from the minimum. RMSProp's moving average forgets the early
# gradients, so its rate climbs back as the gradients on the valley floor get small:

# %%
rosenbrock = "Rosenbrock (1-x)² + 100(y-x²)²"
f_r, start_r, _, steps_r, lrs_r = PROBLEMS[rosenbrock]
fig, ax = plt.subplots(figsize=(7, 3.6))
for name in ["AdaGrad", "RMSProp"]:
    _, rates = notes_optimizer(name, f_r, start_r, lrs_r[name], steps_r)
    ax.semilogy(rates[:, 0], label=f"{name} (ε = {lrs_r[name]:g}), coordinate x")
    ax.semilogy(rates[:, 1], ls="--", label=f"{name} (ε = {lrs_r[name]:g}), coordinate y")
ax.set_xlabel("step")
ax.set_ylabel("effective step size ε/(δ + √r)")
ax.set_title("AdaGrad's effective learning rate never recovers")
ax.legend(fontsize=8)
plt.show()
for name, path in optimizer_paths(rosenbrock).items():
    print(
        f"{name:8s} after {steps_r} steps: (x, y) = ({path[-1, 0]:+.3f}, {path[-1, 1]:+.3f}), "
        f"distance to (1, 1) = {np.hypot(*(path[-1] - 1)):.3f}"
    )

# %% [markdown]
# ## 3. The random route of minibatch SGD
#
# With minibatches, $g$ is an unbiased but noisy estimate of the full gradient, so the
# path wanders and does not come to rest at the minimum: it keeps jittering around it,
# with a spread that grows with the learning rate and shrinks with the batch size. A
# linear least-squares problem with two parameters, $\mathcal{L}(\theta) =
# \frac{1}{2N}\lVert X\theta - y\rVert^2$, shows it on its elliptic contours.

# %%
rng = np.random.default_rng(0)
N = 200
Xlin = rng.standard_normal((N, 2)) @ np.array([[1.0, 0.0], [0.6, 0.5]])
ylin = Xlin @ np.array([2.0, -1.0]) + 0.5 * rng.standard_normal(N)
theta_star = np.linalg.lstsq(Xlin, ylin, rcond=None)[0]


def lsq_path(batch_size, lr=0.2, steps=400):
    theta = nn.Parameter(np.array([-1.0, 2.0]))
    opt = nn.optim.SGD([theta], lr=lr)
    loader = nn.data.DataLoader(
        nn.data.TensorDataset(Xlin, ylin), batch_size=batch_size, shuffle=True, rng=1
    )
    path = [theta.data.copy()]
    while len(path) <= steps:
        for xb, yb in loader:
            opt.zero_grad()
            (0.5 * ((xb @ theta - yb) ** 2).mean()).backward()
            opt.step()
            path.append(theta.data.copy())
    return np.array(path[: steps + 1])


g1, g2 = np.meshgrid(np.linspace(-1.5, 3, 200), np.linspace(-2.5, 2.5, 200))
grid = np.stack([g1.ravel(), g2.ravel()], 1)
loss_grid = 0.5 * np.mean((grid @ Xlin.T - ylin) ** 2, axis=1).reshape(g1.shape)
fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), sharey=True, layout="constrained")
for ax, batch_size in zip(axes, [N, 20, 1]):
    path = lsq_path(batch_size)
    ax.contour(g1, g2, np.log(loss_grid), levels=20, cmap="Greys", linewidths=0.7)
    ax.plot(path[:, 0], path[:, 1], ".-", lw=0.7, ms=2)
    ax.plot(*theta_star, "k*", ms=12)
    tail = path[-100:]
    ax.set_title(
        f"batch size {batch_size}\nmean ‖θ − θ*‖ over the last 100 steps: "
        f"{np.linalg.norm(tail - theta_star, axis=1).mean():.3f}",
        fontsize=10,
    )
    ax.set_xlabel("θ₁")
axes[0].set_ylabel("θ₂")
fig.suptitle("Minibatch SGD on least squares: α = 0.2, 400 steps each")
plt.show()

# %% [markdown]
# With the same learning rate and the same number of steps, full-batch gradient descent
# follows a smooth curve into the minimum and stays there; a batch of 20 gives a visibly
# noisy path that ends near $\theta^*$; single samples — each step 200 times cheaper — keep
# bouncing around $\theta^*$ at a distance set by the gradient noise and the learning
# rate. Hence the compromise the notes recommend, batches of tens to hundreds, and, in
# practice, a learning rate that decays over training.
#
# ## 4. On a network: three spirals
#
# Finally the optimisers train a 2-64-64-3 ReLU network on the three-spirals problem with
# minibatches of 32 for 30 epochs, each at six learning rates. Left: final training loss
# against learning rate — how forgiving each method is. Right: the loss curve of each method
# at its best rate.

# %%
Xs, ys = nn.data.make_spirals(300, classes=3, noise=0.05, rng=0)
makers = {
    "SGD": lambda p, lr: nn.optim.SGD(p, lr=lr),
    "Momentum": lambda p, lr: nn.optim.SGD(p, lr=lr, momentum=0.9),
    "AdaGrad": lambda p, lr: nn.optim.AdaGrad(p, lr=lr),
    "RMSProp": lambda p, lr: nn.optim.RMSProp(p, lr=lr),
    "Adam": lambda p, lr: nn.optim.Adam(p, lr=lr),
}
rates = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
histories = {}
for name, make in makers.items():
    for lr in rates:
        model = nn.Sequential(
            nn.Linear(2, 64, rng=1),
            nn.ReLU(),
            nn.Linear(64, 64, rng=2),
            nn.ReLU(),
            nn.Linear(64, 3, rng=3),
        )
        loader = nn.data.DataLoader(
            nn.data.TensorDataset(Xs, ys), batch_size=32, shuffle=True, rng=0
        )
        try:
            histories[name, lr] = nn.fit(
                model,
                loader,
                nn.CrossEntropyLoss(),
                make(model.parameters(), lr),
                epochs=30,
                metrics=["accuracy"],
                progress=False,
                log=False,
            )
        except FloatingPointError:
            histories[name, lr] = None

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for name in makers:
    finals = [histories[name, lr]["loss"][-1] if histories[name, lr] else np.nan for lr in rates]
    ax1.loglog(rates, finals, "o-", label=name)
    best = rates[int(np.nanargmin(finals))]
    h = histories[name, best]
    ax2.semilogy(
        range(1, 31), h["loss"], label=f"{name}, α = {best:g}: accuracy {h['accuracy'][-1]:.3f}"
    )
ax1.set_xlabel("learning rate α (ε)")
ax1.set_ylabel("training loss after 30 epochs")
ax1.set_title("Sensitivity to the learning rate")
ax1.legend()
ax2.set_xlabel("epoch")
ax2.set_ylabel("training loss")
ax2.set_title("Each method at its best rate")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# Each method has a band of good learning rates, and the bands sit in different places.
# RMSProp and Adam work best around $\epsilon \approx 0.01$–$0.03$: their steps are about
# $\epsilon$ per coordinate whatever the scale of the gradient. AdaGrad wants a larger
# $\epsilon$ because its steps shrink as $r$ accumulates. Momentum SGD peaks near 0.1 — the
# velocity amplifies steady gradients up to $1/(1 - \rho) = 10$ times. Plain SGD is the
# slowest at any rate within 30 epochs. At its best rate Adam reaches the lowest loss;
# RMSProp, without momentum, shows occasional spikes where a normalised step overshoots.
# None of this is a universal ranking — the notes' point is the mechanism: momentum fixes
# the direction, the second-moment methods fix the scale per parameter, and Adam combines
# both, with a bias correction for the first steps, when $s$ and $r$ still start from zero.
