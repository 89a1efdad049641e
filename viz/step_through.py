"""``step_through``: one HTML page that steps through a real forward and backward pass.

The page shows the graph (laid out by graphviz, inline SVG) and the notes' table. Each
press of "next" is one step: first the forward pass, node by node in creation order (value,
and in ``mode="forward"`` the tangent dh_i/dw, the notes' left table), then, in
``mode="reverse"``, the backward pass in the engine's own order (the notes' right table):
a node's upstream gradient, and for each input the local derivative ∂h_j/∂h_i, the
product, and the running sum at that input.

Every number comes from the engine: values from the recorded graph, tangents from a replay
on dual numbers (its jvp rules), gradients from ``trace_backward`` (the real backward
pass). Python formats them; the page's JavaScript only shows the texts it is given.
"""

from __future__ import annotations

import html
import importlib.resources
import json
import os
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_core.backward_trace import trace_backward
from autograd_core.graph import graph_tensors, replay, tensor_key
from autograd_core.serialization import _atomic_write
from autograd_core.tensor import Tensor

from .graph import _fmt, _layers, _leaf_kind, _names, _symbol, _tensor_id, _text, draw_graph

if TYPE_CHECKING:
    from nn import Module

__all__ = ["StepThrough", "step_through"]

PRECISION = 6  # significant digits of the numbers on the page
SHOWN_ELEMENTS = 6  # first elements listed for a big tensor
_INFIX = {"+", "−", "×", "÷", "**"}  # ops written between their two inputs
_PLACEHOLDER = re.compile(r"<!--(TITLE|SVG|DATA)-->")


