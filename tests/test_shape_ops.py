"""Shape and linear-algebra ops with PyTorch's meaning where it differs from numpy's: split and
chunk sizes, squeeze of a longer axis (a no-op), unsqueeze's negative dims, cat/stack with
dim=, flip/tile/repeat_interleave/pad, triu/tril, mm, outer, and einsum (values against
matmul/outer/trace, gradients through repeated letters and broadcasting, errors). Where
PyTorch is installed, the same calls are compared with it."""

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf

RNG = np.random.default_rng(18)


def _x(*shape):
    return leaf(RNG.standard_normal(shape))


def _shapes(pieces):
    return [p.shape for p in pieces]


# ---------------------------------------------------------------------------- split, chunk
def test_split_int_is_the_size_of_each_piece_not_the_number_of_pieces():
    """PyTorch: split(x, 2) cuts pieces of 2 (the last smaller); np.split(x, 2) would cut
    two halves."""
    x = ag.arange(5.0)
    pieces = ag.split(x, 2)
    assert _shapes(pieces) == [(2,), (2,), (1,)]
    np.testing.assert_array_equal(pieces[2].data, [4.0])
    assert _shapes(ag.split(x, 7)) == [(5,)]


def test_split_list_gives_sizes_not_split_points():
    """[2, 4] are the sizes of two pieces (np.split would read split points: three pieces)."""
    x = ag.arange(6.0)
    first, second = ag.split(x, [2, 4])
    np.testing.assert_array_equal(first.data, [0.0, 1.0])
    np.testing.assert_array_equal(second.data, [2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ag.OpError, match=r"^split: sizes \[2, 2\] .*add up to the length 6"):
        ag.split(x, [2, 2])


def test_split_along_a_dim_and_of_an_empty_axis():
    x = _x(2, 5)
    assert _shapes(ag.split(x, 2, dim=1)) == [(2, 2), (2, 2), (2, 1)]
    assert _shapes(ag.split(x, [1, 4], axis=-1)) == [(2, 1), (2, 4)]
    assert _shapes(ag.split(ag.zeros((0, 3)), 2)) == [(0, 3)]  # one empty piece, as PyTorch


def test_chunk_cuts_pieces_of_ceil_n_over_chunks():
    """5 elements into 4 chunks: pieces of ceil(5/4) = 2, so only 3 pieces (2, 2, 1)."""
    assert _shapes(ag.chunk(ag.arange(5.0), 4)) == [(2,), (2,), (1,)]
    assert _shapes(ag.chunk(ag.arange(6.0), 4)) == [(2,), (2,), (2,)]
    assert _shapes(ag.chunk(ag.arange(6.0), 3)) == [(2,), (2,), (2,)]
    assert _shapes(ag.chunk(_x(2, 3), 2, dim=1)) == [(2, 2), (2, 1)]
    assert _shapes(ag.chunk(ag.zeros((0, 2)), 3)) == [(0, 2)] * 3


def test_unbind_gives_the_slices_without_the_axis():
    x = _x(2, 3)
    columns = ag.unbind(x, dim=1)
    assert len(columns) == 3 and _shapes(columns) == [(2,)] * 3
    np.testing.assert_array_equal(columns[1].data, x.data[:, 1])


def test_pieces_are_views_and_carry_gradients_to_their_slices():
    """As in PyTorch, pieces share the tensor's memory; the gradient of each lands in its
    slice (and only there)."""
    x = _x(5, 2)
    a, b, c = ag.split(x, 2)
    assert np.shares_memory(a.data, x.data)
    (a.sum() + 3.0 * c.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [1, 1], [0, 0], [0, 0], [3, 3]])


# ---------------------------------------------------------------------------- squeeze
def test_squeeze_of_an_axis_longer_than_1_is_a_no_op():
    """PyTorch leaves such an axis alone (numpy's np.squeeze raises)."""
    x = _x(2, 1, 3)
    assert ag.squeeze(x, 0).shape == (2, 1, 3)
    assert ag.squeeze(x, dim=(0, 1)).shape == (2, 3)
    assert ag.squeeze(x).shape == (2, 3)
    assert ag.squeeze(_x(1, 1)).shape == ()


