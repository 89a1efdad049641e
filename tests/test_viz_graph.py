"""viz.draw_graph on the notes' worked example, and its caps and errors."""

import pathlib
import shutil

import numpy as np
import pytest

import autograd_core as ag
import viz
from autograd_core.examples import notes_f, notes_j


@pytest.fixture
def notes_graph():
    f, nodes = notes_f()
    f.backward()  # drawing must work after backward has freed the saved tensors
    return f, nodes


def test_h_naming_shows_the_notes_forward_values(notes_graph):
    f, _ = notes_graph
    source = viz.draw_graph(f, naming="h").source
    for name, value in [
        ("h1", "0"),
        ("h2", "0"),
        ("h3", "0"),
        ("h4", "1"),
        ("h5", "2"),
        ("h6", "0.5"),
    ]:
        assert f"<b>{name}</b><br/>value {value}>" in source


def test_reverse_mode_shows_the_adjoints(notes_graph):
    f, _ = notes_graph
    source = viz.draw_graph(f, naming="h", mode="reverse").source
    for name, adjoint in [
        ("h6", "1"),
        ("h5", "-0.25"),
        ("h4", "-0.25"),
        ("h3", "-0.25"),
        ("h2", "0.25"),
        ("h1", "0.25"),
        ("w", "0.25"),
        ("b", "0.25"),
    ]:
        assert f"∂h6/∂{name} = {adjoint}<" in source


def test_forward_mode_shows_the_tangents(notes_graph):
    f, _ = notes_graph
    source = viz.draw_graph(f, naming="h", mode="forward").source
    for name, tangent in [
        ("h1", "1"),
        ("h2", "1"),
        ("h3", "-1"),
        ("h4", "-1"),
        ("h5", "-1"),
        ("h6", "0.25"),
    ]:
        assert f"∂{name}/∂w = {tangent}<" in source


def test_local_partials_on_edges(notes_graph):
    f, _ = notes_graph
    source = viz.draw_graph(f, naming="h", show_local_grads=True).source
    for text in [
        "∂h1/∂w = 1",
        "∂h2/∂h1 = 1",
        "∂h2/∂b = 1",
        "∂h3/∂h2 = -1",
        "∂h4/∂h3 = 1",
        "∂h5/∂h4 = 1",
        "∂h6/∂h5 = -0.25",
    ]:
        assert text in source


def test_edges_carry_forward_values_and_ops_their_symbols():
    J, _ = notes_j()
    source = viz.draw_graph(J).source
    assert 'label="×"' in source and 'label="+"' in source
    assert '[label=11 fontcolor="#cc0000"]' in source  # v = 11 flows into J = 3v


def test_max_nodes_collapses_the_rest_with_a_note():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.01
    source = viz.draw_graph(y, max_nodes=10).source
    assert source.count('label="×"') == 10
    assert "40 earlier operations not shown" in source


def test_large_tensors_show_shapes_not_values():
    x = ag.tensor(np.ones((20, 30)), requires_grad=True)
    source = viz.draw_graph((x * 2).sum()).source
    assert "shape (20, 30)" in source and "1, 1, 1" not in source


def test_a_nameless_scalar_without_its_value_shows_its_shape_not_an_empty_box():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()  # named by nothing, drawn without values
    source = viz.draw_graph(loss, show_values=False, show_grads=False).source
    assert "shape ()" in source and "shape (2,)" in source


def test_deep_graph_draws_without_recursion():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y + 1.0
    assert "earlier operations not shown" in viz.draw_graph(y, max_nodes=5).source


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="naming must be 'auto' or 'h'"):
        viz.draw_graph(ag.tensor(1.0), naming="x")
    with pytest.raises(ValueError, match="mode must be"):
        viz.draw_graph(ag.tensor(1.0), mode="sideways")
    with pytest.raises(TypeError, match="root must be a Tensor"):
        viz.draw_graph(3.0)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is not installed")
def test_renders_svg_with_dot(tmp_path, notes_graph):
    f, _ = notes_graph
    path = viz.draw_graph(f, naming="h", mode="reverse").render(tmp_path / "notes", format="svg")
    svg = pathlib.Path(path).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "h6" in svg


def _mlp_loss():
    import nn

    model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 4)))
    loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 0, 1]))
    loss.backward()
    return model, loss


def test_mlp_graph_groups_ops_by_module_and_names_parameters():
    model, loss = _mlp_loss()
    source = viz.draw_graph(loss, model=model).source
    for label in ("label=0", "label=1", "label=2", "label=CrossEntropyLoss"):
        assert label in source
    assert source.count("subgraph cluster_") == 4
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert f"<b>{name}</b>" in source


def test_mlp_graph_without_model_still_clusters_by_layer():
    _, loss = _mlp_loss()
    source = viz.draw_graph(loss).source
    assert source.count("subgraph cluster_") == 4 and "label=Linear" in source


def test_mlp_graph_respects_max_nodes():
    _, loss = _mlp_loss()
    source = viz.draw_graph(loss, max_nodes=3).source  # of linear, relu, linear, softmax-CE
    assert "earlier operations not shown" in source
    assert source.count("shape=ellipse") == 3


def test_gradients_read_as_equations(notes_graph):
    f, _ = notes_graph
    source = viz.draw_graph(f, naming="h").source
    assert "<b>w</b><br/>value 0<br/>grad = 0.25>" in source  # a scalar shows its gradient
    model, loss = _mlp_loss()
    source = viz.draw_graph(loss, model=model).source
    norm = np.linalg.norm(model[0].weight.grad.data)  # a matrix shows its gradient's norm
    assert f"<b>0.weight</b><br/>shape (8, 4)<br/>‖grad‖ = {norm:.4g}>" in source
    assert "<br/>grad = [ 0.0453, -0.0705,  0.0253]>" in source  # 2.bias: three numbers
    assert "grad ‖" not in source
