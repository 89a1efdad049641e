"""Workload 1, the MLP training step: 784-500-10 ReLU MLP, softmax cross-entropy (mean over
the batch), plain SGD; forward + backward + update, batch 100 and 1000, float32 and float64.

Rows (all measured side by side, interleaved, in one process):

* ``numpy floor``   the same network with hand-written numpy backprop: the same matmuls
                     (x Wᵀ, gᵀ a, g W), softmax-CE gradient (softmax − onehot)/N, in-place
                     SGD. No graph, no Python objects per op: what any numpy-based engine
                     must pay at least. Every ratio is relative to this row.
* ``ours``          nn.Linear / nn.ReLU / nn.CrossEntropyLoss / nn.optim.SGD.
* ``ours (compiled)`` the same, with the loss function under ``ag.compile`` (forward and
                     backward replayed from the captured graph; the SGD update is eager).
* ``ours (compiled step)`` the whole training step under ``ag.compile``: zero_grad,
                     forward, ``loss.backward()`` and ``opt.step()`` replayed as one program.
* ``hips autograd`` ``value_and_grad`` of a pure loss function, then in-place SGD.
* ``mygrad``        mygrad tensors, ``softmax_crossentropy``, in-place SGD on ``.data``.
* ``pytorch``       torch.nn + torch.optim.SGD on CPU (its own BLAS: MKL, not OpenBLAS, and
                     its own OpenMP threads: see ``common.measure_stats(pools=...)``).

Every implementation starts from the same weights and data; before timing, two steps of
each are checked against the floor (loss before and after one update), so a faster row
cannot be one that computes something else. Each implementation is built three times and
the samples rotate over the three copies: two identical models can differ by 5-7% in step
time depending on where their arrays landed in memory, which is as much as the targets.
"""

import numpy as np

from .common import calls_for, fmt_ratio, fmt_time, guard_cost, measure_stats, peer, table

IN, HIDDEN, OUT = 784, 500, 10
LR = 0.01
CONFIGS = [(100, np.float32), (1000, np.float32), (100, np.float64), (1000, np.float64)]
TARGETS = {
    (100, "float32"): 1.05,
    (1000, "float32"): 1.03,
    (100, "float64"): 1.10,
    (1000, "float64"): 1.10,
}
FLOOR = "numpy floor"
INSTANCES = 3  # models per implementation, used in turn: spreads memory-placement luck
NOISY_SPREAD = 1.25  # a median this far above the fastest sample: the median is unreliable
_TABLE_HEADERS = [
    "config",
    "implementation",
    "median/step",
    "range",
    "vs floor",
    "best/best",
    "vs torch",
    "target",
]


