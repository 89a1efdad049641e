"""Run the benchmarks (``make bench``): prints tables and writes benchmarks/results.json.

    python benchmarks/run.py                  # every suite (a few minutes on 2 cores)
    python benchmarks/run.py mlp small_ops    # a subset
    python benchmarks/run.py --list           # the suites
    python benchmarks/run.py --threads 1 mlp  # BLAS/OpenMP pools of 1 thread (all libraries)

Benchmarks are run on demand, never as timed tests: machines are shared and noisy, so
compare only figures measured side by side in one run. Running a subset updates only those
suites' entries in results.json (each entry records when it was measured).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _take_threads(argv: list[str]) -> list[str]:
    """Remove ``--threads N`` from argv and export N to the BLAS/OpenMP thread variables
    (which numpy's OpenBLAS and torch read once, when first imported; the suites' worker
    processes inherit them). On a busy shared machine single-threaded BLAS is far less
    noisy: a 2-thread BLAS call waits for its slowest thread, often descheduled."""
    if "--threads" not in argv:
        return argv
    i = argv.index("--threads")
    n = argv[i + 1]
    if "numpy" in sys.modules:
        print("warning: --threads has no effect once numpy is imported; run benchmarks/run.py")
    for var in THREAD_VARS:
        os.environ[var] = str(int(n))
    return argv[:i] + argv[i + 2 :]


if __name__ == "__main__":
    sys.argv[1:] = _take_threads(sys.argv[1:])

# `python benchmarks/run.py` puts benchmarks/ itself first on sys.path, where chain.py,
# memory.py, common.py ... would shadow any top-level module of those names: use the
# repository root instead.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from benchmarks import chain, jacobian, memory, mlp, scalar, small_ops  # noqa: E402
from benchmarks.common import machine, peer_versions  # noqa: E402

SUITES = {
    "mlp": mlp,  # 1. MLP training step vs numpy floor / PyTorch / HIPS / MyGrad
    "small_ops": small_ops,  # 2. per-op overhead of a chain of 100 tiny elementwise ops
    "scalar": scalar,  # 3. micrograd's demo on scalar tensors vs micrograd
    "chain": chain,  # 4. deep chains 10^3..10^6 and a 10^4-10^5 fan-out
    "memory": memory,  # 5. tracemalloc and RSS over 1,000 MLP steps
    "jacobian": jacobian,  # 6. forward vs reverse mode Jacobians
}

OUT = pathlib.Path(__file__).with_name("results.json")


def main(argv: list[str] | None = None) -> int:
    """Run the suites named in ``argv`` (default: every suite), print their tables and
    record their rows in results.json; returns the exit status."""
    names = _take_threads(list(argv if argv is not None else sys.argv[1:]))
    if names in (["--list"], ["-l"]):
        for name, module in SUITES.items():
            print(f"{name:10} {(module.__doc__ or '').strip().splitlines()[0]}")
        return 0
    names = names or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(SUITES)}")
        return 2
    _print_peers()
    results = _read_results()
    results["machine"] = machine()
    runs = results.setdefault("runs", {})
    total = time.perf_counter()
    for name in names:
        start = time.perf_counter()
        rows = SUITES[name].run()
        SUITES[name].report(rows)
        elapsed = time.perf_counter() - start
        print(f"  ({name}: {elapsed:.0f} s)\n")
        results[name] = rows
        runs[name] = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": round(elapsed, 1),
            "machine": results["machine"],
        }
    OUT.write_text(json.dumps(results, indent=2, default=_json_default) + "\n")
    print(f"wrote {OUT} ({time.perf_counter() - total:.0f} s in all)")
    return 0


def _print_peers() -> None:
    """Which peer libraries are installed (their columns are skipped where not)."""
    peers = peer_versions()
    missing = [p for p, v in peers.items() if v is None]
    print(
        "peers: "
        + ", ".join(f"{p} {v}" for p, v in peers.items() if v)
        + (f"; not installed (their columns are skipped): {', '.join(missing)}" if missing else "")
    )
    print(
        "note: timings are medians of interleaved repeats; on a shared machine compare "
        "only rows of one run\n"
    )


def _read_results() -> dict:
    """The recorded results.json (an empty record if it is missing or unreadable)."""
    try:
        results = json.loads(OUT.read_text())
    except (OSError, ValueError):
        return {}
    return results if isinstance(results, dict) else {}


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
