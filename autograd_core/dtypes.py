"""Default floating dtype, the conversion of user data to numpy arrays, and PyTorch's type
promotion for binary ops (``result_type``, and ``promoted_args`` for ``Function.apply``)."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np

from .errors import non_numeric_operand, ragged_operand

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike, DTypeLike

    from .tensor import Tensor

__all__ = [
    "get_default_dtype",
    "set_default_dtype",
    "result_type",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "uint8",
    "bool_",
]

# the dtypes by name, as PyTorch's torch.float32 ...: numpy dtype objects, so that
# x.dtype == ag.float32 and ag.zeros(2, dtype=ag.int64) work. The package adds PyTorch's
# aliases (ag.float, ag.int, ag.bool, ag.half, ag.double, ag.long) in its own namespace only:
# inside the library these names stay Python's builtins.
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_default_dtype = float64


def get_default_dtype() -> np.dtype:
    """The dtype that Python numbers and lists take (float64 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: DTypeLike) -> None:
    """Set the dtype of tensors made from Python numbers and lists (float32 or float64)."""
    global _default_dtype
    dtype = as_dtype(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def is_differentiable_dtype(dtype: np.dtype) -> bool:
    """Only floating-point tensors can require gradients."""
    return dtype.kind == "f"


def as_dtype(dtype: DTypeLike, where: str) -> np.dtype:
    """``np.dtype(dtype)`` restricted to the supported kinds (bool, int, float)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: unknown dtype {dtype!r}") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"{where}: dtype {dtype} is not supported (use bool, int or float dtypes)")
    return dtype


def to_array(data: ArrayLike, dtype: DTypeLike | None = None, where: str = "tensor") -> np.ndarray:
    """Convert user data to an ndarray, with clear errors for what cannot be a tensor.

    The dtype follows PyTorch's inference: Python ints (and lists of them) are int64, bools
    are bool, floats (and lists mixing ints and floats) take the default dtype; numpy arrays
    and numpy scalars keep theirs. ``dtype`` overrides all of these.
    """
    if dtype is not None:
        dtype = as_dtype(dtype, where)
    if type(data) is np.ndarray:
        array = data
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)  # a numpy scalar, or an ndarray subclass as a plain array
    elif isinstance(data, (numbers.Number, list, tuple)):
        array = _python_array(data, where)
    else:
        raise TypeError(
            f"{where}: cannot make a tensor from {type(data).__name__}; "
            "expected a number, a nested list of numbers, a numpy array or a Tensor"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: data must be numeric (bool, int or float), got dtype {array.dtype}"
        )
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _python_array(data: numbers.Number | list | tuple, where: str) -> np.ndarray:
    """A Python number or nested list as an array: bool stays bool, int becomes int64,
    float becomes the default dtype (as in PyTorch)."""
    if isinstance(data, complex):
        raise TypeError(f"{where}: complex numbers are not supported, got {data!r}")
    try:
        array = np.array(data)
    except ValueError as exc:
        raise ValueError(
            f"{where}: data must be a rectangular nested list of numbers; "
            f"got a ragged or malformed list ({exc})"
        ) from None
    except OverflowError:
        raise ValueError(f"{where}: {data!r} holds an integer too large for int64") from None
    if array.dtype.kind == "f":
        return array.astype(_default_dtype, copy=False)
    if array.dtype.kind in "iu":
        return _as_int64(array, data, where)
    return array


def _as_int64(array: np.ndarray, data: object, where: str) -> np.ndarray:
    """Integers as int64 (numpy picks uint64 for values in [2**63, 2**64))."""
    if array.dtype == np.int64:
        return array
    if array.dtype.kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{where}: {data!r} holds an integer too large for int64")
    return array.astype(np.int64)


# ---------------------------------------------------------------------------- promotion
# PyTorch's rule for the dtype of a binary op. Operands rank in three tiers: tensors with
# dimensions, then 0-d tensors (and numpy scalars, 0-d arrays), then Python numbers; and in
# three categories: bool < integer < float. The result is the promotion of the highest tier
# that holds the highest category present: a 0-d tensor or a Python number of the same or a
# lower category never upcasts a tensor with dimensions (x32 * tensor(2.0) stays float32).
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_DIMENSIONED, _ZERO_DIM, _PYTHON = range(3)


def result_type(*operands: Tensor | ArrayLike) -> np.dtype:
    """The dtype a binary op on ``operands`` (Tensors, arrays, numpy or Python numbers)
    computes in, by PyTorch's promotion rule (see above)."""
    tiers = [None, None, None]
    for x in operands:
        tier, dtype = _tier_and_dtype(x)
        tiers[tier] = dtype if tiers[tier] is None else _promote(tiers[tier], dtype)
    result = None
    for dtype in tiers:  # highest tier first: a lower tier wins only with a higher category
        if dtype is not None and (result is None or _CATEGORY[dtype.kind] > _CATEGORY[result.kind]):
            result = dtype
    if result is None:
        raise TypeError("result_type: no operands")
    return result


def _tier_and_dtype(x):
    if isinstance(x, np.generic):  # (np.float64 is a float subclass: a 0-d value, not weak)
        return _ZERO_DIM, x.dtype
    if isinstance(x, bool):
        return _PYTHON, np.dtype(bool)
    if isinstance(x, int):
        return _PYTHON, np.dtype(np.int64)
    if isinstance(x, float):
        return _PYTHON, _default_dtype
    array = np.asarray(getattr(x, "_data", x))  # a Tensor's array, or the value itself
    if array.dtype.kind not in _CATEGORY:
        raise TypeError(f"result_type: an operand of dtype {array.dtype} is not numeric")
    return (_DIMENSIONED if array.ndim else _ZERO_DIM), array.dtype


def _promote(a, b):
    """Promotion within a tier: the higher category's dtype, else numpy's (the wider)."""
    if _CATEGORY[a.kind] != _CATEGORY[b.kind]:
        return a if _CATEGORY[a.kind] > _CATEGORY[b.kind] else b
    return np.promote_types(a, b)


def constant_array(cls: type, value: list | tuple) -> np.ndarray:
    """A list or tuple argument of op ``cls`` as an array (the conversion numpy would make),
    with errors that name the op."""
    try:
        array = np.asarray(value)
    except ValueError:
        raise ragged_operand(cls) from None
    if array.dtype.kind not in "biuf":
        raise non_numeric_operand(cls, array.dtype)
    return array


def promoted_args(cls: type, args: tuple, arrays: list, computed: np.dtype) -> tuple | None:
    """The arguments of a broadcasting op (its two last ones are the operands) with the
    operands cast to the dtype of PyTorch's rule, or None when numpy ``computed`` in that
    dtype already. Tensors are cast by a recorded ``Cast`` (so gradients come back in each
    one's dtype and second derivatives see it), constants directly."""
    a, b = arrays[-2], arrays[-1]
    # numpy's dtype is PyTorch's when every array operand has it, or an array with
    # dimensions has it (then it rules a 0-d array or a Python number of its category)
    if type(a) is np.ndarray:
        if a.dtype is computed and (a.ndim or type(b) is not np.ndarray or b.dtype is computed):
            return None
    elif type(b) is np.ndarray and b.dtype is computed:
        return None
    from .ops import cast  # (the ops import function, which imports this module)

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


def _in_dtype(cls: type, x: object, dtype: np.dtype, cast: Callable) -> object:
    """Operand x in ``dtype``: a Tensor by a recorded cast, an array or a list converted,
    a Python number as it is (numpy gives it the other operand's dtype of its category)."""
    from .tensor import Tensor  # (tensor.py imports this module)

    if isinstance(x, Tensor):
        return cast(x, dtype)  # x itself when it has that dtype
    if type(x) in (bool, int, float):
        return x
    array = constant_array(cls, x) if isinstance(x, (list, tuple)) else np.asarray(x)
    return x if array.dtype == dtype else array.astype(dtype)
