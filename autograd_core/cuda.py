"""``ag.cuda``: PyTorch's ``torch.cuda`` queries, answered for an engine without a GPU.

``ag.cuda.is_available()`` is False and ``ag.cuda.device_count()`` is 0, so that code
written as ``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU here.
"""

from __future__ import annotations

__all__ = ["is_available", "device_count"]


def is_available() -> bool:
    """False: this engine computes with numpy on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no GPUs to compute on here."""
    return 0
