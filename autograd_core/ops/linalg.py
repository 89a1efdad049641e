"""Matrix product with numpy's matmul semantics: 1-d operands are promoted (a vector on the
left is a row, on the right a column, and the added axis is removed again), leading axes
broadcast as batch dimensions. ``mm`` is PyTorch's product of two matrices only, ``outer``
the product of every pair of entries. (einsum is in ``einsum``.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import OpError
from ..function import Primitive, array_of
from .elementwise import _tensor
from .shape import reshape

if TYPE_CHECKING:
    from ..tensor import Tensor
    from ..tensor_ops import Operand


def _swap_last(x):
    """Swap the last two axes (the batched matrix transpose)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return x.transpose(tuple(axes))


def _transposed(x):
    """A 2-d operand that is the transpose of a C-ordered array (like ``W.T``)."""
    data = array_of(x)
    return data.ndim == 2 and data.flags.f_contiguous and not data.flags.c_contiguous


class MatMul(Primitive):
    """C = A @ B;  dA = G @ Bᵀ, dB = Aᵀ @ G (batch axes summed back by the engine)"""

    symbol = "@"

    @staticmethod
    def forward(ctx, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise OpError(
                f"matmul: both operands need at least one dimension, got shapes {a.shape} and "
                f"{b.shape} (use * to multiply by a scalar)"
            )
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise OpError(
                f"matmul: inner dimensions do not match: {a.shape} @ {b.shape} "
                f"({a.shape[-1]} != {inner_b})"
            )
        try:
            out = np.matmul(a, b)
        except ValueError:
            raise OpError(
                f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast"
            ) from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a if a.ndim > 1 else a.reshape((1, a.shape[0]))
        b2 = b if b.ndim > 1 else b.reshape((b.shape[0], 1))
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:] if b.ndim > 1 else (1,))
        if b.ndim == 1:
            g2 = g2.reshape(g2.shape + (1,))
        grad_a = grad_b = None
        if need_a:
            # a transposed A: dA = (B Gᵀ)ᵀ, laid out like A, so A's base gets a C-order grad
            grad_a = _swap_last(b2 @ _swap_last(g2)) if _transposed(a2) else g2 @ _swap_last(b2)
            if a.ndim == 1:
                grad_a = grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
        if need_b:
            # a transposed B (x @ W.T): dB = (Gᵀ A)ᵀ, so W.grad comes out contiguous
            grad_b = _swap_last(_swap_last(g2) @ a2) if _transposed(b2) else _swap_last(a2) @ g2
            if b.ndim == 1:
                grad_b = grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        out = None if ta is None else matmul(ta, b)
        if tb is not None:
            term = matmul(a, tb)
            out = term if out is None else out + term
        return out


def matmul(a: Operand, b: Operand) -> Tensor:
    """Matrix product ``a @ b`` (1-d, 2-d and batched operands, as numpy.matmul)."""
    return MatMul.apply(a, b)


def mm(a: Operand, b: Operand) -> Tensor:
    """The product of two matrices, as PyTorch's mm: both must be 2-d (matmul also takes
    vectors and batches)."""
    a, b = _tensor(a, "mm"), _tensor(b, "mm")
    if a.ndim != 2 or b.ndim != 2:
        raise OpError(
            f"mm: both operands must be 2-d matrices, got shapes {a.shape} and {b.shape} "
            "(matmul takes vectors and batches)"
        )
    if a.shape[1] != b.shape[0]:
        raise OpError(
            f"mm: inner dimensions do not match: {a.shape} @ {b.shape} "
            f"({a.shape[1]} != {b.shape[0]})"
        )
    return MatMul.apply(a, b)


def outer(a: Operand, b: Operand) -> Tensor:
    """out[i, j] = a[i] · b[j], both flattened first (numpy's np.outer; PyTorch's outer takes
    vectors only). A column times a row, so the gradients are Mul's: g summed against the
    other factor."""
    a, b = _tensor(a, "outer"), _tensor(b, "outer")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))
