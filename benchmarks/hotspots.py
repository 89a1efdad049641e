"""Where does the time go? cProfile of one workload of the suite, top functions by tottime.

    python -m benchmarks.hotspots                  # mlp (float32, batch 100) and small_ops
    python -m benchmarks.hotspots mlp small_ops scalar chain -n 20

Not a suite of run.py (it measures nothing to compare); a tool for whoever optimises the
engine. cProfile adds a roughly constant cost per Python call, so it overstates many small
Python functions next to a few long numpy calls: use it to rank hot spots, and the suites
for the actual times.
"""

import argparse
import cProfile
import io
import pstats

import numpy as np


def _mlp():
    from . import mlp

    params, x, y = mlp.make_problem(100, np.float32)
    step = mlp.make_ours(params, x, y)
    step()
    return step, 300


def _small_ops():
    from . import small_ops

    _, fwd_bwd = small_ops.make_ours(small_ops.x0())
    fwd_bwd()
    return fwd_bwd, 300


def _scalar():
    from . import scalar

    X, Y = scalar.make_moons()
    step, _ = scalar.make_ours_scalar(scalar.initial_weights(), X, Y)
    step()
    return step, 2


def _chain():
    import autograd_core as ag

    def run():
        x = ag.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(10**5):
            y = y * 1.0000001
        y.backward()

    return run, 1


WORKLOADS = {"mlp": _mlp, "small_ops": _small_ops, "scalar": _scalar, "chain": _chain}


def profile(name, top=15):
    fn, calls = WORKLOADS[name]()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    # keep the table, drop pstats' preamble
    body = text[text.index("ncalls") if "ncalls" in text else 0 :]
    total = stats.total_tt
    print(f"== {name}: {calls} calls, {total / calls * 1e3:.3f} ms per call under cProfile")
    print(body.rstrip())
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "workloads", nargs="*", help=f"any of {', '.join(WORKLOADS)} (default: mlp small_ops)"
    )
    parser.add_argument("-n", "--top", type=int, default=15)
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    for name in args.workloads or ["mlp", "small_ops"]:
        profile(name, args.top)


if __name__ == "__main__":
    main()
