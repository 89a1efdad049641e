"""``Function``: one differentiable primitive = forward + backward (VJP) + jvp, side by side.

Every built-in op is a ``Function`` subclass and uses exactly the machinery a user's custom
function uses. An instance of the subclass is both the ``ctx`` its rules receive and the
graph node recorded on the output (``tensor.grad_fn``).

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
  it once per level its inputs carry, outer levels first, with that level and inner ones
  switched off: the ops of the rule then push the outer levels' tangents, which makes the
  result the derivative of the tangent along them (see ``forward_ad``).
* An op marked ``broadcasting = True`` (the binary elementwise ops) gets its two last
  arguments in one dtype, by PyTorch's promotion rule (``dtypes.result_type``): where
  numpy would compute in another, ``apply`` casts them first, with recorded ``Cast`` ops.

``ctx.save_for_backward(...)`` takes inputs, outputs or constant arrays computed in
forward; ``ctx.saved_tensors`` gives them back as Tensors connected to the graph, so that
second derivatives see how a saved input or output depends on the leaves.

What a node keeps, as PyTorch's do: the node of each input that another op made (standing
for its output, whose array the node keeps), leaf Tensors and constants as themselves. An
intermediate Tensor object is therefore only alive while the user holds it; its name,
version counter and retained gradient are kept by its node, and ``node.inputs`` rebuilds
it on the same array when asked (viz, ag.compile). A recorded op thus leaves one object
for Python's garbage collector to scan instead of three (node, Tensor, inputs tuple): the
collector's full passes over a deep live graph were a third of a 10^6-node chain's time.
"""

import itertools
from operator import is_

import numpy as np

from .dtypes import get_default_dtype, result_type
from .errors import OpError, OpTypeError
from .grad_mode import current, shared
from .jit import capture
from .tensor import Tensor, _make, _refresh_tangents, _set_tangents, _share_buffer, \
    _version_of, _wrap

__all__ = ["Function", "Primitive", "OpError", "OpTypeError", "call", "array_of"]

_FREED = object()
_sequence = itertools.count()  # marks a ctx whose saved tensors were released by backward


class _OutputRef:
    """A saved output: rebuilt into a Tensor whose grad_fn is the ctx when unpacked. It is
    expected to stay at version 0; its counter, if one is ever made, is on the ctx."""

    __slots__ = ("index", "array")

    def __init__(self, index, array):
        self.index = index
        self.array = array


class _SavedTensor:
    """A saved input with the version its buffer had when it was saved (a tensor without a
    counter yet is at version 0: the counter is only made by the first in-place change)."""

    __slots__ = ("tensor", "expected")

    def __init__(self, tensor):
        self.tensor = tensor
        self.expected = 0 if tensor._version is None else tensor._version.value

    def current(self):
        version = self.tensor._version
        return 0 if version is None else version.value


_new = object.__new__
ndarray = np.ndarray
# ``ctx._saved`` when forward saved exactly its inputs (a · b saves a, b): read them from the
# node's inputs instead of keeping a tuple of them
_INPUTS = object()


# ---------------------------------------------------------------------------- forward mode
def forward_levels():
    """The calling thread's forward-mode levels (``grad_mode.Levels``)."""
    return current().levels


def _modified_error(ctx, saved):
    if isinstance(saved, _OutputRef):
        shape, dtype, expected = saved.array.shape, saved.array.dtype, 0
        now = ctx._versions[saved.index].value
        what = f"output {saved.index} of {type(ctx).__name__}Backward"
    else:
        t, expected = (saved, 0) if isinstance(saved, Tensor) else (saved.tensor, saved.expected)
        shape, dtype, now = t.shape, t.dtype, 0 if t._version is None else t._version.value
        what = ("a leaf" if t.grad_fn is None
                else f"output {t._output_nr} of {type(t.grad_fn).__name__}Backward")
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{dtype} {shape}], which is {what} saved by "
        f"{type(ctx).__name__}Backward, is at version {now}; expected version {expected} "
        "instead. Use the out-of-place form, or modify a copy."
    )


def _link_view(out, source):
    """A view op's output reading its input's buffer shares the input's version counter."""
    if isinstance(source, Tensor) and out._data.base is not None and np.may_share_memory(
        out._data, source._data
    ):
        _share_buffer(out, source)


