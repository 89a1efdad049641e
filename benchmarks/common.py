"""Timing helpers shared by the benchmarks: warm-up, interleaved repeats, median; peer
detection, tables and subprocess workers.

Every comparison is measured side by side in one process: the candidates' samples are
interleaved (A B C, then B A C, ...: a shuffled order each round) so that a burst of machine
noise hits all of them alike, and the median of the samples is reported (robust to the odd
slow sample).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(candidates, repeats=7, warmup=1, number=1):
    """Median seconds per call of each ``name -> fn``, repeats interleaved so that machine
    noise hits every candidate alike. Each sample times ``number`` consecutive calls."""
    return {
        name: s["median"] for name, s in measure_stats(candidates, repeats, warmup, number).items()
    }


def measure_stats(
    candidates, repeats=7, warmup=1, number=1, pools=None, switch_pause=0.2, before_sample=None
):
    """Like ``measure`` but returns ``name -> {"median", "min", "max", "samples"}`` (seconds
    per call). ``number`` may be an int or a ``name -> int`` dict (calls per sample). A
    candidate may also be a list of equivalent callables, used in turn (one per sample).

    ``pools`` (``name -> label``) names the thread pool each candidate computes with, e.g.
    "openblas" for numpy-based code and "torch" for PyTorch (OpenMP + MKL). After a BLAS call
    OpenBLAS's worker threads spin for up to ~0.1 s, and so do OpenMP's: on a 2-core machine
    the idle pool's spinning threads would steal a core from the next candidate. So when the
    pool changes between two samples we sleep ``switch_pause`` seconds first (untimed); put
    candidates of one pool next to each other to keep the switches (and pauses) few.

    ``before_sample``: a callable run (untimed) before every sample, e.g. ``gc.collect``, or
    a ``name -> callable`` dict (per candidate).
    """
    numbers = number if isinstance(number, dict) else {name: number for name in candidates}
    pools = pools or {}
    # a candidate may be a list of equivalent callables ("instances"): sample r uses
    # instance r % len. Two identical models can differ by ~5-7% in step time because of
    # where their arrays landed in memory; rotating over a few spreads that placement luck.
    instances = {
        name: list(fn) if isinstance(fn, (list, tuple)) else [fn] for name, fn in candidates.items()
    }
    for fns in instances.values():
        for fn in fns:
            for _ in range(warmup):
                fn()
    samples = {name: [] for name in candidates}
    last_pool = pools.get(list(candidates)[-1]) if warmup and candidates else None
    rng = random.Random(0)
    groups = {}
    for name in candidates:  # candidates of one pool stay together, in order of first mention
        groups.setdefault(pools.get(name), []).append(name)
    for round_ in range(repeats):
        for name in _round_order(groups, rng):
            fns = instances[name]
            fn = fns[round_ % len(fns)]
            pool = pools.get(name)
            if pool != last_pool and last_pool is not None and switch_pause:
                time.sleep(switch_pause)
            last_pool = pool
            _before(before_sample, name)
            k = numbers[name]
            start = time.perf_counter()
            for _ in range(k):
                fn()
            samples[name].append((time.perf_counter() - start) / k)
    return {
        name: {
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
            "samples": len(times),
        }
        for name, times in samples.items()
    }


def _round_order(groups: dict, rng: random.Random) -> list:
    """The candidates' order for one round: a fresh shuffle within each pool's group, so that
    no candidate always runs right after the same other one (caches, allocator and BLAS
    state carry over)."""
    order = []
    for members in groups.values():
        order += rng.sample(members, len(members))
    return order


def _before(before_sample: Callable | dict | None, name: str) -> None:
    """Run ``measure_stats``'s ``before_sample`` hook for the candidate ``name``, if any."""
    hook = before_sample.get(name) if isinstance(before_sample, dict) else before_sample
    if hook is not None:
        hook()


def guard_cost(compiled, args, repeats=7, number=2000):
    """``(guards, seconds)``: how many guards the latest program of ``compiled`` (an
    ``ag.compile``d function) checks before each replay, and the fastest time per check."""
    program = compiled._last
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            program.failed_guard(args, {})
        timings.append((time.perf_counter() - start) / number)
    return len(program.guards), min(timings)


def calls_for(fn, target_s=0.02, limit=10_000):
    """How many calls of ``fn`` make one sample of about ``target_s`` seconds (>= 1).
    Calls ``fn`` at least once (it doubles as a warm-up)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, min(limit, int(target_s / max(once, 1e-9))))


def peer(module_name):
    """The module if the peer library is installed (and imports), else None."""
    try:
        return importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None


def peer_versions():
    """Installed version of each peer library (None where it is missing)."""
    from importlib import metadata

    out = {}
    for dist in ("torch", "autograd", "mygrad", "micrograd"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def fmt_time(seconds):
    """A duration with a unit that keeps three significant figures readable."""
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_ratio(x):
    if x is None:
        return "-"
    return f"{x:.2f}x" if x >= 0.1 else f"{x:.3f}x"


def table(headers, rows, indent="  "):
    """Print a left/right aligned plain-text table (first column left-aligned)."""
    cells = [[str(c) for c in headers]] + [
        [("-" if c is None else str(c)) for c in r] for r in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r):
        return indent + "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
        )

    print(line(cells[0]))
    print(indent + "  ".join("-" * w for w in widths))
    for r in cells[1:]:
        print(line(r))


def run_worker(module: str, args: Sequence[object], timeout: float = 600) -> dict:
    """Run ``python -m benchmarks.<module> --worker ARGS...`` in a fresh interpreter, so that
    its max RSS is its own; the worker prints one JSON object as its last stdout line.
    Returns that object, or ``{"error": ...}``."""
    cmd = [sys.executable, "-m", f"benchmarks.{module}", "--worker", *map(str, args)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def worker_main(worker: Callable[..., dict]) -> None:
    """The ``__main__`` of a suite that measures in fresh interpreters: ``run_worker``'s
    ``python -m benchmarks.<suite> --worker ARGS...`` prints ``worker(*ARGS)`` as one JSON
    line. The suites themselves run from ``benchmarks/run.py``."""
    if sys.argv[1:2] != ["--worker"]:
        suite = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        sys.exit(f"run the {suite} suite with: python benchmarks/run.py {suite}")
    print(json.dumps(worker(*sys.argv[2:])))


def max_rss_mb():
    """Peak resident set size of this process so far, in MiB.

    On Linux this is VmHWM from /proc/self/status, the high-water mark of this process's own
    address space. (``getrusage``'s ru_maxrss is no good in a subprocess: Linux carries the
    parent's RSS at fork over the exec, so a worker started from a 200 MB parent reports at
    least 200 MB.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def current_rss_mb():
    """Current resident set size in MiB (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return max_rss_mb()


class gc_state:
    """``with gc_state(False): ...`` runs the block with the cyclic collector off (and
    restores the previous state)."""

    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.previous = gc.isenabled()
        (gc.enable if self.enabled else gc.disable)()

    def __exit__(self, *exc):
        (gc.enable if self.previous else gc.disable)()


def machine():
    import numpy as np

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "peers": peer_versions(),
        "threads": {
            v: os.environ.get(v)
            for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        },
        "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
