"""einsum: sums of products named by letters, over np.einsum, with its gradient and tangent.

'ij,jk->ik' is a matrix product (out[i, k] = Σ_j a[i, j] · b[j, k]), 'ij->ji' a transpose,
'ij->' a sum, 'ii->i' a diagonal, 'ii' a trace, 'i,j->ij' an outer product, 'bij,bjk->bik'
a batched product. Without '->' (implicit mode) the output has the axes '...' stands for,
then the letters seen once, in alphabetical order (capitals first), as numpy and PyTorch.

``einsum`` first rewrites the subscripts into an explicit form that names every axis with
a letter (``_explicit``): '...' becomes letters, the implicit output is spelled out, and an
axis of length 1 that broadcasts against a longer axis of the same letter gets a letter of
its own (summed alone, over its one element). The Einsum primitive then only sees letters
that each stand for one length, which is what its gradient rule needs.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

import numpy as np

from ..errors import OpError, OpTypeError
from ..function import Primitive, array_of, call
from ..tensor import Tensor
from .elementwise import _tensor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..tensor_ops import Operand

_LETTERS = string.ascii_letters


class Einsum(Primitive):
    """y = einsum(subscripts, a₀, a₁, ...): products of the operands' entries, summed over
    the letters the output lacks;  dL/da_k = einsum of g and the other operands into a_k's
    letters (``_operand_grad``);  jvp = Σ_k einsum with a_k replaced by its tangent

    ``subscripts`` is the explicit form ``einsum`` makes (one length per letter)."""

    symbol = "einsum"

    @staticmethod
    def forward(ctx, *arrays, subscripts=""):
        ctx.subscripts = subscripts
        ctx.save_for_backward(*arrays)
        out = np.einsum(subscripts, *arrays, optimize=len(arrays) > 2)
        # np.einsum returns a view of the operand for 'ij->ji' or 'ii->i': copy it, so that
        # the output owns its buffer like every result that is not a view op's
        return out.copy() if any(np.may_share_memory(out, a) for a in arrays) else out

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        inputs, output = ctx.subscripts.split("->")
        terms = inputs.split(",")
        return tuple(
            _operand_grad(g, operands, terms, output, k) if needed else None
            for k, needed in enumerate(ctx.needs_input_grad)
        )

    @staticmethod
    def jvp(ctx, *tangents):
        operands, out = ctx.saved_tensors, None
        for k, t in enumerate(tangents):
            if t is not None:
                replaced = (*operands[:k], t, *operands[k + 1 :])
                term = Einsum.apply(*replaced, subscripts=ctx.subscripts)
                out = term if out is None else out + term
        return out


def _operand_grad(g, operands, terms, output, k):
    """dL/da_k[i..] = Σ over the letters a_k lacks of g[out..] · Π_(j≠k) a_j[..]: the einsum of
    g (with the output's letters) and the other operands into a_k's letters. Two cases need
    one more constant operand:

    * a letter repeated in a_k (a diagonal, 'ii'): only diagonal entries were used, so each
      repeat is renamed and tied to the first by an identity matrix (zero off the diagonal);
    * a letter no other term has (summed away in a_k alone, 'ij->i'): every entry along it
      gets the same g, so a vector of ones spreads g over it.
    """
    shape, dtype = np.shape(array_of(operands[k])), array_of(g).dtype
    repeats = len(terms[k]) - len(set(terms[k]))
    fresh = iter(_unused_letters(",".join(terms) + output, repeats, ",".join(terms)))
    target, extra_terms, extra_arrays = "", [], []
    for letter, n in zip(terms[k], shape):
        if letter in target:
            renamed = next(fresh)
            extra_terms.append(letter + renamed)
            extra_arrays.append(np.eye(n, dtype=dtype))
            letter = renamed
        target += letter
    others = [j for j in range(len(terms)) if j != k]
    seen = output + "".join(terms[j] for j in others) + "".join(extra_terms)
    for letter, n in zip(target, shape):
        if letter not in seen:
            extra_terms.append(letter)
            extra_arrays.append(np.ones(n, dtype=dtype))
    subscripts = ",".join([output, *(terms[j] for j in others), *extra_terms]) + "->" + target
    return call(Einsum, g, *(operands[j] for j in others), *extra_arrays, subscripts=subscripts)


# ---------------------------------------------------------------------------- subscripts
def _unused_letters(used: str, count: int, subscripts: str) -> str:
    """``count`` letters that do not occur in ``used``."""
    free = [c for c in _LETTERS if c not in used]
    if len(free) < count:
        raise OpError(f"einsum: subscripts {subscripts!r} need more axes than there are letters")
    return "".join(free[:count])


def _split(subscripts: str, count: int) -> tuple[list[str], str | None]:
    """The operands' terms and the output's (None in implicit mode), checked for syntax."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    for term in terms + ([output] if arrow else []):
        if any(c not in _LETTERS for c in term.replace("...", "", 1)):
            raise OpError(
                f"einsum: subscripts {subscripts!r}: {term!r} must be letters, with at most "
                "one '...'"
            )
    if len(terms) != count:
        raise OpError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), got {count}"
        )
    return terms, output if arrow else None


