"""Workload 4, deep and wide graphs: time per node must stay flat (linear total time).

* Deep: a chain y = y * c of 10^3 ... 10^6 nodes on a 0-d float64 tensor, then backward.
  The million-node chain must backpropagate without RecursionError, in linear time, in
  under 1 GiB, and (target) faster than PyTorch's.
* Diagnostic row ``ours (gc off)``: the same chain with the cyclic garbage collector off.
  Each recorded op leaves one GC-tracked object (its node) and the whole graph stays alive
  until backward, so with gc on the collector's full passes rescan an ever larger graph.
* Wide: one (non-leaf) tensor h = x * 1 consumed K = 10^3 ... 10^5 times, y_i = h * c_i,
  the K results stacked and summed, then backward: h's node receives K gradients to add up.

Every (library, shape, size) runs in its own fresh interpreter (``--worker``), so that the
peak RSS it reports is that size's own (ru_maxrss never goes down within a process) and one
size's garbage cannot slow the next. ``base MB`` is the RSS after imports, before building;
``graph MB`` = peak - base. ``x.grad`` is compared between libraries (same math).
"""

from .common import current_rss_mb, max_rss_mb, peer, run_worker, table, worker_main

LENGTHS = [10**3, 10**4, 10**5, 10**6]
FANOUTS = [10**3, 10**4, 10**5]
C = 1.0000001
RSS_LIMIT_MB = 1024
FLAT = 1.25  # µs/node at the largest n over the smallest: above this, time grows faster than n


# --------------------------------------------------------------------------- workers


def _timed(x, build):
    """Build a graph from the leaf x, backpropagate, free it. Returns the RSS before building,
    four clock readings (start, built, backpropagated, freed) and x's gradient."""
    import time

    base = current_rss_mb()
    start = time.perf_counter()
    y = build(x)
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    del y
    freed = time.perf_counter()
    return base, start, built, done, freed, float(x.grad.item())


def _chain(x, n):
    y = x
    for _ in range(n):
        y = y * C
    return y


def _fanout(stack, x, consts):
    h = x * 1.0
    return stack([h * c for c in consts]).sum()


def _consts(k):
    return [1.0 + i * 1e-6 for i in range(k)]


def _chain_ours(n):
    import autograd_core as ag

    return _timed(ag.tensor(1.0, requires_grad=True), lambda x: _chain(x, n))


def _chain_ours_gc_off(n):
    import gc

    gc.disable()  # diagnostic: how much of the time is the cyclic collector's
    return _chain_ours(n)


def _chain_torch(n):
    import torch

    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    return _timed(x, lambda x: _chain(x, n))


def _fanout_ours(k):
    import autograd_core as ag

    consts = _consts(k)
    return _timed(ag.tensor(1.0, requires_grad=True), lambda x: _fanout(ag.stack, x, consts))


def _fanout_torch(k):
    import torch

    consts = _consts(k)
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    return _timed(x, lambda x: _fanout(torch.stack, x, consts))


WORKERS = {
    ("ours", "chain"): _chain_ours,
    ("ours (gc off)", "chain"): _chain_ours_gc_off,
    ("pytorch", "chain"): _chain_torch,
    ("ours", "fanout"): _fanout_ours,
    ("pytorch", "fanout"): _fanout_torch,
}


