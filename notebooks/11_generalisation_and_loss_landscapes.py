# %% [markdown]
# # 11 · Generalisation and loss landscapes
#
# The notes name the two ways a model can fail on new data: **under-fitting** (欠拟合), a
# model too simple to capture the regularity of the data ("fitting non-linear data with a
# straight line"), and **over-fitting** (过拟合), a model so flexible that it learns the noise
# of the training set too. This notebook measures both on a small regression problem, then
# shows the two remedies of the notes: the structural risk with an $L_2$ (Frobenius)
# penalty, and stopping the training early on a validation split. The last part looks at
# the other difficulty the notes list for non-convex training: local minima and saddle
# points (局部最优, 鞍点).

# %%
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F

np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. Under-fitting and over-fitting
#
# The data: $y = \sin(\pi x) + \varepsilon$ with $x \sim U(-1, 1)$ and noise
# $\varepsilon \sim \mathcal{N}(0, 0.3^2)$, so the best any model can reach on new data is a
# mean squared error of $0.3^2 = 0.09$. The models are polynomials of degree $d$ (the notes'
# curve-fitting picture), fitted by least squares — a linear model on the features
# $1, x, \dots, x^d$ (Legendre polynomials, the same functions with a better-conditioned
# basis). Each model is fitted on $N = 15$ training points and scored on 1000 validation
# points; for each setting we take the median of both errors over 50 random training sets,
# so that the curves show the trend and not one draw (the median, because an over-fitted
# polynomial occasionally explodes between two training points and would dominate a mean).

# %%
NOISE = 0.3


def sample(n, rng):
    """n points of y = sin(πx) + noise, as column vectors."""
    x = rng.uniform(-1, 1, (n, 1))
    return x, np.sin(np.pi * x) + NOISE * rng.standard_normal((n, 1))


def poly_fit(x, y, degree):
    return np.polynomial.legendre.legfit(x[:, 0], y[:, 0], degree)


def poly_mse(coef, x, y):
    return np.mean((np.polynomial.legendre.legval(x[:, 0], coef) - y[:, 0]) ** 2)


def median_errors(n_train, degree, repeats=50, seed=0):
    """Median train and validation MSE of a degree-d polynomial over random training sets."""
    rng = np.random.default_rng(seed)
    x_val, y_val = sample(1000, rng)
    train, val = [], []
    for _ in range(repeats):
        x, y = sample(n_train, rng)
        coef = poly_fit(x, y, degree)
        train.append(poly_mse(coef, x, y))
        val.append(poly_mse(coef, x_val, y_val))
    return np.median(train), np.median(val)


degrees = np.arange(0, 13)
by_degree = np.array([median_errors(15, d) for d in degrees])
best_degree = degrees[by_degree[:, 1].argmin()]
for d, (train, val) in zip(degrees, by_degree):
    print(f"degree {d:2d}: train MSE {train:.3f}   validation MSE {val:8.3f}")
print(f"the validation error is smallest at degree {best_degree}")

check(
    "largest rise of the training error from one degree to the next",
    max(np.diff(by_degree[:, 0]).max(), 0.0),
    1e-12,
)
check(
    "validation minimum at an interior degree: 1 if the minimum is at an end of the sweep",
    float(best_degree in (degrees[0], degrees[-1])),
    0,
)

# %% [markdown]
# The training error can only fall as $d$ grows: each polynomial space contains the previous
# one, so least squares never does worse. The validation error falls while the model is
# too simple (under-fitting, $d \le 2$ cannot bend like a sine), reaches its minimum, and
# then climbs steeply as the polynomial starts to pass through the noise (over-fitting).
#
# Now fix an over-fitting model, degree 9, and give it more data: the gap between the
# validation and the training error closes, because with many more points than coefficients
# the noise averages out.

