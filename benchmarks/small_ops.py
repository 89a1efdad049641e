"""Workload 2, small-op overhead: a chain of 100 elementwise ops on shape-(10,) float64
tensors, then ``sum`` and backward. With 10 elements the arithmetic is nothing: the time is
the per-op bookkeeping (graph node, dispatch, gradient accumulation) of each library.

The chain repeats four ops 25 times: ``y * x`` (tensor × tensor, so x is consumed 25 times
and its gradient accumulates), ``+ 0.5``, ``sin``, ``tanh``. Reported: microseconds per op,
forward alone (graph recording on) and forward + backward, i.e. total / 100.

Rows: ``numpy floor`` (the same ufunc calls forward, and the hand-written derivative ufuncs
backward: the unavoidable numpy cost), ``ours`` (eager), ``ours (compiled)`` (``ag.compile``
of the same function: traced once, then replayed), ``pytorch``, ``hips autograd``
(``grad(f)(x)``, forward and backward in one call, so no forward-only figure), ``mygrad``.
The gradient of every implementation is checked against the floor's before timing.
"""

import numpy as np

from .common import calls_for, fmt_ratio, guard_cost, measure_stats, peer, table

N_OPS = 100
SHAPE = (10,)
FLOOR = "numpy floor"
TARGET_VS_TORCH = 0.5


def x0():
    return np.random.default_rng(0).uniform(0.1, 0.9, SHAPE)


