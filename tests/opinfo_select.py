"""OpInfo records of the select ops (see tests/opinfo.py for the conventions): amax/amin,
max/min along a dim (values and indices), argmax/argmin, sort, argsort, topk, and the
reductions prod, std and cumsum.

Ops that return indices have records whose ``op`` multiplies the values (or the input) by
the indices, so that the indices are checked against numpy's and the values' gradient is
checked too. Gradients are checked away from ties (the "distinct" domain): at a tie the
selection is not differentiable.
"""

import numpy as np

from autograd_core import ops

from .opinfo import E, OpInfo, S, _axis_errors, _reduction_samples, values


# ---------------------------------------------------------------------------- references
def _np_sort(a, axis=-1, descending=False):
    """numpy's stable sort; descending keeps equal elements in order (PyTorch's stable)."""
    if np.ndim(a) == 0:
        return a.copy()
    return np.take_along_axis(a, _np_argsort(a, axis, descending), axis)


def _np_argsort(a, axis=-1, descending=False):
    if np.ndim(a) == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    # stable descending: the reversed array sorted ascending, reversed back
    n = a.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


def _np_topk(a, k, axis=-1, largest=True):
    order = _np_argsort(a, axis, descending=largest)
    if np.ndim(a) == 0:
        return a.copy(), order
    order = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(a, order, axis), order


def _np_argext(pick, a, axis=None, keepdims=False):
    if np.ndim(a) == 0:
        return np.zeros((), np.int64)
    return pick(a, axis=axis, keepdims=keepdims)


def _np_extreme(fn, a, axis=None, keepdims=False):
    """np.max/np.min; over a 0-d tensor's one (virtual) axis, the value itself."""
    if np.ndim(a) == 0:
        return a.copy()
    return fn(a, axis=axis, keepdims=keepdims)


def _np_std(a, axis=None, keepdims=False, ddof=0, correction=None, unbiased=None, dim=None):
    if correction is not None:
        ddof = correction
    if unbiased is not None:
        ddof = int(unbiased)
    return np.std(a, axis=axis if dim is None else dim, keepdims=keepdims, ddof=ddof)


def _np_cumsum(a, axis=None):
    if axis is not None and np.ndim(a) == 0:
        return a.copy()
    return np.cumsum(a, axis=axis)


def _np_amax(a, axis=None, keepdims=False, dim=None, keepdim=None):
    return np.max(a, axis=axis if dim is None else dim, keepdims=keepdims or bool(keepdim))


def _np_amin(a, axis=None, keepdims=False, dim=None, keepdim=None):
    return np.min(a, axis=axis if dim is None else dim, keepdims=keepdims or bool(keepdim))


# ---------------------------------------------------------------------------- ops under test
def _values_times_indices(result):
    """values * indices (as floats): one tensor that depends on both."""
    return result.values * result.indices


def _max_dim(a, dim, keepdim=False, **kw):
    return _values_times_indices(ops.max(a, dim, keepdim, **kw))


def _min_dim(a, dim, keepdim=False, **kw):
    return _values_times_indices(ops.min(a, dim, keepdim, **kw))


def _argmax_op(a, axis=None, keepdims=False, **kw):
    """argmax times the maximum: checks the indices, and the maximum's gradient."""
    return ops.argmax(a, axis, keepdims, **kw) * ops.amax(a, axis, keepdims)


def _argmin_op(a, axis=None, keepdims=False, **kw):
    return ops.argmin(a, axis, keepdims, **kw) * ops.amin(a, axis, keepdims)


def _argsort_op(a, axis=-1, descending=False, **kw):
    return a * ops.argsort(a, axis, descending, **kw)


def _sort_indices_op(a, axis=-1, descending=False):
    return _values_times_indices(ops.sort(a, axis, descending))


def _topk_indices_op(a, k, axis=-1, largest=True):
    return _values_times_indices(ops.topk(a, k, axis, largest))


