"""Tables, widgets and time estimates speak the lesson's language; their code does not.

The tables keep their English column names in every language (lessons index them); what
Jupyter shows is translated. Widgets read the language when built, and status lines when
written. English output is what it always was.
"""

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

import vizcnn as vz
from vizcnn import backend, language, style
from vizcnn.arithmetic import conv_output_size
from vizcnn.course.time_estimate import TimeEstimate
from vizcnn.inspection._shown_table import ShownTable

HANGUL = range(0xAC00, 0xD7A4)


def korean(text: str) -> bool:
    return any(ord(c) in HANGUL for c in text)


@pytest.fixture(autouse=True)
def _english_afterwards():
    before = language.get_language()
    yield
    language.set_language(before)


@pytest.fixture
def in_korean():
    """The Korean lessons' setting: the language, and a font with Hangul for the figures."""
    language.set_language("ko")
    style.set_style("ko")
    yield
    style.set_style("en")


@pytest.fixture
def model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Conv2D(3, 3, padding="same", name="conv2"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(2, name="dense"),
        ],
        name="small",
    )


@pytest.fixture
def images():
    return np.random.default_rng(0).random((6, 10, 10, 1), dtype=np.float32)


# -- tables ------------------------------------------------------------------------------


def test_english_tables_show_exactly_what_a_plain_dataframe_shows(model):
    for table in (vz.layer_costs(model), vz.receptive_field_table(model)):
        assert isinstance(table, ShownTable)
        plain = pd.DataFrame(table)
        assert table._repr_html_() == plain._repr_html_()
        assert repr(table) == repr(plain)
        assert table.to_string() == plain.to_string()


def test_korean_headers_are_shown_and_english_columns_stay(model):
    costs = vz.layer_costs(model)
    language.set_language("ko")
    html = costs._repr_html_()
    assert "<th>곱셈-덧셈</th>" in html and "<th>파라미터</th>" in html and "<th>층</th>" in html
    assert "<th>macs</th>" not in html and "곱셈-덧셈" in repr(costs)
    assert list(costs.columns) == ["type", "output", "params", "macs", "flops", "elementwise"]
    assert costs.index.name == "layer"
    # read at display time: the same table follows the setting back
    language.set_language("en")
    assert "<th>macs</th>" in costs._repr_html_() and not korean(costs._repr_html_())


def test_lesson_code_on_a_korean_table(model):
    language.set_language("ko")
    table = vz.receptive_field_table(model)
    spatial = table[table["type"].isin(["Conv2D", "MaxPooling2D"])]
    assert isinstance(spatial, ShownTable) and list(spatial.index) == ["conv1", "pool", "conv2"]
    assert [size[0] for size in spatial["size"]] == [3, 4, 8]
    assert "<th>점프</th>" in spatial._repr_html_() and "<th>수용장" not in spatial._repr_html_()
    assert table.loc["conv1", "type"] == "Conv2D" and table.iloc[0]["jump"] == (1, 1)

    costs = vz.layer_costs(model)
    convolutions = costs[costs["type"] == "Conv2D"]
    shown = convolutions[["output", "params", "macs"]]
    assert isinstance(shown, ShownTable) and "<th>출력 모양</th>" in shown._repr_html_()
    assert costs["macs"].sum() > convolutions["macs"].sum() > 0
    assert costs["macs"].iloc[0] == costs.loc["conv1", "macs"]
    # lesson 06: a copy, a column popped and one added (shown as the lesson names it)
    extra = costs[costs["flops"] > 0][["type", "output", "params", "flops"]].copy()
    extra["MFLOP"] = (extra.pop("flops") / 1e6).round(3)
    html = extra._repr_html_()
    assert isinstance(extra, ShownTable) and "<th>MFLOP</th>" in html and "<th>종류</th>" in html


# -- widgets -----------------------------------------------------------------------------


def test_padding_stride_explorer_in_korean(in_korean, keras):
    explorer = vz.PaddingStrideExplorer(input_size=7, check_with_keras=False)
    for control in (explorer.layer_buttons, explorer.kernel_size_slider, explorer.row_slider):
        assert korean(control.description), control.description
    assert korean(explorer.legend_html.value) and "출력: 7 × 7" in explorer.info_html.value
    explorer.padding_buttons.value = "valid"
    explorer.kernel_size_slider.value = 9  # no window fits
    assert "불가능한 설정" in explorer.info_html.value and korean(explorer.error)
    assert "kernel_size 9" in explorer.error and "input_size 7" in explorer.error
    explorer.kernel_size_slider.value = 3
    assert explorer.error is None and "출력: 5 × 5" in explorer.info_html.value
    explorer.strides_slider.value = 2
    explorer.dilation_rate_slider.value = 2
    assert korean(explorer.error) and "dilation_rate=2" in explorer.error


