"""Export a model to ONNX, to run it in onnxruntime (or any ONNX runtime) without this library.

    nn.export_onnx(model, X[:1], "model.onnx")
    session = onnxruntime.InferenceSession("model.onnx")
    y = session.run(None, {"input": X})[0]

The export is a trace, as ``torch.onnx.export``'s: the model runs once on the example input
(in evaluation mode), the graph that run records is walked from the output, and every
recorded primitive becomes one or more ONNX nodes (the table is ``nn.onnx_ops``).
Parameters and buffers become initializers named by their state-dict names (``0.weight``).
Needs the optional ``onnx`` package: ``pip install -e ".[onnx]"``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.grad_mode import current
from autograd_core.graph import graph_tensors, tensor_key
from autograd_core.serialization import _atomic_write

from .module import Module
from .onnx_ops import RULES, Op, exportable_ops

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["export_onnx", "DEFAULT_OPSET", "OPSETS"]

DEFAULT_OPSET = 21
# the opsets the rules are written for: 21 needs onnx >= 1.16 and onnxruntime >= 1.18
OPSETS = range(17, 22)

# comparison masks (x > 0) that ``ag.where`` selects with, as ONNX ops
_COMPARISONS = {
    np.greater: "Greater",
    np.less: "Less",
    np.greater_equal: "GreaterOrEqual",
    np.less_equal: "LessOrEqual",
    np.equal: "Equal",
    np.not_equal: "NotEqual",  # Not(Equal)
}


def export_onnx(
    model: Module,
    example_input: Tensor | ArrayLike,
    path: str | os.PathLike[str],
    *,
    opset: int | None = None,
    dynamic_batch: bool = True,
    input_names: Sequence[str] = ("input",),
    output_names: Sequence[str] = ("output",),
) -> None:
    """Write ``model`` as an ONNX file at ``path`` (atomically: a crash leaves the old file).

    The model runs once on ``example_input`` in evaluation mode (Dropout is the identity,
    BatchNorm1d uses its running statistics; every layer's own mode is restored afterwards)
    and the graph it records becomes the ONNX graph. Like any trace, **Python control flow
    on values is baked in**: an ``if x.sum() > 0:`` takes the branch the example took, and
    a loop runs as many times as it did; only the recorded tensor ops are exported.

    Parameters
    ----------
    model : Module
        One float input, one Tensor output. Exports Linear, Maxout, BatchNorm1d, Dropout,
        Flatten, Identity, every activation of ``nn`` (Sigmoid, Tanh, HardLogistic,
        HardTanh, ReLU, LeakyReLU, PReLU, ELU, Softplus, Swish, SiLU, GELU, DyT), Softmax,
        LogSoftmax, Sequential and any Module whose forward is a fixed sequence of these
        and of elementwise (log1p and expm1 included), reduction, cumsum, reshape,
        broadcast_to, matmul, concatenate/cat and stack ops, and of basic indexing
        (``x[:, 1:4]``, ``x[..., 0]``, ``x[:, None]``, ``x[:, ::-1]``, ``x[:, [0, 2]]``).
        Axis 0 stays the batch: indexing it other than with ``:``, joining along it, or
        moving it raises a ValueError (with dynamic_batch); boolean-mask indexing has no
        rule.
    example_input : Tensor or array
        A float32 or float64 batch; its dtype is the ONNX input's.
    path : str or PathLike
        The file to write.
    opset : int, optional
        The ONNX opset, 17 to 21 (default 21).
    dynamic_batch : bool
        Make axis 0 of the input a symbolic "batch" dimension: the graph then runs at any
        batch size (shapes recorded from the example's batch are written batch-free).
    input_names, output_names : one name each
        The names of the graph's input and output.

    Raises
    ------
    NotImplementedError
        For a recorded op without an ONNX rule (named with the layer it came from).
    ValueError
        With dynamic_batch, for an op that ties the graph to the example's batch size
        (``x[0]``, ``x.reshape(-1)``, ``ag.cat([a, b], dim=0)``, a constant of the batch's
        shape).
    ModuleNotFoundError
        When the ``onnx`` package is not installed.
    """
    onnx = _import_onnx()
    opset = DEFAULT_OPSET if opset is None else opset
    if not isinstance(opset, int) or opset not in OPSETS:
        raise ValueError(
            f"export_onnx: opset must be an int from {OPSETS[0]} to {OPSETS[-1]}, got {opset!r}"
        )
    if not isinstance(model, Module):
        raise TypeError(f"export_onnx: model must be an nn.Module, got {type(model).__name__}")
    input_name = _one_name(input_names, "input_names")
    output_name = _one_name(output_names, "output_names")
    if input_name == output_name:
        raise ValueError(f"export_onnx: the input and output are both named {input_name!r}")
    example = _example_array(example_input, dynamic_batch)
    with _eval_mode(model), _recording_state(model), _recording_masks() as masks:
        with ag.enable_grad():
            x = ag.tensor(example.copy(), requires_grad=True)
            y = model(x)
        builder = GraphBuilder(onnx, opset, _state_names(model), _layer_names(model), masks)
        graph = builder.build(x, y, input_name, output_name, dynamic_batch)
    proto = onnx.helper.make_model(
        graph,
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="autograd-core",
        producer_version=ag.__version__,
    )
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    onnx.checker.check_model(proto, full_check=True)
    _atomic_write(os.fspath(path), [proto.SerializeToString()])


# ---------------------------------------------------------------------------- arguments
def _import_onnx() -> Any:
    try:
        import onnx
        import onnx.checker
        import onnx.helper
        import onnx.numpy_helper
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            'export_onnx needs the onnx package: pip install -e ".[onnx]"'
        ) from None
    return onnx


def _one_name(names: Sequence[str] | str, what: str) -> str:
    names = (names,) if isinstance(names, str) else tuple(names)
    if len(names) != 1 or not isinstance(names[0], str) or not names[0]:
        raise ValueError(
            f"export_onnx: {what} must hold one non-empty name (the model has one input "
            f"and one output), got {names!r}"
        )
    return names[0]


def _example_array(example_input: Tensor | ArrayLike, dynamic_batch: bool) -> np.ndarray:
    array = example_input.data if isinstance(example_input, Tensor) else np.asarray(example_input)
    if array.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"export_onnx: example_input must be float32 or float64, got dtype {array.dtype}"
        )
    if dynamic_batch and array.ndim == 0:
        raise ValueError(
            "export_onnx: dynamic_batch needs an example_input with a batch axis, got a 0-d one"
        )
    return array


# ---------------------------------------------------------------------------- recording
@contextlib.contextmanager
def _eval_mode(model: Module) -> Iterator[None]:
    """Every layer in evaluation mode; afterwards each back in its own previous mode."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextlib.contextmanager
def _recording_state(model: Module) -> Iterator[None]:
    """Every float parameter and buffer requires grad while the model runs, so that the ops
    on them (BatchNorm's √(running_var + ε), a frozen weight's reshape) are recorded too and
    the file holds the state itself, not values computed from it."""
    state = [*model.parameters(), *model.buffers()]
    switched = [t for t in state if t.dtype.kind == "f" and not t.requires_grad]
    for tensor in switched:
        tensor.requires_grad_(True)
    try:
        yield
    finally:
        for tensor in switched:
            tensor.requires_grad_(False)


@contextlib.contextmanager
def _recording_masks() -> Iterator[dict[int, tuple]]:
    """Where each comparison mask came from: ``x > 0`` is a numpy bool array outside the
    graph (it has no gradient), which the library reports to ``capture.record_numpy`` (for
    ag.compile). While exporting, this thread's ``numpy_watch`` keeps ``id(mask) -> (ufunc,
    (a, b), mask)``,
    so that ``ag.where(x > 0, ...)`` exports as Greater(x, 0) instead of the example's mask."""
    masks: dict[int, tuple] = {}

    def record(fn: Any, args: tuple, result: Any) -> None:
        masks[id(result)] = (fn, args, result)  # keeps result alive: its id stays unique

    st = current()
    previous, st.numpy_watch = st.numpy_watch, record
    try:
        yield masks
    finally:
        st.numpy_watch = previous


def _state_names(model: Module) -> dict[int, str]:
    """id(tensor) -> state-dict name, for every parameter and buffer."""
    return {id(t): name for name, t in [*model.named_parameters(), *model.named_buffers()]}


def _layer_names(model: Module) -> dict[int, tuple[str, str]]:
    """id(module) -> (its dotted name, how an error names it): ("0.fc1", "layer '0.fc1'
    (Linear)"), or ("", "the model (FCNet)") for the model itself."""
    return {
        id(module): (
            name,
            f"layer '{name}' ({type(module).__name__})"
            if name
            else f"the model ({type(module).__name__})",
        )
        for name, module in model.named_modules()
    }


# ---------------------------------------------------------------------------- the graph
class GraphBuilder:
    """Collects the ONNX nodes and initializers of one export; the rules of ``nn.onnx_ops``
    call ``node``, ``const``, ``value``, ``mask`` and ``has_batch``."""

    def __init__(
        self,
        onnx: Any,
        opset: int,
        state_names: dict[int, str],
        layer_names: dict[int, tuple[str, str]],
        masks: dict[int, tuple],
    ) -> None:
        self.onnx, self.opset = onnx, opset
        self.state_names, self.layer_names, self.masks = state_names, layer_names, masks
        self.nodes: list = []
        self.initializers: list = []
        self.names: dict = {}  # tensor_key -> ONNX value name
        self.array_names: dict[int, str] = {}  # id(numpy array) -> ONNX value name
        self.from_input: set[str] = set()  # the values computed from the graph input
        self.batch: int | None = None  # the example's batch size, when it is dynamic
        self.prefix = ""  # "<layer>/" of the node being emitted
        self.count = 0

    # ------------------------------------------------------------------ the walk
    def build(self, x: Tensor, y: Any, input_name: str, output_name: str, dynamic: bool) -> Any:
        """The GraphProto of ``y`` computed from the input leaf ``x``."""
        helper = self.onnx.helper
        if not isinstance(y, Tensor):
            raise TypeError(f"export_onnx: the model must return one Tensor, got {type(y)}")
        self.batch = x.shape[0] if dynamic else None
        self._name(x, input_name)
        self.from_input.add(input_name)
        if y.grad_fn is not None:
            for node in graph_tensors(y)[0]:
                self._emit(node)
        out = self.names.get(tensor_key(y))
        if out not in self.from_input:  # a constant, or computed outside the graph (numpy)
            raise ValueError("export_onnx: the model's output does not depend on its input")
        self.nodes.append(helper.make_node("Identity", [out], [output_name], name=output_name))
        inputs = [self._value_info(input_name, x._data, True)]
        outputs = [self._value_info(output_name, y._data, y.ndim > 0 and y.shape[0] == x.shape[0])]
        return helper.make_graph(
            self.nodes, "autograd_core_model", inputs, outputs, initializer=self.initializers
        )

    def _emit(self, node: Any) -> None:
        """The ONNX nodes of one recorded node, by its rule."""
        path, layer = self.layer_names.get(id(node.module), ("", ""))
        where = type(node).__name__ + (f" (from {layer})" if layer else "")
        rule = RULES.get(type(node))
        if rule is None:
            raise NotImplementedError(
                f"export_onnx: {where} has no ONNX export rule; the ops that export are "
                f"{', '.join(exportable_ops())}"
            )
        self.prefix = f"{path}/" if path else ""
        output = node._out  # the node's (single) output array
        name = rule(self, Op(self, node.inputs, node.config or {}, output, where))
        self.names[(node, 0)] = name
        self.array_names[id(output)] = name

    def _value_info(self, name: str, array: np.ndarray, batch_first: bool) -> Any:
        shape: list[Any] = list(array.shape)
        if self.batch is not None and batch_first and shape:
            shape[0] = "batch"
        return self.onnx.helper.make_tensor_value_info(name, self.tensor_type(array.dtype), shape)

    def _name(self, tensor: Tensor, name: str) -> str:
        self.names[tensor_key(tensor)] = name
        self.array_names[id(tensor._data)] = name
        return name

    # ------------------------------------------------------------------ for the rules
    def tensor_type(self, dtype: Any) -> int:
        """The ONNX element type of a numpy dtype."""
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def node(self, op_type: str, inputs: list[str], **attributes: Any) -> str:
        """Add an ONNX node with one output; returns the output's name."""
        self.count += 1
        name = f"{self.prefix}{op_type}_{self.count}"
        self.nodes.append(
            self.onnx.helper.make_node(op_type, inputs, [name], name=name, **attributes)
        )
        if any(i in self.from_input for i in inputs):
            self.from_input.add(name)
        return name

    def const(self, array: np.ndarray) -> str:
        """An initializer holding ``array`` (a shape, axes or a number a rule needs)."""
        self.count += 1
        return self._initializer(np.asarray(array), f"const_{self.count}")

    def _initializer(self, array: np.ndarray, name: str) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def has_batch(self, name: str) -> bool:
        """Whether value ``name`` has the dynamic batch axis (axis 0, from the input)."""
        return self.batch is not None and name in self.from_input

    def value(self, entry: Any, dtype: Any, where: str) -> str:
        """The ONNX name of a recorded input: a value computed earlier, a parameter or buffer
        (an initializer named by its state-dict name), or a constant (a number in ``dtype``)."""
        if isinstance(entry, Tensor):
            key = tensor_key(entry)
            if key not in self.names:
                state_name = self.state_names.get(id(entry))
                if state_name is not None:
                    self._name(entry, self._initializer(entry._data, state_name))
                else:
                    self._name(entry, self._constant(entry._data, dtype, where))
            return self.names[key]
        if entry is None:
            raise ValueError(f"export_onnx: {where} has an input of None where a value is needed")
        return self._constant(np.asarray(entry), dtype, where)

    def _constant(self, array: np.ndarray, dtype: Any, where: str) -> str:
        if array.dtype.kind in "iuf" and np.dtype(dtype).kind == "f":
            array = array.astype(dtype)  # a number or array operand, in the op's float dtype
        batch = self.batch
        if batch is not None and batch > 1 and array.ndim >= 1 and array.shape[0] == batch:
            raise ValueError(
                f"export_onnx: {where} uses a constant of shape {array.shape}, whose first "
                f"axis is the example's batch size {batch}: the graph could only run at that "
                "batch size. Compute it from the input with tensor ops, or export with "
                "dynamic_batch=False (or with an example of another batch size if the match "
                "is a coincidence)"
            )
        return self.const(array)

    def mask(self, condition: Any, where: str) -> str:
        """The ONNX name of a ``where`` condition: the comparison that made it (Greater for
        ``x > 0``) when it compared graph values, else a constant."""
        array = condition._data if isinstance(condition, Tensor) else condition
        record = self.masks.get(id(array))
        if record is None or record[0] not in _COMPARISONS:
            return self.value(condition, np.bool_, where)
        fn, (a, b), _ = record
        operands = [self._operand(a, b, where), self._operand(b, a, where)]
        if fn is np.not_equal:
            return self.node("Not", [self.node("Equal", operands)])
        return self.node(_COMPARISONS[fn], operands)

    def _operand(self, array: Any, other: Any, where: str) -> str:
        """An operand of a comparison: a graph value (by its array), or a constant in the
        dtype of the other operand."""
        name = self.array_names.get(id(array))
        if name is not None:
            return name
        dtype = other.dtype if isinstance(other, np.ndarray) else np.asarray(array).dtype
        return self._constant(np.asarray(array), dtype, where)
