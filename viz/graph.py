"""``draw_graph``: a computation graph as a graphviz Digraph.

Tensors are records (name, shape, value, gradient), ops are small ellipses with their
symbol, and every edge from a tensor into an op carries the value flowing along it (the
red numbers of the notes' figure). ``mode="forward"`` adds each tensor's tangent dh/dw,
``mode="reverse"`` its adjoint df/dh; both are computed on a replay of the graph, so they
can be drawn after ``backward`` has freed the original's saved tensors.

Every text that comes from the user (a ``Tensor.name`` of any type, a module path, the
title, an op's symbol) is shown literally: it is escaped for the HTML-like labels of the
tensors and for the plain labels of everything else, so that ``<b>``, quotes, braces,
``|``, backslashes (``\\N``) and newlines neither inject DOT nor break ``dot``.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from autograd_core.engine import grad as _grad
from autograd_core.graph import graph_tensors, replay, tensor_key
from autograd_core.tensor import Tensor

if TYPE_CHECKING:
    import graphviz

    from nn import Module

__all__ = ["draw_graph"]

MAX_TEXT = 500  # characters of one shown text; dot rejects a label over 16 KiB
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # dot rejects these (all but \t \n)

# the look of the drawing: graph, nodes and edges, then ops and tensors (by leaf kind)
_GRAPH_ATTR = {"fontname": "Helvetica", "nodesep": "0.3", "ranksep": "0.45"}
_NODE_ATTR = {"fontname": "Helvetica", "fontsize": "11"}
_EDGE_ATTR = {"fontname": "Helvetica", "fontsize": "10"}
_OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#fff2cc", "margin": "0.05,0.02"}
_LEAF_STYLE = {
    "parameter": {"fillcolor": "#cfe2f3", "style": "filled,rounded"},
    "input": {"fillcolor": "#d9ead3", "style": "filled,rounded"},
    "constant": {"fillcolor": "#eeeeee", "style": "filled,rounded"},
    "result": {"fillcolor": "white", "style": "rounded"},
}


def draw_graph(
    root: Tensor | Sequence[Tensor],
    show_values: bool = True,
    show_grads: bool = True,
    show_local_grads: bool = False,
    naming: str = "auto",
    rankdir: str = "LR",
    mode: str = "plain",
    wrt: Tensor | None = None,
    max_nodes: int = 150,
    max_value_size: int = 4,
    precision: int = 4,
    title: str | None = None,
    model: Module | None = None,
) -> graphviz.Digraph:
    """Draw the graph that produced ``root`` (a Tensor or a list of Tensors).

    Parameters
    ----------
    show_values : label tensors and edges with their values (tensors of at most
        ``max_value_size`` elements; larger ones show their shape only).
    show_grads : show ``.grad`` where a tensor has one.
    show_local_grads : label each edge into an op with the local partial derivative
        d(output)/d(input) (for one-element tensors), as in the notes' table.
    naming : ``"h"`` names intermediate tensors h1, h2, ... in creation order, as in the
        notes' worked example; ``"auto"`` uses ``Tensor.name`` where set.
    mode : ``"plain"``, ``"forward"`` (annotate each tensor with its tangent d·/d``wrt``) or
        ``"reverse"`` (annotate each tensor with its adjoint d``root``/d·).
    wrt : the leaf that forward mode differentiates with respect to (default: the first
        leaf that requires grad).
    max_nodes : draw at most this many ops (those nearest the root) and collapse the rest
        into one note.
    title : a caption above the graph.
    model : the ``nn.Module`` that built the graph, to name its layers and parameters
        ("fc1", "fc1.weight"). Ops are grouped in a cluster per layer in any case (every
        Module call marks the nodes it creates).

    Every text is shown literally: the title, module paths, op symbols and ``Tensor.name``
    (``str`` of it, whatever its type) are escaped, control characters show as ``\\xNN``
    and a text longer than ``MAX_TEXT`` characters is shortened.

    Returns a ``graphviz.Digraph``; ``.render(path, format="svg")`` writes it, and Jupyter
    displays it inline.
    """
    import graphviz

    _check_options(naming, mode, rankdir)
    roots = _as_roots(root)
    nodes, tensors = graph_tensors(roots)
    shown, hidden = _cap(nodes, roots, max_nodes)
    names = _names(nodes, tensors, naming)
    layer_names, owners = _layers(model, nodes, tensors, names)  # also names the parameters
    annotations = _annotations(roots, nodes, tensors, mode, wrt, names, precision)
    local = _local_grads(shown, names, precision) if show_local_grads else {}

    dot = graphviz.Digraph(
        graph_attr={"rankdir": rankdir, **_GRAPH_ATTR}, node_attr=_NODE_ATTR, edge_attr=_EDGE_ATTR
    )
    if title is not None:
        dot.attr(label=_plain(title), labelloc="t", fontsize="14")
    options = _LabelOptions(show_values, show_grads, max_value_size, precision)
    canvas = _Canvas(dot, names, annotations, layer_names, owners, options)
    canvas.draw_ops(shown, _outputs(tensors), local)
    return canvas.finish(roots, hidden, max_nodes)


def _check_options(naming, mode, rankdir):
    """A ValueError naming the first of ``naming``, ``mode`` and ``rankdir`` that is not one of
    its choices."""
    if naming not in ("auto", "h"):
        raise ValueError(f"draw_graph: naming must be 'auto' or 'h', got {naming!r}")
    if mode not in ("plain", "forward", "reverse"):
        raise ValueError(f"draw_graph: mode must be 'plain', 'forward' or 'reverse', got {mode!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")


def _as_roots(root):
    """``root`` as a non-empty list of Tensors: a Tensor, or a list or tuple of them."""
    if isinstance(root, Tensor):
        return [root]
    roots = list(root) if isinstance(root, (list, tuple)) else []
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("draw_graph: root must be a Tensor or a list of Tensors")
    return roots


def _outputs(tensors):
    """Each op node -> the tensors it produced that the graph references."""
    outputs = {}
    for key, t in tensors.items():
        if key[0] != "leaf":
            outputs.setdefault(key[0], []).append(t)
    return outputs


# ----------------------------------------------------------------------------- drawing
class _LabelOptions(NamedTuple):
    """What the labels of tensors and edges show (``draw_graph``'s arguments of these names)."""

    show_values: bool
    show_grads: bool
    max_value_size: int
    precision: int


class _Canvas:
    """The Digraph being drawn. Ops and tensors go into the cluster of the nn.Module that
    created them (a cluster is made on first use), and each tensor is drawn once, however
    many ops read it."""

    def __init__(self, dot, names, annotations, layer_names, owners, options):
        self.dot, self.names, self.annotations = dot, names, annotations
        self.layer_names, self.owners, self.options = layer_names, owners, options
        self.clusters = {}  # id(module) -> the cluster's Digraph, in order of first use
        self.drawn = set()  # node ids of the tensors drawn so far

    def target(self, module):
        """The graph that the nodes of ``module`` go into: its cluster, or the top graph for
        None."""
        if module is None:
            return self.dot
        if id(module) not in self.clusters:
            import graphviz

            cluster = graphviz.Digraph(name=f"cluster_{id(module)}")
            cluster.attr(
                label=_plain(self.layer_names.get(id(module), type(module).__name__)),
                style="rounded,dashed",
                color="#999999",
                fontcolor="#555555",
            )
            self.clusters[id(module)] = cluster
        return self.clusters[id(module)]

    def tensor(self, t):
        """Draw the record of tensor ``t`` unless it is drawn already; returns its node id."""
        key = tensor_key(t)
        node_id = _tensor_id(key)
        if node_id in self.drawn:
            return node_id
        self.drawn.add(node_id)
        kind = _leaf_kind(t)
        label = _tensor_label(t, self.names.get(key), self.annotations.get(key), self.options)
        owner = _module(t.grad_fn) if t.grad_fn is not None else self.owners.get(key)
        self.target(owner).node(node_id, label=label, shape="box", **_LEAF_STYLE[kind])
        return node_id

    def draw_ops(self, shown, outputs, local):
        """Draw each op of ``shown`` with the edges into it and out to its ``outputs``;
        ``local`` holds the edge labels of the local partial derivatives."""
        shown_set = set(shown)
        for node in shown:
            op_id = f"op{id(node)}"
            self.target(_module(node)).node(op_id, label=_plain(_symbol(node)), **_OP_STYLE)
            for index, inp in enumerate(node.inputs):
                src, label = self._source(node, index, inp, shown_set, local)
                self.dot.edge(src, op_id, label=_plain(label), fontcolor="#cc0000")
            for out in outputs.get(node, ()):
                self.dot.edge(op_id, self.tensor(out))

    def _source(self, node, index, inp, shown_set, local):
        """The node that input ``index`` of op ``node`` comes from, and the label of that edge.

        A tensor comes from its record, or from the note of collapsed ops when the op that
        made it is not shown; a constant (a Python number) gets a small plaintext node."""
        if isinstance(inp, Tensor):
            if inp.grad_fn is not None and inp.grad_fn not in shown_set:
                src = "collapsed"
            else:
                src = self.tensor(inp)
            return src, _edge_label(inp, self.options, local.get((node, index)))
        src = f"const{id(node)}_{index}"
        self.dot.node(
            src, label=_plain(_fmt(inp, self.options.precision)), shape="plaintext", fontsize="10"
        )
        return src, ""

    def finish(self, roots, hidden, max_nodes):
        """Draw the roots that no op produced, add the clusters, and the note that stands for
        the ``hidden`` ops; returns the Digraph."""
        for r in roots:
            if r.grad_fn is None:
                self.tensor(r)
        for sub in self.clusters.values():
            self.dot.subgraph(sub)
        if hidden:
            note = f"… {hidden} earlier operations not shown\n(max_nodes={max_nodes})"
            self.dot.node("collapsed", label=_plain(note), shape="note", style="dashed")
        return self.dot


# ----------------------------------------------------------------------------- selection
def _cap(nodes, roots, max_nodes):
    """The ``max_nodes`` ops nearest the roots (breadth-first from them), in creation order."""
    if len(nodes) <= max_nodes:
        return nodes, 0
    keep, frontier = set(), [r.grad_fn for r in roots if r.grad_fn is not None]
    while frontier and len(keep) < max_nodes:
        following = []
        for node in frontier:
            if node in keep or len(keep) >= max_nodes:
                continue
            keep.add(node)
            following.extend(
                i.grad_fn for i in node.inputs if isinstance(i, Tensor) and i.grad_fn is not None
            )
        frontier = following
    shown = [n for n in nodes if n in keep]
    return shown, len(nodes) - len(shown)


# ----------------------------------------------------------------------------- naming
def _names(nodes, tensors, naming):
    """Explicit ``Tensor.name`` first; with ``naming="h"`` the other results are h1, h2, ...
    numbered in creation order (the number counts every result, named or not)."""
    names = {}
    if naming == "h":
        number = 0
        for node in nodes:  # creation order
            for index in range(node._n_outputs):
                if (node, index) in tensors:
                    number += 1
                    names[(node, index)] = f"h{number}"
    for key, t in tensors.items():
        name = _name_of(t)
        if name:
            names[key] = name
    return names


def _name_of(t):
    """``t.name``, None when unset or empty (a Tensor's name is a str or None)."""
    return t.name or None


def _leaf_kind(t):
    if t.grad_fn is not None:
        return "result"
    if type(t).__name__ == "Parameter":
        return "parameter"
    return "input" if t.requires_grad else "constant"


def _symbol(node):
    return getattr(type(node), "symbol", None) or type(node).__name__


def _module(node):
    """The nn.Module whose call created ``node`` (marked by Module.__call__), or None."""
    return node.module


def _layers(model, nodes, tensors, names):
    """Cluster labels per module, and the module each parameter leaf belongs to.

    With ``model`` the labels are its attribute paths and parameters get their dotted
    names; without it a parameter belongs to the layer of the first op that reads it.
    """
    labels, owners = {}, {}
    if model is not None:
        for path, module in model.named_modules():
            labels[id(module)] = path or type(module).__name__
            for name, p in module.named_parameters(prefix=path, recurse=False):
                owners[("leaf", id(p))] = module
                names.setdefault(("leaf", id(p)), name)
    for node in nodes:
        module = _module(node)
        for inp in node.inputs:
            if module is not None and isinstance(inp, Tensor) and _leaf_kind(inp) == "parameter":
                owners.setdefault(tensor_key(inp), module)
    return labels, owners


def _tensor_id(key):
    return f"leaf{key[1]}" if key[0] == "leaf" else f"t{id(key[0])}_{key[1]}"


# ----------------------------------------------------------------------------- labels
def _text(value):
    """``str(value)`` for display: control characters other than tab and newline, and lone
    surrogates, shown as backslash escapes; at most MAX_TEXT characters."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _html(value):
    """``value`` shown literally inside an HTML-like label (markup escaped, newlines as
    line breaks)."""
    return html.escape(_text(value)).replace("\n", "<br/>")


def _plain(value):
    """``value`` shown literally as a plain DOT label: ``&`` ``<`` ``>`` become entities (so
    the label can never read as ``<...>`` HTML), backslashes are doubled (no ``\\N`` ``\\l``
    escapes) and newlines become dot's ``\\n``; graphviz quotes the rest (``"``)."""
    text = html.escape(_text(value), quote=False)
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _fmt(value, precision):
    if isinstance(value, Tensor):
        value = value.data
    value = np.asarray(value)
    if value.size == 1:
        v = float(value.reshape(()))
        return f"{v + 0.0:.{precision}g}"
    return np.array2string(value, precision=precision, separator=", ", suppress_small=True)


def _small(t, max_value_size):
    return t.data.size <= max_value_size


def _tensor_label(t, name, annotation, options):
    """The HTML-like record of tensor ``t``: its name (or leaf kind), then its shape, value,
    gradient and the forward/reverse annotation, as far as ``options`` and its size allow."""
    small = _small(t, options.max_value_size)
    precision = options.precision
    rows = []
    head = name or ("" if t.grad_fn is not None else _leaf_kind(t))
    if head:
        rows.append(f"<b>{_html(head)}</b>")
    if (t.ndim or not rows) and (not options.show_values or not small):
        rows.append(f"shape {t.shape}")  # (a nameless 0-d result without its value: "shape ()")
    if options.show_values and small:
        rows.append(f"value {_html(_fmt(t, precision))}")
    grad = _grad_of(t) if options.show_grads else None
    if grad is not None and small:
        rows.append(f"grad = {_html(_fmt(grad, precision))}")
    elif grad is not None:
        rows.append(f"‖grad‖ = {float(np.linalg.norm(grad.data)):.{precision}g}")
    if annotation:
        rows.append(f'<font color="#1155cc">{_html(annotation)}</font>')
    return "<" + "<br/>".join(rows or [" "]) + ">"


def _grad_of(t):
    """``t.grad`` without the non-leaf warning (a retained non-leaf gradient is shown too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return t.grad


def _edge_label(t, options, local):
    """The text on an edge that carries ``t`` into an op: its value (or shape), then the
    local partial derivative ``local`` if there is one."""
    parts = []
    if options.show_values:
        small = _small(t, options.max_value_size)
        parts.append(_fmt(t, options.precision) if small else str(t.shape))
    if local is not None:
        parts.append(local)
    return "\n".join(parts)


# ----------------------------------------------------------------------------- derivatives
def _annotations(roots, nodes, tensors, mode, wrt, names, precision):
    """Tangent (forward) or adjoint (reverse) text per tensor key, from a replay."""
    if mode == "plain" or not nodes:
        return {}
    leaves = [t for key, t in tensors.items() if key[0] == "leaf" and t.requires_grad]
    if mode == "forward":
        wrt = wrt if wrt is not None else (leaves[0] if leaves else None)
        if wrt is None:
            return {}
        new = replay(roots, tangents={wrt: np.ones_like(wrt.data)}, requires_grad=False)
        var = names.get(tensor_key(wrt)) or _name_of(wrt) or "w"
        out = {}
        for key, t in tensors.items():
            tangent = new(t).tangent
            name = names.get(key, "·")
            value = 0.0 if tangent is None else tangent
            out[key] = f"∂{name}/∂{var} = {_fmt(value, precision)}"
        return out
    new = replay(roots)
    root = roots[0]
    items = [(key, t) for key, t in tensors.items() if new(t).requires_grad]
    adjoints = _grad([new(root)], [new(t) for _, t in items], allow_unused=True)
    fname = names.get(tensor_key(root)) or "f"
    out = {}
    for (key, _), g in zip(items, adjoints):
        out[key] = f"∂{fname}/∂{names.get(key, '·')} = {_fmt(0.0 if g is None else g, precision)}"
    return out


def _local_grads(nodes, names, precision):
    """d(output)/d(input i) of each shown op at the recorded values (one-element tensors)."""
    from autograd_core.forward_ad import jvp

    out = {}
    for node in nodes:
        args = list(node.inputs)
        for index, inp in enumerate(args):
            if not isinstance(inp, Tensor) or inp.data.size != 1:
                continue
            primals = [a.detach() if isinstance(a, Tensor) else a for a in args]
            tensor_positions = [i for i, a in enumerate(primals) if isinstance(a, Tensor)]

            def f(*ts, _primals=primals, _positions=tensor_positions, _node=node):
                call = list(_primals)
                for position, t in zip(_positions, ts):
                    call[position] = t
                result = type(_node).apply(*call, **(_node.config or {}))
                return result[0] if isinstance(result, tuple) else result

            tangents = [
                np.ones_like(primals[i].data) if i == index else None for i in tensor_positions
            ]
            _, tangent = jvp(
                f,
                tuple(primals[i] for i in tensor_positions),
                tuple(None if t is None else Tensor(t) for t in tangents),
            )
            if tangent.data.size == 1:
                top = names.get((node, 0), "out")
                bottom = names.get(tensor_key(inp), "in")
                out[(node, index)] = f"∂{top}/∂{bottom} = {_fmt(tangent, precision)}"
    return out
