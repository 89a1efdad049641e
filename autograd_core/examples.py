"""The worked examples of the course notes, as graphs built with the engine.

Used by the demo, the tests and (later) viz, so that every place shows the same graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .creation import tensor
from .ops import exp

if TYPE_CHECKING:
    from .tensor import Tensor


def notes_f(
    x: Tensor | float = 1.0, w: Tensor | float = 0.0, b: Tensor | float = 0.0
) -> tuple[Tensor, dict[str, Tensor]]:
    """f(x; w, b) = 1 / (exp(-(wx + b)) + 1), decomposed as in the notes' table.

    Returns ``(f, nodes)`` where ``nodes`` maps "x", "w", "b", "h1" … "h6" to tensors:
    h1 = w·x, h2 = h1 + b, h3 = -h2, h4 = exp(h3), h5 = h4 + 1, h6 = 1 / h5 = f.
    ``w`` and ``b`` may be tensors (e.g. dual tensors); numbers become leaves that
    require grad.
    """
    x = x if hasattr(x, "data") else tensor(x, name="x")
    w = w if hasattr(w, "data") else tensor(w, requires_grad=True, name="w")
    b = b if hasattr(b, "data") else tensor(b, requires_grad=True, name="b")
    h1 = w * x
    h2 = h1 + b
    h3 = -h2
    h4 = exp(h3)
    h5 = h4 + 1
    h6 = 1 / h5
    nodes = {"x": x, "w": w, "b": b, "h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "h6": h6}
    for name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        nodes[name].name = name
    return h6, nodes


def notes_j(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> tuple[Tensor, dict[str, Tensor]]:
    """J(a, b, c) = 3(a + bc) with u = bc, v = a + u, J = 3v (the notes' graph example).

    Returns ``(J, nodes)`` with nodes "a", "b", "c", "u", "v", "J".
    """
    a = tensor(a, requires_grad=True, name="a")
    b = tensor(b, requires_grad=True, name="b")
    c = tensor(c, requires_grad=True, name="c")
    u = b * c
    v = a + u
    J = 3 * v
    u.name, v.name, J.name = "u", "v", "J"
    return J, {"a": a, "b": b, "c": c, "u": u, "v": v, "J": J}