class Function:
    """Base class of differentiable operations; subclass it and call ``MyFn.apply(...)``."""

    # The inputs, one entry per positional argument of ``apply``: a Tensor, a constant, or a
    # recorded node standing for its single output. A plain intermediate Tensor is stored as
    # the node that made it, so that the graph does not keep the Tensor object alive: a
    # graph then costs the garbage collector one object per op instead of three (the
    # node, its output Tensor and a tuple of inputs). One or two entries sit in _in0 and
    # _in1, more are a tuple in _in0; ``inputs`` gives them back as Tensors. ``_out`` is
    # the array of a node's single output (None for several outputs).
    __slots__ = (
        "_in0", "_in1", "_n_in", "_out", "config", "seq", "module", "_saved", "_n_outputs",
        "_needs", "_replayed", "__dict__",
    )
    view = False  # True for ops whose output may be a numpy view of input 0
    broadcasting = False  # True for binary elementwise ops (dtype promotion, error messages)
    array_rules = False  # True when backward also runs on numpy arrays (see Primitive)
    fresh_grads = False  # backward returns new arrays only (see Primitive)
    donated_backward = None  # backward that may write into its gradient (see Primitive)
    # per-node extras, rarely set: class defaults, so that most nodes never need a __dict__
    # (and every slot fewer is one visit less per node in each of the collector's passes)
    _out_tangents = None  # forward mode: the tangents ({level: tangent}) of each output
    _retained = None  # output_nr -> weakref to the Tensor that retains its gradient
    _hooks = None  # output_nr -> {key: hook} registered on that output
    _non_differentiable = ()  # ids of outputs marked by mark_non_differentiable
    creation = None  # the user line that created the node (anomaly mode)
    _versions = None  # output_nr -> the version counter of that output's buffer, once made
    _names = None  # output_nr -> the name given to that output's Tensor

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a subclass with a backward rule of its own (another derivative) inherits neither
        # the parent's jvp (forward mode would silently disagree with reverse mode: it gets
        # the "no jvp rule" error instead), nor the promise that the parent's gradients are
        # new arrays, nor a donated_backward written for the parent's rule
        if "backward" in cls.__dict__:
            if "jvp" not in cls.__dict__:
                cls.jvp = Function.__dict__["jvp"]
            if "fresh_grads" not in cls.__dict__:
                cls.fresh_grads = False
            if "donated_backward" not in cls.__dict__:
                cls.donated_backward = None

    # ----------------------------------------------------------------- rules (override)
    @staticmethod
    def forward(ctx, *args, **config):
        raise NotImplementedError("Function subclasses must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function subclasses must define backward(ctx, *grads)")

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError

    # ----------------------------------------------------------------- inputs
    @property
    def inputs(self):
        """The positional arguments ``apply`` received: Tensors (a result of another node
        may come back as a new Tensor object on the same data) and constants."""
        return tuple([e._output_tensor(0) if isinstance(e, Function) else e
                      for e in self._entries()])

    @inputs.setter
    def inputs(self, values):
        self._set_entries(tuple(values))

    def _entries(self):
        """The inputs as stored: Tensors, constants and nodes standing for their output."""
        n = self._n_in
        if n == 2:
            return self._in0, self._in1
        if n == 1:
            return (self._in0,)
        return self._in0 if n else ()

    def _set_entries(self, entries):
        self._n_in, self._in0, self._in1 = input_slots(entries)

    def _output_tensor(self, output_nr):
        """A Tensor for output ``output_nr``: the user's own while it retains its gradient
        (and is alive), else a new Tensor on the same array, version counter and name."""
        retained = self._retained
        if retained is not None and output_nr in retained:
            tensor = retained[output_nr]()
            if tensor is not None:
                if tensor._version is None and self._versions is not None:
                    tensor._version = self._versions.get(output_nr)
                return tensor
        return self._rebuild(output_nr, self._out, True)

    def _rebuild(self, output_nr, array, requires):
        out = _make(array, self if requires else None, requires, output_nr)
        if requires:
            if self._versions is not None:
                out._version = self._versions.get(output_nr)
            if self._names is not None:
                out._name = self._names.get(output_nr)
        tangents = self._out_tangents
        if tangents is not None:
            _set_tangents(out, tangents[output_nr])
        return out

    # ----------------------------------------------------------------- ctx helpers
    # _needs: needs_input_grad when fixed in advance; _replayed: a node ag.compile replays,
    # whose saved values are the plain arrays forward saved (both set by apply or compile)

    def save_for_backward(self, *values):
        """Keep inputs, outputs or constant arrays for backward/jvp."""
        self._saved = values

    def mark_non_differentiable(self, *outputs):
        """Outputs given here (the arrays forward returns) get no gradient."""
        self._non_differentiable = {id(o) for o in outputs}

    @property
    def needs_input_grad(self):
        """One bool per positional argument: does that argument need a gradient?"""
        needs = self._needs
        if needs is None:  # fixed once asked (as PyTorch fixes it when recording)
            n = self._n_in  # self._entries(), inline
            needs = self._needs = (_needs_grad(self._in0), _needs_grad(self._in1)) if n == 2 \
                else tuple(map(_needs_grad, (self._in0,) if n == 1 else self._in0 if n else ()))
        return needs

    @property
    def saved_tensors(self):
        """The saved values as Tensors (inputs and outputs keep their graph history)."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or directly access "
                f"saved tensors after they have already been freed) in {type(self).__name__}. "
                "Saved intermediate values of the graph are freed when you call .backward() "
                "or ag.grad(). Specify retain_graph=True if you need to backward through "
                "the graph a second time or access saved tensors after backward."
            )
        if self._replayed:
            return saved
        if saved is _INPUTS:
            n = self._n_in  # self._entries(), inline
            saved = (self._in0, self._in1) if n == 2 else (self._in0,) if n == 1 else \
                self._in0 if n else ()
        if self.array_rules and current().array_backward:
            unpack = self._unpack_array
            return (unpack(saved[0]), unpack(saved[1])) if len(saved) == 2 else \
                tuple(map(unpack, saved))
        return tuple([self._unpack(v) for v in saved])

    def _saved_input(self, value):
        """A saved Tensor (kept as itself or in a _SavedTensor), checked to be unmodified."""
        if isinstance(value, Tensor):  # a Tensor or a Parameter, expected at version 0
            if value._version is not None and value._version.value != 0:
                raise _modified_error(self, value)
            return value
        if value.tensor._version is not None and value.current() != value.expected:
            raise _modified_error(self, value)
        return value.tensor

    def _saved_output(self, value):
        """A saved output's array, checked to be unmodified."""
        versions = self._versions
        if versions is not None and value.index in versions and versions[value.index].value:
            raise _modified_error(self, value)
        return value.array

    def _unpack_array(self, value):
        """A saved value as the plain array an array-mode backward rule works on."""
        if type(value) is Tensor and value._version is None:  # never modified: the common case
            return value._data
        if isinstance(value, Function):  # another node's output, saved as an input: unmodified?
            versions = value._versions
            if versions is not None and 0 in versions and versions[0].value:
                raise _modified_error(self, value._output_tensor(0))
            return value._out
        if type(value) is _OutputRef:
            return self._saved_output(value)
        if isinstance(value, (Tensor, _SavedTensor)):
            return self._saved_input(value)._data
        return value  # a constant array, a Python number or None

    def _unpack(self, value):
        if isinstance(value, (Tensor, _SavedTensor)):
            return self._saved_input(value)
        if isinstance(value, Function):  # another node's output, saved as an input
            return self._saved_input(value._output_tensor(0))
        if isinstance(value, _OutputRef):
            return self._rebuild(value.index, self._saved_output(value),
                                 self._out_requires_grad())
        if isinstance(value, np.ndarray):
            return _wrap(value)
        return value  # a Python number or None

    def _out_requires_grad(self):
        # the inputs are emptied for nodes that were not recorded (see ``apply``)
        return any(isinstance(a, Function) or (isinstance(a, Tensor) and a._requires_grad)
                   for a in self._entries())

    def _output_hooks(self, output_nr):
        """The hooks (key -> fn) on this node's output ``output_nr``, created on first need."""
        if self._hooks is None:
            self._hooks = {}
        return self._hooks.setdefault(output_nr, {})

    def _retain(self, tensor):
        import weakref

        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    # ----------------------------------------------------------------- the call
    @classmethod
    def apply(cls, *args, **config):
        """Run forward on the primal values, record a node, push tangents."""
        ctx = _new(cls)
        ctx._needs = None
        ctx._replayed = False
        ctx._saved = ()
        record = tangent = False
        # plain: forward gets every argument as it is kept (no list made into an array, no
        # Tensor with a version counter to check), so saving exactly the inputs is cheap
        plain = True
        arrays = []
        entries = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    record = True
                    parent = a.grad_fn
                    # a result of a recorded node, without a tangent, not a view and never
                    # modified in place (those have a counter): keep the node, not the Tensor
                    if parent is not None and a._tangent is None and a._version is None \
                            and parent._out is not None:
                        entries.append(parent)
                        continue
                if a._version is not None:
                    plain = False
                    if a._version.up_to_date is not None:  # its buffer changed in place
                        _refresh_tangents(a)
                if a._tangent is not None:
                    tangent = True
                entries.append(a)
            elif type(a) is float or not isinstance(a, (list, tuple)):
                arrays.append(a)
                entries.append(a)
            else:
                arrays.append(_constant_array(cls, a))
                entries.append(a)
                plain = False
        n = ctx._n_in = len(entries)
        if n == 2:
            ctx._in0, ctx._in1 = entries
        elif n > 2:
            ctx._in0, ctx._in1 = tuple(entries), None
        else:
            ctx._in0, ctx._in1 = entries[0] if n else None, None
        st = current()
        record = record and st.grad_enabled
        tangent = tangent and st.forward_enabled
        try:
            out = cls.forward(ctx, *arrays, **config) if config else cls.forward(ctx, *arrays)
        except (OpError, OpTypeError):
            raise
        except (ValueError, IndexError, TypeError) as exc:
            raise _describe_failure(cls, args, exc) from None

        if type(out) is tuple:
            raw = out
            outs = tuple(o if type(o) is np.ndarray else _as_output(cls, o) for o in raw)
            for o in outs:
                if o.dtype.kind not in "biuf":
                    raise _unsupported_dtype(cls, args, o.dtype)
        else:  # one output, the common case
            if type(out) is np.ndarray:
                raw = outs = (out,)
            else:  # numpy gives a scalar for a 0-d result
                raw = (out,)
                out = np.asarray(out) if isinstance(out, np.generic) else _as_output(cls, out)
                outs = (out,)
            dtype = out.dtype
            if dtype.kind not in "biuf":
                raise _unsupported_dtype(cls, args, dtype)
            if cls.broadcasting:  # numpy's dtype is PyTorch's if it is every array's (mostly)
                a, b = arrays if n == 2 else arrays[1:]  # where(cond, a, b): a and b
                if type(a) is ndarray:  # (a with dimensions rules b when numpy kept its dtype)
                    differs = a.dtype is not dtype or not a.ndim and type(b) is ndarray \
                        and b.dtype is not dtype
                else:
                    differs = type(b) is not ndarray or b.dtype is not dtype
                if differs:
                    promoted = _promoted_args(cls, args, dtype)
                    if promoted is not None:
                        return cls.apply(*promoted, **config)
        rare = st.anomaly or st.tracer is not None  # anomaly checks or ag.compile's tracer
        if rare and st.anomaly:
            _check_forward_values(cls, args, outs)
        if not record and not tangent:  # fast path: plain numpy call, nothing kept
            if len(outs) == 1:
                result = _make(outs[0])
                if cls.view:
                    _link_view(result, args[0])
                if rare and st.tracer is not None:
                    capture.record_op(cls, ctx, args, arrays, config, (result,))
                return result
            results = tuple(_make(o) for o in outs)
            if rare and st.tracer is not None:
                capture.record_op(cls, ctx, args, arrays, config, results)
            return results

        single = len(outs) == 1
        ctx._n_outputs = len(outs)
        ctx._out = outs[0] if single else None
        ctx.module = st.module  # the layer whose forward made this node (viz clusters)
        ctx.config = config or None  # keyword arguments, so that viz can replay the op
        ctx.seq = next(_sequence)  # creation order (viz names nodes h1, h2, ... by it)
        saved = ctx._saved
        if saved:
            # exactly the inputs (a · b saves a, b): the node has them already
            if plain and len(saved) == n and saved[0] is arrays[0] and (
                    n == 1 or saved[1] is arrays[1] and (n == 2 or all(map(is_, saved, arrays)))):
                ctx._saved = _INPUTS
            else:
                ctx._saved = _resolve_saved(saved, args, arrays, raw, outs)
        non_diff = ctx._non_differentiable
        if single and not non_diff:  # the common case, without a loop
            out = outs[0]
            result = _make(out, ctx, True) if record and out.dtype.kind == "f" else _make(out)
            if cls.view:
                _link_view(result, args[0])
            if rare or tangent or not record:
                _finish_rare(cls, ctx, args, arrays, config, (result,), record, tangent, non_diff)
            return result
        results = [
            _make(array, ctx, True, index)
            if record and array.dtype.kind == "f" and id(array) not in non_diff
            else _make(array, None, False, index)
            for index, array in enumerate(outs)
        ]
        if record and type(ctx._saved) is tuple:
            _watch_unrecorded_outputs(ctx, results)
        if cls.view:
            _link_view(results[0], args[0])
        _finish_rare(cls, ctx, args, arrays, config, results, record, tangent, non_diff)
        return results[0] if len(results) == 1 else tuple(results)