@pytest.mark.parametrize(("dim", "shape"), [(0, (1, 2, 3)), (2, (2, 3, 1)), (-1, (2, 3, 1))])
def test_unsqueeze_counts_negative_dims_from_the_end_of_the_result(dim, shape):
    """dim in [-ndim-1, ndim]: -1 is a new last axis, -3 a new first one."""
    assert ag.unsqueeze(_x(2, 3), dim=dim).shape == shape


def test_unsqueeze_negative_middle_and_out_of_range():
    assert ag.unsqueeze(_x(2, 3), -2).shape == (2, 1, 3)
    assert ag.unsqueeze(_x(2, 3), -3).shape == (1, 2, 3)
    for bad in (3, -4):
        with pytest.raises(ag.OpError, match=rf"^unsqueeze: axis {bad} is out of range"):
            ag.unsqueeze(_x(2, 3), bad)


def test_flatten_and_permute():
    x = _x(2, 3, 4)
    assert ag.flatten(x).shape == (24,)
    assert ag.flatten(x, 1).shape == (2, 12)
    assert ag.flatten(x, 0, -2).shape == (6, 4)
    assert ag.flatten(ag.tensor(1.5)).shape == (1,)
    np.testing.assert_array_equal(ag.permute(x, 2, 0, 1).data, ag.permute(x, (2, 0, 1)).data)
    assert ag.permute(x, [-1, 0, 1]).shape == (4, 2, 3)


def test_transpose_refuses_axes_out_of_range():
    """(0, 5) used to wrap around to (0, 1); numpy and PyTorch refuse it."""
    with pytest.raises(ag.OpError, match=r"^transpose: axes \(0, 5\) are not a permutation"):
        ag.transpose(_x(2, 3), (0, 5))
    with pytest.raises(ag.OpError, match=r"^permute: axis 5 is out of range"):
        ag.permute(_x(2, 3), 0, 5)


def test_gradients_through_a_chain_of_the_new_ops():
    """pad, flip, split, cat, unsqueeze, tile, triu, einsum, squeeze in one function:
    reverse and forward mode against central differences, and second order."""

    def f(x, w):
        top, rest = ag.split(ag.flip(ag.pad(x, ((1, 0), (0, 1))), dims=1), [2, 1])
        y = ag.cat([rest, top], dim=0)  # (3, 4)
        y = ag.triu(ag.tile(ag.unsqueeze(y, 0), (2, 1, 1)), 1)  # (2, 3, 4)
        return ag.squeeze(ag.einsum("bij,jk->bik", y, w), dim=-1)

    x, w = _x(2, 3), _x(4, 1)
    assert ag.gradcheck(f, [x, w], check_forward=True)
    assert ag.gradgradcheck(f, [x, w], check_forward=True)


# ---------------------------------------------------------------------------- cat, stack
def test_cat_and_stack_take_dim_and_axis():
    a, b = _x(2, 3), _x(2, 1)
    np.testing.assert_array_equal(ag.cat([a, b], dim=1).data, np.hstack([a.data, b.data]))
    np.testing.assert_array_equal(ag.cat([a, b], 1).data, ag.concatenate([a, b], axis=1).data)
    np.testing.assert_array_equal(ag.cat([a, b], axis=-1).data, ag.cat((a, b), -1).data)
    np.testing.assert_array_equal(ag.concatenate([a, b], dim=1).data, ag.cat([a, b], 1).data)
    assert ag.cat([a, a]).shape == (4, 3)
    assert ag.stack([a, a], dim=2).shape == (2, 3, 2)
    assert ag.stack([a, a], axis=-1).shape == (2, 3, 2)


def test_cat_and_stack_refuse_two_different_axes():
    a = _x(2, 3)
    with pytest.raises(TypeError, match=r"^cat: got dim=1 and axis=0; give one of them"):
        ag.cat([a, a], 1, axis=0)
    with pytest.raises(TypeError, match=r"^stack: got axis=1 and dim=0"):
        ag.stack([a, a], 1, dim=0)
    with pytest.raises(TypeError, match=r"^concatenate: got axis=1 and dim=0"):
        ag.concatenate([a, a], 1, dim=0)


