# %% [markdown]
# # 10 · The perceptron, what hidden layers add, matrix calculus, forward vs reverse cost
#
# This notebook goes back to the beginning of the notes. The **perceptron** is a single
# linear unit with a sign output, trained by a rule that moves the weights towards each
# misclassified sample; it provably succeeds on linearly separable data and provably fails
# on XOR. Stacking linear layers does not help — they collapse to one — but a nonlinearity
# between them does, and with step units we can see exactly what each extra layer adds:
# half-planes, then convex regions, then unions of convex regions. The second half checks
# the matrix calculus behind backpropagation (the notes' *denominator layout*) against the
# engine, and measures the cost of a full Jacobian in forward and in reverse mode.

# %%
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn

np.set_printoptions(precision=4, suppress=True, linewidth=100)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})


def check(label, error, tol):
    """Print a verified quantity with ✓, or stop the notebook if it is out of tolerance."""
    ok = bool(error <= tol)
    print(f"{label} = {error:.2g} {'✓' if ok else '✗  (tolerance ' + format(tol, '.0e') + ')'}")
    assert ok, label


# %% [markdown]
# ## 1. The perceptron
#
# The model is $f(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + b$ with labels $y \in \{-1, +1\}$.
# In the notes' **augmented form** the bias joins the weights,
# $\hat{\mathbf{w}} = [\mathbf{w}; b]$ and $\hat{\mathbf{x}} = [\mathbf{x}; 1]$, so that
# $\mathbf{w}^\top\mathbf{x} + b = \hat{\mathbf{w}}^\top\hat{\mathbf{x}}$; multiplying the samples
# of the negative class by $-1$, $\mathbf{x}' = y\,\hat{\mathbf{x}}$, turns the goal into one
# inequality for all samples: find $\hat{\mathbf{w}}$ with $\hat{\mathbf{w}}^\top\mathbf{x}'_i > 0$
# for every $i$. The algorithm: start from a random $\hat{\mathbf{w}}$, visit the samples, and on
# each mistake ($\hat{\mathbf{w}}^\top\mathbf{x}' \le 0$) update
#
# $$\hat{\mathbf{w}} \leftarrow \hat{\mathbf{w}} + \mathbf{x}'
# \qquad\text{i.e.}\qquad \mathbf{w} \leftarrow \mathbf{w} + y\,\mathbf{x},\quad b \leftarrow b + y;$$
#
# stop after a pass with no mistake. Written by hand it is a few lines. `nn.Perceptron` runs
# the same rule; with the same random generator (the initial $\hat{\mathbf{w}}$ from
# $U(-1/\sqrt n, 1/\sqrt n)$, then one random order of the samples per epoch) the two must
# agree exactly.

# %%
rng = np.random.default_rng(0)
n_per_class = 30
X_sep = np.vstack(
    [rng.normal([3.0, 4.0], 0.7, (n_per_class, 2)), rng.normal([5.0, 3.0], 0.7, (n_per_class, 2))]
)
y_sep = np.repeat([1, -1], n_per_class)


