"""``Function``: one differentiable primitive = forward + backward (VJP) + jvp, side by side.

Every built-in op is a ``Function`` subclass and uses exactly the machinery a user's custom
function uses. An instance of the subclass is both the ``ctx`` its rules receive and the
graph node recorded on the output (``tensor.grad_fn``; see ``node.Node``).

Conventions of the three rules:

* ``forward(ctx, *args, **config)`` receives numpy arrays for tensor arguments (other
  positional arguments as given; keyword arguments are non-differentiable configuration)
  and returns an ndarray, or a tuple of them for several outputs.
* ``backward(ctx, *grad_outputs)`` receives one gradient Tensor per output (None for an
  output that received none) and returns one gradient per positional argument (None where
  there is none). Rules are written in Tensor ops, so they are differentiable themselves:
  the engine runs them under ``no_grad`` unless ``create_graph=True``. They may ignore
  broadcasting: the engine sums every gradient down to its input's shape.
* A ``Primitive`` (every built-in op) writes its backward rule so that it runs on numpy
  arrays just as well: with operators, the methods arrays and Tensors share (``.sum``,
  ``.reshape``, ``.transpose``, ``.T``, ``@``) and ``call(Op, ...)`` for other ops. An
  ordinary first-order pass then runs every rule on plain arrays (``saved_tensors`` are
  ndarrays, gradients ndarrays or, for 0-d values, numpy float scalars: no Tensor, no
  node, no dispatch per step), and the same rule runs on Tensors when the pass is
  recorded (``create_graph``) or carries tangents.
* ``jvp(ctx, *tangents)`` receives one tangent Tensor per positional argument (None for an
  argument without a tangent, i.e. a zero tangent) and returns the output tangent(s).
  ``apply`` broadcasts them to the output shapes. With nested forward mode ``apply`` calls
  it once per level its inputs carry (see ``tangents``).
* An op marked ``broadcasting = True`` (the binary elementwise ops) gets its two last
  arguments in one dtype, by PyTorch's promotion rule (``dtypes.result_type``): where
  numpy would compute in another, ``apply`` casts them first, with recorded ``Cast`` ops.

``ctx.save_for_backward(...)`` takes inputs, outputs or constant arrays computed in
forward; ``ctx.saved_tensors`` gives them back as Tensors connected to the graph, so that
second derivatives see how a saved input or output depends on the leaves.

``apply`` runs in four steps: read the arguments into the node (``Node._read_arguments``),
call forward (``_call_forward``), record the node (``Node._record``), and make the output
Tensors (``_finish``, or ``_plain_outputs`` when nothing is recorded).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .anomaly import check_forward_values, user_frame
from .dtypes import promoted_args
from .errors import OpError, OpTypeError, describe_failure, unsupported_dtype
from .grad_mode import current
from .inplace import _share_buffer
from .jit import capture
from .node import Node
from .tangents import push_tangents
from .tensor import Tensor, _make

__all__ = ["Function", "Primitive", "call", "array_of"]

_new = object.__new__


class Function(Node):
    """Base class of differentiable operations; subclass it and call ``MyFn.apply(...)``."""

    __slots__ = ()
    view = False  # True for ops whose output may be a numpy view of input 0
    broadcasting = False  # True for binary elementwise ops (dtype promotion, error messages)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # a subclass with a backward rule of its own (another derivative) does not inherit
        # the parent's jvp: forward mode would silently disagree with reverse mode, so it
        # gets the "no jvp rule" error instead
        if "backward" in cls.__dict__ and "jvp" not in cls.__dict__:
            cls.jvp = Function.__dict__["jvp"]

    # ----------------------------------------------------------------- rules (override)
    @staticmethod
    def forward(ctx: Any, *args: Any, **config: Any) -> Any:
        raise NotImplementedError("Function subclasses must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("Function subclasses must define backward(ctx, *grads)")

    @staticmethod
    def jvp(ctx: Any, *tangents: Any) -> Any:
        name = type(ctx).__name__
        raise RuntimeError(
            f"forward-mode AD reached {name}, which has no jvp rule; "
            f"define {name}.jvp(ctx, *tangents) to use it with dual tensors"
        )

    def mark_non_differentiable(self, *outputs: np.ndarray) -> None:
        """Outputs given here (the arrays forward returns) get no gradient."""
        self._non_differentiable = {id(o) for o in outputs}

    # ----------------------------------------------------------------- the call
    @classmethod
    def apply(cls, *args: Any, **config: Any) -> Any:
        """Run forward on the arrays of ``args``; record a node when an argument requires
        grad (and recording is on); push the tangents of arguments that carry some."""
        ctx = _new(cls)
        ctx._needs, ctx._replayed, ctx._saved = None, False, ()
        arrays, record, tangent, plain = ctx._read_arguments(args)
        st = current()
        record = record and st.grad_enabled
        tangent = tangent and st.forward_enabled
        returned, outs = _call_forward(cls, ctx, args, arrays, config)
        if cls.broadcasting:
            promoted = promoted_args(cls, args, arrays, outs[0].dtype)
            if promoted is not None:  # numpy computed in another dtype than PyTorch would
                return _apply_promoted(cls, promoted, config)
        if st.anomaly:
            check_forward_values(cls, args, outs)
        if record or tangent:
            ctx._record(st.module, config, args, arrays, returned, outs, plain)
            results = _finish(cls, ctx, st, args, outs, record, tangent)
        else:
            results = _plain_outputs(cls, args, outs)
        if st.tracer is not None:
            capture.record_op(cls, ctx, args, arrays, config, results)
        return results[0] if len(results) == 1 else results


class Primitive(Function):
    """A built-in op: its backward rule also runs on numpy arrays (see the module notes).

    Subclass it instead of ``Function`` for a custom op whose backward uses only operators,
    the methods arrays and Tensors share, and ``call``; first-order passes then skip every
    Tensor in between.
    """

    __slots__ = ()
    array_rules = True


# ---------------------------------------------------------------------------- apply's steps
def _call_forward(
    cls: type, ctx: Function, args: tuple, arrays: list, config: dict
) -> tuple[Any, tuple[np.ndarray, ...]]:
    """forward on the arrays: what it returned, and that as a tuple of arrays of dtypes
    tensors hold. A numpy error inside forward becomes one that names the op and shapes."""
    try:
        # (most ops take no keyword arguments: no empty dict to pass on then)
        returned = cls.forward(ctx, *arrays, **config) if config else cls.forward(ctx, *arrays)
    except (OpError, OpTypeError):
        raise
    except (ValueError, IndexError, TypeError) as exc:
        raise describe_failure(cls, args, exc) from None
    if type(returned) is np.ndarray:  # one array: the common case
        outs = (returned,)
    elif type(returned) is tuple:
        outs = tuple([_as_output(cls, value) for value in returned])
    elif isinstance(returned, np.generic):  # numpy gives a scalar for a 0-d result
        outs = (np.asarray(returned),)
    else:
        outs = (_as_output(cls, returned),)
    for out in outs:
        if out.dtype.kind not in "biuf":
            raise unsupported_dtype(cls, args, out.dtype)
    return returned, outs


def _as_output(cls: type, value: Any) -> np.ndarray:
    """One value forward returned, as an array."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic, float, int, bool)):
        return np.asarray(value)
    raise TypeError(
        f"{cls.__name__}.forward must return numpy arrays or Tensors "
        f"(or a tuple of them), got {type(value).__name__}"
    )