def _name_ellipsis(
    subscripts: str, terms: list[str], output: str | None, shapes: list[tuple[int, ...]]
) -> tuple[list[str], str, str]:
    """'...' replaced by new letters: in each operand the axes it covers, aligned on the right
    (a shorter '...' broadcasts, as in numpy); in the output all of them (first, in implicit
    mode). Checks each operand's rank against its letters. Returns the letters used too."""
    ranks = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if len(shape) < named or (len(shape) > named and "..." not in term):
            raise OpError(
                f"einsum: subscripts {subscripts!r}: operand {k} has shape {shape}, but "
                f"{term!r} names {named} axes"
            )
        ranks.append(len(shape) - named)
    dots = _unused_letters(subscripts, max(ranks, default=0), subscripts)
    terms = [term.replace("...", dots[len(dots) - r :]) for term, r in zip(terms, ranks)]
    if output is None:
        joined = "".join(terms)
        output = dots + "".join(sorted(c for c in set(joined) - set(dots) if joined.count(c) == 1))
    elif "..." in output:
        output = output.replace("...", dots)
    elif dots:
        raise OpError(
            f"einsum: subscripts {subscripts!r}: the output needs '...' for the axes the "
            "operands' '...' stand for"
        )
    for c in output:
        if output.count(c) > 1 or c not in "".join(terms):
            raise OpError(
                f"einsum: subscripts {subscripts!r}: output letter {c!r} must name an axis "
                "of an operand, once"
            )
    return terms, output, dots


def _broadcast_letters(
    subscripts: str, terms: list[str], output: str, shapes: list[tuple[int, ...]], dots: str
) -> list[str]:
    """Every letter stands for one length: an axis of length 1 under a letter whose other
    axes are longer broadcasts (numpy and PyTorch) and gets a letter of its own, summed
    alone over its one element. Other lengths that differ are an error."""
    lengths: dict[str, int] = {}
    for term, shape in zip(terms, shapes):
        for c, n in zip(term, shape):
            first = shape[term.index(c)]  # a letter repeated in one operand: a diagonal
            known = lengths.get(c, n)
            if n != first or (n != known and 1 not in (n, known)):
                name = "'...'" if c in dots else repr(c)
                raise OpError(
                    f"einsum: subscripts {subscripts!r} do not fit shapes "
                    f"{', '.join(str(s) for s in shapes)}: axes of {name} have lengths "
                    f"{first if n != first else known} and {n}"
                )
            lengths[c] = known if n == 1 else n
    alone = [
        (k, c)
        for k, (term, shape) in enumerate(zip(terms, shapes))
        for c in dict.fromkeys(term)
        if shape[term.index(c)] == 1 != lengths[c]
    ]
    own = _unused_letters("".join(terms) + output, len(alone), subscripts)
    terms = list(terms)
    for (k, c), letter in zip(alone, own):
        terms[k] = terms[k].replace(c, letter)
    return terms


def _explicit(subscripts: str, shapes: list[tuple[int, ...]]) -> str:
    """The subscripts with every axis named by a letter of one length, output spelled out."""
    terms, output = _split(subscripts, len(shapes))
    terms, output, dots = _name_ellipsis(subscripts, terms, output, shapes)
    terms = _broadcast_letters(subscripts, terms, output, shapes, dots)
    return ",".join(terms) + "->" + output


def einsum(subscripts: str, *operands: Operand | Sequence[Tensor]) -> Tensor:
    """The sum of products the subscripts name (numpy's np.einsum, torch.einsum): explicit
    ('ij,jk->ik') or implicit ('ij,jk'), with '...' and broadcasting of length-1 axes.
    The operands may also come as one list, as PyTorch allows: einsum('ij,jk', [a, b])."""
    if not isinstance(subscripts, str):
        raise OpTypeError(
            f"einsum: the first argument must be the subscripts string, got "
            f"{type(subscripts).__name__}"
        )
    listed = operands[0] if len(operands) == 1 else None
    if isinstance(listed, (list, tuple)) and listed and all(isinstance(x, Tensor) for x in listed):
        operands = tuple(listed)  # PyTorch's einsum('ij,jk', [a, b])
    if not operands:
        raise OpError("einsum: need at least one operand")
    tensors = [_tensor(x, "einsum") for x in operands]
    explicit = _explicit(subscripts, [t.shape for t in tensors])
    return Einsum.apply(*tensors, subscripts=explicit)
