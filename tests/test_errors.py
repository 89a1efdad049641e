"""Misuse gives a clear error: the right exception type, and a message that names the op and
the offending shapes, axes or dtypes, never a bare numpy message.
"""

import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import engine, ops


def leaf(value):
    return ag.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)


X = np.ones((2, 3))


def x23():
    return leaf(X)


def t(shape):
    return ag.tensor(np.ones(shape))


# ------------------------------------------------------------------ shapes that do not broadcast
BROADCAST = [
    ("add", lambda: x23() + t(4), r"^add: shapes \(2, 3\) and \(4,\) cannot be broadcast"),
    ("add ndarray", lambda: x23() + np.ones(4), r"^add: shapes \(2, 3\) and \(4,\)"),
    ("radd list", lambda: [1.0, 2.0] + x23(), r"^add: shapes \(2,\) and \(2, 3\)"),
    ("sub", lambda: x23() - t((3, 2)), r"^sub: shapes \(2, 3\) and \(3, 2\)"),
    ("mul", lambda: x23() * t((3, 2)), r"^mul: shapes \(2, 3\) and \(3, 2\)"),
    ("div", lambda: x23() / t((2, 2)), r"^div: shapes \(2, 3\) and \(2, 2\)"),
    ("pow", lambda: x23() ** t((5,)), r"^pow: shapes \(2, 3\) and \(5,\)"),
    ("maximum", lambda: ag.maximum(x23(), t((3, 2))), r"^maximum: shapes \(2, 3\) and \(3, 2\)"),
    ("minimum", lambda: ag.minimum(x23(), t((4,))), r"^minimum: shapes \(2, 3\) and \(4,\)"),
    (
        "where",
        lambda: ag.where(np.ones((2, 3), bool), x23(), t((3, 2))),
        r"^where: shapes .*\(2, 3\).*\(3, 2\) cannot be broadcast",
    ),
    ("less", lambda: x23() < t((3, 2)), r"^less: shapes \(2, 3\) and \(3, 2\)"),
    ("equal", lambda: x23() == t((4,)), r"^equal: shapes \(2, 3\) and \(4,\)"),
    (
        "broadcast_to",
        lambda: x23().broadcast_to((3, 3)),
        r"^broadcast_to: cannot broadcast a tensor of shape \(2, 3\) to \(3, 3\)",
    ),
]


@pytest.mark.parametrize("name, f, pattern", BROADCAST, ids=[r[0] for r in BROADCAST])
def test_shapes_that_do_not_broadcast(name, f, pattern):
    """The error names the op and both shapes (it is a ValueError, as numpy's is)."""
    with pytest.raises(ValueError, match=pattern):
        f()


# ------------------------------------------------------------------ matmul
MATMUL = [
    (
        "2d inner",
        (2, 3),
        (4, 2),
        r"^matmul: inner dimensions do not match: \(2, 3\) @ \(4, 2\) "
        r"\(3 != 4\)",
    ),
    ("1d 1d", (3,), (4,), r"^matmul: inner dimensions .*\(3,\) @ \(4,\) \(3 != 4\)"),
    ("1d 2d", (3,), (4, 2), r"^matmul: inner dimensions .*\(3,\) @ \(4, 2\) \(3 != 4\)"),
    ("2d 1d", (2, 3), (4,), r"^matmul: inner dimensions .*\(2, 3\) @ \(4,\) \(3 != 4\)"),
    ("batched inner", (5, 2, 3), (5, 4, 2), r"^matmul: inner dimensions .*\(3 != 4\)"),
    (
        "batch dims",
        (2, 2, 3),
        (3, 3, 4),
        r"^matmul: batch dimensions of \(2, 2, 3\) and "
        r"\(3, 3, 4\) cannot be broadcast",
    ),
    (
        "0-d right",
        (2, 3),
        (),
        r"^matmul: both operands need at least one dimension.*\(2, 3\) "
        r"and \(\)",
    ),
    ("0-d left", (), (3,), r"^matmul: both operands need at least one dimension.*\(\) and \(3,\)"),
]


@pytest.mark.parametrize("name, a, b, pattern", MATMUL, ids=[r[0] for r in MATMUL])
def test_matmul_shape_errors(name, a, b, pattern):
    """Inner-dimension and batch mismatches name both shapes and dims; 0-d is refused."""
    with pytest.raises(ValueError, match=pattern):
        leaf(np.ones(a)) @ leaf(np.ones(b))