def worker(lib, shape, n):
    """Run one (library, shape, size) and return its measurements (in this process). Sizes
    below 10^5 are repeated (up to 9 times, median per phase) to tame timer noise."""
    import gc
    import statistics

    n = int(n)
    reps = max(1, min(9, 10**5 // n))
    runs = []
    for _ in range(reps):
        runs.append(WORKERS[(lib, shape)](n))
        if gc.isenabled():
            gc.collect()
    base = runs[0][0]
    grad = runs[0][5]
    fwd = statistics.median(r[2] - r[1] for r in runs)
    bwd = statistics.median(r[3] - r[2] for r in runs)
    free = statistics.median(r[4] - r[3] for r in runs)
    nodes = n if shape == "chain" else 2 * n + 2  # fan-out: K products, stack, sum, h
    peak = max_rss_mb()
    return {
        "impl": lib,
        "graph": shape,
        "n": n,
        "nodes": nodes,
        "runs": reps,
        "forward_s": fwd,
        "backward_s": bwd,
        "free_s": free,
        "us_per_node": (fwd + bwd) / nodes * 1e6,
        "base_rss_mb": base,
        "max_rss_mb": peak,
        "graph_rss_mb": peak - base,
        "grad": grad,
    }


# --------------------------------------------------------------------------- runner


def run(lengths=LENGTHS, fanouts=FANOUTS):
    libs = ["ours"] + (["pytorch"] if peer("torch") else [])
    rows = []
    for shape, sizes in (("chain", lengths), ("fanout", fanouts)):
        for n in sizes:
            for lib in libs + (["ours (gc off)"] if shape == "chain" else []):
                r = run_worker("chain", [lib, shape, n], timeout=600)
                r.setdefault("impl", lib)
                r.setdefault("graph", shape)
                r.setdefault("n", n)
                rows.append(r)
    if "pytorch" not in libs:
        rows.append({"impl": "pytorch", "skipped": "torch not installed"})
    # grads must agree between the libraries
    ours = {(r["graph"], r["n"]): r for r in rows if r.get("impl") == "ours" and "grad" in r}
    for r in rows:
        mate = ours.get((r.get("graph"), r.get("n")))
        if r.get("impl") != "ours" and mate and "grad" in r:
            r["grad_matches_ours"] = abs(r["grad"] - mate["grad"]) <= 1e-9 * abs(mate["grad"])
            if r["impl"] == "pytorch":
                mate["vs_pytorch"] = mate["us_per_node"] / r["us_per_node"]
    return rows


def report(rows):
    print(
        "Deep chain y = y * c (n nodes) and wide fan-out (h consumed n times): "
        "forward + backward, one process per row"
    )
    body, notes = [], []
    for r in rows:
        if "skipped" in r:
            notes.append(f"{r['impl']}: {r['skipped']}")
            continue
        if "error" in r:
            notes.append(f"{r['impl']} {r['graph']} n={r['n']}: {r['error']}")
            body.append([r["graph"], r["n"], r["impl"], "ERROR"] + [""] * 7)
            continue
        flag = ""
        if r["impl"] == "ours" and r["graph"] == "chain" and r["n"] >= 10**6:
            flag = "<1 GiB ok" if r["max_rss_mb"] < RSS_LIMIT_MB else "≥1 GiB MISS"
            if r.get("vs_pytorch") is not None:
                flag += ", " + (
                    "faster than torch" if r["vs_pytorch"] < 1 else "slower than torch MISS"
                )
        if r.get("grad_matches_ours") is False:
            flag += " GRAD DIFFERS"
        body.append(
            [
                r["graph"],
                r["n"],
                r["impl"],
                f"{r['forward_s']:.3f}",
                f"{r['backward_s']:.3f}",
                f"{r['free_s']:.3f}",
                f"{r['us_per_node']:.2f}",
                "-" if r.get("vs_pytorch") is None else f"{r['vs_pytorch']:.2f}x",
                f"{r['base_rss_mb']:.0f}",
                f"{r['max_rss_mb']:.0f}",
                flag,
            ]
        )
    table(
        [
            "graph",
            "n",
            "impl",
            "fwd (s)",
            "bwd (s)",
            "free (s)",
            "µs/node",
            "vs torch",
            "base MB",
            "peak MB",
            "check",
        ],
        body,
    )
    # flatness: µs/node of the largest size over the smallest, per (impl, graph)
    for impl, graph in sorted({(r["impl"], r["graph"]) for r in rows if "us_per_node" in r}):
        rs = sorted(
            (
                r
                for r in rows
                if r.get("impl") == impl and r.get("graph") == graph and "us_per_node" in r
            ),
            key=lambda r: r["n"],
        )
        if len(rs) > 1:
            growth = rs[-1]["us_per_node"] / rs[0]["us_per_node"]
            verdict = "flat" if growth <= FLAT else "NOT FLAT"
            print(
                f"  {impl} {graph}: µs/node at n={rs[-1]['n']:.0e} is {growth:.2f}x that at "
                f"n={rs[0]['n']:.0e}: {verdict} (≤{FLAT}x counts as flat)"
            )
    for n in notes:
        print(f"  note: {n}")


if __name__ == "__main__":
    worker_main(worker)
