"""PaddingStrideExplorer: set controls' .value, check what is drawn and written."""

import subprocess
import sys

import ipywidgets as widgets
import numpy as np
import pytest

from vizcnn import conv_output_size, same_padding
from vizcnn.widgets.padding_stride import PaddingStrideExplorer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer():
    return PaddingStrideExplorer(check_with_keras=False)


def _taps(explorer):
    xy = np.asarray(explorer.display_.artists_["taps"].get_offsets())
    return sorted((int(round(y)), int(round(x))) for x, y in xy)


def test_is_a_widget_with_named_controls(explorer):
    assert isinstance(explorer, widgets.VBox)
    for name in ("input_size", "kernel_size", "strides", "dilation_rate", "row", "column"):
        control = getattr(explorer, name)
        assert isinstance(control, widgets.IntSlider) and control.description
    assert isinstance(explorer.padding, widgets.ToggleButtons)
    assert explorer.padding.options == ("valid", "same")
    assert bytes(explorer.image.value).startswith(PNG)
    assert explorer.display_.figure_ is explorer.figure
    explorer.row.value = 2
    assert repr(explorer) == (
        "PaddingStrideExplorer(Conv2D: input 7, kernel 3, stride 1, 'same', "
        "dilation 1, cell (2, 0))"
    )
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == repr(explorer)


def test_stride_change_updates_text_diagram_and_position_range(explorer):
    before = explorer.image.value
    explorer.strides.value = 2
    out = conv_output_size(7, 3, strides=2, padding="same")
    assert explorer.display_.output_size_ == (out, out)
    assert explorer.row.max == explorer.column.max == out - 1
    assert f"Output: {out} × {out}" in explorer.info.value
    assert f"⌈7 / 2⌉ = {out}" in explorer.info.value
    total = sum(same_padding(7, 3, strides=2))
    assert f"= {total}</code> → before {total // 2}, after {total - total // 2}" in (
        explorer.info.value
    )
    assert explorer.image.value != before and bytes(explorer.image.value).startswith(PNG)


def test_valid_formula_with_numbers_and_dropped_cells(explorer):
    explorer.padding.value = "valid"
    explorer.input_size.value = 8
    explorer.strides.value = 2
    out = conv_output_size(8, 3, strides=2)
    assert f"⌊(8 − 1·(3−1) − 1) / 2⌋ + 1 = ⌊5 / 2⌋ + 1 = {out}" in explorer.info.value
    assert "the last 1 row and column are never read" in explorer.info.value
    cat = explorer.display_.cell_categories()
    assert np.all(cat[-1] == 1) and np.all(cat[:, -1] == 1)


def test_position_sliders_move_the_window(explorer):
    explorer.kernel_size.value = 4  # 7 -> same, padding (1, 2): extra cell after
    explorer.row.value = 6
    explorer.column.value = 2
    assert explorer.display_.position_ == (6, 2)
    expected = sorted((6 - 1 + a, 2 - 1 + b) for a in range(4) for b in range(4))
    assert _taps(explorer) == expected
    assert "reads input rows 5, 6, pad, pad, columns 1, 2, 3, 4" in explorer.info.value
    assert "the extra zero goes after" in explorer.info.value
    # shrinking the output clips the highlighted cell instead of failing
    explorer.strides.value = 3
    assert explorer.row.value == explorer.row.max == 2
    assert explorer.display_.position_ == (2, 2)


def test_impossible_settings_show_a_message_and_recover(explorer):
    explorer.strides.value = 2
    explorer.dilation_rate.value = 2
    assert explorer.error and "dilation_rate" in explorer.error
    assert "Impossible settings" in explorer.info.value
    assert explorer.display_.artists_["message"].get_visible()
    assert not explorer.display_.artists_["input"].get_visible()
    explorer.row.value = 1  # moving the position while impossible must not fail either
    explorer.strides.value = 1
    assert explorer.error is None and explorer.display_.position_ == (1, 0)
    explorer.padding.value = "valid"
    explorer.kernel_size.value = 4  # dilated span 2 * 3 + 1 = 7 still fits a 7-pixel input
    assert explorer.error is None and "Output: 1 × 1" in explorer.info.value
    explorer.kernel_size.value = 5
    assert "(dilated to span 9) is larger than input_size 7" in explorer.error
    explorer.dilation_rate.value = 1
    explorer.kernel_size.value = 3
    assert explorer.error is None
    assert explorer.display_.artists_["input"].get_visible()
    assert "Output: 5 × 5" in explorer.info.value


def test_pooling_ignores_dilation(explorer):
    explorer.dilation_rate.value = 3
    explorer.layer.value = "MaxPool2D"
    assert explorer.dilation_rate.disabled
    assert explorer.settings["dilation_rate"] == 1
    assert explorer.display_.dilation_rate == (1, 1)
    explorer.layer.value = "Conv2D"
    assert not explorer.dilation_rate.disabled and explorer.display_.dilation_rate == (3, 3)


def test_keras_check_agrees(keras):
    explorer = PaddingStrideExplorer(input_size=9, kernel_size=4, strides=2, padding="same")
    out = conv_output_size(9, 4, strides=2, padding="same")
    assert f"returns <code>(1, {out}, {out}, 1)</code>" in explorer.keras_info.value
    assert "✓" in explorer.keras_info.value
    explorer.layer.value = "AveragePooling2D"
    explorer.padding.value = "valid"
    out = conv_output_size(9, 4, strides=2)
    assert "keras.layers.AveragePooling2D(4, strides=2, padding=&#x27;valid&#x27;)" in (
        explorer.keras_info.value
    )
    assert f"(1, {out}, {out}, 1)" in explorer.keras_info.value
    # impossible for Conv2D: Keras is asked and refuses too
    explorer.layer.value = "Conv2D"
    explorer.dilation_rate.value = 2
    assert "refuses" in explorer.keras_info.value and "so does the formula" in (
        explorer.keras_info.value
    )
    # a pooling window larger than its input is never sent to TensorFlow (it would crash)
    explorer.dilation_rate.value = 1
    explorer.layer.value = "MaxPool2D"
    explorer.kernel_size.value = 9
    explorer.input_size.value = 5
    assert explorer.error and explorer.keras_info.value == ""
    explorer.check_with_keras.value = False
    explorer.input_size.value = 20
    assert explorer.keras_info.value == ""


def test_diagram_path_does_not_import_tensorflow():
    code = (
        "import sys, matplotlib; matplotlib.use('Agg');"
        "import vizcnn as vz;"
        "e = vz.PaddingStrideExplorer(check_with_keras=False);"
        "e.strides.value = 2; e.padding.value = 'valid'; e.row.value = 1;"
        "print('tensorflow' in sys.modules, len(e.image.value) > 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="layer"):
        PaddingStrideExplorer(layer="Dense", check_with_keras=False)
    with pytest.raises(ValueError, match="input_size"):
        PaddingStrideExplorer(input_size=40, check_with_keras=False)
    with pytest.raises(ValueError, match="kernel_size"):
        PaddingStrideExplorer(input_size=3, kernel_size=5, padding="valid")
