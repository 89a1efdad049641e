"""Generic tests over every (record, sample) of the op registry ``tests/opinfo.py``: forward
against the numpy reference, reverse and forward mode against central differences, the
forward-mode Jacobian against the reverse one, second order, float32 in -> float32 out and
float32 grads, non-contiguous inputs, error inputs; and completeness: every primitive and
every public function of ``autograd_core.ops`` and ``nn.functional`` has a record.
"""

import inspect

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from autograd_core import ops
from autograd_core.engine import toposort

from .opinfo import OP_DB, Bound, SampleInput

SAMPLES = [(info, sample) for info in OP_DB for sample in info.samples()]


def _params(select=lambda info, sample: True):
    return [
        pytest.param(info, sample, id=f"{info.name}-{sample.name}")
        for info, sample in SAMPLES
        if select(info, sample)
    ]


def _size(bound):
    return sum(leaf.size for leaf in bound.leaves)


def _differentiable(info, sample):
    bound = Bound(info, sample)
    return sample.grad and bool(bound.leaves) and _size(bound) > 0


def _small(info, sample):
    """gradgradcheck costs O(n²) backward passes: keep it to small inputs."""
    return (
        _differentiable(info, sample)
        and info.supports_gradgrad
        and _size(Bound(info, sample)) <= info.gradgrad_max_size
    )


def _empty(info, sample):
    bound = Bound(info, sample)
    return bool(bound.leaves) and _size(bound) == 0


def _cotangent(out, seed=0):
    v = np.random.default_rng(seed).standard_normal(out.shape)
    return ag.tensor(v.astype(out.dtype))


def _run_backward(bound, seed=0):
    out = bound.run()
    out.backward(_cotangent(out, seed))
    return out


# ---------------------------------------------------------------------------- forward
@pytest.mark.parametrize("info, sample", _params())
def test_forward_matches_reference(info, sample):
    """Values, shape and dtype equal the numpy reference's; inputs are left unchanged, and
    no_grad gives the same values without history."""
    bound = Bound(info, sample)
    before = [leaf.data.copy() for leaf in bound.leaves]
    with np.errstate(all="ignore"):
        out = bound.run()
        expected = np.asarray(bound.reference())
        with ag.no_grad():
            quiet = bound.run()
    assert isinstance(out, ag.Tensor)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=info.ref_rtol, atol=info.ref_atol)
    assert out.dtype == np.float64
    for leaf, old in zip(bound.leaves, before):
        np.testing.assert_array_equal(leaf.data, old)
    np.testing.assert_array_equal(quiet.data, out.data)
    if any(out is leaf for leaf in bound.leaves):
        return  # an identity (dropout in eval mode) may return its input, as PyTorch does
    if bound.leaves:
        assert out.requires_grad and out.grad_fn is not None
    assert not quiet.requires_grad and quiet.grad_fn is None


# ---------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("info, sample", _params(_differentiable))
def test_gradcheck_reverse_and_forward_mode(info, sample):
    """Reverse mode (and forward mode) match central differences on every sample."""
    bound = Bound(info, sample)
    assert ag.gradcheck(
        bound,
        bound.leaves,
        eps=info.grad_eps,
        atol=info.grad_atol,
        rtol=info.grad_rtol,
        check_forward=info.supports_forward_ad,
    )


def _reverse_jacobian(bound):
    out = bound.run()
    rows = []
    for k in range(out.size):
        seed = np.zeros(out.shape, out.dtype)
        seed.flat[k] = 1.0
        grads = ag.grad(out, bound.leaves, ag.tensor(seed), retain_graph=True, allow_unused=True)
        rows.append(
            np.concatenate(
                [
                    np.zeros(x.size) if g is None else g.data.ravel()
                    for x, g in zip(bound.leaves, grads)
                ]
            )
        )
    return np.array(rows).reshape(out.size, _size(bound))


def _forward_jacobian(bound):
    columns = []
    primals = [ag.tensor(leaf.data) for leaf in bound.leaves]
    for i, leaf in enumerate(bound.leaves):
        for j in range(leaf.size):
            tangents = [None] * len(primals)
            direction = np.zeros(leaf.shape, leaf.dtype)
            direction.flat[j] = 1.0
            tangents[i] = ag.tensor(direction)
            out, tangent = ag.jvp(bound, primals, tangents)
            assert tangent.shape == out.shape and tangent.dtype == out.dtype
            columns.append(tangent.data.ravel())
    return np.array(columns).T.reshape(-1, _size(bound))


