"""``Node``: one recorded op in the graph: its inputs, its outputs and its saved values.

``Function`` (function.py) subclasses it: an instance of an op's class is both the ``ctx``
its rules receive and the node recorded on its output (``tensor.grad_fn``). This module
holds everything about how a node stores what it keeps.

What a node keeps, as PyTorch's do: the node of each input that another op made (standing
for its output, whose array the node keeps), leaf Tensors and constants as themselves. An
intermediate Tensor object is therefore only alive while the user holds it; its name,
version counter and retained gradient are kept by its node, and ``node.inputs`` rebuilds
it on the same array when asked (viz, ag.compile). A recorded op thus leaves one object
for Python's garbage collector to scan instead of three (node, Tensor, inputs tuple).

Saved values (``save_for_backward``) are kept the same way: an input as its entry, an
output as an ``_OutputRef`` to the node's own array, a constant as itself, and
``_INPUTS`` when forward saved exactly its inputs. ``saved_tensors`` unpacks them,
checking that no in-place change happened since they were saved.
"""

from __future__ import annotations

import itertools
import weakref
from operator import is_
from typing import Any

import numpy as np

from .dtypes import constant_array
from .errors import non_numeric_operand
from .grad_mode import current
from .inplace import _refresh_tangents, _version_of
from .tensor import Tensor, _make, _set_tangents, _wrap

_FREED = object()  # ``node._saved`` once backward released the saved values
_INPUTS = object()  # ``node._saved`` when forward saved exactly its inputs (a · b saves a, b)
_sequence = itertools.count()  # creation order of nodes (viz names them h1, h2, ... by it)


class _OutputRef:
    """A saved output: rebuilt into a Tensor whose grad_fn is the node when unpacked. It is
    expected to stay at version 0; its counter, if one is ever made, is on the node."""

    __slots__ = ("index", "array")

    def __init__(self, index: int, array: np.ndarray) -> None:
        self.index = index
        self.array = array


class _SavedTensor:
    """A saved input with the version its buffer had when it was saved (a tensor without a
    counter yet is at version 0: the counter is only made by the first in-place change)."""

    __slots__ = ("tensor", "expected")

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor
        self.expected = 0 if tensor._version is None else tensor._version.value

    def current(self) -> int:
        version = self.tensor._version
        return 0 if version is None else version.value


# The slots that hold a node's input entries, and the values they take for a sequence of
# entries. ag.compile's generated code assigns them in one statement per node.
ENTRY_SLOTS = ("_n_in", "_in0", "_in1")


def packed_entries(entries: tuple | list) -> tuple[int, Any, Any]:
    """The values of ``ENTRY_SLOTS`` for these entries."""
    n = len(entries)
    if n > 2:
        return n, tuple(entries), None
    return n, entries[0] if n else None, entries[1] if n == 2 else None


