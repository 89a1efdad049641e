"""The ``Tensor``: a numpy array plus what reverse and forward mode need.

A Tensor holds ``data`` (an ndarray, 0-d for scalars), ``grad``, ``grad_fn`` (the node that
made it, None for leaves), ``requires_grad``, a ``name`` for viz and an optional forward-mode
``tangent``. Every method is a one-line delegation to ``autograd_core.ops``.
"""

import numpy as np

from . import dtypes

__all__ = ["Tensor"]


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    __slots__ = (
        "data", "grad", "grad_fn", "requires_grad", "name", "_tangent", "_output_nr",
        "__weakref__",
    )
    # numpy ufuncs refuse Tensors (np.exp(t) would silently drop the graph), so
    # `ndarray * Tensor` falls back to Tensor.__rmul__ and records the op
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        source = data.data if isinstance(data, Tensor) else data
        array = dtypes.to_array(source, dtype, where="tensor")
        if array is source:
            array = array.copy()  # the tensor owns its data: no aliasing of the caller's array
        self.data = array
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        self.name = name
        self._tangent = None
        self._output_nr = 0
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- metadata
    shape = property(lambda self: self.data.shape, doc="Tuple of dimensions.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="numpy dtype of the data.")
    size = property(lambda self: self.data.size, doc="Number of elements.")
    is_leaf = property(lambda self: self.grad_fn is None, doc="True if no op made it.")

    @property
    def T(self):
        """The tensor with its axes reversed."""
        return self.transpose()

    @property
    def tangent(self):
        """Forward-mode tangent (a Tensor) or None; see ``ag.dual``."""
        return self._tangent

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extras = []
        if self.data.dtype != dtypes.get_default_dtype():
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self._tangent is not None:
            extras.append("tangent=...")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all() on .numpy()"
            )
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.data.astype(dtype)

    # ----------------------------------------------------------------- conversions
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape} ({self.data.size} elements)"
            )
        return self.data.item()

    def numpy(self):
        """A read-only view of the data (copy it to modify it)."""
        view = self.data.view()
        view.flags.writeable = False
        return view

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A new leaf sharing the data, cut from the graph (and without tangent)."""
        return _wrap(self.data)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use .detach() to get a leaf from a non-leaf tensor"
            )
        if requires_grad and not dtypes.is_differentiable_dtype(self.data.dtype):
            raise TypeError(
                "Only Tensors of floating point dtype can require gradients, "
                f"got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain(self)
        return self

    def zero_grad(self):
        """Drop the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    def astype(self, dtype):
        return ops.cast(self, dtype)

    def float(self):
        return ops.cast(self, np.float32)

    def double(self):
        return ops.cast(self, np.float64)

    # ----------------------------------------------------------------- autodiff
    def backward(self, grad=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        ``grad`` is the cotangent to start from; it may be omitted only for one-element
        outputs (it is then 1). The graph is freed unless ``retain_graph=True`` (which is
        the default when ``create_graph=True``: that records the backward pass for
        higher-order derivatives).
        """
        from .engine import backward

        backward((self,), None if grad is None else (grad,), retain_graph, create_graph)

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # comparisons give bool tensors that carry no gradient
    def __lt__(self, other):
        return _compare(np.less, self, other)

    def __le__(self, other):
        return _compare(np.less_equal, self, other)

    def __gt__(self, other):
        return _compare(np.greater, self, other)

    def __ge__(self, other):
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other):
        return _compare(np.equal, self, other)

    def __ne__(self, other):
        return _compare(np.not_equal, self, other)

    # ----------------------------------------------------------------- methods
    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def sin(self):
        return ops.sin(self)

    def cos(self):
        return ops.cos(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def clip(self, lo=None, hi=None):
        return ops.clip(self, lo, hi)

    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return ops.var(self, axis, keepdims, ddof)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.min(self, axis, keepdims)

    def logsumexp(self, axis=None, keepdims=False):
        return ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis=-1):
        return ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return ops.log_softmax(self, axis)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)

    def flatten(self):
        return ops.reshape(self, (-1,))

    def broadcast_to(self, shape):
        return ops.broadcast_to(self, shape)


def _wrap(array):
    """A constant Tensor around an existing array (no copy, no checks: internal use)."""
    if type(array) is not np.ndarray:
        array = np.asarray(array)
    t = Tensor.__new__(Tensor)
    t.data = array
    t.grad = None
    t.grad_fn = None
    t.requires_grad = False
    t.name = None
    t._tangent = None
    t._output_nr = 0
    return t


def _leaf(array, requires_grad=False):
    """A leaf around a freshly made array (no copy); internal use."""
    t = _wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _compare(ufunc, a, b):
    a = a.data if isinstance(a, Tensor) else a
    b = b.data if isinstance(b, Tensor) else b
    try:
        return _wrap(ufunc(a, b))
    except ValueError:
        raise ValueError(
            f"{ufunc.__name__}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast "
            "together"
        ) from None


from . import ops  # noqa: E402  (ops import Tensor: bound after the class exists)
