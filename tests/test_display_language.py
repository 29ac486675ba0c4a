"""The displays' figure text follows the lesson's language; English is what it always was.

Each display is drawn once in English (its exact words of before) and once in Korean (the
Korean templates of ``vizcnn/data_files/messages/display.json``, drawn with the Korean
style: no glyph missing). What a caller or Keras names (layers, classes, metrics, a
``title=``) is drawn as given in both.
"""

import json
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import vizcnn as vz
from vizcnn import language, style
from vizcnn.arithmetic import ReceptiveField
from vizcnn.inspection.architecture_graph import Edge, Node
from vizcnn.language import MESSAGES, messages

HANGUL = range(0xAC00, 0xD7A4)
MISSING_GLYPH = "missing from font"


def ko(key, **fields):
    """The Korean text of message ``key``."""
    return language.text(key, language="ko", **fields)


def korean(words: str) -> bool:
    return any(ord(c) in HANGUL for c in words)


@pytest.fixture(autouse=True)
def restored():
    """The language and the style are global: every test leaves them as it found them."""
    before = language.get_language()
    language.set_language("en")
    with mpl.rc_context():
        yield
    language.set_language(before)
    style.set_style("en")
    plt.close("all")


@pytest.fixture(params=["en", "ko"])
def lang(request):
    """Draw in this language (Korean with the Korean lessons' font)."""
    language.set_language(request.param)
    style.set_style(request.param)
    return request.param


def drawn(display) -> list[str]:
    """Render the display's figure; every non-empty text on it. In Korean, no glyph may
    be missing from the font."""
    figure = display.figure_
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    missing = [str(w.message) for w in caught if MISSING_GLYPH in str(w.message)]
    assert missing == [], missing
    words = [t.get_text() for t in figure.findobj(Text) if t.get_text() and t.get_visible()]
    if language.get_language() == "ko":
        assert any(korean(w) for w in words), words
    return words


def test_every_display_message_has_english_and_korean():
    in_file = json.loads((MESSAGES / "display.json").read_text(encoding="utf-8"))
    assert in_file and all(key.startswith("display.") for key in in_file)
    every = {k: v for k, v in messages().items() if k.startswith("display.")}
    assert set(every) == set(in_file)
    for key, templates in every.items():
        assert set(templates) == {"en", "ko"}, key
        assert templates["en"].strip() and korean(templates["ko"]), key


def test_messages_are_read_when_drawn_not_when_imported():
    kernel = np.ones((3, 3, 1, 2), dtype="float32")
    display = vz.FilterDisplay(kernel, layer_name="c")
    assert display.plot().ax_.get_title() == "c: 2 filters (3x3), one scale (white = 0)"
    language.set_language("ko")
    style.set_style("ko")
    count = ko("display.filter.count_all", n=2)
    assert display.plot().ax_.get_title() == ko(  # the same display, drawn again: in Korean
        "display.filter.title_grid", name="c", count=count, kh=3, kw=3, of_channel=""
    )


def test_filter_grid(lang):
    kernel = np.linspace(-1, 1, 3 * 3 * 2 * 4).reshape(3, 3, 2, 4)
    display = vz.FilterDisplay(kernel, layer_name="conv1").plot(mode="grid", channel=1)
    words = drawn(display)
    label = display.figure_.axes[-1].get_ylabel()  # the colour bar's
    if lang == "en":
        title = "conv1: 4 filters (3x3, input channel 1 of 2), one scale (white = 0)"
        assert (display.ax_.get_title(), label) == (title, "weight")
    else:
        of_channel = ko("display.filter.of_channel", channel=1, total=2)
        count = ko("display.filter.count_all", n=4)
        title = ko(
            "display.filter.title_grid",
            name="conv1",
            count=count,
            kh=3,
            kw=3,
            of_channel=of_channel,
        )
        assert title == "conv1: 필터 4개 (3x3, 입력 채널 2개 중 1번), 공통 색 척도 (흰색 = 0)"
        assert (display.ax_.get_title(), label) == (title, ko("display.filter.weight"))
    assert [w for w in words if w.isdigit()] == ["0", "1", "2", "3"]  # filter numbers


def test_filters_per_input_channel(lang):
    kernel = np.linspace(-1, 1, 3 * 3 * 2 * 3).reshape(3, 3, 2, 3)
    display = vz.FilterDisplay(kernel).plot(max_filters=2)
    drawn(display)
    labels = [t.get_text() for t in display.ax_.texts]
    if lang == "en":
        assert display.ax_.get_title() == "filters: 2 of 3 filters x 2 input channels (3x3)"
        assert labels == ["in 0", "in 1", "filter 0", "filter 1"]
    else:
        assert display.ax_.get_title() == ko(
            "display.filter.title_channels",
            name=ko("display.filter.default_name"),
            count=ko("display.filter.count_some", n=2, total=3),
            channels=2,
            kh=3,
            kw=3,
        )
        assert labels == ["입력 0", "입력 1", "필터 0", "필터 1"]


