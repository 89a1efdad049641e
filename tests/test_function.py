"""Custom differentiable functions: the same machinery the built-in primitives use."""

import numpy as np
import pytest

import autograd_core as ag


class Cube(ag.Function):
    """y = x³;  dy = 3x² dx"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return t * 3 * x * x


class CubeNoJvp(ag.Function):
    forward = staticmethod(Cube.forward)
    backward = staticmethod(Cube.backward)


class SplitSum(ag.Function):
    """Two outputs: (Σx, max index as a non-differentiable integer-valued float)."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        index = np.asarray(float(np.argmax(x)))
        ctx.mark_non_differentiable(index)
        return x.sum(), index

    @staticmethod
    def backward(ctx, g_sum, g_index):
        assert g_index is None
        return ag.broadcast_to(g_sum, ctx.shape)


def test_custom_function_backward_and_saved_tensors():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])


def test_custom_function_is_differentiable_twice_and_passes_gradchecks():
    x = ag.tensor([0.5, -1.5], requires_grad=True)
    assert ag.gradcheck(Cube.apply, [x], check_forward=True)
    assert ag.gradgradcheck(Cube.apply, [x], check_forward=True)


def test_custom_function_forward_mode():
    _, tangent = ag.jvp(Cube.apply, ag.tensor(2.0), ag.tensor(1.0))
    assert tangent.item() == 12.0


def test_forward_mode_through_a_function_without_jvp_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CubeNoJvp, which has no jvp rule"):
        ag.jvp(CubeNoJvp.apply, ag.tensor(2.0), ag.tensor(1.0))


def test_a_subclass_with_its_own_backward_does_not_inherit_jvp():
    """Relu's jvp with an identity backward would make forward and reverse mode disagree."""
    from autograd_core.ops import Relu

    class StraightThroughRelu(Relu):
        @staticmethod
        def backward(ctx, g):
            return g

    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    StraightThroughRelu.apply(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="StraightThroughRelu, which has no jvp rule"):
        ag.jvp(StraightThroughRelu.apply, ag.tensor([-1.0, 2.0]), ag.tensor([1.0, 1.0]))


def test_reverse_mode_works_without_jvp():
    x = ag.tensor(2.0, requires_grad=True)
    CubeNoJvp.apply(x).backward()
    assert x.grad.item() == 12.0


def test_non_differentiable_outputs_are_marked():
    x = ag.tensor([1.0, 5.0, 2.0], requires_grad=True)
    total, index = SplitSum.apply(x)
    assert total.requires_grad and not index.requires_grad and index.item() == 1.0
    total.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])


class SumAndIndexSaved(SplitSum):
    """SplitSum whose backward reads its saved (non-differentiable) index output."""

    @staticmethod
    def forward(ctx, x):
        total, index = SplitSum.forward(ctx, x)
        ctx.save_for_backward(index)
        return total, index

    @staticmethod
    def backward(ctx, g_sum, g_index):
        _ = ctx.saved_tensors  # checks that the saved index is unchanged
        return ag.broadcast_to(g_sum, ctx.shape)


def test_in_place_change_of_a_saved_non_differentiable_output_is_caught():
    """An output outside the graph is saved with its own version counter: changing it in
    place before backward is an error, as for any saved value."""
    x = ag.tensor([1.0, 5.0, 2.0], requires_grad=True)
    total, index = SumAndIndexSaved.apply(x)
    SumAndIndexSaved.apply(x)[0].backward()  # unchanged: fine
    index.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        total.backward()


class DoubleInATuple(ag.Function):
    """Forward returns a 1-tuple: the one output still comes back as a Tensor."""

    @staticmethod
    def forward(ctx, x):
        return (x * 2.0,)

    @staticmethod
    def backward(ctx, g):
        return g * 2.0


def test_forward_returning_a_one_element_tuple_gives_one_tensor():
    x = ag.tensor([1.0, -3.0], requires_grad=True)
    y = DoubleInATuple.apply(x)
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    np.testing.assert_array_equal(y.data, [2.0, -6.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_needs_input_grad_and_non_tensor_arguments():
    seen = {}

    class Scale(ag.Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen["needs"] = ctx.needs_input_grad
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    x = ag.tensor(1.0, requires_grad=True)
    Scale.apply(x, 4.0).backward()
    assert seen["needs"] == (True, False) and x.grad.item() == 4.0


def test_forward_returning_a_non_tensor_is_a_clear_error():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return "oops"

    with pytest.raises(TypeError, match="Bad.forward must return numpy arrays or Tensors"):
        Bad.apply(ag.tensor(1.0, requires_grad=True))


def test_wrong_number_of_gradients_is_a_clear_error():
    class TwoGrads(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 1, got 2\)"):
        TwoGrads.apply(ag.tensor(1.0, requires_grad=True)).backward()


def test_wrong_gradient_shape_is_a_clear_error():
    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return ag.ones(5)

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"got shape \(5,\) but expected shape \(2,\)"):
        WrongShape.apply(x).backward()


def test_wrong_tangent_shape_is_a_clear_error():
    class WrongTangent(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def jvp(ctx, t):
            return ag.ones(7)

    with pytest.raises(
        RuntimeError, match=r"tangent of shape \(7,\) for an output of shape \(2,\)"
    ):
        ag.jvp(WrongTangent.apply, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))


def test_saved_tensors_after_backward_raise_the_freed_graph_error():
    x = ag.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_no_grad_records_no_node_and_saves_nothing():
    x = ag.tensor(2.0, requires_grad=True)
    with ag.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad


def test_a_custom_primitive_runs_its_rule_on_arrays_first_order_and_on_tensors_recorded():
    seen = []

    class Cube(ag.Primitive):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append((type(g).__name__, type(x).__name__))
            return g * 3 * x * x

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad(Cube.apply(x).sum(), [x])
    assert g.tolist() == [3.0, 12.0] and seen[-1] == ("ndarray", "ndarray")
    (g,) = ag.grad(Cube.apply(x).sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])
    assert gg.tolist() == [6.0, 12.0] and seen[-1] == ("Tensor", "Tensor")


def test_saving_an_input_given_as_a_list_gives_back_the_converted_values():
    seen = []

    class Scale(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            seen.append(type(b))
            return g * b, None

    x = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
    Scale.apply(x, [1.0, 2.0, 3.0]).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0] and seen == [ag.Tensor]