# ---------------------------------------------------------------------------- flip, tile, pad
def test_flip_copies_as_pytorch_does():
    """np.flip returns a view; PyTorch's flip (and this one) a tensor of its own."""
    x = _x(2, 3)
    y = ag.flip(x, dims=(1,))
    np.testing.assert_array_equal(y.data, x.data[:, ::-1])
    assert not np.shares_memory(y.data, x.data)
    np.testing.assert_array_equal(ag.flip(x).data, x.data[::-1, ::-1])
    with pytest.raises(ag.OpError, match=r"^flip: axis 2 is out of range"):
        ag.flip(x, 2)


def test_tile_is_pytorchs_repeat_and_repeat_interleave_is_numpys_repeat():
    """There is no ag.repeat: the name means tile in PyTorch and repeat_interleave in numpy."""
    x = ag.tensor([1.0, 2.0])
    np.testing.assert_array_equal(ag.tile(x, 2).data, [1, 2, 1, 2])
    np.testing.assert_array_equal(ag.repeat_interleave(x, 2).data, [1, 1, 2, 2])
    np.testing.assert_array_equal(ag.repeat_interleave(x, [0, 3]).data, [2, 2, 2])
    assert ag.tile(x, (3, 1)).shape == (3, 2)
    assert not hasattr(ag, "repeat") and not hasattr(ag.ops, "repeat")


def test_tile_and_repeat_interleave_gradients_sum_the_copies():
    x = _x(2, 3)
    ag.tile(x, (2, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 6.0))
    x.zero_grad()
    ag.repeat_interleave(x, ag.tensor(np.array([1, 0, 4])), dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 0, 4], [1, 0, 4]])


def test_repeat_interleave_with_a_tensor_of_counts_is_recomputed_by_compile():
    """Counts that are a tensor argument are data: a compiled function reads the new ones."""

    def f(x, counts):
        return ag.repeat_interleave(x, counts)

    compiled = ag.compile(f)
    x = _x(3)
    first = compiled(x, ag.tensor(np.array([1, 2, 1])))
    second = compiled(x, ag.tensor(np.array([2, 1, 1])))
    np.testing.assert_array_equal(first.data, np.repeat(x.data, [1, 2, 1]))
    np.testing.assert_array_equal(second.data, np.repeat(x.data, [2, 1, 1]))


def test_pad_widths_follow_numpy_and_the_gradient_drops_the_padding():
    x = _x(2, 3)
    y = ag.pad(x, ((0, 1), (2, 0)), value=7.0)
    np.testing.assert_array_equal(y.data, np.pad(x.data, ((0, 1), (2, 0)), constant_values=7))
    assert ag.pad(x, 1).shape == (4, 5) and ag.pad(x, (0, 2)).shape == (4, 5)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)


def test_pad_keeps_float32():
    x = ag.tensor(np.ones((2, 2), np.float32))
    assert ag.pad(x, 1, value=0.5).dtype == np.float32


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((-1,), {}, ag.OpError, r"^pad: widths must not be negative"),
        ((((1, 2), (3, -1)),), {}, ag.OpError, r"^pad: widths must not be negative"),
        ((1,), {"mode": "edge"}, ag.OpError, r"^pad: only mode='constant' is supported"),
        ((((1, 1), (1, 1), (1, 1)),), {}, ag.OpError, r"^pad: pad_width .* does not fit"),
        ((1.0,), {}, TypeError, r"^pad: pad_width must hold ints"),
        (([[1], [1, 2]],), {}, TypeError, r"^pad: pad_width must hold ints"),
        ((1, "reflect"), {}, TypeError, r"^pad: value must be a number"),
    ],
)
def test_pad_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        ag.pad(_x(2, 3), *args, **kwargs)


# ---------------------------------------------------------------------------- triu, mm, outer
def test_triu_and_tril_mask_values_and_gradients_on_the_last_two_axes():
    x = _x(2, 3, 3)
    np.testing.assert_array_equal(ag.triu(x, 1).data, np.triu(x.data, 1))
    np.testing.assert_array_equal(ag.tril(x, diagonal=-1).data, np.tril(x.data, -1))
    ag.triu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(np.triu(np.ones((3, 3))), x.shape))