@pytest.mark.parametrize(
    "info, sample", _params(lambda i, s: i.supports_forward_ad and _differentiable(i, s))
)
def test_forward_jacobian_equals_reverse_jacobian(info, sample):
    """J built column by column with jvp equals J built row by row with vjp."""
    bound = Bound(info, sample)
    forward, reverse = _forward_jacobian(bound), _reverse_jacobian(bound)
    assert forward.shape == reverse.shape
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("info, sample", _params(_differentiable))
def test_array_mode_backward_equals_the_recorded_tensor_backward(info, sample, dtype):
    """A first-order pass runs the rules on plain arrays; a create_graph pass runs the same
    rules on Tensors. Both must give the same gradients, bit for bit, in each dtype."""
    bound = Bound(info, sample, dtype=dtype)
    with np.errstate(all="ignore"):
        out = bound.run()
        seed = _cotangent(out, seed=1)
        plain = ag.grad(out, bound.leaves, seed, retain_graph=True, allow_unused=True)
        recorded = ag.grad(out, bound.leaves, seed, create_graph=True, allow_unused=True)
    for a, b in zip(plain, recorded):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == b.dtype == np.dtype(dtype) and a.shape == b.shape
            if info.name in _RECOMPUTED_IN_TENSOR_MODE:
                np.testing.assert_allclose(a.data, b.data, rtol=1e-5, atol=1e-6)
            else:
                np.testing.assert_array_equal(a.data, b.data)


def _through_scalars(t):
    """A 0-d tensor times 1.0: the gradient Mul's rule gives it back is a numpy scalar."""
    return t * 1.0 if isinstance(t, ag.Tensor) and t.ndim == 0 else t


def _touches_0d(info, sample):
    if not _differentiable(info, sample):
        return False
    bound = Bound(info, sample)
    with np.errstate(all="ignore"):
        return any(leaf.ndim == 0 for leaf in bound.leaves) or bound.run().ndim == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("info, sample", _params(_touches_0d))
def test_rules_take_and_give_numpy_scalars_for_0d_values(info, sample, dtype):
    """Arithmetic on 0-d arrays returns numpy scalars, and an array-mode pass hands them on
    as the gradients of 0-d values: every rule must accept them as its incoming gradient and
    may return them, with the same numbers as the recorded Tensor pass."""
    bound = Bound(info, sample, dtype=dtype)
    with np.errstate(all="ignore"):
        out = _through_scalars(bound(*[_through_scalars(leaf) for leaf in bound.leaves]))
        seed = _cotangent(out, seed=2)
        plain = ag.grad(out, bound.leaves, seed, retain_graph=True, allow_unused=True)
        recorded = ag.grad(out, bound.leaves, seed, create_graph=True, allow_unused=True)
    for a, b in zip(plain, recorded):
        assert (a is None) == (b is None)
        if a is not None:
            assert type(a.data) is np.ndarray and a.dtype == b.dtype == np.dtype(dtype)
            assert a.shape == b.shape
            if info.name in _RECOMPUTED_IN_TENSOR_MODE:
                np.testing.assert_allclose(a.data, b.data, rtol=1e-5, atol=1e-6)
            else:
                np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("info, sample", _params(_differentiable))
def test_compiled_replay_equals_eager_bit_for_bit(info, sample):
    """ag.compile of every sample: the replayed values and gradients (second call, new
    input values) equal eager mode's exactly."""
    bound = Bound(info, sample)
    compiled = ag.compile(bound)
    rng = np.random.default_rng(3)
    with np.errstate(all="ignore"):
        try:
            compiled(*bound.leaves)  # traces
        except ag.CompileError:
            assert info.name in _NOT_CAPTURABLE
            return
        for leaf in bound.leaves:  # new values, same shapes: the replay must see them
            leaf.data = leaf.data + rng.uniform(0.01, 0.02, leaf.shape)
        seed = _cotangent(bound.run(), seed=2)
        results = []
        for fn in (compiled, bound):
            out = fn(*bound.leaves)
            results.append((out.data.copy(), ag.grad(out, bound.leaves, seed, allow_unused=True)))
    assert compiled.traces == 1
    (replayed, grads_c), (eager, grads_e) = results
    np.testing.assert_array_equal(replayed, eager)
    for a, b in zip(grads_c, grads_e):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.data, b.data)


# dropout draws a mask per call; batch_norm in training updates its running statistics
_NOT_CAPTURABLE = {"F.dropout", "F.batch_norm"}


