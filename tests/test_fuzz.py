"""Fuzzing bad input (hypothesis): random shapes (empty included), dtypes (float16/32/64, int,
bool, complex, object), NaN/inf and wrong types (None, strings, dicts, lists of strings,
ragged lists) go to every public op of ``autograd_core`` (module functions, Tensor methods
and operators) and to the nn layers, activations and losses.

Each call must either work or raise one of the library's documented errors, within a time
limit. Documented errors are ``OpError``/``OpTypeError``, and ValueError, TypeError,
IndexError or RuntimeError whose message starts with the op's name (``"<op>: "``, the
convention of tests/test_errors.py) or with ``"tensor: "`` (the conversion of the input to
a tensor); never a bare numpy or Python message from deep inside. "Works" means: a Tensor
whose dtype is one a tensor may have (bool, int, float: what ``ag.tensor`` accepts), whose
backward (when it requires grad) gives every input leaf a gradient of its shape and dtype.
"""

import operator
import re
import signal
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
import nn
from autograd_core.errors import OpError, OpTypeError

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TIME_LIMIT = 5.0  # seconds per call: a hang is a failure, not a stuck test run


# ---------------------------------------------------------------------------- strategies
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
FLOATS = {np.float16: 16, np.float32: 32, np.float64: 64}


@st.composite
def numeric_arrays(draw, kinds="fib"):
    """Arrays of float16/32/64 (with NaN and ±inf), int32/64 or bool."""
    choices = [d for d in (np.float64, np.float32, np.float16) if "f" in kinds]
    choices += [np.int64, np.int32] if "i" in kinds else []
    choices += [np.bool_] if "b" in kinds else []
    dtype = draw(st.sampled_from(choices))
    shape = draw(SHAPES)
    if dtype in FLOATS:
        elements = st.floats(-1e3, 1e3, width=FLOATS[dtype]) | st.sampled_from(
            [np.nan, np.inf, -np.inf, 0.0, -0.0]
        )
    elif dtype is np.bool_:
        elements = st.booleans()
    else:
        elements = st.integers(-5, 5)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def odd_arrays(draw):
    """Arrays that cannot be tensors: complex (with NaN) and object (numbers, None, str)."""
    shape = draw(SHAPES)
    if draw(st.booleans()):
        return draw(
            hnp.arrays(
                np.complex128,
                shape,
                elements=st.complex_numbers(max_magnitude=10) | st.just(complex(np.nan, 1.0)),
            )
        )
    elements = st.one_of(st.floats(-10, 10), st.none(), st.text(max_size=2))
    return draw(hnp.arrays(object, shape, elements=elements))


@st.composite
def tensors(draw, kinds="fib"):
    """A Tensor of numeric data; float ones require grad half of the time."""
    array = draw(numeric_arrays(kinds))
    grad = array.dtype.kind == "f" and draw(st.booleans())
    return ag.tensor(array, requires_grad=grad)


WRONG = st.sampled_from(
    [
        None,
        "abc",
        "",
        {"a": 1},
        ["a", "b"],
        [[1.0, 2.0], [3.0]],
        [[1.0], 2.0],
        [1.0, None],
        1j,
        object(),
        (1, "a"),
        [],
        b"xy",
    ]
)
PYNUM = st.one_of(st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.booleans())
NESTED = st.lists(st.floats(-5, 5), min_size=0, max_size=3) | st.lists(
    st.lists(st.floats(-5, 5), min_size=2, max_size=2), min_size=1, max_size=2
)
ANY = st.one_of(
    tensors(), tensors(), tensors(), numeric_arrays(), odd_arrays(), PYNUM, NESTED, WRONG
)
AXIS = st.one_of(
    st.none(),
    st.integers(-4, 4),
    st.tuples(st.integers(-3, 3)),
    st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
    st.floats(-2, 2),
    st.sampled_from(["a", [0, 1], {0: 1}, (0.5,)]),
)
KEEPDIMS = st.one_of(st.booleans(), st.sampled_from([None, "yes", 2]))
SHAPE = st.one_of(
    st.tuples(),
    st.lists(st.integers(-2, 4), max_size=3).map(tuple),
    st.integers(-2, 6),
    st.sampled_from([None, "ab", (2.5,), ("a", 1), [2, 3]]),
)
DTYPE = st.sampled_from(
    [
        np.float32,
        np.float64,
        np.float16,
        np.int64,
        bool,
        np.complex128,
        object,
        "float32",
        "foo",
        None,
        3,
        np.str_,
    ]
)
INDEX = st.one_of(
    st.integers(-4, 4),
    st.none(),
    st.just(Ellipsis),
    st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
    st.builds(
        slice,
        st.integers(-3, 3) | st.none(),
        st.integers(-3, 3) | st.none(),
        st.sampled_from([None, 1, -1, 2]),
    ),
    numeric_arrays("ib"),
    tensors("ib"),
    st.lists(st.integers(-4, 4), max_size=3),
    st.sampled_from(["a", 1.5, [1.5], {"a": 1}, (None, "x")]),
)
SEQ = st.lists(ANY, min_size=0, max_size=3) | ANY


