"""The Tensor's PyTorch surface: ``ag.tensor``'s dtype inference and keyword-only arguments,
``x.size()``, formatting and repr, PyTorch's method names, devices, the creation functions,
``manual_seed``, dtype names, ``inference_mode`` and ``grad_fn.next_functions``."""

import builtins
import pickle

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.node import AccumulateGrad


def leaf(values, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def x23():
    return leaf(np.arange(1.0, 7.0).reshape(2, 3) / 7)


# ---------------------------------------------------------------------------- ag.tensor
@pytest.mark.parametrize(
    "data, dtype",
    [
        (3, np.int64),
        ([1, 2, 3], np.int64),
        ([[1], [2]], np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
        ([True, 2], np.int64),
        (2.5, np.float64),
        ([1, 2.5], np.float64),
        ([], np.float64),
        (np.array([1, 2], np.int32), np.int32),
        (np.array([1.0], np.float32), np.float32),
        (np.float32(1.5), np.float32),
        (np.int16(3), np.int16),
    ],
    ids=repr,
)
def test_tensor_infers_the_dtype_as_pytorch(data, dtype):
    assert ag.tensor(data).dtype == dtype


def test_python_floats_take_the_default_dtype():
    previous = ag.get_default_dtype()
    try:
        ag.set_default_dtype(np.float32)
        assert ag.tensor(1.0).dtype == np.float32
        assert ag.tensor([1, 2.0]).dtype == np.float32
        assert ag.tensor([1, 2]).dtype == np.int64  # ints are not floats
    finally:
        ag.set_default_dtype(previous)


def test_dtype_argument_overrides_the_inference():
    t = ag.tensor([1, 2], dtype=ag.float32, requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad
    assert ag.tensor(True, dtype=ag.int64).item() == 1


@pytest.mark.parametrize("make", [ag.tensor, ag.Tensor], ids=["tensor", "Tensor"])
def test_positional_arguments_after_data_are_refused(make):
    with pytest.raises(TypeError, match=r"only the data is positional.*ag\.zeros\(2, 3\)"):
        make(2, 3)
    with pytest.raises(TypeError, match=r"ag\.tensor\(\[1\.0, True\]\)"):
        make(1.0, True)  # once silently requires_grad=True


def test_an_int_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating point"):
        ag.tensor([1, 2], requires_grad=True)


def test_integers_beyond_int64_are_refused():
    with pytest.raises(ValueError, match="too large for int64"):
        ag.tensor(2**63)


# ---------------------------------------------------------------------------- size
def test_size_is_the_element_count_and_callable():
    x = ag.zeros(2, 3, 4)
    assert x.size == x.numel() == 24 and isinstance(x.size, int)
    assert x.size() == x.shape == (2, 3, 4)
    assert (x.size(0), x.size(1), x.size(-1), x.size(dim=-3)) == (2, 3, 4, 2)
    assert x.dim() == x.ndim == 3
    assert x.size * 2 == 48 and type(x.size * 2) is int
    assert np.zeros(x.size).shape == (24,)


def test_size_pickles_as_a_plain_int():
    n = pickle.loads(pickle.dumps(ag.zeros(2, 3).size))
    assert n == 6 and type(n) is int


def test_size_of_a_dimension_out_of_range():
    with pytest.raises(IndexError, match=r"dimension 2 is out of range.*\[-2, 1\]"):
        ag.zeros(2, 3).size(2)
    with pytest.raises(IndexError, match="out of range"):
        ag.tensor(1.0).size(0)
    with pytest.raises(TypeError, match="dim must be an int"):
        ag.zeros(2).size(0.0)


def test_labels_size_0_counts_a_batch():
    labels = ag.tensor([3, 1, 4])
    assert labels.size(0) == 3 and labels.dtype == np.int64


# ---------------------------------------------------------------------------- format and repr
def test_format_spec_formats_a_one_element_tensor():
    assert f"{ag.tensor(3.14159):.2f}" == "3.14"
    assert f"{ag.tensor([2.5]):>6.1f}" == "   2.5"
    assert f"{ag.tensor(7):03d}" == "007"
    x = x23()
    assert f"{x}" == str(x) == repr(x)


def test_format_spec_on_many_elements_is_refused():
    with pytest.raises(TypeError, match=r"format: a format spec .* one-element .* \(2, 3\)"):
        f"{x23():.3f}"


def test_repr_aligns_rows_under_the_first():
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert repr(t) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(ag.tensor(2.5)) == "tensor(2.5)"


def test_repr_shows_the_dtype_as_pytorch():
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"  # int64: not shown
    assert repr(ag.tensor([True, False])) == "tensor([ True, False])"
    assert repr(ag.tensor([1, 2], dtype=ag.int32)) == "tensor([1, 2], dtype=int32)"
    assert repr(ag.tensor([1.0], dtype=ag.float32)) == "tensor([1.], dtype=float32)"
    assert repr(ag.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(leaf([1.0])) == "tensor([1.], requires_grad=True)"
    assert repr(leaf([1.0]) * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_repr_elides_from_1000_elements():
    assert "..." not in repr(ag.arange(1000))
    assert "..." in repr(ag.arange(1001))
    short = repr(ag.arange(1001))
    assert short.startswith("tensor([   0,    1,    2, ...,  998,  999, 1000])")


# ---------------------------------------------------------------------------- methods
POSITIVE = np.array([[0.2, 0.5, 0.9], [0.3, 0.7, 0.4]])

UNARY = [
    ("log1p", np.log1p),
    ("expm1", np.expm1),
    ("square", np.square),
    ("reciprocal", np.reciprocal),
    ("rsqrt", lambda a: 1 / np.sqrt(a)),
    ("sinh", np.sinh),
    ("cosh", np.cosh),
    ("arcsin", np.arcsin),
    ("asin", np.arcsin),
    ("arccos", np.arccos),
    ("acos", np.arccos),
    ("arctan", np.arctan),
    ("atan", np.arctan),
    ("sign", np.sign),
    ("floor", lambda a: np.floor(a * 10)),
    ("ceil", lambda a: np.ceil(a * 10)),
    ("round", lambda a: np.round(a * 10)),
    ("neg", np.negative),
    ("exp", np.exp),
]


@pytest.mark.parametrize("name, ref", UNARY, ids=[u[0] for u in UNARY])
def test_math_methods(name, ref):
    x = leaf(POSITIVE * 10 if name in ("floor", "ceil", "round") else POSITIVE)
    y = getattr(x, name)()
    np.testing.assert_allclose(y.data, ref(POSITIVE), rtol=1e-12)
    assert y.requires_grad


def test_round_decimals_and_clamp():
    x = leaf([[0.123, -2.5], [1.5, 0.75]])
    np.testing.assert_allclose(x.round(1).data, np.round(x.data, 1))
    np.testing.assert_allclose(x.clamp(min=0.0).data, np.maximum(x.data, 0))
    np.testing.assert_allclose(x.clamp(-1.0, 1.0).data, np.clip(x.data, -1, 1))
    np.testing.assert_allclose(x.clamp(max=0.5).data, np.minimum(x.data, 0.5))


def test_arithmetic_methods_match_the_operators():
    a, b = x23(), leaf([[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]])
    for method, op in [("add", np.add), ("sub", np.subtract), ("mul", np.multiply)]:
        np.testing.assert_allclose(getattr(a, method)(b).data, op(a.data, b.data))
    np.testing.assert_allclose(a.div(b).data, a.data / b.data)
    np.testing.assert_allclose(a.pow(2).data, a.data**2)
    np.testing.assert_allclose(a.matmul(b.T).data, a.data @ b.data.T)
    np.testing.assert_allclose(a.mm(b.t()).data, a.data @ b.data.T)
    np.testing.assert_allclose(a[0].outer(b[1]).data, np.outer(a.data[0], b.data[1]))


def test_comparison_methods():
    a, b = ag.tensor([1.0, 2.0, 3.0]), ag.tensor([3.0, 2.0, 1.0])
    for method, op in [
        ("eq", np.equal),
        ("ne", np.not_equal),
        ("lt", np.less),
        ("le", np.less_equal),
        ("gt", np.greater),
        ("ge", np.greater_equal),
    ]:
        result = getattr(a, method)(b)
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.data, op(a.data, b.data))


def test_any_and_all():
    m = ag.tensor([[True, False], [False, False]])
    assert m.any().item() is True and m.all().item() is False
    np.testing.assert_array_equal(m.any(dim=1).data, [True, False])
    np.testing.assert_array_equal(m.all(axis=0, keepdims=True).data, [[False, False]])
    assert ag.tensor([0.0, 2.0]).any().item() is True  # nonzero, as PyTorch
    with pytest.raises(ag.OpError, match="^any"):
        m.any(dim=2)


def test_any_is_recomputed_by_compile():
    f = ag.compile(lambda x: ag.where(x.gt(0).any(dim=1, keepdim=True), x, -x))
    for values in ([[1.0, -2.0], [-3.0, -4.0]], [[-1.0, -2.0], [3.0, -4.0]]):
        x = ag.tensor(values)
        eager = ag.where((x > 0).any(dim=1, keepdim=True), x, -x)
        np.testing.assert_array_equal(f(x).data, eager.data)


def test_masked_fill_keeps_the_dtype_and_the_gradient():
    x = leaf([1.0, 2.0, 3.0], np.float32)
    y = x.masked_fill(ag.tensor([True, False, True]), 0.5)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [0.5, 2.0, 0.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    ints = ag.tensor([1, 2]).masked_fill(ag.tensor([True, False]), 7)
    assert ints.dtype == np.int64 and ints.tolist() == [7, 2]
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        x.masked_fill(ag.tensor([1, 0, 1]), 0.0)


def test_reduction_methods_take_dim_and_keepdim():
    x = x23()
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).data, x.data.sum(1, keepdims=True))
    np.testing.assert_allclose(x.mean(0).data, x.data.mean(0))
    np.testing.assert_allclose(x.prod(dim=1).data, x.data.prod(1))
    np.testing.assert_allclose(x.var(1, unbiased=True).data, x.data.var(1, ddof=1))
    np.testing.assert_allclose(x.std(dim=0, correction=0).data, x.data.std(0))
    np.testing.assert_allclose(x.logsumexp(dim=1).data, np.log(np.exp(x.data).sum(1)))
    np.testing.assert_allclose(x.cumsum(dim=1).data, x.data.cumsum(1))
    np.testing.assert_allclose(x.amax(dim=0).data, x.data.max(0))
    np.testing.assert_allclose(x.amin(1, keepdim=True).data, x.data.min(1, keepdims=True))
    np.testing.assert_allclose(x.softmax(dim=0).data.sum(0), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(x.log_softmax(dim=1).exp().data.sum(1), [1.0, 1.0])


def test_norm_method_refuses_other_orders():
    x = x23()
    np.testing.assert_allclose(x.norm().data, np.linalg.norm(x.data))
    np.testing.assert_allclose(x.norm(dim=1).data, np.linalg.norm(x.data, axis=1))
    np.testing.assert_allclose(x.norm(2, 0, True).data, np.linalg.norm(x.data, axis=0)[None])
    np.testing.assert_allclose(x.norm(axis=1).data, np.linalg.norm(x.data, axis=1))
    with pytest.raises(ValueError, match="norm: only the 2-norm"):
        x.norm(1)  # PyTorch's L1 norm, never read as axis=1


def test_max_min_argmax_sort_topk_methods():
    x = ag.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    values, indices = x.max(1)
    assert values.tolist() == [3.0, 5.0] and indices.tolist() == [0, 1]
    assert x.min(dim=1).indices.tolist() == [1, 0]
    assert x.max(axis=1).tolist() == [3.0, 5.0]  # numpy's spelling: the values
    assert x.max().item() == 5.0
    assert x.argmax(dim=1).tolist() == [0, 1] and x.argmin().item() == 3
    assert x.sort(dim=1).values.tolist() == [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]
    assert x.sort(descending=True).indices.tolist() == [[0, 2, 1], [1, 2, 0]]
    assert x.argsort(dim=0).tolist() == [[1, 0, 0], [0, 1, 1]]
    assert x.topk(2).values.tolist() == [[3.0, 2.0], [5.0, 4.0]]


def test_view_reshape_and_expand():
    x = x23()
    assert x.view(3, 2).shape == x.view((3, 2)).shape == x.view(-1, 2).shape == (3, 2)
    assert x.view_as(ag.zeros(6)).shape == (6,) and x.reshape_as(ag.zeros(3, 2)).shape == (3, 2)
    with pytest.raises(TypeError, match=r"view: expected a shape.*\.to\(dtype\)"):
        x.view(ag.float32)
    col = leaf([[1.0], [2.0]])
    e = col.expand(2, 3)
    assert e.shape == (2, 3) and col.expand(-1, 4).shape == (2, 4)
    assert col.expand(5, -1, 3).shape == (5, 2, 3)
    assert col.expand_as(x).shape == (2, 3)
    e.sum().backward()
    np.testing.assert_array_equal(col.grad.data, [[3.0], [3.0]])
    with pytest.raises(ValueError, match="expand: -1 is not allowed for a new leading"):
        col.expand(-1, 2, 1)
    with pytest.raises(ValueError, match="expand: 1 sizes"):
        col.expand(3)


def test_transpose_of_two_axes_swaps_them_as_pytorch():
    x = ag.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.transpose(0, 1).shape == (3, 2, 4)
    assert x.transpose(-1, -2).shape == (2, 4, 3)
    assert x.transpose(2, 0, 1).shape == (4, 2, 3)  # numpy's permutation
    m = x23()
    np.testing.assert_array_equal(m.transpose(0, 1).data, m.data.T)  # PyTorch: a swap
    np.testing.assert_array_equal(m.transpose(1, 0).data, m.data.T)
    np.testing.assert_array_equal(m.transpose((0, 1)).data, m.data)  # a tuple: numpy's
    with pytest.raises(ValueError, match="transpose: dimension 3 is out of range"):
        x.transpose(0, 3)


def test_t_transposes_matrices_only():
    m = x23()
    np.testing.assert_array_equal(m.t().data, m.data.T)
    v = ag.tensor([1.0, 2.0])
    assert v.t() is v
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dimensions"):
        ag.zeros(2, 2, 2).t()


def test_shape_methods():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    assert x.permute(1, 0).shape == x.permute((1, 0)).shape == (3, 2)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(dim=-1).shape == (2, 3, 1)
    assert x.unsqueeze(0).squeeze(0).shape == (2, 3) and x.reshape(1, 6, 1).squeeze().shape == (6,)
    assert x.reshape(2, 3, 1).flatten().shape == (6,)
    assert x.reshape(2, 3, 1).flatten(1).shape == (2, 3)
    assert x.flip(1).tolist() == [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]
    assert x.flip(0, 1).tolist() == x.flip(dims=(0, 1)).tolist() == x.data[::-1, ::-1].tolist()
    np.testing.assert_array_equal(x.repeat(2, 1).data, np.tile(x.data, (2, 1)))
    np.testing.assert_array_equal(x.tile((1, 2)).data, np.tile(x.data, (1, 2)))
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=0).data, np.repeat(x.data, 2, 0))
    assert [p.shape for p in x.split(2, dim=1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in x.chunk(3, 1)] == [(2, 1)] * 3
    assert [p.tolist() for p in x.unbind()] == x.data.tolist()
    assert x.pad(1).shape == (4, 5)
    np.testing.assert_array_equal(x.triu(1).data, np.triu(x.data, 1))
    np.testing.assert_array_equal(x.tril(diagonal=-1).data, np.tril(x.data, -1))


def test_clone_is_a_recorded_copy():
    x = x23()
    y = x.clone()
    assert y.grad_fn is not None and not np.shares_memory(y.data, x.data)
    np.testing.assert_array_equal(y.data, x.data)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    z = ag.tensor([1.0, 2.0])
    c = z.clone()
    c.add_(1.0)  # the clone owns its buffer
    assert z.tolist() == [1.0, 2.0] and c.tolist() == [2.0, 3.0]
    assert z.contiguous() is z


def test_clone_in_forward_mode():
    x = ag.dual(ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]))
    assert x.clone().tangent.tolist() == [3.0, 4.0]


def test_casts_by_pytorch_names():
    x = x23()
    assert x.float().dtype == np.float32 and x.float().requires_grad
    assert x.half().dtype == np.float16 and x.double() is x
    for method, dtype in [("long", np.int64), ("int", np.int32), ("bool", np.bool_)]:
        r = getattr(x, method)()
        assert r.dtype == dtype and not r.requires_grad  # an integer result leaves the graph
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert ag.tensor([1, 2]).type_as(x).dtype == np.float64
    x.float().sum().backward()
    assert x.grad.dtype == np.float64


def test_to_takes_a_dtype_a_device_or_a_tensor():
    x = x23()
    assert x.to(ag.float32).dtype == np.float32
    assert x.to(dtype=np.float32).dtype == np.float32
    assert x.to("cpu") is x and x.to(ag.device("cpu")) is x and x.to(device="cpu") is x
    assert x.to("cpu", ag.float32).dtype == np.float32
    assert x.to(ag.tensor([1], dtype=ag.int32)).dtype == np.int32
    assert x.to(x) is x and x.cpu() is x
    copy = x.to(copy=True)
    assert copy is not x and not np.shares_memory(copy.data, x.data)
    with pytest.raises(RuntimeError, match="to: 'cuda' is not available: there is no GPU"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="no GPU"):
        x.to(0)
    with pytest.raises(RuntimeError, match=r"^cuda\(\): 'cuda' is not available"):
        x.cuda()


def test_device_metadata_and_conversions():
    x = x23()
    assert x.device == ag.device("cpu") and x.device == "cpu" and not x.is_cuda
    assert x.item is not None and x[0, 0].item() == pytest.approx(1 / 7)
    assert isinstance(x.numpy(), np.ndarray) and x.tolist() == x.data.tolist()


# ---------------------------------------------------------------------------- devices
def test_device_objects():
    cpu = ag.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert cpu == "cpu" and cpu == ag.device(cpu) and cpu != "cpu:0"
    zero = ag.device("cpu:0")
    assert zero.index == 0 and repr(zero) == "device(type='cpu', index=0)"
    assert ag.device("cpu", 0) == zero and hash(zero) == hash(ag.device("cpu:0"))
    assert len({ag.device("cpu"), ag.device("cpu")}) == 1


def test_the_pytorch_device_idiom_picks_the_cpu():
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")
    assert device == "cpu" and ag.cuda.device_count() == 0
    assert ag.zeros(2, device=device).device == "cpu"


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "mps", 0])
def test_gpu_devices_are_refused(spec):
    with pytest.raises(RuntimeError, match="there is no GPU backend, this engine runs on numpy"):
        ag.device(spec)