def perceptron_by_hand(X, y, max_epochs, seed):
    """The notes' algorithm on x' = y·[x; 1]; returns ŵ and the mistakes of each epoch."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(X.shape[1])
    w_hat = rng.uniform(-bound, bound, X.shape[1] + 1)  # step 1: random initialisation
    X_prime = y[:, None] * np.hstack([X, np.ones((len(X), 1))])  # x' = y x̂
    mistakes = []
    for _ in range(max_epochs):
        mistakes.append(0)
        for i in rng.permutation(len(X)):
            if w_hat @ X_prime[i] <= 0:  # misclassified (or on the line)
                w_hat = w_hat + X_prime[i]  # ŵ ← ŵ + x'
                mistakes[-1] += 1
        if mistakes[-1] == 0:
            break
    return w_hat, mistakes


w_hand, mistakes_hand = perceptron_by_hand(X_sep, y_sep, max_epochs=100, seed=0)
perceptron = nn.Perceptron(2, max_epochs=100, rng=0).fit(X_sep, y_sep)
print(perceptron)
print(f"ŵ by hand      = {w_hand}, mistakes per epoch {mistakes_hand}")
print(f"ŵ nn.Perceptron = {perceptron.augmented_weight}, mistakes per epoch {perceptron.mistakes_}")
print(f"converged after {perceptron.n_updates_} updates in {perceptron.n_epochs_} epochs")
check("max |ŵ by hand − ŵ of nn.Perceptron|", np.abs(w_hand - perceptron.augmented_weight).max(), 0)
check(
    "updates by hand − updates of nn.Perceptron",
    abs(sum(mistakes_hand) - perceptron.n_updates_),
    0,
)
check("training errors of the perceptron", np.sum(perceptron.predict(X_sep) != y_sep), 0)

# %% [markdown]
# The number of updates is finite on separable data — the convergence theorem of the notes.
# Its quantitative form: starting from $\hat{\mathbf{w}} = 0$, if a unit vector
# $\hat{\mathbf{w}}^*$ separates the data with margin
# $\gamma = \min_i \hat{\mathbf{w}}^{*\top}\mathbf{x}'_i > 0$, the perceptron makes at most
# $(R/\gamma)^2$ updates, with $R = \max_i\lVert\mathbf{x}'_i\rVert$. Any separating
# $\hat{\mathbf{w}}^*$ gives a valid bound; we take the one just found, normalised.

# %%
X_prime = y_sep[:, None] * np.hstack([X_sep, np.ones((len(X_sep), 1))])
w_star = perceptron.augmented_weight / np.linalg.norm(perceptron.augmented_weight)
gamma = np.min(X_prime @ w_star)
R = np.max(np.linalg.norm(X_prime, axis=1))
from_zero = nn.Perceptron(2, max_epochs=100, rng=1)
from_zero.augmented_weight[:] = 0.0
from_zero.fit(X_sep, y_sep)
print(f"margin γ = {gamma:.3f}, R = {R:.2f}, bound (R/γ)² = {(R / gamma) ** 2:.0f}")
print(f"updates from ŵ = 0: {from_zero.n_updates_}")
check(
    "fraction of samples with ŵ*ᵀx' ≤ 0 (ŵ* separates the data)", np.mean(X_prime @ w_star <= 0), 0
)
check("updates from ŵ = 0 − (R/γ)²  (≤ 0)", from_zero.n_updates_ - (R / gamma) ** 2, 0)

# %% [markdown]
# The bound holds with a wide gap: it is a worst case, and the margin of this $\hat{\mathbf{w}}^*$
# is small (a separator with a larger margin would give a tighter bound).
#
# **XOR** is the classic data set that no line separates: $(0,0)$ and $(1,1)$ in one class,
# $(0,1)$ and $(1,0)$ in the other. The update rule then never stops: every epoch makes at
# least one mistake, however long we run it.

# %%
X_xor = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
y_xor = np.array([-1, -1, 1, 1])
xor_perceptron = nn.Perceptron(2, max_epochs=300, rng=0).fit(X_xor, y_xor)
print(
    f"XOR: {xor_perceptron.n_epochs_} epochs, {xor_perceptron.n_updates_} updates, "
    f"converged: {xor_perceptron.converged_}, "
    f"fewest mistakes in an epoch: {min(xor_perceptron.mistakes_)}"
)
check("XOR: 1 − fewest mistakes in one of 300 epochs  (≤ 0)", 1 - min(xor_perceptron.mistakes_), 0)
check("XOR: training accuracy − 3/4  (≤ 0)", xor_perceptron.score(X_xor, y_xor) - 0.75, 0)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
for label, marker, color in [(1, "o", "C0"), (-1, "s", "C3")]:
    ax1.scatter(*X_sep[y_sep == label].T, marker=marker, color=color, label=f"y = {label:+d}")
(w1, w2), b = perceptron.weight, perceptron.bias
x1 = np.array([X_sep[:, 0].min(), X_sep[:, 0].max()])
ax1.plot(x1, -(w1 * x1 + b) / w2, "k-", label=r"$\mathbf{w}^\top\mathbf{x} + b = 0$")
ax1.set_xlabel("$x_1$")
ax1.set_ylabel("$x_2$")
ax1.set_title(f"Separable data: {perceptron.n_updates_} updates, no training error")
ax1.legend()
ax2.plot(np.arange(1, xor_perceptron.n_epochs_ + 1), xor_perceptron.mistakes_, ".", ms=3)
ax2.set_xlabel("epoch")
ax2.set_ylabel("mistakes in the epoch")
ax2.set_ylim(-0.2, 4.2)
ax2.set_title("XOR: the perceptron never finishes an epoch without a mistake")
plt.show()

# %% [markdown]
# ## 2. A linear MLP is still a linear model
#
# Two linear layers without activation compute
# $W^{(2)}(W^{(1)}\mathbf{x} + \mathbf{b}^{(1)}) + \mathbf{b}^{(2)} = W\mathbf{x} + \mathbf{b}$ with
# $W = W^{(2)}W^{(1)}$ and $\mathbf{b} = W^{(2)}\mathbf{b}^{(1)} + \mathbf{b}^{(2)}$: one layer.
# This is the notes' remark that, however many hidden layers are added, a network of linear
# maps is equivalent to a single-layer perceptron; so it cannot fit XOR either. No linear
# function gets the signs of
# more than 3 of the 4 points right, and the least-squares fit to the $\pm 1$ targets is the
# constant 0 (by symmetry), with mean squared error 1: it learns nothing (the signs of its
# near-zero outputs are noise). A tanh between the layers fixes it.

# %%
linear_mlp = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Linear(8, 1, rng=1))
first, second = linear_mlp[0], linear_mlp[1]
W = second.weight.data @ first.weight.data
b = second.weight.data @ first.bias.data + second.bias.data
single = nn.Linear(2, 1)
single.weight.data[...] = W
single.bias.data[...] = b
X_test = np.random.default_rng(1).normal(size=(100, 2))
with ag.no_grad():
    gap = np.abs(linear_mlp(ag.tensor(X_test)).data - single(ag.tensor(X_test)).data).max()
print(f"W = W2 W1 = {W}, b = W2 b1 + b2 = {b}")
check("max |two linear layers − one Linear(W, b)| on 100 inputs", gap, 1e-12)


def train_xor(model, steps=200, lr=0.05):
    """Full-batch Adam on the squared error to the ±1 XOR targets; returns outputs and loss."""
    X, y = ag.tensor(X_xor), ag.tensor(y_xor[:, None].astype(float))
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(X) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    with ag.no_grad():
        output = model(X).data[:, 0]
    return output, loss.item()


linear_output, linear_loss = train_xor(linear_mlp)
linear_accuracy = np.mean(np.sign(linear_output) == y_xor)
tanh_mlp = nn.Sequential(nn.Linear(2, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
tanh_output, tanh_loss = train_xor(tanh_mlp)
tanh_accuracy = np.mean(np.sign(tanh_output) == y_xor)
print(f"targets {y_xor}")
print(f"2-8-1 linear MLP: outputs {linear_output}, loss {linear_loss:.4f}")
print(f"2-4-1 tanh MLP:   outputs {tanh_output}, loss {tanh_loss:.4f}")
print(f"XOR accuracy (sign of the output): linear {linear_accuracy:.2f}, tanh {tanh_accuracy:.2f}")
check("linear MLP: XOR accuracy − 3/4  (≤ 0)", linear_accuracy - 0.75, 0)
check(
    "linear MLP: |loss − 1| (the least-squares fit is the constant 0)", abs(linear_loss - 1), 1e-3
)
check("tanh MLP: 1 − XOR accuracy", 1 - tanh_accuracy, 0)

# %% [markdown]
# ## 3. What the hidden layers add
#
# The notes explain the power of depth with **step units** $\varphi(z) = [z > 0]$:
#
# 1. one unit draws a line: its region $\{\mathbf{w}^\top\mathbf{x} + b > 0\}$ is a half-plane;
# 2. a hidden layer draws several lines, and an output unit that fires only when *all* of
#    them fire (weights 1, bias $-(k - \tfrac12)$: a logical AND) encloses their intersection,
#    a **convex polygon**;
# 3. a second hidden layer builds several such polygons, and an output unit that fires when
#    *any* of them fires (weights 1, bias $-\tfrac12$: a logical OR) forms their **union**, which
#    need not be convex or even connected.
#
# Below, hand-built networks of each kind on a grid over $[-3, 3]^2$: a 2-1 unit, the 2-2-1
# network that solves XOR (the strip between $x_1 + x_2 = \tfrac12$ and $x_1 + x_2 = \tfrac32$:
# OR and not AND), a 2-3-1 triangle and a 2-6-2-1 union of two triangles. The inward normal
# of the edge from vertex $\mathbf{p}$ to $\mathbf{q}$ of a counter-clockwise polygon is
# $(-(q_2 - p_2), q_1 - p_1)$, which gives one hidden unit per edge.


# %%
def step(z):
    """The step activation [z > 0]."""
    return (z > 0).astype(float)


def layer(a, W, b):
    """Step units z = W a + b for each row a of the batch."""
    return step(a @ np.asarray(W, float).T + b)


def edge_units(vertices):
    """W, b of one step unit per edge, each firing on the inner side of a CCW polygon."""
    p = np.asarray(vertices, float)
    q = np.roll(p, -1, axis=0)
    W = np.stack([-(q[:, 1] - p[:, 1]), q[:, 0] - p[:, 0]], axis=1)
    return W, -np.sum(W * p, axis=1)


triangle_a = [(-2.5, -2.0), (-0.5, -2.0), (-1.5, 1.5)]
triangle_b = [(0.5, 0.5), (2.5, -1.0), (2.0, 2.5)]
W_a, b_a = edge_units(triangle_a)
W_b, b_b = edge_units(triangle_b)


def one_unit(x):
    return layer(x, [[1.0, 2.0]], [-1.0])[:, 0]


def xor_net(x):  # 2-2-1: OR and not AND
    hidden = layer(x, [[1.0, 1.0], [1.0, 1.0]], [-0.5, -1.5])
    return layer(hidden, [[1.0, -1.0]], [-0.5])[:, 0]


def triangle_net(x):  # 2-3-1: AND of the three edge units
    return layer(layer(x, W_a, b_a), [[1.0, 1.0, 1.0]], [-2.5])[:, 0]


def two_triangles_net(x):  # 2-6-2-1: AND within each triangle, OR across them
    hidden1 = layer(x, np.vstack([W_a, W_b]), np.concatenate([b_a, b_b]))
    hidden2 = layer(hidden1, [[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], [-2.5, -2.5])
    return layer(hidden2, [[1.0, 1.0]], [-0.5])[:, 0]


networks = {
    "2-1: a half-plane": one_unit,
    "2-2-1 (XOR): a strip": xor_net,
    "2-3-1: a triangle": triangle_net,
    "2-6-2-1: union of two triangles": two_triangles_net,
}
ticks = np.linspace(-3, 3, 201)
grid = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)

fig, axes = plt.subplots(1, 4, figsize=(16, 4))
for ax, (title, net) in zip(axes, networks.items()):
    inside = net(grid).reshape(len(ticks), len(ticks))
    ax.contourf(ticks, ticks, inside, levels=[-0.5, 0.5, 1.5], colors=["white", "C0"], alpha=0.6)
    ax.plot([], [], "s", color="C0", alpha=0.6, label="output 1")
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8)
axes[1].scatter(*X_xor[y_xor > 0].T, color="C3", zorder=3, label="XOR, y = +1")
axes[1].scatter(*X_xor[y_xor < 0].T, color="k", zorder=3, label="XOR, y = −1")
axes[1].legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# The shapes, checked numerically. A region is convex when the midpoint of any two of its
# points is in it again; we test 20 000 random pairs of grid points inside each region. The
# XOR network classifies the four XOR points correctly, the triangle's area matches the
# shoelace formula up to the grid resolution, and the union of two triangles is **not**
# convex: the midpoint of the two centroids lies outside, and many midpoints fail.


# %%
def midpoint_failures(net, n_pairs=20_000, seed=0):
    """How many midpoints of random pairs of points inside the region fall outside it."""
    inside = grid[net(grid) == 1]
    pairs = np.random.default_rng(seed).integers(len(inside), size=(n_pairs, 2))
    midpoints = (inside[pairs[:, 0]] + inside[pairs[:, 1]]) / 2
    return int(np.sum(net(midpoints) == 0))


def polygon_area(vertices):
    """The shoelace formula for the area of a simple polygon."""
    x, y = np.asarray(vertices, float).T
    return 0.5 * abs(x @ np.roll(y, -1) - y @ np.roll(x, -1))


cell_area = (ticks[1] - ticks[0]) ** 2
failures = {title: midpoint_failures(net) for title, net in networks.items()}
for title, count in failures.items():
    print(f"{title:32s}: {count:5d} of 20000 midpoints outside the region")
for title in list(networks)[:3]:
    check(f"{title}: midpoints outside the region", failures[title], 0)
check("2-2-1 XOR network: errors on the four XOR points", np.sum(xor_net(X_xor) != (y_xor > 0)), 0)
triangle_grid_area = triangle_net(grid).sum() * cell_area
check(
    "2-3-1: |grid area − shoelace area| / area",
    abs(triangle_grid_area - polygon_area(triangle_a)) / polygon_area(triangle_a),
    0.03,
)
union_grid_area = two_triangles_net(grid).sum() * cell_area
union_area = polygon_area(triangle_a) + polygon_area(triangle_b)
check(
    "2-6-2-1: |grid area − sum of the two areas| / sum",
    abs(union_grid_area - union_area) / union_area,
    0.03,
)
centroids = np.array([np.mean(triangle_a, axis=0), np.mean(triangle_b, axis=0)])
check("2-6-2-1: triangle centroids outside the region", 2 - two_triangles_net(centroids).sum(), 0)
check(
    "2-6-2-1: output at the midpoint of the centroids",
    two_triangles_net(centroids.mean(0, keepdims=True))[0],
    0,
)
check(
    "2-6-2-1: 1000 − midpoints outside  (≤ 0: clearly non-convex)",
    1000 - failures["2-6-2-1: union of two triangles"],
    0,
)


# %% [markdown]
# ## 4. The chain rule for vectors and matrices (denominator layout)
#
# The notes write derivatives in the **denominator layout**: for $\mathbf{x} \in \mathbb{R}^p$
# and $\mathbf{y} = g(\mathbf{x}) \in \mathbb{R}^s$, $\frac{\partial\mathbf{y}}{\partial\mathbf{x}}
# \in \mathbb{R}^{p \times s}$ with entry $(i, j)$ equal to $\partial y_j / \partial x_i$ — vectors
# are columns, and the gradient of a scalar has the shape of $\mathbf{x}$. It is the
# **transpose of the Jacobian** $J \in \mathbb{R}^{s \times p}$, which is what `ag.jacobian`
# returns (shape `out.shape + x.shape`). In this layout the chain rule multiplies the factors
# from the input towards the output: for $\mathbf{z} = f(\mathbf{y}) \in \mathbb{R}^t$,
#
# $$\frac{\partial\mathbf{z}}{\partial\mathbf{x}} = \frac{\partial\mathbf{y}}{\partial\mathbf{x}}
# \frac{\partial\mathbf{z}}{\partial\mathbf{y}} \in \mathbb{R}^{p \times t}.$$
#
# The building blocks of a layer $\mathbf{z} = W\mathbf{x} + \mathbf{b}$,
# $\mathbf{a} = f(\mathbf{z})$ (with $f$ applied elementwise) are
#
# $$\frac{\partial(W\mathbf{x} + \mathbf{b})}{\partial\mathbf{x}} = W^\top,\qquad
# \frac{\partial(W\mathbf{x} + \mathbf{b})}{\partial\mathbf{b}} = I,\qquad
# \frac{\partial f(\mathbf{z})}{\partial\mathbf{z}} = \operatorname{diag}(f'(\mathbf{z})),$$
#
# so for a scalar loss $\mathcal{L}(\mathbf{a})$ the chain rule gives
# $\frac{\partial\mathcal{L}}{\partial\mathbf{x}} = W^\top\operatorname{diag}(f'(\mathbf{z}))
# \frac{\partial\mathcal{L}}{\partial\mathbf{a}}$. Each identity is checked below in float64,
# against `ag.jacobian` transposed to the denominator layout, and against `backward`.

# %%
rng = np.random.default_rng(2)
p, s, t = 5, 4, 3
W = rng.normal(size=(s, p))
b = rng.normal(size=s)
x = rng.normal(size=p)


def denominator(f, x):
    """∂f(x)/∂x in the denominator layout: the transpose of the Jacobian."""
    return ag.jacobian(f, ag.tensor(x)).data.T


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z))."""
    sigma = 1 / (1 + np.exp(-z))
    return sigma * (1 - sigma)


