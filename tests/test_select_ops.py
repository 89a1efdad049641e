"""Behaviour of the reductions and selection ops that OpInfo cannot express: PyTorch's
spellings next to numpy's (dim/keepdim, max(a, dim) giving values and indices, correction=
and unbiased=), the named tuples, tie rules, zero gradients at zeros of a product, errors,
and ag.compile recomputing indices. Where PyTorch is installed, some results are compared
with its own."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops


def _leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def _central_differences(f, x, eps=1e-6):
    """d f(x).sum() / dx by central differences, one element at a time."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up).sum() - f(down).sum()) / (2 * eps)
    return grad


# ---------------------------------------------------------------------------- max / min
@pytest.mark.parametrize("batch", [1, 2])
def test_the_notes_line_max_of_outputs_data_along_1_gives_the_predicted_classes(batch):
    """``_, predict = ag.max(outputs.data, 1)``, the notes' (and PyTorch tutorials') way of
    reading the predicted class, gives the argmax of each row, as int64."""
    rng = np.random.default_rng(batch)
    w = _leaf(rng.standard_normal((4, 3)))
    outputs = ag.tensor(rng.standard_normal((batch, 4))) @ w
    _, predict = ag.max(outputs.data, 1)
    assert predict.shape == (batch,) and predict.dtype == np.int64
    np.testing.assert_array_equal(predict.data, np.argmax(outputs.data, axis=1))


def test_max_along_a_dim_is_a_named_tuple_of_values_and_indices():
    x = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    result = ag.max(x, 1)
    assert isinstance(result, tuple) and result._fields == ("values", "indices")
    values, indices = result
    assert values is result.values and indices is result.indices
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert ag.max(x, dim=1).indices.tolist() == [1, 0]
    assert ag.min(x, 0).values.tolist() == [1.0, 0.0, 2.0]
    assert ag.min(x, 0).indices.tolist() == [0, 1, 0]
    assert not indices.requires_grad and indices.dtype == np.int64


def test_max_values_along_dim_equal_the_numpy_spelling_axis():
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    np.testing.assert_array_equal(ag.max(x, 1).values.data, ag.max(x, axis=1).data)
    np.testing.assert_array_equal(x.max(1).values.data, x.max(axis=1).data)
    np.testing.assert_array_equal(x.min(dim=0).values.data, x.min(axis=0).data)
    assert isinstance(ag.max(x, axis=1), ag.Tensor)  # axis=: the values, as numpy
    assert isinstance(ag.max(x, axis=(0, 1)), ag.Tensor)
    assert ag.max(x).shape == () and ag.max(x).item() == x.data.max()


def test_keepdim_keeps_the_axis_in_values_and_indices():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    values, indices = ag.max(x, 1, keepdim=True)
    assert values.shape == indices.shape == (2, 1)
    assert ag.min(x, dim=0, keepdims=True).indices.shape == (1, 3)
    assert ag.max(x, axis=1, keepdims=True).shape == (2, 1)


def test_max_of_two_tensors_is_the_elementwise_maximum():
    a, b = _leaf([1.0, 5.0, 2.0]), _leaf([3.0, 0.0, 2.0])
    out = ag.max(a, b)
    assert isinstance(out, ag.Tensor) and out.tolist() == [3.0, 5.0, 2.0]
    out.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 0.5] and b.grad.tolist() == [1.0, 0.0, 0.5]
    assert ag.min(a, b).tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(TypeError, match=r"^max: max\(a, other\) compares two tensors"):
        ag.max(a, b, keepdim=True)


def test_max_values_share_tied_gradients_evenly_and_indices_name_the_first():
    """The values' gradient is the Max primitive's (ties share evenly, as amax); PyTorch's
    max(a, dim) sends it all to the returned index instead (documented difference)."""
    x = _leaf([[2.0, 2.0, 1.0], [0.0, 3.0, 3.0]])
    values, indices = ag.max(x, 1)
    assert indices.tolist() == [0, 1]
    values.sum().backward()
    assert x.grad.tolist() == [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]


def test_amax_and_amin_reduce_over_several_dims():
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)))
    np.testing.assert_array_equal(ag.amax(x, dim=(0, 2)).data, x.data.max(axis=(0, 2)))
    np.testing.assert_array_equal(
        ag.amin(x, (0, 1), keepdim=True).data, x.data.min(axis=(0, 1), keepdims=True)
    )


@pytest.mark.parametrize("op", [ag.max, ag.min])
def test_max_and_min_refuse_a_tuple_dim_and_two_axis_spellings(op):
    name = op.__name__
    x = ag.tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=rf"^{name}: dim=\(0, 1\) must be one int.*a{name}"):
        op(x, (0, 1))
    with pytest.raises(TypeError, match=rf"^{name}: got axis=0 and dim=1; give one of them"):
        op(x, 1, axis=0)