class Primitive(Function):
    """A built-in op: its backward rule also runs on numpy arrays (see the module notes).

    Subclass it instead of ``Function`` for a custom op whose backward uses only operators,
    the methods arrays and Tensors share, and ``call``; first-order passes then skip every
    Tensor in between.
    """

    __slots__ = ()
    array_rules = True
    # fresh_grads: on arrays, every gradient backward returns is a new array that nothing
    # else references (not g itself, a view or a saved value). The engine and ag.compile's
    # program may then hand such a gradient (or a sum of gradients, also a new array) to
    # the next rule's ``donated_backward(ctx, g)``, if it has one (single-output rules
    # only), which may overwrite g instead of allocating its result (same numbers). Never
    # when the gradient is seen by hooks, retained or returned by ag.grad.
    fresh_grads = False


def _needs_grad(entry):
    """Does this input entry of a node need a gradient? (a node stands for its output)"""
    return isinstance(entry, Function) or isinstance(entry, Tensor) and entry._requires_grad


def _finish_rare(cls, ctx, args, arrays, config, results, record, tangent, non_diff):
    """The end of ``apply`` for what most calls skip: anomaly mode's record of where the
    node was made, forward-mode tangents, a node not recorded, and ag.compile's tracer."""
    st = current()
    if st.anomaly:
        ctx.creation = _user_frame()
    if tangent:
        _push_tangents(cls, ctx, args, results, non_diff)
    if not record:  # nothing will walk this node; keep no references
        ctx._n_in, ctx._in0, ctx._in1 = 0, None, None
    if st.tracer is not None:
        capture.record_op(cls, ctx, args, arrays, config, tuple(results))


