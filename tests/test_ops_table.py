"""Every primitive, once, in one table: forward against a numpy reference, reverse mode and
forward mode against central differences, and second derivatives (gradgradcheck, also
forward-over-reverse), over scalar, vector, matrix, batched and broadcasting shapes.

Adding a primitive to ``autograd_core.ops.PRIMITIVES`` without a row here fails
``test_every_primitive_has_a_row``.
"""

from dataclasses import dataclass, field

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops

BROADCAST_PAIRS = [((), ()), ((4,), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 4), (3, 1))]
UNARY_SHAPES = [(), (5,), (2, 3), (2, 3, 2)]


@dataclass
class Case:
    name: str
    fn: object
    ref: object
    shapes: list
    covers: tuple
    domain: str = "real"  # real | positive | away_from_zero | distinct
    second_order: bool = True
    keeps_dtype: bool = True
    eps: float = 1e-6
    atol: float = 1e-5
    extra: dict = field(default_factory=dict)


def _idx(x):
    return x[np.array([0, 2, 0, 1])]  # repeated integer index: gradients accumulate


CASES = [
    Case("add", lambda a, b: a + b, np.add, BROADCAST_PAIRS, ("Add",)),
    Case("sub", lambda a, b: a - b, np.subtract, BROADCAST_PAIRS, ("Sub",)),
    Case("mul", lambda a, b: a * b, np.multiply, BROADCAST_PAIRS, ("Mul",)),
    Case("div", lambda a, b: a / b, np.divide, BROADCAST_PAIRS, ("Div",), "away_from_zero"),
    Case("pow", lambda a, b: a**b, np.power, BROADCAST_PAIRS, ("Pow",), "positive"),
    Case("pow_scalar", lambda a: a**3, lambda a: a**3, UNARY_SHAPES, ("Pow",)),
    Case("rpow_scalar", lambda a: 2.0**a, lambda a: 2.0**a, UNARY_SHAPES, ("Pow",)),
    Case("neg", lambda a: -a, np.negative, UNARY_SHAPES, ("Neg",)),
    Case("exp", ag.exp, np.exp, UNARY_SHAPES, ("Exp",)),
    Case("log", ag.log, np.log, UNARY_SHAPES, ("Log",), "positive"),
    Case("sqrt", ag.sqrt, np.sqrt, UNARY_SHAPES, ("Sqrt",), "positive"),
    Case("sin", ag.sin, np.sin, UNARY_SHAPES, ("Sin",)),
    Case("cos", ag.cos, np.cos, UNARY_SHAPES, ("Cos",)),
    Case("tanh", ag.tanh, np.tanh, UNARY_SHAPES, ("Tanh",)),
    Case("sigmoid", ag.sigmoid, lambda a: 1 / (1 + np.exp(-a)), UNARY_SHAPES, ("Sigmoid",)),
    Case("relu", ag.relu, lambda a: np.maximum(a, 0), UNARY_SHAPES, ("Relu",), "away_from_zero"),
    Case("abs", ag.abs, np.abs, UNARY_SHAPES, ("Abs",), "away_from_zero"),
    Case("maximum", ag.maximum, np.maximum, BROADCAST_PAIRS, ("Maximum",), "distinct"),
    Case("minimum", ag.minimum, np.minimum, BROADCAST_PAIRS, ("Minimum",), "distinct"),
    Case("where", lambda a, b: ag.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b),
         BROADCAST_PAIRS, ("Where",), "away_from_zero"),
    Case("clip", lambda a: ag.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
         UNARY_SHAPES, ("Clip",), "distinct"),
    Case("cast", lambda a: ag.cast(ag.cast(a, np.float32), np.float64),
         lambda a: a.astype(np.float32).astype(np.float64), UNARY_SHAPES, ("Cast",),
         keeps_dtype=False, eps=1e-2, atol=1e-4),
    Case("sum_all", lambda a: a.sum(), np.sum, UNARY_SHAPES, ("Sum",)),
    Case("sum_axis", lambda a: a.sum(axis=(0, -1), keepdims=True),
         lambda a: a.sum(axis=(0, -1), keepdims=True), [(2, 3), (2, 3, 2)], ("Sum",)),
    Case("max_all", lambda a: a.max(), np.max, UNARY_SHAPES, ("Max",), "distinct"),
    Case("max_axis", lambda a: a.max(axis=-1), lambda a: a.max(axis=-1), [(2, 3), (2, 3, 2)],
         ("Max",), "distinct"),
    Case("min_axis", lambda a: a.min(axis=0, keepdims=True),
         lambda a: a.min(axis=0, keepdims=True), [(5,), (2, 3)], ("Min",), "distinct"),
    Case("logsumexp", lambda a: a.logsumexp(axis=-1),
         lambda a: np.log(np.exp(a).sum(axis=-1)), [(5,), (2, 3), (2, 3, 2)], ("LogSumExp",)),
    Case("norm", lambda a: a.norm(axis=-1), lambda a: np.sqrt((a * a).sum(axis=-1)),
         [(5,), (2, 3)], ("Norm",), "away_from_zero"),
    Case("mean", lambda a: a.mean(axis=0), lambda a: a.mean(axis=0), [(5,), (2, 3)], ("Sum", "Div")),
    Case("var", lambda a: a.var(axis=-1), lambda a: a.var(axis=-1), [(5,), (2, 3)], ("Sum",)),
    Case("softmax", lambda a: a.softmax(), lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True),
         [(4,), (2, 3)], ("LogSumExp", "Exp")),
    Case("log_softmax", lambda a: a.log_softmax(),
         lambda a: a - np.log(np.exp(a).sum(-1, keepdims=True)), [(4,), (2, 3)], ("LogSumExp",)),
    Case("reshape", lambda a: a.reshape(-1), lambda a: a.reshape(-1), UNARY_SHAPES, ("Reshape",)),
    Case("transpose", lambda a: a.transpose(), np.transpose, UNARY_SHAPES, ("Transpose",)),
    Case("transpose_axes", lambda a: a.transpose(1, 2, 0), lambda a: a.transpose(1, 2, 0),
         [(2, 3, 2)], ("Transpose",)),
    Case("broadcast_to", lambda a: ag.broadcast_to(a, (2, 3)),
         lambda a: np.broadcast_to(a, (2, 3)), [(), (3,), (2, 1)], ("BroadcastTo",)),
    Case("getitem_slice", lambda a: a[1:, ::-2], lambda a: a[1:, ::-2], [(3, 5)], ("GetItem",)),
    Case("getitem_repeat", _idx, _idx, [(4,), (3, 2)], ("GetItem", "ScatterAdd")),
    Case("getitem_mask", lambda a: a[a.data > 0], lambda a: a[a > 0], [(6,), (2, 3)],
         ("GetItem",), "away_from_zero"),
    Case("getitem_newaxis", lambda a: a[None, ..., 0], lambda a: a[None, ..., 0], [(3, 2)],
         ("GetItem",)),
    Case("scatter_add",
         lambda a: ops.ScatterAdd.apply(a, shape=(4, 2), index=np.array([1, 1, 3])),
         lambda a: np.add.at(z := np.zeros((4, 2)), np.array([1, 1, 3]), a) or z, [(3, 2)],
         ("ScatterAdd",)),
    Case("concatenate", lambda a, b: ag.concatenate([a, b], axis=1),
         lambda a, b: np.concatenate([a, b], axis=1), [((2, 3), (2, 1))], ("Concatenate",)),
    Case("stack", lambda a, b: ag.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1),
         [((3,), (3,)), ((2, 2), (2, 2))], ("Stack",)),
    Case("matmul", ag.matmul, np.matmul,
         [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 2)),
          ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 2))], ("MatMul",)),
    Case("alias", lambda a: ops.Alias.apply(a), lambda a: a, UNARY_SHAPES, ("Alias",)),
]