def test_triu_sets_infinite_entries_outside_the_triangle_to_zero():
    """A mask selects (where), it does not multiply: inf * 0 would give nan."""
    x = ag.tensor([[1.0, 2.0], [np.inf, 3.0]])
    np.testing.assert_array_equal(ag.triu(x).data, [[1.0, 2.0], [0.0, 3.0]])


def test_mm_takes_matrices_only_and_outer_flattens():
    a, b = _x(2, 3), _x(3, 4)
    np.testing.assert_array_equal(ag.mm(a, b).data, (a @ b).data)
    with pytest.raises(ag.OpError, match=r"^mm: .*shapes \(2, 3\) and \(3,\)"):
        ag.mm(a, _x(3))
    with pytest.raises(ag.OpError, match=r"^mm: .*shapes \(2, 2, 3\) and \(3, 4\)"):
        ag.mm(_x(2, 2, 3), b)
    np.testing.assert_allclose(ag.outer(a, _x(2)).shape, (6, 2))


# ---------------------------------------------------------------------------- einsum
def test_einsum_matches_matmul_outer_trace_diagonal_and_transpose():
    a, b, s = _x(2, 3), _x(3, 4), _x(3, 3)
    v, w = _x(3), _x(2)
    np.testing.assert_allclose(ag.einsum("ij,jk->ik", a, b).data, (a @ b).data, rtol=1e-14)
    np.testing.assert_allclose(ag.einsum("ij,jk", a, b).data, (a @ b).data, rtol=1e-14)
    np.testing.assert_allclose(ag.einsum("i,j->ij", v, w).data, ag.outer(v, w).data)
    np.testing.assert_allclose(ag.einsum("ii", s).data, np.trace(s.data), rtol=1e-14)
    np.testing.assert_array_equal(ag.einsum("ii->i", s).data, np.diag(s.data))
    np.testing.assert_array_equal(ag.einsum("ij->ji", a).data, a.data.T)
    np.testing.assert_allclose(ag.einsum("ij->", a).data, a.data.sum(), rtol=1e-14)
    batch = ag.einsum("bij,bjk->bik", _x(4, 2, 3), _x(4, 3, 5))
    assert batch.shape == (4, 2, 5)


def test_einsum_implicit_output_is_sorted_and_operands_may_come_as_a_list():
    """Implicit mode: the letters seen once, alphabetically (capitals first), as numpy."""
    a, b = _x(2, 3), _x(3, 4)
    np.testing.assert_allclose(ag.einsum("jk,ij", b, a).data, (a @ b).data, rtol=1e-14)
    np.testing.assert_allclose(ag.einsum("ij,jk", [a, b]).data, (a @ b).data, rtol=1e-14)
    assert ag.einsum("ba,Ab", a, _x(4, 2)).shape == (4, 3)  # "Aa": A before a


def test_einsum_output_owns_its_memory():
    """np.einsum gives views for 'ij->ji' and 'ii->i'; a result here is a tensor of its own."""
    s = _x(3, 3)
    for eq in ("ij->ji", "ii->i"):
        assert not np.shares_memory(ag.einsum(eq, s).data, s.data)