# %%
sizes = [12, 20, 40, 80, 160, 320]
by_size = np.array([median_errors(n, 9) for n in sizes])
gaps = by_size[:, 1] - by_size[:, 0]
for n, (train, val), gap in zip(sizes, by_size, gaps):
    print(f"N = {n:3d}: train MSE {train:.3f}   validation MSE {val:8.3f}   gap {gap:8.3f}")
check("largest increase of the gap from one N to the next", max(np.diff(gaps).max(), 0.0), 0)
check(f"N = {sizes[-1]}: validation MSE − noise floor σ² = 0.09", by_size[-1, 1] - 0.09, 0.01)

# %%
rng = np.random.default_rng(1)
x_show, y_show = sample(15, rng)
grid = np.linspace(-1, 1, 200)[:, None]
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for d, label in [(1, "d = 1: under-fits"), (3, "d = 3: fits"), (12, "d = 12: over-fits")]:
    fitted = np.polynomial.legendre.legval(grid[:, 0], poly_fit(x_show, y_show, d))
    axes[0].plot(grid, fitted, label=label)
axes[0].plot(grid, np.sin(np.pi * grid), "k--", lw=1, label="sin(πx)")
axes[0].plot(x_show, y_show, "ko", ms=4, label="training points")
axes[0].set_ylim(-2, 2)
axes[0].set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].set_title("The notes' three cases, N = 15")
axes[1].semilogy(degrees, by_degree[:, 0], "o-", label="training")
axes[1].semilogy(degrees, by_degree[:, 1], "o-", label="validation")
axes[1].axvline(best_degree, color="k", ls=":", lw=1)
axes[1].set_xlabel("polynomial degree d")
axes[1].set_title("Model-size sweep, N = 15")
axes[2].loglog(sizes, by_size[:, 0], "o-", label="training")
axes[2].loglog(sizes, by_size[:, 1], "o-", label="validation")
axes[2].set_xticks(sizes, [str(n) for n in sizes])
axes[2].minorticks_off()
axes[2].set_xlabel("training points N")
axes[2].set_title("Training-size sweep, degree 9")
for ax in axes[1:]:
    ax.axhline(NOISE**2, color="gray", ls="--", lw=1, label="noise floor σ²")
    ax.set_ylabel("mean squared error")
for ax in axes:
    ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 2. $L_2$ regularisation: the structural risk
#
# The notes' remedy is to add a penalty on large weights to the loss, the structural risk
#
# $$\mathcal{R}(\mathbf{W}, \mathbf{b}) = \frac{1}{N}\sum_{n=1}^{N}
# \mathcal{L}\bigl(\mathbf{y}^{(n)}, \hat{\mathbf{y}}^{(n)}\bigr)
# + \frac{1}{2}\lambda\lVert\mathbf{W}\rVert_F^2,
# \qquad \lVert\mathbf{W}\rVert_F^2 = \sum_{l=1}^{L}\sum_{i=1}^{M_l}\sum_{j=1}^{M_{l-1}}
# \bigl(w_{ij}^{(l)}\bigr)^2 .$$
#
# `nn.functional.frobenius_penalty(weights, λ)` is the second term (biases are not
# penalised, as in the notes). The over-fitting model is now a network: a 1-32-32-1 tanh MLP
# trained by full-batch Adam on $N = 20$ points, far more parameters (1153) than points.
# We sweep $\lambda$ and score each network on 200 validation points.

# %%
rng = np.random.default_rng(0)
x_train, y_train = sample(20, rng)
x_val, y_val = sample(200, rng)


def mlp(width=32):
    return nn.Sequential(
        nn.Linear(1, width, rng=0),
        nn.Tanh(),
        nn.Linear(width, width, rng=1),
        nn.Tanh(),
        nn.Linear(width, 1, rng=2),
    )


