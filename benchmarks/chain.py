"""Deep graphs: time per node of a chain y = y * c must stay flat (linear total time), and
the million-node chain must backpropagate without RecursionError."""

import gc
import resource
import time

import autograd_core as ag

LENGTHS = [10**3, 10**4, 10**5, 10**6]


def run(lengths=LENGTHS):
    rows = []
    for n in lengths:
        gc.collect()
        x = ag.tensor(1.0, requires_grad=True)
        start = time.perf_counter()
        y = x
        for _ in range(n):
            y = y * 1.0000001
        built = time.perf_counter()
        y.backward()
        done = time.perf_counter()
        del y
        rows.append({
            "nodes": n, "forward_s": built - start, "backward_s": done - built,
            "us_per_node": (done - start) / n * 1e6,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        })
    return rows


def report(rows):
    print("Chain y = y * c: forward + backward")
    print(f"  {'nodes':>9} {'forward (s)':>12} {'backward (s)':>13} {'µs/node':>9} {'max RSS (MB)':>13}")
    for r in rows:
        print(f"  {r['nodes']:>9} {r['forward_s']:>12.2f} {r['backward_s']:>13.2f} "
              f"{r['us_per_node']:>9.2f} {r['max_rss_mb']:>13.0f}")
