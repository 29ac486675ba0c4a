"""The receptive-field recurrences on plain window geometry (no model, no TensorFlow)."""

import numpy as np
import pytest

from vizcnn.arithmetic import (
    AxisField,
    apply_window,
    axis_window,
    conv_output_size,
    explicit_padding,
    input_axis,
    union_axes,
)


def test_pure_window_arithmetic():
    field = input_axis(10)
    conv = axis_window(10, 3, strides=2, padding="same")
    out = apply_window(field, conv)
    assert (out.size, out.jump, out.grid) == (
        3,
        2,
        conv_output_size(10, 3, strides=2, padding="same"),
    )
    # TF puts the odd extra zero after: 10 -> 5 with total padding 1 => pad_before 0
    assert out.start == 1
    assert conv.inputs_read(np.eye(5, dtype=bool)[0]).nonzero()[0].tolist() == [0, 1, 2]
    assert conv.inputs_read(np.eye(5, dtype=bool)[4]).nonzero()[0].tolist() == [8, 9]
    padded = apply_window(field, explicit_padding(10, 2, 1))
    assert (padded.start, padded.grid) == (-2, 13)
    cropped = apply_window(field, explicit_padding(10, -3, -1))
    assert (cropped.start, cropped.grid) == (3, 6)
    dilated = axis_window(10, 3, strides=1, padding="valid", dilation_rate=3)
    assert dilated.inputs_read(np.eye(4, dtype=bool)[1]).nonzero()[0].tolist() == [1, 4, 7]


def test_same_padding_with_stride_and_unknown_size_is_reported_not_guessed():
    unknown = apply_window(input_axis(None), axis_window(None, 3, strides=2, padding="same"))
    assert unknown.start is None and unknown.size == 3 and unknown.jump == 2
    stride_one = apply_window(input_axis(None), axis_window(None, 4, strides=1, padding="same"))
    assert (
        stride_one.start
        == apply_window(input_axis(50), axis_window(50, 4, strides=1, padding="same")).start
    )


def test_union_of_branches_and_different_jumps():
    a, b = AxisField(3, 2, 5, 4), AxisField(7, 2, 6, 4)
    merged = union_axes([a, b])
    lo, hi = min(5 - 1, 6 - 3), max(5 + 1, 6 + 3)
    assert merged.size == hi - lo + 1 and merged.start == (lo + hi) / 2
    with pytest.raises(ValueError, match="different jumps"):
        union_axes([AxisField(3, 1, 1, 4), AxisField(3, 2, 1, 4)])