def train_with_penalty(lam, steps=300):
    """Minimise mean squared error + λ/2 ‖W‖²_F over the training set; returns the network."""
    net = mlp()
    weights = [layer.weight for layer in net if isinstance(layer, nn.Linear)]
    optimizer = nn.optim.Adam(net.parameters(), lr=2e-2)
    x, y = ag.tensor(x_train), ag.tensor(y_train)
    for _ in range(steps):
        risk = F.mse_loss(net(x), y) + F.frobenius_penalty(weights, lam)
        optimizer.zero_grad()
        risk.backward()
        optimizer.step()
    return net


def net_mse(net, x, y):
    with ag.no_grad():
        return float(np.mean((net(ag.tensor(x)).data - y) ** 2))


start = time.perf_counter()
lambdas = [0.0, 1e-3, 1e-2, 1e-1]
nets = [train_with_penalty(lam) for lam in lambdas]
by_lambda = np.array([(net_mse(n, x_train, y_train), net_mse(n, x_val, y_val)) for n in nets])
print(f"{len(lambdas)} networks trained in {time.perf_counter() - start:.1f} s")
for lam, (train, val) in zip(lambdas, by_lambda):
    print(f"λ = {lam:6g}: train MSE {train:.4f}   validation MSE {val:.4f}")
best = int(by_lambda[:, 1].argmin())
print(f"best λ = {lambdas[best]:g}")
check(
    "validation minimum at an interior λ > 0: 1 if the minimum is at an end of the sweep",
    float(best in (0, len(lambdas) - 1)),
    0,
)
check(
    "largest fall of the training MSE as λ grows (the penalty trades fit for small weights)",
    max(-np.diff(by_lambda[:, 0]).min(), 0.0),
    0,
)

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
with ag.no_grad():
    for i in [0, best, len(lambdas) - 1]:
        ax1.plot(grid, nets[i](ag.tensor(grid)).data, label=f"λ = {lambdas[i]:g}")
ax1.plot(grid, np.sin(np.pi * grid), "k--", lw=1, label="sin(πx)")
ax1.plot(x_train, y_train, "ko", ms=4, label="training points")
ax1.set_xlabel("x")
ax1.set_ylabel("y")
ax1.set_title("Networks trained with the Frobenius penalty")
ax2.semilogx(lambdas[1:], by_lambda[1:, 0], "o-", color="C0", label="training")
ax2.semilogx(lambdas[1:], by_lambda[1:, 1], "o-", color="C1", label="validation")
ax2.axhline(by_lambda[0, 0], color="C0", ls=":", label="training, λ = 0")
ax2.axhline(by_lambda[0, 1], color="C1", ls=":", label="validation, λ = 0")
ax2.set_xlabel("λ")
ax2.set_ylabel("mean squared error")
ax2.set_title("λ sweep")
for ax in (ax1, ax2):
    ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# A small $\lambda$ smooths the wiggles the unpenalised network puts through the noise, and
# the validation error falls (modestly here: a tanh network trained for a few hundred steps is
# already fairly smooth); a large $\lambda$ shrinks the weights so much that the network
# can no longer follow the sine (under-fitting again), and it rises. In the notes' words,
# the penalty turns an ill-posed problem (many weight settings fit 20 points) into a
# well-posed one. The same term is available inside the optimisers as
# `nn.optim.SGD(..., weight_decay=λ)` (and Adam's), which adds $\lambda\theta$ to the
# gradient of every parameter $\theta$ it updates — biases included, unlike the notes' term.
#
# ## 3. Early stopping
#
# The second remedy watches the validation error during training. The model is the
# over-fitting polynomial of section 1, now of degree 15 and trained by gradient descent: an
# `nn.Linear(15, 1)` on the features $P_1(x), \dots, P_{15}(x)$ (its bias is the constant
# term). Of 30 training points, 10 are held out as a validation split and the other 20 are
# fitted by full-batch Adam. The optimiser first fits the smooth shape shared by all
# points and only later the wiggles that pass through the noise, so the validation loss
# falls, then rises. `nn.EarlyStopping(monitor="val_loss", patience=50)` stops training once
# the validation loss has not improved for 50 epochs and gives the model back the weights of
# its best epoch. For comparison the same model is also trained for all 600 epochs.