z = W @ x + b
check(
    "max |∂(Wx + b)/∂x − Wᵀ|",
    np.abs(denominator(lambda v: ag.tensor(W) @ v + ag.tensor(b), x) - W.T).max(),
    1e-10,
)
check(
    "max |∂(Wx + b)/∂b − I|",
    np.abs(denominator(lambda c: ag.tensor(W) @ ag.tensor(x) + c, b) - np.eye(s)).max(),
    1e-10,
)
check(
    "max |∂σ(z)/∂z − diag(σ'(z))|",
    np.abs(denominator(ag.sigmoid, z) - np.diag(sigmoid_prime(z))).max(),
    1e-10,
)

# the chain rule for y = g(x) ∈ R^s, z = f(y) ∈ R^t
V = rng.normal(size=(t, s))


def g(v):
    return ag.tanh(ag.tensor(W) @ v + ag.tensor(b))


def f(y):
    return ag.tensor(V) @ y


dy_dx = denominator(g, x)  # p × s
dz_dy = denominator(f, np.tanh(z))  # s × t
dz_dx = denominator(lambda v: f(g(v)), x)  # p × t
print(f"shapes: ∂y/∂x {dy_dx.shape}, ∂z/∂y {dz_dy.shape}, ∂z/∂x {dz_dx.shape}")
check("max |∂z/∂x − (∂y/∂x)(∂z/∂y)|", np.abs(dz_dx - dy_dx @ dz_dy).max(), 1e-10)