class Node:
    """A recorded op: its input entries, its outputs' arrays and extras, its saved values.

    The inputs are stored as entries, one per positional argument of ``apply``: a Tensor,
    a constant, or a node standing for its single output. One or two entries sit in
    ``_in0`` and ``_in1``, more are a tuple in ``_in0``; ``_n_in`` says how many.
    ``_entries()`` reads them back, ``_set_entries()`` stores them. ``_out`` is the array
    of a node's single output (None for several outputs).
    """

    __slots__ = (
        "_in0",
        "_in1",
        "_n_in",
        "_out",
        "config",
        "seq",
        "module",
        "_saved",
        "_n_outputs",
        "_needs",
        "_replayed",
        "__dict__",
    )
    # _needs: needs_input_grad when fixed in advance; _replayed: a node ag.compile replays,
    # whose saved values are the plain arrays forward saved (both set by apply or compile)
    # Per-node extras, rarely set: class defaults, so that most nodes never need a __dict__
    # (and every slot fewer is one visit less per node in each of the collector's passes).
    _out_tangents = None  # forward mode: the tangents ({level: tangent}) of each output
    _retained = None  # output_nr -> weakref to the Tensor that retains its gradient
    _hooks = None  # output_nr -> {key: hook} registered on that output
    _non_differentiable = ()  # ids of outputs marked by mark_non_differentiable
    creation = None  # the user line that created the node (anomaly mode)
    _versions = None  # output_nr -> the version counter of that output's buffer, once made
    _names = None  # output_nr -> the name given to that output's Tensor
    array_rules = False  # True when backward also runs on numpy arrays (see Primitive)

    # ----------------------------------------------------------------- inputs
    def _entries(self) -> tuple:
        """The inputs as stored: Tensors, constants and nodes standing for their output."""
        n = self._n_in
        if n == 2:
            return self._in0, self._in1
        if n == 1:
            return (self._in0,)
        return self._in0 if n else ()

    def _set_entries(self, entries: tuple | list) -> None:
        """Store the input entries (a sequence) in ``_n_in``, ``_in0`` and ``_in1``."""
        self._n_in, self._in0, self._in1 = packed_entries(entries)

    def _read_arguments(self, args: tuple) -> tuple[list, bool, bool, bool]:
        """``apply``'s first step: store the entries of the call's arguments and return the
        arrays forward receives, whether an argument requires grad, whether one carries a
        tangent, and whether every argument is kept just as forward receives it ("plain":
        then saving exactly the inputs is free)."""
        arrays, entries = [], []
        record = tangent = False
        plain = True
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    record = True
                    parent = a.grad_fn
                    # a result of a recorded node, without a tangent, not a view and never
                    # modified in place (those have a counter): keep the node, not the Tensor
                    if (
                        parent is not None
                        and a._tangent is None
                        and a._version is None
                        and parent._out is not None
                    ):
                        entries.append(parent)
                        continue
                if a._version is not None:
                    plain = False
                    if a._version.up_to_date is not None:  # its buffer changed in place
                        _refresh_tangents(a)
                if a._tangent is not None:
                    tangent = True
            elif type(a) is not float and isinstance(a, (list, tuple)):
                arrays.append(constant_array(type(self), a))
                plain = False
            elif type(a) is np.ndarray and a.dtype.kind not in "biuf":  # strings, objects
                raise non_numeric_operand(type(self), a.dtype)
            else:
                arrays.append(a)
            entries.append(a)
        n = self._n_in = len(entries)  # packed_entries(entries), inline on apply's path
        if n <= 2:
            self._in0, self._in1 = entries[0] if n else None, entries[1] if n == 2 else None
        else:
            self._in0, self._in1 = tuple(entries), None
        return arrays, record, tangent, plain

    @property
    def inputs(self) -> tuple:
        """The positional arguments ``apply`` received: Tensors (a result of another node
        may come back as a new Tensor object on the same data) and constants."""
        return tuple([e._output_tensor(0) if isinstance(e, Node) else e for e in self._entries()])

    @inputs.setter
    def inputs(self, values: tuple) -> None:
        self._set_entries(tuple(values))

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's view of the graph behind this node: one ``(node, output_nr)`` pair per
        input: the node that made it, an ``AccumulateGrad`` (whose ``.variable`` is the leaf)
        for a leaf that requires grad, ``(None, 0)`` for a constant. Computed when read."""
        return tuple([_next_function(entry) for entry in self._entries()])

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per positional argument: does that argument need a gradient?"""
        needs = self._needs
        if needs is None:  # fixed once asked (as PyTorch fixes it when recording)
            entries = self._entries()
            needs = self._needs = (
                (_needs_grad(entries[0]), _needs_grad(entries[1]))
                if len(entries) == 2
                else tuple(map(_needs_grad, entries))
            )  # (no loop for two)
        return needs

    # ----------------------------------------------------------------- outputs
    def _output_tensor(self, output_nr: int) -> Tensor:
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

    def _rebuild(self, output_nr: int, array: np.ndarray, requires: bool) -> Tensor:
        """A new Tensor for output ``output_nr`` on ``array``, with the version counter,
        name and tangents the node keeps for that output."""
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

    def _output_hooks(self, output_nr: int) -> dict:
        """The hooks (key -> fn) on this node's output ``output_nr``, created on first need."""
        if self._hooks is None:
            self._hooks = {}
        return self._hooks.setdefault(output_nr, {})

    def _retain(self, tensor: Tensor) -> None:
        """``tensor`` (an output of this node) retains its gradient: remember it, weakly."""
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    # ----------------------------------------------------------------- saving
    def save_for_backward(self, *values: Any) -> None:
        """Keep inputs, outputs or constant arrays for backward/jvp."""
        self._saved = values

    # ----------------------------------------------------------------- recording
    def _record(
        self,
        module: Any,
        config: dict,
        args: tuple,
        arrays: list,
        returned: Any,
        outs: tuple,
        plain: bool,
    ) -> None:
        """Fill in the node after forward ran: its outputs, the layer that made it and its
        creation order (viz), its configuration (for a replay), and its saved values."""
        self._n_outputs = len(outs)
        self._out = outs[0] if len(outs) == 1 else None
        self.module = module
        self.config = config or None
        self.seq = next(_sequence)
        saved = self._saved
        if not saved:
            return
        # exactly the inputs, each kept as forward received it (plain): the node has them
        # (compared one by one for one or two inputs: all(map(...)) costs more than the rest)
        n = len(arrays)
        if (
            plain
            and len(saved) == n
            and saved[0] is arrays[0]
            and (n == 1 or saved[1] is arrays[1] and (n == 2 or all(map(is_, saved, arrays))))
        ):
            self._saved = _INPUTS
        else:  # each value as an input, an output or a constant
            returned = returned if type(returned) is tuple else (returned,)
            self._saved = tuple([_resolve(value, args, arrays, returned, outs) for value in saved])

    def _watch_saved_outputs(self, results: tuple) -> None:
        """A saved output that is not part of the graph (an integer or non-differentiable
        one) has a Tensor of its own, with no node to keep its version counter: give it a
        counter now and show it to the node, so that backward sees an in-place change made
        through it."""
        for saved in self._saved:
            if type(saved) is _OutputRef and results[saved.index].grad_fn is None:
                if self._versions is None:
                    self._versions = {}
                self._versions[saved.index] = _version_of(results[saved.index])

    # ----------------------------------------------------------------- unpacking
    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors (inputs and outputs keep their graph history); as
        plain arrays in an array-mode backward pass of a ``Primitive``."""
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
        if saved is _INPUTS:  # self._entries(), inline
            n = self._n_in
            saved = (self._in0, self._in1) if n == 2 else (self._in0,) if n == 1 else self._in0
        unpack = (
            self._unpack_array if self.array_rules and current().array_backward else self._unpack
        )
        if len(saved) == 1:  # one or two values, the common cases, without a loop
            return (unpack(saved[0]),)
        if len(saved) == 2:
            return unpack(saved[0]), unpack(saved[1])
        return tuple(map(unpack, saved))

    def _unpack_array(self, value: Any) -> Any:
        """A saved value as the plain array an array-mode backward rule works on."""
        if type(value) is Tensor and value._version is None:  # never modified: the common case
            return value._data
        if isinstance(value, Node):  # another node's output, saved as an input: unmodified?
            versions = value._versions
            if versions is not None and 0 in versions and versions[0].value:
                raise _modified_error(self, value._output_tensor(0))
            return value._out
        if type(value) is _OutputRef:
            return self._saved_output(value)
        if isinstance(value, (Tensor, _SavedTensor)):
            return self._saved_input(value)._data
        return value  # a constant array, a Python number or None

    def _unpack(self, value: Any) -> Any:
        """A saved value as a Tensor connected to the graph (constants wrapped)."""
        if isinstance(value, (Tensor, _SavedTensor)):
            return self._saved_input(value)
        if isinstance(value, Node):  # another node's output, saved as an input
            return self._saved_input(value._output_tensor(0))
        if isinstance(value, _OutputRef):
            return self._rebuild(
                value.index, self._saved_output(value), any(map(_needs_grad, self._entries()))
            )
        if isinstance(value, np.ndarray):
            return _wrap(value)
        return value  # a Python number or None

    def _saved_input(self, value: Tensor | _SavedTensor) -> Tensor:
        """A saved Tensor (kept as itself or in a _SavedTensor), checked to be unmodified."""
        if isinstance(value, Tensor):  # a Tensor or a Parameter, expected at version 0
            if value._version is not None and value._version.value != 0:
                raise _modified_error(self, value)
            return value
        if value.tensor._version is not None and value.current() != value.expected:
            raise _modified_error(self, value)
        return value.tensor

    def _saved_output(self, value: _OutputRef) -> np.ndarray:
        """A saved output's array, checked to be unmodified."""
        versions = self._versions
        if versions is not None and value.index in versions and versions[value.index].value:
            raise _modified_error(self, value)
        return value.array