def _values(shape, domain, rng):
    x = rng.uniform(-1.5, 1.5, size=shape)
    if domain == "positive":
        x = rng.uniform(0.5, 2.0, size=shape)
    elif domain == "away_from_zero":
        x = np.where(np.abs(x) < 0.2, np.sign(x + 1e-12) * 0.2 + x, x)
    elif domain == "distinct":  # no ties and no kinks within eps
        x = rng.permutation(np.linspace(-1.3, 1.3, max(int(np.prod(shape)), 1))).reshape(shape)
        x = x + rng.uniform(0.011, 0.013, size=shape) * np.sign(x + 1e-12)
    return np.asarray(x, dtype=np.float64)


def _inputs(case, shapes, seed=0):
    rng = np.random.default_rng(seed)
    shapes = shapes if isinstance(shapes[0], tuple) or shapes == ((), ()) else (shapes,)
    if case.domain == "distinct" and len(shapes) == 2:  # keep pairs away from ties
        a = _values(shapes[0], "distinct", rng)
        b = _values(shapes[1], "distinct", rng) + 0.05
        return [ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)]
    return [ag.tensor(_values(s, case.domain, rng), requires_grad=True) for s in shapes]


def _params():
    for case in CASES:
        for shapes in case.shapes:
            shapes = shapes if (shapes and isinstance(shapes[0], tuple)) else (shapes,)
            yield pytest.param(case, shapes, id=f"{case.name}-{'x'.join(map(str, shapes))}")