def test_padding_stride_explorer_in_english_is_unchanged(keras):
    explorer = vz.PaddingStrideExplorer(input_size=7, check_with_keras=False)
    assert explorer.layer_buttons.description == "Layer"
    assert not korean(explorer.info_html.value + explorer.legend_html.value)
    explorer.padding_buttons.value = "valid"
    explorer.kernel_size_slider.value = 9
    assert "Impossible settings" in explorer.info_html.value and not korean(explorer.error)


@pytest.mark.parametrize(
    "settings",
    [
        dict(input_size=7, kernel_size=9, padding="valid"),
        dict(input_size=7, kernel_size=4, padding="valid", dilation_rate=3),
        dict(input_size=7, kernel_size=3, strides=2, dilation_rate=2),
        dict(input_size=7, kernel_size=3, strides=3, dilation_rate=4, padding="valid"),
    ],
)
def test_the_english_status_is_the_arithmetic_s_own_message(settings):
    """The widget words the two refusals from the message files: in English exactly as
    ``conv_output_size`` says them."""
    from vizcnn.widgets.padding_stride import _impossible_words

    settings = {"strides": 1, "padding": "valid", "dilation_rate": 1, **settings}
    with pytest.raises(ValueError) as refused:
        conv_output_size(**settings)
    assert _impossible_words(refused.value, settings) == str(refused.value)
    language.set_language("ko")
    assert korean(_impossible_words(refused.value, settings))


def test_feature_map_explorer_in_korean(in_korean, model, images):
    explorer = vz.FeatureMapExplorer(model, images, labels=list("abcdef"), max_maps=2)
    assert explorer.image_slider.description == "이미지"
    assert korean(explorer.layer_dropdown.description)
    assert "특성 맵" in explorer.status_html.value and "이미지 0: a" in explorer.status_html.value
    explorer._fail("boom")  # the words of a problem a widget meets
    assert "그린 것이 없다" in explorer.status_html.value


def test_feature_map_explorer_in_english(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=2)
    assert explorer.image_slider.description == "image"
    assert "feature maps of" in explorer.status_html.value
    assert not korean(explorer.status_html.value)


def test_unit_explorer_in_korean(in_korean, model, images):
    explorer = vz.UnitExplorer(model, images, k=2, effective_field=False)
    assert explorer.channel_slider.description == "채널"
    assert korean(explorer.maximize_button.description)
    status = explorer.status_html.value
    assert "수용장" in status and "활성화 최대화" in status and "유효 수용장" in status
    assert korean(explorer.top_header.get_text()) and korean(explorer._am_title.get_text())
    language.set_language("en")  # status lines follow the language when written
    explorer.channel_slider.value = 1
    assert "receptive field" in explorer.status_html.value
    assert not korean(explorer.status_html.value)
    assert explorer.channel_slider.description == "채널"  # controls: as built


# -- time and precision messages -----------------------------------------------------------


def _estimate(**cpu):
    return TimeEstimate(
        train_images_per_second=468.4,
        predict_images_per_second=1500.0,
        epochs=4,
        minutes=8.2,
        cpu=cpu,
        precision="mixed_bfloat16",
    )


def test_the_time_estimate_in_both_languages():
    estimate = _estimate(cpu="AMD EPYC", flags=["avx2", "fma"])
    assert str(estimate) == (
        "about 8 minutes for 4 epochs on this CPU (AMD EPYC; avx2, fma; mixed_bfloat16): "
        "468 training images/s"
    )
    assert str(_estimate()) == (
        "about 8 minutes for 4 epochs on this CPU (unknown; no AVX2; mixed_bfloat16): "
        "468 training images/s"
    )
    language.set_language("ko")
    text = str(estimate)
    assert korean(text) and "8분" in text and "에포크 4번" in text and "468" in text
    assert "AMD EPYC" in text and "mixed_bfloat16" in text


def test_precision_messages_in_both_languages(monkeypatch, keras):
    backend.bfloat16_support.cache_clear()
    monkeypatch.setattr(backend, "cpu_has_native_bf16", lambda: False)
    try:
        for lang, expected in [
            ("en", "Keras dtype policy: float32 (this CPU has no native bfloat16"),
            ("ko", "케라스 dtype 정책: float32 (이 CPU에는 네이티브 bfloat16"),
        ]:
            language.set_language(lang)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert backend.use_fast_precision() == "float32"
            assert printed.getvalue().startswith(expected)
            # one cached answer, worded in the language of the question
            assert korean(backend.bfloat16_support()[1]) == (lang == "ko")
    finally:
        backend.bfloat16_support.cache_clear()
        keras.mixed_precision.set_global_policy("float32")