# ---------------------------------------------------------------------------- the checker
class Hang(BaseException):
    """Raised by the alarm when a call exceeds TIME_LIMIT (a BaseException: no op swallows it)."""


def _alarm(signum, frame):
    raise Hang(f"call did not return within {TIME_LIMIT} s")


def _leaves(args):
    found = []
    for a in args:
        if isinstance(a, ag.Tensor) and a.requires_grad and a.grad_fn is None:
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found.extend(_leaves(a))
    return found


def _documented(exc, prefixes):
    """None if exc is a documented error of the library, else why it is not."""
    if isinstance(exc, (OpError, OpTypeError)):
        return None
    if not isinstance(exc, (ValueError, TypeError, IndexError, RuntimeError)):
        return f"undocumented exception type {type(exc).__module__}.{type(exc).__name__}"
    message = str(exc)
    if any(re.match(p, message) for p in prefixes):
        return None
    return "message does not name the op"


def _describe(args):
    def one(a):
        if isinstance(a, ag.Tensor):
            return f"Tensor(dtype={a.dtype}, shape={a.shape}, requires_grad={a.requires_grad})"
        if isinstance(a, np.ndarray):
            return f"ndarray(dtype={a.dtype}, shape={a.shape})"
        return repr(a)[:60]

    return ", ".join(one(a) for a in args)