def chain(x, sin, tanh):
    """The 100-op chain, written once for every library (ops passed in)."""
    y = x
    for _ in range(N_OPS // 4):
        y = tanh(sin(y * x + 0.5))
    return y


def make_floor(x):
    cycles = N_OPS // 4

    def fwd():
        y, tape = x, []
        for _ in range(cycles):
            m = y * x
            a = m + 0.5
            s = np.sin(a)
            t = np.tanh(s)
            tape.append((y, a, t))
            y = t
        return y.sum(), tape

    def fwd_bwd():
        _, tape = fwd()
        gx = np.zeros_like(x)
        g = np.ones_like(x)
        for y, a, t in reversed(tape):
            g = g * (1 - t * t)  # tanh'
            g = g * np.cos(a)  # sin'
            gx += g * y  # (y * x)' w.r.t. x  (the add passes g through)
            g = g * x  # ... and w.r.t. y
        gx += g  # the chain's start y = x
        return gx

    return fwd, fwd_bwd


def make_ours(x):
    import autograd_core as ag

    xt = ag.tensor(x, requires_grad=True)

    def fwd():
        return chain(xt, ag.sin, ag.tanh).sum()

    def fwd_bwd():
        xt.grad = None
        fwd().backward()
        return xt.grad.data

    return fwd, fwd_bwd


def make_ours_compiled(x):
    import autograd_core as ag

    xt = ag.tensor(x, requires_grad=True)
    loss = ag.compile(lambda v: chain(v, ag.sin, ag.tanh).sum())
    loss(xt)  # the first call traces; later calls replay

    def fwd_bwd():
        xt.grad = None
        loss(xt).backward()
        return xt.grad.data

    fwd_bwd.compiled, fwd_bwd.args = loss, (xt,)  # for the guards' cost
    return (lambda: loss(xt)), fwd_bwd


def make_torch(x):
    import torch

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def fwd():
        return chain(xt, torch.sin, torch.tanh).sum()

    def fwd_bwd():
        xt.grad = None
        fwd().backward()
        return xt.grad.numpy()

    return fwd, fwd_bwd


def make_hips(x):
    import autograd.numpy as anp
    from autograd import grad

    g = grad(lambda v: anp.sum(chain(v, anp.sin, anp.tanh)))
    return None, lambda: g(x)


def make_mygrad(x):
    import mygrad as mg

    xt = mg.tensor(x)

    def fwd():
        return chain(xt, mg.sin, mg.tanh).sum()

    def fwd_bwd():
        fwd().backward()
        return np.asarray(xt.grad)

    return fwd, fwd_bwd


def implementations():
    impls = {
        FLOOR: (make_floor, None),
        "ours": (make_ours, None),
        "ours (compiled)": (make_ours_compiled, None),
    }
    for name, module, factory in [
        ("pytorch", "torch", make_torch),
        ("hips autograd", "autograd.numpy", make_hips),
        ("mygrad", "mygrad", make_mygrad),
    ]:
        impls[name] = (factory, None if peer(module) else f"{module} not installed")
    return impls


def run(repeats: int = 15, sample_s: float = 0.02) -> list[dict]:
    """Time every implementation's chain (forward alone, and forward + backward) side by
    side; one row per implementation, then one on the compiled function's guards."""
    x = x0()
    impls = implementations()
    fwd, both, skipped = _build_and_check(impls, x)
    numbers = {name: calls_for(fn, sample_s) for name, fn in both.items()}
    t_both = measure_stats(both, repeats=repeats, warmup=2, number=numbers)
    t_fwd = measure_stats(fwd, repeats=repeats, warmup=2, number=numbers)
    rows = [_row(name, t_both, t_fwd, skipped) for name in impls]
    compiled = both.get("ours (compiled)")
    if compiled is not None:
        n, check_s = guard_cost(compiled.compiled, compiled.args)
        rows.append(
            {
                "impl": "_guards",
                "guards": n,
                "check_us": check_s * 1e6,
                "of_call": check_s / t_both["ours (compiled)"]["median"],
            }
        )
    return rows


def _build_and_check(impls, x):
    """Build every available implementation and run its forward + backward once; the
    gradient must match the floor's (the first implementation). Returns the forward-only
    functions, the forward + backward ones, and ``name -> why`` for those left out."""
    fwd, both, skipped = {}, {}, {}
    reference = None  # the floor's gradient
    for name, (factory, why) in impls.items():
        if why:
            skipped[name] = why
            continue
        try:
            f, fb = factory(x)
            grad = np.asarray(fb(), dtype=np.float64)
        except Exception as exc:  # noqa: BLE001 - report, do not abort the suite
            skipped[name] = f"failed: {type(exc).__name__}: {exc}"
            continue
        both[name] = fb
        if f is not None:
            fwd[name] = f
        if name != FLOOR and not np.allclose(grad, reference, rtol=1e-10, atol=1e-12):
            skipped[name] = f"wrong gradient, not timed: {grad} vs {reference}"
            both.pop(name)
            fwd.pop(name, None)
        if name == FLOOR:
            reference = grad
    return fwd, both, skipped


def _row(name, t_both, t_fwd, skipped):
    """The table row of implementation ``name``: microseconds per op (forward, backward and
    both) and the ratios to the floor and to pytorch, or why it was skipped."""
    floor_s = t_both[FLOOR]["median"]
    torch_s = t_both.get("pytorch", {}).get("median")
    row = {"impl": name, "ops": N_OPS, "shape": list(SHAPE)}
    if name not in t_both:
        row["skipped"] = skipped[name]
        return row
    s = t_both[name]["median"]
    f = t_fwd.get(name, {}).get("median")
    row.update(
        fwd_bwd_us_per_op=s / N_OPS * 1e6,
        fwd_us_per_op=None if f is None else f / N_OPS * 1e6,
        bwd_us_per_op=None if f is None else (s - f) / N_OPS * 1e6,
        min_us_per_op=t_both[name]["min"] / N_OPS * 1e6,
        max_us_per_op=t_both[name]["max"] / N_OPS * 1e6,
        vs_floor=s / floor_s,
        vs_pytorch=s / torch_s if torch_s else None,
    )
    return row


def report(rows: list[dict]) -> None:
    """Print the table of ``run``'s rows, then the guards' cost and the skipped rows."""
    print(
        f"Small-op overhead: chain of {N_OPS} elementwise ops on shape-{SHAPE} tensors "
        "(y*x, +0.5, sin, tanh), then sum + backward"
    )
    body, notes = [], []
    guards = None
    for r in rows:
        if r["impl"] == "_guards":
            guards = r
            continue
        if "skipped" in r:
            notes.append(f"{r['impl']}: {r['skipped']}")
            continue
        body.append(_table_row(r))
    table(
        [
            "implementation",
            "fwd µs/op",
            "bwd µs/op",
            "fwd+bwd µs/op",
            "range",
            "vs floor",
            "vs torch",
            "target",
        ],
        body,
    )
    if guards:
        print(
            f"  compiled: {guards['guards']} guards checked before each replay in "
            f"{guards['check_us']:.2f} µs ({guards['of_call']:.2%} of the compiled call)"
        )
    for n in notes:
        print(f"  skipped: {n}")


def _table_row(r):
    """The cells of row ``r``: times per op, ratios, and for our rows the target verdict."""

    def us(v):
        return "-" if v is None else f"{v:.2f}"

    verdict = ""
    if r["impl"].startswith("ours") and r["vs_pytorch"] is not None:
        met = r["vs_pytorch"] <= TARGET_VS_TORCH
        verdict = f"≤{TARGET_VS_TORCH:.2f}x torch " + ("ok" if met else "MISS")
    return [
        r["impl"],
        us(r["fwd_us_per_op"]),
        us(r["bwd_us_per_op"]),
        us(r["fwd_bwd_us_per_op"]),
        f"{r['min_us_per_op']:.2f}..{r['max_us_per_op']:.2f}",
        fmt_ratio(r["vs_floor"]),
        fmt_ratio(r["vs_pytorch"]),
        verdict,
    ]
