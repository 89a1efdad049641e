"""Forward vs reverse mode Jacobians of f: R^n -> R^m.

The notes' claim: reverse mode costs one backward pass per *output*, forward mode one
jvp per *input*, so reverse mode wins for many inputs and one output (a loss), forward
mode for the opposite. f(x) = tanh(W x) with W of shape (m, n).
"""

import numpy as np

import autograd_core as ag

from .common import measure

SIZES = [(1, 1000), (1000, 1), (100, 100)]  # (n inputs, m outputs)


def run(repeats: int = 3) -> list[dict]:
    """Time both modes for each (n, m) of ``SIZES``; one row each, with the faster mode."""
    rows = []
    for n, m in SIZES:
        W = ag.tensor(np.random.default_rng(0).standard_normal((m, n)) / np.sqrt(n))
        x = ag.tensor(np.random.default_rng(1).standard_normal(n))
        times = _time_both_modes(W, x, repeats)
        rows.append(
            {
                "n": n,
                "m": m,
                "rev_s": times["rev"],
                "fwd_s": times["fwd"],
                "winner": "rev" if times["rev"] < times["fwd"] else "fwd",
            }
        )
    return rows


def _time_both_modes(W, x, repeats):
    """Seconds for the Jacobian of tanh(W x) at ``x`` in reverse (``"rev"``) and forward
    (``"fwd"``) mode; the two Jacobians are checked equal."""

    def f(v):
        return ag.tanh(W @ v)

    times = measure(
        {
            "rev": lambda: ag.jacobian(f, x, mode="rev"),
            "fwd": lambda: ag.jacobian(f, x, mode="fwd"),
        },
        repeats=repeats,
    )
    rev, fwd = ag.jacobian(f, x, mode="rev"), ag.jacobian(f, x, mode="fwd")
    assert np.allclose(rev.data, fwd.data)
    return times


def report(rows):
    print("Jacobian of tanh(W x), R^n -> R^m: forward vs reverse mode")
    print(f"  {'n':>5} {'m':>5} {'reverse (ms)':>13} {'forward (ms)':>13}  faster")
    for r in rows:
        print(
            f"  {r['n']:>5} {r['m']:>5} {r['rev_s'] * 1e3:>13.1f} {r['fwd_s'] * 1e3:>13.1f}  "
            f"{r['winner']} ({max(r['rev_s'], r['fwd_s']) / min(r['rev_s'], r['fwd_s']):.0f}x)"
        )