def test_feature_maps(lang):
    maps = np.arange(4 * 4 * 3, dtype="float32").reshape(4, 4, 3)
    display = vz.FeatureMapDisplay(maps, layer_name="conv1", channels=[0, 5, 7]).plot()
    drawn(display)
    panels = [t.get_text() for t in display.titles_]
    label = display.figure_.axes[-1].get_ylabel()
    if lang == "en":
        assert display.ax_.get_title() == "conv1: 3 feature maps, 4x4"
        assert (panels, label) == (["ch 0", "ch 5", "ch 7"], "activation")
    else:
        assert display.ax_.get_title() == ko(
            "display.feature_map.title", name="conv1", n=3, h=4, w=4
        )
        assert panels == [ko("display.feature_map.channel", channel=c) for c in (0, 5, 7)]
        assert label == ko("display.feature_map.activation") == "활성화"
    given = vz.FeatureMapDisplay(maps).plot(title="my maps", colorbar=False)
    assert given.ax_.get_title() == "my maps"  # a caller's title, as given


def test_history(lang):
    history = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "epoch_seconds": [30, 30]}
    display = vz.HistoryDisplay.from_histories({"CNN": history}, metrics="loss", x="minutes")
    drawn(display)
    (panel,) = display.axes_
    legend = [t.get_text() for t in panel.get_legend().get_texts()]
    assert panel.get_title() == panel.get_ylabel() == "loss"  # the metric's Keras name
    if lang == "en":
        assert panel.get_xlabel() == "minutes of training"
        assert legend == ["CNN train", "CNN validation"]
    else:
        assert panel.get_xlabel() == ko("display.history.x.minutes")
        assert legend == [ko("display.history.train", name="CNN"), "CNN 검증"]
    epochs = vz.HistoryDisplay.from_histories({"CNN": history}, metrics="loss")
    assert epochs.axes_[0].get_xlabel() == ("epoch" if lang == "en" else "에포크")


def test_receptive_field(lang):
    field = ReceptiveField(size=(5, 5), jump=(2, 2), start=(0, 0), grid=(4, 4), input_size=(8, 8))
    image = np.linspace(0, 1, 64).reshape(8, 8, 1)
    display = vz.ReceptiveFieldDisplay(
        image,
        field,
        position=(0, 0),
        layer_name="conv2",
        effective=np.ones((8, 8)),
        feature_map=np.ones((4, 4)),
        channel=1,
    )
    display.n_effective = 2
    drawn(display.plot())
    titles = [ax.get_title() for ax in display.axes_]
    if lang == "en":
        assert titles == [
            "conv2 unit (0, 0): field 5x5, 3x3 in the image",
            "effective field |d unit / d input|, mean of 2 inputs",
            "conv2, channel 1: unit (0, 0)",
        ]
    else:
        unit = ko("display.receptive_field.unit", layer="conv2", position=(0, 0), h=5, w=5)
        over = ko("display.receptive_field.mean_of", n=2)
        assert titles == [
            unit + ko("display.receptive_field.in_image", h=3, w=3),
            ko("display.receptive_field.effective", over=over),
            ko("display.receptive_field.feature_map", layer="conv2", channel=1, position=(0, 0)),
        ]
    whole = ReceptiveField(size=(8, 8), jump=None, start=None, grid=None, input_size=(8, 8))
    title = vz.ReceptiveFieldDisplay(image, whole, position=None, layer_name="gap").plot()
    padding = ReceptiveField(
        size=(1, 1), jump=(1, 1), start=(-1, -1), grid=(2, 2), input_size=(2, 2)
    )
    outside = vz.ReceptiveFieldDisplay(image[:2, :2], padding, position=(0, 0), layer_name="p")
    if lang == "en":
        assert title.ax_.get_title() == "gap: every unit sees the whole 8x8 input"
        assert outside.plot().ax_.get_title() == "p unit (0, 0): field 1x1 (only padding)"
    else:
        assert title.ax_.get_title() == ko("display.receptive_field.global", layer="gap", h=8, w=8)
        assert outside.plot().ax_.get_title().endswith(ko("display.receptive_field.only_padding"))


