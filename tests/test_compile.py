"""ag.compile: a captured graph replays bit-identical values and gradients, re-traces when
the signature changes, reads parameters afresh, and refuses what it cannot capture."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F


def _mlp():
    return nn.Sequential(nn.Linear(6, 16, rng=0), nn.ReLU(), nn.Linear(16, 4, rng=1))


def _batch(rng, n=8):
    return ag.tensor(rng.standard_normal((n, 6))), rng.integers(0, 4, n)


def test_training_with_a_compiled_loss_matches_eager_training_bit_for_bit():
    models = {"eager": _mlp(), "compiled": _mlp()}
    opts = {k: nn.optim.Adam(m.parameters(), lr=0.01) for k, m in models.items()}
    fns = {
        "eager": lambda x, y: F.cross_entropy(models["eager"](x), y),
        "compiled": ag.compile(lambda x, y: F.cross_entropy(models["compiled"](x), y)),
    }
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = _batch(rng)  # new data and labels every step
        losses = {}
        for key in models:
            opts[key].zero_grad()
            loss = fns[key](x, y)
            loss.backward()
            opts[key].step()
            losses[key] = loss.item()
        assert losses["eager"] == losses["compiled"]
    assert fns["compiled"].traces == 1
    for a, b in zip(models["eager"].parameters(), models["compiled"].parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_replay_sees_new_inputs_and_updated_parameters():
    w = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    f = ag.compile(lambda x: (w * x).sum())
    x = ag.tensor(np.ones(3))
    assert f(x).item() == 6.0
    assert f(ag.tensor(np.full(3, 2.0))).item() == 12.0
    with ag.no_grad():
        w.mul_(10.0)
    assert f(x).item() == 60.0
    w.data = np.array([1.0, 1.0, 1.0])  # rebinding .data is seen too
    out = f(x)
    out.backward()
    assert out.item() == 3.0 and w.grad.tolist() == [1.0, 1.0, 1.0]
    assert f.traces == 1


def test_data_dependent_masks_are_recomputed_on_every_call():
    f = ag.compile(lambda x: ag.where(x > 0, x * 2.0, -x).sum() + ag.relu(x).max())
    for values in ([1.0, -2.0, 3.0], [-1.0, 2.0, -3.0], [5.0, 5.0, -1.0]):
        x = ag.tensor(values, requires_grad=True)
        out = f(x)
        out.backward()
        x2 = ag.tensor(values, requires_grad=True)
        expected = ag.where(x2 > 0, x2 * 2.0, -x2).sum() + ag.relu(x2).max()
        expected.backward()
        assert out.item() == expected.item()
        np.testing.assert_array_equal(x.grad.data, x2.grad.data)
    assert f.traces == 1


def test_indexing_with_a_tensor_argument_follows_the_argument():
    f = ag.compile(lambda x, i: x[i].sum())
    x = ag.tensor(np.arange(5.0), requires_grad=True)
    f(x, ag.tensor(np.array([0, 1])))
    out = f(x, ag.tensor(np.array([4, 4])))
    out.backward()
    assert out.item() == 8.0 and x.grad.tolist() == [0, 0, 0, 0, 2.0]


def test_a_new_shape_or_static_argument_traces_again():
    f = ag.compile(lambda x, power: (x**power).sum())
    f(ag.tensor(np.ones(3)), 2)
    f(ag.tensor(np.ones(3)), 2)
    assert f.traces == 1
    assert f(ag.tensor(np.full(4, 2.0)), 2).item() == 16.0
    assert f(ag.tensor(np.full(4, 2.0)), 3).item() == 32.0
    assert f.traces == 3


def test_freezing_a_parameter_traces_again():
    layer = nn.Linear(3, 2, rng=0)
    f = ag.compile(lambda x: layer(x).sum())
    x = ag.tensor(np.ones((2, 3)))
    f(x).backward()
    layer.weight.requires_grad = False
    layer.weight.grad = None
    f(x).backward()
    assert layer.weight.grad is None and layer.bias.grad is not None
    assert f.traces == 2


def test_several_outputs_an_input_returned_and_a_constant_output():
    f = ag.compile(lambda x: [x.exp(), x, (x * 0.0 + 1.0).sum()])
    x = ag.tensor(np.array([0.0, 1.0]), requires_grad=True)
    f(x)
    result = f(x)
    assert isinstance(result, list)  # the container the function returns, as in eager mode
    e, same, s = result
    assert same is x and s.item() == 2.0
    (e.sum() + s).backward()
    np.testing.assert_array_equal(x.grad.data, np.exp([0.0, 1.0]))


def test_calls_in_flight_keep_their_own_values():
    f = ag.compile(lambda x: (x * x).sum())
    a = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = ag.tensor(np.array([3.0, 4.0]), requires_grad=True)
    f(a)
    total = f(a) + f(b)
    total.backward()
    assert a.grad.tolist() == [2.0, 4.0] and b.grad.tolist() == [6.0, 8.0]


def test_no_grad_calls_record_nothing():
    w = ag.tensor(np.ones(2), requires_grad=True)
    f = ag.compile(lambda x: (w * x).sum())
    f(ag.tensor(np.ones(2)))
    with ag.no_grad():
        out = f(ag.tensor(np.ones(2)))
    assert out.grad_fn is None and not out.requires_grad and out.item() == 2.0


def test_backward_twice_needs_retain_graph():
    f = ag.compile(lambda x: (x * x).sum())
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    f(x)
    out = f(x)
    out.backward(retain_graph=True)
    out.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()


def test_second_derivatives_through_a_compiled_function():
    f = ag.compile(lambda x: (x**3).sum())
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    f(x)
    (g,) = ag.grad(f(x), [x], create_graph=True)
    (h,) = ag.grad(g.sum(), [x])
    assert g.tolist() == [3.0, 12.0] and h.tolist() == [6.0, 12.0]


def test_a_custom_function_inside_is_replayed():
    class Square(ag.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2.0 * a * g

    f = ag.compile(lambda x: Square.apply(x).sum())
    f(ag.tensor(np.ones(2), requires_grad=True))
    x = ag.tensor(np.array([3.0, -1.0]), requires_grad=True)
    out = f(x)
    out.backward()
    assert out.item() == 10.0 and x.grad.tolist() == [6.0, -2.0]


def test_forward_mode_and_anomaly_mode_run_eagerly():
    f = ag.compile(lambda x: (x * x).sum())
    x = ag.tensor(np.array([1.0, 2.0]))
    _, tangent = ag.jvp(f, (x,), (ag.tensor(np.array([1.0, 0.0])),))
    assert tangent.item() == 2.0
    with ag.detect_anomaly():
        assert f(x).item() == 5.0
    assert f.traces == 0


@pytest.mark.parametrize(
    "body, what",
    [
        (lambda x: x if x.sum() > 0 else -x, "bool()"),
        (lambda x: x * x.max().item(), ".item()"),
        (lambda x: x * float(x.sum()), ".item()"),
        (lambda x: ag.tensor(x.numpy() * 2), ".numpy()"),
        (lambda x: F.dropout(x, 0.5, training=True), "dropout"),
        (lambda x: x + ag.randn(3), "random numbers"),
    ],
)
def test_what_cannot_be_captured_raises_a_clear_error(body, what):
    f = ag.compile(body)
    with pytest.raises(
        ag.CompileError, match=what.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        f(ag.tensor(np.ones(3)))


def test_hooks_that_would_run_only_while_tracing_are_refused():
    layer = nn.Linear(3, 2, rng=0)
    layer.register_forward_hook(lambda module, inputs, output: None)
    with pytest.raises(ag.CompileError, match="forward hook of Linear"):
        ag.compile(lambda x: layer(x).sum())(ag.tensor(np.ones((1, 3))))

    def hooked(x):
        y = x * 2.0
        y.register_hook(lambda g: g * 0.0)
        return y.sum()

    with pytest.raises(ag.CompileError, match="gradient hook"):
        ag.compile(hooked)(ag.tensor(np.ones(3), requires_grad=True))


@pytest.mark.filterwarnings("ignore:backward\\(create_graph=True\\)")
def test_in_place_changes_and_gradients_as_values_inside_are_refused():
    def in_place(x):
        y = x * 1.0
        y.add_(1.0)
        return y

    def with_grad(x):
        loss = (x * x).sum()
        return ag.grad(loss, [x])[0]

    def with_create_graph(x):
        loss = (x * x).sum()
        loss.backward(create_graph=True)
        return loss

    with pytest.raises(ag.CompileError, match="in-place"):
        ag.compile(in_place)(ag.tensor(np.ones(3)))
    for fn in (with_grad, with_create_graph):
        with pytest.raises(ag.CompileError, match="ag.grad or a backward pass with create_graph"):
            ag.compile(fn)(ag.tensor(np.ones(3), requires_grad=True))


def test_bad_arguments_and_results_are_named():
    with pytest.raises(TypeError, match="expected a function"):
        ag.compile(3)
    with pytest.raises(TypeError, match="must return a Tensor"):
        ag.compile(lambda x: 1.0)(ag.tensor(np.ones(2)))
    with pytest.raises(TypeError, match="hashable"):
        ag.compile(lambda x, options: x)(ag.tensor(np.ones(2)), [1, 2])


def test_a_trace_is_not_kept_alive_by_its_program():
    import gc
    import weakref

    f = ag.compile(lambda x: (x.exp() * 2.0).sum())
    x = ag.tensor(np.ones(1000), requires_grad=True)
    out = f(x)
    ref = weakref.ref(out)
    del out
    gc.collect()
    assert ref() is None


# ---------------------------------------------------------------------------- scalar graphs
def _scalar_mlp(rng, sizes=(2, 6, 6, 1)):
    layers = [
        [
            (
                [ag.tensor(rng.uniform(-1, 1), requires_grad=True) for _ in range(n_in)],
                ag.tensor(rng.uniform(-0.1, 0.1), requires_grad=True),
            )
            for _ in range(n_out)
        ]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for ws, b in layer for p in ws + [b]]

    def model(xs):
        for depth, layer in enumerate(layers):
            xs = [sum((w * x for w, x in zip(ws, xs)), b) for ws, b in layer]
            if depth < len(layers) - 1:
                xs = [x.relu() if depth % 2 else x.tanh() for x in xs]
        return xs[0]

    return model, params


def _waves(compiled):
    ((program,),) = compiled._programs.values()
    return program.waves


def test_scalar_graphs_replay_in_waves_bit_identical_to_eager():
    rng = np.random.default_rng(0)
    model, params = _scalar_mlp(rng)
    points = [[ag.tensor(v) for v in row] for row in rng.standard_normal((12, 2))]
    labels = rng.choice([-1.0, 1.0], 12)

    def loss():
        scores = [model(x) for x in points]
        _unused = [s.exp() * 3.0 for s in scores]  # computed, not differentiated
        margins = [ag.maximum(1 + -y * s, 0.0) for y, s in zip(labels, scores)]
        extras = [
            ag.sigmoid(s).exp() / (1.0 + s * s) + ag.clip(s, -0.5, 0.5) ** 2 for s in scores[:3]
        ]
        return (
            sum(margins) * (1.0 / len(margins))
            + sum(extras) * -0.0
            + 1e-3 * sum(p * p for p in params)
        )

    compiled = ag.compile(loss)
    for _ in range(3):
        results = []
        for fn in (compiled, loss):
            for p in params:
                p.grad = None
            value = fn()
            value.backward()
            results.append((value.item(), [p.grad.item() for p in params]))
        assert results[0] == results[1]  # the values and every gradient, exactly
        with ag.no_grad():
            for p in params:
                p.data = p.data - 0.05 * p.grad.data
    assert _waves(compiled) is not None and compiled.traces == 1
    assert len(_waves(compiled).groups) < len(params) * 12  # far fewer calls than nodes


def test_graphs_that_are_not_all_scalars_replay_node_by_node():
    w = ag.tensor(np.ones(3), requires_grad=True)
    compiled = ag.compile(lambda: sum((w * float(i)).sum() for i in range(40)))
    compiled()
    assert _waves(compiled) is None
    out = compiled()
    out.backward()
    assert out.item() == 3.0 * sum(range(40)) and w.grad.tolist() == [780.0] * 3


def test_code_shows_the_replayed_program():
    f = ag.compile(lambda x, w: (w * x).exp().sum())
    assert f.code is None and f.source is None
    f(ag.tensor(np.ones(3)), ag.tensor(np.ones(3), requires_grad=True))
    assert f.code == (
        "def f(x, w):\n"
        "    v1 = mul(w, x)\n"
        "    v2 = exp(v1)\n"
        "    v3 = sum(v2, axis=None, keepdims=False)\n"
        "    return v3\n"
        "\n\n"
        "def backward(g3):\n"
        "    g2 = Sum.backward(g3)\n"
        "    g1 = Exp.backward(g2)\n"
        "    g_w, _ = Mul.backward(g1)\n"
        "    return g_w\n"
    )
    source = f.source  # the Python the replay runs
    assert "def forward(values, inputs):" in source and "def backward(ctxs, grads):" in source
    for op in ("Mul_forward", "Exp_forward", "Sum_forward", "Sum_backward", "Mul_backward"):
        assert source.count(op + "(") == 1
    assert "Tensor" not in source and "apply" not in source


def test_the_same_tensor_twice_is_a_different_signature_from_two_tensors():
    f = ag.compile(lambda a, b: (a * b).sum())
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ag.tensor(np.array([3.0, 4.0]), requires_grad=True)
    assert f(x, x).item() == 5.0
    assert f(x, y).item() == 11.0
    assert f.traces == 2
    with pytest.raises(TypeError, match="positional"):
        f(x, b=y)


def test_a_compiled_call_is_drawn_as_one_node_and_refuses_a_replay():
    viz = pytest.importorskip("viz")
    w = ag.tensor(np.ones(3), requires_grad=True, name="w")
    f = ag.compile(lambda x: (w * x).exp().sum())
    f(ag.tensor(np.ones(3)))
    out = f(ag.tensor(np.ones(3)))
    assert "compiled" in viz.draw_graph(out).source
    with pytest.raises(RuntimeError, match="uncompiled function"):
        viz.draw_graph(out, mode="reverse")


def test_transforms_and_checkers_accept_a_compiled_function():
    A = ag.randn(3, 3, rng=0)
    f = ag.compile(lambda v: ag.tanh(A @ v))
    x = ag.randn(3, rng=1)
    for mode in ("rev", "fwd"):
        np.testing.assert_allclose(
            ag.jacobian(f, x, mode=mode).data,
            ag.jacobian(lambda v: ag.tanh(A @ v), x).data,
            rtol=1e-12,
        )
    g = ag.compile(lambda v: (v * v * v).sum())
    np.testing.assert_allclose(ag.hessian(g, x).data, np.diag(6 * x.data), rtol=1e-12)
    leaf = ag.randn(3, rng=2, requires_grad=True)
    assert ag.gradcheck(g, [leaf]) and ag.gradgradcheck(g, [leaf])


def test_checks_of_the_data_run_on_every_replay():
    logits = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    loss = ag.compile(lambda x, y: F.cross_entropy(x, y))
    loss(logits, np.array([0, 2]))
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 3\), got -1 at index 1"):
        loss(logits, np.array([0, -1]))
    bce = ag.compile(lambda p, y: F.binary_cross_entropy(p, y))
    target = ag.tensor(np.array([0.0, 1.0]))
    bce(ag.tensor(np.array([0.2, 0.7])), target)
    with pytest.raises(ValueError, match="probabilities in"):
        bce(ag.tensor(np.array([0.2, 1.5])), target)
    assert loss.traces == 1 and bce.traces == 1


def test_binary_cross_entropy_masks_where_p_is_0_follow_the_inputs():
    bce = ag.compile(lambda p, y: F.binary_cross_entropy(p, y, reduction="sum"))
    y = ag.tensor(np.array([1.0, 0.0]))
    bce(ag.tensor(np.array([0.5, 0.5]), requires_grad=True), y)  # traced where p > 0
    for values in ([0.0, 0.5], [0.5, 1.0], [0.3, 0.6]):
        p, q = (ag.tensor(np.array(values), requires_grad=True) for _ in range(2))
        out, expected = bce(p, y), F.binary_cross_entropy(q, y, reduction="sum")
        out.backward()
        expected.backward()
        assert out.item() == expected.item()
        np.testing.assert_array_equal(p.grad.data, q.grad.data)
        assert np.isfinite(p.grad.data).all()


def test_an_integer_cast_of_a_traced_value_is_recomputed():
    f = ag.compile(lambda x: (x * x.astype(np.int64)).sum())
    f(ag.tensor(np.array([1.5, 2.5]), requires_grad=True))
    x = ag.tensor(np.array([3.5, -1.5]), requires_grad=True)
    out = f(x)
    out.backward()
    assert out.item() == 3.5 * 3 + 1.5 and x.grad.tolist() == [3.0, -1.0]


def test_compile_decorates_a_method_such_as_a_module_forward():
    class Net(nn.Module):
        def __init__(self, seed):
            super().__init__()
            self.layer = nn.Linear(3, 2, rng=seed)

        @ag.compile
        def forward(self, x):
            return ag.tanh(self.layer(x)).sum()

    a, b = Net(0), Net(1)
    x = ag.tensor(np.ones((4, 3)))
    for _ in range(2):
        assert a(x).item() == ag.tanh(a.layer(x)).sum().item()
        assert b(x).item() == ag.tanh(b.layer(x)).sum().item()
    assert a.forward.traces == 1 and b.forward.traces == 1  # each object its own program


# ------------------------------------------------------------------ whole training steps
# zero_grad, loss.backward() and the optimiser's (and scheduler's) step inside a compiled
# function are captured too: a replay runs each at its place, on that call's values.


def _train_step(model, opt, scheduler=None, module_zero_grad=False):
    def step(x, y):
        (model if module_zero_grad else opt).zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        return loss

    return step


@pytest.mark.parametrize(
    "make_opt, with_scheduler, module_zero_grad",
    [
        (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), False, False),
        (lambda ps: nn.optim.Adam(ps, lr=0.01, weight_decay=0.01), True, False),
        (lambda ps: nn.optim.RMSProp(ps, lr=0.01), False, True),
        (lambda ps: nn.optim.AdaGrad(ps, lr=0.1), True, True),
    ],
)
def test_a_whole_training_step_compiles_bit_identical_to_eager(
    make_opt, with_scheduler, module_zero_grad
):
    models = {"eager": _mlp(), "compiled": _mlp()}
    opts = {k: make_opt(m.parameters()) for k, m in models.items()}
    schedulers = {
        k: nn.optim.StepLR(o, step_size=2, gamma=0.5) if with_scheduler else None
        for k, o in opts.items()
    }
    steps = {k: _train_step(models[k], opts[k], schedulers[k], module_zero_grad) for k in models}
    steps["compiled"] = ag.compile(steps["compiled"])
    rng = np.random.default_rng(0)
    for _ in range(6):
        x, y = _batch(rng)
        losses = {k: steps[k](x, y) for k in models}
        assert losses["eager"].item() == losses["compiled"].item()
        for a, b in zip(models["eager"].parameters(), models["compiled"].parameters()):
            np.testing.assert_array_equal(a.data, b.data)
            np.testing.assert_array_equal(a.grad.data, b.grad.data)
        assert [g["lr"] for g in opts["eager"].param_groups] == [
            g["lr"] for g in opts["compiled"].param_groups
        ]
    assert steps["compiled"].traces == 1
    source = steps["compiled"].source
    assert "backward_pass_1(inputs," in source and "_step()" in source and "_zero_grad(" in source
    code = steps["compiled"].code
    assert ".backward(), from g" in code and ".step()" in code and ".zero_grad(" in code


def test_zero_grad_inside_a_compiled_loss_runs_on_every_call():
    layer = nn.Linear(3, 2, rng=0)
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)

    @ag.compile
    def loss_of(x):
        opt.zero_grad()
        return layer(x).sum()

    x = ag.tensor(np.ones((4, 3)))
    for _ in range(3):  # before side effects were replayed, the gradient grew 4, 8, 12
        loss_of(x).backward()
        assert layer.weight.grad.data[0, 0] == 4.0


def test_a_compiled_step_may_return_nothing_and_accumulate_two_losses():
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    compiled_w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)

    def step(x, w=w):
        w.grad = None
        first = (w * x).sum()
        first.backward(retain_graph=True)  # the graph is walked again below
        (first * first).backward()

    compiled = ag.compile(lambda x: step(x, compiled_w))
    for values in ([1.0, 1.0], [2.0, -1.0]):
        assert step(ag.tensor(values)) is None and compiled(ag.tensor(values)) is None
        assert w.grad.tolist() == compiled_w.grad.tolist()
    assert w.grad.tolist() == [2.0, -1.0]  # x + 2 (w·x) x, and here w·x = 0


def test_after_a_backward_inside_the_returned_loss_is_freed_unless_retained():
    for retain, expected in ((False, None), (True, [4.0, 8.0])):
        x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)

        def step(x):
            x.grad = None
            loss = (x * x).sum()
            loss.backward(retain_graph=retain)  # noqa: B023 - called in this iteration
            return loss

        compiled = ag.compile(step)
        compiled(x)
        loss = compiled(x)
        assert x.grad.tolist() == [2.0, 4.0]
        if expected is None:
            with pytest.raises(RuntimeError, match="backward through the graph a second time"):
                loss.backward()
        else:
            loss.backward()
            assert x.grad.tolist() == expected


def test_post_accumulate_hooks_run_on_every_replayed_backward():
    w = ag.tensor(np.ones(2), requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))

    @ag.compile
    def step(x):
        w.zero_grad()
        (w * x).sum().backward()

    for k in (1.0, 2.0, 3.0):
        step(ag.tensor(np.full(2, k)))
    assert seen == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


def test_what_a_compiled_training_step_cannot_capture_is_refused():
    w = ag.tensor(np.ones(2), requires_grad=True)
    outside = w * 2.0  # made before the call: its graph is not the program's
    opt = nn.optim.SGD([w], lr=0.1)

    def seeded(x):
        loss = w * x
        loss.backward(ag.tensor(np.ones(2)))

    def reaches_outside(x):
        (outside * x).sum().backward()

    def backward_of_outside(x):
        (w * x).sum()
        outside.sum().backward()

    cases = [
        (seeded, "backward\\(gradient\\)"),
        (reaches_outside, "reaches a tensor computed outside it"),
        (backward_of_outside, "reaches a tensor computed outside it|not computed inside"),
        (lambda x: opt.step(lambda: (w * x).sum()), "closure"),
        (lambda x: setattr(w, "grad", ag.tensor(np.ones(2))), "assignment to .grad"),
        (lambda x: (w * x).retain_grad(), "retain_grad"),
        (lambda x: w.data.__isub__(0.1 * w.grad.data), "reading .grad|\\.data"),  # manual update
    ]
    for body, what in cases:
        before = w.data.copy()
        with pytest.raises(ag.CompileError, match=what):
            ag.compile(body)(ag.tensor(np.ones(2)))
        np.testing.assert_array_equal(w.data, before)  # refused before any update ran


def test_a_compiled_step_refuses_to_run_its_side_effects_again_for_a_second_derivative():
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = nn.optim.SGD([w], lr=0.1)

    @ag.compile
    def loss_of(x):
        opt.zero_grad()
        return (w * x).sum() ** 2

    x = ag.tensor(np.ones(2))
    loss_of(x)
    with pytest.raises(RuntimeError, match="side effects"):
        ag.grad(loss_of(x), [w], create_graph=True)


def test_a_compiled_backward_leaves_the_callers_gradient_array_unchanged():
    # Add hands the same array to both ReLUs, and here it is the caller's own gradient
    f = ag.compile(lambda a, b: ag.relu(a) + ag.relu(b))
    a = ag.tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)
    b = ag.tensor(np.array([3.0, 4.0, -5.0]), requires_grad=True)
    f(a, b)
    seed = np.array([10.0, 20.0, 30.0])
    f(a, b).backward(ag.tensor(seed))
    assert a.grad.tolist() == [10.0, 0.0, 30.0] and b.grad.tolist() == [10.0, 20.0, 0.0]
    assert seed.tolist() == [10.0, 20.0, 30.0]
