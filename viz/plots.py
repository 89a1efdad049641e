"""The figures of the notes, drawn with matplotlib; every derivative comes from the engine.

Each function returns a ``matplotlib.figure.Figure`` built without pyplot's global state,
so it works headless (Agg) and in notebooks alike: ``fig.savefig("name.png")``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

import autograd_core as ag

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import ArrayLike

    from nn import Module

__all__ = [
    "ACTIVATIONS",
    "DISPLAY_NAMES",
    "display_name",
    "activation_curves",
    "plot_activations",
    "plot_loss_surface",
    "plot_gradient_flow",
    "gradient_norms",
    "plot_history",
    "plot_decision_boundary",
    "PROBLEMS",
    "optimizer_paths",
    "plot_optimizer_paths",
]


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _activations():
    import nn.functional as F

    slope = ag.tensor(0.25)
    return {
        "sigmoid": F.sigmoid,
        "tanh": F.tanh,
        "hard_logistic": F.hard_logistic,
        "hard_tanh": F.hard_tanh,
        "relu": F.relu,
        "leaky_relu (γ=0.1)": lambda x: F.leaky_relu(x, 0.1),
        "prelu (γ=0.25)": lambda x: F.prelu(x, slope),
        "elu": F.elu,
        "softplus": F.softplus,
        "swish (β=1) = silu": F.silu,
        "swish (β=5)": lambda x: F.swish(x, 5.0),
        "gelu": F.gelu,
        "gelu (tanh)": lambda x: F.gelu(x, "tanh"),
        "gelu (sigmoid)": lambda x: F.gelu(x, "sigmoid"),
        "dyt (α=0.5)": lambda x: F.dyt(x, ag.tensor(0.5), ag.tensor(1.0), ag.tensor(0.0)),
    }


ACTIVATIONS = tuple(
    [
        "sigmoid",
        "tanh",
        "hard_logistic",
        "hard_tanh",
        "relu",
        "leaky_relu (γ=0.1)",
        "prelu (γ=0.25)",
        "elu",
        "softplus",
        "swish (β=1) = silu",
        "swish (β=5)",
        "gelu",
        "gelu (tanh)",
        "gelu (sigmoid)",
        "dyt (α=0.5)",
    ]
)


# the notes' names of the activations, for titles and legends
DISPLAY_NAMES = {
    "sigmoid": "Logistic",
    "tanh": "Tanh",
    "hard_logistic": "Hard-Logistic",
    "hard_tanh": "Hard-Tanh",
    "relu": "ReLU",
    "leaky_relu (γ=0.1)": "Leaky ReLU (γ = 0.1)",
    "prelu (γ=0.25)": "PReLU (γ = 0.25)",
    "elu": "ELU",
    "softplus": "Softplus",
    "swish (β=1) = silu": "Swish (β = 1) = SiLU",
    "swish (β=5)": "Swish (β = 5)",
    "gelu": "GELU",
    "gelu (tanh)": "GELU (Tanh approximation)",
    "gelu (sigmoid)": "GELU (Logistic approximation)",
    "dyt (α=0.5)": "DyT (α = 0.5)",
}


def display_name(name: str) -> str:
    """The notes' name of an activation (``"hard_logistic"`` -> ``"Hard-Logistic"``)."""
    return DISPLAY_NAMES.get(name, name)