class AccumulateGrad:
    """Stands for a leaf in ``next_functions`` (PyTorch's AccumulateGrad node: where
    backward adds into the leaf's ``.grad``); ``variable`` is the leaf."""

    __slots__ = ("variable",)
    next_functions = ()  # the graph ends at a leaf

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _next_function(entry: Any) -> tuple[Any, int]:
    """The ``next_functions`` pair of one input entry (see ``Node.next_functions``)."""
    if isinstance(entry, Node):  # a node stands for its single output
        return entry, 0
    if isinstance(entry, Tensor) and entry._requires_grad:
        if entry.grad_fn is not None:
            return entry.grad_fn, entry._output_nr
        return AccumulateGrad(entry), 0
    return None, 0


def _needs_grad(entry: Any) -> bool:
    """Does this input entry of a node need a gradient? (a node stands for its output;
    the inputs are emptied for nodes that were not recorded)"""
    return isinstance(entry, Node) or isinstance(entry, Tensor) and entry._requires_grad


def _resolve(value: Any, args: tuple, arrays: list, returned: tuple, outs: tuple) -> Any:
    """What the node keeps for one value given to save_for_backward: an input (its Tensor),
    an output (an _OutputRef) or a constant."""
    for arg, array in zip(args, arrays):  # inputs first: the common case
        if value is array:
            return _saved_tensor(arg) if isinstance(arg, Tensor) else value
    for index, out in enumerate(returned):  # numpy may return a scalar for 0-d
        if value is out:
            return _OutputRef(index, outs[index])
    return _saved_constant(value)


