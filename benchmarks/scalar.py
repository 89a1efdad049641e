"""Workload 3, scalar graphs: micrograd's own demo, one training step of MLP(2, [16, 16, 1])
on 50 two-moons points, built from scalar (0-d) tensors exactly as micrograd builds it from
``Value``s: per point ~640 scalar ops, ~33,000 graph nodes per step.

One step = the demo's ``loss()`` (forward over all points: max-margin loss
``relu(1 - y·score)`` averaged, plus L2 ``1e-4 · Σ p²``, and the accuracy list) +
``zero_grad`` + ``backward`` + the SGD update ``p.data -= lr · p.grad``.

Rows: ``micrograd`` (``pip install micrograd``; its ``nn.MLP`` and ``engine.Value``),
``ours (scalar)`` (the same Neuron/Layer/MLP classes written on ``ag.tensor`` scalars: same
graph, same op order), ``ours (compiled)`` (that loss under ``ag.compile``: the scalar graph is
traced once and replayed in waves, one vector call per level and op; see
``autograd_core/jit/waves.py``; results bit-identical to the eager scalar row), and
``ours (vectorised)`` for context (the same step as three matmuls on (50, 2) data: a
different graph, what one would write with tensors). Each row runs with the cyclic garbage
collector on (the default) and off (``gc.disable()`` while timing, collected between
samples): micrograd's closures make every node a reference cycle, so its time depends on
the collector (see ``_time_steps`` for how samples are isolated).

Runs in its own interpreter (see ``run``). Same data, same initial weights (micrograd's
``random.seed(1337)`` draws); the total loss and all parameters after one step are checked
equal (float64, rtol 1e-12) before timing.
Deviations from the demo notebook: 50 points (the notebook uses 100), inputs and labels as
Python floats (the notebook's numpy scalars make micrograd slower: we compare against the
faster micrograd), and a fixed learning rate 0.9 (the notebook's decays from 1.0).
"""

import gc
import math
import random
import time

import numpy as np

from .common import fmt_ratio, gc_state, measure_stats, peer, run_worker, table, worker_main

N_POINTS = 50
ALPHA = 1e-4
LR = 0.9
SIZES = [2, 16, 16, 1]
TARGET_GC_ON = 1.0  # ours / micrograd, gc on: must be faster
TARGET_GC_OFF = 1.5  # ours / micrograd, gc off: within 1.5x


