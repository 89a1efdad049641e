"""Default floating dtype and the conversion of user data to numpy arrays."""

import numbers

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype", "result_type"]

_default_dtype = np.dtype(np.float64)


def get_default_dtype():
    """The dtype that Python numbers and lists take (float64 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype):
    """Set the dtype of tensors made from Python numbers and lists (float32 or float64)."""
    global _default_dtype
    dtype = as_dtype(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def is_differentiable_dtype(dtype):
    """Only floating-point tensors can require gradients."""
    return dtype.kind == "f"


def as_dtype(dtype, where):
    """``np.dtype(dtype)`` restricted to the supported kinds (bool, int, float)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: unknown dtype {dtype!r}") from None
    if dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: dtype {dtype} is not supported (use bool, int or float dtypes)"
        )
    return dtype


def to_array(data, dtype=None, where="tensor"):
    """Convert user data to an ndarray, with clear errors for what cannot be a tensor.

    Python numbers and (nested) lists take the default dtype; numpy arrays keep theirs.
    """
    if dtype is not None:
        dtype = as_dtype(dtype, where)
    if isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, (bool, np.bool_)):
        array = np.asarray(data, dtype=_default_dtype if dtype is None else dtype)
    elif isinstance(data, (numbers.Number, np.generic)):
        if isinstance(data, np.generic):
            array = np.asarray(data)
        else:
            if isinstance(data, complex):
                raise TypeError(f"{where}: complex numbers are not supported, got {data!r}")
            array = np.asarray(data, dtype=_default_dtype if dtype is None else dtype)
    elif isinstance(data, (list, tuple)):
        try:
            array = np.array(data)
        except ValueError as exc:
            raise ValueError(
                f"{where}: data must be a rectangular nested list of numbers; "
                f"got a ragged or malformed list ({exc})"
            ) from None
        if array.dtype.kind in "biuf":
            array = array.astype(_default_dtype if dtype is None else dtype, copy=False)
    else:
        raise TypeError(
            f"{where}: cannot make a tensor from {type(data).__name__}; "
            "expected a number, a nested list of numbers, a numpy array or a Tensor"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: data must be numeric (bool, int or float), got dtype {array.dtype}"
        )
    if dtype is not None and array.dtype != np.dtype(dtype):
        array = array.astype(dtype)
    return array


# ---------------------------------------------------------------------------- promotion
# PyTorch's rule for the dtype of a binary op. Operands rank in three tiers: tensors with
# dimensions, then 0-d tensors (and numpy scalars, 0-d arrays), then Python numbers; and in
# three categories: bool < integer < float. The result is the promotion of the highest tier
# that holds the highest category present: a 0-d tensor or a Python number of the same or a
# lower category never upcasts a tensor with dimensions (x32 * tensor(2.0) stays float32).
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_DIMENSIONED, _ZERO_DIM, _PYTHON = range(3)


def result_type(*operands):
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