def _finish(
    cls: type, ctx: Function, st: Any, args: tuple, outs: tuple, record: bool, tangent: bool
) -> tuple[Tensor, ...]:
    """The output Tensors of a recorded call (or one that carries tangents): views linked
    to their input's buffer, the creation line kept in anomaly mode, tangents pushed."""
    if len(outs) == 1 and not ctx._non_differentiable:  # the common case, without a loop
        out = outs[0]
        results = (_make(out, ctx, True) if record and out.dtype.kind == "f" else _make(out),)
    else:
        results = _node_outputs(ctx, outs, record)
    if cls.view:
        _link_view(results[0], args[0])
    if st.anomaly:
        ctx.creation = user_frame()
    if tangent:
        push_tangents(cls, ctx, args, results)
    if not record:  # nothing will walk this node; keep no references
        ctx._set_entries(())
    return results


def _node_outputs(ctx: Function, outs: tuple, record: bool) -> tuple[Tensor, ...]:
    """One Tensor per output: with the node as grad_fn where it is recorded, floating point
    and not marked non-differentiable."""
    non_diff = ctx._non_differentiable
    results = tuple(
        [
            _make(array, ctx, True, index)
            if record and array.dtype.kind == "f" and id(array) not in non_diff
            else _make(array, None, False, index)
            for index, array in enumerate(outs)
        ]
    )
    if record and type(ctx._saved) is tuple:
        ctx._watch_saved_outputs(results)
    return results


def _plain_outputs(cls: type, args: tuple, outs: tuple) -> tuple[Tensor, ...]:
    """The outputs of a call that records nothing and carries no tangent: plain Tensors."""
    if len(outs) > 1:
        return tuple([_make(out) for out in outs])
    result = _make(outs[0])
    if cls.view:
        _link_view(result, args[0])
    return (result,)


def _apply_promoted(cls: type[Function], promoted: tuple, config: dict) -> Any:
    """The op again, on its operands cast to PyTorch's dtype. (Not written inline: ag.compile's
    guards read ``apply``'s own code, and would follow ``cls.apply`` into itself.)"""
    return cls.apply(*promoted, **config)


def _link_view(out: Tensor, source: Any) -> None:
    """A view op's output reading its input's buffer shares the input's version counter."""
    if (
        isinstance(source, Tensor)
        and out._data.base is not None
        and np.may_share_memory(out._data, source._data)
    ):
        _share_buffer(out, source)


# ---------------------------------------------------------------------------- rules' helpers
def call(op: type[Function], *args: Any, **config: Any) -> Any:
    """``op`` (a Function subclass) on ``args``: recorded as usual when one is a Tensor,
    otherwise its forward alone on the arrays (nothing recorded, an array comes back).
    Backward rules use it for ops that arrays have no operator or method for."""
    for a in args:
        if isinstance(a, Tensor):
            return op.apply(*args, **config)
    return op.forward(_new(op), *args, **config)


def array_of(x: Any) -> np.ndarray:
    """The numbers of a Tensor, an array or a Python number, as an array (rules use it for
    masks, which carry no gradient)."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)
