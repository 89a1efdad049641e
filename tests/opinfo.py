"""The op registry (in the spirit of PyTorch's OpInfo): one record per
public op of ``autograd_core.ops`` (which together reach every primitive of
``ops.PRIMITIVES``) and one per public function of ``nn.functional``.

A record holds the op, a numpy reference, a sample-input generator (0-d, broadcasting pairs,
empty arrays where the op allows them, kwarg variants and edge values), error inputs with
the expected exception type and message, and flags. ``tests/test_opinfo.py`` runs generic
tests over every (record, sample); adding a primitive or a functional without a record
fails its completeness tests.

Conventions of ``SampleInput.args`` (also used by error inputs):

* a float ``np.ndarray`` becomes a leaf Tensor that requires grad (a differentiable input);
* ``Buf(array)`` becomes a Tensor that does not require grad (running statistics);
* ``Const(value)`` is passed as it is (a numpy constant operand);
* anything else (Python numbers, int/bool arrays, tuples, strings, None) is passed as is.

``kwargs`` are non-differentiable configuration, passed as they are.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

import autograd_core as ag
import nn.functional as F
from autograd_core import ops

# ---------------------------------------------------------------------------- samples


class Const:
    """A value passed to the op as it is (a numpy constant operand, never a Tensor)."""

    def __init__(self, value):
        self.value = value


class Buf:
    """An array passed to the op as a Tensor that does not require grad."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype=np.float64)


@dataclass
class SampleInput:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""
    grad: bool = True  # False: an edge value where only the forward value is pinned down


def S(*args, name="", grad=True, **kwargs):
    return SampleInput(tuple(args), dict(kwargs), name, grad)


class ErrorInput(NamedTuple):
    args: tuple
    kwargs: dict
    exc: type
    match: str


def E(exc, match, *args, **kwargs):
    return ErrorInput(tuple(args), dict(kwargs), exc, match)


def _is_leaf_value(a):
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _convert(a, dtype):
    if isinstance(a, Const):
        v = a.value
        return v.astype(dtype) if _is_leaf_value(v) else v
    if isinstance(a, Buf):
        return ag.tensor(a.array.astype(dtype))
    return a


def _ref_value(a, dtype):
    if isinstance(a, Const):
        v = a.value
        return v.astype(dtype) if _is_leaf_value(v) else v
    if isinstance(a, Buf):
        return a.array.astype(dtype)
    return a


def relayout(values, layout):
    """The same values in non-contiguous memory: 'strided' (every other element of a wider
    buffer), 'fortran' (column-major) or 'reversed' (negative strides)."""
    if layout == "strided":
        return np.repeat(values[..., None], 2, axis=-1)[..., 0]
    if layout == "fortran":  # falls back to strided where column-major is also row-major
        out = np.asfortranarray(values)
        return relayout(values, "strided") if out.flags.c_contiguous else out
    if layout == "reversed":
        flipped = np.ascontiguousarray(values[(slice(None, None, -1),) * values.ndim])
        return flipped[(slice(None, None, -1),) * values.ndim]
    raise ValueError(layout)


class Bound:
    """A sample bound to its record: fresh leaves, a callable for the checkers, the reference."""

    def __init__(self, info, sample, dtype=np.float64, layout=None):
        self.info, self.sample, self.dtype = info, sample, np.dtype(dtype)
        self.slots, self.fixed, self.leaves, self.ref_args = [], [], [], []
        for i, a in enumerate(sample.args):
            if _is_leaf_value(a):
                values = a.astype(dtype)
                leaf = ag.tensor(values, requires_grad=True)
                if layout is not None and values.size > 1:
                    leaf.data = relayout(values, layout)
                self.slots.append(i)
                self.leaves.append(leaf)
                self.fixed.append(None)
                self.ref_args.append(values.copy())
            else:
                self.fixed.append(_convert(a, dtype))
                self.ref_args.append(_ref_value(a, dtype))
        self.kwargs = {k: _convert(v, dtype) for k, v in sample.kwargs.items()}
        self.ref_kwargs = {k: _ref_value(v, dtype) for k, v in sample.kwargs.items()}

    def __call__(self, *leaves):
        args = list(self.fixed)
        for slot, leaf in zip(self.slots, leaves):
            args[slot] = leaf
        return self.info.op(*args, **self.kwargs)

    def run(self):
        return self(*self.leaves)

    def reference(self):
        return self.info.ref(*self.ref_args, **self.ref_kwargs)


# ---------------------------------------------------------------------------- values
UNARY_SHAPES = [(), (5,), (2, 3), (2, 1, 3), (2, 3, 2)]
BROADCAST_PAIRS = [
    ((), ()),
    ((4,), (4,)),
    ((3, 1), (1, 4)),
    ((), (2, 3)),
    ((2, 1, 3), (2, 1)),
    ((3,), (2, 3)),
    ((2, 1, 4), (3, 1)),
]


