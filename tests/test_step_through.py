"""``ag.trace_backward`` (a record of the engine's real backward pass) and the page that
``viz.step_through`` builds from it (checked here without a browser; the page's behaviour
in Chromium is in test_step_through_browser.py)."""

import json
import re
import shutil

import numpy as np
import pytest

import autograd_core as ag
import nn
import viz
from autograd_core.engine import toposort
from autograd_core.examples import notes_f, notes_j
from autograd_core.graph import tensor_key

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is missing")


def page_data(page):
    """The step data that the page carries as inline JSON."""
    text = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(text.group(1))


def shared_weight_graph():
    """y = w·x + w: the leaf w is used twice, so its gradient is a sum of two terms."""
    w = ag.tensor(0.5, requires_grad=True, name="w")
    x = ag.tensor(2.0, name="x")
    return w * x + w, w


def mlp_loss():
    """A 3-4-2 MLP with Tanh, MSE loss plus a penalty on the first weight (used twice)."""
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)), name="x")
    target = np.random.default_rng(1).standard_normal((5, 2))
    weight = model[0].weight
    loss = nn.MSELoss()(model(x), target) + 0.1 * (weight * weight).sum()
    return loss, model


# ----------------------------------------------------------------------------- the trace
@pytest.mark.parametrize("make", [lambda: notes_f()[0], lambda: notes_j()[0], mlp_loss])
def test_trace_runs_the_nodes_in_the_engines_reverse_topological_order(make):
    root = make()
    root = root[0] if isinstance(root, tuple) else root
    order = [step.node for step in ag.trace_backward(root)]
    assert order == list(reversed(toposort([root.grad_fn])))


@pytest.mark.parametrize(
    "make", [lambda: notes_f()[0], lambda: notes_j()[0], lambda: shared_weight_graph()[0]]
)
def test_contributions_to_each_leaf_sum_to_its_grad(make):
    root = make()
    trace = ag.trace_backward(root)
    root.backward()
    sums, totals = {}, {}
    for step in trace:
        for edge in step.edges:
            if edge.key[0] == "leaf":
                sums[edge.key] = sums.get(edge.key, 0) + edge.contribution
                totals[edge.key] = edge.total
    inputs = [t for node in toposort([root.grad_fn]) for t in node.inputs]
    leaves = {tensor_key(t): t for t in inputs if isinstance(t, ag.Tensor)}
    assert sums and set(sums) == {
        k for k, t in leaves.items() if k[0] == "leaf" and t.requires_grad
    }
    for key, total in sums.items():
        np.testing.assert_allclose(total, leaves[key].grad.data)
        np.testing.assert_allclose(totals[key], leaves[key].grad.data)


def test_mlp_contributions_sum_to_every_parameters_grad():
    loss, model = mlp_loss()
    trace = ag.trace_backward(loss)
    loss.backward()
    by_key = {}
    for step in trace:
        for edge in step.edges:
            by_key.setdefault(edge.key, []).append(edge.contribution)
    for p in model.parameters():
        np.testing.assert_allclose(sum(by_key[tensor_key(p)]), p.grad.data, rtol=1e-12)
    assert len(by_key[tensor_key(model[0].weight)]) == 3  # the linear layer and w · w


def test_notes_trace_has_the_notes_upstream_gradients_and_local_derivatives():
    f, h = notes_f()
    trace = ag.trace_backward(f)
    upstream = [float(step.upstream[0]) for step in trace]
    assert upstream == [1.0, -0.25, -0.25, -0.25, 0.25, 0.25]  # df/dh6 ... df/dh1
    local = [edge.local for step in trace for edge in step.edges]
    # ∂h6/∂h5 = -1/h5², ∂h5/∂h4 = 1, ∂h4/∂h3 = exp(h3), ∂h3/∂h2 = -1, ∂h2/∂h1 = ∂h2/∂b = 1,
    # ∂h1/∂w = x (x does not require grad: no edge)
    assert local == [-0.25, 1.0, 1.0, -1.0, 1.0, 1.0, 1.0]
    last = trace[-1].edges[-1]
    assert last.key == tensor_key(h["w"]) and float(last.total) == 0.25


def test_j_trace_ends_with_the_notes_adjoints():
    J, t = notes_j()
    finals = {}
    for step in ag.trace_backward(J):
        for edge in step.edges:
            finals[edge.key] = float(edge.total)
    assert [finals[tensor_key(t[k])] for k in "abc"] == [3.0, 6.0, 9.0]