PARAMS = list(_params())


@pytest.mark.parametrize("case, shapes", PARAMS)
def test_forward_matches_numpy(case, shapes):
    xs = _inputs(case, shapes)
    out = case.fn(*xs)
    expected = case.ref(*[x.data.copy() for x in xs])
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert out.dtype == np.float64


@pytest.mark.parametrize("case, shapes", PARAMS)
def test_reverse_and_forward_mode_match_central_differences(case, shapes):
    xs = _inputs(case, shapes)
    assert ag.gradcheck(case.fn, xs, eps=case.eps, atol=case.atol, check_forward=True)


@pytest.mark.parametrize("case, shapes", [p for p in PARAMS if p.values[0].second_order])
def test_second_derivatives(case, shapes):
    xs = _inputs(case, shapes)
    assert ag.gradgradcheck(case.fn, xs, eps=case.eps, atol=case.atol, check_forward=True)


@pytest.mark.parametrize("case, shapes", PARAMS)
def test_float32_in_float32_out(case, shapes):
    xs = [ag.tensor(x.data.astype(np.float32), requires_grad=True) for x in _inputs(case, shapes)]
    out = case.fn(*xs)
    assert out.dtype == (np.float32 if case.keeps_dtype else np.float64)
    (out * out).sum().backward()
    for x in xs:
        assert x.grad is not None and x.grad.dtype == np.float32 and x.grad.shape == x.shape


@pytest.mark.parametrize("case, shapes", PARAMS)
def test_non_contiguous_inputs_give_the_same_results(case, shapes):
    xs = _inputs(case, shapes)
    views = []
    for x in xs:
        wide = np.repeat(x.data[..., None], 2, axis=-1)[..., 0]  # same values, strided memory
        view = ag.tensor(0.0)
        view.data = wide  # ag.tensor would copy into C order: set the strided array directly
        assert x.ndim == 0 or not view.data.flags.c_contiguous
        views.append(view.requires_grad_())
    out, out_view = case.fn(*xs), case.fn(*views)
    np.testing.assert_allclose(out.data, out_view.data, rtol=1e-14, atol=1e-15)
    out.sum().backward()
    out_view.sum().backward()
    for x, v in zip(xs, views):
        np.testing.assert_allclose(x.grad.data, v.grad.data, rtol=1e-14, atol=1e-15)


def test_every_primitive_has_a_row():
    covered = {name for case in CASES for name in case.covers}
    missing = sorted(cls.__name__ for cls in ops.PRIMITIVES if cls.__name__ not in covered)
    assert not missing, f"primitives without a row in CASES: {missing}"


def test_every_primitive_defines_all_three_rules():
    for cls in ops.PRIMITIVES:
        for rule in ("forward", "backward", "jvp"):
            assert rule in vars(cls) or any(rule in vars(base) for base in cls.__mro__[1:-2]), (
                f"{cls.__name__} lacks {rule}"
            )