@pytest.mark.parametrize("spec", ["cpu:x", "cpu:-1"])
def test_malformed_devices(spec):
    with pytest.raises(RuntimeError, match="device: invalid device string"):
        ag.device(spec)
    with pytest.raises(TypeError, match="device: expected a string"):
        ag.device(1.5)
    with pytest.raises(RuntimeError, match="index must be a non-negative int"):
        ag.device("cpu", -1)


# ---------------------------------------------------------------------------- creation
FACTORIES = [
    ("tensor", lambda **kw: ag.tensor([1.0], **kw)),
    ("zeros", lambda **kw: ag.zeros(2, **kw)),
    ("ones", lambda **kw: ag.ones(2, **kw)),
    ("empty", lambda **kw: ag.empty(2, **kw)),
    ("full", lambda **kw: ag.full(2, 1.0, **kw)),
    ("zeros_like", lambda **kw: ag.zeros_like(ag.ones(2), **kw)),
    ("ones_like", lambda **kw: ag.ones_like(ag.ones(2), **kw)),
    ("full_like", lambda **kw: ag.full_like(ag.ones(2), 3.0, **kw)),
    ("eye", lambda **kw: ag.eye(2, **kw)),
    ("arange", lambda **kw: ag.arange(3, **kw)),
    ("linspace", lambda **kw: ag.linspace(0, 1, 3, **kw)),
    ("randn", lambda **kw: ag.randn(2, **kw)),
    ("rand", lambda **kw: ag.rand(2, **kw)),
    ("randn_like", lambda **kw: ag.randn_like(ag.ones(2), **kw)),
    ("rand_like", lambda **kw: ag.rand_like(ag.ones(2), **kw)),
    ("randint", lambda **kw: ag.randint(5, (2,), **kw)),
    ("randperm", lambda **kw: ag.randperm(3, **kw)),
    ("as_tensor", lambda **kw: ag.as_tensor([1.0], **kw)),
]


