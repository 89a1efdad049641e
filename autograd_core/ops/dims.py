"""PyTorch's spellings beside numpy's: every op that takes ``axis=`` / ``keepdims=`` also
takes ``dim=`` / ``keepdim=``. Giving both spellings of one argument is an error."""

from __future__ import annotations

from typing import Any

from ..errors import OpTypeError

__all__ = ["axis_arg", "keepdims_arg"]


def axis_arg(op: str, axis: Any, dim: Any, default: Any = None) -> Any:
    """The axis an op was given, as ``axis=`` (numpy) or ``dim=`` (PyTorch)."""
    if dim is None:
        return axis
    if axis is not default and axis != default:
        raise OpTypeError(f"{op}: got axis={axis!r} and dim={dim!r}; give one of them")
    return dim


def keepdims_arg(op: str, keepdims: bool, keepdim: bool | None) -> bool:
    """Whether a reduction keeps its reduced axes, as ``keepdims=`` or ``keepdim=``."""
    if keepdim is None:
        return keepdims
    if keepdims and not keepdim:
        raise OpTypeError(f"{op}: got keepdims=True and keepdim=False; give one of them")
    return bool(keepdim)
