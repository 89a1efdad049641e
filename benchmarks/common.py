"""Timing helpers shared by the benchmarks: warm-up, interleaved repeats, median."""

import platform
import statistics
import time


def measure(candidates, repeats=7, warmup=1):
    """Median seconds per call of each ``name -> fn``, repeats interleaved so that machine
    noise hits every candidate alike."""
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def machine():
    import numpy as np

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }
