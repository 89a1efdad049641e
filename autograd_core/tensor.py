"""The ``Tensor``: a numpy array plus what reverse and forward mode need.

A Tensor holds ``data`` (an ndarray, 0-d for scalars), ``grad``, ``grad_fn`` (the node that
made it, None for leaves), ``requires_grad``, a ``name`` for viz and forward-mode tangents,
one per level of nested forward mode (see ``forward_ad``).

This module holds what a Tensor is: fields, properties, conversions, copy and pickle, and
the entry points of autodiff (``backward``, ``retain_grad``, hooks). Its operators (``x + y``),
math methods (``x.exp()``) and in-place methods (``x.add_(y)``) come from its base classes
``TensorOps`` (tensor_ops.py) and ``TensorMethods`` (tensor_methods.py: reductions, shape,
dtype and device), each one call into ``autograd_core.ops`` or ``inplace``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes, hooks
from .device import CPU, check_device
from .device import device as Device
from .grad_mode import current
from .jit import capture
from .tensor_methods import TensorMethods
from .tensor_ops import Operand, TensorOps

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

__all__ = ["Tensor", "ElementCount"]


class Tensor(TensorOps, TensorMethods):
    """An n-dimensional array that records the operations applied to it."""

    # _tangents: forward mode's {level: tangent} (None: no tangent at any level; a dict is
    # never changed once set, as tensors and nodes share it); _tangent: the innermost of
    # them, or None, the one check the common case needs
    __slots__ = (
        "_data",
        "_grad",
        "grad_fn",
        "_requires_grad",
        "_name",
        "_tangent",
        "_tangents",
        "_output_nr",
        "_version",
        "_base",
        "_hooks",
        "__weakref__",
    )
    # numpy ufuncs refuse Tensors (np.exp(t) would silently drop the graph), so
    # `ndarray * Tensor` falls back to Tensor.__rmul__ and records the op
    __array_ufunc__ = None

    def __init__(
        self,
        data: ArrayLike | Tensor,
        *refused: object,
        requires_grad: bool = False,
        dtype: DTypeLike | None = None,
        name: str | None = None,
        device: str | Device | None = None,
    ):
        """A leaf holding a copy of ``data``; everything after ``data`` is keyword-only
        (``refused``, the positional arguments beyond ``data``, raises a TypeError)."""
        if refused:
            raise positional_error("Tensor", data, refused)
        check_device(device, "tensor")
        source = data._data if isinstance(data, Tensor) else data
        array = dtypes.to_array(source, dtype, where="tensor")
        if array is source:
            array = array.copy()  # the tensor owns its data: no aliasing of the caller's array
        _init(self, array)
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- metadata
    @property
    def data(self) -> np.ndarray:
        """The numpy array of values (not a copy). Inside a function being traced by
        ``ag.compile`` reading it raises ``CompileError``: numpy computed from it would be
        frozen into the program."""
        if current().tracer is not None:  # inside ag.compile
            capture.refuse_read(self, ".data")
        return self._data

    @data.setter
    def data(self, array: ArrayLike | Tensor) -> None:
        capture.refuse(f"an assignment to .data (of a tensor of shape {self.shape})")
        self._data = dtypes.to_array(
            array._data if isinstance(array, Tensor) else array, where="Tensor.data"
        )

    @property
    def shape(self) -> tuple[int, ...]:
        """Tuple of dimensions."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """numpy dtype of the data."""
        return self._data.dtype

    @property
    def size(self) -> ElementCount:
        """Number of elements, an int (numpy's ``x.size``) that can also be called as
        PyTorch's ``x.size()`` (the shape) or ``x.size(dim)`` (one dimension's length)."""
        return ElementCount(self._data.size, self._data.shape)

    def numel(self) -> int:
        """Number of elements (PyTorch's name for ``x.size``)."""
        return self._data.size

    def dim(self) -> int:
        """Number of dimensions (PyTorch's name for ``x.ndim``)."""
        return self._data.ndim

    @property
    def device(self) -> Device:
        """``ag.device("cpu")``: every tensor lives in numpy, on the CPU."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        """False: there is no GPU backend."""
        return False

    @property
    def is_leaf(self) -> bool:
        """True if no op made it."""
        return self.grad_fn is None

    @property
    def name(self) -> str | None:
        """A label for drawings and ``repr`` (None if unset)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(
                f"a Tensor's name must be a str or None, got {type(value).__name__} {value!r}"
            )
        self._name = value
        node = self.grad_fn
        if node is not None:  # the node keeps it: the graph may outlive this Tensor object
            if node._names is None:
                node._names = {}
            node._names[self._output_nr] = value

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor (set it on leaves only)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor) of a leaf, or of a non-leaf after
        ``retain_grad()``; None before any backward."""
        if current().tracer is not None:  # inside ag.compile
            capture.refuse(
                f"reading .grad (of a tensor of shape {self.shape}): an update "
                "made with it would run only while tracing; step an nn.optim "
                "optimiser inside, or use the gradient outside the function"
            )
        node = self.grad_fn
        if (
            self._grad is None
            and node is not None
            and self._output_nr not in (node._retained or ())
        ):  # not retained
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: "
                "it is not populated during backward. Call .retain_grad() on the non-leaf "
                "Tensor if you want its gradient, or read the gradient of a leaf instead.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad must be a Tensor or None, got {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        if current().tracer is not None:  # inside ag.compile: replay the reset
            if value is not None:
                capture.refuse(
                    f"an assignment to .grad (of a tensor of shape {self.shape}); "
                    "only resetting it to None is replayed"
                )
            capture.side_effect(_clear_grad, self)
            return
        self._grad = value

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    @property
    def tangent(self) -> Tensor | None:
        """Forward-mode tangent (a Tensor) or None; see ``ag.dual``. With nested levels, the
        innermost one's (``ag.unpack_dual`` gives the tangent of a chosen level)."""
        if self._version is not None and self._version.up_to_date is not None:
            inplace._refresh_tangents(self)
        return self._tangent

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def __repr__(self) -> str:
        """PyTorch's layout: the rows of a matrix aligned under the first one, elision
        (``...``) from 1,000 elements on, and the dtype unless it is the default float,
        int64 or bool (the ones PyTorch leaves out too)."""
        body = np.array2string(
            self._data, separator=", ", prefix="tensor(", precision=4, threshold=1000
        )
        extras = []
        if self._data.size == 0 and self._data.ndim != 1:
            extras.append(f"size={self.shape}")  # "[]" alone does not tell (0, 3) from (3, 0)
        if self._data.dtype not in (dtypes.get_default_dtype(), np.int64, np.bool_):
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self._tangent is not None:
            extras.append("tangent=...")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    def __format__(self, spec: str) -> str:
        """``f"{x}"`` is ``str(x)``; ``f"{x:.4f}"`` formats the value of a one-element tensor."""
        if not spec:
            return str(self)
        if self._data.size != 1:
            raise TypeError(
                f"format: a format spec ({spec!r}) needs a one-element tensor, this one has "
                f"shape {self.shape}; format its elements (x.tolist()) or use f'{{x}}'"
            )
        return format(self.item(), spec)

    def __bool__(self) -> bool:
        capture.refuse_read(self, "bool()")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all() on .numpy()"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        capture.refuse_read(self, "np.asarray() / np.array()")
        return self.numpy() if dtype is None else self._data.astype(dtype)

    # ----------------------------------------------------------------- conversions
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        capture.refuse_read(self, ".item()")
        if self._data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape} ({self._data.size} elements)"
            )
        return self._data.item()

    def numpy(self) -> np.ndarray:
        """A read-only view of the data (copy it to modify it)."""
        capture.refuse_read(self, ".numpy()")
        view = self._data.view()
        view.flags.writeable = False
        return view

    def tolist(self) -> Any:
        """The data as (nested lists of) Python numbers."""
        capture.refuse_read(self, ".tolist()")
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing the data (and its version counter), cut from the graph (and
        from forward mode: it carries no tangent)."""
        return inplace.alias(self)

    # ----------------------------------------------------------------- copy and pickle
    # A leaf is its values and flags; a result of an op is also the graph behind it, which
    # is not copied (as in PyTorch): a 10^5-node graph would overflow Python's recursion.
    def __deepcopy__(self, memo: dict) -> Tensor:
        _check_leaf(self, "copy.deepcopy")
        new = _rebuild_leaf(
            type(self),
            self._data.copy(),
            self._requires_grad,
            self._name,
            None if self._grad is None else self._grad._data.copy(),
        )
        memo[id(self)] = new
        if self._tangents is not None:
            _set_tangents(new, copy.deepcopy(self._tangents, memo))
        return new

    def __reduce_ex__(self, protocol: int) -> tuple:
        _check_leaf(self, "pickle")
        grad = None if self._grad is None else self._grad._data
        return _rebuild_leaf, (type(self), self._data, self._requires_grad, self._name, grad)

    # ----------------------------------------------------------------- autodiff
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if self.grad_fn is not None:
            if bool(requires_grad) == self._requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use .detach() to get a leaf from a non-leaf tensor"
            )
        if requires_grad and not dtypes.is_differentiable_dtype(self._data.dtype):
            raise TypeError(
                "Only Tensors of floating point dtype can require gradients, "
                f"got dtype {self._data.dtype}"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if capture.traced(self):
            capture.refuse(
                "retain_grad() on a tensor of the function (its .grad would be "
                "filled only while tracing)"
            )
        if self.grad_fn is not None:
            self.grad_fn._retain(self)
        return self

    def zero_grad(self) -> None:
        """Drop the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    def register_hook(self, fn: Callable[[Tensor], Tensor | None]) -> hooks.RemovableHandle:
        """Call ``fn(grad)`` when this tensor's gradient is computed; a Tensor it returns
        replaces the gradient. Returns a handle whose ``remove()`` detaches the hook."""
        return hooks.add_grad_hook(self, fn)

    def register_post_accumulate_grad_hook(
        self, fn: Callable[[Tensor], None]
    ) -> hooks.RemovableHandle:
        """Call ``fn(tensor)`` after backward has accumulated into this leaf's ``.grad``
        (e.g. to step an optimiser per parameter). Returns a removable handle."""
        return hooks.add_post_accumulate_hook(self, fn)

    def backward(
        self,
        grad: Operand | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``grad`` is the cotangent to start from; it may be omitted only for one-element
        outputs (it is then 1). The graph is freed unless ``retain_graph=True`` (which is
        the default when ``create_graph=True``: that records the backward pass for
        higher-order derivatives).
        """
        from .engine import backward

        if create_graph:
            warnings.warn(
                "backward(create_graph=True) creates a reference cycle between each leaf and "
                "its .grad (grad -> graph -> leaf), freed only by the garbage collector; "
                "prefer ag.grad(..., create_graph=True), which returns the gradients instead",
                UserWarning,
                stacklevel=2,
            )
        backward((self,), None if grad is None else (grad,), retain_graph, create_graph)


# ---------------------------------------------------------------------------- size
class ElementCount(int):
    """``x.size``: the number of elements, an int as in numpy (``x.size * 2``, ``range(x.size)``),
    that can also be called as PyTorch's ``x.size()``, the shape, and ``x.size(d)``, the
    length of dimension d. Arithmetic on it gives plain ints; it pickles as a plain int."""

    def __new__(cls, count: int, shape: tuple[int, ...]) -> ElementCount:
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        ndim = len(self.shape)
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size: dim must be an int, got {dim!r}")
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"size: dimension {dim} is out of range for a tensor of shape {self.shape} "
                f"(expected a dim in [{-ndim}, {ndim - 1}])"
            )
        return self.shape[dim]

    def __reduce__(self) -> tuple:
        return int, (int(self),)


def positional_error(where: str, data: object, refused: tuple) -> TypeError:
    """The error of ``ag.tensor(2, 3)`` / ``ag.Tensor(2, 3)``: positional arguments after
    ``data`` (PyTorch reads ``torch.Tensor(2, 3)`` as a shape, and here ``tensor(2, True)``
    once silently meant requires_grad=True)."""
    args = ", ".join(repr(a) for a in (data, *refused))
    return TypeError(
        f"{where}({args}): only the data is positional; pass requires_grad=, dtype=, name= and "
        f"device= by keyword. For a tensor of shape ({args}) use ag.zeros({args}) (or ones, "
        f"empty, randn); for the values use ag.tensor([{args}])"
    )


# ---------------------------------------------------------------------------- making tensors
def _init(
    t: Tensor,
    array: np.ndarray,
    grad_fn: Any = None,
    requires_grad: bool = False,
    output_nr: int = 0,
) -> Tensor:
    """Fill every slot of a new Tensor (the one place that knows them all)."""
    t._data = array
    t._grad = None
    t.grad_fn = grad_fn
    t._requires_grad = requires_grad
    t._name = None
    t._tangent = None
    t._tangents = None
    t._output_nr = output_nr
    t._version = None  # a _Version shared with views of the same buffer, made on first need
    t._base = None  # the tensor whose buffer this one views (set by view ops)
    t._hooks = None
    return t


def _make(
    array: np.ndarray, grad_fn: Any = None, requires_grad: bool = False, output_nr: int = 0
) -> Tensor:
    """A Tensor around an existing ndarray, no copy and no checks (internal use)."""
    return _init(Tensor.__new__(Tensor), array, grad_fn, requires_grad, output_nr)


def _wrap(array: ArrayLike) -> Tensor:
    """A constant Tensor around an existing array (no copy, no checks: internal use)."""
    if type(array) is not np.ndarray:
        array = np.asarray(array)
    return _init(Tensor.__new__(Tensor), array)


def _set_tangents(t: Tensor, tangents: dict[int, Tensor] | None) -> Tensor:
    """Give t exactly the forward-mode tangents ``tangents`` ({level: tangent}, or None)."""
    if tangents:
        t._tangents = tangents
        t._tangent = tangents[max(tangents)]
    else:
        t._tangents = t._tangent = None
    return t


def _clear_grad(t: Tensor) -> None:
    """``t.grad = None``, as ``ag.compile`` replays it."""
    t._grad = None


def _check_leaf(t: Tensor, what: str) -> None:
    """Raise unless t is a leaf (copy and pickle keep leaves only)."""
    if t.grad_fn is not None:
        raise RuntimeError(
            f"{what}: only tensors created by the user (graph leaves) can be copied or "
            f"pickled; this one is a result of {type(t.grad_fn).__name__}, and the graph "
            "behind it is not copied. Use .detach() for its values (then .requires_grad_() "
            "for a new leaf)"
        )


def _rebuild_leaf(
    cls: type[Tensor],
    data: np.ndarray,
    requires_grad: bool,
    name: str | None,
    grad: np.ndarray | None,
) -> Tensor:
    """A leaf of class ``cls`` (Tensor or a subclass) from what ``__reduce_ex__`` saved."""
    t = _init(cls.__new__(cls), np.array(data), None, requires_grad)
    t._name = name
    if grad is not None:
        t._grad = _wrap(np.array(grad))
    return t


# inplace uses Tensor, so it is loaded once the class exists (it also loads forward_ad and
# the ops, which use Tensor too)
from . import inplace  # noqa: E402