def values(shape, domain, rng, avoid=()):
    """Float64 values of ``shape`` inside ``domain``, at least 0.05 from every kink in avoid."""
    shape = tuple(shape)
    if domain == "positive":
        x = rng.uniform(0.5, 2.0, size=shape)
    elif domain == "unit":  # probabilities away from 0 and 1
        x = rng.uniform(0.1, 0.9, size=shape)
    elif domain == "inside_unit":  # |x| < 1 with a margin: arcsin, arccos, log1p
        x = rng.uniform(-0.9, 0.9, size=shape)
    elif domain == "away_from_zero":
        x = rng.uniform(0.2, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    elif domain == "distinct":  # no ties and no kink within eps
        n = max(int(np.prod(shape)), 1)
        x = rng.permutation(np.linspace(-1.3, 1.3, n)).reshape(shape)
        x = x + rng.uniform(0.011, 0.013, size=shape) * np.sign(x + 1e-12)
    else:
        x = rng.uniform(-1.5, 1.5, size=shape)
    x = np.asarray(x, dtype=np.float64)
    for kink in avoid:
        near = np.abs(x - kink) < 0.05
        x = np.where(near, kink + 0.1 * np.sign(x - kink + 1e-12), x)
    return x


def unary_samples(shapes=UNARY_SHAPES, edges=(), grad_edges=True, empty=True, avoid=(), **kwargs):
    """x of each shape (and an empty (0, 3) x), then edge values."""

    def make(info, rng):
        out = [S(values(s, info.domain, rng, avoid), name=f"{s}", **kwargs) for s in shapes]
        if empty:
            out.append(S(np.zeros((0, 3)), name="empty", **kwargs))
        for edge in edges:
            out.append(
                S(np.array(edge, dtype=np.float64), name=f"edge {edge}", grad=grad_edges, **kwargs)
            )
        return out

    return make


def binary_samples(pairs=BROADCAST_PAIRS, scalars=(2.5,), empty=True, constant=True):
    """Broadcasting pairs, a Python number on either side, a numpy constant operand, and an
    empty pair."""

    def make(info, rng):
        out = []
        for sa, sb in pairs:
            a = values(sa, info.domain, rng)
            b = np.asarray(
                values(sb, info.domain, rng) + (0.05 if info.domain == "distinct" else 0.0)
            )
            out.append(S(a, b, name=f"{sa} {sb}"))
        for c in scalars:
            out.append(S(values((2, 3), info.domain, rng), c, name=f"tensor, {c}"))
            out.append(S(c, values((3,), info.domain, rng), name=f"{c}, tensor"))
        if constant:
            out.append(
                S(
                    values((2, 3), info.domain, rng),
                    Const(values((3,), info.domain, rng) + 0.05),
                    name="ndarray operand",
                )
            )
        if empty:
            out.append(S(np.zeros((0, 3)), values((3,), info.domain, rng), name="empty"))
        return out

    return make


# ---------------------------------------------------------------------------- records
@dataclass
class OpInfo:
    name: str  # "add" for autograd_core.ops.add, "F.relu" for nn.functional.relu
    op: Callable
    ref: Callable
    sample_inputs: Callable  # (info, rng) -> list of SampleInput
    error_inputs: list = field(default_factory=list)
    domain: str = "real"  # real | positive | away_from_zero | distinct | unit | inside_unit
    supports_forward_ad: bool = True
    supports_gradgrad: bool = True
    keeps_dtype: bool = True  # float32 in -> float32 out
    ref_rtol: float = 1e-12
    ref_atol: float = 1e-12
    grad_eps: float = 1e-6
    grad_atol: float = 1e-5
    grad_rtol: float = 1e-3
    gradgrad_max_size: int = 12  # gradgradcheck costs O(n²) backward passes in the input size
    primitives_covered: tuple = ()
    aliases: tuple = ()  # other public names of the same function (F.logistic)

    def samples(self, seed=0):
        return self.sample_inputs(self, np.random.default_rng(seed))


def _sig(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_log_softmax(a, axis=-1):
    if np.ndim(a) == 0:  # a 0-d tensor has one (virtual) axis: log softmax is 0
        return a - a
    return a - _np_logsumexp(a, axis=axis, keepdims=True)


def _scatter_ref(g, shape, index):
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def _where_samples(info, rng):
    out = []
    for sa, sb in BROADCAST_PAIRS:
        a, b = values(sa, "real", rng), values(sb, "real", rng)
        cond = rng.random(np.broadcast_shapes(sa, sb)) > 0.5
        out.append(S(cond, a, b, name=f"{sa} {sb}"))
    out.append(S(np.array([True, False, True]), values((3,), "real", rng), 0.5, name="scalar b"))
    out.append(S(np.array(True), 0.5, values((2, 2), "real", rng), name="scalar a"))
    out.append(S(np.zeros((0, 3), bool), np.zeros((0, 3)), np.zeros((0, 3)), name="empty"))
    return out


def _reduction_samples(axes=(None, 0, -1, (0, 2), (2, 0)), empty_axis_ok=True):
    def make(info, rng):
        out = []
        for axis in axes:
            for keepdims in (False, True):
                out.append(
                    S(
                        values((2, 3, 2), info.domain, rng),
                        axis=axis,
                        keepdims=keepdims,
                        name=f"axis={axis} keepdims={keepdims}",
                    )
                )
        out.append(S(values((), info.domain, rng), name="0-d"))
        out.append(S(values((5,), info.domain, rng), axis=0, name="1-d mean(0)"))
        out += _vector_and_matrix_reductions(info, rng)
        out.append(S(np.zeros((0, 3)), axis=1, name="empty, non-empty axis"))
        if empty_axis_ok:
            out.append(S(np.zeros((0, 3)), axis=0, name="empty axis"))
        return out

    return make


def _vector_and_matrix_reductions(info, rng):
    """All axes, the last axis and the first (kept) of a vector and a matrix; a leading and
    the last axis together."""
    out = []
    for shape in ((5,), (2, 3)):
        out.append(S(values(shape, info.domain, rng), name=f"{shape} all"))
        out.append(S(values(shape, info.domain, rng), axis=-1, name=f"{shape} axis=-1"))
        out.append(
            S(
                values(shape, info.domain, rng),
                axis=0,
                keepdims=True,
                name=f"{shape} axis=0 keepdims",
            )
        )
    out.append(S(values((2, 3), info.domain, rng), axis=0, name="(2, 3) axis=0"))
    for shape in ((2, 3), (2, 3, 2)):
        out.append(
            S(
                values(shape, info.domain, rng),
                axis=(0, -1),
                keepdims=True,
                name=f"{shape} axis=(0, -1) keepdims",
            )
        )
    return out


def _lse_samples(info, rng):
    out = _reduction_samples(empty_axis_ok=False)(info, rng)
    out.append(S(np.array([1e3, 1e3 + 0.5, -1e3]), name="large values"))
    out.append(S(np.array([-np.inf, 1.0]), name="one -inf", grad=False))
    return out


def _softmax_samples(info, rng):
    out = [
        S(values((4,), "real", rng), name="1-d"),
        S(values((2, 3), "real", rng), name="2-d"),
        S(values((2, 3), "real", rng), axis=0, name="axis 0"),
        S(values((2, 3, 2), "real", rng), axis=1, name="axis 1"),
        S(values((), "real", rng), name="0-d"),
        S(np.zeros((0, 3)), name="empty rows"),
        S(np.array([1e3, 1e3 + 0.5, 1e3 - 0.5]), name="large logits"),
    ]
    return out


def _axis_errors(op):
    return [
        E(
            ValueError,
            rf"^{op}: axis 2 is out of range for a tensor with 2 dimensions",
            np.ones((2, 3)),
            axis=2,
        ),
        E(ValueError, rf"^{op}: repeated axis in \(0, -2\)", np.ones((2, 3)), axis=(0, -2)),
        E(TypeError, rf"^{op}: axis must be an int or a tuple of ints", np.ones((2, 3)), axis=1.5),
    ]


def _broadcast_error(op):
    return [
        E(
            ValueError,
            rf"^{op}: shapes \(2, 3\) and \(4,\) cannot be broadcast together",
            np.ones((2, 3)),
            np.ones(4),
        )
    ]


def non_numeric(op):
    """Data that cannot be a tensor: refused by the op or by the conversion to a tensor."""
    prefix = rf"^(tensor|{op}): "
    return [
        E(TypeError, prefix, "abc"),
        E(TypeError, prefix + r".*NoneType", None),
        E(TypeError, prefix, ["a", "b"]),
        E(ValueError, prefix + r".*(rectangular|inhomogeneous)", [[1.0, 2.0], [3.0]]),
    ]


def _unary(name, fn, ref, domain="real", edges=(), grad_edges=True, primitive=None, **kw):
    return OpInfo(
        name,
        fn,
        ref,
        unary_samples(edges=edges, grad_edges=grad_edges),
        error_inputs=non_numeric(name),
        domain=domain,
        primitives_covered=(primitive or name.capitalize(),),
        **kw,
    )


def _binary(name, fn, ref, domain="real", primitive=None, **kw):
    return OpInfo(
        name,
        fn,
        ref,
        binary_samples(),
        error_inputs=_broadcast_error(name),
        domain=domain,
        primitives_covered=(primitive or name.capitalize(),),
        **kw,
    )


def _pow_samples(info, rng):
    out = binary_samples(scalars=(), constant=False)(info, rng)
    out += [S(values(s, "real", rng), 3.0, name=f"x**3 {s}") for s in UNARY_SHAPES]
    out += [S(2.0, values(s, "real", rng), name=f"2**x {s}") for s in UNARY_SHAPES]
    out += [
        S(values((2, 3), "real", rng), 2, name="x**2 int"),
        S(values((4,), "positive", rng), 0.5, name="x**0.5"),
        S(values((4,), "real", rng), 0, name="x**0"),
        S(np.array([-2.0, -0.5]), 2.0, name="negative base, even exponent"),
        S(np.array([0.0, 1.0]), 2.0, name="x**2 at 0"),
        S(np.array([-8.0]), 1 / 3, name="negative base, fractional", grad=False),
    ]
    return out


def _index_samples(info, rng):
    x = values((3, 4), "real", rng)
    return [
        S(x, 1, name="int"),
        S(x, -1, name="negative int"),
        S(x, (slice(1, None), slice(None, None, -2)), name="slices"),
        S(x, np.array([0, 2, 0]), name="repeated int array"),
        S(x, ([0, 2, 0], [1, 3, 1]), name="index pairs"),
        S(x, x > 0, name="bool mask"),
        S(x, (None, Ellipsis, 1), name="None, Ellipsis"),
        S(x, slice(2, 2), name="empty slice"),
        S(values((), "real", rng), (), name="0-d, ()"),
        S(values((5,), "real", rng), np.array([4, 4, 0, 1]), name="1-d repeated"),
        S(
            values((3, 5), "real", rng),
            (slice(1, None), slice(None, None, -2)),
            name="(3, 5) slices",
        ),
        S(values((3, 2), "real", rng), (None, Ellipsis, 0), name="(3, 2) None, Ellipsis"),
        *[
            S(values(s, "real", rng), np.array([0, 2, 0, 1]), name=f"{s} repeated rows")
            for s in ((4,), (3, 2))
        ],
        *[
            S(x, x > 0, name=f"{x.shape} bool mask")
            for x in (values(s, "away_from_zero", rng) for s in ((6,), (2, 3)))
        ],
    ]


def _scatter_samples(info, rng):
    return [
        S(values((3, 2), "real", rng), (4, 2), np.array([1, 1, 3]), name="repeated rows"),
        S(values((), "real", rng), (3,), 1, name="int index"),
        S(values((2, 2), "real", rng), (3, 4), (slice(1, 3), slice(None, None, 2)), name="slices"),
    ]


def _join_samples(stack):
    def make(info, rng):
        out = [
            S(values((2, 3), "real", rng), values((2, 3), "real", rng), axis=0, name="axis 0"),
            S(
                values((2, 3), "real", rng),
                values((2, 3), "real", rng),
                values((2, 3), "real", rng),
                axis=-1,
                name="three, axis -1",
            ),
            S(values((2, 3), "real", rng), name="one input"),
            S(np.zeros((0, 3)), np.zeros((0, 3)), axis=1, name="empty"),
        ]
        if stack:
            out.append(S(values((), "real", rng), values((), "real", rng), name="0-d"))
            out.append(
                S(
                    values((3,), "real", rng),
                    values((3,), "real", rng),
                    axis=1,
                    name="new last axis",
                )
            )
            out.append(
                S(
                    values((2, 2), "real", rng),
                    values((2, 2), "real", rng),
                    axis=-1,
                    name="2-d, axis -1",
                )
            )
        else:
            out.append(
                S(
                    values((2, 3), "real", rng),
                    values((2, 1), "real", rng),
                    axis=1,
                    name="unequal sizes",
                )
            )
            out.append(
                S(np.zeros((0, 3)), values((2, 3), "real", rng), axis=0, name="empty and full")
            )
        return out

    return make


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 2)),
    ((2, 1, 2, 3), (3, 3, 2)),
    ((3,), (2, 3, 2)),
    ((1, 1), (1, 1)),
]


