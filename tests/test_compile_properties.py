"""ag.compile on random programs (hypothesis): a random graph of ops over random inputs,
compiled, then replayed on new values, gives the eager values and gradients bit for bit.
Vector programs replay node by node (generated code); all-scalar ones run in waves."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

UNARY = {
    "exp": lambda a: ag.exp(ag.clip(a, -5.0, 5.0)),
    "tanh": ag.tanh,
    "sigmoid": ag.sigmoid,
    "relu": ag.relu,
    "sin": ag.sin,
    "neg": lambda a: -a,
    "square": lambda a: a * a,
    "abs": ag.abs,
    "log1p^2": lambda a: ag.log(1.0 + a * a),
    "masked": lambda a: ag.where(a > 0, a * 2.0, a * 0.5),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.5 + b * b),
    "max": ag.maximum,
    "min": ag.minimum,
}
SHAPED = {  # ops on a vector of shape (4,) that keep that shape
    "softmax": lambda a: ag.softmax(a, axis=-1),
    "centered": lambda a: a - a.mean(),
    "reversed": lambda a: a[::-1],
    "cumulative": lambda a: ag.concatenate([a[:1], a[1:] + a[:-1]]),
    "norm-scaled": lambda a: a * ag.norm(a),
}


@st.composite
def programs(draw, scalar):
    """A list of (op name, operand indices): each op reads earlier values (inputs first)."""
    n_inputs = draw(st.integers(1, 3))
    names = list(UNARY) + list(BINARY) + ([] if scalar else list(SHAPED))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(names))
        arity = 2 if name in BINARY else 1
        operands = [draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity)]
        steps.append((name, operands))
    return n_inputs, steps


def _run(n_inputs, steps):
    table = {**UNARY, **BINARY, **SHAPED}

    def fn(*inputs):
        values = list(inputs)
        for name, operands in steps:
            values.append(table[name](*[values[i] for i in operands]))
        return sum(v if v.ndim == 0 else v.sum() for v in values[n_inputs:])

    return fn


def _check(fn, n_inputs, shape, seed):
    """Trace ``fn`` on one set of random inputs, then compare a replay on new ones with eager
    mode: the value and every input's gradient, exactly (NaN equal to NaN)."""
    compiled = ag.compile(fn)
    rng = np.random.default_rng(seed)
    compiled(*[ag.tensor(rng.standard_normal(shape), requires_grad=True) for _ in range(n_inputs)])
    data = [rng.standard_normal(shape) for _ in range(n_inputs)]
    results = []
    for f in (compiled, fn):
        leaves = [ag.tensor(d, requires_grad=True) for d in data]
        out = f(*leaves)
        grads = ag.grad(out, leaves, allow_unused=True)
        results.append((out.data, [None if g is None else g.data for g in grads]))
    (value_c, grads_c), (value_e, grads_e) = results
    np.testing.assert_array_equal(value_c, value_e)
    for a, b in zip(grads_c, grads_e):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    assert compiled.traces == 1
    return compiled


@PROPERTY
@given(programs(scalar=False), st.integers(0, 2**16))
def test_random_vector_programs_replay_bit_for_bit(program, seed):
    n_inputs, steps = program
    _check(_run(n_inputs, steps), n_inputs, (4,), seed)


@PROPERTY
@given(programs(scalar=True), st.integers(0, 2**16))
def test_random_scalar_programs_replay_bit_for_bit(program, seed):
    n_inputs, steps = program
    _check(_run(n_inputs, steps), n_inputs, (), seed)


@PROPERTY
@given(programs(scalar=True), st.integers(0, 2**16))
def test_wide_scalar_programs_run_in_waves_bit_for_bit(program, seed):
    """The same random scalar program repeated over 12 independent inputs: a graph big
    enough for the waves, where each level's copies become one vector call."""
    n_inputs, steps = program
    one = _run(n_inputs, steps)
    copies = 12

    def wide(*inputs):
        return sum(one(*inputs[i * n_inputs : (i + 1) * n_inputs]) for i in range(copies))

    compiled = _check(wide, n_inputs * copies, (), seed)
    ((program_,),) = compiled._programs.values()
    if len(steps) * copies >= 64 and all(name != "masked" for name, _ in steps):
        assert program_.waves is not None  # ("masked" compares: its masks replay one by one)


OPTIMIZERS = {
    "sgd": lambda ps: nn.optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "adam": lambda ps: nn.optim.Adam(ps, lr=0.01),
    "rmsprop": lambda ps: nn.optim.RMSProp(ps, lr=0.01),
}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


@PROPERTY
@given(
    st.lists(st.integers(1, 6), min_size=0, max_size=3),
    st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=3, max_size=3),
    st.sampled_from(sorted(OPTIMIZERS)),
    st.integers(1, 5),
    st.integers(0, 2**16),
)
def test_random_compiled_training_steps_match_eager_bit_for_bit(
    hidden, activations, opt, batch, seed
):
    """zero_grad, forward, loss.backward() and the step, compiled as one program, over three
    steps on new batches: every loss, parameter and gradient equals eager mode's."""
    widths = [3, *hidden, 2]

    def build():
        layers = []
        for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
            layers.append(nn.Linear(n_in, n_out, rng=i))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[activations[i]]())
        model = nn.Sequential(*layers)
        optimizer = OPTIMIZERS[opt](model.parameters())

        def step(x, y):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        return model, step

    (eager_model, eager), (compiled_model, compiled) = build(), build()
    compiled = ag.compile(compiled)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        x, y = ag.tensor(rng.standard_normal((batch, 3))), rng.integers(0, 2, batch)
        assert eager(x, y).item() == compiled(x, y).item()
        for a, b in zip(eager_model.parameters(), compiled_model.parameters()):
            np.testing.assert_array_equal(a.data, b.data)
            np.testing.assert_array_equal(a.grad.data, b.grad.data)
    assert compiled.traces == 1
