"""PaddingStrideExplorer: set controls' .value, check what is drawn and written."""

import subprocess
import sys

import ipywidgets as widgets
import numpy as np
import pytest

from vizcnn import conv_output_size, same_padding
from vizcnn.inspection.keras_check import keras_output_shape
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
    for name in (
        "input_size_slider",
        "kernel_size_slider",
        "strides_slider",
        "dilation_rate_slider",
        "row_slider",
        "column_slider",
    ):
        control = getattr(explorer, name)
        assert isinstance(control, widgets.IntSlider) and control.description
    assert isinstance(explorer.padding_buttons, widgets.ToggleButtons)
    assert explorer.padding_buttons.options == ("valid", "same")
    assert bytes(explorer.picture.value).startswith(PNG)
    assert explorer.display_.figure_ is explorer.figure
    explorer.row_slider.value = 2
    assert repr(explorer) == (
        "PaddingStrideExplorer(Conv2D: input 7, kernel 3, stride 1, 'same', "
        "dilation 1, cell (2, 0))"
    )
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == repr(explorer)


def test_stride_change_updates_text_diagram_and_position_range(explorer):
    before = explorer.picture.value
    explorer.strides_slider.value = 2
    out = conv_output_size(7, 3, strides=2, padding="same")
    assert explorer.display_.output_size_ == (out, out)
    assert explorer.row_slider.max == explorer.column_slider.max == out - 1
    assert f"Output: {out} × {out}" in explorer.info_html.value
    assert f"⌈7 / 2⌉ = {out}" in explorer.info_html.value
    total = sum(same_padding(7, 3, strides=2))
    assert f"= {total}</code> → before {total // 2}, after {total - total // 2}" in (
        explorer.info_html.value
    )
    assert explorer.picture.value != before and bytes(explorer.picture.value).startswith(PNG)


def test_valid_formula_with_numbers_and_dropped_cells(explorer):
    explorer.padding_buttons.value = "valid"
    explorer.input_size_slider.value = 8
    explorer.strides_slider.value = 2
    out = conv_output_size(8, 3, strides=2)
    assert f"⌊(8 − 1·(3−1) − 1) / 2⌋ + 1 = ⌊5 / 2⌋ + 1 = {out}" in explorer.info_html.value
    assert "the last 1 row and column are never read" in explorer.info_html.value
    cat = explorer.display_.cell_categories()
    assert np.all(cat[-1] == 1) and np.all(cat[:, -1] == 1)


def test_position_sliders_move_the_window(explorer):
    explorer.kernel_size_slider.value = 4  # 7 -> same, padding (1, 2): extra cell after
    explorer.row_slider.value = 6
    explorer.column_slider.value = 2
    assert explorer.display_.position_ == (6, 2)
    expected = sorted((6 - 1 + a, 2 - 1 + b) for a in range(4) for b in range(4))
    assert _taps(explorer) == expected
    assert "reads input rows 5, 6, pad, pad, columns 1, 2, 3, 4" in explorer.info_html.value
    assert "the extra zero goes after" in explorer.info_html.value
    # shrinking the output clips the highlighted cell instead of failing
    explorer.strides_slider.value = 3
    assert explorer.row_slider.value == explorer.row_slider.max == 2
    assert explorer.display_.position_ == (2, 2)


def test_impossible_settings_show_a_message_and_recover(explorer):
    explorer.strides_slider.value = 2
    explorer.dilation_rate_slider.value = 2
    assert explorer.error and "dilation_rate" in explorer.error
    assert "Impossible settings" in explorer.info_html.value
    assert explorer.display_.artists_["message"].get_visible()
    assert not explorer.display_.artists_["input"].get_visible()
    explorer.row_slider.value = 1  # moving the position while impossible must not fail either
    explorer.strides_slider.value = 1
    assert explorer.error is None and explorer.display_.position_ == (1, 0)
    explorer.padding_buttons.value = "valid"
    explorer.kernel_size_slider.value = 4  # dilated span 2 * 3 + 1 = 7 still fits a 7-pixel input
    assert explorer.error is None and "Output: 1 × 1" in explorer.info_html.value
    explorer.kernel_size_slider.value = 5
    assert "(dilated to span 9) is larger than input_size 7" in explorer.error
    explorer.dilation_rate_slider.value = 1
    explorer.kernel_size_slider.value = 3
    assert explorer.error is None
    assert explorer.display_.artists_["input"].get_visible()
    assert "Output: 5 × 5" in explorer.info_html.value