# %%
DEGREE = 15


def features(x):
    """The Legendre polynomials P_1(x) … P_15(x) as columns."""
    return np.polynomial.legendre.legvander(x[:, 0], DEGREE)[:, 1:]


x_all, y_all = sample(30, np.random.default_rng(3))
order = np.random.default_rng(2).permutation(30)
fit_idx, val_idx = order[:20], order[20:]
train_loader = nn.data.DataLoader(
    nn.data.TensorDataset(features(x_all[fit_idx]), y_all[fit_idx]), batch_size=20
)
val_loader = nn.data.DataLoader(
    nn.data.TensorDataset(features(x_all[val_idx]), y_all[val_idx]), batch_size=10
)
max_epochs = 600


def train_polynomial(callbacks):
    model = nn.Linear(DEGREE, 1, rng=0)
    history = nn.fit(
        model,
        train_loader,
        nn.MSELoss(),
        nn.optim.Adam(model.parameters(), lr=0.02),
        epochs=max_epochs,
        val_loader=val_loader,
        callbacks=callbacks,
        progress=False,
        log=False,
    )
    return model, history


start = time.perf_counter()
stopper = nn.EarlyStopping(monitor="val_loss", patience=50)
model, history = train_polynomial([stopper])
full_model, full_history = train_polynomial([])
print(f"both runs took {time.perf_counter() - start:.1f} s")
epochs_run = len(history["loss"])
restored = nn.training.evaluate(model, val_loader, nn.MSELoss())["loss"]
print(
    f"early stopping: {epochs_run} of {max_epochs} epochs run, best epoch {stopper.best_epoch + 1}"
)
print(
    f"validation MSE: restored weights {restored:.4f}, after all {max_epochs} epochs "
    f"{full_history['val_loss'][-1]:.4f}"
)
check(
    "epochs left unused, negated (< 0: it stopped before the last epoch)",
    epochs_run - max_epochs,
    -1,
)
check("epochs run after the best one − patience", epochs_run - 1 - stopper.best_epoch - 50, 0)
check(
    "|best validation loss − minimum of the curve|", abs(stopper.best - min(history["val_loss"])), 0
)
check(
    "|restored model's validation loss − minimum of the curve|", abs(restored - stopper.best), 1e-12
)
check(
    "restored validation MSE − validation MSE after all epochs (< 0: stopping helped)",
    restored - full_history["val_loss"][-1],
    -0.1,
)

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4))
ax1.semilogy(full_history["loss"], color="C0", alpha=0.4, label="training, all epochs")
ax1.semilogy(full_history["val_loss"], color="C1", alpha=0.4, label="validation, all epochs")
ax1.semilogy(history["loss"], color="C0", label="training (20 points)")
ax1.semilogy(history["val_loss"], color="C1", label="validation split (10 points)")
ax1.axvline(stopper.best_epoch, color="k", ls=":", label="best epoch (weights restored)")
ax1.axvline(epochs_run - 1, color="r", ls="--", lw=1, label="stopped")
ax1.set_xlabel("epoch")
ax1.set_ylabel("mean squared error")
ax1.set_title("Early stopping with nn.EarlyStopping")
with ag.no_grad():
    for m, label in [(model, "early-stopped"), (full_model, f"{max_epochs} epochs")]:
        ax2.plot(grid, m(ag.tensor(features(grid))).data, label=label)
ax2.plot(grid, np.sin(np.pi * grid), "k--", lw=1, label="sin(πx)")
ax2.plot(x_all[fit_idx], y_all[fit_idx], "ko", ms=4, label="fitted points")
ax2.plot(x_all[val_idx], y_all[val_idx], "s", mfc="none", mec="C3", label="validation split")
ax2.set_ylim(-2, 2)
ax2.set_xlabel("x")
ax2.set_ylabel("y")
ax2.set_title(f"Degree-{DEGREE} polynomial trained by gradient descent")
for ax in (ax1, ax2):
    ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The training loss keeps falling for all 600 epochs while the validation loss turns up