def input_slots(entries):
    """``(_n_in, _in0, _in1)`` of a node with these input entries (a tuple)."""
    n = len(entries)
    if n > 2:
        return n, entries, None
    return n, entries[0] if n else None, entries[1] if n == 2 else None


def call(op, *args, **config):
    """``op`` (a Function subclass) on ``args``: recorded as usual when one is a Tensor,
    otherwise its forward alone on the arrays (nothing recorded, an array comes back).
    Backward rules use it for ops that arrays have no operator or method for."""
    for a in args:
        if isinstance(a, Tensor):
            return op.apply(*args, **config)
    return op.forward(_new(op), *args, **config)


def array_of(x):
    """The numbers of a Tensor, an array or a Python number, as an array (rules use it for
    masks, which carry no gradient)."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _as_output(cls, value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic, float, int, bool)):
        return np.asarray(value)
    raise TypeError(
        f"{cls.__name__}.forward must return numpy arrays or Tensors "
        f"(or a tuple of them), got {type(value).__name__}"
    )


def _resolve_saved(saved, args, arrays, raw, outs):
    """Map each value given to save_for_backward onto an input, an output or a constant."""
    resolved = []
    for value in saved:
        for arg, array in zip(args, arrays):  # inputs first: the common case
            if value is array:
                if isinstance(arg, Tensor):
                    value = _saved_tensor(arg)
                break
        else:
            for index, returned in enumerate(raw):  # numpy may return a scalar for 0-d
                if value is returned:
                    value = _OutputRef(index, outs[index])
                    break
            else:
                value = _saved_constant(value)
        resolved.append(value)
    return tuple(resolved)


def _watch_unrecorded_outputs(ctx, results):
    """A saved output that is not part of the graph (an integer or non-differentiable one)
    has a Tensor of its own, with no node to keep its version counter: give it a counter
    now and show it to the node, so that backward sees an in-place change made through it."""
    for saved in ctx._saved:
        if type(saved) is _OutputRef and results[saved.index].grad_fn is None:
            if ctx._versions is None:
                ctx._versions = {}
            ctx._versions[saved.index] = _version_of(results[saved.index])


def _saved_tensor(t):
    """A saved Tensor: itself while its buffer has no version counter (it is then at
    version 0, and a counter that appears later must still read 0), else with the version
    it must keep."""
    return t if t._version is None else _SavedTensor(t)


def _saved_constant(value):
    if isinstance(value, Tensor):
        return _saved_tensor(value)
    if value is None or isinstance(value, (np.ndarray, int, float, np.generic)):
        return value
    raise TypeError(
        f"save_for_backward takes arrays, Tensors, numbers or None, got {type(value).__name__}"
    )


def _push_tangents(cls, ctx, args, results, non_diff):
    """Forward mode: the output tangents at every level the inputs carry. One jvp call per
    level, outer levels first, each with that level and inner ones switched off, so that
    its ops push the outer levels only (and a saved output, rebuilt by the rule of an
    inner level, carries the outer levels' tangents already computed)."""
    levels = forward_levels()
    carried = _carried_levels(args, levels.off_from)
    if not carried:
        return
    shared.tangents_made = True  # from now on backward checks its graphs for tangents
    if cls.jvp is Function.jvp:
        raise RuntimeError(
            f"forward-mode AD reached {cls.__name__}, which has no jvp rule; "
            f"define {cls.__name__}.jvp(ctx, *tangents) to use it with dual tensors"
        )
    stored = [None] * len(results)  # per output: {level: tangent}
    st = current()
    previous = st.forward_enabled, levels.off_from
    try:
        for level in carried:
            tangents, nested = _tangents_at(args, level)
            levels.off_from = level
            # the rule's ops need forward mode only if an outer level is around
            st.forward_enabled = nested or level != carried[0]
            out_tangents = cls.jvp(ctx, *tangents)
            if type(out_tangents) is not tuple:
                out_tangents = (out_tangents,)
            if len(out_tangents) != len(results):
                raise RuntimeError(
                    f"{cls.__name__}.jvp returned {len(out_tangents)} tangents, "
                    f"expected one per output ({len(results)})"
                )
            for i, (t, tangent) in enumerate(zip(results, out_tangents)):
                if tangent is not None and t.dtype.kind in "fc" and id(t._data) not in non_diff:
                    # levels come outer first: the last one set is the innermost
                    t._tangent = tangent = _tangent_like(cls, tangent, t)
                    t._tangents = stored[i] = {level: tangent} if stored[i] is None else \
                        {**stored[i], level: tangent}
            ctx._out_tangents = tuple(stored)
    finally:
        st.forward_enabled, levels.off_from = previous


def _carried_levels(args, off_from):
    """The levels, sorted, that the Tensors in ``args`` carry, below ``off_from``."""
    found = []
    for a in args:
        if isinstance(a, Tensor) and a._tangents is not None:
            for level in a._tangents:
                if level not in found and (off_from is None or level < off_from):
                    found.append(level)
    if len(found) > 1:
        found.sort()
    return found


def _tangents_at(args, level):
    """Each argument's tangent at ``level`` (None: none), and whether one of them carries
    tangents of its own (of outer levels)."""
    tangents, nested = [], False
    for a in args:
        tangent = a._tangents.get(level) if isinstance(a, Tensor) and a._tangents else None
        if tangent is not None and tangent._tangent is not None:
            nested = True
        tangents.append(tangent)
    return tangents, nested


def _tangent_like(cls, tangent, out):
    if type(tangent) is Tensor and tangent._data.shape == out._data.shape \
            and tangent._data.dtype == out._data.dtype:  # the common case
        return tangent
    from .ops import broadcast_to, cast

    if not isinstance(tangent, Tensor):
        tangent = _wrap(np.asarray(tangent))
    if tangent.shape != out.shape:
        try:
            tangent = broadcast_to(tangent, out.shape)
        except ValueError:
            raise RuntimeError(
                f"{cls.__name__}.jvp returned a tangent of shape {tangent.shape} "
                f"for an output of shape {out.shape}"
            ) from None
    if tangent.dtype != out.dtype:
        tangent = cast(tangent, out.dtype)
    return tangent


def _promoted_args(cls, args, computed):
    """The arguments of a broadcasting op with its two operands cast to the dtype of
    PyTorch's rule, or None when numpy ``computed`` in that dtype already. Tensors are cast
    by a recorded ``Cast`` (so gradients come back in each one's dtype and second
    derivatives see it), constants directly."""
    from .ops import cast  # (the ops import this module)

    *rest, a, b = args
    dtype = result_type(a, b)
    if getattr(cls, "true_division", False) and dtype.kind != "f":
        dtype = get_default_dtype()  # int / int is a float, as in PyTorch
    if dtype == computed:
        return None
    new_a, new_b = _in_dtype(cls, a, dtype, cast), _in_dtype(cls, b, dtype, cast)
    if new_a is a and new_b is b:  # numpy computes otherwise even so (bool ** bool): keep it
        return None
    return (*rest, new_a, new_b)


def _in_dtype(cls, x, dtype, cast):
    if isinstance(x, Tensor):
        return cast(x, dtype)  # x itself when it has that dtype
    if type(x) in (bool, int, float):
        return x  # numpy gives an array operand's dtype to a Python number of its category
    array = _constant_array(cls, x) if isinstance(x, (list, tuple)) else np.asarray(x)
    return x if array.dtype == dtype else array.astype(dtype)


def _op_name(cls):
    return getattr(cls, "op_name", cls.__name__.lower())


def _shape_of(a):
    try:
        return np.shape(a._data if isinstance(a, Tensor) else a)
    except ValueError:  # a ragged list
        return type(a).__name__


def _constant_array(cls, value):
    """A list or tuple argument as an array (the same conversion numpy would make)."""
    try:
        array = np.asarray(value)
    except ValueError:
        raise OpError(f"{_op_name(cls)}: a ragged list is not a valid operand (data must be a "
                      "rectangular nested list of numbers)") from None
    if array.dtype.kind not in "biuf":
        raise OpTypeError(f"{_op_name(cls)}: operands must be numeric, got dtype {array.dtype}")
    return array


def _unsupported_dtype(cls, args, dtype):
    kinds = ", ".join(str(_shape_of(a)) if isinstance(a, Tensor) else type(a).__name__
                      for a in args)
    return OpTypeError(
        f"{_op_name(cls)}: dtype {dtype} is not supported (inputs: {kinds}); tensors hold "
        "bool, int or float data"
    )


def _describe_failure(cls, args, exc):
    """Turn a numpy error deep inside forward into one that names the op and shapes."""
    name = _op_name(cls)
    shapes = [_shape_of(a) for a in args]
    if cls.broadcasting and isinstance(exc, ValueError):
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            pretty = " and ".join(str(s) for s in shapes)
            return OpError(f"{name}: shapes {pretty} cannot be broadcast together")
    described = ", ".join(str(s) for s in shapes)
    message = f"{name}: invalid input for shapes ({described}): {exc}"
    if isinstance(exc, IndexError):
        return IndexError(message)
    if isinstance(exc, TypeError):
        return TypeError(message)
    return OpError(message)


# ---------------------------------------------------------------------------- anomaly mode
def _user_frame():
    """'file:line in function' of the innermost caller outside this library."""
    import os
    import traceback

    package = os.path.dirname(os.path.abspath(__file__))
    library = (package, os.path.join(os.path.dirname(package), "nn"))
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(library):
            return f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"
    return "<unknown>"


def _non_finite(arrays):
    return [i for i, a in enumerate(arrays)
            if isinstance(a, np.ndarray) and a.dtype.kind in "fc" and not np.isfinite(a).all()]


def _check_forward_values(cls, args, outs):
    """detect_anomaly: the first op whose output has a NaN/inf its inputs did not have."""
    bad = _non_finite(outs)
    if bad and not _non_finite([a._data if isinstance(a, Tensor) else np.asarray(a)
                                for a in args]):
        kind = "nan" if np.isnan(outs[bad[0]]).any() else "inf"
        raise FloatingPointError(
            f"Function '{cls.__name__}' produced {kind} values in its output {bad[0]} during "
            f"the forward pass, at {_user_frame()}"
        )


def check_backward_values(node, grads):
    """detect_anomaly: a backward rule that returned NaN/inf gradients (engine hook)."""
    arrays = [g._data if isinstance(g, Tensor) else g for g in grads]
    bad = _non_finite(arrays)
    if bad:
        kind = "nan" if np.isnan(arrays[bad[0]]).any() else "inf"
        created = node.creation or "<not recorded: enable detect_anomaly before the forward pass>"
        raise FloatingPointError(
            f"Function '{type(node).__name__}Backward' returned {kind} values in its "
            f"{bad[0]}th output. The forward op was created at {created}"
        )