EINSUM_GRADS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("ij->i", [(2, 3)]),
    ("ij,kl->", [(2, 3), (2, 2)]),
    ("ij,jk", [(2, 1), (3, 4)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (4, 3, 2)]),
    ("b...,b->...", [(2, 3), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ii,ij->j", [(2, 2), (2, 3)]),
]


@pytest.mark.parametrize(("eq", "shapes"), EINSUM_GRADS, ids=[eq for eq, _ in EINSUM_GRADS])
def test_einsum_gradients_in_both_modes_and_second_order(eq, shapes):
    """Diagonals (repeated letters), letters summed in one operand alone, length-1 axes that
    broadcast and '...': reverse and forward mode match central differences."""
    xs = [_x(*s) for s in shapes]
    np.testing.assert_allclose(
        ag.einsum(eq, *xs).data, np.einsum(eq, *[x.data for x in xs]), rtol=1e-13, atol=1e-14
    )
    assert ag.gradcheck(lambda *t: ag.einsum(eq, *t), xs, check_forward=True)
    assert ag.gradgradcheck(lambda *t: ag.einsum(eq, *t), xs, check_forward=True)


def _random_einsum(rng):
    """Random subscripts over letters a-d (repeats, a length-1 axis now and then) and shapes."""
    lengths = {"a": 2, "b": 3, "c": 1, "d": 2}
    terms = [
        "".join(rng.choice(list("abcd"), rng.integers(0, 4))) for _ in range(rng.integers(1, 4))
    ]
    eq = ",".join(terms)
    if rng.random() < 0.6:  # explicit: some of the letters, in some order
        letters = rng.permutation(sorted(set(eq) - {","}))
        eq += "->" + "".join(letters[: rng.integers(0, len(letters) + 1)])
    shapes = [
        tuple(1 if t.count(c) == 1 and rng.random() < 0.2 else lengths[c] for c in t) for t in terms
    ]
    return eq, shapes


@pytest.mark.parametrize("seed", range(40))
def test_random_einsums_match_numpy_and_central_differences(seed):
    rng = np.random.default_rng(seed)
    eq, shapes = _random_einsum(rng)
    xs = [leaf(rng.standard_normal(s)) for s in shapes]
    expected = np.einsum(eq, *[x.data for x in xs])
    out = ag.einsum(eq, *xs)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert ag.gradcheck(lambda *t: ag.einsum(eq, *t), xs, check_forward=True)


def test_einsum_diagonal_gradient_is_zero_off_the_diagonal():
    s = _x(3, 3)
    ag.einsum("ii", s).backward()
    np.testing.assert_array_equal(s.grad.data, np.eye(3))


@pytest.mark.parametrize(
    ("eq", "shapes", "match"),
    [
        ("ij,jk->ik", [(2, 3)], r"name 2 operand\(s\), got 1"),
        ("ij", [(2, 3, 4)], r"operand 0 has shape \(2, 3, 4\), but 'ij' names 2 axes"),
        ("ij,jk", [(2, 3), (4, 5)], r"do not fit shapes \(2, 3\), \(4, 5\): axes of 'j'"),
        ("...i,...i", [(2, 3), (4, 3)], r"axes of '...' have lengths 2 and 4"),
        ("ii", [(2, 1)], r"axes of 'i' have lengths 2 and 1"),
        ("i.j", [(2, 3)], r"'i.j' must be letters"),
        ("ij->i->j", [(2, 3)], r"must be letters"),
        ("ij->ki", [(2, 3)], r"output letter 'k' must name an axis"),
        ("...ij->ij", [(4, 2, 3)], r"the output needs '...'"),
    ],
)
def test_einsum_errors_name_the_subscripts_and_shapes(eq, shapes, match):
    with pytest.raises(ag.OpError, match=r"^einsum: .*" + match):
        ag.einsum(eq, *[_x(*s) for s in shapes])


# ---------------------------------------------------------------------------- PyTorch
def _torch_cases():
    return [
        ("split int", lambda m, x: m.split(x, 2, dim=1)),
        ("split sizes", lambda m, x: m.split(x, [1, 4], dim=1)),
        ("chunk", lambda m, x: m.chunk(x, 4, dim=1)),
        ("unbind", lambda m, x: m.unbind(x, dim=1)),
        ("squeeze no-op", lambda m, x: (m.squeeze(x, dim=0),)),
        ("unsqueeze -1", lambda m, x: (m.unsqueeze(x, dim=-1),)),
        ("flatten", lambda m, x: (m.flatten(x),)),
        ("flip", lambda m, x: (m.flip(x, dims=(0,)),)),
        ("tril", lambda m, x: (m.tril(x, diagonal=1),)),
        ("cat", lambda m, x: (m.cat([x, x], dim=1),)),
        ("einsum", lambda m, x: (m.einsum("ij,kj->ik", x, x),)),
        ("einsum trace", lambda m, x: (m.einsum("ii", x[:, :2]),)),
        ("repeat_interleave", lambda m, x: (m.repeat_interleave(x, 2, dim=0),)),
        ("tile", lambda m, x: (m.tile(x, (2, 1)),)),
    ]


@pytest.mark.parametrize(("name", "call"), _torch_cases(), ids=[n for n, _ in _torch_cases()])
def test_same_values_as_pytorch(name, call):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 5))
    ours = call(ag, ag.tensor(x))
    theirs = call(torch, torch.tensor(x))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-12, atol=1e-12)