def make_problem(batch, dtype, seed=0):
    """Initial weights (nn.Linear's layout: W of shape (out, in)), inputs and labels."""
    rng = np.random.default_rng(seed)

    def uniform(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(dtype)

    params = [
        uniform((HIDDEN, IN), IN),
        uniform(HIDDEN, IN),
        uniform((OUT, HIDDEN), HIDDEN),
        uniform(OUT, HIDDEN),
    ]
    x = rng.random((batch, IN)).astype(dtype)  # pixel-like values in [0, 1)
    y = rng.integers(0, OUT, batch)
    return params, x, y


# --------------------------------------------------------------------------- implementations
# Each ``make_*`` returns a step() that runs forward + backward + SGD update and returns the
# loss computed in the forward pass (in the implementation's own type; see ``as_float``).


def make_floor(params, x, y):
    W1, b1, W2, b2 = [p.copy() for p in params]
    n = x.shape[0]
    rows = np.arange(n)
    lr = x.dtype.type(LR)
    inv_n = x.dtype.type(1.0 / n)

    def step():
        nonlocal W1, b1, W2, b2  # the in-place -= below rebinds the names to the same arrays
        h = x @ W1.T
        h += b1
        a = np.maximum(h, 0)
        z = a @ W2.T
        z += b2
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=1, keepdims=True)
        loss = (np.log(s[:, 0]) + m[:, 0] - z[rows, y]).mean()
        g = e
        g /= s  # softmax
        g[rows, y] -= 1  # - onehot
        g *= inv_n  # / N (mean reduction)
        dW2 = g.T @ a
        db2 = g.sum(axis=0)
        da = g @ W2
        da *= h > 0  # relu'
        dW1 = da.T @ x
        db1 = da.sum(axis=0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return loss

    return step


def _ours_model(params, dtype):
    import nn

    model = nn.Sequential(
        nn.Linear(IN, HIDDEN, dtype=dtype), nn.ReLU(), nn.Linear(HIDDEN, OUT, dtype=dtype)
    )
    for p, value in zip(model.parameters(), params):
        p.data[...] = value
    return model


def _ours_step(params, x, y, compiled):
    import autograd_core as ag
    import nn

    model = _ours_model(params, x.dtype)
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    loss_of = lambda xt, yt: loss_fn(model(xt), yt)  # noqa: E731
    if compiled:
        loss_of = ag.compile(loss_of)
    xt = ag.tensor(x)

    def step():
        opt.zero_grad()
        loss = loss_of(xt, y)
        loss.backward()
        opt.step()
        return loss

    return step


def make_ours(params, x, y):
    return _ours_step(params, x, y, compiled=False)


def make_ours_compiled_step(params, x, y):
    """The whole training step under ``ag.compile``: zero_grad, forward, ``loss.backward()``
    and the SGD update, replayed as one program (the update runs the optimiser's own code)."""
    import autograd_core as ag
    import nn

    model = _ours_model(params, x.dtype)
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()

    @ag.compile
    def train_step(xt, yt):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    xt = ag.tensor(x)

    def step():
        return train_step(xt, y)

    step.compiled, step.args = train_step, (xt, ag.tensor(y))  # for the guards' cost
    return step


def make_ours_compiled(params, x, y):
    """The loss is compiled (forward and backward replayed); the update stays eager."""
    return _ours_step(params, x, y, compiled=True)


def make_torch(params, x, y):
    import torch

    dtype = torch.float32 if x.dtype == np.float32 else torch.float64
    model = torch.nn.Sequential(
        torch.nn.Linear(IN, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, OUT)
    ).to(dtype)
    with torch.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


def make_hips(params, x, y):
    import autograd.numpy as anp
    from autograd import value_and_grad
    from autograd.tracer import getval

    ps = [p.copy() for p in params]
    rows = np.arange(x.shape[0])
    lr = x.dtype.type(LR)

    def loss_fn(ps):
        W1, b1, W2, b2 = ps
        a = anp.maximum(anp.dot(x, W1.T) + b1, 0)
        z = anp.dot(a, W2.T) + b2
        m = np.max(getval(z), axis=1, keepdims=True)  # the usual stop-gradient shift
        lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
        return anp.mean(lse - z[rows, y])

    vg = value_and_grad(loss_fn)

    def step():
        loss, grads = vg(ps)
        for p, g in zip(ps, grads):
            p -= lr * g
        return loss

    return step


def make_mygrad(params, x, y):
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    W1, b1, W2, b2 = ps = [mg.Tensor(p.copy()) for p in params]
    lr = x.dtype.type(LR)

    def step():
        a = relu(mg.matmul(x, W1.T) + b1)
        loss = softmax_crossentropy(mg.matmul(a, W2.T) + b2, y)
        loss.backward()
        for p in ps:
            p.data -= lr * p.grad
        return loss

    return step


def implementations():
    """``name -> (factory, unavailable reason or None)`` in table order."""
    impls = {
        FLOOR: (make_floor, None),
        "ours": (make_ours, None),
        "ours (compiled)": (make_ours_compiled, None),
        "ours (compiled step)": (make_ours_compiled_step, None),
    }
    for name, module, factory in [
        ("hips autograd", "autograd.numpy", make_hips),
        ("mygrad", "mygrad", make_mygrad),
        ("pytorch", "torch", make_torch),
    ]:
        impls[name] = (factory, None if peer(module) else f"{module} not installed")
    return impls


def as_float(loss):
    if hasattr(loss, "item"):
        return float(loss.item())
    return float(loss)


def check(steps, dtype):
    """Two steps of every instance of every implementation: the losses (before and after one
    update) must match the floor's. Returns ``name -> error`` for those that disagree."""
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    losses = {
        name: [[as_float(step()), as_float(step())] for step in instances]
        for name, instances in steps.items()
    }
    ref = losses[FLOOR][0]
    bad = {}
    for name, pairs in losses.items():
        for pair in pairs:
            if not np.allclose(pair, ref, rtol=rtol, atol=0):
                bad[name] = f"losses {pair} differ from the floor's {ref}"
    return bad, ref


def run(
    configs: list[tuple[int, type]] = CONFIGS, repeats: int = 15, sample_s: float = 0.03
) -> list[dict]:
    """Time every implementation side by side for each (batch, dtype) of ``configs``."""
    rows = []
    impls = implementations()
    for batch, dtype in configs:
        rows += _run_config(impls, batch, np.dtype(dtype), repeats, sample_s)
    return rows


def _run_config(impls, batch, dtype, repeats, sample_s):
    """The rows of one (batch, dtype): one per implementation, then the losses of the
    check (``_check``) and the cost of the compiled step's guards (``_guards``)."""
    params, x, y = make_problem(batch, dtype)
    steps, skipped = _build(impls, params, x, y)
    bad, ref = _check_or_find_culprits(steps, dtype)
    for name, why in bad.items():
        skipped[name] = f"wrong result, not timed: {why}"
        steps.pop(name)
    number = calls_for(steps[FLOOR][0], sample_s)
    pools = {name: "torch" if name == "pytorch" else "openblas" for name in steps}
    stats = measure_stats(steps, repeats=repeats, warmup=2, number=number, pools=pools)
    rows = [_row(name, batch, dtype, stats, number, skipped) for name in impls]
    rows.append(_check_row(batch, dtype, ref))
    compiled = steps.get("ours (compiled step)")
    if compiled:
        rows.append(_guards_row(batch, dtype, compiled[0], stats["ours (compiled step)"]))
    return rows


def _check_row(batch, dtype, ref):
    """The floor's losses before and after one update (None when the check failed)."""
    return {
        "batch": batch,
        "dtype": dtype.name,
        "impl": "_check",
        "loss_step1": ref[0] if ref else None,
        "loss_step2": ref[1] if ref else None,
    }


def _guards_row(batch, dtype, step, stats):
    """How many guards the compiled ``step`` checks before each replay, and their cost."""
    n, check_s = guard_cost(step.compiled, step.args)
    return {
        "batch": batch,
        "dtype": dtype.name,
        "impl": "_guards",
        "guards": n,
        "check_us": check_s * 1e6,
        "of_step": check_s / stats["median"],
    }


def _build(impls, params, x, y):
    """``INSTANCES`` step functions of every available implementation, and ``name -> why``
    for those that are not installed or fail to build."""
    steps, skipped = {}, {}
    for name, (factory, why) in impls.items():
        if why:
            skipped[name] = why
            continue
        try:
            steps[name] = [factory(params, x, y) for _ in range(INSTANCES)]
        except Exception as exc:  # noqa: BLE001 - report, do not abort the suite
            skipped[name] = f"failed to build: {type(exc).__name__}: {exc}"
    return steps, skipped


def _check_or_find_culprits(steps, dtype):
    """``check(steps, dtype)``; if that raises, ``name -> error`` for the implementations
    whose first step raises (the exception again if none does), and no reference losses."""
    try:
        return check(steps, dtype)
    except Exception as exc:  # noqa: BLE001
        bad = {}
        for name, instances in list(steps.items()):
            try:
                instances[0]()
            except Exception as inner:  # noqa: BLE001
                bad[name] = f"{type(inner).__name__}: {inner}"
        if not bad:
            raise exc
        return bad, None


def _row(name, batch, dtype, stats, number, skipped):
    """The table row of implementation ``name``: its times, their ratios to the floor (and
    to pytorch) and whether they are too noisy to judge the target, or why it was skipped."""
    row = {"batch": batch, "dtype": dtype.name, "impl": name}
    if name not in stats:
        row["skipped"] = skipped[name]
        return row
    floor, floor_min = stats[FLOOR]["median"], stats[FLOOR]["min"]
    torch_s = stats.get("pytorch", {}).get("median")
    s = stats[name]
    row.update(
        median_s=s["median"],
        min_s=s["min"],
        max_s=s["max"],
        samples=s["samples"],
        calls_per_sample=number,
        vs_floor=s["median"] / floor,
        vs_floor_best=s["min"] / floor_min,
        vs_pytorch=s["median"] / torch_s if torch_s else None,
    )
    target = TARGETS.get((batch, dtype.name))
    row["noisy"] = bool(
        floor > NOISY_SPREAD * floor_min
        or s["median"] > NOISY_SPREAD * s["min"]
        or (target is not None and (row["vs_floor"] <= target) != (row["vs_floor_best"] <= target))
    )
    return row


def report(rows: list[dict]) -> None:
    """Print the table of ``run``'s rows, then the notes on noise, guards and skipped rows."""
    print("MLP step 784-500-10, ReLU, softmax-CE, SGD: forward + backward + update")
    print("  ratios: time / numpy floor (hand-written backprop, same BLAS calls); and / pytorch")
    body, notes, guard_rows = [], [], []
    noisy_seen = False
    for r in rows:
        if r["impl"] == "_check":
            continue
        if r["impl"] == "_guards":
            guard_rows.append(r)
            continue
        if "skipped" in r:
            installed = not r["skipped"].endswith("not installed")
            where = f" ({r['dtype']}, batch {r['batch']})" if installed else ""
            notes.append(f"{r['impl']}{where}: {r['skipped']}")
            continue
        verdict = _verdict(r)
        noisy_seen = noisy_seen or verdict.endswith("?")
        body.append(_table_row(r, verdict))
    table(_TABLE_HEADERS, body)
    _print_notes(noisy_seen, guard_rows, notes)


def _verdict(r):
    """The target column of row ``r``: whether one of our rows meets its target, with a ?
    when the timings are too noisy to judge."""
    target = TARGETS.get((r["batch"], r["dtype"])) if r["impl"].startswith("ours") else None
    if not target:
        return ""
    verdict = f"≤{target:.2f} " + ("ok" if r["vs_floor"] <= target else "MISS")
    return verdict + "?" if r.get("noisy") else verdict


def _table_row(r, verdict):
    """The cells of row ``r`` in the order of ``_TABLE_HEADERS``."""
    return [
        f"{r['dtype']} b={r['batch']}",
        r["impl"],
        fmt_time(r["median_s"]),
        f"{fmt_time(r['min_s'])}..{fmt_time(r['max_s'])}",
        fmt_ratio(r["vs_floor"]),
        fmt_ratio(r["vs_floor_best"]),
        fmt_ratio(r["vs_pytorch"]),
        verdict,
    ]


def _print_notes(noisy_seen, guard_rows, notes):
    """The lines under the table: what best/best means, the noise warning, the guards'
    cost per config and the skipped implementations (each once)."""
    print(
        "  best/best: fastest sample over the floor's fastest, a second opinion when the "
        "machine is busy"
    )
    if noisy_seen:
        print(
            f"  ?: too noisy to judge (a median over {NOISY_SPREAD}x the fastest sample, or "
            "median and best/best on different sides of the target): rerun on a quiet "
            "machine, or with --threads 1"
        )
    if guard_rows:
        costs = [
            f"{r['dtype']} b={r['batch']}: {r['check_us']:.2f} µs ({r['of_step']:.2%})"
            for r in guard_rows
        ]
        print(
            f"  compiled step: {guard_rows[-1]['guards']} guards checked before each replay "
            "in " + ", ".join(costs) + " of the step"
        )
    for n in dict.fromkeys(notes):
        print(f"  skipped: {n}")