# ---------------------------------------------------------------------------- argmax / argmin
def test_argmax_and_argmin_take_the_first_of_tied_elements():
    x = ag.tensor([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]])
    assert ag.argmax(x, 1).tolist() == [1, 2]
    assert ag.argmin(x, dim=1).tolist() == [0, 0]
    assert ag.argmax(x).item() == 1  # into the flattened tensor, as numpy and PyTorch
    assert ag.argmax(x, 1, keepdim=True).shape == (2, 1)
    assert ag.argmax(x).dtype == np.int64 and not ag.argmax(x).requires_grad
    assert ag.argmax(ag.tensor(4.0), 0).item() == 0  # a 0-d tensor's one element


def test_argmax_refuses_an_empty_axis_and_a_tuple():
    with pytest.raises(ValueError, match=r"^argmax: cannot reduce over an empty axis"):
        ag.argmax(ag.tensor(np.ones((0, 3))), 0)
    with pytest.raises(TypeError, match=r"^argmin: axis must be an int, got \(0, 1\)"):
        ag.argmin(ag.tensor(np.ones((2, 3))), (0, 1))


# ---------------------------------------------------------------------------- sort / topk
def test_sort_is_stable_ascending_and_descending():
    x = ag.tensor([3.0, 1.0, 3.0, 2.0, 1.0])
    values, indices = ag.sort(x)
    assert values.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0] and indices.tolist() == [1, 4, 3, 0, 2]
    values, indices = ag.sort(x, descending=True)
    assert values.tolist() == [3.0, 3.0, 2.0, 1.0, 1.0] and indices.tolist() == [0, 2, 3, 1, 4]
    assert ag.argsort(x, descending=True).tolist() == [0, 2, 3, 1, 4]
    assert ag.sort(x, stable=True).indices.tolist() == [1, 4, 3, 0, 2]


def test_sort_puts_nan_last_ascending_and_first_descending_and_keeps_signed_zeros_in_order():
    x = ag.tensor([0.0, np.nan, -0.0, -1.0])
    assert ag.sort(x).indices.tolist() == [3, 0, 2, 1]
    assert ag.sort(x, descending=True).indices.tolist() == [1, 0, 2, 3]


