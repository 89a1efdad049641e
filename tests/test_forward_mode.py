"""Forward mode: dual numbers, jvp, and its agreement with reverse mode and with finite
differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.examples import notes_f

from .opinfo import OP_DB, Bound


def test_notes_example_forward_trace():
    """dh_i/dw for the notes' f(x;w,b) at x=1, w=0, b=0, accumulated input to output."""
    w = ag.dual(ag.tensor(0.0), ag.tensor(1.0))
    f, nodes = notes_f(1.0, w, ag.tensor(0.0))
    trace = [nodes[f"h{i}"].tangent.item() for i in range(1, 7)]
    assert trace == [1.0, 1.0, -1.0, -1.0, -1.0, 0.25]


def test_dual_and_unpack_dual_round_trip():
    x = ag.dual(ag.tensor([1.0, 2.0]), ag.tensor([0.5, -1.0]))
    primal, tangent = ag.unpack_dual(x * x)
    np.testing.assert_array_equal(primal.data, [1.0, 4.0])
    np.testing.assert_array_equal(tangent.data, [1.0, -4.0])  # 2 x t
    assert primal.tangent is None
    assert ag.unpack_dual(ag.tensor(3.0)).tangent is None


def test_every_op_on_a_dual_yields_a_dual():
    x = ag.dual(ag.tensor([[0.3, 0.7]]), ag.tensor([[1.0, 0.0]]))
    results = [
        x.exp(),
        x.sum(),
        x.T,
        x[0],
        x @ x.T,
        x.logsumexp(),
        ag.stack([x, x]),
        ag.concatenate([x, x]),
        x.max(),
        ag.maximum(x, 0.5),
        x.reshape(2),
    ]
    assert all(r.tangent is not None and r.tangent.shape == r.shape for r in results)


def test_tangent_shape_and_dtype_follow_the_primal():
    x = ag.dual(ag.tensor(np.ones(3, np.float32)), ag.tensor(np.ones(3)))
    y = x * ag.tensor(np.ones((2, 3), np.float32))
    assert x.tangent.dtype == np.float32
    assert y.tangent.shape == (2, 3) and y.tangent.dtype == np.float32


def test_dual_rejects_a_tangent_of_another_shape():
    with pytest.raises(
        ValueError, match=r"tangent has shape \(2,\) but the primal has shape \(3,\)"
    ):
        ag.dual(ag.tensor([1.0, 2.0, 3.0]), ag.tensor([1.0, 2.0]))


def test_no_grad_does_not_disable_forward_mode():
    with ag.no_grad():
        out, tangent = ag.jvp(ag.sin, ag.tensor(0.0), ag.tensor(2.0))
    assert tangent.item() == 2.0


def test_jvp_with_several_inputs_and_outputs():
    def f(a, b):
        return a * b, a + b

    (prod, total), (t_prod, t_sum) = ag.jvp(
        f, (ag.tensor(2.0), ag.tensor(3.0)), (ag.tensor(1.0), ag.tensor(0.0))
    )
    assert (prod.item(), total.item(), t_prod.item(), t_sum.item()) == (6.0, 5.0, 3.0, 1.0)


def test_jvp_missing_tangent_means_zero():
    out, tangent = ag.jvp(
        lambda a, b: a * b, (ag.tensor(2.0), ag.tensor(3.0)), (None, ag.tensor(1.0))
    )
    assert tangent.item() == 2.0


def test_forward_mode_is_one_pass_not_double_backward():
    """The tangent exists right after the op: no graph is built or walked for it."""
    with ag.no_grad():
        x = ag.dual(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        y = x.exp()
    assert y.grad_fn is None and y.tangent is not None
    np.testing.assert_allclose(y.tangent.data, np.exp([1.0, 2.0]))


JACOBIAN_SAMPLES = [
    pytest.param(info, sample, id=f"{info.name}-{sample.name}")
    for info in OP_DB
    if info.supports_forward_ad
    for sample in info.samples()
    if sample.grad and Bound(info, sample).leaves
]


@pytest.mark.parametrize("info, sample", JACOBIAN_SAMPLES)
def test_forward_jacobian_equals_reverse_jacobian(info, sample):
    """ag.jacobian gives the same matrix in forward and in reverse mode, on every sample of
    the op registry."""
    bound = Bound(info, sample)
    rev = ag.jacobian(bound, tuple(bound.leaves), mode="rev")
    fwd = ag.jacobian(bound, tuple(bound.leaves), mode="fwd")
    for r, f in zip(rev, fwd):
        np.testing.assert_allclose(f.data, r.data, rtol=1e-12, atol=1e-12)


ELEMENTWISE = {
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b,
    "maximum": lambda a, b: ag.maximum(a, b),
    "tanh_sum": lambda a, b: ag.tanh(a + b),
    "logsumexp": lambda a, b: ag.logsumexp(a * b, axis=-1, keepdims=True),
}


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(ELEMENTWISE)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=st.integers(0, 2**16),
)
def test_jvp_equals_central_difference_directional_derivative(name, shapes, seed):
    f = ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(-1.5, 1.5, s) for s in shapes.input_shapes)
    ta, tb = (rng.standard_normal(s) for s in shapes.input_shapes)
    _, tangent = ag.jvp(f, (ag.tensor(a), ag.tensor(b)), (ag.tensor(ta), ag.tensor(tb)))
    eps = 1e-6
    plus = f(ag.tensor(a + eps * ta), ag.tensor(b + eps * tb)).data
    minus = f(ag.tensor(a - eps * ta), ag.tensor(b - eps * tb)).data
    np.testing.assert_allclose(tangent.data, (plus - minus) / (2 * eps), rtol=1e-4, atol=1e-6)


def test_forward_over_reverse_gives_hessian_vector_products():
    x0 = np.array([0.3, -0.2, 0.5])
    v = np.array([1.0, 2.0, -1.0])
    leaf = ag.tensor(x0, requires_grad=True)
    x = ag.dual(leaf, ag.tensor(v))
    (g,) = ag.grad((x**3).sum() + (x[0] * x[1]), leaf)
    expected = 6 * x0 * v + np.array([v[1], v[0], 0.0])
    np.testing.assert_allclose(g.tangent.data, expected)


def test_reverse_over_forward_differentiates_a_tangent():
    x = ag.tensor(1.5, requires_grad=True)
    _, tangent = ag.jvp(lambda t: t**3, x, ag.tensor(1.0))  # 3x^2, still on the graph of x
    tangent.backward()
    assert x.grad.item() == pytest.approx(6 * 1.5)


def test_unpack_dual_outside_any_jvp_reads_the_base_level():
    x = ag.dual(ag.tensor(2.0), ag.tensor(1.0))
    y = x * x
    assert ag.unpack_dual(y).tangent.item() == 4.0
    assert y.tangent.item() == 4.0


def test_an_outer_dual_seen_inside_jvp_keeps_its_own_tangent():
    """A base-level dual used inside a jvp: the jvp's tangent is only its own input's."""
    w = ag.dual(ag.tensor(3.0), ag.tensor(1.0))
    _, t = ag.jvp(lambda x: x * w, ag.tensor(2.0), ag.tensor(1.0))
    assert t.item() == 3.0  # d(x·w)/dx
    assert t.tangent.item() == 1.0  # its derivative along w's tangent


def test_jvp_output_that_does_not_depend_on_the_input_has_a_zero_tangent():
    c = ag.tensor([1.0, 2.0])
    _, t = ag.jvp(lambda x: c * 2.0, ag.tensor(1.0), ag.tensor(1.0))
    np.testing.assert_array_equal(t.data, [0.0, 0.0])
