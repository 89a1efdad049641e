"""ag.compile equals eager mode or refuses: what a trace depended on is guarded.

Every test changes something a compiled function read (a closure, a global, a module's
attribute or mode, an argument's identity) between calls, and checks the next call against
the same function run uncompiled, bit for bit, or that it raises CompileError.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn


def _bits(t):
    return (t.dtype.str, t.shape, t.numpy().tobytes())


def _same_as_eager(compiled, fn, *args):
    """Call both; the values and the gradients of every Tensor argument that requires grad
    must be identical bit for bit."""
    results = []
    for f in (compiled, fn):
        for a in args:
            if isinstance(a, ag.Tensor) and a.requires_grad:
                a.grad = None
        out = f(*args)
        grads = []
        if out.requires_grad:
            out.sum().backward()
            grads = [_bits(a.grad) for a in args if isinstance(a, ag.Tensor) and a.requires_grad]
        results.append((_bits(out), grads))
    assert results[0] == results[1]
    return results[0]


X = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)


# ---------------------------------------------------------------------------- closures
def test_a_changed_closure_float_traces_again():
    scale = 2.0

    def f(x):
        return x * scale

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    scale = 3.0
    _same_as_eager(g, f, X)
    assert g.traces == 2 and "scale" in g.retrace_reason


def test_a_changed_closure_flag_takes_the_other_branch():
    use_relu = True

    def f(x):
        return ag.relu(x) if use_relu else ag.tanh(x)

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    use_relu = False
    _same_as_eager(g, f, X)
    use_relu = True
    _same_as_eager(g, f, X)
    assert g.traces == 2  # the first program serves again


def test_a_list_changed_in_place_traces_again():
    coeffs = [1.0, 2.0]

    def f(x):
        return x * coeffs[0] + coeffs[1]

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    coeffs[0] = 5.0
    _same_as_eager(g, f, X)
    coeffs.append(7.0)
    _same_as_eager(g, f, X)
    assert g.traces == 3


def test_a_numpy_array_changed_in_place_traces_again():
    weights = np.array([1.0, 2.0, 3.0])

    def f(x):
        return x * float(weights.sum()) + weights

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    weights[0] = 10.0
    _same_as_eager(g, f, X)
    assert g.traces == 2


def test_a_helper_function_reached_through_a_global_is_guarded_too():
    offsets = {"bias": 1.0}

    def helper(x):
        return x + offsets["bias"]

    def f(x):
        return helper(x) * 2

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    offsets["bias"] = -4.0
    _same_as_eager(g, f, X)
    assert g.traces == 2


# ---------------------------------------------------------------------------- globals
SCALE = 2.0
SHIFT = ag.tensor([1.0, 1.0, 1.0])


def _scaled(x):
    return x * SCALE + SHIFT


def test_a_rebound_module_level_global_traces_again():
    global SCALE, SHIFT
    g = ag.compile(_scaled)
    try:
        _same_as_eager(g, _scaled, X)
        SCALE = 3.0
        _same_as_eager(g, _scaled, X)
        SHIFT = ag.tensor([5.0, 6.0, 7.0])  # a new Tensor bound to the name
        _same_as_eager(g, _scaled, X)
        assert g.traces == 3
    finally:
        SCALE, SHIFT = 2.0, ag.tensor([1.0, 1.0, 1.0])


class Config:
    scale = 2.0


CONFIG = Config()


def _configured(x):
    return x * CONFIG.scale


def test_an_attribute_read_through_a_global_object_is_guarded():
    g = ag.compile(_configured)
    try:
        _same_as_eager(g, _configured, X)
        CONFIG.scale = 0.5
        _same_as_eager(g, _configured, X)
        assert g.traces == 2 and "CONFIG.scale" in g.retrace_reason
    finally:
        CONFIG.scale = 2.0


def test_an_object_argument_s_attributes_are_guarded():
    def f(x, cfg):
        return x * cfg.scale

    cfg = Config()
    g = ag.compile(f)
    _same_as_eager(g, f, X, cfg)
    cfg.scale = -1.0
    _same_as_eager(g, f, X, cfg)
    assert g.traces == 2


def test_a_changed_default_dtype_traces_again():
    def f(x):
        return x * ag.tensor(3.0)  # a constant made inside takes the default dtype

    g = ag.compile(f)
    x = ag.tensor(np.float32([1.5, 2.5]))
    _same_as_eager(g, f, x)
    ag.set_default_dtype(np.float32)
    try:
        _same_as_eager(g, f, x)
    finally:
        ag.set_default_dtype(np.float64)
    assert g.traces == 2


# ---------------------------------------------------------------------------- modules
def test_a_changed_module_hyperparameter_traces_again():
    act = nn.LeakyReLU(0.1)
    g = ag.compile(act)
    _same_as_eager(g, act, X)
    act.gamma = 0.5
    _same_as_eager(g, act, X)
    assert g.traces == 2 and "gamma" in g.retrace_reason


def test_train_and_eval_switch_the_program_or_refuse():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    x = ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    model.eval()
    g = ag.compile(model)
    _same_as_eager(g, model, x)
    model[1].p = 0.25  # no effect in eval mode, but guarded all the same
    _same_as_eager(g, model, x)
    model.train()  # dropout draws a new mask on every call: cannot be captured
    with pytest.raises(ag.CompileError, match="dropout"):
        g(x)
    model.eval()
    _same_as_eager(g, model, x)


def test_a_user_module_branching_on_its_mode_follows_it():
    class Noisy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.boost = 2.0

        def forward(self, x):
            y = self.fc(x)
            return y * self.boost if self.training else y

    model = Noisy()
    g = ag.compile(model)
    _same_as_eager(g, model, X)
    model.eval()
    _same_as_eager(g, model, X)
    model.train()
    model.boost = 4.0
    _same_as_eager(g, model, X)
    assert g.traces == 3


def test_a_replaced_parameter_is_read_from_the_module_again():
    layer = nn.Linear(3, 2)
    g = ag.compile(layer)
    _same_as_eager(g, layer, X)
    layer.weight = nn.Parameter(np.ones((2, 3)))
    _same_as_eager(g, layer, X)
    assert g.traces == 2


def test_a_compiled_method_sees_its_object_s_attributes():
    class Scaler:
        def __init__(self):
            self.factor = 2.0

        @ag.compile
        def apply(self, x):
            return x * self.factor

    s = Scaler()
    assert s.apply(X).tolist() == [1.0, -2.0, 4.0]
    s.factor = 3.0
    assert s.apply(X).tolist() == [1.5, -3.0, 6.0]


# ---------------------------------------------------------------------------- arguments
def test_an_argument_that_is_also_read_from_outside_is_told_apart():
    w = ag.tensor([2.0, 3.0, 4.0], requires_grad=True)

    def f(x):
        return x * w

    g = ag.compile(f)
    _same_as_eager(g, f, w)  # the first call passes the very tensor f reads
    x = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
    _same_as_eager(g, f, x)  # x * w, not x * x
    w.grad = x.grad = None
    g(x).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0] and x.grad.tolist() == [2.0, 3.0, 4.0]


def test_a_side_effect_on_an_argument_acts_on_each_call_s_argument():
    def step(x):
        x.grad = None
        (x * x).sum().backward()
        return x * 1.0

    g = ag.compile(step)
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    g(a)
    b.grad = ag.tensor([100.0, 100.0])
    g(b)
    assert b.grad.tolist() == [6.0, 8.0]  # cleared, then filled: not 106, 108
    assert a.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("first, second", [(1, True), (1, 1.0), (0.0, -0.0), (2, np.int64(2))])
def test_equal_static_values_of_different_types_or_signs_trace_apart(first, second):
    def f(x, k):
        return x * 0.0 * k if type(k) is float else x * k

    g = ag.compile(f)
    x = ag.tensor([1.0, -2.0])
    for k in (first, second, first):
        assert _bits(g(x, k)) == _bits(f(x, k))
    assert g.traces == 2


# ---------------------------------------------------------------------------- reading data
@pytest.mark.parametrize(
    "read",
    [
        lambda x: np.asarray(x),
        lambda x: np.array(x),
        lambda x: x.data,
        lambda x: x.data.argmax(),
        lambda x: float(x.sum()),
        lambda x: x.numpy(),
    ],
)
def test_reading_a_tensor_as_numpy_inside_a_trace_is_refused(read):
    def f(x):
        read(x)
        return x * 2

    with pytest.raises(ag.CompileError, match="constant of the first call"):
        ag.compile(f)(X)


def test_reading_a_parameter_as_numpy_inside_a_trace_is_refused():
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def f(x):
        return x * float(w.data.max())

    with pytest.raises(ag.CompileError, match=r"\.data"):
        ag.compile(f)(X)


# ---------------------------------------------------------------------------- side effects
COUNTER = 0


def test_a_function_that_changes_what_it_reads_is_refused_after_running_once():
    def f(x):
        global COUNTER
        COUNTER += 1
        return x * COUNTER

    g = ag.compile(f)
    with pytest.raises(ag.CompileError, match="COUNTER changed") as caught:
        g(X)
    assert caught.value.ran and caught.value.result.tolist() == [0.5, -1.0, 2.0]
    assert COUNTER == 1  # it ran once, as an eager call would


@pytest.mark.parametrize(
    "draw",
    [
        lambda: np.random.randn(3),
        lambda: np.random.default_rng(np.random.randint(10)).normal(size=3),
    ],
)
def test_a_random_draw_from_numpy_s_global_generator_is_refused(draw):
    def f(x):
        return x * ag.tensor(draw())

    with pytest.raises(ag.CompileError, match="random numbers from numpy's global"):
        ag.compile(f)(X)


def test_a_random_draw_from_a_generator_the_function_reads_is_refused():
    rng = np.random.default_rng(0)

    def f(x):
        return x + ag.tensor(rng.normal(size=3))

    with pytest.raises(ag.CompileError, match="random numbers from rng"):
        ag.compile(f)(X)


def test_an_unguardable_container_is_refused_with_its_name():
    table = list(range(20_000))

    def f(x):
        return x * table[3]

    with pytest.raises(ag.CompileError, match=r"table, which holds more than 10000"):
        ag.compile(f)(X)


# ---------------------------------------------------------------------------- the cache
def test_retracing_on_every_call_warns_and_keeps_a_bounded_cache():
    def f(x, lr):
        return x * lr

    g = ag.compile(f, max_programs=4)
    with pytest.warns(RuntimeWarning, match="traced 8 times"):
        for k in range(12):
            assert _bits(g(X, 0.1 * (k + 1))) == _bits(f(X, 0.1 * (k + 1)))
    assert g.traces == 12
    assert sum(map(len, g._programs.values())) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        g(X, 99.0)


def test_the_least_recently_used_program_goes_first():
    def f(x, k):
        return x * k

    g = ag.compile(f, max_programs=2)
    g(X, 1)
    g(X, 2)
    g(X, 1)  # 1 is now the most recently used
    g(X, 3)  # evicts 2
    assert g.traces == 3
    g(X, 1)
    assert g.traces == 3
    g(X, 2)
    assert g.traces == 4


def test_the_guards_are_readable_python():
    scale = 2.0

    def f(x):
        return x * scale

    g = ag.compile(f)
    g(X)
    assert g.guards.startswith("def check(args, kwargs):")
    assert ".cell_contents" in g.guards
    with pytest.raises(ValueError, match="max_programs"):
        ag.compile(f, max_programs=0)


def test_a_large_numpy_array_read_from_outside_is_refused_with_what_to_do():
    table = np.zeros(2**20 + 1)

    def f(x):
        return x + float(table[0])

    with pytest.raises(ag.CompileError, match=r"table, a numpy array .*wrap it in a Tensor"):
        ag.compile(f)(X)
    tensor_table = ag.tensor(table)

    def g(x):
        return x + tensor_table[:3]

    _same_as_eager(ag.compile(g), g, X)


class _Settings:
    def __init__(self):
        self.k = 2.0


def test_attribute_chains_through_a_user_module_are_guarded():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.settings = _Settings()

        def forward(self, x):
            return x * self.settings.k

    m = Scaled()
    g = ag.compile(m)
    _same_as_eager(g, m, X)
    m.settings.k = 7.0
    _same_as_eager(g, m, X)
    assert g.traces == 2


def test_a_rebound_global_function_traces_again():
    global _activation

    def f(x):
        return _activation(x) * 2

    g = ag.compile(f)
    try:
        _same_as_eager(g, f, X)
        _activation = ag.sin
        _same_as_eager(g, f, X)
        assert g.traces == 2
    finally:
        _activation = ag.tanh


_activation = ag.tanh


def test_a_dual_tensor_read_from_outside_is_refused_not_replayed_without_its_tangent():
    w = ag.dual(ag.tensor([1.0, 2.0, 3.0]), ag.tensor([1.0, 0.0, 0.0]))

    def f(x):
        return x * w

    with pytest.raises(ag.CompileError, match="dual tensor") as caught:
        ag.compile(f)(X)
    assert caught.value.ran and caught.value.result.tangent.tolist() == [0.5, 0.0, 0.0]
    plain = ag.tensor([1.0, 2.0, 3.0])

    def g(x):
        return x * plain

    compiled = ag.compile(g)
    _same_as_eager(compiled, g, X)
    plain[...] = 0.0  # (an in-place change: still the same Tensor, read afresh)
    _same_as_eager(compiled, g, X)
    assert compiled.traces == 1


def test_an_attribute_read_through_a_local_alias_is_guarded():
    settings = _Settings()

    def f(x):
        s = settings  # the chain continues through the local name
        k = s.k
        return x * k

    g = ag.compile(f)
    _same_as_eager(g, f, X)
    settings.k = -3.0
    _same_as_eager(g, f, X)
    assert g.traces == 2