def test_conv_arithmetic_diagram(lang):
    display = vz.ConvArithmeticDisplay(5, 2, strides=2).plot()
    drawn(display)
    legend = [t.get_text() for t in display.legend_.get_texts()]
    labels = (
        display.artists_["input_label"].get_text(),
        display.artists_["output_label"].get_text(),
    )
    if lang == "en":
        assert display.ax_.get_title() == (
            "5×5 input, kernel 2×2, stride 2, padding 'valid', dilation 1 → 2×2 output\n"
            "the last 1 row and the last 1 column never read by any window"
        )
        assert labels == ("input 5×5", "output 2×2")
        assert legend == [
            "input cell",
            "padding",
            "extra padding (after)",
            "never read (dropped)",
            "kernel tap",
            "window",
            "output cell",
            "this output",
        ]
    else:
        assert display.ax_.get_title() == (
            "입력 5×5, 커널 2×2, 스트라이드 2, 패딩 'valid', 팽창 1 → 출력 2×2\n"
            "마지막 1행과 마지막 1열은 어떤 창도 읽지 않음"
        )
        assert labels == ("입력 5×5", "출력 2×2")
        assert all(korean(words) for words in legend), legend
    display.update(input_size=4, strides=1, padding="same")  # the odd padding note
    note = display.ax_.get_title().split("\n")[1]
    if lang == "en":
        assert note == "odd padding total: TensorFlow puts the extra cell after (bottom/right)"
        assert display.artists_["input_label"].get_text() == (
            "input 4×4 + padding (top 0, bottom 1, left 0, right 1)"
        )
    else:
        assert note == ko("display.conv_arithmetic.odd_padding")
        assert display.artists_["input_label"].get_text() == (
            "입력 4×4 + 패딩 (위 0, 아래 1, 왼쪽 0, 오른쪽 1)"
        )


def test_conv_arithmetic_positions(lang):
    display = vz.ConvArithmeticDisplay(3, 2).plot_positions(max_positions=2)
    drawn(display)
    titles = [ax.get_title() for ax in display.axes_.flat if ax.get_title()]
    if lang == "en":
        assert titles == ["output (0, 0)", "output (0, 1)"]
        assert display.figure_.get_suptitle() == "Every window position (first 2 of 4)"
    else:
        assert titles == ["출력 (0, 0)", "출력 (0, 1)"]
        shown = ko("display.conv_arithmetic.first_positions", shown=2, total=4)
        assert display.figure_.get_suptitle() == ko(
            "display.conv_arithmetic.every_position", shown=shown
        )


def test_grad_cam(lang):
    display = vz.GradCamDisplay.from_result(
        np.zeros((2, 4, 4, 1)),
        np.full((2, 4, 4), 0.5),
        predicted=[0, 1],
        confidence=[0.9, 0.75],
        y_true=[0, 0],
        class_names=["cat", "dog"],
        class_index=[0, 0],
        layer_name="conv2",
    )
    drawn(display)
    titles = [t.get_text() for t in display.titles_]
    label = display.colorbar_.ax.get_ylabel()
    if lang == "en":
        assert titles == [
            "true: cat\npred: cat (0.90)",
            "true: cat\npred: dog (0.75)\nmap for: cat",
        ]
        assert display.figure_.get_suptitle() == "Grad-CAM at layer 'conv2'"
        assert label == "Grad-CAM (relative)"
    else:  # the class names are the caller's: as given
        assert titles == [
            "정답: cat\n예측: cat (0.90)",
            "정답: cat\n예측: dog (0.75)\n맵의 클래스: cat",
        ]
        assert display.figure_.get_suptitle() == ko("display.grad_cam.layer", layer="conv2")
        assert label == ko("display.grad_cam.colorbar")


def test_activation_maximization(lang):
    display = vz.ActivationMaximizationDisplay(
        np.zeros((2, 4, 4, 1)), channels=[3, 5], layer_name="conv1"
    ).plot()
    drawn(display)
    titles = [t.get_text() for t in display.titles_]
    if lang == "en":
        assert titles == ["channel 3", "channel 5"]
        assert display.figure_.get_suptitle() == "conv1: what each channel's centre unit likes most"
    else:
        assert titles == ["채널 3", "채널 5"]
        assert display.figure_.get_suptitle() == "conv1: " + ko("display.activation_max.title")


def test_architecture(lang):
    nodes = [
        Node("input", "InputLayer", "8×8×3", "input", (), None, None),
        Node("conv1", "Conv2D", "8×8×4", "conv", (), None, None),
        Node("pool1", "MaxPooling2D", "4×4×4", "pool", (), None, None),
    ]
    edges = [Edge(0, 1, None), Edge(1, 2, None)]
    display = vz.ArchitectureDisplay.from_result(nodes, edges, name="tiny").plot()
    words = drawn(display)
    assert {"conv1", "pool1", "tiny"} <= set(words)  # names as Keras gives them
    if lang == "en":
        assert {"2 boxes · 0 skip connections", "input", "convolution", "pooling"} <= set(words)
    else:
        expected = {ko("display.architecture.counts_many", boxes=2, skips=0), "입력", "합성곱"}
        assert expected | {"풀링"} <= set(words)
    mine = vz.ArchitectureStyle(legend_words={"conv": "mine"})  # a caller's words: as given
    assert "mine" in drawn(vz.ArchitectureDisplay.from_result(nodes, edges).plot(style=mine))