def test_a_shared_tensor_gets_a_second_term_in_its_running_sum():
    y, w = shared_weight_graph()
    edges = [e for step in ag.trace_backward(y) for e in step.edges if e.key == tensor_key(w)]
    assert [float(e.contribution) for e in edges] == [1.0, 2.0]  # from + and from w·x
    assert edges[0].previous is None and float(edges[1].previous) == 1.0
    assert float(edges[1].total) == 3.0


def test_local_derivative_is_none_for_tensors_of_several_elements():
    W = ag.tensor(np.ones((2, 2)), requires_grad=True)
    loss = (W * 3.0).sum()
    steps = ag.trace_backward(loss)
    assert steps[0].edges[0].local is None  # Σ: a (2, 2) input
    assert steps[1].edges[0].local is None and steps[1].edges[0].contribution.shape == (2, 2)


def test_trace_leaves_grads_alone_and_the_graph_usable():
    f, h = notes_f()
    h["h3"].retain_grad()
    ag.trace_backward(f)
    assert h["w"].grad is None and h["b"].grad is None and h["h3"].grad is None
    f.backward(retain_graph=True)  # the graph was retained
    assert h["w"].grad.item() == 0.25 and h["h3"].grad.item() == -0.25
    ag.trace_backward(f)
    assert h["w"].grad.item() == 0.25 and h["h3"].grad.item() == -0.25