@pytest.mark.parametrize("name, make", FACTORIES, ids=[f[0] for f in FACTORIES])
def test_every_factory_takes_a_cpu_device(name, make):
    for device in (None, "cpu", ag.device("cpu"), "cpu:0"):
        assert make(device=device).device == "cpu"
    with pytest.raises(RuntimeError, match=rf"^{name}: 'cuda' is not available"):
        make(device="cuda")
    with pytest.raises(TypeError, match=rf"^{name}: device: expected a string"):
        make(device=1.5)


def test_linspace_eye_empty_full_like():
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    assert ag.linspace(0, 1, 3, dtype=ag.float32).dtype == np.float32
    assert ag.linspace(0, 1, 0).shape == (0,)
    np.testing.assert_array_equal(ag.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 3, dtype=ag.int64).data, np.eye(2, 3, dtype=int))
    assert ag.empty(2, 3).tolist() == [[0.0] * 3] * 2  # zeros: no uninitialised memory here
    f = ag.full_like(ag.tensor([1, 2]), 7)
    assert f.dtype == np.int64 and f.tolist() == [7, 7]
    assert ag.full_like(x23(), 0.5, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="linspace: shape must be non-negative"):
        ag.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="linspace: start must be a number"):
        ag.linspace("a", 1, 3)