# ---------------------------------------------------------------------------- samples
def _dim_samples(info, rng):
    """One axis at a time (positive, negative, kept), and a 0-d tensor."""
    out = [
        S(values(shape, info.domain, rng), dim, keepdim=keep, name=f"{shape} dim={dim} {keep}")
        for shape, dim in (((5,), 0), ((2, 3), 1), ((2, 3), -2), ((2, 3, 2), 1))
        for keep in (False, True)
    ]
    out.append(S(values((), info.domain, rng), 0, name="0-d"))
    out.append(S(np.zeros((0, 3)), 1, name="empty rows"))
    out.append(S(np.array([[2.0, 2.0, 1.0], [0.5, 3.0, 3.0]]), 1, name="ties", grad=False))
    return out


def _arg_samples(info, rng):
    out = [
        S(values(shape, info.domain, rng), axis, keepdims, name=f"{shape} {axis} {keepdims}")
        for shape, axis in (((5,), None), ((2, 3), None), ((2, 3), 0), ((2, 3, 2), -1))
        for keepdims in (False, True)
    ]
    out.append(S(values((), info.domain, rng), name="0-d"))
    out.append(S(np.zeros((0, 3)), 1, name="empty rows"))
    out.append(S(np.array([1.0, 3.0, 3.0, -3.0, -3.0]), name="ties: the first", grad=False))
    return out


def _sort_samples(info, rng):
    out = [
        S(values(shape, info.domain, rng), axis, descending, name=f"{shape} {axis} {descending}")
        for shape, axis in (((5,), -1), ((2, 3), 1), ((2, 3), 0), ((2, 3, 2), 1))
        for descending in (False, True)
    ]
    out.append(S(values((), info.domain, rng), name="0-d"))
    out.append(S(np.zeros((0, 3)), name="empty rows"))
    out.append(S(np.zeros((0, 3)), 0, name="empty axis"))
    ties = np.array([[1.0, -0.0, 0.0, 1.0, np.nan], [np.nan, 2.0, 2.0, -1.0, 2.0]])
    out.append(S(ties, name="ties, ±0 and NaN", grad=False))
    out.append(S(ties, -1, True, name="ties, ±0 and NaN descending", grad=False))
    return out


def _topk_samples(info, rng):
    out = [
        S(values(shape, info.domain, rng), k, axis, largest, name=f"{shape} k={k} {axis} {largest}")
        for shape, k, axis in (((5,), 2, -1), ((2, 3), 3, 1), ((2, 3), 1, 0), ((2, 3, 2), 2, 1))
        for largest in (True, False)
    ]
    out.append(S(values((), info.domain, rng), 1, name="0-d"))
    out.append(S(values((2, 3), info.domain, rng), 0, name="k=0"))
    out.append(S(np.array([2.0, 1.0, 2.0, 2.0]), 2, name="ties: the first", grad=False))
    return out


def _prod_samples(info, rng):
    out = _reduction_samples()(info, rng)
    out += [
        S(np.array([1.5, 0.0, 2.0, -1.0]), name="one zero"),
        S(np.array([1.5, 0.0, 2.0, 0.0]), name="two zeros"),
        S(np.array([[0.0, 2.0, 3.0], [1.5, -1.0, 0.0]]), axis=1, name="a zero in each row"),
        S(np.zeros((2, 2)), axis=0, keepdims=True, name="all zeros"),
    ]
    return out


def _std_samples(info, rng):
    out = [
        S(values((2, 3, 2), "real", rng), axis=axis, keepdims=kd, name=f"{axis} {kd}")
        for axis in (None, 1, (0, 2))
        for kd in (False, True)
    ]
    out += [
        S(values((5,), "real", rng), ddof=1, name="ddof=1"),
        S(values((2, 3), "real", rng), dim=1, correction=1, name="dim=1 correction=1"),
        S(values((2, 3), "real", rng), unbiased=True, name="unbiased=True"),
        S(values((4,), "real", rng), unbiased=False, name="unbiased=False"),
        S(values((), "real", rng), name="0-d"),
    ]
    return out