# ------------------------------------------------------------------ backward misuse
def test_backward_on_non_scalar_without_grad():
    y = x23() * 2
    with pytest.raises(
        RuntimeError, match=r"grad can be implicitly created only for scalar outputs.*\(2, 3\)"
    ):
        y.backward()


@pytest.mark.parametrize(
    "grad",
    [ag.tensor(np.ones((3, 2))), np.ones(3), ag.tensor(1.0)],
    ids=["tensor (3,2)", "ndarray (3,)", "0-d"],
)
def test_backward_with_grad_of_wrong_shape(grad):
    """The message names the grad's shape and the output's shape."""
    y = x23() * 2
    with pytest.raises(RuntimeError, match=r"grad .*has shape \(.*\).*output has shape \(2, 3\)"):
        y.backward(grad)


def test_backward_wrong_grad_shape_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(3, 2\).*\(2, 3\)"):
        (x23() * 2).backward(ag.tensor(np.ones((3, 2))))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.tensor(1.0),
        lambda: ag.tensor([1.0, 2.0]).sum(),
        lambda: leaf(1.0).detach() * 2,
    ],
    ids=["constant", "op on constants", "detached"],
)
def test_backward_on_tensor_that_does_not_require_grad(make):
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        make().backward()


def test_backward_on_result_built_under_no_grad():
    x = leaf(2.0)
    with ag.no_grad():
        y = x * x
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_with_wrong_number_of_grads():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"got 1 gradients for 2 output tensors"):
        engine.backward((x * 2, x * 3), (ag.ones(2),))


def test_grad_input_that_does_not_require_grad():
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match=r"inputs\[1\] \(shape \(\)\) does not require grad"):
        ag.grad(x * 2, [x, ag.tensor(3.0)])


def test_grad_unused_input():
    x, z = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*not have been used in the graph"):
        ag.grad(x * 2, [x, z])


def test_grad_of_non_tensor():
    with pytest.raises(TypeError, match="expected a Tensor or a sequence of Tensors, got float"):
        ag.grad(3.0, leaf(1.0))


def test_retain_grad_without_requires_grad():
    with pytest.raises(RuntimeError, match="retain_grad on a tensor that has requires_grad=False"):
        ag.tensor(1.0).retain_grad()


def test_requires_grad_on_non_leaf():
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        (leaf(1.0) * 2).requires_grad_(False)


# ------------------------------------------------------------------ requires_grad on non-floats
NON_FLOAT = [
    ("int array", lambda: ag.tensor(np.array([1, 2]), requires_grad=True), "int64"),
    ("int dtype", lambda: ag.tensor([1, 2], dtype=np.int32, requires_grad=True), "int32"),
    ("bool array", lambda: ag.tensor(np.array([True, False]), requires_grad=True), "bool"),
    ("requires_grad_", lambda: ag.tensor(np.array([1, 2])).requires_grad_(), "int64"),
    ("arange", lambda: ag.arange(3, requires_grad=True), "int64"),
    ("zeros int", lambda: ag.zeros(2, dtype=np.int64, requires_grad=True), "int64"),
    ("uint8", lambda: ag.tensor(np.zeros(2, np.uint8), requires_grad=True), "uint8"),
]


@pytest.mark.parametrize("name, f, dtype", NON_FLOAT, ids=[r[0] for r in NON_FLOAT])
def test_requires_grad_on_integer_or_bool_data(name, f, dtype):
    with pytest.raises(
        TypeError, match=rf"Only Tensors of floating point .*can require gradients.*{dtype}"
    ):
        f()


def test_integer_tensor_without_requires_grad_is_fine():
    i = ag.tensor(np.array([1, 2]))
    assert i.dtype == np.int64 and not i.requires_grad


# ------------------------------------------------------------------ item
@pytest.mark.parametrize("shape", [(2, 3), (0,), (2,)], ids=str)
def test_item_on_tensor_with_more_or_fewer_than_one_element(shape):
    """item() and float() name the shape and the element count."""
    with pytest.raises(
        ValueError,
        match=rf"item\(\): only one-element tensors.*shape "
        rf"{re.escape(str(shape))}",
    ):
        ag.tensor(np.ones(shape)).item()
    with pytest.raises(ValueError, match="only one-element tensors"):
        float(ag.tensor(np.ones(shape)))


