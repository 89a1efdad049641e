"""Small helpers shared by the engine tests: leaves, strict floating-point checks, and a
comparison of backward against central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import autograd_core as ag


def leaf(value, dtype=np.float64) -> ag.Tensor:
    """A tensor of ``value`` (as ``dtype``) that requires grad."""
    return ag.tensor(np.asarray(value, dtype=dtype), requires_grad=True)


def strict() -> np.errstate:
    """Overflow, invalid and divide-by-zero raise. Underflow to 0 (exp(-1000)) is the
    correct IEEE result and numpy ignores it by default, so it stays ignored."""
    return np.errstate(all="raise", under="ignore")


def weighted_sum(y: ag.Tensor, seed: int = 0) -> ag.Tensor:
    """sum(y * w) for a fixed random w: a scalar whose gradient tests every output."""
    w = np.random.default_rng(seed).standard_normal(np.shape(y.data))
    return (y * ag.tensor(w)).sum()


def check_against_numeric(
    f: Callable, inputs: Sequence[ag.Tensor], rtol: float = 1e-6, atol: float = 1e-7
) -> None:
    """Backward of sum(f(*inputs) * w) matches central differences; grad shapes match."""
    for t in inputs:
        t.zero_grad()
    weighted_sum(f(*inputs)).backward()
    numeric = ag.numerical_grad(lambda *xs: weighted_sum(f(*xs)), list(inputs))
    for t, n in zip(inputs, numeric):
        assert t.grad is not None
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad.data, n, rtol=rtol, atol=atol)