def _matmul_samples(info, rng):
    out = [
        S(values(a, "real", rng), values(b, "real", rng), name=f"{a} @ {b}")
        for a, b in MATMUL_SHAPES
    ]
    out.append(S(np.zeros((0, 3)), values((3, 2), "real", rng), name="empty rows"))
    out.append(S(np.zeros((2, 0)), np.zeros((0, 3)), name="empty inner"))
    out.append(
        S(values((2, 3), "real", rng), Const(values((3, 2), "real", rng)), name="ndarray operand")
    )
    return out


def _mean_ref(a, axis=None, keepdims=False):
    return np.mean(a, axis=axis, keepdims=keepdims)


def _var_samples(info, rng):
    out = [
        S(values((2, 3, 2), "real", rng), axis=axis, keepdims=kd, name=f"{axis} {kd}")
        for axis in (None, 1, (0, 2))
        for kd in (False, True)
    ]
    out.append(S(values((5,), "real", rng), ddof=1, name="ddof=1"))
    out.append(S(values((), "real", rng), name="0-d"))
    out += [S(values(s, "real", rng), axis=-1, name=f"{s} axis=-1") for s in ((5,), (2, 3))]
    return out


CORE = [
    _binary("add", ops.add, np.add),
    _binary("sub", ops.sub, np.subtract),
    _binary("mul", ops.mul, np.multiply),
    _binary("div", ops.div, np.true_divide, domain="away_from_zero"),
    _unary("neg", ops.neg, np.negative, edges=([-0.0, 0.0, 1e3],)),
    OpInfo(
        "pow",
        ops.pow,
        np.power,
        _pow_samples,
        error_inputs=_broadcast_error("pow"),
        domain="positive",
        primitives_covered=("Pow",),
    ),
    _unary("exp", ag.exp, np.exp, edges=([-30.0, 0.0, 30.0], [-1000.0, 1000.0]), grad_edges=False),
    _unary(
        "log",
        ag.log,
        np.log,
        domain="positive",
        edges=([1e-3, 1.0, 1e3], [0.0, -1.0, np.inf]),
        grad_edges=False,
    ),
    _unary(
        "sqrt",
        ag.sqrt,
        np.sqrt,
        domain="positive",
        edges=([1e-2, 1e4], [0.0, -1.0]),
        grad_edges=False,
    ),
    _unary("sin", ag.sin, np.sin, edges=([-10.0, 0.0, 10.0],)),
    _unary("cos", ag.cos, np.cos, edges=([-10.0, 0.0, 10.0],)),
    _unary("tanh", ag.tanh, np.tanh, edges=([-20.0, 0.0, 20.0], [-1000.0, 1000.0])),
    _unary("sigmoid", ag.sigmoid, _sig, edges=([-40.0, 0.0, 40.0], [-1000.0, 1000.0])),
    _unary(
        "relu",
        ag.relu,
        lambda a: np.maximum(a, 0.0),
        domain="away_from_zero",
        edges=([-1e3, -0.5, 0.5, 1e3],),
    ),
    _unary("abs", ag.abs, np.abs, domain="away_from_zero", edges=([-1e3, -0.5, 0.5, 1e3],)),
    _binary("maximum", ag.maximum, np.maximum, domain="distinct"),
    _binary("minimum", ag.minimum, np.minimum, domain="distinct"),
    OpInfo(
        "where",
        ag.where,
        np.where,
        _where_samples,
        primitives_covered=("Where",),
        error_inputs=[
            E(
                TypeError,
                r"^where: cond must be a boolean tensor or array, got dtype float64",
                np.ones(3),
                np.ones(3),
                np.ones(3),
            ),
            E(
                ValueError,
                r"^where: shapes .*\(2, 3\).*\(4,\) cannot be broadcast",
                np.ones((2, 3), bool),
                np.ones((2, 3)),
                np.ones(4),
            ),
        ],
    ),
    OpInfo(
        "clip",
        ag.clip,
        lambda a, lo=None, hi=None: np.clip(a, lo, hi),
        lambda info, rng: [
            *[
                S(np.asarray(values(s, "distinct", rng) * 1.2), -0.5, 0.5, name=f"both {s}")
                for s in UNARY_SHAPES
            ],
            S(values((5,), "distinct", rng), None, 0.25, name="hi only"),
            S(values((5,), "distinct", rng), -0.25, name="lo only"),
            S(np.zeros((0, 3)), -1.0, 1.0, name="empty"),
        ],
        error_inputs=[
            E(ValueError, r"^clip: at least one of lo and hi must be given", np.ones(3)),
            E(TypeError, r"^(tensor|clip): .*str", "abc", 0.0),
        ],
        primitives_covered=("Clip",),
    ),
    OpInfo(
        "cast",
        lambda a, dtype: ag.cast(ag.cast(a, dtype), a.dtype),
        lambda a, dtype: a.astype(dtype).astype(a.dtype),
        lambda info, rng: (
            [S(values(s, "real", rng), np.float32, name=f"f32 {s}") for s in UNARY_SHAPES]
            + [
                S(np.zeros((0, 3)), np.float32, name="empty"),
                S(values((3,), "real", rng), np.longdouble, name="longdouble"),
            ]
        ),
        error_inputs=[E(TypeError, r"^cast: .*'foo'", np.ones(3), "foo")],
        grad_eps=1e-2,
        grad_atol=1e-4,
        primitives_covered=("Cast",),
    ),
    OpInfo(
        "sum",
        ag.sum,
        np.sum,
        _reduction_samples(),
        error_inputs=_axis_errors("sum"),
        primitives_covered=("Sum",),
    ),
    OpInfo(
        "norm",
        ag.norm,
        lambda a, axis=None, keepdims=False: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)),
        _reduction_samples(),
        error_inputs=_axis_errors("norm"),
        domain="away_from_zero",
        primitives_covered=("Norm",),
    ),
    OpInfo(
        "mean",
        ag.mean,
        _mean_ref,
        _reduction_samples(empty_axis_ok=False),
        error_inputs=_axis_errors("mean")
        + [E(ValueError, r"^mean: cannot average over an empty axis", np.ones((0, 3)))],
        primitives_covered=("Sum", "Div"),
    ),
    OpInfo(
        "var",
        ag.var,
        np.var,
        _var_samples,
        error_inputs=_axis_errors("var")
        + [E(ValueError, r"^var: need more than ddof=3 elements, got 3", np.ones(3), ddof=3)],
        primitives_covered=("Sum", "Sub", "Mul", "Div"),
    ),
    OpInfo(
        "max",
        ag.max,
        np.max,
        _reduction_samples(empty_axis_ok=False),
        domain="distinct",
        error_inputs=_axis_errors("max")
        + [
            E(
                ValueError,
                r"^max: cannot reduce over an empty axis of shape \(0, 3\)",
                np.ones((0, 3)),
                axis=0,
            )
        ],
        primitives_covered=("Max",),
    ),
    OpInfo(
        "min",
        ag.min,
        np.min,
        _reduction_samples(empty_axis_ok=False),
        domain="distinct",
        error_inputs=_axis_errors("min")
        + [E(ValueError, r"^min: cannot reduce over an empty axis of shape \(0,\)", np.ones(0))],
        primitives_covered=("Min",),
    ),
    OpInfo(
        "logsumexp",
        ag.logsumexp,
        _np_logsumexp,
        _lse_samples,
        error_inputs=_axis_errors("logsumexp")
        + [E(ValueError, r"^logsumexp: cannot reduce over an empty axis", np.ones((2, 0)))],
        primitives_covered=("LogSumExp",),
        ref_rtol=1e-11,
    ),
    OpInfo(
        "softmax",
        ag.softmax,
        lambda a, axis=-1: np.exp(_np_log_softmax(a, axis)),
        _softmax_samples,
        error_inputs=[
            E(
                ValueError,
                r"axis 2 is out of range for a tensor with 2 dim",
                np.ones((2, 3)),
                axis=2,
            )
        ],
        primitives_covered=("LogSumExp", "Sub", "Exp"),
        ref_rtol=1e-11,
    ),
    OpInfo(
        "log_softmax",
        ag.log_softmax,
        _np_log_softmax,
        _softmax_samples,
        error_inputs=[
            E(
                ValueError,
                r"axis -3 is out of range for a tensor with 2 dim",
                np.ones((2, 3)),
                axis=-3,
            )
        ],
        primitives_covered=("LogSumExp", "Sub"),
        ref_rtol=1e-11,
    ),
    OpInfo(
        "reshape",
        ag.reshape,
        np.reshape,
        lambda info, rng: [
            S(values((2, 3), "real", rng), (3, 2), name="(3, 2)"),
            S(values((2, 3), "real", rng), (-1,), name="(-1,)"),
            *[
                S(values(s, "real", rng), (-1,), name=f"{s} to (-1,)")
                for s in ((), (5,), (2, 3, 2))
            ],
            S(values((2, 3), "real", rng), (2, 1, 3), name="insert 1"),
            S(values((), "real", rng), (1, 1), name="0-d"),
            S(values((1,), "real", rng), (), name="to 0-d"),
            S(np.zeros((0, 3)), (3, -1), name="empty"),
        ],
        error_inputs=[
            E(
                ValueError,
                r"^reshape: cannot reshape a tensor of shape \(2, 3\) "
                r"\(6 elements\) into shape \(4, 2\)",
                np.ones((2, 3)),
                (4, 2),
            )
        ],
        primitives_covered=("Reshape",),
    ),
    OpInfo(
        "transpose",
        ag.transpose,
        np.transpose,
        lambda info, rng: [
            S(values((2, 3), "real", rng), name="reverse"),
            S(values((5,), "real", rng), name="1-d reverse"),
            S(values((2, 3, 2), "real", rng), name="3-d reverse"),
            S(values((2, 3, 2), "real", rng), (1, 2, 0), name="(1, 2, 0)"),
            S(values((2, 3, 2), "real", rng), (-1, 0, 1), name="negative"),
            S(values((), "real", rng), name="0-d"),
            S(np.zeros((0, 3)), name="empty"),
        ],
        error_inputs=[
            E(
                ValueError,
                r"^transpose: axes \(0, 0\) are not a permutation for "
                r"shape \(2, 3\)",
                np.ones((2, 3)),
                (0, 0),
            )
        ],
        primitives_covered=("Transpose",),
    ),
    OpInfo(
        "broadcast_to",
        ag.broadcast_to,
        np.broadcast_to,
        lambda info, rng: [
            S(values((), "real", rng), (2, 3), name="0-d"),
            S(values((3,), "real", rng), (2, 3), name="lead"),
            S(values((2, 1), "real", rng), (2, 3), name="stretch"),
            S(values((1, 3), "real", rng), (2, 2, 3), name="both"),
            S(values((3,), "real", rng), (0, 3), name="to empty"),
        ],
        error_inputs=[
            E(
                ValueError,
                r"^broadcast_to: cannot broadcast a tensor of shape "
                r"\(2, 3\) to \(3, 3\)",
                np.ones((2, 3)),
                (3, 3),
            )
        ],
        primitives_covered=("BroadcastTo",),
    ),
    OpInfo(
        "getitem",
        ops.getitem,
        lambda a, index: a[index],
        _index_samples,
        error_inputs=[
            E(
                IndexError,
                r"^getitem: .*\(2, 3\).*index 5 is out of bounds for axis 0",
                np.ones((2, 3)),
                5,
            ),
            E(IndexError, r"^getitem: .*too many indices", np.ones((2, 3)), (0, 0, 0)),
            E(
                IndexError,
                r"^getitem: .*boolean index did not match",
                np.ones((2, 3)),
                np.ones(5, bool),
            ),
        ],
        gradgrad_max_size=15,
        primitives_covered=("GetItem", "ScatterAdd"),
    ),
    OpInfo(
        "scatter_add",
        lambda g, shape, index: ops.ScatterAdd.apply(g, shape=shape, index=index),
        _scatter_ref,
        _scatter_samples,
        primitives_covered=("ScatterAdd", "GetItem"),
    ),
    OpInfo(
        "concatenate",
        lambda *xs, axis=0: ag.concatenate(list(xs), axis=axis),
        lambda *xs, axis=0: np.concatenate(xs, axis=axis),
        _join_samples(stack=False),
        error_inputs=[
            E(ValueError, r"^concatenate: need at least one tensor"),
            E(
                ValueError,
                r"^concatenate: .*axis 2.* out of",
                np.ones((2, 3)),
                np.ones((2, 3)),
                axis=2,
            ),
            E(
                ValueError,
                r"^concatenate: .*\(2, 3\), \(3, 3\).*must match",
                np.ones((2, 3)),
                np.ones((3, 3)),
                axis=1,
            ),
        ],
        primitives_covered=("Concatenate",),
    ),
    OpInfo(
        "stack",
        lambda *xs, axis=0: ag.stack(list(xs), axis=axis),
        lambda *xs, axis=0: np.stack(xs, axis=axis),
        _join_samples(stack=True),
        error_inputs=[
            E(ValueError, r"^stack: need at least one tensor"),
            E(
                ValueError,
                r"^stack: all tensors must have the same shape",
                np.ones((2, 3)),
                np.ones((3, 2)),
            ),
            E(
                (ValueError, IndexError),
                r"^stack: .*axis 3.* out of",
                np.ones((2, 3)),
                np.ones((2, 3)),
                axis=3,
            ),
        ],
        primitives_covered=("Stack",),
    ),
    OpInfo(
        "matmul",
        ag.matmul,
        np.matmul,
        _matmul_samples,
        error_inputs=[
            E(
                ValueError,
                r"^matmul: inner dimensions do not match: \(2, 3\) @ \(4, 2\)",
                np.ones((2, 3)),
                np.ones((4, 2)),
            ),
            E(
                ValueError,
                r"^matmul: both operands need at least one dimension",
                np.ones((2, 3)),
                np.ones(()),
            ),
            E(
                ValueError,
                r"^matmul: batch dimensions of \(2, 2, 3\) and \(3, 3, 4\)",
                np.ones((2, 2, 3)),
                np.ones((3, 3, 4)),
            ),
        ],
        gradgrad_max_size=30,
        primitives_covered=("MatMul",),
    ),
    OpInfo("alias", ops.Alias.apply, lambda a: a, unary_samples(), primitives_covered=("Alias",)),
]