# ∂L/∂x = Wᵀ diag(f'(z)) ∂L/∂a for a = σ(Wx + b) and L = ½‖a − y‖²
target = rng.normal(size=s)
x_leaf = ag.tensor(x, requires_grad=True)
a = ag.sigmoid(ag.tensor(W) @ x_leaf + ag.tensor(b))
loss = 0.5 * ((a - ag.tensor(target)) ** 2).sum()
loss.backward()
dL_da = a.data - target
check(
    "max |backward's ∂L/∂x − Wᵀ diag(σ'(z)) ∂L/∂a|",
    np.abs(x_leaf.grad.data - W.T @ np.diag(sigmoid_prime(z)) @ dL_da).max(),
    1e-10,
)

# %% [markdown]
# The same rules give backpropagation's formulas in the notes' notation. For layer $l$,
# $\mathbf{z}^{(l)} = W^{(l)}\mathbf{a}^{(l-1)} + \mathbf{b}^{(l)}$ and
# $\mathbf{a}^{(l)} = f_l(\mathbf{z}^{(l)})$. With a matrix argument the notes differentiate
# element by element: $\frac{\partial\mathbf{z}^{(l)}}{\partial w^{(l)}_{ij}} =
# [0, \dots, a^{(l-1)}_j, \dots, 0]$ ($a^{(l-1)}_j$ in position $i$), so with the **error term**
# $\boldsymbol\delta^{(l)} = \frac{\partial\mathcal{L}}{\partial\mathbf{z}^{(l)}}$
#
# $$\frac{\partial\mathcal{L}}{\partial w^{(l)}_{ij}} = \delta^{(l)}_i a^{(l-1)}_j,\qquad
# \frac{\partial\mathcal{L}}{\partial W^{(l)}} = \boldsymbol\delta^{(l)}(\mathbf{a}^{(l-1)})^\top,\qquad
# \frac{\partial\mathcal{L}}{\partial\mathbf{b}^{(l)}} = \boldsymbol\delta^{(l)},\qquad
# \boldsymbol\delta^{(l)} = f_l'(\mathbf{z}^{(l)}) \odot (W^{(l+1)})^\top\boldsymbol\delta^{(l+1)}.$$
#
# Checked on a 5-4-3 sigmoid network with $\mathcal{L} = \frac12\lVert\mathbf{a}^{(2)} -
# \mathbf{y}\rVert^2$, so that $\boldsymbol\delta^{(2)} = f'(\mathbf{z}^{(2)}) \odot
# (\mathbf{a}^{(2)} - \mathbf{y})$:

