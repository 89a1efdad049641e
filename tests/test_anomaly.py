"""detect_anomaly: off by default; inside it a NaN or inf made by an op raises at that op
(forward) or names the backward function and the line of the forward op (backward); a NaN
that came in with the data is not blamed on the next op; the mode is restored on exit."""

import os

import numpy as np
import pytest

import autograd_core as ag

from .helpers import leaf

ANOMALY_ERRORS = (RuntimeError, FloatingPointError)
THIS_FILE = os.path.basename(__file__)


def test_off_by_default_nan_and_inf_pass_silently():
    x = leaf([0.0, -1.0])
    with np.errstate(all="ignore"):
        y = ag.log(x)
        y.sum().backward()
    assert y.data[0] == -np.inf and np.isnan(y.data[1])


def test_forward_nan_raises_at_the_op_and_names_it_and_the_user_line():
    x = leaf([1.0, -1.0])
    with (
        ag.detect_anomaly(),
        np.errstate(all="ignore"),
        pytest.raises(ANOMALY_ERRORS, match=r"Log") as info,
    ):
        ag.log(x)
    assert "nan" in str(info.value) and THIS_FILE in str(info.value)


def test_backward_inf_names_the_backward_function_and_the_forward_line():
    """sqrt at 0 is finite forward but its backward returns inf: a FloatingPointError names
    'SqrtBackward' as PyTorch does ('Function 'SqrtBackward0' returned inf values in its 0th
    output') and the file, line and text of the forward op."""
    x = leaf([0.0, 4.0])
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        y = ag.sqrt(x)  # the line the error must point at
        with pytest.raises(
            FloatingPointError,
            match=r"Function 'SqrtBackward' returned inf values in its 0th "
            rf"output.*{THIS_FILE}:\d+",
        ) as info:
            y.sum().backward()
    assert "ag.sqrt(x)" in str(info.value)


def test_nan_already_in_the_input_is_not_blamed_on_the_next_op():
    """A NaN that came in with the data is not the fault of the op that propagates it."""
    x = leaf([np.nan, 1.0])
    with ag.detect_anomaly(), np.errstate(all="ignore"):
        y = x * 2.0  # the NaN came in with x: mul is not its origin
    assert np.isnan(y.data[0])


def test_the_mode_is_restored_on_exit():
    with pytest.raises(ANOMALY_ERRORS), ag.detect_anomaly(), np.errstate(all="ignore"):
        ag.log(leaf([-1.0]))
    with np.errstate(all="ignore"):
        assert np.isnan(ag.log(leaf([-1.0])).data[0])