def test_random_like_functions():
    x = ag.zeros(2, 3, dtype=ag.float32)
    assert ag.randn_like(x).shape == (2, 3) and ag.randn_like(x).dtype == np.float32
    assert ag.rand_like(x, dtype=ag.float64).dtype == np.float64
    assert ag.rand_like(x).data.min() >= 0 and ag.rand_like(x).data.max() < 1
    with pytest.raises(TypeError, match="randn_like: random samples need a float dtype"):
        ag.randn_like(ag.tensor([1, 2]))


def test_randint_and_randperm():
    r = ag.randint(3, 7, (50,), rng=0)
    assert r.dtype == np.int64 and r.shape == (50,) and r.data.min() >= 3 and r.data.max() < 7
    assert ag.randint(4, (2, 3), rng=0).shape == (2, 3)  # PyTorch's randint(high, size)
    assert ag.randint(4, size=5, rng=0).data.max() < 4
    assert ag.randint(2, rng=0).shape == ()
    assert sorted(ag.randperm(6, rng=1).tolist()) == list(range(6))
    with pytest.raises(ValueError, match="randint: high must be greater than low"):
        ag.randint(3, 3, (2,))
    with pytest.raises(TypeError, match="randint: high must be an int"):
        ag.randint(0, 2.5)


def test_from_numpy_copies_and_keeps_the_dtype():
    a = np.array([1, 2, 3], dtype=np.int32)
    t = ag.from_numpy(a)
    assert t.dtype == np.int32
    a[0] = 100
    assert t.tolist() == [1, 2, 3]
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        ag.from_numpy([1, 2])