def test_item_on_one_element_tensors():
    assert ag.tensor([[2.5]]).item() == 2.5
    assert isinstance(ag.tensor(3.0).item(), float)


def test_truth_value_of_multi_element_tensor():
    with pytest.raises(ValueError, match="truth value of a tensor with 6 elements is ambiguous"):
        bool(x23())


# ------------------------------------------------------------------ non-numeric data
BAD_DATA = [
    ("string", "abc", TypeError, r"^tensor: cannot make a tensor from str"),
    ("list of strings", ["a", "b"], TypeError, r"^tensor: data must be numeric.*<U1"),
    ("ragged list", [[1, 2], [3]], ValueError, r"^tensor: data must be a rectangular nested list"),
    ("ragged deep", [[[1.0]], [2.0]], ValueError, r"^tensor: data must be a rectangular"),
    ("None", None, TypeError, r"^tensor: cannot make a tensor from NoneType"),
    ("dict", {"a": 1}, TypeError, r"^tensor: cannot make a tensor from dict"),
    ("set", {1.0, 2.0}, TypeError, r"^tensor: cannot make a tensor from set"),
    ("object", object(), TypeError, r"^tensor: cannot make a tensor from object"),
    ("list with None", [1.0, None], TypeError, r"^tensor: data must be numeric.*object"),
    ("object array", np.array([object()]), TypeError, r"^tensor: data must be numeric.*object"),
    ("string array", np.array(["1.0"]), TypeError, r"^tensor: data must be numeric.*<U3"),
    ("complex", 1j, TypeError, r"^tensor: complex numbers are not supported"),
]


@pytest.mark.parametrize("name, data, exc, pattern", BAD_DATA, ids=[r[0] for r in BAD_DATA])
def test_non_numeric_data_is_refused(name, data, exc, pattern):
    """What cannot be a numeric tensor is refused at construction, saying what it got."""
    with pytest.raises(exc, match=pattern):
        ag.tensor(data)


def test_non_numeric_operand_to_an_op():
    """The error names the op that received the bad operand."""
    with pytest.raises(TypeError, match=r"^exp: tensor: cannot make a tensor from str"):
        ag.exp("1.0")


# ------------------------------------------------------------------ reshape, transpose
@pytest.mark.parametrize("shape", [(4, 2), (-1, 4), (7,), (2, 2, 2)], ids=str)
def test_reshape_to_incompatible_shape(shape):
    pattern = (
        r"^reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape "
        + re.escape(str(shape))
    )
    with pytest.raises(ValueError, match=pattern):
        x23().reshape(*shape)


@pytest.mark.parametrize("axes", [(0, 0), (0, 1, 2), (1,)], ids=str)
def test_transpose_with_bad_axes(axes):
    with pytest.raises(
        ValueError,
        match=r"^transpose: axes .* are not a permutation for shape "
        r"\(2, 3\)",
    ):
        x23().transpose(*axes)


# ------------------------------------------------------------------ axes
AXIS_OPS = [
    ("sum", lambda a, ax: a.sum(axis=ax)),
    ("mean", lambda a, ax: a.mean(axis=ax)),
    ("max", lambda a, ax: a.max(axis=ax)),
    ("min", lambda a, ax: a.min(axis=ax)),
    ("var", lambda a, ax: a.var(axis=ax)),
    ("logsumexp", lambda a, ax: a.logsumexp(axis=ax)),
]


@pytest.mark.parametrize("axis", [2, -3, 10], ids=str)
@pytest.mark.parametrize("name, f", AXIS_OPS, ids=[r[0] for r in AXIS_OPS])
def test_axis_out_of_range(name, f, axis):
    with pytest.raises(
        ValueError,
        match=rf"^{name}: axis {axis} is out of range for a tensor "
        r"with 2 dimensions",
    ):
        f(x23(), axis)


@pytest.mark.parametrize("axis", [(0, 0), (1, -1)], ids=str)
@pytest.mark.parametrize("name, f", AXIS_OPS, ids=[r[0] for r in AXIS_OPS])
def test_repeated_axis(name, f, axis):
    with pytest.raises(ValueError, match=rf"^{name}: repeated axis in {re.escape(str(axis))}"):
        f(x23(), axis)


@pytest.mark.parametrize("name, f", AXIS_OPS[:2], ids=[r[0] for r in AXIS_OPS[:2]])
def test_non_integer_axis(name, f):
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an int or a tuple of ints"):
        f(x23(), 1.5)