# a first-order pass reuses what forward computed; a recorded one recomputes it in Tensor ops
_RECOMPUTED_IN_TENSOR_MODE = {"F.cross_entropy"}


@pytest.mark.parametrize("info, sample", _params(_small))
def test_gradgradcheck(info, sample):
    """Second derivatives (reverse over reverse and forward over reverse) match central
    differences of the first derivative."""
    bound = Bound(info, sample)
    assert ag.gradgradcheck(
        bound,
        bound.leaves,
        eps=info.grad_eps,
        atol=info.grad_atol,
        rtol=info.grad_rtol,
        check_forward=info.supports_forward_ad,
    )


@pytest.mark.parametrize("info, sample", _params(_empty))
def test_empty_inputs_give_empty_gradients_and_tangents(info, sample):
    """Empty inputs: backward gives gradients of the inputs' (empty) shapes, jvp a tangent of
    the output's shape."""
    bound = Bound(info, sample)
    out = _run_backward(bound)
    for leaf in bound.leaves:
        assert leaf.grad is None or leaf.grad.shape == leaf.shape
    tangents = [ag.tensor(np.zeros_like(leaf.data)) for leaf in bound.leaves]
    value, tangent = ag.jvp(bound, [ag.tensor(leaf.data) for leaf in bound.leaves], tangents)
    assert value.shape == out.shape and tangent.shape == out.shape


def test_gradcheck_accepts_empty_inputs():
    """gradcheck and gradgradcheck with check_forward=True have nothing to compare on an
    empty input, and say so by passing (not by crashing)."""
    x = ag.tensor(np.zeros((0, 3)), requires_grad=True)
    assert ag.gradcheck(lambda t: t * 2.0, [x], check_forward=True)
    assert ag.gradgradcheck(lambda t: t * t, [x], check_forward=True)


# ---------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("info, sample", _params(lambda i, s: bool(Bound(i, s).leaves)))
def test_float32_in_float32_out_and_float32_grads(info, sample):
    """float32 inputs give a float32 value, float32 gradients of the inputs' shapes and a
    float32 tangent: no silent upcast from Python numbers."""
    bound = Bound(info, sample, dtype=np.float32)
    with np.errstate(all="ignore"):
        out = _run_backward(bound)
    if info.keeps_dtype:
        assert out.dtype == np.float32
    for leaf in bound.leaves:
        assert leaf.grad is not None, "no gradient reached a float32 input"
        assert leaf.grad.dtype == np.float32 and leaf.grad.shape == leaf.shape
    primals = [ag.tensor(leaf.data) for leaf in bound.leaves]
    tangents = [ag.tensor(np.ones_like(leaf.data)) for leaf in bound.leaves]
    with np.errstate(all="ignore"):
        value, tangent = ag.jvp(bound, primals, tangents)
    assert tangent.dtype == value.dtype and tangent.shape == value.shape


# ---------------------------------------------------------------------------- layouts
def _has_layout(info, sample):
    return any(leaf.size > 1 for leaf in Bound(info, sample).leaves)


@pytest.mark.parametrize("layout", ["strided", "fortran", "reversed"])
@pytest.mark.parametrize("info, sample", _params(_has_layout))
def test_non_contiguous_inputs_give_the_same_values_and_grads(info, sample, layout):
    """Leaves whose data is a strided, column-major or negatively strided view give the same
    value and gradients as contiguous ones (PyTorch's test_noncontiguous_samples)."""
    plain = Bound(info, sample)
    strided = Bound(info, sample, layout=layout)
    assert any(not leaf.data.flags.c_contiguous for leaf in strided.leaves if leaf.size > 1)
    with np.errstate(all="ignore"):
        out, out_strided = _run_backward(plain), _run_backward(strided)
    np.testing.assert_allclose(out_strided.data, out.data, rtol=1e-13, atol=1e-15)
    for a, b in zip(plain.leaves, strided.leaves):
        np.testing.assert_allclose(b.grad.data, a.grad.data, rtol=1e-13, atol=1e-15)
        assert b.grad.shape == b.shape