def test_as_tensor_returns_a_tensor_of_that_dtype_itself():
    x = x23()
    assert ag.as_tensor(x) is x and ag.as_tensor(x, dtype=np.float64) is x
    y = ag.as_tensor(x, dtype=ag.float32)
    assert y.dtype == np.float32 and y.requires_grad  # a recorded cast
    assert ag.as_tensor([1, 2]).dtype == np.int64
    assert ag.as_tensor(np.array([1.0], np.float32)).dtype == np.float32


def test_allclose_and_isclose():
    a, b = ag.tensor([1.0, 2.0, np.nan]), ag.tensor([1.0 + 1e-9, 2.1, np.nan])
    np.testing.assert_array_equal(ag.isclose(a, b).data, [True, False, False])
    np.testing.assert_array_equal(ag.isclose(a, b, equal_nan=True).data, [True, False, True])
    assert ag.isclose(a, b).dtype == np.bool_
    assert ag.allclose(a[:1], b[:1]) is True and ag.allclose(a, b) is False
    assert ag.allclose(a, b, atol=0.2, equal_nan=True) is True
    assert ag.allclose(ag.tensor([1.0, 2.0]), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"isclose: shapes \(3,\) and \(2,\) cannot be"):
        ag.isclose(a, ag.ones(2))