# %%
W1, b1 = W, b  # layer 1: 5 → 4
W2, b2 = V, rng.normal(size=t)  # layer 2: 4 → 3
y = rng.normal(size=t)

# ∂z/∂w_ij has a_j in position i and zeros elsewhere: the Jacobian with respect to W1
dz_dW = ag.jacobian(lambda M: M @ ag.tensor(x) + ag.tensor(b1), ag.tensor(W1)).data  # (4, 4, 5)
expected = np.einsum("ki,j->kij", np.eye(s), x)  # entry (k, i, j) = [k = i] a_j
check("max |∂z⁽¹⁾_k/∂w⁽¹⁾_ij − [k = i] a⁽⁰⁾_j|", np.abs(dz_dW - expected).max(), 1e-10)

params = [ag.tensor(v, requires_grad=True) for v in (W1, b1, W2, b2)]
z1 = params[0] @ ag.tensor(x) + params[1]
a1 = ag.sigmoid(z1)
z2 = params[2] @ a1 + params[3]
a2 = ag.sigmoid(z2)
(0.5 * ((a2 - ag.tensor(y)) ** 2).sum()).backward()

delta2 = sigmoid_prime(z2.data) * (a2.data - y)
delta1 = sigmoid_prime(z1.data) * (W2.T @ delta2)
by_formula = [np.outer(delta1, x), delta1, np.outer(delta2, a1.data), delta2]
names = ["∂L/∂W⁽¹⁾ = δ⁽¹⁾(a⁽⁰⁾)ᵀ", "∂L/∂b⁽¹⁾ = δ⁽¹⁾", "∂L/∂W⁽²⁾ = δ⁽²⁾(a⁽¹⁾)ᵀ", "∂L/∂b⁽²⁾ = δ⁽²⁾"]
for name, param, formula in zip(names, params, by_formula):
    check(f"max |backward − formula| for {name}", np.abs(param.grad.data - formula).max(), 1e-10)

