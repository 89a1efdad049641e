"""Fitting a backward rule's gradient to its input: the engine's central unbroadcasting.

Rules may ignore broadcasting: a rule for ``a + b`` returns ``g`` for both inputs even when
``b`` was broadcast. The engine fits each gradient to its input: it sums it over the axes
that broadcasting added or stretched, and casts it to the input's dtype. A gradient of a
shape that broadcasting cannot reduce to the input's is the rule's error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor import Tensor, _wrap

if TYPE_CHECKING:
    from .node import Node

# numpy's float scalars: what arithmetic on 0-d arrays returns. An array-mode pass lets them
# through as gradients of 0-d inputs (same numbers, and the next rule's arithmetic on a
# scalar is several times cheaper than on a 0-d array); leaves get them as 0-d arrays.
FLOAT_SCALARS = frozenset([np.float16, np.float32, np.float64, np.longdouble])


def _fit_array(node: Node, index: int, data: np.ndarray, g: Any) -> np.ndarray:
    """Make a rule's gradient an ndarray of the input's shape and dtype (array mode)."""
    if type(g) is not np.ndarray:
        g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=data.dtype)
    if g.shape != data.shape:
        _check_reducible(node, index, data.shape, g.shape)
        g = sum_to_shape(g, data.shape)
    return g if g.dtype == data.dtype else g.astype(data.dtype)


def _fit_tensor(node: Node, index: int, data: np.ndarray, g: Any) -> Tensor:
    """Make a rule's gradient a Tensor of the input's shape and dtype (sum over broadcast)."""
    shape, dtype = data.shape, data.dtype
    if type(g) is Tensor and g._data.shape == shape and g._data.dtype == dtype:
        return g
    if not isinstance(g, Tensor):
        g = _wrap(np.asarray(g, dtype=dtype))
    if g.shape != shape:
        _check_reducible(node, index, shape, g.shape)
        g = sum_to_shape(g, shape)
    return g if g.dtype == dtype else g.astype(dtype)


def _check_reducible(node: Node, index: int, shape: tuple, got: tuple) -> None:
    """A rule's gradient must have the input's shape or one that broadcasting reduces to it."""
    try:
        compatible = np.broadcast_shapes(shape, got) == got
    except ValueError:
        compatible = False
    if not compatible:
        raise RuntimeError(
            f"function {type(node).__name__}.backward returned an invalid gradient at "
            f"index {index}: got shape {got} but expected shape {shape} "
            "(or one that broadcasting reduces to it)"
        )


def sum_to_shape(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach its shape."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else g.reshape(shape)