def test_allclose_cannot_be_compiled():
    f = ag.compile(lambda x: x * 2 if ag.allclose(x, 1.0) else x)
    with pytest.raises(ag.CompileError, match="allclose"):
        f(ag.tensor([1.0]))


# ---------------------------------------------------------------------------- manual_seed
def _random_things():
    dataset = nn.data.TensorDataset(np.arange(10.0).reshape(10, 1))
    loader = nn.data.DataLoader(dataset, batch_size=10, shuffle=True)
    dropout = nn.Dropout(0.5)
    return (
        ag.randn(3).tolist(),
        ag.rand(2).tolist(),
        ag.randint(0, 100, (3,)).tolist(),
        nn.Linear(3, 2).weight.data.tolist(),
        dropout(ag.ones(8)).tolist(),
        next(iter(loader))[0].tolist(),
    )


def test_manual_seed_makes_every_default_generator_repeat():
    from autograd_core import random

    try:
        generator = ag.manual_seed(0)
        assert isinstance(generator, np.random.Generator)
        first = _random_things()
        ag.manual_seed(0)
        assert _random_things() == first
        ag.manual_seed(1)
        assert _random_things() != first
    finally:
        random._seeded = None  # back to fresh entropy for the other tests
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        ag.manual_seed(1.5)
    with pytest.raises(ValueError, match="manual_seed: a seed must be a non-negative"):
        ag.manual_seed(-1)


