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

import html
import re
import warnings

import numpy as np

from autograd_core.graph import graph_tensors, replay, tensor_key
from autograd_core.engine import grad as _grad
from autograd_core.tensor import Tensor

__all__ = ["draw_graph"]

MAX_TEXT = 500  # characters of one shown text; dot rejects a label over 16 KiB
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # dot rejects these (all but \t \n)

_LEAF_STYLE = {
    "parameter": {"fillcolor": "#cfe2f3", "style": "filled,rounded"},
    "input": {"fillcolor": "#d9ead3", "style": "filled,rounded"},
    "constant": {"fillcolor": "#eeeeee", "style": "filled,rounded"},
    "result": {"fillcolor": "white", "style": "rounded"},
}


def draw_graph(root, show_values=True, show_grads=True, show_local_grads=False,
               naming="auto", rankdir="LR", mode="plain", wrt=None, max_nodes=150,
               max_value_size=4, precision=4, title=None, model=None):
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

    if naming not in ("auto", "h"):
        raise ValueError(f"draw_graph: naming must be 'auto' or 'h', got {naming!r}")
    if mode not in ("plain", "forward", "reverse"):
        raise ValueError(f"draw_graph: mode must be 'plain', 'forward' or 'reverse', got {mode!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    roots = [root] if isinstance(root, Tensor) else list(root) if isinstance(root, (list, tuple)) else []
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("draw_graph: root must be a Tensor or a list of Tensors")
    nodes, tensors = graph_tensors(roots)
    shown, hidden = _cap(nodes, roots, max_nodes)
    names = _names(nodes, tensors, naming)
    outputs = {}  # node -> the tensors it produced that the graph references
    for key, t in tensors.items():
        if key[0] != "leaf":
            outputs.setdefault(key[0], []).append(t)
    layer_names, owners = _layers(model, nodes, tensors, names)
    extra = _annotations(roots, nodes, tensors, mode, wrt, names, precision)
    local = _local_grads(shown, names, precision) if show_local_grads else {}

    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir, "fontname": "Helvetica",
                                       "nodesep": "0.3", "ranksep": "0.45"},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"},
                           edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    if title is not None:
        dot.attr(label=_plain(title), labelloc="t", fontsize="14")
    clusters = {}
    drawn = set()
    shown_set = set(shown)

    def target(module):
        if module is None:
            return dot
        if id(module) not in clusters:
            cluster = graphviz.Digraph(name=f"cluster_{id(module)}")
            cluster.attr(label=_plain(layer_names.get(id(module), type(module).__name__)),
                         style="rounded,dashed", color="#999999", fontcolor="#555555")
            clusters[id(module)] = cluster
        return clusters[id(module)]

    def tensor_node(t):
        key = tensor_key(t)
        node_id = _tensor_id(key)
        if node_id in drawn:
            return node_id
        drawn.add(node_id)
        kind = _leaf_kind(t)
        label = _tensor_label(t, names.get(key), extra.get(key), show_values, show_grads,
                              max_value_size, precision)
        owner = _module(t.grad_fn) if t.grad_fn is not None else owners.get(key)
        target(owner).node(node_id, label=label, shape="box", **_LEAF_STYLE[kind])
        return node_id

    for node in shown:
        op_id = f"op{id(node)}"
        target(_module(node)).node(op_id, label=_plain(_symbol(node)), shape="ellipse",
                                        style="filled", fillcolor="#fff2cc", margin="0.05,0.02")
        for index, inp in enumerate(node.inputs):
            if isinstance(inp, Tensor):
                if inp.grad_fn is not None and inp.grad_fn not in shown_set:
                    src = "collapsed"
                else:
                    src = tensor_node(inp)
                label = _edge_label(inp, show_values, max_value_size, precision,
                                    local.get((node, index)))
            else:
                src = f"const{id(node)}_{index}"
                dot.node(src, label=_plain(_fmt(inp, precision)), shape="plaintext",
                         fontsize="10")
                label = ""
            dot.edge(src, op_id, label=_plain(label), fontcolor="#cc0000")
        for out in outputs.get(node, ()):
            dot.edge(op_id, tensor_node(out))
    for r in roots:
        if r.grad_fn is None:
            tensor_node(r)
    for sub in clusters.values():
        dot.subgraph(sub)
    if hidden:
        note = f"… {hidden} earlier operations not shown\n(max_nodes={max_nodes})"
        dot.node("collapsed", label=_plain(note), shape="note", style="dashed")
    return dot


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
            following.extend(i.grad_fn for i in node.inputs
                             if isinstance(i, Tensor) and i.grad_fn is not None)
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


def _tensor_label(t, name, annotation, show_values, show_grads, max_value_size, precision):
    rows = []
    head = name or ("" if t.grad_fn is not None else _leaf_kind(t))
    if head:
        rows.append(f"<b>{_html(head)}</b>")
    if t.ndim and (not show_values or not _small(t, max_value_size)):
        rows.append(f"shape {t.shape}")
    if show_values and _small(t, max_value_size):
        rows.append(f"value {_html(_fmt(t, precision))}")
    grad = _grad_of(t) if show_grads else None
    if grad is not None and _small(t, max_value_size):
        rows.append(f"grad {_html(_fmt(grad, precision))}")
    elif grad is not None:
        rows.append(f"grad ‖{float(np.linalg.norm(grad.data)):.{precision}g}‖")
    if annotation:
        rows.append(f'<font color="#1155cc">{_html(annotation)}</font>')
    return "<" + "<br/>".join(rows or [" "]) + ">"


def _grad_of(t):
    """``t.grad`` without the non-leaf warning (a retained non-leaf gradient is shown too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return t.grad


def _edge_label(t, show_values, max_value_size, precision, local):
    parts = []
    if show_values:
        parts.append(_fmt(t, precision) if _small(t, max_value_size) else str(t.shape))
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

            tangents = [np.ones_like(primals[i].data) if i == index else None
                        for i in tensor_positions]
            _, tangent = jvp(f, tuple(primals[i] for i in tensor_positions),
                             tuple(None if t is None else Tensor(t) for t in tangents))
            if tangent.data.size == 1:
                top = names.get((node, 0), "out")
                bottom = names.get(tensor_key(inp), "in")
                out[(node, index)] = f"∂{top}/∂{bottom} = {_fmt(tangent, precision)}"
    return out