def make_moons(n=N_POINTS, noise=0.1, seed=0):
    """sklearn.datasets.make_moons without sklearn: two interleaving half circles, labels ±1."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, math.pi, n_out)
    t_in = np.linspace(0, math.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    X += rng.normal(scale=noise, size=X.shape)
    y = np.hstack([np.zeros(n_out), np.ones(n_in)]) * 2 - 1
    return X.tolist(), y.tolist()


def initial_weights(seed=1337):
    """micrograd's draws: per layer, per neuron, nin weights U(-1, 1) and a zero bias."""
    random.seed(seed)
    layers = []
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        layers.append([([random.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)])
    return layers


# --------------------------------------------------------------------------- micrograd


def make_micrograd(weights, X, Y):
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(SIZES[0], SIZES[1:])
    for layer, wl in zip(model.layers, weights):
        for neuron, (w, b) in zip(layer.neurons, wl):
            for wi, v in zip(neuron.w, w):
                wi.data = v
            neuron.b.data = b

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(Y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    def step():
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return total_loss.data

    def params():
        return [p.data for p in model.parameters()]

    return step, params


# --------------------------------------------------------------------------- ours, scalars


class _Neuron:
    def __init__(self, ag, w, b, nonlin):
        self.w = [ag.tensor(v, requires_grad=True) for v in w]
        self.b = ag.tensor(b, requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class _Layer:
    def __init__(self, ag, wl, nonlin):
        self.neurons = [_Neuron(ag, w, b, nonlin) for w, b in wl]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class _MLP:
    def __init__(self, ag, weights):
        n = len(weights)
        self.layers = [_Layer(ag, wl, nonlin=i != n - 1) for i, wl in enumerate(weights)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None


def _scalar_loss(model, inputs, Y):
    """The demo's loss on scalar tensors (mean max-margin + L2), and the scores."""
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def _sgd_steps(model, loss):
    """The demo's step (``loss()``, zero_grad, backward, SGD update) and a parameter dump."""

    def step():
        total_loss = loss()
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad.data
        return total_loss.item()

    def params():
        return [p.item() for p in model.parameters()]

    return step, params


def make_ours_scalar(weights, X, Y):
    import autograd_core as ag

    model = _MLP(ag, weights)

    def loss():
        inputs = [list(map(ag.tensor, xrow)) for xrow in X]
        total_loss, scores = _scalar_loss(model, inputs, Y)
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(Y, scores)]
        _ = sum(accuracy) / len(accuracy)  # computed, as the demo's loss() does
        return total_loss

    return _sgd_steps(model, loss)


def make_ours_compiled(weights, X, Y):
    """The same scalar graph, its loss under ``ag.compile``: traced once, then replayed."""
    import autograd_core as ag

    model = _MLP(ag, weights)
    inputs = [list(map(ag.tensor, xrow)) for xrow in X]
    return _sgd_steps(model, ag.compile(lambda: _scalar_loss(model, inputs, Y)[0]))


# --------------------------------------------------------------------------- ours, tensors


def make_ours_vectorised(weights, X, Y):
    import autograd_core as ag

    layers = []
    for wl in weights:
        W = ag.tensor(np.array([w for w, _ in wl]), requires_grad=True)
        b = ag.tensor(np.array([b for _, b in wl]), requires_grad=True)
        layers.append((W, b))
    Xt = ag.tensor(np.array(X))
    Yt = ag.tensor(np.array(Y))
    params_list = [t for layer in layers for t in layer]

    def step():
        h = Xt
        for i, (W, b) in enumerate(layers):
            h = h @ W.T + b
            if i != len(layers) - 1:
                h = ag.relu(h)
        scores = h[:, 0]
        data_loss = ag.relu(1 - Yt * scores).mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in params_list)
        total_loss = data_loss + reg_loss
        for p in params_list:
            p.grad = None
        total_loss.backward()
        for p in params_list:
            p.data -= LR * p.grad.data
        return total_loss.item()

    def params():
        # micrograd's order: per neuron its weights, then its bias
        out = []
        for W, b in layers:
            for row, bias in zip(W.data, b.data):
                out.extend(row.tolist())
                out.append(float(bias))
        return out

    return step, params


def implementations():
    return {
        "micrograd": (make_micrograd, None if peer("micrograd.nn") else "micrograd not installed"),
        "ours (scalar)": (make_ours_scalar, None),
        "ours (compiled)": (make_ours_compiled, None),
        "ours (vectorised)": (make_ours_vectorised, None),
    }


def run_here(repeats: int = 5, sample_s: float = 0.5) -> list[dict]:
    """Build every implementation, check that one step of each gives the reference's result,
    then time the steps with the collector on and off; one row per implementation and
    collector setting (or one saying why it was skipped)."""
    X, Y = make_moons()
    weights = initial_weights()
    impls = implementations()
    steps, first_s, results, skipped = _first_steps(impls, weights, X, Y)
    checks = _check_results(results, steps, skipped)
    times = _time_steps(steps, first_s, repeats, sample_s)
    rows = []
    for name in impls:
        if name not in steps:
            rows.append({"impl": name, "skipped": skipped[name]})
            continue
        for gc_on in (True, False):
            rows.append(_row(name, gc_on, times, checks[name]))
    return rows


def _first_steps(impls, weights, X, Y):
    """Build each available implementation and run its first step. Returns its step
    function, how long that first step took, its (loss, parameters) after it, and
    ``name -> why`` for the implementations left out."""
    steps, first_s, results, skipped = {}, {}, {}, {}
    for name, (factory, why) in impls.items():
        if why:
            skipped[name] = why
            continue
        try:
            step, params = factory(weights, X, Y)
            start = time.perf_counter()
            loss = step()
            first_s[name] = time.perf_counter() - start
            results[name] = (loss, np.array(params(), dtype=np.float64))
            steps[name] = step
        except Exception as exc:  # noqa: BLE001 - report, do not abort the suite
            skipped[name] = f"failed: {type(exc).__name__}: {exc}"
    return steps, first_s, results, skipped


def _check_results(results, steps, skipped):
    """Compare each implementation's loss and parameters after one step with micrograd's (or
    with ours (scalar) without micrograd). One that differs is removed from ``steps`` and
    noted in ``skipped``. Returns the comparison per implementation."""
    ref_name = "micrograd" if "micrograd" in results else "ours (scalar)"
    ref_loss, ref_params = results[ref_name]
    checks = {}
    for name, (loss, params) in results.items():
        ok = math.isclose(loss, ref_loss, rel_tol=1e-12) and np.allclose(
            params, ref_params, rtol=1e-12, atol=1e-15
        )
        checks[name] = {
            "loss_step1": loss,
            "matches": ok,
            "max_param_diff": float(np.max(np.abs(params - ref_params))),
        }
        if not ok:
            skipped[name] = (
                f"result differs from {ref_name}, not timed: loss {loss!r} vs "
                f"{ref_loss!r}, max parameter difference "
                f"{checks[name]['max_param_diff']:.3g}"
            )
            steps.pop(name)
    return checks


def _time_steps(steps, first_s, repeats, sample_s):
    """``(name, gc_on) -> timing stats`` of every step, with the cyclic collector on and off.

    A sample is K consecutive steps (K: about ``sample_s`` worth, at least 2), timed with the
    collector on or off. Before it, untimed: ``gc.collect()`` clears the garbage of whatever
    ran before (another library's cycles must not be collected on this one's clock), then one
    step of the same implementation warms the caches and leaves its own garbage pending. So
    with gc on the K steps pay for the collections their own garbage causes, as in a training
    loop; with gc off they pay for none. With gc off a sample of a slow (scalar-graph) step is
    a single step, so that micrograd's step reuses the memory its collected garbage freed
    rather than growing the heap: the most favourable micrograd, i.e. the strictest
    comparison for us.
    """
    times = {}
    for gc_on in (True, False):
        candidates = {name: _gc_wrapped(fn, gc_on) for name, fn in steps.items()}
        hooks = {name: _collect_then(fn) for name, fn in steps.items()}
        numbers = {
            name: 1 if not gc_on and first_s[name] > 0.01 else max(2, int(sample_s / first_s[name]))
            for name in steps
        }
        stats = measure_stats(
            candidates, repeats=repeats, warmup=0, number=numbers, before_sample=hooks
        )
        for name, s in stats.items():
            times[(name, gc_on)] = s
        gc.collect()
    return times


def _row(name, gc_on, times, check):
    """The table row of implementation ``name`` with the collector on or off: its times, the
    ratio to micrograd's and the result ``check``."""
    s = times[(name, gc_on)]
    micro = times.get(("micrograd", gc_on))
    return {
        "impl": name,
        "gc": "on" if gc_on else "off",
        "points": N_POINTS,
        "median_s": s["median"],
        "min_s": s["min"],
        "max_s": s["max"],
        "vs_micrograd": s["median"] / micro["median"] if micro else None,
        **check,
    }


def _collect_then(step):
    def hook():
        gc.collect()
        step()

    return hook


class _gc_wrapped:
    """A step run with the cyclic collector on or off (restored afterwards)."""

    def __init__(self, fn, gc_on):
        self.fn, self.gc_on = fn, gc_on

    def __call__(self):
        with gc_state(self.gc_on):
            self.fn()


def run(repeats=5, sample_s=0.5):
    """Measure in a fresh interpreter: with the collector on, a full collection scans every
    live object of the process, so the figures would otherwise depend on what ran before
    (importing torch alone adds ~140,000 objects to the heap)."""
    result = run_worker("scalar", [repeats, sample_s], timeout=600)
    if "error" in result:
        return [{"impl": "scalar worker", "skipped": result["error"]}]
    return result["rows"]


def report(rows):
    print(
        f"Scalar workload: micrograd's demo, MLP(2, [16, 16, 1]) on {N_POINTS} points, "
        "one step (forward + backward + update)"
    )
    body, notes = [], []
    for r in rows:
        if "skipped" in r:
            notes.append(f"{r['impl']}: {r['skipped']}")
            continue
        verdict = ""
        if r["impl"] in ("ours (scalar)", "ours (compiled)") and r["vs_micrograd"] is not None:
            target = TARGET_GC_ON if r["gc"] == "on" else TARGET_GC_OFF
            verdict = f"{'<' if r['gc'] == 'on' else '≤'}{target:.1f}x " + (
                "ok" if r["vs_micrograd"] <= target else "MISS"
            )
        body.append(
            [
                r["impl"],
                r["gc"],
                f"{r['median_s'] * 1e3:.1f}",
                f"{r['min_s'] * 1e3:.1f}..{r['max_s'] * 1e3:.1f}",
                fmt_ratio(r["vs_micrograd"]),
                "yes" if r["matches"] else "NO",
                verdict,
            ]
        )
    table(
        ["implementation", "gc", "ms/step", "range (ms)", "vs micrograd", "same result", "target"],
        body,
    )
    for n in notes:
        print(f"  skipped: {n}")


def worker(repeats, sample_s):
    """The measurements of ``run``, taken in the fresh interpreter that ``run_worker`` starts."""
    return {"rows": run_here(int(repeats), float(sample_s))}


if __name__ == "__main__":
    worker_main(worker)
