"""OpInfo records of the shape ops (see tests/opinfo.py for the conventions).

Ops that return a tuple (split, chunk, unbind) are recorded through an ``op`` that joins
the pieces in reverse order, so that the reference checks where each piece begins and
ends."""

import numpy as np

import autograd_core as ag

from .opinfo import Const, E, OpInfo, S, values


def _v(shape, rng):
    return values(shape, "real", rng)


# ---------------------------------------------------------------------------- references
def _np_pieces(a, sizes, axis):
    """``a`` cut into consecutive pieces of the given sizes along ``axis``."""
    return np.split(a, np.cumsum(sizes)[:-1], axis=axis)


def _split_sizes(n, spec):
    """PyTorch's meaning of split's argument: an int is the size of every piece."""
    if isinstance(spec, list):
        return spec
    return [min(spec, n - start) for start in range(0, max(n, 1), spec)]


def _np_split_reversed(a, spec, axis=0, dim=None):
    axis = axis if dim is None else dim
    return np.concatenate(_np_pieces(a, _split_sizes(a.shape[axis], spec), axis)[::-1], axis)


def _np_chunk_reversed(a, chunks, axis=0, dim=None):
    axis = axis if dim is None else dim
    n = a.shape[axis]
    sizes = [0] * chunks if n == 0 else _split_sizes(n, -(-n // chunks))
    return np.concatenate(_np_pieces(a, sizes, axis)[::-1], axis)


def _np_squeeze(a, axis=None, dim=None):
    """PyTorch's squeeze: a named axis whose length is not 1 stays."""
    axis = axis if dim is None else dim
    axes = range(a.ndim) if axis is None else np.atleast_1d(axis) % max(a.ndim, 1)
    return np.squeeze(a, axis=tuple(int(i) for i in axes if a.ndim and a.shape[i] == 1))


def _np_unsqueeze(a, axis=None, dim=None):
    axis = axis if dim is None else dim
    return np.expand_dims(a, axis % (a.ndim + 1))


def _np_flatten(a, start_dim=0, end_dim=-1):
    a = np.atleast_1d(a)
    start, end = start_dim % a.ndim, end_dim % a.ndim
    return a.reshape(a.shape[:start] + (-1,) + a.shape[end + 1 :])


def _np_repeat(a, repeats, axis=None, dim=None):
    return np.repeat(a, repeats, axis=axis if dim is None else dim)


def _np_pad(a, pad_width, value=0.0):
    return np.pad(a, pad_width, constant_values=value)


def _np_triangle(keep):
    def ref(a, k=0, diagonal=None):
        return keep(a, k if diagonal is None else diagonal)

    return ref


# ---------------------------------------------------------------------------- samples
def _flip_samples(info, rng):
    return [
        S(_v((2, 3), rng), name="all axes"),
        S(_v((2, 3), rng), 0, name="axis 0"),
        S(_v((2, 3), rng), axis=-1, name="axis -1"),
        S(_v((2, 3, 2), rng), dims=(0, 2), name="dims (0, 2)"),
        S(_v((2, 3), rng), dims=1, name="dims 1"),
        S(_v((), rng), name="0-d"),
        S(np.zeros((0, 3)), dims=(1,), name="empty"),
    ]


def _tile_samples(info, rng):
    return [
        S(_v((3,), rng), 2, name="1-d x2"),
        S(_v((2, 3), rng), (2, 1), name="(2, 1)"),
        S(_v((2, 3), rng), (2, 1, 2), name="longer reps"),
        S(_v((2, 3, 2), rng), (2,), name="shorter reps"),
        S(_v((2, 3), rng), (1, 1), name="ones"),
        S(_v((), rng), (3,), name="0-d"),
        S(_v((2, 3), rng), (0, 1), name="zero reps"),
        S(np.zeros((0, 3)), (2, 2), name="empty"),
    ]


def _repeat_samples(info, rng):
    return [
        S(_v((2, 3), rng), 2, name="flattened"),
        S(_v((2, 3), rng), [1, 0, 2], axis=1, name="per element"),
        S(_v((2, 3), rng), np.array([3, 1]), 0, name="int array"),
        S(_v((2, 3), rng), 2, dim=-1, name="dim -1"),
        S(_v((), rng), 3, name="0-d"),
        S(np.zeros((0, 3)), 2, axis=1, name="empty"),
    ]


def _pad_samples(info, rng):
    return [
        S(_v((2, 3), rng), 1, name="int"),
        S(_v((2, 3), rng), (0, 2), name="one pair"),
        S(_v((2, 3), rng), ((1, 0), (0, 2)), value=-1.5, name="per axis, value"),
        S(_v((3,), rng), [(2, 1)], name="1-d"),
        S(_v((2, 3, 2), rng), ((0, 0), (1, 1), (0, 1)), name="3-d"),
        S(_v((2, 3), rng), 0, name="no padding"),
        S(np.zeros((0, 3)), 1, name="empty"),
    ]


def _split_samples(info, rng):
    return [
        S(_v((5, 3), rng), 2, name="size 2"),
        S(_v((5, 3), rng), [1, 0, 4], name="sizes"),
        S(_v((2, 5), rng), 2, dim=1, name="dim 1"),
        S(_v((2, 5), rng), [3, 2], axis=-1, name="axis -1 sizes"),
        S(_v((2, 3), rng), 5, name="one piece"),
        S(np.zeros((0, 3)), 2, name="empty axis"),
    ]


def _chunk_samples(info, rng):
    return [
        S(_v((5, 3), rng), 4, name="5 into 4: sizes 2 2 1"),
        S(_v((6,), rng), 3, name="even"),
        S(_v((2, 5), rng), 2, dim=1, name="dim 1"),
        S(_v((2, 3), rng), 5, axis=-1, name="more chunks than elements"),
        S(np.zeros((0, 3)), 2, name="empty axis"),
    ]


def _unbind_samples(info, rng):
    return [
        S(_v((3, 2), rng), name="rows"),
        S(_v((2, 3, 2), rng), 1, name="axis 1"),
        S(_v((2, 3), rng), dim=-1, name="dim -1"),
        S(_v((4,), rng), name="1-d"),
        S(np.zeros((0, 3)), 1, name="empty"),
    ]


def _squeeze_samples(info, rng):
    return [
        S(_v((2, 1, 3, 1), rng), name="all"),
        S(_v((1, 3, 1), rng), 0, name="axis 0"),
        S(_v((1, 3, 1), rng), dim=(0, -1), name="dims (0, -1)"),
        S(_v((2, 1, 3), rng), dim=0, name="length 2: no-op"),
        S(_v((2, 1, 3), rng), (0, 1), name="one of two"),
        S(_v((), rng), name="0-d"),
        S(np.zeros((0, 1, 3)), name="empty"),
    ]


def _unsqueeze_samples(info, rng):
    return [
        S(_v((2, 3), rng), 0, name="front"),
        S(_v((2, 3), rng), dim=-1, name="dim -1: last"),
        S(_v((2, 3), rng), dim=-3, name="dim -3: first"),
        S(_v((2, 3), rng), 2, name="after the last"),
        S(_v((2, 3), rng), axis=1, name="middle"),
        S(_v((), rng), 0, name="0-d"),
        S(np.zeros((0, 3)), 1, name="empty"),
    ]


def _flatten_samples(info, rng):
    return [
        S(_v((2, 3, 2), rng), name="all"),
        S(_v((2, 3, 2), rng), 1, name="from 1"),
        S(_v((2, 3, 2), rng), 0, 1, name="0 to 1"),
        S(_v((2, 3, 2), rng), end_dim=-2, name="to -2"),
        S(_v((2, 3), rng), 1, 1, name="one axis"),
        S(_v((), rng), name="0-d"),
        S(np.zeros((0, 3)), name="empty"),
    ]


def _permute_samples(info, rng):
    return [
        S(_v((2, 3, 2), rng), 2, 0, 1, name="ints"),
        S(_v((2, 3, 2), rng), (1, 2, 0), name="tuple"),
        S(_v((2, 3, 2), rng), [-1, 0, 1], name="negative"),
        S(_v((2, 3), rng), 1, 0, name="2-d"),
        S(_v((), rng), name="0-d"),
        S(np.zeros((0, 3)), 1, 0, name="empty"),
    ]


def _outer_samples(info, rng):
    return [
        S(_v((3,), rng), _v((2,), rng), name="vectors"),
        S(_v((2, 2), rng), _v((3,), rng), name="matrix flattened"),
        S(_v((), rng), _v((3,), rng), name="0-d"),
        S(_v((3,), rng), Const(_v((2,), rng)), name="ndarray operand"),
        S(np.zeros((0,)), _v((3,), rng), name="empty"),
    ]


def _triangle_samples(info, rng):
    return [
        S(_v((3, 3), rng), name="square"),
        S(_v((3, 4), rng), 1, name="k 1"),
        S(_v((4, 3), rng), diagonal=-1, name="diagonal -1"),
        S(_v((2, 3, 3), rng), name="batched"),
        S(_v((3, 3), rng), 5, name="k past the corner"),
        S(np.zeros((0, 3)), name="empty"),
    ]


def _mm_samples(info, rng):
    return [
        S(_v((2, 3), rng), _v((3, 4), rng), name="(2, 3) (3, 4)"),
        S(_v((1, 1), rng), _v((1, 1), rng), name="1 x 1"),
        S(_v((2, 3), rng), Const(_v((3, 2), rng)), name="ndarray operand"),
        S(np.zeros((0, 3)), _v((3, 2), rng), name="empty rows"),
        S(np.zeros((2, 0)), np.zeros((0, 3)), name="empty inner"),
    ]


EINSUM_CASES = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 2)),
    ("ij,kj->ik", (2, 3), (2, 3)),
    ("i,i", (3,), (3,)),
    ("i,j->ij", (3,), (2,)),
    ("ij,ij->ij", (2, 3), (2, 3)),
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    ("ij,jk->", (2, 3), (3, 2)),
    ("ij,j->i", (2, 3), (3,)),
    ("ij,kl->ikl", (2, 3), (2, 2)),
    ("iij,jk->ik", (2, 2, 3), (3, 2)),
    ("ii,i->i", (3, 3), (3,)),
    ("...ij,...jk", (2, 2, 3), (3, 2)),
    ("ij,jk->ik", (2, 1), (3, 2)),
    ("Ab,bC", (2, 3), (3, 2)),
    (",i->i", (), (3,)),
    ("ij->ji", (2, 3)),
    ("ij->", (2, 3)),
    ("ij->i", (2, 3)),
    ("ii->i", (3, 3)),
    ("ii", (3, 3)),
    ("iji->j", (2, 3, 2)),
    ("...i->...", (2, 3, 2)),
    ("ij,jk,kl->il", (2, 3), (3, 2), (2, 2)),
]


