"""Scalar graphs replayed in waves: ``ag.compile``'s fast path for graphs of 0-d values.

A graph built from scalars (micrograd's way: one node per multiply-add of every neuron) has
thousands of tiny nodes, and calling numpy once per node costs far more than the arithmetic.
But a *static* graph can be scheduled before it runs. Each node gets a level (one more than
its deepest input); nodes of one level do not depend on each other, so all the nodes of a
level that apply the same elementwise op with the same configuration form one group, and
the group runs as **one** call of the op's own forward rule on vectors: every value of the
graph lives in one register array, a group gathers its operands with one fancy index and
scatters its results with another. Backward runs the groups in reverse level order through
the ops' own backward rules, on vectors.

Values are bit-identical to eager mode: elementwise ops compute each element as they would
alone, and every gradient is summed in the order eager mode sums it. Each edge's gradient
goes to its own cell of a contribution array, and a value's cells are added left to right
in the engine's order, one vectorised addition per position in that order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops

__all__ = ["WavePlan", "plan_waves"]

ELEMENTWISE = frozenset(
    {
        ops.Add,
        ops.Sub,
        ops.Mul,
        ops.Div,
        ops.Neg,
        ops.Pow,
        ops.Exp,
        ops.Log,
        ops.Sqrt,
        ops.Sin,
        ops.Cos,
        ops.Tanh,
        ops.Sigmoid,
        ops.Relu,
        ops.Abs,
        ops.Maximum,
        ops.Minimum,
        ops.Clip,
    }
)
MIN_STEPS = 64  # below this, one numpy call per node is as fast


def plan_waves(program: Any, values: list[np.ndarray]) -> WavePlan | None:
    """A ``WavePlan`` when ``program`` has one output, every value (``values``: the traced
    arrays, by slot) is a 0-d float of one dtype and every step an elementwise primitive;
    otherwise None (the program replays node by node)."""
    if (
        len(program.outputs) != 1
        or len(program.steps) < MIN_STEPS
        or program.outputs[0].slot is None
    ):
        return None
    dtype = values[0].dtype if values else None
    if dtype is None or dtype.kind != "f" or any(v.shape != () or v.dtype != dtype for v in values):
        return None
    for step in program.steps:
        if step.cls not in ELEMENTWISE or step.dynamic or len(step.outs) != 1:
            return None
        if not all(isinstance(s, int) or _scalar_constant(s.value) for s in step.fetch):
            return None
    return WavePlan(program, dtype)


def _scalar_constant(value: Any) -> bool:
    return isinstance(value, (int, float)) or (isinstance(value, np.ndarray) and value.shape == ())


def _constant_key(value: Any) -> tuple:
    """Constants group together only when they are the same number (-0.0 is not 0.0)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.tobytes())
    return (type(value).__name__, repr(value))


class _Group:
    """Steps of one level sharing op, configuration and operand pattern: one vector call."""

    __slots__ = (
        "cls",
        "config",
        "fetch",
        "outs",
        "needs",
        "live",
        "stand_ins",
        "members",
        "edges",
        "first",
        "rounds",
        "level",
    )

    def __init__(
        self, cls: type, config: dict, fetch: list, needs: tuple, live: bool, stand_ins: tuple
    ):
        self.cls, self.config, self.needs, self.live = cls, config, needs, live
        self.stand_ins = stand_ins  # what a ctx of the group holds as its inputs
        self.fetch = fetch  # per operand: a list of slots (filled below) or a constant
        self.members = []  # step indices
        self.edges = None  # per operand needing a gradient: contribution cells, one per member
        self.first = self.rounds = None  # how to sum each member's contributions in order