# ---------------------------------------------------------------------------- nn.functional
def _F_unary(name, fn, ref, avoid=(), edges=(), grad_edges=True, primitives=(), **kw):
    samples = unary_samples(avoid=avoid, edges=edges, grad_edges=grad_edges)
    return OpInfo(
        "F." + name,
        fn,
        ref,
        samples,
        error_inputs=non_numeric(name),
        primitives_covered=primitives,
        **kw,
    )


def _gelu_samples(info, rng):
    out = []
    for approximate in ("none", "tanh", "sigmoid"):
        out.append(S(values((2, 3), "real", rng), approximate=approximate, name=approximate))
        out.append(S(values((), "real", rng), approximate=approximate, name=approximate + " 0-d"))
    out.append(S(np.zeros((0, 3)), name="empty"))
    out.append(S(np.array([-8.0, 8.0]), name="tails"))
    return out


def _gelu_ref(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    if approximate == "sigmoid":
        return x * _sig(1.702 * x)
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _prelu_ref(x, w):
    if w.size > 1:
        w = w.reshape((w.size,) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, w * x)


def _prelu_samples(info, rng):
    return [
        S(values((2, 3), "away_from_zero", rng), np.array([0.25]), name="one slope"),
        S(values((4, 3), "away_from_zero", rng), values((3,), "real", rng), name="per channel"),
        S(
            values((2, 3, 2), "away_from_zero", rng),
            values((3,), "real", rng),
            name="per channel 3-d",
        ),
        S(values((), "away_from_zero", rng), np.array([0.1]), name="0-d"),
    ]


def _swish_samples(info, rng):
    return [
        S(values((2, 3), "real", rng), name="beta 1"),
        S(values((2, 3), "real", rng), 1.5, name="beta 1.5"),
        S(values((2, 3), "real", rng), 0.0, name="beta 0"),
        S(values((4,), "real", rng), np.array(0.7), name="learnable beta"),
        S(np.zeros((0, 3)), name="empty"),
    ]


def _maxout_ref(z, k):
    return z.reshape(z.shape[:-1] + (z.shape[-1] // k, k)).max(axis=-1)


def _dyt_samples(info, rng):
    x = values((2, 3), "real", rng)
    return [
        S(x, np.array(0.5), values((3,), "real", rng), values((3,), "real", rng), name="tensors"),
        S(values((4,), "real", rng), 0.5, 1.0, 0.0, name="numbers"),
    ]


def _linear_samples(info, rng):
    return [
        S(
            values((4, 3), "real", rng),
            values((2, 3), "real", rng),
            values((2,), "real", rng),
            name="batch",
        ),
        S(values((3,), "real", rng), values((2, 3), "real", rng), name="vector, no bias"),
        S(
            values((2, 2, 3), "real", rng),
            values((1, 3), "real", rng),
            values((1,), "real", rng),
            name="3-d input",
        ),
        S(
            np.zeros((0, 3)),
            values((2, 3), "real", rng),
            values((2,), "real", rng),
            name="empty batch",
        ),
    ]


def _F_softmax_samples(info, rng):
    return _softmax_samples(info, rng) + [
        S(values((2, 3), "real", rng), dim=0, name="dim 0"),
        S(values((2, 3, 2), "real", rng), dim=-2, name="dim -2"),
    ]


def _F_softmax_errors(name):
    return [
        E(TypeError, rf"^{name}: got axis=0 and dim=1; give one of them", np.ones((2, 3)), 0, dim=1)
    ]


def _F_pad_ref(x, pad, mode="constant", value=0.0):
    """torch.nn.functional.pad in numpy: pairs from the last axis, negative widths crop."""
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2)
    pairs += [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    x = x[tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(x.shape, pairs))]
    return np.pad(x, [(max(b, 0), max(a, 0)) for b, a in pairs], constant_values=value)


def _F_pad_samples(info, rng):
    return [
        S(values((2, 3), "real", rng), (1, 2), name="last axis"),
        S(values((2, 3), "real", rng), (1, 1, 2, 0), value=1.5, name="two axes, value"),
        S(values((2, 3, 2), "real", rng), (0, 1, 1, 0, 2, 2), name="every axis"),
        S(values((3, 4), "real", rng), (-1, 2, 0, -1), name="negative widths crop"),
        S(values((4,), "real", rng), (), name="no padding"),
        S(np.zeros((0, 3)), (1, 1), name="empty"),
    ]


def _dropout_ref(x, p=0.5, training=True, rng=None):
    if not training or p == 0:
        return x
    keep = np.random.default_rng(rng).random(x.shape) >= p
    return x * (keep / (1.0 - p)).astype(x.dtype)


def _dropout_samples(info, rng):
    return [
        S(values((3, 4), "real", rng), p=0.5, training=True, rng=0, name="training"),
        S(values((3, 4), "real", rng), p=0.25, training=True, rng=1, name="p=0.25"),
        S(values((3, 4), "real", rng), p=0.5, training=False, name="eval"),
        S(values((3,), "real", rng), p=0.0, training=True, name="p=0"),
        S(values((), "real", rng), p=0.3, training=True, rng=2, name="0-d"),
        S(np.zeros((0, 3)), p=0.5, training=True, rng=0, name="empty"),
    ]


def _batch_norm_ref(
    x,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
):
    axes = (0,) if x.ndim == 2 else (0, 2)
    kept = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    else:
        mean, var = running_mean.reshape(kept), running_var.reshape(kept)
    out = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(kept)
    if bias is not None:
        out = out + bias.reshape(kept)
    return out


def _batch_norm_samples(info, rng):
    def stats():
        return Buf(values((3,), "real", rng)), Buf(values((3,), "positive", rng))

    return [
        S(
            values((4, 3), "real", rng),
            *stats(),
            values((3,), "real", rng),
            values((3,), "real", rng),
            training=True,
            name="training (N, C)",
        ),
        S(
            values((2, 3, 2), "real", rng),
            *stats(),
            values((3,), "real", rng),
            values((3,), "real", rng),
            training=True,
            name="training (N, C, L)",
        ),
        S(values((4, 3), "real", rng), None, None, training=True, name="no stats, no affine"),
        S(
            values((4, 3), "real", rng),
            *stats(),
            values((3,), "real", rng),
            values((3,), "real", rng),
            training=False,
            name="eval",
        ),
        S(values((2, 3, 2), "real", rng), *stats(), training=False, name="eval (N, C, L)"),
    ]


def _mse_samples(info, rng):
    out = [
        S(values((2, 3), "real", rng), values((2, 3), "real", rng), reduction=r, name=r)
        for r in ("mean", "sum", "none")
    ]
    out.append(S(values((), "real", rng), values((), "real", rng), name="0-d"))
    out.append(
        S(values((4,), "real", rng), Const(values((4,), "real", rng)), name="ndarray target")
    )
    return out


def _reduce_ref(loss, reduction="mean"):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _mse_ref(x, y, reduction="mean"):
    return _reduce_ref((x - y) ** 2, reduction)


LABELS = np.array([2, 0, 1, 2])


def _ce_samples(info, rng):
    out = [
        S(values((4, 3), "real", rng), LABELS, reduction=r, name=f"labels {r}")
        for r in ("mean", "sum", "none")
    ]
    probs = np.exp(values((4, 3), "real", rng))
    out.append(
        S(
            values((4, 3), "real", rng),
            probs / probs.sum(1, keepdims=True),
            name="probability targets",
        )
    )
    out.append(S(values((4, 3), "real", rng), Const(np.eye(3)[LABELS]), name="one-hot targets"))
    out.append(S(np.array([[1e4, 0.0, -1e4]]), np.array([2]), name="logit gap 1e4"))
    return out


def _ce_ref(x, t, reduction="mean"):
    log_p = _np_log_softmax(x, axis=1)
    loss = -(t * log_p).sum(1) if np.ndim(t) == 2 else -log_p[np.arange(len(x)), t]
    return _reduce_ref(loss, reduction)


def _nll_samples(info, rng):
    return [
        S(values((4, 3), "real", rng), LABELS, reduction=r, name=r) for r in ("mean", "sum", "none")
    ]


def _nll_ref(x, t, reduction="mean"):
    return _reduce_ref(-x[np.arange(len(x)), t], reduction)


def _bce_samples(info, rng):
    out = [
        S(values((2, 3), "unit", rng), values((2, 3), "unit", rng), reduction=r, name=r)
        for r in ("mean", "sum", "none")
    ]
    out.append(
        S(values((4,), "unit", rng), Const(np.array([0.0, 1.0, 1.0, 0.0])), name="hard targets")
    )
    out.append(
        S(
            np.array([0.0, 1.0, 0.0, 1.0]),
            np.array([0.0, 1.0, 1.0, 0.0]),
            name="p in {0, 1}",
            grad=False,
        )
    )
    return out


def _bce_ref(p, y, reduction="mean"):
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))
    return _reduce_ref(loss, reduction)