def _einsum_samples(info, rng):
    out = [S(eq, *(_v(s, rng) for s in shapes), name=eq) for eq, *shapes in EINSUM_CASES]
    out.append(S("ij,jk", _v((2, 3), rng), Const(_v((3, 2), rng)), name="ndarray operand"))
    out.append(S("ij,jk->ik", np.zeros((0, 3)), _v((3, 2), rng), name="empty"))
    return out


# ---------------------------------------------------------------------------- errors
M = np.ones((2, 3))

_EINSUM_ERRORS = [
    E(ValueError, r"^einsum: subscripts 'ij,jk' name 2 operand\(s\), got 1", "ij,jk", M),
    E(
        ValueError,
        r"^einsum: subscripts 'ijk': operand 0 has shape \(2, 3\), but 'ijk' names 3 axes",
        "ijk",
        M,
    ),
    E(
        ValueError,
        r"^einsum: subscripts 'ij,jk' do not fit shapes \(2, 3\), \(2, 3\): axes of 'j' have "
        r"lengths 3 and 2",
        "ij,jk",
        M,
        M,
    ),
    E(ValueError, r"^einsum: .*'ii' .*axes of 'i' have lengths 2 and 3", "ii", M),
    E(ValueError, r"^einsum: .*'i1' must be letters", "i1", np.ones(2)),
    E(ValueError, r"^einsum: .*output letter 'k' must name an axis", "ij->k", M),
    E(
        ValueError,
        r"^einsum: .*output letter 'i' must name an axis of an operand, once",
        "ij->ii",
        M,
    ),
    E(ValueError, r"^einsum: .*the output needs '...'", "...j->j", M),
    E(ValueError, r"^einsum: need at least one operand", "ij"),
    E(TypeError, r"^einsum: the first argument must be the subscripts string", M, M),
]