# %% [markdown]
# ## 5. Forward mode or reverse mode: what a full Jacobian costs
#
# Forward mode carries one tangent from the input to the output: one pass gives one column of
# the Jacobian of $f: \mathbb{R}^n \to \mathbb{R}^m$, so the full Jacobian takes $n$ passes
# (`ag.jacobian(..., mode="fwd")`). Reverse mode carries one adjoint from the output back to
# the input: one pass gives one row, $m$ passes in all (`mode="rev"`). The notes' conclusion —
# a network's loss is a single number ($m = 1$) of very many parameters, so reverse mode
# (backpropagation) is far cheaper — is the case $m \ll n$. We time
# $f(\mathbf{x}) = \tanh(A\mathbf{x})$ with $A \in \mathbb{R}^{m \times n}$, first for $n = 2$
# and growing $m$, then for $m = 2$ and growing $n$ (best of 3 timings of each Jacobian).


# %%
def jacobian_seconds(n, m, mode, repeat=3):
    """Best wall-clock time of the full Jacobian of x ↦ tanh(Ax), A of shape (m, n)."""
    A = ag.tensor(np.random.default_rng(3).normal(size=(m, n)))
    x = ag.tensor(np.ones(n))
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        J = ag.jacobian(lambda v: ag.tanh(A @ v), x, mode=mode)
        best = min(best, time.perf_counter() - start)
    assert J.shape == (m, n)
    return best


