"""The steps of a captured program, as ``Program`` keeps them once its trace is gone.

Each holds what a replay needs and no trace-time value: the arrays of a call come from
slots of the program's value list, and a node's inputs are memoryless stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .schedule import Walk

if TYPE_CHECKING:
    from .program import BackwardPass

__all__ = ["OpStep", "HelperStep", "PassStep", "Output"]


class OpStep(NamedTuple):
    """A primitive call: its op, its arguments' sources (``fetch``), its configuration
    (``config``: the fixed entries; ``dynamic``: the sources of those that are traced
    values), its result slots, and, when eager mode recorded its node, the stand-ins of its
    inputs and which of them need a gradient."""

    cls: type
    fetch: tuple
    config: dict
    dynamic: dict
    outs: tuple
    stand_ins: tuple
    needs: tuple | None
    recorded: bool


class HelperStep(NamedTuple):
    """A numpy helper (one result slot), a data check or a side effect (none)."""

    fn: Callable
    fetch: tuple
    outs: tuple


class PassStep(NamedTuple):
    """``loss.backward()`` inside the function: the pass that replays it, and its walk."""

    run: BackwardPass
    walk: Walk | None


class Output(NamedTuple):
    """A result of the function: a computed value (its slot, whether it requires grad), or
    an input returned as it is (``input``: its index)."""

    slot: int | None
    requires_grad: bool
    input: int | None
