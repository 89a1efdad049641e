"""``nn.Parameter``: a leaf Tensor that a Module registers as learnable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograd_core import Tensor, get_default_dtype
from autograd_core.serialization import register_tensor_class

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered when assigned to a Module."""

    __slots__ = ()

    def __init__(
        self, data: Tensor | ArrayLike, requires_grad: bool = True, name: str | None = None
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        data = np.array(data, dtype=None if isinstance(data, np.ndarray) else get_default_dtype())
        super().__init__(data, requires_grad=requires_grad, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


register_tensor_class("parameter", Parameter)  # ag.save / ag.load keep Parameters Parameters