sizes = [1, 4, 16, 64, 256]
start = time.perf_counter()
grow_m = {mode: [jacobian_seconds(2, m, mode) for m in sizes] for mode in ("fwd", "rev")}
grow_n = {mode: [jacobian_seconds(n, 2, mode) for n in sizes] for mode in ("fwd", "rev")}
print(f"all timings took {time.perf_counter() - start:.1f} s")
for title, times in [("n = 2, growing m", grow_m), ("m = 2, growing n", grow_n)]:
    print(title)
    for size, fwd, rev in zip(sizes, times["fwd"], times["rev"]):
        print(f"   {size:4d}: forward {1e3 * fwd:7.2f} ms, reverse {1e3 * rev:7.2f} ms")

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, times, varied in [
    (axes[0], grow_m, "m (outputs), n = 2"),
    (axes[1], grow_n, "n (inputs), m = 2"),
]:
    ax.loglog(sizes, 1e3 * np.array(times["fwd"]), "o-", label='forward mode (mode="fwd")')
    ax.loglog(sizes, 1e3 * np.array(times["rev"]), "s-", label='reverse mode (mode="rev")')
    ax.set_xlabel(varied)
    ax.set_ylabel("time for the full Jacobian (ms)")
    ax.legend()
axes[0].set_title("Many outputs, few inputs: forward mode wins")
axes[1].set_title("Many inputs, few outputs: reverse mode wins")
plt.show()

# %% [markdown]
# Forward mode's time stays flat as $m$ grows (always $n = 2$ passes) while reverse mode's
# grows with $m$, and the other way round as $n$ grows. At 256 against 2 the ratio is far
# beyond timing noise; the checks demand a factor of at least 2.

# %%
check(
    "n = 2, m = 256: 2 × forward time − reverse time  (≤ 0)",
    2 * grow_m["fwd"][-1] - grow_m["rev"][-1],
    0,
)
check(
    "m = 2, n = 256: 2 × reverse time − forward time  (≤ 0)",
    2 * grow_n["rev"][-1] - grow_n["fwd"][-1],
    0,
)