def test_trace_refuses_what_has_no_backward_pass():
    with pytest.raises(TypeError, match="root must be a Tensor"):
        ag.trace_backward(1.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.trace_backward(ag.tensor(2.0) * 3)
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        ag.trace_backward(ag.tensor([1.0, 2.0], requires_grad=True) * 3)


# ----------------------------------------------------------------------------- the page
@needs_dot
def test_reverse_page_data_has_the_notes_values_and_adjoints():
    f, _ = notes_f()
    data = page_data(viz.step_through(f).html)
    rows = [row["name"] for row in data["rows"]]
    assert rows == ["w", "x", "b", "h1", "h2", "h3", "h4", "h5", "h6"]
    forward = [s for s in data["steps"] if s["kind"] == "forward"]
    values = [cell[2] for s in forward for cell in s["set"]]
    assert values == ["0", "0", "0", "1", "2", "0.5"]
    reverse = [s for s in data["steps"] if s["kind"] == "reverse"]
    assert len(reverse) == 6 and data["steps"][:6] == forward
    final = {}
    for s in reverse:
        for row, _column, text, _state in s["set"]:
            final[rows[row]] = text
    assert final == {
        "h6": "1",
        "h5": "-0.25",
        "h4": "-0.25",
        "h3": "-0.25",
        "h2": "0.25",
        "h1": "0.25",
        "w": "0.25",
        "b": "0.25",
    }
    assert "local derivative ∂h6/∂h5 = -0.25" in reverse[0]["lines"][3]


@needs_dot
def test_forward_page_data_has_the_notes_tangents():
    f, _ = notes_f()
    data = page_data(viz.step_through(f, mode="forward").html)
    assert [s["kind"] for s in data["steps"]] == ["forward"] * 6
    tangents = [c[2] for s in data["steps"] for c in s["set"] if c[1] == "tangent"]
    assert tangents == ["1", "1", "-1", "-1", "-1", "0.25"]
    start = {
        row["name"]: row["start"]["tangent"] for row in data["rows"] if "tangent" in row["start"]
    }
    assert start == {"w": "1", "x": "0", "b": "0"}


@needs_dot
def test_page_shows_both_terms_of_a_shared_tensors_running_sum():
    y, _ = shared_weight_graph()
    page = viz.step_through(y).html
    assert "running sum ∂h2/∂w = 1 + 2 = 3" in page


@needs_dot
def test_page_is_one_self_contained_document():
    loss, model = mlp_loss()
    page = viz.step_through(loss, model=model, title="mlp").html
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert not re.search(r"<link|<iframe|@import|url\(|<img|\bfetch\(|XMLHttpRequest", page, re.I)
    assert page.count("<script") == 2  # the data and the code, nothing external
    groups = page_data(page)["groups"]
    assert groups == ["graph", "0 (Linear)", "1 (Tanh)", "2 (Linear)", "MSELoss"]


@needs_dot
def test_user_text_cannot_break_out_of_the_page():
    w = ag.tensor(1.0, requires_grad=True, name="</script><script>alert(1)</script>")
    y = w * 2
    y.name = "<!--DATA--> <!--SVG-->"
    page = viz.step_through(y, title="<b>t</b> <!--TITLE-->").html
    assert page.count("<script") == 2 and page.count("<svg") == 1
    data = page_data(page)
    assert [row["name"] for row in data["rows"]] == [w.name, y.name]
    assert "<title>&lt;b&gt;t&lt;/b&gt; &lt;!--TITLE--&gt;</title>" in page


@needs_dot
def test_save_writes_the_page_and_names_a_missing_folder(tmp_path):
    f, _ = notes_f()
    page = viz.step_through(f)
    path = page.save(tmp_path / "notes.html")
    assert (tmp_path / "notes.html").read_text(encoding="utf-8") == page.html
    assert path == str(tmp_path / "notes.html") and list(tmp_path.iterdir()) == [
        tmp_path / "notes.html"
    ]
    with pytest.raises(FileNotFoundError, match="missing"):
        page.save(tmp_path / "missing" / "notes.html")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        page.save(tmp_path)


@needs_dot
def test_jupyter_shows_the_page_in_an_iframe():
    f, _ = notes_f()
    page = viz.step_through(f)
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "&lt;svg" in shown and "<svg" not in shown


def test_bad_arguments_name_what_is_wrong():
    f, h = notes_f()
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse', got 'plain'"):
        viz.step_through(f, mode="plain")
    with pytest.raises(ValueError, match="naming must be 'h' or 'auto', got 'x'"):
        viz.step_through(f, naming="x")
    with pytest.raises(ValueError, match="does not require grad"):
        viz.step_through(ag.tensor(1.0) * 2)
    with pytest.raises(ValueError, match="leaf"):
        viz.step_through(h["w"])
    with pytest.raises(TypeError, match="root must be a Tensor, got list"):
        viz.step_through([f])
    with pytest.raises(ValueError, match="max_nodes must be a positive int, got 0"):
        viz.step_through(f, max_nodes=0)
    with pytest.raises(ValueError, match=r"one-element root .* shape \(2,\)"):
        viz.step_through(ag.tensor([1.0, 2.0], requires_grad=True) * 2)
    with pytest.raises(ValueError, match="wrt must be a leaf tensor of the graph"):
        viz.step_through(f, mode="forward", wrt=ag.tensor(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="wrt must be a leaf tensor of the graph"):
        viz.step_through(f, mode="forward", wrt=h["h2"])


@needs_dot
def test_a_graph_freed_by_backward_gives_the_same_page_as_before():
    """After a plain backward (saved values freed) the page replays the graph and traces the
    replay's pass, mapped back to the graph's own nodes: the same page, number for number."""
    f, _ = notes_f()
    before = page_data(viz.step_through(f).html)
    f.backward()
    assert page_data(viz.step_through(f).html) == before
    tangents = [
        c[2]
        for s in page_data(viz.step_through(f, mode="forward").html)["steps"]
        for c in s["set"]
        if c[1] == "tangent"
    ]
    assert tangents == ["1", "1", "-1", "-1", "-1", "0.25"]


@needs_dot
def test_a_freed_model_graph_keeps_its_module_groups_and_shared_weight_sums():
    rng = np.random.default_rng(3)
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    x = ag.tensor(rng.standard_normal((5, 3)))
    loss = (model(x) ** 2).mean() + (model[0].weight ** 2).sum()  # 0.weight used twice
    before = page_data(viz.step_through(loss, model=model).html)
    loss.backward()
    after = page_data(viz.step_through(loss, model=model).html)
    assert after == before
    assert after["groups"] == ["graph", "0 (Linear)", "1 (Tanh)", "2 (Linear)"]
    sums = [line for s in after["steps"] for line in s["lines"] if "∂h9/∂0.weight = [" in line]
    assert len(sums) == 2 and " + " not in sums[0] and " + " in sums[1]  # the second term


def test_trace_backward_of_a_freed_graph_is_the_trace_it_had_before_backward():
    """A replay stands in for the freed graph; its record names the graph's own nodes."""
    f, _ = notes_f()
    before = ag.trace_backward(f)
    f.backward()
    after = ag.trace_backward(f)
    assert [s.node for s in after] == [s.node for s in before]
    for old, new in zip(before, after):
        assert [e.key for e in new.edges] == [e.key for e in old.edges]
        assert [e.local for e in new.edges] == [e.local for e in old.edges]
        assert [float(e.total) for e in new.edges] == [float(e.total) for e in old.edges]