@pytest.mark.parametrize(
    "f",
    [lambda a: a.softmax(axis=2), lambda a: a.log_softmax(axis=-3)],
    ids=["softmax", "log_softmax"],
)
def test_softmax_axis_out_of_range(f):
    """Composites report the axis error from the reduction they are built on."""
    with pytest.raises(ValueError, match=r"axis (2|-3) is out of range for a tensor with 2 dim"):
        f(x23())


@pytest.mark.parametrize("axis", [2, -3], ids=str)
def test_concatenate_axis_out_of_range(axis):
    """concatenate names itself and the bad axis (not a bare 'tuple index out of range')."""
    with pytest.raises((ValueError, IndexError), match=rf"^concatenate: .*axis {axis}.* out of"):
        ag.concatenate([x23(), x23()], axis=axis)


@pytest.mark.parametrize("axis", [3, -4], ids=str)
def test_stack_axis_out_of_range(axis):
    with pytest.raises((ValueError, IndexError), match=rf"^stack: .*axis {axis}.* out of"):
        ag.stack([x23(), x23()], axis=axis)


# ------------------------------------------------------------------ indexing
INDEX_ERRORS = [
    ("int", 5, r"index 5 is out of bounds for axis 0 with size 2"),
    ("negative int", -3, r"index -3 is out of bounds for axis 0 with size 2"),
    ("second axis", (0, 7), r"index 7 is out of bounds for axis 1 with size 3"),
    ("int array", [0, 9], r"index 9 is out of bounds for axis 0 with size 2"),
    ("too many", (0, 0, 0), r"too many indices"),
    ("mask shape", np.ones(5, bool), r"boolean index did not match"),
]


@pytest.mark.parametrize("name, index, pattern", INDEX_ERRORS, ids=[r[0] for r in INDEX_ERRORS])
def test_index_errors(name, index, pattern):
    """Bad indices raise IndexError naming the op and the tensor's shape."""
    with pytest.raises(IndexError, match=rf"^getitem: .*\(2, 3\).*{pattern}"):
        x23()[index]


# ------------------------------------------------------------------ concatenate, stack
def test_concatenate_mismatched_shapes():
    with pytest.raises(ValueError, match=r"^concatenate: .*\(2, 3\), \(3, 3\).*must match"):
        ag.concatenate([x23(), t((3, 3))], axis=1)


def test_concatenate_mismatched_ndim():
    with pytest.raises(ValueError, match=r"^concatenate: .*\(2, 3\), \(3,\).*same number of dim"):
        ag.concatenate([x23(), t(3)])


def test_stack_mismatched_shapes():
    with pytest.raises(
        ValueError, match=r"^stack: all tensors must have the same shape.*\(2, 3\).*\(3, 2\)"
    ):
        ag.stack([x23(), t((3, 2))])


@pytest.mark.parametrize(
    "f, name", [(ag.concatenate, "concatenate"), (ag.stack, "stack")], ids=["concatenate", "stack"]
)
def test_join_nothing(f, name):
    with pytest.raises(ValueError, match=rf"^{name}: need at least one tensor"):
        f([])


# ------------------------------------------------------------------ empty reductions and values
@pytest.mark.parametrize("name", ["max", "min", "logsumexp"])
@pytest.mark.parametrize("shape, axis", [((0,), None), ((0, 3), 0), ((2, 0), None)], ids=str)
def test_reduction_of_empty_tensor(name, shape, axis):
    """max/min/logsumexp over an empty axis have no value: a clear error naming the shape."""
    with pytest.raises(
        ValueError,
        match=rf"^{name}: cannot reduce over an empty axis of shape "
        rf"{re.escape(str(shape))}",
    ):
        getattr(ag.tensor(np.ones(shape)), name)(axis=axis)


def test_mean_of_empty_tensor():
    with pytest.raises(ValueError, match=r"^mean: cannot average over an empty axis"):
        ag.tensor(np.ones(0)).mean()


def test_var_with_too_large_ddof():
    with pytest.raises(ValueError, match=r"^var: need more than ddof=3 elements, got 3"):
        ag.tensor([1.0, 2.0, 3.0]).var(ddof=3)


def test_where_with_non_boolean_condition():
    with pytest.raises(TypeError, match=r"^where: cond must be a boolean.*float64"):
        ag.where(np.ones((2, 3)), x23(), x23())


