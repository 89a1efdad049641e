"""Workload 5, memory over a long run: 1,000 training steps of a 64-128-10 ReLU MLP (batch 64,
random data, softmax-CE, SGD) with ``nn``; every 100 steps we sample

* tracemalloc's current traced size (what Python code keeps alive between steps) and its
  peak within the window (``reset_peak`` after each sample: one step's working set),
* the process's current RSS (/proc/self/statm).

Flat = the last window's figures vs the first's within a small margin: traced current
+64 KiB, window peak +5%, RSS +4 MiB. A leak of one small array per step would add ~10 KiB per
100 steps and show up as steady growth. The first 100 steps are the baseline, so one-off
caches filled in step 1 do not count as growth.

Also measured: cyclic garbage per step. 100 more steps run with the collector off and
``gc.collect()`` then reports how many unreachable objects they left: graph nodes that form
reference cycles are freed only by the collector (late, and at a cost); 0 means reference
counting alone frees every step's graph.

Runs in its own interpreter (``--worker``) so that no other workload's allocations or
fragmentation show up in its RSS. tracemalloc slows Python allocations a lot: these steps
are not timed.
"""

import gc
import tracemalloc

import numpy as np

from .common import current_rss_mb, run_worker, table, worker_main

STEPS = 1000
EVERY = 100
SIZES = (64, 128, 10)
BATCH = 64
MARGIN_TRACED_KB = 64
MARGIN_PEAK = 0.05
MARGIN_RSS_MB = 4


def worker(steps: int | str = STEPS, every: int | str = EVERY) -> dict:
    """The measurements of ``run``, taken in the fresh interpreter that ``run_worker`` starts:
    a memory sample every ``every`` of ``steps`` training steps, and the cyclic garbage that
    one step leaves."""
    steps, every = int(steps), int(every)
    step = _training_step()
    step()  # imports, lazy caches: not part of the baseline
    samples = _sample_memory(step, steps, every)
    return {"samples": samples, "cyclic_garbage_per_step": _cyclic_garbage(step, every)}


def _training_step():
    """A function that runs one SGD step of the MLP on a fixed random batch, returns the loss."""
    import autograd_core as ag
    import nn

    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(SIZES[0], SIZES[1], rng=1), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2], rng=2)
    )
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    x = ag.tensor(rng.standard_normal((BATCH, SIZES[0])))
    y = rng.integers(0, SIZES[2], BATCH)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _sample_memory(step, steps, every):
    """Run ``steps`` steps under tracemalloc; after every ``every``-th, a sample of the step,
    the traced size, the window's peak, the RSS and the loss."""
    # the samples go into an array made before tracing starts, so that recording them
    # allocates nothing that tracemalloc would count as growth
    record = np.zeros((steps // every, 5))
    gc.collect()
    tracemalloc.start()
    row = 0
    for i in range(1, steps + 1):
        loss = step()
        if i % every == 0:
            value = loss.item()
            del loss
            # a full collection also empties CPython's free lists (tuples, dicts, floats),
            # whose filling up over the first few hundred steps is not a leak
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
            record[row] = (i, current / 1024, peak / 1024, current_rss_mb(), value)
            row += 1
            tracemalloc.reset_peak()
        else:
            del loss
    tracemalloc.stop()
    return _samples(record[:row])


def _samples(record):
    """The rows of ``record`` as dicts of floats (the step as an int)."""
    samples = [
        dict(zip(("step", "traced_kb", "peak_kb", "rss_mb", "loss"), map(float, r))) for r in record
    ]
    for sample in samples:
        sample["step"] = int(sample["step"])
    return samples


def _cyclic_garbage(step, every):
    """Unreachable objects per step that reference counting left for the collector, over
    ``every`` steps run with the collector off."""
    gc.collect()
    gc.disable()
    for _ in range(every):
        step()
    garbage = gc.collect()
    gc.enable()
    return garbage / every


def run():
    result = run_worker("memory", [STEPS, EVERY], timeout=600)
    if "error" in result:
        return [{"error": result["error"]}]
    s = result["samples"]
    first, last = s[0], s[-1]
    checks = {
        "traced_growth_kb": last["traced_kb"] - first["traced_kb"],
        "peak_growth": last["peak_kb"] / first["peak_kb"] - 1,
        "rss_growth_mb": last["rss_mb"] - first["rss_mb"],
    }
    checks["flat"] = (
        checks["traced_growth_kb"] <= MARGIN_TRACED_KB
        and checks["peak_growth"] <= MARGIN_PEAK
        and checks["rss_growth_mb"] <= MARGIN_RSS_MB
    )
    return [
        {
            "mlp": "-".join(map(str, SIZES)),
            "batch": BATCH,
            "steps": STEPS,
            "samples": s,
            "cyclic_garbage_per_step": result["cyclic_garbage_per_step"],
            **checks,
        }
    ]


def report(rows):
    r = rows[0]
    if "error" in r:
        print(f"Memory: worker failed: {r['error']}")
        return
    print(
        f"Memory over {r['steps']} steps of a {r['mlp']} MLP (batch {r['batch']}): sampled "
        f"every {EVERY} steps"
    )
    table(
        ["step", "traced (KiB)", "window peak (KiB)", "RSS (MiB)", "loss"],
        [
            [
                x["step"],
                f"{x['traced_kb']:.1f}",
                f"{x['peak_kb']:.1f}",
                f"{x['rss_mb']:.1f}",
                f"{x['loss']:.4f}",
            ]
            for x in r["samples"]
        ],
    )
    print(
        f"  last vs first window: traced {r['traced_growth_kb']:+.1f} KiB "
        f"(margin {MARGIN_TRACED_KB}), window peak {r['peak_growth']:+.1%} "
        f"(margin {MARGIN_PEAK:.0%}), RSS {r['rss_growth_mb']:+.1f} MiB "
        f"(margin {MARGIN_RSS_MB}) -> {'flat: ok' if r['flat'] else 'GROWS: MISS'}"
    )
    print(
        f"  cyclic garbage: {r['cyclic_garbage_per_step']:.1f} unreachable objects per step "
        "(left for the collector; 0 = reference counting frees each graph)"
    )


if __name__ == "__main__":
    worker_main(worker)
