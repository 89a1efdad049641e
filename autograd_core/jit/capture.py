"""What the rest of the library tells ag.compile's tracer, in one place.

While ``ag.compile`` traces a function, the calling thread's switches hold a tracer
(``grad_mode.current().tracer``). Ops, the engine, tensors and ``nn`` report to it only
through the functions here: an op that ran, a backward pass, a numpy mask, a data check to
replay, a side effect to replay, and what a captured program cannot replay (``refuse``).
Outside a trace every function here is a no-op or runs its argument directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import CompileError
from ..grad_mode import current

if TYPE_CHECKING:
    from ..function import Function
    from ..tensor import Tensor

__all__ = [
    "record_op",
    "record_backward",
    "record_numpy",
    "refuse",
    "refuse_read",
    "traced",
    "validate",
    "side_effect",
]


def record_op(
    cls: type, ctx: Function, args: tuple, arrays: tuple, config: dict | None, results: tuple
) -> None:
    """An op ran: the tracer writes down its step (``Function.apply`` calls this)."""
    tracer = current().tracer
    if tracer is not None:
        tracer.op(cls, ctx, args, arrays, config, results)


def record_backward(
    roots: tuple, seeds: Any, retain_graph: bool | None, create_graph: bool, targets: Any
) -> None:
    """A backward pass inside the function: captured as a step (``loss.backward()``); a pass
    that returns gradients as values, or records a graph, is refused."""
    if targets is not None or create_graph:
        refuse(
            "ag.grad or a backward pass with create_graph inside the function "
            "(loss.backward() is captured; for gradients as values, compile the loss "
            "and call ag.grad on the result)"
        )
    current().tracer.backward(roots, seeds, retain_graph)


def record_numpy(fn: Callable, args: tuple, result: Any) -> None:
    """A numpy result computed from traced values (a comparison mask): recomputed on replay.
    A ``numpy_watch`` (nn.export_onnx's) is told of it too."""
    st = current()
    if st.tracer is not None:
        st.tracer.numpy(fn, args, result)
    if st.numpy_watch is not None:
        st.numpy_watch(fn, args, result)


def refuse(what: str) -> None:
    """Raise ``CompileError`` for ``what`` while a function is being traced (library hook)."""
    if current().tracer is not None:
        raise CompileError(
            f"ag.compile cannot capture {what}: a captured graph replays the same operations "
            "on every call. Call the function uncompiled, or move this out of it"
        )


def traced(tensor: Tensor) -> bool:
    """Is ``tensor`` a value of the function ag.compile is tracing (known only at run time)?"""
    tracer = current().tracer
    return tracer is not None and id(tensor._data) in tracer.slots


def validate(check: Callable, *args: Any) -> None:
    """Run ``check(*args)``, a test of data values that raises a clear error, now; and, while
    ag.compile traces, record it so that every replay runs it on that call's values."""
    check(*args)
    tracer = current().tracer
    if tracer is not None:
        tracer.check(check, args)


def side_effect(fn: Callable, *args: Any) -> Any:
    """Run ``fn(*args)``, a side effect on the model's state (``zero_grad``, an optimiser or
    scheduler step), and return its result; while ag.compile traces, also record it, so
    that every replay runs it again, with the same ``args``, at this point of the program
    (library hook). It runs untraced: what it computes is not part of the captured graph."""
    st = current()
    tracer = st.tracer
    if tracer is None:
        return fn(*args)
    st.tracer = None
    try:
        result = fn(*args)
    finally:
        st.tracer = tracer
    tracer.effect(fn, args)
    return result


def refuse_read(tensor: Tensor, what: str) -> None:
    """Raise ``CompileError`` when a tensor's values are read as Python or numpy data while
    ag.compile traces: whatever is computed from them would be a constant of the program,
    the value of the first call, though an argument, a result or a parameter changes from
    call to call."""
    if current().tracer is not None:
        raise CompileError(
            f"ag.compile: {what} of a tensor (shape {tensor.shape}) inside a compiled "
            "function turns its value into a constant of the first call, so the program "
            "would be wrong on later calls (data-dependent control flow such as `if loss > "
            "0:`, `.item()`, `np.asarray(t)`, `t.data`). Use Tensor ops (ag.where, "
            "ag.maximum), read the value outside the function, or call it uncompiled"
        )