# once the polynomial starts bending through the noise of its 20 points. Early stopping
# keeps the weights from the bottom of the validation curve without choosing the number of
# epochs in advance. For plain gradient descent on a model like this one, stopping early acts
# much like an $L_2$ penalty: the directions it reaches last are those that need large weights.
#
# ## 4. Local minima and saddle points
#
# The notes: the loss of a neural network is non-convex, gradient descent can end in a local
# minimum, and "at a saddle point gradient descent cannot move". Both already happen for
# the smallest network, one tanh neuron $\hat y = \tanh(wx + b)$, with its two parameters
# $(w, b)$ and five training points, so the whole loss surface can be drawn:
#
# $$E(w, b) = \frac{1}{5}\sum_{n=1}^{5}\bigl(\tanh(wx_n + b) - y_n\bigr)^2 .$$
#
# A critical point has $\nabla E = 0$; its Hessian $\nabla^2 E$ (computed here with
# `ag.hessian`) says what it is: both eigenvalues positive is a minimum, eigenvalues of both
# signs a saddle.

# %%
x_n = ag.tensor([-2.0, -1.0, 1.0, 2.0, 3.0])
y_n = ag.tensor([-0.8, 0.8, 0.8, -0.8, -0.8])


def neuron_loss(p):
    """E(w, b) for p = (w, b)."""
    return ((ag.tanh(p[0] * x_n + p[1]) - y_n) ** 2).mean()


def gradient(p):
    p = ag.tensor(p, requires_grad=True)
    return ag.grad(neuron_loss(p), [p])[0].data


def hessian(p):
    return ag.hessian(neuron_loss, ag.tensor(p)).data


