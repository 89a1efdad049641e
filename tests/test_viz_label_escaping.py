"""viz.draw_graph shows every user-supplied text literally: a title, a module path or a
Tensor.name shaped like ``<...>``, holding quotes, braces, ``|``, backslashes, newlines,
control characters, or of any type, neither injects DOT nor breaks ``dot``."""

import shutil
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz 'dot' is missing")

HOSTILE = [
    "<b>bold</b>",
    '<x>]; injected [label="pwned"]; y [label=<z>',
    "C:\\",
    'a "quoted" {brace|bar} \\N \\l',
    "two\nlines",
]


def _product(name=None):
    x = ag.tensor(2.0, requires_grad=True, name=name)
    y = x * 3
    y.backward()
    return y


def _rendered(dot):
    """(node names, svg text) of ``dot`` as rendered by the dot program."""
    plain = dot.pipe(format="plain").decode("utf-8")
    nodes = sorted(line.split()[1] for line in plain.splitlines() if line.startswith("node "))
    return nodes, dot.pipe(format="svg").decode("utf-8")


def _strip_ids(nodes):
    return sorted(n.rstrip("0123456789_") for n in nodes)


def test_title_shaped_like_html_is_escaped_in_the_dot_source():
    source = viz.draw_graph(_product(), title="<b>bold</b>").source
    assert 'label="&lt;b&gt;bold&lt;/b&gt;"' in source
    assert "label=<b>" not in source


def test_title_ending_in_a_backslash_gives_valid_dot():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # graphviz warns DotSyntaxWarning on an odd final '\'
        source = viz.draw_graph(_product(), title="C:\\").source
    assert 'label="C:\\\\"' in source


@needs_dot
@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_title_renders_literally_without_extra_nodes(title):
    baseline, _ = _rendered(viz.draw_graph(_product()))
    nodes, svg = _rendered(viz.draw_graph(_product(), title=title))
    assert _strip_ids(nodes) == _strip_ids(baseline)
    first_line = title.split("\n")[0].replace("&", "&amp;").replace("<", "&lt;")
    assert first_line.replace(">", "&gt;").replace('"', "&quot;") in svg


@needs_dot
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_tensor_name_renders_literally_without_extra_nodes(name):
    baseline, _ = _rendered(viz.draw_graph(_product("x"), show_local_grads=True))
    nodes, svg = _rendered(viz.draw_graph(_product(name), show_local_grads=True))
    assert _strip_ids(nodes) == _strip_ids(baseline)
    assert "pwned" not in nodes


@needs_dot
def test_backslash_escapes_in_a_name_are_not_interpreted_by_dot():
    nodes, svg = _rendered(viz.draw_graph(_product("a\\lb"), show_local_grads=True))
    assert ">∂out/∂a\\lb = 3<" in svg  # \l would have split the edge label in two lines


def test_module_path_shaped_like_html_is_escaped():
    model = nn.Sequential()
    model.add_module('<x>]; injected [label="pwned"]; y [label=<z>', nn.Linear(2, 1, rng=0))
    out = model(ag.tensor(np.ones((1, 2)))).sum()
    source = viz.draw_graph(out, model=model).source
    assert "label=<x>" not in source
    assert 'label="&lt;x&gt;]; injected [label=\\"pwned\\"]; y [label=&lt;z&gt;"' in source


@needs_dot
def test_module_path_shaped_like_html_renders_without_extra_nodes():
    def graph(name):
        model = nn.Sequential()
        model.add_module(name, nn.Linear(2, 1, rng=0))
        out = model(ag.tensor(np.ones((1, 2)))).sum()
        return viz.draw_graph(out, model=model)

    baseline, _ = _rendered(graph("fc"))
    nodes, svg = _rendered(graph('<x>]; injected [label="pwned"]; y [label=<z>'))
    assert _strip_ids(nodes) == _strip_ids(baseline)
    assert "injected [label=&quot;pwned&quot;]" in svg


@pytest.mark.parametrize("name", [5, 0, 2.5, np.array([1, 2]), ("a", 1)])
def test_a_non_string_tensor_name_is_refused_where_it_is_set(name):
    with pytest.raises(TypeError, match="name must be a str or None"):
        _product(name)
    t = ag.tensor(1.0)
    with pytest.raises(TypeError, match="name must be a str or None"):
        t.name = name
    assert t.name is None


def test_empty_name_counts_as_unnamed():
    source = viz.draw_graph(_product(""), naming="h").source
    assert "<b>input</b>" in source


def test_control_characters_in_a_name_are_shown_as_escapes():
    source = viz.draw_graph(_product("a\x00b\x1bc"), show_local_grads=True).source
    assert "\x00" not in source and "\x1b" not in source
    assert "<b>a\\x00b\\x1bc</b>" in source


def test_very_long_name_is_shortened():
    source = viz.draw_graph(_product("n" * 20000)).source
    assert "n" * 20000 not in source and "n" * (viz.graph.MAX_TEXT - 1) + "…" in source


@needs_dot
@pytest.mark.parametrize("name", ["a\x00b", "\x01", "n" * 20000, "\ud800"])
def test_names_that_dot_would_reject_still_render(name):
    nodes, _ = _rendered(viz.draw_graph(_product(name), show_local_grads=True, title=name))
    assert len(nodes) == 4


def test_rankdir_is_validated():
    with pytest.raises(ValueError, match="rankdir must be"):
        viz.draw_graph(_product(), rankdir="<b>")
