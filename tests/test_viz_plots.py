"""The plots: each renders a non-empty PNG, and what they show is right."""

import matplotlib
import numpy as np
import pytest

import autograd_core as ag
import nn
import viz
from viz import plots

matplotlib.use("Agg")


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
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(plots.ACTIVATIONS)
    _png(fig, tmp_path, "activations")


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        plots.activation_curves("nope", [0.0])


def test_loss_surface_png_and_values(tmp_path):
    fig = viz.plot_loss_surface(points=21)
    assert len(fig.axes) == 2
    _png(fig, tmp_path, "surface")


def test_gradient_flow_shows_the_vanishing_gradient(tmp_path):
    fig = viz.plot_gradient_flow()
    sigmoid, relu = (line.get_ydata() for line in fig.axes[0].get_lines())
    # sigmoid: the first layer's gradient is orders of magnitude below the last one's
    assert sigmoid[0] < 1e-4 * sigmoid[-1]
    assert relu[0] > 1e2 * sigmoid[0]
    _png(fig, tmp_path, "flow")


def test_gradient_flow_of_a_given_model_needs_gradients():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="no gradients"):
        viz.plot_gradient_flow(model)
    model(ag.tensor(np.ones((4, 2)))).sum().backward()
    assert len(viz.plot_gradient_flow(model).axes[0].get_lines()[0].get_ydata()) == 2


def test_history_png(tmp_path):
    history = {
        "loss": [1.0, 0.5, 0.3],
        "val_loss": [1.1, 0.6, 0.4],
        "accuracy": [0.5, 0.7, 0.9],
        "val_accuracy": [0.4, 0.6, 0.8],
    }
    fig = viz.plot_history(history)
    assert len(fig.axes) == 2
    _png(fig, tmp_path, "history")
    with pytest.raises(ValueError, match="'loss'"):
        viz.plot_history({})


def test_decision_boundary_png(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = nn.Sequential(nn.Linear(2, 2, rng=0))
    _png(viz.plot_decision_boundary(model, X, y, resolution=50), tmp_path, "boundary")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        viz.plot_decision_boundary(model, np.ones((3, 3)), [0, 1, 0])


def test_optimizer_paths_sgd_zigzags_and_all_descend(tmp_path):
    problem = next(p for p in plots.PROBLEMS if "quadratic" in p)
    paths = plots.optimizer_paths(problem)
    y = paths["SGD"][:12, 1]
    assert np.all(np.sign(y[1:]) != np.sign(y[:-1]))  # across the narrow valley each step
    f = plots.PROBLEMS[problem][0]
    for name, path in paths.items():
        assert f(ag.tensor(path[-1])).item() < 1e-2 * f(ag.tensor(path[0])).item(), name
    _png(viz.plot_optimizer_paths(steps=30), tmp_path, "optimizers")