def test_without_manual_seed_draws_differ():
    assert ag.randn(8).tolist() != ag.randn(8).tolist()


# ---------------------------------------------------------------------------- dtype names
def test_dtype_names():
    assert ag.float32 == np.float32 and ag.float64 == np.float64 and ag.float16 == np.float16
    assert ag.int32 == np.int32 and ag.int64 == np.int64 and ag.uint8 == np.uint8
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.half is ag.float16
    assert ag.int is ag.int32 and ag.long is ag.int64 and ag.bool == np.bool_
    assert ag.zeros(2, dtype=ag.long).dtype == ag.int64
    assert ag.ones(2, dtype=ag.float).dtype == ag.float32
    assert ag.get_default_dtype() == ag.float64


def test_dtype_aliases_leave_the_builtins_alone():
    assert not {"float", "int", "bool"} & set(ag.__all__)
    namespace = {}
    exec("from autograd_core import *", namespace)
    assert "float" not in namespace and namespace["float32"] is ag.float32
    assert builtins.float(2) == 2.0


# ---------------------------------------------------------------------------- inference_mode
def test_inference_mode_builds_no_graph():
    x = x23()
    with ag.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with ag.inference_mode(False):
        assert (x * 2).requires_grad
    with ag.no_grad(), ag.inference_mode(False):
        assert not (x * 2).requires_grad  # False leaves recording as it is
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool"):
        ag.inference_mode(1)