def _cumsum_samples(info, rng):
    out = [
        S(values(shape, "real", rng), axis, name=f"{shape} {axis}")
        for shape, axis in (((5,), None), ((5,), 0), ((2, 3), None), ((2, 3), 1), ((2, 3, 2), -2))
    ]
    out += [
        S(values((), "real", rng), name="0-d, flattened"),
        S(values((), "real", rng), 0, name="0-d, axis 0"),
        S(np.zeros((0, 3)), 1, name="empty"),
    ]
    return out


def _one_axis_errors(op):
    return [
        E(
            ValueError,
            rf"^{op}: axis 2 is out of range for a tensor with 2 dimensions",
            np.ones((2, 3)),
            2,
        ),
        E(TypeError, rf"^{op}: axis must be an int, got \(0, 1\)", np.ones((2, 3)), (0, 1)),
        E(TypeError, rf"^{op}: got axis=0 and dim=1; give one of them", np.ones((2, 3)), 0, dim=1),
    ]


def _max_dim_errors(op):
    return [
        E(
            TypeError,
            rf"^{op}: dim=\(0, 1\) must be one int .*axis=\(0, 1\) or a{op}",
            np.ones((2, 3)),
            (0, 1),
        ),
        E(TypeError, rf"^{op}: dim must be an int or a tensor, got 1.5", np.ones((2, 3)), 1.5),
        E(TypeError, rf"^{op}: got axis=0 and dim=1; give one of them", np.ones((2, 3)), 1, axis=0),
        E(
            ValueError,
            rf"^{op}: axis 2 is out of range for a tensor with 2 dimensions",
            np.ones((2, 3)),
            2,
        ),
        E(ValueError, rf"^{op}: cannot reduce over an empty axis", np.ones((0, 3)), 0),
    ]