def _bcel_samples(info, rng):
    out = [
        S(values((2, 3), "real", rng), values((2, 3), "unit", rng), reduction=r, name=r)
        for r in ("mean", "sum", "none")
    ]
    out.append(
        S(np.array([-1e3, -30.0, 30.0, 1e3]), np.array([0.0, 1.0, 0.0, 1.0]), name="extreme logits")
    )
    return out


def _bcel_ref(x, y, reduction="mean"):
    return _reduce_ref(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))), reduction)


def _frob_samples(info, rng):
    return [
        S(values((2, 3), "real", rng), lam=0.1, name="one"),
        S(values((2, 3), "real", rng), values((3,), "real", rng), lam=2.0, name="two"),
        S(values((), "real", rng), lam=0.0, name="0-d, lam 0"),
    ]


FUNCTIONAL = [
    _F_unary("erf", F.erf, _erf, edges=([-6.0, 0.0, 6.0],), primitives=("Erf",)),
    _F_unary("sigmoid", F.sigmoid, _sig, primitives=("Sigmoid",), aliases=("F.logistic",)),
    _F_unary("tanh", F.tanh, np.tanh, primitives=("Tanh",)),
    _F_unary(
        "hard_logistic",
        F.hard_logistic,
        lambda x: np.clip(0.25 * x + 0.5, 0.0, 1.0),
        avoid=(-2.0, 2.0),
        edges=([-3.0, -1.0, 3.0],),
        primitives=("Clip",),
    ),
    _F_unary(
        "hard_tanh",
        F.hard_tanh,
        lambda x: np.clip(x, -1.0, 1.0),
        avoid=(-1.0, 1.0),
        primitives=("Clip",),
    ),
    _F_unary("relu", F.relu, lambda x: np.maximum(x, 0.0), avoid=(0.0,), primitives=("Relu",)),
    OpInfo(
        "F.leaky_relu",
        F.leaky_relu,
        lambda x, gamma=0.01: np.where(x > 0, x, gamma * x),
        lambda info, rng: [
            S(values((2, 3), "away_from_zero", rng), name="default"),
            S(values((5,), "away_from_zero", rng), 0.2, name="gamma 0.2"),
            S(values((), "away_from_zero", rng), name="0-d"),
            S(np.zeros((0, 3)), name="empty"),
        ],
        primitives_covered=("Where", "Mul"),
    ),
    OpInfo(
        "F.prelu",
        F.prelu,
        _prelu_ref,
        _prelu_samples,
        error_inputs=[
            E(
                ValueError,
                r"^prelu: 3 slopes need an input with 3 channels",
                np.ones((2, 4)),
                np.ones(3),
            )
        ],
        primitives_covered=("Where", "Mul"),
    ),
    OpInfo(
        "F.elu",
        F.elu,
        lambda x, gamma=1.0: np.where(x > 0, x, gamma * (np.exp(np.minimum(x, 0)) - 1)),
        lambda info, rng: [
            S(values((2, 3), "away_from_zero", rng), name="default"),
            S(values((5,), "away_from_zero", rng), 1.5, name="gamma 1.5"),
            S(np.array([-1e3, 1e3]), name="large"),
            S(np.zeros((0, 3)), name="empty"),
        ],
        primitives_covered=("Where", "Exp", "Clip"),
    ),
    _F_unary(
        "softplus",
        F.softplus,
        lambda x: np.logaddexp(0.0, x),
        edges=([-40.0, 0.0, 40.0], [-1000.0, 1000.0]),
        primitives=("Softplus",),
    ),
    OpInfo(
        "F.swish",
        F.swish,
        lambda x, beta=1.0: x * _sig(beta * x),
        _swish_samples,
        primitives_covered=("Mul", "Sigmoid"),
    ),
    _F_unary("silu", F.silu, lambda x: x * _sig(x), primitives=("Mul", "Sigmoid")),
    OpInfo(
        "F.gelu",
        F.gelu,
        _gelu_ref,
        _gelu_samples,
        ref_rtol=1e-10,
        error_inputs=[
            E(
                ValueError,
                r"^gelu: approximate must be 'none', 'tanh' or 'sigmoid'",
                np.ones(3),
                approximate="exact",
            )
        ],
        primitives_covered=("Erf", "Tanh", "Sigmoid"),
    ),
    OpInfo(
        "F.maxout",
        F.maxout,
        _maxout_ref,
        lambda info, rng: [
            S(values((2, 6), "distinct", rng), 2, name="k=2"),
            S(values((6,), "distinct", rng), 3, name="1-d k=3"),
            S(values((2, 3), "distinct", rng), 1, name="k=1"),
        ],
        error_inputs=[
            E(ValueError, r"^maxout: k must be a positive integer", np.ones((2, 4)), 0),
            E(
                ValueError,
                r"^maxout: the last axis of shape \(2, 5\) is not a "
                r"multiple of k=2",
                np.ones((2, 5)),
                2,
            ),
        ],
        primitives_covered=("Reshape", "Max"),
    ),
    OpInfo(
        "F.dyt",
        F.dyt,
        lambda x, a, w, b: w * np.tanh(a * x) + b,
        _dyt_samples,
        primitives_covered=("Tanh", "Mul", "Add"),
    ),
    OpInfo(
        "F.softmax",
        F.softmax,
        lambda a, axis=-1, dim=None: np.exp(_np_log_softmax(a, axis if dim is None else dim)),
        _F_softmax_samples,
        error_inputs=_F_softmax_errors("softmax"),
        primitives_covered=("LogSumExp", "Exp"),
        ref_rtol=1e-11,
    ),
    OpInfo(
        "F.log_softmax",
        F.log_softmax,
        lambda a, axis=-1, dim=None: _np_log_softmax(a, axis if dim is None else dim),
        _F_softmax_samples,
        error_inputs=_F_softmax_errors("log_softmax"),
        primitives_covered=("LogSumExp",),
        ref_rtol=1e-11,
    ),
    OpInfo(
        "F.linear",
        F.linear,
        lambda x, w, b=None: x @ w.T + (0 if b is None else b),
        _linear_samples,
        error_inputs=[
            E(
                ValueError,
                r"^linear: input of shape \(2, 4\) does not fit a weight "
                r"of shape \(2, 3\)",
                np.ones((2, 4)),
                np.ones((2, 3)),
            )
        ],
        primitives_covered=("Linear",),
    ),
    OpInfo(
        "F.pad",
        F.pad,
        _F_pad_ref,
        _F_pad_samples,
        error_inputs=[
            E(ValueError, r"^pad: only mode='constant'", np.ones((2, 3)), (1, 1), mode="reflect"),
            E(
                TypeError,
                r"^pad: pad must be a tuple of \(before, after\) int pairs",
                np.ones(3),
                (1,),
            ),
            E(
                ValueError,
                r"^pad: 6 values pad 3 axes, but the input of shape \(2, 3\) has 2",
                np.ones((2, 3)),
                (1, 1, 1, 1, 1, 1),
            ),
            E(
                ValueError,
                r"^pad: widths \(-2, -2\) remove more than the 3 elements",
                np.ones(3),
                (-2, -2),
            ),
        ],
        primitives_covered=("Pad", "GetItem"),
    ),
    OpInfo(
        "F.dropout",
        F.dropout,
        _dropout_ref,
        _dropout_samples,
        error_inputs=[
            E(
                ValueError,
                r"^dropout: dropout probability must be in \[0, 1\), "
                r"got 1.0",
                np.ones(3),
                p=1.0,
            )
        ],
        primitives_covered=("Mul",),
    ),
    OpInfo(
        "F.batch_norm",
        F.batch_norm,
        _batch_norm_ref,
        _batch_norm_samples,
        ref_rtol=1e-10,
        error_inputs=[
            E(
                ValueError,
                r"^batch_norm: expected an input of shape \(N, C\) or \(N, C, L\)",
                np.ones(3),
            ),
            E(
                ValueError,
                r"^batch_norm: evaluation needs running_mean and running_var",
                np.ones((2, 3)),
            ),
            E(
                ValueError,
                r"^batch_norm: expected more than 1 value per channel",
                np.ones((1, 3)),
                training=True,
            ),
        ],
        primitives_covered=("Sum", "Sub", "Div", "Sqrt", "Mul", "Add"),
    ),
    OpInfo(
        "F.mse_loss",
        F.mse_loss,
        _mse_ref,
        _mse_samples,
        error_inputs=[
            E(
                ValueError,
                r"^mse_loss: target shape \(3,\) does not match input shape "
                r"\(2, 3\)",
                np.ones((2, 3)),
                Const(np.ones(3)),
            ),
            E(
                ValueError,
                r"^mse_loss: target contains NaN",
                np.ones(2),
                Const(np.array([1.0, np.nan])),
            ),
            E(
                ValueError,
                r"^reduction must be 'mean', 'sum' or 'none'",
                np.ones(2),
                np.ones(2),
                reduction="avg",
            ),
        ],
        primitives_covered=("Sub", "Mul", "Sum"),
    ),
    OpInfo(
        "F.cross_entropy",
        F.cross_entropy,
        _ce_ref,
        _ce_samples,
        ref_rtol=1e-11,
        error_inputs=[
            E(
                TypeError,
                r"^cross_entropy: class-index targets must be integers",
                np.ones((2, 3)),
                Const(np.array([0.0, 1.0])),
            ),
            E(
                ValueError,
                r"^cross_entropy: class labels must be in \[0, 3\), got 3",
                np.ones((2, 3)),
                np.array([0, 3]),
            ),
            E(
                ValueError,
                r"^cross_entropy: expected an input of shape \(N, C\)",
                np.ones(3),
                np.array([0]),
            ),
        ],
        primitives_covered=("SoftmaxCrossEntropy", "LogSumExp", "Neg"),
    ),
    OpInfo(
        "F.nll_loss",
        F.nll_loss,
        _nll_ref,
        _nll_samples,
        error_inputs=[
            E(
                ValueError,
                r"^nll_loss: target of shape \(3,\) does not match "
                r"input of shape \(2, 3\)",
                np.ones((2, 3)),
                np.array([0, 1, 2]),
            )
        ],
        primitives_covered=("GetItem", "Neg"),
    ),
    OpInfo(
        "F.binary_cross_entropy",
        F.binary_cross_entropy,
        _bce_ref,
        _bce_samples,
        domain="unit",
        error_inputs=[
            E(
                ValueError,
                r"^binary_cross_entropy: input must hold probabilities "
                r"in \[0, 1\]",
                np.array([0.5, 1.5]),
                np.array([0.0, 1.0]),
            )
        ],
        primitives_covered=("Log", "Clip", "Where"),
    ),
    OpInfo(
        "F.binary_cross_entropy_with_logits",
        F.binary_cross_entropy_with_logits,
        _bcel_ref,
        _bcel_samples,
        error_inputs=[
            E(
                ValueError,
                r"^binary_cross_entropy_with_logits: target shape",
                np.ones(3),
                np.ones(2),
            )
        ],
        primitives_covered=("Softplus", "Mul"),
    ),
    OpInfo(
        "F.frobenius_penalty",
        lambda *ws, lam: F.frobenius_penalty(list(ws), lam),
        lambda *ws, lam: 0.5 * lam * sum((w * w).sum() for w in ws),
        _frob_samples,
        error_inputs=[
            E(ValueError, r"^frobenius_penalty: lam must be non-negative", np.ones(2), lam=-1.0),
            E(ValueError, r"^frobenius_penalty: got an empty list of parameters", lam=1.0),
        ],
        primitives_covered=("Mul", "Sum", "Add"),
    ),
]

from .opinfo_math import RECORDS as MATH  # noqa: E402
from .opinfo_select import RECORDS as SELECT  # noqa: E402
from .opinfo_shape import RECORDS as SHAPE  # noqa: E402

OP_DB = CORE + MATH + SELECT + SHAPE + FUNCTIONAL
BY_NAME = {info.name: info for info in OP_DB}