def test_inference_mode_and_no_grad_decorate_with_or_without_parentheses():
    x = x23()

    @ag.inference_mode()
    def a(t):
        return t * 2

    @ag.inference_mode
    def b(t):
        return t * 2

    @ag.no_grad
    def c(t):
        return t * 2

    assert not any(f(x).requires_grad for f in (a, b, c))
    assert (x * 2).requires_grad
    with pytest.raises(TypeError, match="no_grad takes no arguments"):
        ag.no_grad(False)


# ---------------------------------------------------------------------------- next_functions
def test_next_functions_name_nodes_leaves_and_constants():
    w, b = leaf([1.0, 2.0]), leaf([0.5, 0.5])
    h = w * 3.0
    y = h + b
    (node, nr), (acc, nr_b) = y.grad_fn.next_functions
    assert node is h.grad_fn and nr == 0 and nr_b == 0
    assert isinstance(acc, AccumulateGrad) and acc.variable is b
    assert repr(acc) == "<AccumulateGrad>" and acc.next_functions == ()
    (acc_w, _), (const, _) = node.next_functions
    assert acc_w.variable is w and const is None
    assert (ag.tensor([1.0]) * w).grad_fn.next_functions[0] == (None, 0)


class _TwoOutputs(ag.Function):
    """(2a, 3a): a node with two outputs."""

    @staticmethod
    def forward(ctx, a):
        return a * 2, a * 3

    @staticmethod
    def backward(ctx, g2, g3):
        return (0 if g2 is None else g2 * 2) + (0 if g3 is None else g3 * 3)


def test_next_functions_give_the_output_number_of_a_multi_output_node():
    x = leaf([1.0, 2.0])
    double, triple = _TwoOutputs.apply(x)
    z = triple * double
    (node0, nr0), (node1, nr1) = z.grad_fn.next_functions
    assert node0 is node1 is double.grad_fn and (nr0, nr1) == (1, 0)


def test_walking_next_functions_reaches_every_leaf():
    w1, w2 = leaf([1.0]), leaf([2.0])
    loss = ((w1 * w2).exp() + w1).sum()
    leaves, stack, seen = [], [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        for parent, _ in node.next_functions:
            if isinstance(parent, AccumulateGrad):
                leaves.append(parent.variable)
            elif parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    assert {id(t) for t in leaves} == {id(w1), id(w2)}


# ---------------------------------------------------------------------------- PyTorch
def test_against_pytorch():
    torch = pytest.importorskip("torch")
    for data in (3, [1, 2], True, [True, 2], 2.5, [1, 2.5]):
        kind = {"torch.int64": "int64", "torch.bool": "bool", "torch.float32": "float"}
        expected = kind[str(torch.tensor(data).dtype)]
        got = ag.tensor(data).dtype
        assert got.kind == "f" if expected == "float" else str(got) == expected
    t, a = torch.zeros(2, 3, 4), ag.zeros(2, 3, 4)
    assert tuple(t.size()) == a.size() and t.size(-1) == a.size(-1) and t.numel() == a.numel()
    assert f"{torch.tensor(3.14159):.3f}" == f"{ag.tensor(3.14159):.3f}"
    assert repr(torch.tensor([[1, 2], [3, 4]])) == repr(ag.tensor([[1, 2], [3, 4]]))
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        torch.tensor(m).transpose(0, 1).numpy(), ag.tensor(m).transpose(0, 1).data
    )
    np.testing.assert_array_equal(
        torch.tensor(m).repeat(2, 2).numpy(), ag.tensor(m).repeat(2, 2).data
    )
    torch_next = (torch.tensor([1.0], requires_grad=True) * 2.0).grad_fn.next_functions
    ours = (leaf([1.0]) * 2.0).grad_fn.next_functions
    assert len(torch_next) == len(ours) and torch_next[1] == ours[1] == (None, 0)