def _saved_tensor(t: Tensor) -> Tensor | _SavedTensor:
    """A saved Tensor: itself while its buffer has no version counter (it is then at
    version 0, and a counter that appears later must still read 0), else with the version
    it must keep."""
    return t if t._version is None else _SavedTensor(t)


def _saved_constant(value: Any) -> Any:
    """A constant saved by forward: an array, a number, None or a Tensor."""
    if isinstance(value, Tensor):
        return _saved_tensor(value)
    if value is None or isinstance(value, (np.ndarray, int, float, np.generic)):
        return value
    raise TypeError(
        f"save_for_backward takes arrays, Tensors, numbers or None, got {type(value).__name__}"
    )


def _modified_error(node: Node, saved: Any) -> RuntimeError:
    """The error of a saved value whose buffer was changed in place since it was saved."""
    if isinstance(saved, _OutputRef):
        shape, dtype, expected = saved.array.shape, saved.array.dtype, 0
        now = node._versions[saved.index].value
        what = f"output {saved.index} of {type(node).__name__}Backward"
    else:
        t, expected = (saved, 0) if isinstance(saved, Tensor) else (saved.tensor, saved.expected)
        shape, dtype, now = t.shape, t.dtype, 0 if t._version is None else t._version.value
        what = (
            "a leaf"
            if t.grad_fn is None
            else f"output {t._output_nr} of {type(t.grad_fn).__name__}Backward"
        )
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{dtype} {shape}], which is {what} saved by "
        f"{type(node).__name__}Backward, is at version {now}; expected version {expected} "
        "instead. Use the out-of-place form, or modify a copy."
    )
