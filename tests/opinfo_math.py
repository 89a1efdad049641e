"""OpInfo records of the math ops (see tests/opinfo.py for the conventions): log1p, expm1,
square, reciprocal, rsqrt, the hyperbolic and inverse trigonometric functions, the rounding
ops (zero gradient) and clamp."""

import numpy as np

from autograd_core import ops

from .opinfo import UNARY_SHAPES, Buf, E, OpInfo, S, non_numeric, unary_samples, values


def _unary(name, fn, ref, domain="real", edges=(), singular=(), avoid=(), **kw):
    """A unary record: x of each shape in ``domain`` (at least 0.05 from each point of
    ``avoid``), an empty x, ``edges`` (checked with gradients too) and ``singular`` values,
    where only the value is checked (the derivative is infinite or undefined there)."""

    def samples(info, rng):
        out = unary_samples(edges=edges, avoid=avoid)(info, rng)
        for edge in singular:
            out.append(S(np.array(edge, dtype=np.float64), name=f"singular {edge}", grad=False))
        return out

    return OpInfo(
        name,
        fn,
        ref,
        samples,
        error_inputs=non_numeric(name),
        domain=domain,
        primitives_covered=(name.capitalize(),),
        **kw,
    )


def _round_samples(info, rng):
    """decimals=0 away from the half-integers, decimals=±1 away from their jumps, and the
    ties (to even) as value-only samples."""
    out = unary_samples(avoid=(-1.5, -0.5, 0.5, 1.5))(info, rng)
    out += [
        S(np.array([[0.12, -0.37, 1.44], [-1.26, 0.01, 0.93]]), decimals=1, name="decimals=1"),
        S(np.array([12.0, -17.0, 149.0, 0.3]), decimals=-1, name="decimals=-1"),
        S(np.array([0.5, 1.5, 2.5, -0.5, -2.5]), name="ties to even", grad=False),
        S(np.array([0.25, 0.35, -0.25]), decimals=1, name="decimal ties", grad=False),
        S(np.array([25.0, 35.0, -15.0]), decimals=-1, name="tens ties", grad=False),
    ]
    return out


def _clamp_ref(a, min=None, max=None):
    return np.clip(a, min, max)


def _clamp_samples(info, rng):
    out = [
        S(np.asarray(values(s, "distinct", rng) * 1.2), min=-0.5, max=0.5, name=f"both {s}")
        for s in UNARY_SHAPES
    ]
    out += [
        S(values((5,), "distinct", rng), max=0.25, name="max only"),
        S(values((5,), "distinct", rng), min=-0.25, name="min only"),
        S(values((5,), "distinct", rng), -0.25, name="min positional"),
        S(values((2, 3), "distinct", rng), min=0, max=1, name="int bounds"),
        S(values((2, 3), "distinct", rng), min=0.5, max=-0.5, name="min > max: all max"),
        S(np.array([-0.5, 0.5, 0.0]), min=-0.5, max=0.5, name="on the bounds", grad=False),
        S(np.zeros((0, 3)), min=-1.0, max=1.0, name="empty"),
    ]
    return out


RECORDS: list = [
    _unary(
        "log1p",
        ops.log1p,
        np.log1p,
        domain="inside_unit",
        edges=([1e-10, -1e-10, 0.0, 1e3],),
        singular=([-1.0, -2.0, np.inf],),
    ),
    _unary(
        "expm1",
        ops.expm1,
        np.expm1,
        edges=([1e-10, -1e-10, 0.0], [-30.0, 30.0]),
        singular=([-1000.0, 1000.0],),
    ),
    _unary("square", ops.square, np.square, edges=([-1e3, 0.0, 1e3],)),
    _unary(
        "reciprocal",
        ops.reciprocal,
        lambda a: 1.0 / a,
        domain="away_from_zero",
        edges=([-1e3, 1e-3, 1e3],),
        singular=([0.0, -0.0, np.inf],),
    ),
    _unary(
        "rsqrt",
        ops.rsqrt,
        lambda a: 1.0 / np.sqrt(a),
        domain="positive",
        edges=([1e-2, 1e4],),
        singular=([0.0, np.inf, -1.0],),
    ),
    _unary("sinh", ops.sinh, np.sinh, edges=([-20.0, 0.0, 20.0],), singular=([-1e3, 1e3],)),
    _unary("cosh", ops.cosh, np.cosh, edges=([-20.0, 0.0, 20.0],), singular=([-1e3, 1e3],)),
    _unary(
        "arcsin",
        ops.arcsin,
        np.arcsin,
        domain="inside_unit",
        edges=([-0.999, 0.0, 0.999],),
        singular=([-1.0, 1.0], [1.5, -2.0]),
        aliases=("asin",),
    ),
    _unary(
        "arccos",
        ops.arccos,
        np.arccos,
        domain="inside_unit",
        edges=([-0.999, 0.0, 0.999],),
        singular=([-1.0, 1.0], [1.5, -2.0]),
        aliases=("acos",),
    ),
    _unary(
        "arctan",
        ops.arctan,
        np.arctan,
        edges=([-1e3, 0.0, 1e3],),
        singular=([-np.inf, np.inf],),
        aliases=("atan",),
    ),
    _unary(
        "sign",
        ops.sign,
        np.sign,
        avoid=(0.0,),
        singular=([-0.0, 0.0, -2.0, np.inf, -np.inf, np.nan],),
    ),
    _unary(
        "floor",
        ops.floor,
        np.floor,
        avoid=(-1.0, 0.0, 1.0),
        edges=([-2.7, 3.2, 1e6 + 0.5],),
        singular=([-1.0, -0.5, -0.0, 0.0, 0.5, 1.0],),
    ),
    _unary(
        "ceil",
        ops.ceil,
        np.ceil,
        avoid=(-1.0, 0.0, 1.0),
        edges=([-2.7, 3.2, 1e6 + 0.5],),
        singular=([-1.0, -0.5, -0.0, 0.0, 0.5, 1.0],),
    ),
    OpInfo(
        "round",
        ops.round,
        np.round,
        _round_samples,
        error_inputs=non_numeric("round")
        + [E(TypeError, r"^round: decimals must be an int, got float", np.ones(3), decimals=1.5)],
        primitives_covered=("Round",),
    ),
    OpInfo(
        "clamp",
        ops.clamp,
        _clamp_ref,
        _clamp_samples,
        error_inputs=[
            E(ValueError, r"^clamp: at least one of min and max must be given", np.ones(3)),
            E(
                TypeError,
                r"^clamp: min must be a number, got a Tensor",
                np.ones(3),
                min=Buf(np.zeros(3)),
            ),
            E(TypeError, r"^clamp: max must be a number, got str", np.ones(3), max="1"),
            E(TypeError, r"^(tensor|clamp): .*str", "abc", 0.0),
        ],
        primitives_covered=("Clip",),
    ),
]