_AXIS_3 = r"axis 3 is out of range for a tensor with 2 dimensions"

RECORDS = [
    OpInfo(
        "cat",
        lambda *xs, dim=0: ag.cat(list(xs), dim=dim),
        lambda *xs, dim=0: np.concatenate(xs, axis=dim),
        lambda info, rng: [
            S(_v((2, 3), rng), _v((2, 3), rng), name="dim 0"),
            S(_v((2, 3), rng), _v((2, 1), rng), dim=1, name="dim 1"),
            S(_v((2, 3), rng), _v((2, 2), rng), _v((2, 1), rng), dim=-1, name="three, dim -1"),
            S(np.zeros((0, 3)), _v((2, 3), rng), name="empty and full"),
        ],
        error_inputs=[
            E(ValueError, r"^concatenate: .*axis 2.* out of", M, M, dim=2),
            E(ValueError, r"^concatenate: need at least one tensor"),
        ],
        primitives_covered=("Concatenate",),
    ),
    OpInfo(
        "flip",
        ag.flip,
        lambda a, axis=None, dims=None: np.flip(a, axis if dims is None else dims),
        _flip_samples,
        error_inputs=[
            E(ValueError, rf"^flip: {_AXIS_3}", M, 3),
            E(TypeError, r"^flip: got axis=0 and dims=1; give one of them", M, 0, dims=1),
        ],
        primitives_covered=("Flip",),
    ),
    OpInfo(
        "tile",
        ag.tile,
        np.tile,
        _tile_samples,
        error_inputs=[
            E(ValueError, r"^tile: reps must not be negative", M, (2, -1)),
            E(TypeError, r"^tile: reps must be an int or a tuple of ints", M, 1.5),
        ],
        gradgrad_max_size=6,
        primitives_covered=("GetItem", "ScatterAdd"),
    ),
    OpInfo(
        "repeat_interleave",
        ag.repeat_interleave,
        _np_repeat,
        _repeat_samples,
        error_inputs=[
            E(ValueError, r"^repeat_interleave: repeats must be one int or one per", M, [1, 2], 1),
            E(ValueError, r"^repeat_interleave: repeats must not be negative", M, -1),
            E(ValueError, rf"^repeat_interleave: {_AXIS_3}", M, 2, 3),
        ],
        gradgrad_max_size=6,
        primitives_covered=("GetItem", "ScatterAdd"),
    ),
    OpInfo(
        "pad",
        ag.pad,
        _np_pad,
        _pad_samples,
        error_inputs=[
            E(ValueError, r"^pad: widths must not be negative", M, ((0, 0), (-1, 1))),
            E(ValueError, r"^pad: only mode='constant' is supported", M, 1, mode="reflect"),
            E(
                ValueError,
                r"^pad: pad_width \(1, 2, 3\) does not fit a tensor of shape",
                M,
                (1, 2, 3),
            ),
            E(TypeError, r"^pad: pad_width must hold ints", M, 1.5),
            E(TypeError, r"^pad: value must be a number, got 'reflect'", M, 1, "reflect"),
        ],
        primitives_covered=("Pad", "GetItem"),
    ),
    OpInfo(
        "split",
        lambda a, spec, axis=0, dim=None: ag.concatenate(
            ag.split(a, spec, axis, dim=dim)[::-1], axis=axis if dim is None else dim
        ),
        _np_split_reversed,
        _split_samples,
        error_inputs=[
            E(
                ValueError,
                r"^split: sizes \[1, 2\] must be non-negative ints that add up",
                M,
                [1, 2],
            ),
            E(ValueError, r"^split: split_size must be positive, got 0", M, 0),
            E(ValueError, r"^split: a 0-d tensor has no axis 0", np.ones(()), 1),
            E(ValueError, rf"^split: {_AXIS_3}", M, 1, 3),
        ],
        primitives_covered=("GetItem",),
    ),
    OpInfo(
        "chunk",
        lambda a, chunks, axis=0, dim=None: ag.concatenate(
            ag.chunk(a, chunks, axis, dim=dim)[::-1], axis=axis if dim is None else dim
        ),
        _np_chunk_reversed,
        _chunk_samples,
        error_inputs=[
            E(ValueError, r"^chunk: chunks must be positive, got 0", M, 0),
            E(TypeError, r"^chunk: chunks must be an int", M, 2.0),
        ],
        primitives_covered=("GetItem",),
    ),
    OpInfo(
        "unbind",
        lambda a, axis=0, dim=None: ag.stack(ag.unbind(a, axis, dim=dim)[::-1]),
        lambda a, axis=0, dim=None: np.flip(np.moveaxis(a, axis if dim is None else dim, 0), 0),
        _unbind_samples,
        error_inputs=[
            E(ValueError, rf"^unbind: {_AXIS_3}", M, 3),
            E(TypeError, r"^unbind: axis must be an int", M, (0, 1)),
        ],
        primitives_covered=("GetItem",),
    ),
    OpInfo(
        "squeeze",
        ag.squeeze,
        _np_squeeze,
        _squeeze_samples,
        error_inputs=[
            E(ValueError, rf"^squeeze: {_AXIS_3}", M, 3),
            E(TypeError, r"^squeeze: got axis=0 and dim=1; give one of them", M, 0, dim=1),
        ],
        primitives_covered=("Reshape",),
    ),
    OpInfo(
        "unsqueeze",
        ag.unsqueeze,
        _np_unsqueeze,
        _unsqueeze_samples,
        error_inputs=[
            E(
                ValueError,
                r"^unsqueeze: axis 3 is out of range \[-3, 2\] for a tensor with 2 dimensions",
                M,
                3,
            ),
            E(TypeError, r"^unsqueeze: give the position of the new axis", M),
            E(TypeError, r"^unsqueeze: axis must be an int", M, (0, 1)),
        ],
        primitives_covered=("Reshape",),
    ),
    OpInfo(
        "flatten",
        ag.flatten,
        _np_flatten,
        _flatten_samples,
        error_inputs=[
            E(ValueError, r"^flatten: start_dim 1 comes after end_dim 0", M, 1, 0),
            E(ValueError, rf"^flatten: {_AXIS_3}", M, 3),
        ],
        primitives_covered=("Reshape",),
    ),
    OpInfo(
        "permute",
        ag.permute,
        lambda a, *dims: np.transpose(
            a, dims[0] if dims and isinstance(dims[0], (tuple, list)) else dims
        ),
        _permute_samples,
        error_inputs=[
            E(ValueError, r"^permute: dims \(1,\) must name each of the 2 axes", M, 1),
            E(ValueError, r"^permute: repeated axis in \(0, 0\)", M, 0, 0),
            E(ValueError, rf"^permute: {_AXIS_3}", M, 0, 3),
        ],
        primitives_covered=("Transpose",),
    ),
    OpInfo(
        "outer",
        ag.outer,
        np.outer,
        _outer_samples,
        primitives_covered=("Reshape", "Mul"),
    ),
    OpInfo(
        "triu",
        ag.triu,
        _np_triangle(np.triu),
        _triangle_samples,
        error_inputs=[
            E(
                ValueError,
                r"^triu: needs a tensor with at least 2 dimensions, got shape \(3,\)",
                np.ones(3),
            ),
            E(TypeError, r"^triu: got k=1 and diagonal=2; give one of them", M, 1, diagonal=2),
        ],
        primitives_covered=("Where",),
    ),
    OpInfo(
        "tril",
        ag.tril,
        _np_triangle(np.tril),
        _triangle_samples,
        error_inputs=[
            E(ValueError, r"^tril: needs a tensor with at least 2 dimensions", np.ones(())),
            E(TypeError, r"^tril: the diagonal must be an int", M, 0.5),
        ],
        primitives_covered=("Where",),
    ),
    OpInfo(
        "mm",
        ag.mm,
        np.matmul,
        _mm_samples,
        error_inputs=[
            E(
                ValueError,
                r"^mm: both operands must be 2-d matrices, got shapes \(3,\) and \(3, 2\)",
                np.ones(3),
                np.ones((3, 2)),
            ),
            E(ValueError, r"^mm: inner dimensions do not match: \(2, 3\) @ \(2, 3\)", M, M),
        ],
        gradgrad_max_size=30,
        primitives_covered=("MatMul",),
    ),
    OpInfo(
        "einsum",
        ag.einsum,
        np.einsum,
        _einsum_samples,
        error_inputs=_EINSUM_ERRORS,
        gradgrad_max_size=24,
        primitives_covered=("Einsum",),
    ),
]
