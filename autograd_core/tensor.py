"""The ``Tensor``: a numpy array plus what reverse and forward mode need.

A Tensor holds ``data`` (an ndarray, 0-d for scalars), ``grad``, ``grad_fn`` (the node that
made it, None for leaves), ``requires_grad``, a ``name`` for viz and forward-mode tangents,
one per level of nested forward mode (see ``forward_ad``). Every method is a one-line
delegation to ``autograd_core.ops``.
"""

import copy
import warnings
import weakref

import numpy as np

from . import dtypes, grad_mode
from .jit import capture

__all__ = ["Tensor"]


class _Version:
    """How many times a buffer was modified in place; shared by a tensor and its views.

    ``up_to_date`` is None until forward mode changes tangents in place on this buffer; from
    then on it holds (id -> weakref) the tensors whose tangents know of the latest such
    change: the tensor written, its base, and views taken or brought up to date since. A
    view not among them gets its tangent again from its base when next used
    (``_refresh_tangents``)."""

    __slots__ = ("value", "up_to_date")

    def __init__(self):
        self.value = 0
        self.up_to_date = None


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` detaches the hook."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


class PostAccumulateHook:
    """A leaf hook that runs after ``.grad`` was updated (it gets the tensor, not a grad)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    # _tangents: forward mode's {level: tangent} (None: no tangent at any level; a dict is
    # never changed once set, as tensors and nodes share it); _tangent: the innermost of
    # them, or None, the one check the common case needs
    __slots__ = (
        "_data", "_grad", "grad_fn", "_requires_grad", "_name", "_tangent", "_tangents",
        "_output_nr", "_version", "_base", "_hooks", "__weakref__",
    )
    # numpy ufuncs refuse Tensors (np.exp(t) would silently drop the graph), so
    # `ndarray * Tensor` falls back to Tensor.__rmul__ and records the op
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
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
    def data(self):
        """The numpy array of values (not a copy). Inside a function being traced by
        ``ag.compile`` reading it raises ``CompileError``: numpy computed from it would be
        frozen into the program."""
        if capture.tracing():
            capture.refuse_read(self, ".data")
        return self._data

    @data.setter
    def data(self, array):
        capture.refuse(f"an assignment to .data (of a tensor of shape {self.shape})")
        self._data = dtypes.to_array(array._data if isinstance(array, Tensor) else array,
                                     where="Tensor.data")

    shape = property(lambda self: self._data.shape, doc="Tuple of dimensions.")
    ndim = property(lambda self: self._data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self._data.dtype, doc="numpy dtype of the data.")
    size = property(lambda self: self._data.size, doc="Number of elements.")
    is_leaf = property(lambda self: self.grad_fn is None, doc="True if no op made it.")

    @property
    def name(self):
        """A label for drawings and ``repr`` (None if unset)."""
        return self._name

    @name.setter
    def name(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"a Tensor's name must be a str or None, got "
                            f"{type(value).__name__} {value!r}")
        self._name = value
        node = self.grad_fn
        if node is not None:  # the node keeps it: the graph may outlive this Tensor object
            if node._names is None:
                node._names = {}
            node._names[self._output_nr] = value

    @property
    def requires_grad(self):
        """Whether gradients flow to this tensor (set it on leaves only)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    @property
    def grad(self):
        """The accumulated gradient (a Tensor) of a leaf, or of a non-leaf after
        ``retain_grad()``; None before any backward."""
        if capture.tracing():
            capture.refuse(f"reading .grad (of a tensor of shape {self.shape}): an update "
                             "made with it would run only while tracing; step an nn.optim "
                             "optimiser inside, or use the gradient outside the function")
        if self._grad is None and self.grad_fn is not None and not self._retains_grad():
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: "
                "it is not populated during backward. Call .retain_grad() on the non-leaf "
                "Tensor if you want its gradient, or read the gradient of a leaf instead.",
                UserWarning, stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        if capture.tracing():  # inside ag.compile: replay the reset
            if value is not None:
                capture.refuse(f"an assignment to .grad (of a tensor of shape {self.shape}); "
                                 "only resetting it to None is replayed")
            capture.side_effect(_clear_grad, self)
            return
        self._grad = value

    def _retains_grad(self):
        retained = self.grad_fn._retained
        return retained is not None and self._output_nr in retained

    @property
    def T(self):
        """The tensor with its axes reversed."""
        return self.transpose()

    @property
    def tangent(self):
        """Forward-mode tangent (a Tensor) or None; see ``ag.dual``. With nested forward
        mode, the tangent of the innermost level it carries (``ag.unpack_dual`` gives the
        tangent of a chosen level)."""
        if self._version is not None and self._version.up_to_date is not None:
            _refresh_tangents(self)
        return self._tangent

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", precision=4, threshold=20)
        extras = []
        if self._data.dtype != dtypes.get_default_dtype():
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

    def __bool__(self):
        capture.refuse_read(self, "bool()")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all() on .numpy()"
            )
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        capture.refuse_read(self, "np.asarray() / np.array()")
        return self.numpy() if dtype is None else self._data.astype(dtype)

    # ----------------------------------------------------------------- conversions
    def item(self):
        """The value of a one-element tensor as a Python number."""
        capture.refuse_read(self, ".item()")
        if self._data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape} ({self._data.size} elements)"
            )
        return self._data.item()

    def numpy(self):
        """A read-only view of the data (copy it to modify it)."""
        capture.refuse_read(self, ".numpy()")
        view = self._data.view()
        view.flags.writeable = False
        return view

    def tolist(self):
        capture.refuse_read(self, ".tolist()")
        return self._data.tolist()

    def detach(self):
        """A new leaf sharing the data (and its version counter), cut from the graph (and
        from forward mode: it carries no tangent)."""
        return _alias(self)

    # ----------------------------------------------------------------- copy and pickle
    # A leaf is its values and flags; a result of an op is also the graph behind it, which
    # is not copied (as in PyTorch): a 10^5-node graph would overflow Python's recursion.
    def __deepcopy__(self, memo):
        _check_leaf(self, "copy.deepcopy")
        new = _rebuild_leaf(type(self), self._data.copy(), self._requires_grad, self._name,
                            None if self._grad is None else self._grad._data.copy())
        memo[id(self)] = new
        if self._tangents is not None:
            _set_tangents(new, copy.deepcopy(self._tangents, memo))
        return new

    def __reduce_ex__(self, protocol):
        _check_leaf(self, "pickle")
        grad = None if self._grad is None else self._grad._data
        return _rebuild_leaf, (type(self), self._data, self._requires_grad, self._name, grad)

    def requires_grad_(self, requires_grad=True):
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

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if capture.traced(self):
            capture.refuse("retain_grad() on a tensor of the function (its .grad would be "
                             "filled only while tracing)")
        if self.grad_fn is not None:
            self.grad_fn._retain(self)
        return self

    def zero_grad(self):
        """Drop the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a Tensor it returns
        replaces the gradient. Returns a handle whose ``remove()`` detaches the hook."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if capture.traced(self):
            capture.refuse("a gradient hook on a tensor of the function (it would run only "
                             "while tracing)")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            hooks = self.grad_fn._output_hooks(self._output_nr)
        key = object()
        hooks[key] = fn
        return RemovableHandle(hooks, key)

    def register_post_accumulate_grad_hook(self, fn):
        """Call ``fn(tensor)`` after backward has accumulated into this leaf's ``.grad``
        (e.g. to step an optimiser per parameter). Returns a removable handle."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        key = object()
        self._hooks[key] = PostAccumulateHook(fn)
        return RemovableHandle(self._hooks, key)

    # ----------------------------------------------------------------- in place
    # In-place methods write into the buffer and bump its version counter, so that backward
    # through an op that saved the old values raises instead of using the new ones. While
    # the graph is being recorded they refuse tensors that require grad: rewriting a
    # recorded value would change the history that backward walks.
    def add_(self, other):
        return _inplace(self, "add_", np.add, other)

    def sub_(self, other):
        return _inplace(self, "sub_", np.subtract, other)

    def mul_(self, other):
        return _inplace(self, "mul_", np.multiply, other)

    def div_(self, other):
        return _inplace(self, "div_", np.true_divide, other)

    def zero_(self):
        return _inplace(self, "zero_", None, 0)

    def fill_(self, value):
        return _inplace(self, "fill_", None, value)

    def __setitem__(self, index, value):
        _check_inplace(self, "__setitem__", value)
        index = ops.shape._normalize_index(index)
        try:
            self._data[index] = value._data if isinstance(value, Tensor) else value
        except (ValueError, IndexError, TypeError) as exc:
            raise type(exc)(f"__setitem__: cannot assign into a tensor of shape {self.shape}: "
                            f"{exc}") from None
        _bump(self)
        if _has_tangents(self, value):
            forward_ad.assigned(self, index, value)

    # x += y updates x in place when that is allowed; while the graph is recorded, on a
    # tensor that is part of it, or with a y that requires grad, it rebinds x to the
    # out-of-place result instead (so `total += loss` works and y's gradient is kept),
    # leaving the old value, and every earlier reference to it, unchanged.
    def __iadd__(self, other):
        return self + other if _rebinds(self, other) else self.add_(other)

    def __isub__(self, other):
        return self - other if _rebinds(self, other) else self.sub_(other)

    def __imul__(self, other):
        return self * other if _rebinds(self, other) else self.mul_(other)

    def __itruediv__(self, other):
        return self / other if _rebinds(self, other) else self.div_(other)

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

        if create_graph:
            warnings.warn(
                "backward(create_graph=True) creates a reference cycle between each leaf and "
                "its .grad (grad -> graph -> leaf), freed only by the garbage collector; "
                "prefer ag.grad(..., create_graph=True), which returns the gradients instead",
                UserWarning, stacklevel=2,
            )
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

    def norm(self, axis=None, keepdims=False):
        return ops.norm(self, axis, keepdims)

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


def _check_leaf(t, what):
    if t.grad_fn is not None:
        raise RuntimeError(
            f"{what}: only tensors created by the user (graph leaves) can be copied or "
            f"pickled; this one is a result of {type(t.grad_fn).__name__}, and the graph "
            "behind it is not copied. Use .detach() for its values (then .requires_grad_() "
            "for a new leaf)"
        )


def _rebuild_leaf(cls, data, requires_grad, name, grad):
    """A leaf of class ``cls`` (Tensor or a subclass) from what ``__reduce_ex__`` saved."""
    t = _init(cls.__new__(cls), np.array(data), None, requires_grad)
    t._name = name
    if grad is not None:
        t._grad = _wrap(np.array(grad))
    return t


def _clear_grad(t):
    t._grad = None


def _init(t, array, grad_fn=None, requires_grad=False, output_nr=0):
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


def _make(array, grad_fn=None, requires_grad=False, output_nr=0):
    """A Tensor around an existing ndarray, no copy and no checks (internal use)."""
    return _init(Tensor.__new__(Tensor), array, grad_fn, requires_grad, output_nr)


def _wrap(array):
    """A constant Tensor around an existing array (no copy, no checks: internal use)."""
    if type(array) is not np.ndarray:
        array = np.asarray(array)
    return _init(Tensor.__new__(Tensor), array)


def _leaf(array, requires_grad=False):
    """A leaf around a freshly made array (no copy); internal use."""
    t = _wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _version_of(t):
    """The version counter of t's buffer, created on first need. A result's counter is also
    kept by its node, where every Tensor object of that output finds it."""
    if t._version is None:
        node = t.grad_fn
        if node is None:
            t._version = _Version()
        else:
            if node._versions is None:
                node._versions = {}
            version = node._versions.get(t._output_nr)
            if version is None:
                version = node._versions[t._output_nr] = _Version()
            t._version = version
    return t._version


def _share_buffer(view, source):
    """``view`` reads ``source``'s buffer: share its version counter and remember the base.
    (A view's counter need not be on its node: having one, it is never consumed as its
    node, so every consumer holds the view Tensor itself.)"""
    version = view._version = _version_of(source)
    view._base = source if source._base is None else source._base
    if version.up_to_date is not None:  # taken after the latest in-place tangent change
        version.up_to_date[id(view)] = weakref.ref(view)
    return view


def _set_tangents(t, tangents):
    """Give t exactly the forward-mode tangents ``tangents`` ({level: tangent}, or None)."""
    if tangents:
        t._tangents = tangents
        t._tangent = tangents[max(tangents)]
    else:
        t._tangents = t._tangent = None
    return t


def _alias(t):
    """A new Tensor on t's buffer and version counter that is not a view of it: its
    tangents are its own (detach, ag.dual)."""
    alias = _wrap(t._data)
    alias._version = _version_of(t)
    return alias


def _refresh_tangents(t):
    """Bring t's tangents up to date after forward mode changed its buffer's in place: a
    view gets its base's tangents at its elements; anything else keeps its own."""
    up_to_date = t._version.up_to_date
    ref = up_to_date.get(id(t))
    if ref is not None and ref() is t:
        return
    if t._base is not None:
        forward_ad.refresh_view(t)
    up_to_date[id(t)] = weakref.ref(t)


def _bump(t):
    _version_of(t).value += 1


def _rebinds(t, other):
    return grad_mode.current().grad_enabled and (
        t._requires_grad and t.grad_fn is not None
        or isinstance(other, Tensor) and other._requires_grad and not t._requires_grad)


def _check_inplace(t, op, other=None):
    capture.refuse(f"in-place changes ({op} on a tensor of shape {t.shape})")
    if not grad_mode.current().grad_enabled:
        return
    if isinstance(other, Tensor) and other._requires_grad and not t._requires_grad:
        raise RuntimeError(
            f"{op}: the value requires grad but the tensor of shape {t.shape} updated in "
            "place does not: the update would not be recorded and the value's gradient "
            "would be lost. Use the out-of-place form (c = c + y), or do it under "
            "ag.no_grad() if no gradient is wanted"
        )
    base = t._base
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({op} on shape {t.shape})"
        )
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({op} on shape {t.shape}); do it under ag.no_grad(), as optimisers do"
        )
    if t.requires_grad:
        raise RuntimeError(
            f"{op}: in-place operations on a tensor that requires grad are not supported while "
            "the graph is recorded (they would rewrite a recorded value); use the out-of-place "
            "form, e.g. y = y + x"
        )


def _inplace(t, op, ufunc, other):
    _check_inplace(t, op, other)
    value = other._data if isinstance(other, Tensor) else other
    tangents = _has_tangents(t, other)
    before = forward_ad.snapshot(t, other) if tangents and ufunc is not None else None
    try:
        if ufunc is None:
            t._data[...] = value
        else:
            ufunc(t._data, value, out=t._data, casting="same_kind")
    except (ValueError, TypeError) as exc:
        raise type(exc)(
            f"{op}: cannot update a tensor of shape {t.shape} and dtype {t.dtype} in place "
            f"with {np.shape(value)} values: {exc}"
        ) from None
    _bump(t)
    if tangents:
        if ufunc is None:  # zero_, fill_: an assignment to every element
            forward_ad.assigned(t, Ellipsis, other)
        else:
            forward_ad.updated(t, ufunc, *before)
    return t


def _has_tangents(t, other):
    """Does an in-place change of t by ``other`` concern forward mode? (t, other or t's base
    carries tangents, or the buffer's tangents were changed in place before)"""
    base = t._base
    return (t._tangent is not None or isinstance(other, Tensor) and other._tangent is not None
            or base is not None and base._tangent is not None
            or t._version is not None and t._version.up_to_date is not None)


def _compare(ufunc, a, b):
    if not (isinstance(b, Tensor) and a._data.dtype is b._data.dtype
            or type(b) in (int, float) and a._data.dtype.kind == "f"):
        a, b = ops.elementwise.promoted_arrays(a, b)  # compare in the dtype an op would use
    a = a._data if isinstance(a, Tensor) else a
    b = b._data if isinstance(b, Tensor) else b
    try:
        result = np.asarray(ufunc(a, b))
    except ValueError:
        raise ValueError(
            f"{ufunc.__name__}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast "
            "together"
        ) from None
    except TypeError:
        raise TypeError(
            f"{ufunc.__name__}: cannot compare a tensor with {type(b).__name__}"
        ) from None
    capture.record_numpy(ufunc, (a, b), result)  # masks are data: ag.compile recomputes them
    return _wrap(result)


from . import ops  # noqa: E402  (ops import Tensor: bound after the class exists)
from . import forward_ad  # noqa: E402  (it imports ops)