def test_sort_along_a_dim_and_its_gradient_goes_back_to_the_sorted_positions():
    x = _leaf([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    values, indices = ag.sort(x, dim=0, descending=True)
    assert indices.tolist() == [[0, 1, 1], [1, 0, 0]]
    assert values.tolist() == [[3.0, 5.0, 4.0], [0.0, 1.0, 2.0]]
    (values * ag.tensor([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 20.0, 30.0], [10.0, 2.0, 3.0]]


def test_topk_gives_the_k_largest_sorted_and_the_first_of_ties():
    x = _leaf([1.0, 4.0, 2.0, 4.0, 0.5])
    values, indices = ag.topk(x, 3)
    assert values.tolist() == [4.0, 4.0, 2.0] and indices.tolist() == [1, 3, 2]
    smallest = ag.topk(x, 2, largest=False, sorted=False)
    assert smallest.values.tolist() == [0.5, 1.0] and smallest.indices.tolist() == [4, 0]
    values.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert ag.topk(ag.tensor(np.ones((2, 3))), 1, dim=0).values.shape == (1, 3)


def test_topk_refuses_k_larger_than_the_axis():
    x = ag.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^topk: k=4 is out of range for axis 1 of size 3"):
        ag.topk(x, 4)
    with pytest.raises(ValueError, match=r"^topk: k=3 is out of range for axis 0 of size 2"):
        ag.topk(x, 3, dim=0)


def test_sort_of_a_0d_tensor_is_the_tensor_and_index_0():
    values, indices = ag.sort(_leaf(2.5))
    assert values.shape == indices.shape == () and values.item() == 2.5 and indices.item() == 0


# ---------------------------------------------------------------------------- prod, cumsum
@pytest.mark.parametrize(
    "x, expected",
    [
        ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
        ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),  # one zero: there, the product of the others
        ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),  # two zeros: zero everywhere
    ],
)
def test_prod_gradient_is_the_product_of_the_others_even_at_zeros(x, expected):
    leaf = _leaf(x)
    ag.prod(leaf).backward()
    assert leaf.grad.tolist() == expected
    np.testing.assert_allclose(expected, _central_differences(np.prod, np.array(x)), atol=1e-8)


def test_prod_gradients_with_zeros_match_central_differences_along_axes():
    x = np.array([[[0.0, 1.5], [2.0, -1.0]], [[0.0, 0.0], [0.5, 3.0]], [[1.2, 0.7], [0.0, 2.0]]])
    for axis in (None, 0, (1, 2), -1):
        leaf = _leaf(x)
        ag.prod(leaf, dim=axis).sum().backward()
        expected = _central_differences(lambda v, axis=axis: np.prod(v, axis=axis), x)
        np.testing.assert_allclose(leaf.grad.data, expected, atol=1e-8)
    assert ag.gradgradcheck(lambda v: ag.prod(v, 1), [_leaf(x[1])], check_forward=True)


def test_cumsum_gradient_is_the_running_sum_from_the_end():
    x = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = ag.cumsum(x, dim=1)
    assert out.tolist() == [[1.0, 3.0, 6.0], [4.0, 9.0, 15.0]]
    (out * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [[111.0, 110.0, 100.0]] * 2
    assert ag.cumsum(x).shape == (6,)  # axis None: the flattened tensor, as numpy


# ---------------------------------------------------------------------------- var, std
def test_var_and_std_default_to_numpys_ddof_0_and_take_pytorchs_corrections():
    data = np.random.default_rng(2).standard_normal((3, 5))
    x = ag.tensor(data)
    assert ag.var(x).item() == pytest.approx(np.var(data))
    assert ag.std(x).item() == pytest.approx(np.std(data))
    for kwargs, ddof in (
        ({"unbiased": True}, 1),
        ({"unbiased": False}, 0),
        ({"correction": 1}, 1),
        ({"correction": 2}, 2),
        ({"ddof": 1, "correction": 1}, 1),
    ):
        np.testing.assert_allclose(
            ag.var(x, dim=1, **kwargs).data, np.var(data, axis=1, ddof=ddof), rtol=1e-13
        )
        np.testing.assert_allclose(
            ag.std(x, 1, keepdim=True, **kwargs).data,
            np.std(data, axis=1, ddof=ddof, keepdims=True),
            rtol=1e-13,
        )


@pytest.mark.parametrize("op", [ag.var, ag.std])
def test_var_and_std_refuse_disagreeing_corrections(op):
    name = op.__name__
    x = ag.tensor(np.ones(4))
    with pytest.raises(TypeError, match=rf"^{name}: got ddof=1, correction=None, unbiased=False"):
        op(x, ddof=1, unbiased=False)
    with pytest.raises(TypeError, match=rf"^{name}: got ddof=0, correction=2, unbiased=True"):
        op(x, correction=2, unbiased=True)
    with pytest.raises(ValueError, match=rf"^{name}: need more than ddof=4 elements, got 4"):
        op(x, correction=4)


def test_std_of_equal_values_has_gradient_zero_not_nan():
    x = _leaf([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
    ag.std(x, dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0], 0.0)
    np.testing.assert_allclose(x.grad.data[1], np.array([-1.0, 0.0, 1.0]) / np.sqrt(6.0))


# ---------------------------------------------------------------------------- spellings
SPELLINGS = [
    (ag.sum, {}),
    (ag.mean, {}),
    (ag.var, {}),
    (ag.std, {}),
    (ag.norm, {}),
    (ag.logsumexp, {}),
    (ag.prod, {}),
    (ag.amax, {}),
    (ag.amin, {}),
]


@pytest.mark.parametrize("op", [op for op, _ in SPELLINGS], ids=lambda op: op.__name__)
def test_dim_and_keepdim_mean_axis_and_keepdims(op):
    x = ag.tensor(np.random.default_rng(3).standard_normal((2, 3, 4)))
    for dim in (1, (0, 2), -1):
        expected = op(x, axis=dim, keepdims=True).data
        np.testing.assert_array_equal(op(x, dim=dim, keepdim=True).data, expected)
        np.testing.assert_array_equal(op(x, dim=dim, keepdims=True).data, expected)
    with pytest.raises(TypeError, match=rf"^{op.__name__}: got axis=0 and dim=1"):
        op(x, axis=0, dim=1)
    with pytest.raises(TypeError, match=rf"^{op.__name__}: got keepdims=True and keepdim=False"):
        op(x, 1, keepdims=True, keepdim=False)


@pytest.mark.parametrize("op", [ag.softmax, ag.log_softmax, ag.cumsum, ag.argmax, ag.argsort])
def test_single_axis_ops_take_dim(op):
    x = ag.tensor(np.random.default_rng(4).standard_normal((2, 3)))
    np.testing.assert_array_equal(op(x, dim=0).data, op(x, axis=0).data)
    np.testing.assert_array_equal(op(x, dim=0).data, op(x, 0).data)


def test_sort_and_topk_take_dim():
    x = ag.tensor(np.random.default_rng(5).standard_normal((3, 4)))
    np.testing.assert_array_equal(ag.sort(x, dim=0).indices.data, ag.sort(x, 0).indices.data)
    np.testing.assert_array_equal(ag.topk(x, 2, dim=0).values.data, ag.topk(x, 2, 0).values.data)
    with pytest.raises(TypeError, match=r"^sort: got axis=0 and dim=1"):
        ag.sort(x, 0, dim=1)


def test_the_new_ops_are_in_ag_and_ops():
    for name in ("amax", "amin", "argmax", "argmin", "sort", "argsort", "topk", "prod", "std"):
        assert getattr(ag, name) is getattr(ops, name)
    assert ag.cumsum is ops.cumsum and ops.ValuesIndices._fields == ("values", "indices")


# ---------------------------------------------------------------------------- ag.compile
def _select(x):
    values, indices = ag.sort(x, dim=1, descending=True)
    top = ag.topk(x, 2).values.sum()
    best = ag.argmax(x, 1) + ag.max(x, 1).indices + ag.argsort(x, 1)[:, 0]
    return (values * indices).sum() + top + best.sum() + ag.prod(x, 1).sum()


def test_compiled_functions_recompute_indices_for_new_data():
    """argmax, argsort, sort's and topk's indices depend on the values: a compiled function
    computes them again on every call (compiled == eager, values and gradients)."""
    compiled = ag.compile(_select)
    rng = np.random.default_rng(6)
    for _ in range(3):
        data = rng.standard_normal((3, 4))
        x, y = _leaf(data), _leaf(data)
        out, expected = compiled(x), _select(y)
        out.backward()
        expected.backward()
        assert out.item() == expected.item()
        np.testing.assert_array_equal(x.grad.data, y.grad.data)
    assert compiled.traces == 1


def test_compiled_function_returning_indices_gives_this_calls_indices():
    compiled = ag.compile(lambda x: ag.argmax(x, 1))
    compiled(ag.tensor([[1.0, 2.0], [3.0, 0.0]]))
    assert compiled(ag.tensor([[5.0, 2.0], [3.0, 4.0]])).tolist() == [0, 1]
    assert compiled.traces == 1


# ---------------------------------------------------------------------------- PyTorch
def test_results_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(7).standard_normal((3, 5))
    data[1, 2] = 0.0
    for name, ours, theirs in [
        ("sort", lambda t: ag.sort(t, 1, descending=True), lambda t: t.sort(1, descending=True)),
        ("topk", lambda t: ag.topk(t, 2, dim=0), lambda t: t.topk(2, dim=0)),
        ("max", lambda t: ag.max(t, 1, keepdim=True), lambda t: t.max(1, keepdim=True)),
        ("min", lambda t: ag.min(t, dim=0), lambda t: t.min(dim=0)),
    ]:
        x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
        mine, reference = ours(x), theirs(tx)
        np.testing.assert_array_equal(mine.indices.data, reference.indices.numpy(), err_msg=name)
        mine.values.sum().backward()
        reference.values.sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), err_msg=name)
    for ours, theirs in [
        (lambda t: ag.prod(t, 1), lambda t: t.prod(1)),
        (lambda t: ag.cumsum(t, dim=1), lambda t: t.cumsum(dim=1)),
        (lambda t: ag.std(t, 1, correction=1), lambda t: t.std(1, correction=1)),
        (lambda t: ag.var(t, unbiased=True), lambda t: t.var(unbiased=True)),
        (lambda t: ag.amax(t, dim=(0, 1)), lambda t: t.amax(dim=(0, 1))),
    ]:
        x, tx = _leaf(data), torch.tensor(data, requires_grad=True)
        mine, reference = ours(x), theirs(tx)
        np.testing.assert_allclose(mine.data, reference.detach().numpy(), rtol=1e-12)
        mine.sum().backward()
        reference.sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(
        ag.argmax(ag.tensor(data)).item(), torch.tensor(data).argmax().item()
    )


def test_stable_sort_ties_nan_and_argmax_ties_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([[2.0, np.nan, 1.0, 2.0, -0.0, 0.0, 1.0], [3.0, 3.0, 3.0, 1.0, 1.0, 0.0, 3.0]])
    for descending in (False, True):
        mine = ag.sort(ag.tensor(data), 1, descending=descending)
        theirs = torch.tensor(data).sort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(mine.indices.data, theirs.indices.numpy())
        np.testing.assert_array_equal(mine.values.data, theirs.values.numpy())
    ties = torch.tensor(data[1:])
    assert ag.argmax(ag.tensor(data[1:]), 1).tolist() == ties.argmax(1).tolist()
    assert ag.argmin(ag.tensor(data[1:]), 1).tolist() == ties.argmin(1).tolist()


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_take_keepdims_only_as_a_keyword(name):
    """PyTorch reads x.var(0, True) as unbiased=True: here it is refused, never keepdims."""
    x = ag.tensor([[1.0, 2.0], [3.0, 5.0]])
    with pytest.raises(TypeError):
        getattr(x, name)(0, True)
    with pytest.raises(TypeError):
        getattr(ag, name)(x, 0, True)
    assert getattr(x, name)(0, keepdims=True).shape == (1, 2)