def check_call(target, args):
    """Call target.fn(*args): it works (see the module docstring) or raises a documented
    error, within TIME_LIMIT."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    stage = "call"
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                out = target.fn(*args)
                if not isinstance(out, ag.Tensor):
                    assert target.returns_other, (
                        f"{target.name}({_describe(args)}) returned a {type(out).__name__}, "
                        "not a Tensor"
                    )
                    return
                assert isinstance(out.data, np.ndarray) and out.dtype.kind in "biuf", (
                    f"{target.name}({_describe(args)}) returned a tensor of dtype {out.dtype}, "
                    "which ag.tensor refuses (silently accepted unsupported data)"
                )
                if out.requires_grad:
                    stage = "backward"
                    leaves = _leaves(args)
                    for leaf in leaves:
                        leaf.grad = None
                    out.backward(ag.ones_like(out))
                    for leaf in leaves:
                        if leaf.grad is not None:
                            assert leaf.grad.shape == leaf.shape, (target.name, _describe(args))
                            assert leaf.grad.dtype == leaf.dtype, (target.name, _describe(args))
            except (AssertionError, Hang):
                raise
            except Exception as exc:  # noqa: BLE001 (the point is to judge every exception)
                why = _documented(exc, target.prefixes)
                assert why is None, (
                    f"{target.name}({_describe(args)}) [{stage}] raised "
                    f"{type(exc).__name__}: {str(exc)[:300]!r}; {why}"
                )
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Target:
    name: str
    fn: object
    args: tuple  # strategies, one per positional argument
    names: tuple = ()  # other op names its messages may start with ("<name>: ")
    returns_other: bool = False  # may return a non-Tensor (item, tolist, len, ...)
    messages: tuple = ()  # further accepted message patterns (regexes)

    @property
    def prefixes(self):
        names = tuple(rf"^{re.escape(n)}: " for n in (self.name,) + self.names)
        return names + (r"^tensor: ",) + self.messages


# ---------------------------------------------------------------------------- targets
UNARY = ["exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "abs"]
REDUCTIONS = ["sum", "mean", "var", "std", "amax", "amin", "prod", "logsumexp", "norm"]
ENGINE_PREFIXES = ("backward",)
# composites report errors of the primitives they are built from
BUILT_FROM = {
    "mean": ("sum", "div"),
    "var": ("mean", "sub", "mul", "sum", "div"),
    "std": ("mean", "sub", "norm", "div"),
    "softmax": ("logsumexp", "sub", "exp", "log_softmax"),
    "log_softmax": ("logsumexp", "sub"),
}

MORE_UNARY = ["log1p", "expm1", "square", "reciprocal", "rsqrt", "sinh", "cosh"]
MORE_UNARY += ["arcsin", "arccos", "arctan", "sign", "floor", "ceil"]
TRIG_ALIASES = [("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan")]
SUBSCRIPTS = st.sampled_from(["ij,jk->ik", "i,i->", "ij->ji", "ii->i", "...i,i", "ij,ij"])


def _reduction(op):
    """A reduction called as op(a, axis, keepdims=...) (var and std take keepdims only as a
    keyword)."""
    return lambda a, axis, keepdims: op(a, axis, keepdims=keepdims)


def _joined(split_op):
    """A splitting op whose pieces are concatenated back, so that the target returns one
    tensor."""

    def joined(a, *args):
        pieces = split_op(a, *args)
        return ag.concatenate([p.reshape(-1) for p in pieces]) if pieces else ag.zeros(0)

    return joined


MODULE_TARGETS = (
    [Target(name, getattr(ag, name), (ANY,)) for name in UNARY]
    + [
        Target(name, _reduction(getattr(ag, name)), (ANY, AXIS, KEEPDIMS), BUILT_FROM.get(name, ()))
        for name in REDUCTIONS
    ]
    + [
        Target("maximum", ag.maximum, (ANY, ANY)),
        Target("minimum", ag.minimum, (ANY, ANY)),
        Target("matmul", ag.matmul, (ANY, ANY)),
        Target("where", ag.where, (ANY, ANY, ANY)),
        Target("clip", ag.clip, (ANY, PYNUM | ANY | st.none(), PYNUM | st.none())),
        Target("cast", ag.cast, (ANY, DTYPE)),
        Target("softmax", ag.softmax, (ANY, AXIS), BUILT_FROM["softmax"]),
        Target("log_softmax", ag.log_softmax, (ANY, AXIS), BUILT_FROM["log_softmax"]),
        Target("reshape", ag.reshape, (ANY, SHAPE)),
        Target("transpose", ag.transpose, (ANY, AXIS)),
        Target("broadcast_to", ag.broadcast_to, (ANY, SHAPE)),
        Target("concatenate", ag.concatenate, (SEQ, AXIS)),
        Target("stack", ag.stack, (SEQ, AXIS)),
        Target("tensor", lambda d, dtype: ag.tensor(d, dtype=dtype), (ANY, DTYPE)),
        Target("zeros", lambda s, dtype: ag.zeros(s, dtype=dtype), (SHAPE, DTYPE)),
        Target("ones", lambda s, dtype: ag.ones(s, dtype=dtype), (SHAPE, DTYPE)),
        Target("full", ag.full, (SHAPE, ANY)),
        Target("zeros_like", ag.zeros_like, (ANY,)),
        Target("ones_like", ag.ones_like, (ANY,)),
        Target(
            "randn",
            lambda s, rng: ag.randn(s, rng=rng),
            (SHAPE, PYNUM | WRONG),
            messages=(r"^rng must be a numpy Generator",),
        ),
        Target(
            "rand",
            lambda s, rng: ag.rand(s, rng=rng),
            (SHAPE, PYNUM | WRONG),
            messages=(r"^rng must be a numpy Generator",),
        ),
        Target("arange", ag.arange, (PYNUM | WRONG, PYNUM | st.none(), PYNUM)),
        Target("as_tensor", lambda d, dtype: ag.as_tensor(d, dtype=dtype), (ANY, DTYPE), ("cast",)),
        Target("from_numpy", ag.from_numpy, (ANY,)),
        Target("empty", lambda s, dtype: ag.empty(s, dtype=dtype), (SHAPE, DTYPE)),
        Target("full_like", ag.full_like, (ANY, ANY)),
        Target("eye", ag.eye, (PYNUM | WRONG, PYNUM | st.none())),
        Target("linspace", ag.linspace, (PYNUM | WRONG, PYNUM, PYNUM | WRONG)),
        Target("randn_like", lambda t, rng: ag.randn_like(t, rng=rng), (ANY, PYNUM), ("randn",)),
        Target("rand_like", lambda t, rng: ag.rand_like(t, rng=rng), (ANY, PYNUM), ("rand",)),
        Target("randint", ag.randint, (PYNUM | WRONG, PYNUM | SHAPE | st.none(), SHAPE)),
        Target("randperm", ag.randperm, (PYNUM | WRONG,)),
        Target("isclose", ag.isclose, (ANY, ANY)),
        Target("allclose", ag.allclose, (ANY, ANY), ("isclose",), returns_other=True),
        Target("dual", ag.dual, (ANY, ANY)),
        Target("unpack_dual", ag.unpack_dual, (ANY,), returns_other=True),
    ]
    + [Target(name, getattr(ag, name), (ANY,)) for name in MORE_UNARY]
    + [Target(alias, getattr(ag, alias), (ANY,), (name,)) for alias, name in TRIG_ALIASES]
    + [
        Target("round", ag.round, (ANY, PYNUM | WRONG)),
        Target("max", ag.max, (ANY, AXIS | ANY, KEEPDIMS), ("maximum",), returns_other=True),
        Target("min", ag.min, (ANY, AXIS | ANY, KEEPDIMS), ("minimum",), returns_other=True),
        Target("argmax", ag.argmax, (ANY, AXIS, KEEPDIMS)),
        Target("argmin", ag.argmin, (ANY, AXIS, KEEPDIMS)),
        Target("sort", lambda a, x, d: ag.sort(a, x, d).values, (ANY, AXIS, st.booleans())),
        Target("argsort", ag.argsort, (ANY, AXIS, st.booleans())),
        Target("topk", lambda a, k, x: ag.topk(a, k, x).values, (ANY, PYNUM | WRONG, AXIS)),
        Target("cumsum", ag.cumsum, (ANY, AXIS)),
        Target("clamp", ag.clamp, (ANY, PYNUM | ANY | st.none(), PYNUM | st.none())),
        Target("cat", ag.cat, (SEQ, AXIS), ("concatenate",)),
        Target("flip", ag.flip, (ANY, AXIS)),
        Target("squeeze", ag.squeeze, (ANY, AXIS), ("reshape",)),
        Target("unsqueeze", ag.unsqueeze, (ANY, AXIS), ("reshape",)),
        Target("triu", ag.triu, (ANY, AXIS), ("where",)),
        Target("tril", ag.tril, (ANY, AXIS), ("where",)),
        Target("flatten", ag.flatten, (ANY, AXIS, AXIS), ("reshape",)),
        Target("permute", ag.permute, (ANY, AXIS), ("transpose",)),
        Target("tile", ag.tile, (ANY, SHAPE)),
        Target("repeat_interleave", ag.repeat_interleave, (ANY, SHAPE | INDEX, AXIS), ("reshape",)),
        Target("pad", ag.pad, (ANY, SHAPE | INDEX, PYNUM | WRONG)),
        Target("outer", ag.outer, (ANY, ANY), ("reshape", "mul")),
        Target("mm", ag.mm, (ANY, ANY), ("matmul",)),
        Target("einsum", ag.einsum, (SUBSCRIPTS | WRONG, ANY, ANY)),
        Target("split", _joined(ag.split), (ANY, SHAPE | INDEX, AXIS), ("concatenate",)),
        Target("chunk", _joined(ag.chunk), (ANY, PYNUM | WRONG, AXIS), ("concatenate",)),
        Target("unbind", _joined(ag.unbind), (ANY, AXIS), ("concatenate", "stack")),
    ]
)

BINARY_OPERATORS = [
    ("add", operator.add),
    ("sub", operator.sub),
    ("mul", operator.mul),
    ("div", operator.truediv),
    ("pow", operator.pow),
    ("matmul", operator.matmul),
]
COMPARISONS = [
    ("less", operator.lt),
    ("less_equal", operator.le),
    ("greater", operator.gt),
    ("greater_equal", operator.ge),
    ("equal", operator.eq),
    ("not_equal", operator.ne),
]


def _method(name):
    return lambda t, *args: getattr(t, name)(*args)


TENSOR = tensors()
TENSOR_TARGETS = (
    [Target(f"Tensor {name}", fn, (TENSOR, ANY), (name,)) for name, fn in BINARY_OPERATORS]
    + [
        Target(
            f"reflected {name}",
            (lambda f: lambda t, other: f(other, t))(fn),
            (TENSOR, ANY),
            (name,),
        )
        for name, fn in BINARY_OPERATORS
    ]
    + [Target(f"Tensor {name}", fn, (TENSOR, ANY), (name,)) for name, fn in COMPARISONS]
    + [
        Target("Tensor neg", operator.neg, (TENSOR,), ("neg",)),
        Target("Tensor abs()", abs, (TENSOR,), ("abs",)),
        Target("Tensor getitem", operator.getitem, (TENSOR, INDEX), ("getitem",)),
    ]
    + [Target(f"Tensor.{name}", _method(name), (TENSOR,), (name,)) for name in UNARY]
    + [
        Target(
            f"Tensor.{name}",
            lambda t, axis, keepdims, name=name: getattr(t, name)(axis, keepdims=keepdims),
            (TENSOR, AXIS, KEEPDIMS),
            (name,) + BUILT_FROM.get(name, ()),
        )
        for name in REDUCTIONS
    ]
    + [
        Target(
            f"Tensor.{name}",
            lambda t, axis, keepdims, name=name: getattr(t, name)(axis, keepdims=keepdims),
            (TENSOR, AXIS, KEEPDIMS),
            (name, other),
            returns_other=True,
        )
        for name, other in (("max", "maximum"), ("min", "minimum"))
    ]
    + [
        Target(
            "Tensor.softmax",
            _method("softmax"),
            (TENSOR, AXIS),
            ("softmax",) + BUILT_FROM["softmax"],
        ),
        Target(
            "Tensor.log_softmax",
            _method("log_softmax"),
            (TENSOR, AXIS),
            ("log_softmax",) + BUILT_FROM["log_softmax"],
        ),
        Target(
            "Tensor.clip",
            _method("clip"),
            (TENSOR, PYNUM | st.none() | WRONG, PYNUM | st.none()),
            ("clip",),
        ),
        Target("Tensor.reshape", _method("reshape"), (TENSOR, SHAPE), ("reshape",)),
        Target("Tensor.transpose", _method("transpose"), (TENSOR, AXIS), ("transpose",)),
        Target("Tensor.broadcast_to", _method("broadcast_to"), (TENSOR, SHAPE), ("broadcast_to",)),
        Target("Tensor.astype", _method("astype"), (TENSOR, DTYPE), ("cast",)),
        Target("Tensor.flatten", _method("flatten"), (TENSOR,), ("reshape",)),
        Target("Tensor.T", lambda t: t.T, (TENSOR,), ("transpose",)),
        Target("Tensor.float", _method("float"), (TENSOR,), ("cast",)),
        Target("Tensor.long", _method("long"), (TENSOR,), ("cast",)),
        Target("Tensor.to", _method("to"), (TENSOR, DTYPE | ANY), ("cast", "to")),
        Target("Tensor.view", _method("view"), (TENSOR, SHAPE | DTYPE), ("reshape", "view")),
        Target("Tensor.expand", _method("expand"), (TENSOR, SHAPE), ("broadcast_to", "expand")),
        Target("Tensor.transpose 2", _method("transpose"), (TENSOR, AXIS, AXIS), ("transpose",)),
        Target("Tensor.t", _method("t"), (TENSOR,), ("transpose", "t")),
        Target("Tensor.any", _method("any"), (TENSOR, AXIS, KEEPDIMS), ("any",)),
        Target("Tensor.clone", _method("clone"), (TENSOR,), ("cast",)),
        Target(
            "Tensor.masked_fill",
            _method("masked_fill"),
            (TENSOR, ANY, ANY),
            ("masked_fill", "where", "cast"),
        ),
        Target("Tensor.size", _method("size"), (TENSOR, AXIS), ("size",), returns_other=True),
        Target("Tensor.double", _method("double"), (TENSOR,), ("cast",)),
        Target("Tensor.item", _method("item"), (TENSOR,), ("item()",), returns_other=True),
        Target("Tensor.tolist", _method("tolist"), (TENSOR,), returns_other=True),
        Target("Tensor.numpy", _method("numpy"), (TENSOR,), returns_other=True),
        Target("len", len, (TENSOR,), (), returns_other=True),
        Target("bool", bool, (TENSOR,), (), returns_other=True),
        Target("float", float, (TENSOR,), ("item()",), returns_other=True),
        Target("iter", lambda t: list(iter(t)), (TENSOR,), (), returns_other=True),
        Target(
            "Tensor.requires_grad_",
            _method("requires_grad_"),
            (TENSOR, PYNUM | WRONG),
            ("requires_grad_",),
        ),
        Target(
            "Tensor.backward",
            _method("backward"),
            (TENSOR, ANY | st.none()),
            ENGINE_PREFIXES,
            returns_other=True,
        ),
        Target(
            "grad",
            lambda y, x: ag.grad(y, x, allow_unused=True),
            (ANY, ANY | SEQ),
            ENGINE_PREFIXES,
            returns_other=True,
        ),
    ]
)
# builtins with their own documented wording (PyTorch's and numpy's phrasing)
EXTRA_MESSAGES = {
    "len": (r"^len\(\) of a 0-d tensor",),
    "bool": (r"^the truth value of a tensor with \d+ elements is ambiguous",),
    "iter": (r"^iteration over a 0-d tensor",),
    "Tensor.backward": (
        r"^grad can be implicitly created only for scalar outputs",
        r"^element 0 of tensors does not require grad",
    ),
    "grad": (
        r"^grad can be implicitly created only for scalar outputs",
        r"^element \d+ of tensors does not require grad",
        r"^expected a Tensor or a sequence of Tensors",
    ),
    "Tensor.requires_grad_": (
        r"^Only Tensors of floating point",
        r"^you can only change requires_grad flags",
    ),
}
for _t in TENSOR_TARGETS:
    _t.messages += EXTRA_MESSAGES.get(_t.name, ())

OP_TARGETS = MODULE_TARGETS + TENSOR_TARGETS


@pytest.mark.parametrize("target", OP_TARGETS, ids=[t.name for t in OP_TARGETS])
@FUZZ
@given(data=st.data())
def test_fuzz_public_op(target, data):
    """Random shapes, dtypes, NaN/inf and wrong types: the op works or raises a documented
    error that names it (never a bare numpy error, never a hang)."""
    args = [data.draw(strategy, label=f"arg{i}") for i, strategy in enumerate(target.args)]
    check_call(target, args)


# ---------------------------------------------------------------------------- nn layers
INT_ARG = st.one_of(
    st.integers(-2, 4),
    st.floats(-2, 4),
    st.booleans(),
    st.none(),
    st.sampled_from(["3", "a", [3], np.int64(2), np.float64(2.0)]),
)
FLOAT_ARG = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-2, 2),
    st.none(),
    st.sampled_from(["0.5", "a", [0.5], 1j, {}]),
)
REDUCTION = st.sampled_from(["mean", "sum", "none", "avg", None, 1, ["mean"]])

CONSTRUCTORS = [
    Target("Linear", nn.Linear, (INT_ARG, INT_ARG, st.booleans())),
    Target("BatchNorm1d", nn.BatchNorm1d, (INT_ARG, FLOAT_ARG, FLOAT_ARG)),
    Target("Dropout", nn.Dropout, (FLOAT_ARG, INT_ARG)),
    Target("Maxout", nn.Maxout, (INT_ARG, INT_ARG, INT_ARG)),
    Target("Flatten", nn.Flatten, (INT_ARG, INT_ARG)),
    Target("LeakyReLU", nn.LeakyReLU, (FLOAT_ARG,)),
    Target("PReLU", nn.PReLU, (INT_ARG, FLOAT_ARG)),
    Target("ELU", nn.ELU, (FLOAT_ARG,)),
    Target("Swish", nn.Swish, (FLOAT_ARG, st.booleans())),
    Target("GELU", nn.GELU, (st.sampled_from(["none", "tanh", "sigmoid", "exact", None, 1]),)),
    Target("DyT", nn.DyT, (INT_ARG, FLOAT_ARG)),
    Target("Softmax", nn.Softmax, (AXIS,)),
    Target("LogSoftmax", nn.LogSoftmax, (AXIS,)),
    Target("MSELoss", nn.MSELoss, (REDUCTION,)),
    Target("CrossEntropyLoss", nn.CrossEntropyLoss, (REDUCTION,)),
    Target("NLLLoss", nn.NLLLoss, (REDUCTION,)),
    Target("BCELoss", nn.BCELoss, (REDUCTION,)),
    Target("BCEWithLogitsLoss", nn.BCEWithLogitsLoss, (REDUCTION,)),
]
for _t in CONSTRUCTORS:
    _t.returns_other = True
    _t.messages += (rf"^{_t.name}\(", r"^reduction must be ", r"^rng must be ")


@pytest.mark.parametrize("target", CONSTRUCTORS, ids=[t.name for t in CONSTRUCTORS])
@FUZZ
@given(data=st.data())
def test_fuzz_layer_construction(target, data):
    """Constructor arguments of the wrong type or range are refused with an error naming the
    layer (or the option), never a bare float()/int() message."""
    args = [data.draw(strategy, label=f"arg{i}") for i, strategy in enumerate(target.args)]
    check_call(target, args)


# (name, factory, accepted functional names)
LAYERS = [
    ("Linear", lambda: nn.Linear(3, 2, rng=0), ("linear", "matmul", "add")),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3), ("batch_norm", "BatchNorm1d(3)")),
    ("Dropout", lambda: nn.Dropout(0.5, rng=0), ("dropout", "mul")),
    ("Maxout", lambda: nn.Maxout(3, 2, 2, rng=0), ("linear", "maxout", "matmul")),
    ("Flatten", nn.Flatten, ("reshape",)),
    ("Sigmoid", nn.Sigmoid, ("sigmoid",)),
    ("Logistic", nn.Logistic, ("sigmoid",)),
    ("Tanh", nn.Tanh, ("tanh",)),
    ("HardLogistic", nn.HardLogistic, ("hard_logistic", "mul", "add", "clip")),
    ("HardTanh", nn.HardTanh, ("hard_tanh", "clip")),
    ("ReLU", nn.ReLU, ("relu",)),
    ("LeakyReLU", nn.LeakyReLU, ("leaky_relu", "where", "mul", "greater")),
    ("PReLU", lambda: nn.PReLU(3), ("prelu", "where", "mul", "greater")),
    ("ELU", nn.ELU, ("elu", "where", "exp", "clip", "greater")),
    ("Softplus", nn.Softplus, ("softplus",)),
    ("Swish", lambda: nn.Swish(1.0, learnable=True), ("swish", "mul", "sigmoid")),
    ("SiLU", nn.SiLU, ("silu", "swish", "mul", "sigmoid")),
    ("GELU", nn.GELU, ("gelu", "erf", "mul", "add")),
    ("DyT", lambda: nn.DyT(3), ("dyt", "DyT(3)", "mul", "tanh", "add")),
    ("Softmax", nn.Softmax, ("softmax", "logsumexp", "sub", "exp")),
    ("LogSoftmax", nn.LogSoftmax, ("log_softmax", "logsumexp", "sub")),
]
LOSSES = [
    ("MSELoss", nn.MSELoss, ("mse_loss",)),
    ("CrossEntropyLoss", nn.CrossEntropyLoss, ("cross_entropy",)),
    ("NLLLoss", nn.NLLLoss, ("nll_loss",)),
    ("BCELoss", nn.BCELoss, ("binary_cross_entropy",)),
    ("BCEWithLogitsLoss", nn.BCEWithLogitsLoss, ("binary_cross_entropy_with_logits",)),
]
# inputs near the layers' expectations, plus anything
LAYER_INPUT = st.one_of(
    tensors(),
    numeric_arrays(),
    ANY,
    st.builds(
        lambda a: ag.tensor(a, requires_grad=True),
        hnp.arrays(
            st.sampled_from([np.float32, np.float64]),
            st.sampled_from([(4, 3), (2, 3, 2), (3,)]),
            elements=st.floats(-5, 5) | st.just(np.nan),
        ),
    ),
)


def _forward_target(name, factory, functional, n_inputs):
    def call(train, *inputs):
        layer = factory()
        layer.train(train)
        return layer(*inputs)

    # the first argument is the training flag; names may carry arguments: "BatchNorm1d(3): "
    return Target(
        name,
        call,
        (st.booleans(),) + (LAYER_INPUT,) * n_inputs,
        functional,
        messages=(rf"^{re.escape(name)}\(",),
    )


FORWARD = [_forward_target(n, f, fn, 1) for n, f, fn in LAYERS] + [
    _forward_target(n, f, fn, 2) for n, f, fn in LOSSES
]


@pytest.mark.parametrize("target", FORWARD, ids=[t.name for t in FORWARD])
@FUZZ
@given(data=st.data())
def test_fuzz_layer_forward(target, data):
    """Layers, activations and losses in train and eval mode, fed random shapes, dtypes,
    NaN/inf and wrong types: they work or raise a documented error naming them."""
    args = [data.draw(strategy, label=f"arg{i}") for i, strategy in enumerate(target.args)]
    check_call(target, args)


def test_every_public_op_and_layer_is_fuzzed():
    """Adding a public op to autograd_core, or a layer to nn, without a fuzz target fails."""
    fuzzed = {t.name for t in MODULE_TARGETS}
    not_ops = {
        "Tensor",
        "Function",
        "Primitive",
        "OpError",
        "no_grad",
        "enable_grad",
        "set_grad_enabled",
        "is_grad_enabled",
        "get_default_dtype",
        "set_default_dtype",
        "numerical_grad",
        "gradcheck",
        "trace_backward",
        "gradgradcheck",
        "jvp",
        "vjp",
        "jacobian",
        "hessian",
        "grad",
        "detect_anomaly",
        "compile",
        "CompileError",
        "save",
        "load",
        "manual_seed",
        "inference_mode",
        "device",
        "cuda",
        "float16",
        "float32",
        "float64",
        "int32",
        "int64",
        "uint8",
        "half",
        "double",
        "long",
    }
    missing = sorted(set(ag.__all__) - fuzzed - not_ops)
    assert not missing, f"public ops of autograd_core without a fuzz target: {missing}"
    layers = {name for name, _, _ in LAYERS + LOSSES}
    modules = {
        name
        for name in dir(nn)
        if isinstance(getattr(nn, name), type)
        and issubclass(getattr(nn, name), nn.Module)
        and name not in ("Module", "Sequential", "ModuleList", "Identity")  # (returns its input)
    }
    missing = sorted(modules - layers - _MODELS)
    assert not missing, f"nn layers without a fuzz target: {missing}"


# the classic models of the notes are built of the layers above (nn/models.py)
_MODELS = {"Perceptron", "ELM", "AutoEncoder", "MLP"}