def test_clip_without_bounds():
    with pytest.raises(ValueError, match=r"^clip: at least one of lo and hi must be given"):
        x23().clip()


def test_negative_shape_in_creation():
    with pytest.raises(ValueError, match=r"^zeros: shape must be non-negative integers"):
        ag.zeros(2, -1)


# ------------------------------------------------------------------ custom Functions
class TooFewGrads(ag.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        return g


class TooManyGrads(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2, g


class WrongShapeGrad(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return a.sum()

    @staticmethod
    def backward(ctx, g):
        return ag.ones(5)


class NonArrayForward(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return "not an array"


class BadSave(ag.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward({"a": a})
        return a


class NoBackward(ag.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2


def test_custom_function_too_few_gradients():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    with pytest.raises(
        RuntimeError,
        match=r"function TooFewGrads\.backward returned an incorrect "
        r"number of gradients \(expected 2, got 1\)",
    ):
        TooFewGrads.apply(x, y).sum().backward()


def test_custom_function_too_many_gradients():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"TooManyGrads\.backward .*expected 1, got 2"):
        TooManyGrads.apply(x).sum().backward()


@pytest.mark.parametrize("via", ["backward", "ag.grad"])
def test_custom_function_gradient_of_wrong_shape(via):
    """A gradient that cannot be summed to the input's shape names both shapes."""
    x = leaf([1.0, 2.0, 3.0])
    y = WrongShapeGrad.apply(x)
    with pytest.raises(
        RuntimeError,
        match=r"WrongShapeGrad\.backward returned an invalid gradient "
        r"at index 0: got shape \(5,\).*expected shape \(3,\)",
    ):
        y.backward() if via == "backward" else ag.grad(y, x)


def test_custom_function_forward_returns_non_array():
    with pytest.raises(
        TypeError,
        match=r"NonArrayForward\.forward must return numpy arrays or "
        r"Tensors.*got str",
    ):
        NonArrayForward.apply(leaf(1.0))


def test_custom_function_saves_unsupported_value():
    with pytest.raises(
        TypeError,
        match=r"save_for_backward takes arrays, Tensors, numbers or "
        r"None, got dict",
    ):
        BadSave.apply(leaf(1.0))


def test_custom_function_without_backward():
    x = leaf(1.0)
    y = NoBackward.apply(x)
    with pytest.raises(NotImplementedError, match=r"must define backward"):
        y.backward()


# ------------------------------------------------------------------ every numpy error is wrapped
WRAPPED = [
    ("add", lambda: x23() + t(4)),
    ("mul", lambda: x23() * np.ones((3, 3))),
    ("maximum", lambda: ag.maximum(x23(), np.ones(7))),
    ("matmul", lambda: x23() @ t((2, 2))),
    ("reshape", lambda: x23().reshape(5)),
    ("getitem", lambda: x23()[3]),
    ("getitem", lambda: x23()[:, [0, 4]]),
    ("concatenate", lambda: ag.concatenate([x23(), t((2, 2))], axis=0)),
    ("concatenate", lambda: ag.concatenate([x23(), x23()], axis=5)),
    ("stack", lambda: ag.stack([x23(), x23()], axis=5)),
    ("sum", lambda: x23().sum(axis=4)),
    ("broadcast_to", lambda: x23().broadcast_to((2,))),
    ("transpose", lambda: x23().transpose(1, 1)),
]


@pytest.mark.parametrize("op, f", WRAPPED, ids=[f"{r[0]}-{i}" for i, r in enumerate(WRAPPED)])
def test_error_message_names_the_op(op, f):
    """An error raised deep inside numpy is re-raised with the op's name in front, not as a
    bare numpy message, and without a chained numpy traceback."""
    with pytest.raises((ValueError, IndexError, TypeError)) as info:
        f()
    message = str(info.value)
    assert message.startswith(f"{op}: "), message
    assert info.value.__cause__ is None


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum, ops.add, ops.mul])
def test_a_numpy_array_of_objects_as_an_operand_names_the_op(op):
    """An object or string ndarray operand is refused by name, not by an AttributeError from
    inside the op's forward."""
    for bad in (np.array(0.0, dtype=object), np.array(["a", "b"])):
        with pytest.raises(TypeError, match=r"^\w+: operands must be numeric, got dtype"):
            op(bad, ag.tensor([1.0, 2.0]))
