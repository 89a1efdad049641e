"""Default floating dtype and the conversion of user data to numpy arrays."""

import numbers

import numpy as np

__all__ = ["get_default_dtype", "set_default_dtype"]

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
