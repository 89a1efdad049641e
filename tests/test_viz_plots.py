"""The plots: each renders a non-empty PNG, and what they show is right."""

import matplotlib
import numpy as np
import pytest

import autograd_core as ag
import nn
import viz
from viz import plots

matplotlib.use("Agg")


def _data_lines(ax):
    """The plotted curves of ``ax``: lines of more than two points (not axhline or markers)."""
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def _assert_stands_alone(fig):
    """Every visible axes has x and y labels (and z in 3-D), and a legend naming each curve
    when it has several."""
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
        if ax.name == "3d":
            assert ax.get_zlabel(), ax.get_title()
        lines = _data_lines(ax)
        if len(lines) > 1:
            legend = ax.get_legend()
            assert legend is not None, ax.get_title()
            shown = {text.get_text() for text in legend.get_texts()}
            assert {line.get_label() for line in lines} <= shown, ax.get_title()


def _png(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
    return path


@pytest.mark.parametrize("name", plots.ACTIVATIONS)
def test_plotted_derivatives_equal_numerical_ones(name):
    x = np.linspace(-3.0, 3.0, 25) + 0.013  # off the kinks at 0, ±1, ±2
    y, dy = plots.activation_curves(name, x)
    f = plots._activations()[name]
    eps = 1e-6
    numeric = (f(ag.tensor(x + eps)).data - f(ag.tensor(x - eps)).data) / (2 * eps)
    np.testing.assert_allclose(dy, numeric, rtol=1e-5, atol=1e-7)
    assert y.shape == x.shape


def test_plot_activations_png(tmp_path):
    fig = viz.plot_activations()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(plots.ACTIVATIONS)
    titles = [ax.get_title() for ax in visible]
    assert titles == [plots.DISPLAY_NAMES[name] for name in plots.ACTIVATIONS]
    for name in ("Logistic", "Hard-Logistic", "Hard-Tanh", "Leaky ReLU (γ = 0.1)", "GELU"):
        assert name in titles
    assert not any("_" in title for title in titles)
    _assert_stands_alone(fig)
    _png(fig, tmp_path, "activations")


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        plots.activation_curves("nope", [0.0])


def test_loss_surface_png_and_values(tmp_path):
    fig = viz.plot_loss_surface(points=21)
    assert len(fig.axes) == 2
    _assert_stands_alone(fig)
    assert [ax.get_title() for ax in fig.axes] == ["Squared error (y − ŷ)²", "Cross-entropy −log ŷ"]
    _png(fig, tmp_path, "surface")


def test_gradient_flow_shows_the_vanishing_gradient(tmp_path):
    fig = viz.plot_gradient_flow()
    sigmoid, relu = (line.get_ydata() for line in fig.axes[0].get_lines())
    # sigmoid: the first layer's gradient is orders of magnitude below the last one's
    assert sigmoid[0] < 1e-4 * sigmoid[-1]
    assert relu[0] > 1e2 * sigmoid[0]
    _assert_stands_alone(fig)
    title = fig.axes[0].get_title()
    for words in ("depth 11 (Linear layers)", "hidden width 32", "Xavier for Logistic", "He"):
        assert words in title
    assert "hidden width 8" in viz.plot_gradient_flow(depth=3, width=8).axes[0].get_title()
    _png(fig, tmp_path, "flow")


def test_gradient_flow_of_a_given_model_needs_gradients():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="no gradients"):
        viz.plot_gradient_flow(model)
    model(ag.tensor(np.ones((4, 2)))).sum().backward()
    fig = viz.plot_gradient_flow(model, init="uniform")
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 2
    assert (
        fig.axes[0].get_title().endswith("depth 2 (Linear layers), hidden width 3; init: uniform")
    )
    _assert_stands_alone(fig)


def test_history_png(tmp_path):
    history = {
        "loss": [1.0, 0.5, 0.3],
        "val_loss": [1.1, 0.6, 0.4],
        "accuracy": [0.5, 0.7, 0.9],
        "val_accuracy": [0.4, 0.6, 0.8],
    }
    fig = viz.plot_history(history)
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    _assert_stands_alone(fig)
    _png(fig, tmp_path, "history")
    with pytest.raises(ValueError, match="'loss'"):
        viz.plot_history({})


def test_decision_boundary_png(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = nn.Sequential(nn.Linear(2, 2, rng=0))
    fig = viz.plot_decision_boundary(model, X, y, resolution=50)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    _png(fig, tmp_path, "boundary")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        viz.plot_decision_boundary(model, np.ones((3, 3)), [0, 1, 0])


def _sign_changes(path):
    """How often the step of the steep coordinate y changes direction along ``path``."""
    step = np.diff(path[:, 1])
    return int(np.sum(np.sign(step[1:]) != np.sign(step[:-1])))


def test_optimizer_paths_sgd_zigzags_momentum_does_not_and_all_descend():
    problem = next(p for p in plots.PROBLEMS if "quadratic" in p)
    paths = plots.optimizer_paths(problem)
    y = paths["SGD"][:31, 1]
    assert np.all(np.sign(y[1:]) != np.sign(y[:-1]))  # across the narrow valley each step
    assert _sign_changes(paths["SGD"][:31]) == 29  # every step reverses the previous one
    assert _sign_changes(paths["Momentum"][:31]) <= 4  # velocity averages the flips away
    f = plots.PROBLEMS[problem][0]
    for name, path in paths.items():
        assert f(ag.tensor(path[-1])).item() < 1e-2 * f(ag.tensor(path[0])).item(), name


def test_optimizer_figure_keeps_paths_apart(tmp_path):
    fig = viz.plot_optimizer_paths(steps=30)
    _assert_stands_alone(fig)
    for ax in fig.axes[:2]:  # the two panels of paths
        paths = _data_lines(ax)
        assert len(paths) == 5
        looks = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in paths}
        assert len(looks) == 5 and all(line.get_alpha() < 1 for line in paths)
    assert fig.axes[0].get_title().startswith("Ill-conditioned quadratic")
    _png(fig, tmp_path, "optimizers")