def activation_curves(name: str, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(f(x), f'(x))`` of an activation as numpy arrays; f' by reverse mode."""
    functions = _activations()
    if name not in functions:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(functions)}")
    t = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = functions[name](t)
    (dy,) = ag.grad(y.sum(), t)  # elementwise, so the gradient of the sum is f'(x)
    return y.data.copy(), dy.data.copy()


def plot_activations(
    names: Iterable[str] | None = None,
    x_range: tuple[float, float] = (-4.0, 4.0),
    points: int = 401,
) -> Figure:
    """Each activation of ``nn`` (solid) and its derivative computed by the engine (dashed)."""
    names = list(ACTIVATIONS if names is None else names)
    x = np.linspace(*x_range, points)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig = _figure(3.2 * cols, 2.5 * rows)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, names):
        y, dy = activation_curves(name, x)
        ax.axhline(0, color="#bbbbbb", lw=0.8)
        ax.axvline(0, color="#bbbbbb", lw=0.8)
        ax.plot(x, y, color="#1f77b4", lw=2, label="f(x)")
        ax.plot(x, dy, color="#d62728", lw=1.5, ls="--", label="f'(x)")
        ax.set_title(display_name(name), fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x), f'(x)")
        ax.set_ylim(-1.6, 3.2)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    fig.suptitle("Activation functions and their derivatives (by reverse-mode autodiff)")
    return fig


def plot_loss_surface(
    x: float = 1.0, y: float = 1.0, w_range: tuple[float, float] = (-10.0, 10.0), points: int = 81
) -> Figure:
    """The 1-1-1 network ŷ = σ(w2·σ(w1·x)) at (x, y): squared error (y - ŷ)² and
    cross-entropy -y log ŷ - (1 - y) log(1 - ŷ) over a (w1, w2) grid, side by side.

    As in the notes: the squared error has flat plateaus (vanishing gradients, non-convex),
    the cross-entropy surface keeps a slope wherever the prediction is wrong.
    """
    w = np.linspace(*w_range, points)
    w1, w2 = np.meshgrid(w, w)
    W1, W2 = ag.tensor(w1), ag.tensor(w2)
    y_hat = ag.sigmoid(W2 * ag.sigmoid(W1 * x))
    squared = ((y - y_hat) ** 2).data
    eps = 1e-12
    cross = (
        -(y * ag.log(ag.clip(y_hat, eps, None))) - (1 - y) * ag.log(ag.clip(1 - y_hat, eps, None))
    ).data
    fig = _figure(11, 4.6)
    cross_name = "−log ŷ" if y == 1 else "−y log ŷ − (1 − y) log(1 − ŷ)"
    panels = [
        (squared, "Squared error", "(y − ŷ)²"),
        (cross, "Cross-entropy", cross_name),
    ]
    for i, (z, title, formula) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1, projection="3d")
        ax.plot_surface(
            w1, w2, z, cmap="viridis", linewidth=0, antialiased=True, rstride=2, cstride=2
        )
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
        ax.set_zlabel(f"loss {formula}")
        ax.set_title(f"{title} {formula}")
        ax.view_init(elev=28, azim=-135)
    fig.suptitle(f"Loss surfaces of ŷ = σ(w₂·σ(w₁·x)) at x = {x:g}, y = {y:g}")
    return fig


def gradient_norms(model: Module) -> list[tuple[str, float]]:
    """``[(name, ‖∂L/∂W‖)]`` for every weight matrix of ``model`` that has a gradient."""
    return [
        (name, float(np.linalg.norm(p.grad.data)))
        for name, p in model.named_parameters()
        if p.ndim >= 2 and p.grad is not None
    ]


def _deep_network(activation, depth, width, rng):
    """``depth`` hidden layers, each initialised as recommended for its activation (Xavier
    for Logistic, He for ReLU), so that what remains is the activation's own effect."""
    import nn

    layers = []
    for i in range(depth):
        linear = nn.Linear(width if i else 2, width, rng=rng)
        if activation is nn.ReLU:
            nn.init.kaiming_normal_(linear.weight, rng=rng)
        else:
            nn.init.xavier_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    layers.append(nn.Linear(width, 1, rng=rng))
    return nn.Sequential(*layers)


def _architecture(model: Module) -> str:
    """Depth and hidden width of ``model`` read from its Linear layers, as a phrase."""
    import nn

    linears = [m for _, m in model.named_modules() if isinstance(m, nn.Linear)]
    widths = sorted({m.weight.shape[0] for m in linears[:-1]})
    width = ", ".join(str(w) for w in widths) or "none"
    return f"depth {len(linears)} (Linear layers), hidden width {width}"


def plot_gradient_flow(
    model_or_history: Module | dict[str, Module] | None = None,
    depth: int = 10,
    width: int = 32,
    seed: int = 0,
    init: str | None = None,
) -> Figure:
    """Per-layer gradient norms ‖∂L/∂W⁽ˡ⁾‖ on a log scale.

    With no model: a deep Logistic network (Xavier init) against a ReLU network (He init),
    ``depth`` hidden layers of ``width`` units, after one backward pass on random data: the
    vanishing gradient of the notes, σ' ≤ 1/4 shrinks the error signal at every layer, while
    ReLU passes it on unchanged where active. Otherwise pass a model whose gradients are
    filled, or a dict ``{label: model}`` to compare several, and name their initialisation
    with ``init`` (the default comparison names its own). The title states depth and hidden
    width, read from the Linear layers, and the initialisation.
    """
    import nn

    if model_or_history is None:
        rng = np.random.default_rng(seed)
        x = ag.tensor(rng.standard_normal((64, 2)))
        target = ag.tensor(rng.standard_normal((64, 1)))
        models = {}
        for label, activation in [
            ("Logistic, Xavier init", nn.Sigmoid),
            ("ReLU, He init", nn.ReLU),
        ]:
            model = _deep_network(activation, depth, width, np.random.default_rng(seed))
            nn.functional.mse_loss(model(x), target).backward()
            models[label] = model
        init = "Xavier for Logistic, He for ReLU"  # what _deep_network uses
    elif isinstance(model_or_history, dict):
        models = model_or_history
    else:
        models = {"model": model_or_history}
    fig = _figure(7, 4.3)
    ax = fig.subplots()
    for label, model in models.items():
        norms = gradient_norms(model)
        if not norms:
            raise ValueError(f"plot_gradient_flow: {label} has no gradients; call backward first")
        ax.semilogy(range(1, len(norms) + 1), [n for _, n in norms], marker="o", label=label)
    shapes = sorted({_architecture(model) for model in models.values()})
    details = "; ".join(shapes) + (f"; init: {init}" if init else "")
    ax.set_xlabel("layer l (input → output)")
    ax.set_ylabel("‖∂L/∂W⁽ˡ⁾‖ (log scale)")
    ax.set_title(f"Gradient flow: per-layer gradient norms\n{details}", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return fig


def plot_history(history: dict[str, list[float]]) -> Figure:
    """Loss (and, when present, accuracy) per epoch, training and validation."""
    if not history or "loss" not in history:
        raise ValueError("plot_history: history must be a dict with at least a 'loss' list")
    metrics = [
        k
        for k in history
        if not k.startswith("val_") and k != "loss" and isinstance(history[k], list) and history[k]
    ]
    panels = ["loss"] + metrics
    fig = _figure(5 * len(panels), 3.8)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, key in zip(axes, panels):
        epochs = range(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], marker=".", label=f"train {key}")
        if history.get(f"val_{key}"):
            ax.plot(
                range(1, len(history[f"val_{key}"]) + 1),
                history[f"val_{key}"],
                marker=".",
                label=f"validation {key}",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key.replace("_", " ").capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def plot_decision_boundary(
    model: Module, X: ArrayLike, y: ArrayLike, resolution: int = 200, margin: float = 0.5
) -> Figure:
    """Predicted classes of ``model`` over the plane, with the data points on top."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got {X.shape}")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(
        X.dtype if X.dtype.kind == "f" else float
    )
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    with ag.no_grad():
        scores = model(ag.tensor(grid)).data
    if was_training:
        model.train()
    several = scores.ndim == 2 and scores.shape[1] > 1
    labels = scores.argmax(axis=1) if several else (scores.ravel() > 0).astype(int)
    classes = np.unique(np.concatenate([np.unique(y), np.unique(labels)])).astype(int)
    colors = _colors("coolwarm", len(classes))
    fig = _figure(5.5, 5)
    ax = fig.subplots()
    ax.contourf(
        gx,
        gy,
        np.searchsorted(classes, labels).reshape(gx.shape),
        alpha=0.25,
        colors=colors,
        levels=np.arange(len(classes) + 1) - 0.5,
    )
    for color, c in zip(colors, classes):
        mine = y == c
        ax.scatter(
            X[mine, 0], X[mine, 1], color=color, s=12, edgecolors="k", lw=0.3, label=f"class {c}"
        )
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("Decision boundary (shaded: the predicted class)")
    ax.legend(loc="best", fontsize=8)
    return fig


def _colors(name, count):
    """``count`` colours spread evenly over matplotlib's colormap ``name``."""
    from matplotlib import colormaps

    return [colormaps[name](v) for v in np.linspace(0.0, 1.0, max(count, 2))][:count]


def _quadratic(p):
    return 0.5 * (p[0] ** 2 + 25.0 * p[1] ** 2)


def _rosenbrock(p):
    return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2


# problem -> (f, start, plot window, steps, learning rate per optimiser). On the quadratic,
# SGD's rate is near its stability limit 2/25, so y flips sign every step (the zig-zag of
# the notes), and Momentum's is small enough that its velocity averages the flips away; on
# Rosenbrock the rates are the best of a coarse sweep.
PROBLEMS = {
    "ill-conditioned quadratic ½(x² + 25y²)": (
        _quadratic,
        (-4.5, 1.5),
        ((-5, 5), (-2, 2)),
        100,
        {"SGD": 0.075, "Momentum": 0.003, "AdaGrad": 1.0, "RMSProp": 0.05, "Adam": 0.2},
    ),
    "Rosenbrock (1-x)² + 100(y-x²)²": (
        _rosenbrock,
        (-1.5, 2.0),
        ((-2, 2), (-1, 3)),
        500,
        {"SGD": 0.001, "Momentum": 0.001, "AdaGrad": 0.5, "RMSProp": 0.01, "Adam": 0.1},
    ),
}


def _optimizer(name, params, lr):
    import nn

    if name == "SGD":
        return nn.optim.SGD(params, lr=lr)
    if name == "Momentum":
        return nn.optim.SGD(params, lr=lr, momentum=0.9)
    return {"AdaGrad": nn.optim.AdaGrad, "RMSProp": nn.optim.RMSProp, "Adam": nn.optim.Adam}[name](
        params, lr=lr
    )


def optimizer_paths(problem: str, steps: int | None = None) -> dict[str, np.ndarray]:
    """``{optimizer: array of shape (steps + 1, 2)}``: the iterates on one of ``PROBLEMS``."""
    import nn

    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; choose from {list(PROBLEMS)}")
    f, start, _, default_steps, rates = PROBLEMS[problem]
    paths = {}
    for name, lr in rates.items():
        p = nn.Parameter(np.array(start, dtype=np.float64))
        optimizer = _optimizer(name, [p], lr)
        points = [p.data.copy()]
        for _ in range(default_steps if steps is None else steps):
            optimizer.zero_grad()
            f(p).backward()
            optimizer.step()
            points.append(p.data.copy())
        paths[name] = np.array(points)
    return paths


# how each optimiser's path is drawn, so that paths that overlap stay apart
_PATH_STYLES = {
    "SGD": {"color": "#d62728", "ls": "-", "marker": "o"},
    "Momentum": {"color": "#1f77b4", "ls": "-", "marker": "s"},
    "AdaGrad": {"color": "#2ca02c", "ls": "--", "marker": "^"},
    "RMSProp": {"color": "#9467bd", "ls": "-.", "marker": "v"},
    "Adam": {"color": "#ff7f0e", "ls": ":", "marker": "D"},
}


def plot_optimizer_paths(steps: int | None = None) -> Figure:
    """SGD, Momentum, AdaGrad, RMSProp and Adam from the same start: SGD zig-zags across
    the narrow valley, Momentum's velocity averages the zig-zag away, the adaptive methods
    rescale each coordinate. Paths on top, the loss per step below."""
    fig = _figure(13, 9.5)
    axes = fig.subplots(2, len(PROBLEMS), height_ratios=[3, 2])
    for column, (problem, setup) in enumerate(PROBLEMS.items()):
        f, start, ((x0, x1), (y0, y1)), _, rates = setup
        paths = optimizer_paths(problem, steps)
        gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        z = f([ag.tensor(gx), ag.tensor(gy)]).data
        ax, curves = axes[0, column], axes[1, column]
        ax.contour(gx, gy, np.log1p(z), levels=25, cmap="Greys", linewidths=0.6)
        for name, path in paths.items():
            style = _PATH_STYLES[name]
            label = f"{name} (lr {rates[name]:g})"
            every = max(1, len(path) // 60)  # markers stay readable on long paths
            ax.plot(
                path[:, 0],
                path[:, 1],
                lw=1.2,
                markersize=3,
                markevery=every,
                alpha=0.75,
                label=label,
                **style,
            )
            losses = [f([ag.tensor(a), ag.tensor(b)]).item() for a, b in path]
            curves.semilogy(
                np.maximum(losses, 1e-16), color=style["color"], ls=style["ls"], label=label
            )
        minimum = (1.0, 1.0) if "Rosenbrock" in problem else (0.0, 0.0)
        ax.plot(*start, "ko", label="start")
        ax.plot(*minimum, "k*", markersize=12, label="minimum")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(problem[0].upper() + problem[1:])
        ax.legend(loc="upper right", fontsize=8)
        curves.set_xlabel("step")
        curves.set_ylabel("loss (log scale)")
        curves.set_title("Loss per step")
        curves.grid(alpha=0.3, which="both")
        curves.legend(loc="upper right", fontsize=8)
    fig.suptitle("Optimiser trajectories")
    return fig
