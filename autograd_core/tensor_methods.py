"""``TensorMethods``: a Tensor's reductions (``x.sum(dim)``, ``x.max(1)``, ``x.sort()`` ...),
shape methods (``x.view(2, 3)``, ``x.permute(...)``, ``x.flatten(1)`` ...) and dtype and
device methods (``x.float()``, ``x.to(...)``); a base class of ``Tensor`` beside
``TensorOps``. Each method is one call into ``autograd_core.ops``, reached through the package
when it runs (as in ``tensor_ops``). PyTorch's names keep PyTorch's meaning where it differs
from numpy's: ``x.max(dim)`` gives values and indices, ``x.transpose(0, 1)`` swaps two axes,
``x.repeat(2, 3)`` tiles the whole tensor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_core as ag

from .device import check_device, no_gpu_error
from .device import device as Device
from .tensor_ops import Axis, TensorOps

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from .tensor import Tensor

__all__ = ["TensorMethods"]


class TensorMethods:
    """The reduction, shape, dtype and device methods of ``Tensor`` (see the module
    docstring)."""

    __slots__ = ()

    # ----------------------------------------------------------------- reductions
    def sum(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def prod(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(
        self,
        axis: Axis = None,
        *,
        keepdims: bool = False,
        ddof: float = 0,
        dim: Axis = None,
        keepdim: bool | None = None,
        correction: float | None = None,
        unbiased: bool | None = None,
    ) -> Tensor:
        return ag.ops.var(
            self,
            axis,
            keepdims=keepdims,
            ddof=ddof,
            dim=dim,
            keepdim=keepdim,
            correction=correction,
            unbiased=unbiased,
        )

    def std(
        self,
        axis: Axis = None,
        *,
        keepdims: bool = False,
        ddof: float = 0,
        dim: Axis = None,
        keepdim: bool | None = None,
        correction: float | None = None,
        unbiased: bool | None = None,
    ) -> Tensor:
        return ag.ops.std(
            self,
            axis,
            keepdims=keepdims,
            ddof=ddof,
            dim=dim,
            keepdim=keepdim,
            correction=correction,
            unbiased=unbiased,
        )

    def norm(
        self,
        p: float | str = 2,
        dim: Axis = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool = False,
    ) -> Tensor:
        """The 2-norm √Σx² (over ``dim``/``axis``, or all elements). PyTorch's first
        argument is the order p: ``x.norm(1)`` is its L1 norm, so any p but 2 is refused
        here rather than read as an axis."""
        if isinstance(p, bool) or p not in (2, "fro"):
            raise ValueError(f"norm: only the 2-norm is supported (p=2 or 'fro'), got p={p!r}")
        return ag.ops.norm(self, ag.ops.dims.axis_arg("norm", axis, dim), keepdims or keepdim)

    def logsumexp(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(
        self,
        dim: int | Tensor | None = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool = False,
    ) -> Any:
        """PyTorch's ``x.max(dim)``: (values, indices); ``x.max(axis=...)``: the values."""
        return ag.ops.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(
        self,
        dim: int | Tensor | None = None,
        keepdim: bool = False,
        *,
        axis: Axis = None,
        keepdims: bool = False,
    ) -> Any:
        """PyTorch's ``x.min(dim)``: (values, indices); ``x.min(axis=...)``: the values."""
        return ag.ops.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmax(
        self,
        axis: int | None = None,
        keepdims: bool = False,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(
        self,
        axis: int | None = None,
        keepdims: bool = False,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        return ag.ops.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def sort(
        self,
        axis: int = -1,
        descending: bool = False,
        *,
        dim: int | None = None,
        stable: bool = False,
    ) -> Any:
        return ag.ops.sort(self, axis, descending, dim=dim, stable=stable)

    def argsort(
        self, axis: int = -1, descending: bool = False, *, dim: int | None = None
    ) -> Tensor:
        return ag.ops.argsort(self, axis, descending, dim=dim)

    def topk(
        self,
        k: int,
        axis: int = -1,
        largest: bool = True,
        sorted: bool = True,
        *,
        dim: int | None = None,
    ) -> Any:
        return ag.ops.topk(self, k, axis, largest, sorted, dim=dim)

    def cumsum(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return ag.ops.cumsum(self, axis, dim=dim)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ag.ops.softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ag.ops.log_softmax(self, axis, dim=dim)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: int | tuple[int, ...] | list[int]) -> Tensor:
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return ag.ops.reshape(self, _sizes(shape))

    def view(self, *shape: int | tuple[int, ...] | list[int]) -> Tensor:
        """``reshape`` by PyTorch's name (a view of the same values when numpy can make one).
        PyTorch's ``view(dtype)``, a reinterpretation of the bytes, is refused."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
            raise TypeError(
                f"view: expected a shape, got {shape[0]!r}; reinterpreting the bytes as "
                "another dtype is not supported (to convert the values use .to(dtype))"
            )
        return ag.ops.reshape(self, _sizes(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return ag.ops.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return ag.ops.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ag.ops.flatten(self, start_dim, end_dim)

    def transpose(self, *axes: int | tuple[int, ...] | list[int]) -> Tensor:
        """Axes reversed (no argument); two different axes swapped, as PyTorch's
        ``x.transpose(0, 1)``; or permuted, as numpy's ``x.transpose(1, 0, 2)`` or
        ``x.transpose((1, 0))``."""
        two_ints = len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes)
        if two_ints and axes[0] != axes[1]:
            return ag.ops.transpose(self, _swapped(self.ndim, *axes))
        return ag.ops.transpose(self, _sizes(axes) or None)

    def t(self) -> Tensor:
        """The transpose of a matrix (a vector or a scalar as it is), as PyTorch's ``t()``."""
        if self.ndim > 2:
            raise ValueError(
                f"t: expects a tensor with at most 2 dimensions, got shape {self.shape}; "
                "use .transpose(dim0, dim1) or .permute(...)"
            )
        return ag.ops.transpose(self) if self.ndim == 2 else self

    def permute(self, *dims: int | tuple[int, ...] | list[int]) -> Tensor:
        return ag.ops.permute(self, *dims)

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        return ag.ops.squeeze(self, axis, dim=dim)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return ag.ops.unsqueeze(self, axis, dim=dim)

    def flip(self, *axes: int | tuple[int, ...] | list[int], dims: Axis = None) -> Tensor:
        """``x.flip(0)``, ``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=...)``; no
        axis flips them all."""
        return ag.ops.flip(self, _sizes(axes) or None, dims=dims)

    def tile(self, *reps: int | tuple[int, ...] | list[int]) -> Tensor:
        return ag.ops.tile(self, _sizes(reps))

    def repeat(self, *sizes: int | tuple[int, ...] | list[int]) -> Tensor:
        """PyTorch's ``x.repeat(2, 3)``: tiles copies of the whole tensor (``tile``); numpy's
        element-wise repeat is ``repeat_interleave``."""
        return ag.ops.tile(self, _sizes(sizes))

    def repeat_interleave(
        self, repeats: Any, axis: int | None = None, *, dim: int | None = None
    ) -> Tensor:
        return ag.ops.repeat_interleave(self, repeats, axis, dim=dim)

    def split(
        self, split_size_or_sections: int | list[int], axis: int = 0, *, dim: int | None = None
    ) -> tuple[Tensor, ...]:
        return ag.ops.split(self, split_size_or_sections, axis, dim=dim)

    def chunk(self, chunks: int, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
        return ag.ops.chunk(self, chunks, axis, dim=dim)

    def unbind(self, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
        return ag.ops.unbind(self, axis, dim=dim)

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        return ag.ops.pad(self, pad_width, value)

    def triu(self, k: int = 0, *, diagonal: int | None = None) -> Tensor:
        return ag.ops.triu(self, k, diagonal=diagonal)

    def tril(self, k: int = 0, *, diagonal: int | None = None) -> Tensor:
        return ag.ops.tril(self, k, diagonal=diagonal)

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return ag.ops.broadcast_to(self, shape)

    def expand(self, *sizes: int | tuple[int, ...] | list[int]) -> Tensor:
        """Broadcast to ``sizes`` (a view); -1 keeps that dimension's size (PyTorch's)."""
        return ag.ops.broadcast_to(self, _expanded_shape(self.shape, _sizes(sizes)))

    def expand_as(self, other: Tensor) -> Tensor:
        return ag.ops.broadcast_to(self, other.shape)

    def contiguous(self) -> Tensor:
        """The tensor itself: ops here never need a particular memory layout."""
        return self

    def clone(self) -> Tensor:
        """A copy that owns its values and stays in the graph (the gradient flows back
        through it unchanged): a cast to its own dtype, which always copies."""
        return ag.ops.Cast.apply(self, dtype=self.dtype)

    # ----------------------------------------------------------------- dtype and device
    def astype(self, dtype: DTypeLike) -> Tensor:
        return ag.ops.cast(self, dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return ag.ops.cast(self, other.dtype)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    # casts by PyTorch's names; an integer or bool result is cut from the graph (ops.cast)
    def float(self) -> Tensor:
        return ag.ops.cast(self, np.float32)

    def double(self) -> Tensor:
        return ag.ops.cast(self, np.float64)

    def half(self) -> Tensor:
        return ag.ops.cast(self, np.float16)

    def long(self) -> Tensor:
        return ag.ops.cast(self, np.int64)

    def int(self) -> Tensor:
        return ag.ops.cast(self, np.int32)

    def bool(self) -> Tensor:
        return ag.ops.cast(self, np.bool_)

    def to(
        self,
        *args: Any,
        dtype: DTypeLike | None = None,
        device: Any = None,
        copy: bool = False,
        non_blocking: bool = False,
    ) -> Tensor:
        """PyTorch's ``x.to(...)``: a dtype, a device (the CPU only), a tensor (its dtype),
        or ``dtype=``/``device=``; the tensor itself when nothing changes (a copy with
        ``copy=True``). ``non_blocking`` has no effect here."""
        for arg in args:
            if isinstance(arg, TensorOps):
                dtype = arg.dtype
            elif _is_device(arg):
                device = arg
            else:
                dtype = arg
        check_device(device, "to")
        result = self if dtype is None else ag.ops.cast(self, dtype)
        return result.clone() if copy and result is self else result

    def cpu(self) -> Tensor:
        """The tensor itself: every tensor is on the CPU."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Refused: there is no GPU backend (see ``ag.device``)."""
        raise RuntimeError(f"cuda(): {no_gpu_error(repr('cuda'))}")


def _sizes(args: tuple) -> tuple:
    """A shape given as separate ints, ``f(2, 3)``, or as one tuple or list, ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _swapped(ndim: int, dim0: int, dim1: int) -> tuple[int, ...]:
    """The permutation of ``ndim`` axes that swaps dim0 and dim1 (PyTorch's transpose)."""
    for d in (dim0, dim1):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not -ndim <= d < ndim:
            raise ValueError(
                f"transpose: dimension {d!r} is out of range for a tensor with {ndim} "
                f"dimensions (expected an int in [{-ndim}, {ndim - 1}])"
            )
    axes = list(range(ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return tuple(axes)


def _expanded_shape(shape: tuple[int, ...], sizes: tuple) -> tuple[int, ...]:
    """The shape ``expand(*sizes)`` broadcasts to: -1 keeps the size of an existing
    dimension (sizes align with the shape at the right; new ones lead)."""
    new = len(sizes) - len(shape)
    if new < 0:
        raise ValueError(
            f"expand: {len(sizes)} sizes {sizes} for a tensor with {len(shape)} dimensions; "
            "give at least one size per dimension"
        )
    if any(n == -1 for n in sizes[:new]):
        raise ValueError(f"expand: -1 is not allowed for a new leading dimension, got {sizes}")
    return tuple(shape[i - new] if n == -1 and i >= new else n for i, n in enumerate(sizes))


def _is_device(arg: Any) -> bool:
    """Is a positional argument of ``to`` a device: a device, an index (a CUDA device in
    PyTorch) or a string that names no dtype (``"cpu"``, ``"cuda"``)?"""
    if isinstance(arg, str):
        try:
            np.dtype(arg)
        except TypeError:
            return True
        return False
    return isinstance(arg, (Device, int)) and not isinstance(arg, bool)