class WavePlan:
    """The groups of a scalar program in level order, and how backward sums into cells."""

    def __init__(self, program: Any, dtype: np.dtype):
        self.dtype = dtype
        self.n_values, self.n_steps = program.n_values, len(program.steps)
        self.input_slots = np.array(program.input_slots, dtype=np.intp)
        self.out_slot = program.outputs[0].slot
        live = {step.index for step in program.walk.steps}  # steps backward visits
        level = {slot: 0 for slot in program.input_slots}
        groups = {}
        for index, step in enumerate(program.steps):
            depth = 1 + max((level.get(s, 0) for s in step.fetch if isinstance(s, int)), default=0)
            level[step.outs[0]] = depth
            pattern = tuple(
                "slot" if isinstance(s, int) else _constant_key(s.value) for s in step.fetch
            )
            key = (
                depth,
                step.cls,
                tuple(sorted(step.config.items())),
                pattern,
                step.needs,
                index in live,
            )
            group = groups.get(key)
            if group is None:
                fetch = [[] if isinstance(s, int) else s.value for s in step.fetch]
                group = groups[key] = _Group(
                    step.cls, step.config, fetch, step.needs, index in live, step.stand_ins
                )
            group.members.append(index)
            group.level = depth
            for operand, source in zip(group.fetch, step.fetch):
                if isinstance(source, int):
                    operand.append(source)
        self.groups = sorted(groups.values(), key=lambda g: g.level)  # stable: trace order
        for group in self.groups:
            group.outs = np.array([program.steps[m].outs[0] for m in group.members], np.intp)
            group.fetch = [np.array(f, np.intp) if isinstance(f, list) else f for f in group.fetch]
        self._plan_backward(program)

    def _plan_backward(self, program: Any) -> None:
        """Number every gradient contribution (an edge) in the order the engine makes them,
        and give each group the cells its members' gradients are summed from."""
        contributions = {self.out_slot: [0]}  # slot -> its cells, in the engine's order
        cell_of = {}  # (step index, operand) -> cell
        n_cells = 1  # cell 0: the output's seed
        for step in program.walk.steps:
            for route in step.routes:
                cell_of[(step.index, route.operand)] = n_cells
                contributions.setdefault(route.slot, []).append(n_cells)
                n_cells += 1
        self.n_cells = n_cells
        for group in self.groups:
            if not group.live:
                continue
            group.edges = [
                (operand, np.array([cell_of[(m, operand)] for m in group.members], np.intp))
                for operand, needed in enumerate(group.needs)
                if needed
            ]
            group.first, group.rounds = _fold_plan(
                [contributions[program.steps[m].outs[0]] for m in group.members]
            )
        inputs = [contributions.get(s, []) for s in program.input_slots]
        self.result_first, self.result_rounds = _fold_plan(inputs)
        self.result_present = [bool(cells) for cells in inputs]

    def describe(self) -> str:
        """How the program runs: one line per level and op, with its number of nodes."""
        levels = len({g.level for g in self.groups})
        lines = [
            f"# a graph of {self.n_steps} scalar operations, run in waves: "
            f"{len(self.groups)} vector calls over {levels} levels"
        ]
        for group in self.groups:
            lines.append(f"level {group.level:>3}: {group.cls.__name__:<8} x {len(group.members)}")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ running
    def forward(self, inputs: tuple) -> tuple[np.ndarray, list]:
        """All values of one call (a register array), and a ctx per group for backward."""
        values = np.empty(self.n_values, dtype=self.dtype)
        if len(self.input_slots):
            values[self.input_slots] = [t._data for t in inputs]
        ctxs = []
        for group in self.groups:
            cls = group.cls
            ctx = cls.__new__(cls)
            ctx._set_entries(group.stand_ins)
            ctx._needs, ctx._replayed = group.needs, True
            args = [values[f] if type(f) is np.ndarray else f for f in group.fetch]
            values[group.outs] = cls.forward(ctx, *args, **group.config)
            ctxs.append(ctx)
        return values, ctxs

    def backward(self, ctxs: list, seed: np.ndarray) -> list:
        """The gradients of the inputs (0-d arrays, None where none) from the output's."""
        cells = np.empty(self.n_cells, dtype=self.dtype)
        cells[0] = seed
        for group, ctx in zip(reversed(self.groups), reversed(ctxs)):
            if not group.live:
                continue
            grads = group.cls.backward(ctx, _fold(cells, group.first, group.rounds))
            if type(grads) is not tuple:
                grads = (grads,)
            for operand, cell in group.edges:
                cells[cell] = grads[operand]
        totals = _fold(cells, self.result_first, self.result_rounds)
        return [
            totals[i : i + 1].reshape(()) if present else None
            for i, present in enumerate(self.result_present)
        ]


def _fold_plan(cell_lists: list[list[int]]) -> tuple[np.ndarray, list]:
    """``first`` cells and ``rounds`` of (members, cells) that sum each list left to right."""
    first = np.array([cells[0] if cells else 0 for cells in cell_lists], np.intp)
    rounds = []
    depth = max((len(c) for c in cell_lists), default=0)
    for r in range(1, depth):
        members = [i for i, cells in enumerate(cell_lists) if len(cells) > r]
        rounds.append(
            (np.array(members, np.intp), np.array([cell_lists[i][r] for i in members], np.intp))
        )
    return first, rounds


def _fold(cells: np.ndarray, first: np.ndarray, rounds: list) -> np.ndarray:
    """Each member's cells summed left to right (``_fold_plan``), one vector add a round."""
    total = cells[first]
    for members, more in rounds:
        total[members] += cells[more]
    return total