def gradient_descent(p, lr=0.25, steps=600):
    path = [np.array(p, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * gradient(path[-1]))
    return np.array(path)


def losses_at(p):
    return neuron_loss(ag.tensor(p)).item()


def newton(p, steps=10):
    """Newton's method on ∇E = 0: pins down the nearby critical point, whatever its kind."""
    p = np.array(p, dtype=float)
    for _ in range(steps):
        p = p - np.linalg.solve(hessian(p), gradient(p))
    return p


starts = [(0.5, -1.0), (-1.5, 2.0), (1.5, 2.0)]
paths = [gradient_descent(s) for s in starts]
minima = [newton(path[-1]) for path in paths]
for s, path, p in zip(starts, paths, minima):
    eig = np.linalg.eigvalsh(hessian(p))
    print(
        f"start {s}: gradient descent ends at (w, b) = {path[-1]}, E = "
        f"{losses_at(path[-1]):.4f}; the minimum there: {p}, "
        f"E = {losses_at(p):.4f}, Hessian eigenvalues {eig}"
    )
    check("   |∇E| at that point", np.linalg.norm(gradient(p)), 1e-10)
    check("   smallest Hessian eigenvalue, negated (< 0: a minimum)", -eig.min(), -1e-3)
    end_loss = neuron_loss(ag.tensor(path[-1])).item()
    check("   |E where gradient descent ended − E at the minimum|", end_loss - losses_at(p), 1e-3)
losses = [losses_at(p) for p in minima]
check(
    "smallest gap between the three minimum losses, negated", -np.diff(sorted(losses)).min(), -0.05
)

# %% [markdown]
# Three starting points, three different minima: gradient descent from $(0.5, -1)$ reaches
# the global minimum (a nearly constant output, $\hat y \approx -0.1$), the other two stop in
# local minima whose loss is higher (each fits a step through some of the points) — where each run ends is decided by where it starts. Between two basins
# the surface has a mountain pass, a saddle point. Newton's method started near the passes
# finds two:

# %%
saddles = [newton((-0.6, 0.8)), newton((0.65, 0.9))]
for p in saddles:
    eig = np.linalg.eigvalsh(hessian(p))
    print(f"(w, b) = {p}: E = {losses_at(p):.4f}, Hessian eigenvalues {eig}")
    check("   |∇E| at that point", np.linalg.norm(gradient(p)), 1e-10)
    check("   product of the Hessian eigenvalues (< 0: mixed signs, a saddle)", eig.prod(), -1e-2)

# %% [markdown]
# At a saddle the gradient is zero, so gradient descent started there does not move at all.
# Started a little off it — $10^{-3}$ along either direction of the eigenvector of the
# negative eigenvalue — it escapes, but slowly, because the gradient is tiny in the whole
# neighbourhood:

# %%
saddle = saddles[0]
down = np.linalg.eigh(hessian(saddle))[1][:, 0]  # eigenvector of the negative eigenvalue
escapes = [gradient_descent(saddle + sign * 1e-3 * down, steps=300) for sign in (1, -1)]
for sign, path in zip(("+", "−"), escapes):
    drop = [losses_at(saddle) - losses_at(path[k]) for k in (50, 300)]
    print(
        f"start {sign}10⁻³·v: E below the saddle by {drop[0]:.1e} after 50 steps, "
        f"by {drop[1]:.3f} after 300 steps"
    )
    check("   loss decrease in the first 50 steps (a plateau)", drop[0], 1e-4)
    check("   loss decrease after 300 steps, negated (escaped)", -drop[1], -0.05)

fig, ax = plt.subplots(figsize=(7, 3.5))
for sign, path in zip(("+", "−"), escapes):
    ax.plot([losses_at(saddle) - losses_at(q) for q in path], label=f"start saddle {sign} 10⁻³·v")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("E(saddle) − E")
ax.set_title(f"Escaping the saddle at (w, b) = ({saddle[0]:.2f}, {saddle[1]:.2f})")
ax.legend()
plt.show()

# %%
w_grid, b_grid = np.meshgrid(np.linspace(-4, 4, 161), np.linspace(-2, 6, 161))
with ag.no_grad():
    surface = ag.tanh(ag.tensor(w_grid[..., None]) * x_n + ag.tensor(b_grid[..., None]))
    surface = ((surface - y_n) ** 2).mean(-1).data
check("E at the global minimum − lowest E on the plotted grid", min(losses) - surface.min(), 0)
plt.figure(figsize=(9, 6.5))
contours = plt.contourf(w_grid, b_grid, surface, levels=30, cmap="viridis")
plt.colorbar(contours, label="E(w, b)")
for s, path, p, color in zip(starts, paths, minima, ["w", "orange", "red"]):
    plt.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.5, label=f"gradient descent from {s}")
    plt.plot(*p, "*", color=color, ms=14, mec="k")
for path in escapes:
    plt.plot(path[:, 0], path[:, 1], "--", color="magenta", lw=1.5)
plt.plot(
    *np.array(saddles).T, "X", color="magenta", ms=11, mec="k", ls="none", label="saddle points"
)
plt.xlabel("w")
plt.ylabel("b")
plt.title("One tanh neuron: three minima (★), two saddles (✕), escapes (dashed)")
plt.legend(fontsize=8, loc="lower left")
plt.show()

# %% [markdown]
# The two escapes from the saddle end in the two basins it separates. For 50 steps the loss
# hardly changes — the plateau around a saddle is the notes' "走不动了" — and only once the
# distance along the negative-curvature direction has grown does the loss drop. In high
# dimensions, where most critical points are saddles, such plateaus are what slows training
# down.
#
# **Summary.** Training error only measures fit; the validation error measures
# generalisation and is U-shaped in the model's capacity. More data, the Frobenius penalty
# $\frac12\lambda\lVert\mathbf{W}\rVert_F^2$ (with $\lambda$ chosen on validation data) and
# early stopping all pull an over-fitting model back. And the loss surface even of a single
# neuron has several minima of different heights and saddles between them, so the
# starting point decides where gradient descent ends.
