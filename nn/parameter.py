"""``nn.Parameter``: a leaf Tensor that a Module registers as learnable."""

import numpy as np

from autograd_core import Tensor, get_default_dtype


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered when assigned to a Module."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, name=None):
        if isinstance(data, Tensor):
            data = data.data
        data = np.array(data, dtype=None if isinstance(data, np.ndarray) else get_default_dtype())
        super().__init__(data, requires_grad=requires_grad, name=name)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