def test_pooling_ignores_dilation(explorer):
    explorer.dilation_rate_slider.value = 3
    explorer.layer_buttons.value = "MaxPool2D"
    assert explorer.dilation_rate_slider.disabled
    assert explorer.settings["dilation_rate"] == 1
    assert explorer.display_.dilation_rate == (1, 1)
    explorer.layer_buttons.value = "Conv2D"
    assert not explorer.dilation_rate_slider.disabled and explorer.display_.dilation_rate == (3, 3)


def test_keras_check_agrees(keras):
    explorer = PaddingStrideExplorer(input_size=9, kernel_size=4, strides=2, padding="same")
    out = conv_output_size(9, 4, strides=2, padding="same")
    assert f"returns <code>(1, {out}, {out}, 1)</code>" in explorer.keras_html.value
    assert "✓" in explorer.keras_html.value
    explorer.layer_buttons.value = "AveragePooling2D"
    explorer.padding_buttons.value = "valid"
    out = conv_output_size(9, 4, strides=2)
    assert "keras.layers.AveragePooling2D(4, strides=2, padding=&#x27;valid&#x27;)" in (
        explorer.keras_html.value
    )
    assert f"(1, {out}, {out}, 1)" in explorer.keras_html.value
    # impossible for Conv2D: Keras is asked and refuses too
    explorer.layer_buttons.value = "Conv2D"
    explorer.dilation_rate_slider.value = 2
    assert "refuses" in explorer.keras_html.value and "so does the formula" in (
        explorer.keras_html.value
    )
    # a pooling window larger than its input is never run (it crashes TensorFlow's CPU
    # kernel): Keras' shape logic answers, and refuses too
    explorer.dilation_rate_slider.value = 1
    explorer.layer_buttons.value = "MaxPool2D"
    explorer.kernel_size_slider.value = 9
    explorer.input_size_slider.value = 5
    assert explorer.error
    assert ".compute_output_shape((1, 5, 5, 1))" in explorer.keras_html.value
    assert "refuses" in explorer.keras_html.value and "so does the formula" in (
        explorer.keras_html.value
    )
    explorer.keras_checkbox.value = False
    explorer.input_size_slider.value = 20
    assert explorer.keras_html.value == ""