# ---------------------------------------------------------------------------- records
RECORDS: list = [
    OpInfo(
        "amax",
        ops.amax,
        _np_amax,
        _reduction_samples(empty_axis_ok=False),
        domain="distinct",
        error_inputs=_axis_errors("amax")
        + [E(TypeError, r"^amax: got axis=0 and dim=1", np.ones((2, 3)), 0, dim=1)],
        primitives_covered=("Max",),
    ),
    OpInfo(
        "amin",
        ops.amin,
        _np_amin,
        _reduction_samples(empty_axis_ok=False),
        domain="distinct",
        error_inputs=_axis_errors("amin")
        + [E(ValueError, r"^amin: cannot reduce over an empty axis", np.ones((0, 3)), dim=0)],
        primitives_covered=("Min",),
    ),
    OpInfo(
        "max (values * indices)",
        _max_dim,
        lambda a, dim, keepdim=False: (
            _np_extreme(np.max, a, dim, keepdim) * _np_argext(np.argmax, a, dim, keepdim)
        ),
        _dim_samples,
        domain="distinct",
        error_inputs=_max_dim_errors("max"),
        primitives_covered=("Max",),
    ),
    OpInfo(
        "min (values * indices)",
        _min_dim,
        lambda a, dim, keepdim=False: (
            _np_extreme(np.min, a, dim, keepdim) * _np_argext(np.argmin, a, dim, keepdim)
        ),
        _dim_samples,
        domain="distinct",
        error_inputs=_max_dim_errors("min"),
        primitives_covered=("Min",),
    ),
    OpInfo(
        "argmax",
        _argmax_op,
        lambda a, axis=None, keepdims=False: (
            _np_argext(np.argmax, a, axis, keepdims) * _np_extreme(np.max, a, axis, keepdims)
        ),
        _arg_samples,
        domain="distinct",
        error_inputs=_one_axis_errors("argmax")
        + [E(ValueError, r"^argmax: cannot reduce over an empty axis", np.ones((0, 3)))],
        primitives_covered=("Max",),
    ),
    OpInfo(
        "argmin",
        _argmin_op,
        lambda a, axis=None, keepdims=False: (
            _np_argext(np.argmin, a, axis, keepdims) * _np_extreme(np.min, a, axis, keepdims)
        ),
        _arg_samples,
        domain="distinct",
        error_inputs=_one_axis_errors("argmin")
        + [E(ValueError, r"^argmin: cannot reduce over an empty axis", np.ones((3, 0)), 1)],
        primitives_covered=("Min",),
    ),
    OpInfo(
        "sort",
        lambda a, *args, **kw: ops.sort(a, *args, **kw).values,
        _np_sort,
        _sort_samples,
        domain="distinct",
        error_inputs=_one_axis_errors("sort"),
        primitives_covered=("TakeAlongAxis", "ScatterAdd"),
    ),
    OpInfo(
        "sort (values * indices)",
        _sort_indices_op,
        lambda a, axis=-1, descending=False: (
            _np_sort(a, axis, descending) * _np_argsort(a, axis, descending)
        ),
        _sort_samples,
        domain="distinct",
        primitives_covered=("TakeAlongAxis",),
    ),
    OpInfo(
        "argsort",
        _argsort_op,
        lambda a, axis=-1, descending=False: a * _np_argsort(a, axis, descending),
        _sort_samples,
        domain="distinct",
        error_inputs=_one_axis_errors("argsort"),
        primitives_covered=("Mul",),
    ),
    OpInfo(
        "topk",
        lambda a, *args, **kw: ops.topk(a, *args, **kw).values,
        lambda a, k, axis=-1, largest=True: _np_topk(a, k, axis, largest)[0],
        _topk_samples,
        domain="distinct",
        error_inputs=[
            E(
                ValueError,
                r"^topk: k=4 is out of range for axis 1 of size 3 \(shape \(2, 3\)\)",
                np.ones((2, 3)),
                4,
            ),
            E(ValueError, r"^topk: k=-1 is out of range", np.ones((2, 3)), -1),
            E(TypeError, r"^topk: k must be an int, got 1.5", np.ones((2, 3)), 1.5),
            E(ValueError, r"^topk: axis 2 is out of range", np.ones((2, 3)), 1, 2),
        ],
        primitives_covered=("TakeAlongAxis", "ScatterAdd"),
    ),
    OpInfo(
        "topk (values * indices)",
        _topk_indices_op,
        lambda a, k, axis=-1, largest=True: np.multiply(*_np_topk(a, k, axis, largest)),
        _topk_samples,
        domain="distinct",
        primitives_covered=("TakeAlongAxis",),
    ),
    OpInfo(
        "prod",
        ops.prod,
        np.prod,
        _prod_samples,
        error_inputs=_axis_errors("prod"),
        primitives_covered=("Prod", "ProdOthers"),
    ),
    OpInfo(
        "std",
        ops.std,
        _np_std,
        _std_samples,
        error_inputs=_axis_errors("std")
        + [
            E(ValueError, r"^std: need more than ddof=3 elements, got 3", np.ones(3), ddof=3),
            E(
                TypeError,
                r"^std: got ddof=2, correction=1, unbiased=None; give one of them",
                np.ones(3),
                ddof=2,
                correction=1,
            ),
            E(TypeError, r"^std: unbiased must be True or False", np.ones(3), unbiased=1),
        ],
        primitives_covered=("Norm", "Sub", "Div"),
    ),
    OpInfo(
        "cumsum",
        ops.cumsum,
        _np_cumsum,
        _cumsum_samples,
        error_inputs=[
            E(TypeError, r"^cumsum: axis must be an int, got \(0, 1\)", np.ones((2, 3)), (0, 1)),
            E(ValueError, r"^cumsum: axis -3 is out of range", np.ones((2, 3)), -3),
        ],
        primitives_covered=("CumSum",),
    ),
]