class StepThrough:
    """The page: ``.html`` (one self-contained document), ``.save(path)``, and inline display
    in Jupyter (``_repr_html_``: the page in an iframe, so that its script runs)."""

    def __init__(self, page: str) -> None:
        self.html = page

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path`` (atomically: a temp file renamed over it); returns the
        path. Open it in any browser: it needs no network."""
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise IsADirectoryError(f"StepThrough.save: {path} is a directory; give a file name")
        if not os.path.isdir(directory):
            raise FileNotFoundError(
                f"StepThrough.save: cannot write {path}: folder {directory} does not exist"
            )
        _atomic_write(path, [self.html.encode("utf-8")])
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width: 100%; height: 620px; border: 1px solid #ccc"></iframe>'
        )


def step_through(
    root: Tensor,
    mode: str = "reverse",
    naming: str = "h",
    wrt: Tensor | None = None,
    max_nodes: int = 150,
    model: Module | None = None,
    title: str | None = None,
) -> StepThrough:
    """An interactive page that steps through the forward and backward pass of ``root``.

    Parameters
    ----------
    root : the Tensor whose graph is shown; in ``mode="reverse"`` a one-element tensor
        (a loss) that requires grad (its graph may have been through ``backward()``).
    mode : ``"reverse"`` (forward pass, then the backward pass with adjoints) or
        ``"forward"`` (forward pass with each tangent dh_i/d``wrt``).
    naming : ``"h"`` names the results h1, h2, ... in creation order as in the notes;
        ``"auto"`` draws ``Tensor.name`` only (the table still numbers the unnamed ones).
    wrt : forward mode's leaf (default: the first leaf that requires grad).
    max_nodes, model, title : as in ``draw_graph`` (ops drawn, module clusters, caption).

    Returns a ``StepThrough``; ``.save("page.html")`` writes it, Jupyter shows it inline.
    Buttons and keys: ← → step, space plays/pauses, Home resets.
    """
    _check(root, mode, naming, max_nodes)
    nodes, tensors = graph_tensors([root])
    names = _names(nodes, tensors, naming)
    layer_names, owners = _layers(model, nodes, tensors, names)
    page = _Page(root, nodes, tensors, names, owners, layer_names)
    wrt_label = None
    if mode == "forward":
        wrt = wrt if wrt is not None else _default_wrt(tensors)
        if not isinstance(wrt, Tensor) or wrt.grad_fn or tensor_key(wrt) not in tensors:
            raise ValueError("step_through: wrt must be a leaf tensor of the graph of root")
        wrt_label = page.label[tensor_key(wrt)]
    page.forward_steps(_tangents(root, tensors, wrt) if mode == "forward" else None, wrt_label)
    if mode == "reverse":
        page.reverse_steps(trace_backward(root))
    svg = draw_graph(
        root,
        show_values=False,
        show_grads=False,
        naming=naming,
        max_nodes=max_nodes,
        title=title,
        model=model,
    ).pipe(format="svg", encoding="utf-8")
    data = page.data(mode, wrt_label)
    return StepThrough(_fill(title, svg, data))


def _check(root, mode, naming, max_nodes):
    """A clear error for the first argument that cannot make a page."""
    if mode not in ("forward", "reverse"):
        raise ValueError(f"step_through: mode must be 'forward' or 'reverse', got {mode!r}")
    if naming not in ("h", "auto"):
        raise ValueError(f"step_through: naming must be 'h' or 'auto', got {naming!r}")
    if not isinstance(root, Tensor):
        raise TypeError(f"step_through: root must be a Tensor, got {type(root).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"step_through: max_nodes must be a positive int, got {max_nodes!r}")
    if not root.requires_grad:
        raise ValueError(
            "step_through: root does not require grad (it was built from tensors with "
            "requires_grad=False, or under no_grad): there is no graph to step through"
        )
    if root.grad_fn is None:
        raise ValueError(
            "step_through: root is a leaf (made by no op): pass the result of a computation"
        )
    if mode == "reverse" and root.data.size != 1:
        raise ValueError(
            f"step_through: mode='reverse' starts the backward pass from a one-element "
            f"root (a loss); this root has shape {root.shape}"
        )


# ----------------------------------------------------------------------------- numbers
def _num(value: Any) -> str:
    """A one-element value as a number; a bigger one as its shape and mean."""
    a = np.asarray(value._data if isinstance(value, Tensor) else value, dtype=float)
    if a.size == 1:
        return _fmt(a, PRECISION)
    mean = f"{float(a.mean()) + 0.0:.4g}" if a.size else "–"
    return f"shape {a.shape}, mean {mean}"


def _head(a: np.ndarray) -> str:
    """A one-element array as a number, a bigger one as its first elements."""
    if a.size == 1:
        return _num(a)
    return "[" + ", ".join(f"{v + 0.0:.4g}" for v in a.reshape(-1)[:3]) + ", …]"


def _running_sum(edge: Any) -> str:
    """``total``, or ``previous + contribution = total`` once a second term arrives (first
    elements of each, for a tensor of several elements)."""
    text = _head(edge.total)
    if edge.previous is not None:
        text = f"{_head(edge.previous)} + {_head(edge.contribution)} = {text}"
    return text if edge.total.size == 1 else f"{text}, shape {edge.total.shape}"


def _summary(value: Any) -> list[str]:
    """The lines of a tooltip: shape, the values (or min/mean/max and the first elements)."""
    a = np.asarray(value._data if isinstance(value, Tensor) else value, dtype=float)
    lines = [f"shape {a.shape}"]
    if a.size <= 1:
        return lines + [f"value {_num(a)}" if a.size else "no elements"]
    if a.size <= 16:
        text = np.array2string(a, precision=PRECISION, separator=", ", suppress_small=True)
        return lines + [f"value {text}"]
    flat = ", ".join(f"{v + 0.0:.4g}" for v in a.reshape(-1)[:SHOWN_ELEMENTS])
    return lines + [
        f"min {a.min() + 0.0:.4g}, mean {a.mean() + 0.0:.4g}, max {a.max() + 0.0:.4g}",
        f"first elements {flat}, … ({a.size} in all)",
    ]


def _tangents(root, tensors, wrt):
    """Each tensor key -> its tangent d·/d``wrt`` from a replay on dual numbers (the
    engine's jvp rules); a tensor that does not depend on ``wrt`` gets 0."""
    new = replay(root, tangents={wrt: np.ones_like(wrt.data)}, requires_grad=False)
    out = {}
    for key, t in tensors.items():
        tangent = new(t).tangent
        out[key] = np.zeros_like(t.data) if tangent is None else tangent.data
    return out


def _default_wrt(tensors):
    leaves = [t for key, t in tensors.items() if key[0] == "leaf" and t.requires_grad]
    return leaves[0] if leaves else None


# ----------------------------------------------------------------------------- the steps
class _Page:
    """The table's rows (one per tensor, grouped by module) and the steps that fill it."""

    def __init__(self, root, nodes, tensors, names, owners, layer_names):
        self.root, self.nodes, self.tensors = root, nodes, tensors
        self.label = _labels(nodes, tensors, names)
        self.layer_names = layer_names
        self.groups, self.group_of = [], {}  # group labels; id(module) or None -> index
        self.steps = []
        for node in nodes:  # groups in order of first use: a node's leaves, then the node
            for a in node.inputs:
                if isinstance(a, Tensor) and a.grad_fn is None:
                    self._group(owners.get(tensor_key(a)))
            self._group(node.module)
        keyed = []
        for key in _row_order(nodes, tensors):
            t = tensors[key]
            keyed.append((self._group(t.grad_fn.module if t.grad_fn else owners.get(key)), key))
        keyed.sort(key=lambda pair: pair[0])  # stable: in a group, leaves then results
        self.rows, self.row_of = [], {}  # row dicts; tensor key -> row index
        for group, key in keyed:
            t = tensors[key]
            self.row_of[key] = len(self.rows)
            start = {"value": _num(t)} if t.grad_fn is None else {}
            self.rows.append({"name": self.label[key], "group": group, "start": start})

    def _group(self, module):
        """The index of ``module``'s group (None: the ops of no module), made on first use."""
        key = None if module is None else id(module)
        if key not in self.group_of:
            self.group_of[key] = len(self.groups)
            self.groups.append(_group_label(module, self.layer_names, self.groups))
        return self.group_of[key]

    def _op_text(self, node):
        """``h1 = w × x``, ``h4 = exp(h3)``: the node's output(s) and how they were made."""
        args = [self._name(a) for a in node.inputs]
        symbol = _symbol(node)
        rhs = f" {symbol} ".join(args) if symbol in _INFIX and len(args) == 2 else None
        rhs = rhs or f"{symbol}({', '.join(args)})"
        return f"{', '.join(self._outputs(node)) or '·'} = {rhs}"

    def _name(self, value):
        """A tensor's label; a constant as its number, or its shape."""
        if isinstance(value, Tensor):
            return self.label[tensor_key(value)]
        try:
            a = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return _text(repr(value))[:40]
        return _num(a) if a.size == 1 else f"array{a.shape}"

    def _outputs(self, node):
        return [self.label[k] for k in self._output_keys(node)]

    def _output_keys(self, node):
        return [(node, i) for i in range(node._n_outputs) if (node, i) in self.tensors]

    def forward_steps(self, tangents, wrt):
        """One step per node in creation order: its inputs' values and its output value
        (and its tangent d·/d``wrt``, when ``tangents`` is given)."""
        if tangents is not None:
            for key, row in self.row_of.items():
                if key[0] == "leaf":
                    self.rows[row]["start"]["tangent"] = _num(tangents[key])
        for node in self.nodes:
            tensor_inputs = [a for a in node.inputs if isinstance(a, Tensor)]
            lines = [f"forward: {self._op_text(node)}"]
            lines.append(
                "inputs: "
                + (", ".join(f"{self._name(a)} = {_num(a)}" for a in tensor_inputs) or "none")
            )
            cells = []
            for key in self._output_keys(node):
                t, row = self.tensors[key], self.row_of[key]
                lines.append(f"output: {self.label[key]} = {_num(t)}")
                cells.append([row, "value", _num(t), "final"])
                if tangents is not None:
                    lines.append(f"tangent: ∂{self.label[key]}/∂{wrt} = {_num(tangents[key])}")
                    cells.append([row, "tangent", _num(tangents[key]), "final"])
            op = f"op{id(node)}"
            ids = [op] + [f"{_svg_id(a)}->{op}" for a in tensor_inputs]
            for key in self._output_keys(node):
                ids += [_tensor_id(key), f"{op}->{_tensor_id(key)}"]
            self._add("forward", node, lines, ids, cells)

    def reverse_steps(self, trace):
        """One step per node of the real backward pass, in the engine's order."""
        f = self.label[tensor_key(self.root)]
        for step in trace:
            node, op = step.node, f"op{id(step.node)}"
            lines, cells, ids = [f"backward through {self._op_text(node)}"], [], [op]
            for key, g in zip([(node, i) for i in range(len(step.upstream))], step.upstream):
                if g is not None and key in self.row_of:
                    lines.append(f"upstream gradient ∂{f}/∂{self.label[key]} = {_num(g)}")
                    cells.append([self.row_of[key], "adjoint", _num(g), "final"])
            out = (self._outputs(node) or ["·"])[0]
            for edge in step.edges:
                name = self.label[edge.key]
                lines.append(f"→ {name}:")
                if edge.local is not None:
                    local = _num(edge.local)
                    lines.append(f"    local derivative ∂{out}/∂{name} = {local}")
                    lines.append(
                        f"    product {_num(step.upstream[0])} × {local} = "
                        f"{_num(edge.contribution)}"
                    )
                else:
                    lines.append(f"    contribution {_num(edge.contribution)}")
                lines.append(f"    running sum ∂{f}/∂{name} = {_running_sum(edge)}")
                cells.append([self.row_of[edge.key], "adjoint", _num(edge.total), "partial"])
                ids += [_tensor_id(edge.key), f"{_tensor_id(edge.key)}->{op}"]
            self._add("reverse", node, lines, ids, cells)

    def _add(self, kind, node, lines, ids, cells):
        group = self._group(node.module)
        self.steps.append(
            {"kind": kind, "group": group, "lines": lines, "active": ids, "set": cells}
        )

    def data(self, mode, wrt_label):
        """Everything the page's script needs, as JSON-ready dicts and lists."""
        f = self.label[tensor_key(self.root)]
        second = ("tangent", f"∂·/∂{wrt_label}") if mode == "forward" else ("adjoint", f"∂{f}/∂·")
        return {
            "mode": mode,
            "columns": [["value", "value"], list(second)],
            "groups": self.groups,
            "rows": self.rows,
            "steps": self.steps,
            "info": self._tooltips(),
        }

    def _tooltips(self):
        """Each drawn SVG node id -> the lines its tooltip shows."""
        info = {}
        for key, t in self.tensors.items():
            info[_tensor_id(key)] = [self.label[key]] + _summary(t)
        for node in self.nodes:
            module = self.groups[self._group(node.module)]
            info[f"op{id(node)}"] = [f"op {_symbol(node)}", self._op_text(node), f"in {module}"]
        return info


def _svg_id(t):
    return _tensor_id(tensor_key(t))


def _row_order(nodes, tensors):
    """Tensor keys: the leaves in order of first use, then the results in creation order."""
    leaves, results = [], []
    for node in nodes:
        for a in node.inputs:
            if isinstance(a, Tensor) and a.grad_fn is None and tensor_key(a) not in leaves:
                leaves.append(tensor_key(a))
        results += [(node, i) for i in range(node._n_outputs) if (node, i) in tensors]
    return leaves + results


def _labels(nodes, tensors, names):
    """A unique display name per tensor: its drawn name, else h<n> (results) or its leaf kind
    with a number; a repeated name gets #2, #3, ..."""
    labels, used, number, kinds = {}, {}, 0, {}
    for key in _row_order(nodes, tensors):
        t = tensors[key]
        if t.grad_fn is not None:
            number += 1
        name = names.get(key)
        if not name:
            kind = _leaf_kind(t)
            kinds[kind] = kinds.get(kind, 0) + 1
            name = f"h{number}" if t.grad_fn is not None else f"{kind}{kinds[kind]}"
        used[name] = used.get(name, 0) + 1
        labels[key] = name if used[name] == 1 else f"{name}#{used[name]}"
    return labels


def _group_label(module, layer_names, groups):
    """A module's label: its path in ``model`` (and class), else its class, numbered."""
    if module is None:
        return "graph"
    kind = type(module).__name__
    path = layer_names.get(id(module))
    if path is not None and path != kind:
        return f"{path} ({kind})"
    same = sum(1 for g in groups if g == kind or g.startswith(f"{kind} #"))
    return kind if same == 0 else f"{kind} #{same + 1}"


# ----------------------------------------------------------------------------- the page
def _fill(title, svg, data):
    """The template with the title, the SVG and the data put in (in one pass, so that no
    inserted text is read again as a placeholder)."""
    template = importlib.resources.files("viz").joinpath("step_through_page.html")
    svg = svg[svg.find("<svg") :]  # without the XML declaration and the DOCTYPE
    values = {
        "TITLE": html.escape(title if title is not None else "step through the passes"),
        "SVG": svg,
        "DATA": json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template.read_text("utf-8"))