def test_diagram_path_does_not_import_tensorflow():
    code = (
        "import sys, matplotlib; matplotlib.use('Agg');"
        "import vizcnn as vz;"
        "e = vz.PaddingStrideExplorer(check_with_keras=False);"
        "e.strides_slider.value = 2; e.padding_buttons.value = 'valid'; e.row_slider.value = 1;"
        "print('tensorflow' in sys.modules, len(e.picture.value) > 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        (dict(layer="Dense"), ValueError, "layer"),
        (dict(layer=2), TypeError, "layer"),
        (dict(input_size=40), ValueError, "input_size"),
        (dict(input_size=7.0), TypeError, "input_size"),
        (dict(input_size=3, kernel_size=5, padding="valid"), ValueError, "kernel_size"),
        (dict(kernel_size=0), ValueError, "kernel_size"),
        (dict(strides=True), TypeError, "strides"),
        (dict(strides=2, dilation_rate=2), ValueError, "dilation_rate"),
        (dict(dilation_rate=-1), ValueError, "dilation_rate"),
        (dict(padding="full"), ValueError, "padding"),
        (dict(padding=None), TypeError, "padding"),
        (dict(check_with_keras="no"), TypeError, "check_with_keras"),
        (dict(max_input_size=0), ValueError, "max_input_size"),
        (dict(figsize=(8, 0)), ValueError, "figsize"),
        (dict(figsize="big"), TypeError, "figsize"),
        (dict(dpi=80.5), TypeError, "dpi"),
        (dict(dpi=0), ValueError, "dpi"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, name):
    kwargs.setdefault("check_with_keras", False)
    with pytest.raises(error, match=name):
        PaddingStrideExplorer(**kwargs)


def test_constructor_accepts_numpy_ints_and_any_padding_case():
    explorer = PaddingStrideExplorer(
        input_size=np.int64(9),
        kernel_size=np.int32(11),  # beyond the slider's usual 9: the slider widens
        strides=np.int64(2),
        padding="SAME",
        layer="MaxPool2D",
        dilation_rate=3,  # pooling: ignored, not refused
        dpi=np.int64(50),
        check_with_keras=False,
    )
    assert explorer.padding_buttons.value == "same"
    assert explorer.kernel_size_slider.value == explorer.kernel_size_slider.max == 11
    assert explorer.settings == dict(
        input_size=9, kernel_size=11, strides=2, padding="same", dilation_rate=1
    )
    assert explorer.display_.output_size_ == (5, 5) and explorer.error is None


def test_impossible_value_shows_words_then_a_valid_value_redraws(explorer):
    explorer.padding_buttons.value = "valid"
    drawn = explorer.picture.value
    explorer.input_size_slider.value = 2  # a 3 x 3 valid kernel cannot fit
    assert "kernel_size 3 is larger than input_size 2" in explorer.error
    assert "Impossible settings" in explorer.info_html.value
    assert "kernel_size 3 is larger than input_size 2" in explorer.info_html.value
    message = explorer.display_.artists_["message"]
    assert message.get_visible() and "larger than input_size 2" in message.get_text()
    assert explorer.picture.value != drawn
    explorer.input_size_slider.value = 6
    assert explorer.error is None and "Output: 4 × 4" in explorer.info_html.value
    assert not explorer.display_.artists_["message"].get_visible()
    assert explorer.display_.artists_["output"].get_array().shape[:2] == (4, 4)
    assert explorer.display_.artists_["input"].get_array().shape[:2] == (6, 6)


def test_a_failure_while_drawing_becomes_words_not_a_traceback(explorer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(explorer.display_, "update", broken)
    explorer.strides_slider.value = 2  # must not raise
    assert explorer.error == "RuntimeError: the renderer fell over"
    assert "Could not draw these settings" in explorer.info_html.value
    assert "the renderer fell over" in explorer.info_html.value
    explorer.row_slider.value = 1  # ignored while the drawing is broken, no error raised
    monkeypatch.undo()
    explorer.strides_slider.value = 3
    assert explorer.error is None and explorer.display_.output_size_ == (3, 3)
    assert "Output: 3 × 3" in explorer.info_html.value


def test_keras_output_shape(keras):
    assert keras_output_shape("Conv2D", 9, 4, strides=2, padding="SAME") == (
        (1, 5, 5, 1),
        "keras.layers.Conv2D(1, 4, strides=2, padding='same', dilation_rate=1)"
        "(np.zeros((1, 9, 9, 1)))",
        None,
    )
    answer = keras_output_shape("AveragePooling2D", (np.int64(7), 8), (2, 3), strides=None)
    assert answer.shape == (1, 3, 2, 1) and answer.error is None
    assert answer.call.startswith("keras.layers.AveragePooling2D((2, 3), strides=(2, 3), ")
    refused = keras_output_shape("Conv2D", 7, 3, strides=2, dilation_rate=2)
    assert refused.shape is None and "dilation_rate" in refused.error
    # pooling windows larger than the input are never run: compute_output_shape answers
    too_big = keras_output_shape("MaxPool2D", 5, 9)
    assert too_big.shape is None and "compute_output_shape((1, 5, 5, 1))" in too_big.call
    padded = keras_output_shape("MaxPool2D", 5, 9, strides=1, padding="same")
    assert padded.shape == (1, 5, 5, 1) and "compute_output_shape" in padded.call
    for args, kwargs, error, name in [
        (("Dense", 5, 3), {}, ValueError, "layer"),
        (("Conv2D", 0, 3), {}, ValueError, "input_size"),
        (("Conv2D", 5, 3.0), {}, TypeError, "kernel_size"),
        (("Conv2D", 5, 3), dict(padding="full"), ValueError, "padding"),
        (("MaxPool2D", 5, 3), dict(dilation_rate=2), ValueError, "dilation_rate"),
    ]:
        with pytest.raises(error, match=name):
            keras_output_shape(*args, **kwargs)