@pytest.mark.parametrize("info, sample", _params(lambda i, s: bool(Bound(i, s).leaves)))
def test_inputs_that_are_views_of_a_larger_leaf(info, sample):
    """An input that is a non-contiguous view (base[..., 0] of a leaf twice as wide) gets the
    same gradient, scattered into the base; the unused half of the base gets zeros."""
    plain = Bound(info, sample)
    views = Bound(info, sample)
    bases = []
    for leaf in views.leaves:
        base = ag.tensor(np.stack([leaf.data, leaf.data + 1.0], axis=-1), requires_grad=True)
        bases.append(base)
    with np.errstate(all="ignore"):
        out = _run_backward(plain)
        out_view = views(*[base[..., 0] for base in bases])
        out_view.backward(_cotangent(out_view))
    np.testing.assert_allclose(out_view.data, out.data, rtol=1e-13, atol=1e-15)
    for leaf, base in zip(plain.leaves, bases):
        np.testing.assert_allclose(base.grad.data[..., 0], leaf.grad.data, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(base.grad.data[..., 1], 0.0)


# ---------------------------------------------------------------------------- errors
ERRORS = [
    pytest.param(info, error, id=f"{info.name}-{k}")
    for info in OP_DB
    for k, error in enumerate(info.error_inputs)
]


@pytest.mark.parametrize("info, error", ERRORS)
def test_error_inputs_raise_the_documented_error(info, error):
    """Misuse raises the expected exception type with a message naming the op."""
    bound = Bound(info, SampleInput(error.args, error.kwargs, "error"))
    with pytest.raises(error.exc, match=error.match):
        bound.run()


# ---------------------------------------------------------------------------- completeness
def _functional_names():
    return sorted(
        name
        for name, value in vars(F).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == F.__name__
        and not inspect.isclass(value)
    )


def _functional_primitives():
    return sorted(
        name
        for name, value in vars(F).items()
        if inspect.isclass(value)
        and issubclass(value, ag.Function)
        and value.__module__ == F.__name__
    )


def _ops_names():
    return sorted(
        name
        for name, value in vars(ops).items()
        if inspect.isfunction(value) and not name.startswith("_")
    )


COVERED = {name for info in OP_DB for name in info.primitives_covered}
RECORDS = {name for info in OP_DB for name in (info.name,) + info.aliases}


def test_every_primitive_has_a_record():
    """Adding a Function subclass to ops.PRIMITIVES (or to nn.functional) without a record
    whose primitives_covered names it fails here."""
    primitives = [cls.__name__ for cls in ops.PRIMITIVES] + _functional_primitives()
    missing = sorted(set(primitives) - COVERED)
    assert not missing, f"primitives without a record in tests/opinfo.py: {missing}"


def test_every_public_op_has_a_record():
    """Every public function of autograd_core.ops has a record named after it."""
    missing = [name for name in _ops_names() if name not in RECORDS]
    assert not missing, f"autograd_core.ops functions without a record: {missing}"


def test_every_public_functional_has_a_record():
    """Every public function defined in nn.functional has a record named F.<name>."""
    missing = [name for name in _functional_names() if "F." + name not in RECORDS]
    assert not missing, f"nn.functional functions without a record: {missing}"


def test_every_primitive_defines_forward_backward_and_jvp():
    classes = list(ops.PRIMITIVES) + [getattr(F, n) for n in _functional_primitives()]
    for cls in classes:
        for rule in ("forward", "backward", "jvp"):
            assert getattr(cls, rule) is not getattr(ag.Function, rule), (cls.__name__, rule)


def _node_types(tensors):
    roots = [t.grad_fn for t in tensors if isinstance(t, ag.Tensor) and t.grad_fn is not None]
    return {type(node).__name__ for node in toposort(roots)}


@pytest.mark.parametrize("info", OP_DB, ids=[info.name for info in OP_DB])
def test_primitives_covered_are_reached(info):
    """Each primitive a record claims to cover appears in the graph of one of its samples
    (forward graph or the graph of its gradient, recorded with create_graph=True)."""
    seen = set()
    for sample in info.samples():
        bound = Bound(info, sample)
        with np.errstate(all="ignore"):
            out = bound.run()
            seen |= _node_types([out])
            if bound.leaves and out.requires_grad:
                v = _cotangent(out).requires_grad_()  # so that linear rules are recorded too
                grads = ag.grad(out, bound.leaves, v, create_graph=True, allow_unused=True)
                seen |= _node_types(grads)
    missing = sorted(set(info.primitives_covered) - seen)
    assert not missing, f"{info.name} claims {missing} but its samples never reach them"


def test_registry_is_well_formed():
    """Names are unique, every record has samples, and at least one differentiable one."""
    names = [info.name for info in OP_DB]
    assert len(names) == len(set(names))
    for info in OP_DB:
        samples = info.samples()
        assert samples, info.name
        assert any(_differentiable(info, s) for s in samples), info.name
