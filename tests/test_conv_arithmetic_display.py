"""ConvArithmeticDisplay: what is drawn matches TensorFlow's geometry."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from vizcnn import conv_output_size, same_padding
from vizcnn.arithmetic import cell_categories, conv_geometry
from vizcnn.display.conv_arithmetic import COLORS, ConvArithmeticDisplay

CATEGORY = {"input": 0, "unread": 1, "padding": 2, "extra": 3}


def _drawn_taps(disp):
    """Tap centres drawn by the scatter, as sorted (row, col) pairs."""
    xy = np.asarray(disp.artists_["taps"].get_offsets())
    return sorted((int(round(y)), int(round(x))) for x, y in xy)


def _expected_taps(size, kernel, strides, dilation, pad, position):
    """Taps of one output cell, written out from the definition of a strided window."""
    (i, j), (top, left) = position, pad
    return sorted(
        (i * strides - top + a * dilation, j * strides - left + b * dilation)
        for a in range(kernel)
        for b in range(kernel)
    )


def test_same_odd_total_extra_cell_is_after():
    disp = ConvArithmeticDisplay(7, 4, padding="same").plot(position=(6, 6))  # the last cell
    assert disp.padding_ == ((1, 2), (1, 2)) == (same_padding(7, 4),) * 2
    cat = disp.cell_categories()
    assert cat.shape == (1 + 7 + 2, 1 + 7 + 2)
    # the extra (odd) padding cell is the last row and column, never the first
    assert np.all(cat[-1, :] == CATEGORY["extra"]) and np.all(cat[:, -1] == CATEGORY["extra"])
    assert np.all(cat[0, :-1] == CATEGORY["padding"]) and np.all(cat[:-1, 0] == CATEGORY["padding"])
    assert np.all(cat[-2, 1:-2] == CATEGORY["padding"])  # the symmetric padding row
    assert np.all(cat[1:8, 1:8] == CATEGORY["input"])
    # the drawn image is exactly those colours, placed so cell (r, c) is centred at (c, r)
    image = disp.artists_["input"]
    palette = {v: to_rgba(COLORS[k]) for k, v in CATEGORY.items()}
    np.testing.assert_allclose(image.get_array()[-1, 0], palette[CATEGORY["extra"]])
    np.testing.assert_allclose(image.get_array()[0, 0], palette[CATEGORY["padding"]])
    np.testing.assert_allclose(image.get_array()[4, 4], palette[CATEGORY["input"]])
    assert image.get_extent() == pytest.approx((-1.5, 8.5, 8.5, -1.5))
    assert "extra cell after" in disp.ax_.get_title()
    assert "7×7 output" in disp.ax_.get_title()
    # last window: its taps reach into the extra padding
    assert disp.position_ == (6, 6)
    assert _drawn_taps(disp) == _expected_taps(7, 4, 1, 1, (1, 1), (6, 6))
    assert max(_drawn_taps(disp)) == (8, 8)


def test_valid_stride_marks_dropped_cells_and_output_grid():
    disp = ConvArithmeticDisplay((8, 9), 3, strides=2).plot(position=(1, 2))
    assert disp.output_size_ == conv_output_size((8, 9), 3, strides=2) == (3, 4)
    cat = disp.cell_categories()
    assert cat.shape == (8, 9)  # no padding with `valid`
    assert np.all(cat[-1, :] == CATEGORY["unread"])  # row 7 is dropped
    assert np.all(cat[:-1, :] == CATEGORY["input"])
    assert "the last 1 row never read" in disp.ax_.get_title()
    out = disp.artists_["output"]
    assert out.get_array().shape[:2] == (3, 4)
    x0, x1, y1, y0 = out.get_extent()
    assert (x1 - x0, y1 - y0) == (4, 3)  # same cell scale as the input
    current = disp.artists_["current"]
    assert (current.get_x() - x0, current.get_y()) == (2, 0.5)  # output cell (1, 2)
    assert _drawn_taps(disp) == _expected_taps(8, 3, 2, 1, (0, 0), (1, 2))
    window = disp.artists_["window"]
    assert (window.get_x(), window.get_y(), window.get_width()) == (3.5, 1.5, 3)


def test_dilated_taps_skip_cells():
    disp = ConvArithmeticDisplay(9, 3, dilation_rate=2, padding="same").plot(position=(0, 4))
    assert disp.padding_ == ((2, 2), (2, 2))
    taps = _drawn_taps(disp)
    assert taps == _expected_taps(9, 3, 1, 2, (2, 2), (0, 4))
    assert sorted({c for _, c in taps}) == [2, 4, 6]  # every second column
    assert disp.artists_["window"].get_width() == 5  # dilated span 2 * (3 - 1) + 1


def test_window_matches_a_keras_convolution(keras):
    """Output (i, j) of an all-ones kernel sums exactly the input cells the display marks."""
    for size, kernel, strides, padding, dilation in [
        ((7, 6), 4, 1, "same", 1),
        ((9, 8), 3, 2, "valid", 1),
        ((8, 8), 3, 1, "same", 3),
        ((6, 7), 2, 3, "same", 1),
    ]:
        disp = ConvArithmeticDisplay(
            size, kernel, strides=strides, padding=padding, dilation_rate=dilation
        )
        layer = keras.layers.Conv2D(
            1,
            kernel,
            strides=strides,
            padding=padding,
            dilation_rate=dilation,
            use_bias=False,
            kernel_initializer="ones",
        )
        x = np.arange(np.prod(size), dtype="float32").reshape(1, *size, 1) + 1
        y = np.asarray(layer(x))[0, ..., 0]
        assert y.shape == disp.output_size_
        for i in range(y.shape[0]):
            for j in range(y.shape[1]):
                rows, cols = disp.window((i, j))
                total = sum(
                    x[0, r, c, 0]
                    for r in rows
                    for c in cols
                    if 0 <= r < size[0] and 0 <= c < size[1]  # padding adds zeros
                )
                assert y[i, j] == total


def test_update_moves_artists_in_place():
    disp = ConvArithmeticDisplay(5, 3).plot()
    artists = dict(disp.artists_)
    figure = disp.figure_
    disp.update(input_size=12, strides=2, padding="same", position=(5, 0))
    assert disp.figure_ is figure and disp.artists_ == artists  # same objects
    assert disp.output_size_ == (6, 6)
    assert disp.artists_["input"].get_array().shape[:2] == (13, 13)  # 0 before, 1 after
    assert disp.position_ == (5, 0)
    assert _drawn_taps(disp) == _expected_taps(12, 3, 2, 1, (0, 0), (5, 0))
    # a position outside a smaller output is clipped when only settings change
    disp.update(input_size=4)
    assert disp.position_ == (1, 0)


def test_update_rejects_impossible_settings_and_keeps_state():
    disp = ConvArithmeticDisplay(5, 3).plot()
    with pytest.raises(ValueError, match="kernel_size"):
        disp.update(kernel_size=7)
    with pytest.raises(ValueError, match="dilation"):
        disp.update(strides=2, dilation_rate=2)
    assert disp.kernel_size == (3, 3) and disp.output_size_ == (3, 3)
    with pytest.raises(TypeError, match="unknown"):
        disp.update(stride=2)
    with pytest.raises(ValueError, match="outside"):
        disp.update(position=(3, 0))
    with pytest.raises(TypeError, match="position"):
        disp.update(position=5)
    with pytest.raises(ValueError, match="outside"):  # the display did not move
        disp.update(input_size=9, position=(7, 0))
    assert disp.input_size == (5, 5) and disp.position_ == (0, 0)


def test_settings_are_validated_when_first_used():
    with pytest.raises(ValueError, match="padding"):
        ConvArithmeticDisplay(5, 3, padding="full").plot()
    with pytest.raises(ValueError, match="input_size"):
        ConvArithmeticDisplay(0, 3).output_size_  # noqa: B018


def test_show_message_hides_the_diagram():
    disp = ConvArithmeticDisplay(5, 3).plot()
    disp.show_message("no window fits")
    assert disp.artists_["message"].get_visible()
    assert disp.artists_["message"].get_text() == "no window fits"
    assert not disp.artists_["input"].get_visible()
    disp.update(position=(0, 0))  # drawing again brings everything back
    assert disp.artists_["input"].get_visible() and not disp.artists_["message"].get_text()


def test_plot_on_given_axes_without_text():
    fig, ax = plt.subplots()
    disp = ConvArithmeticDisplay(6, 3).plot(ax=ax, title="", legend=False, labels=False)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.legend_ is None and ax.get_legend() is None
    assert ax.get_title() == "" and disp.artists_["input_label"].get_text() == ""


def test_legend_names_every_kind_of_cell():
    disp = ConvArithmeticDisplay(6, 3).plot()
    labels = [t.get_text() for t in disp.legend_.get_texts()]
    for expected in ("padding", "extra padding (after)", "never read (dropped)", "kernel tap"):
        assert expected in labels


def test_plot_positions_small_multiples():
    disp = ConvArithmeticDisplay(5, 3, strides=2, padding="same").plot_positions()
    titles = [ax.get_title() for ax in disp.axes_.flat if ax.get_title()]
    assert titles == [f"output ({i}, {j})" for i in range(3) for j in range(3)]
    # each panel's window sits where the arithmetic says
    window = [p for p in disp.axes_[2, 2].patches if p.get_edgecolor() == to_rgba(COLORS["tap"])]
    assert (window[0].get_x(), window[0].get_y()) == (2.5, 2.5)
    few = ConvArithmeticDisplay(8, 2).plot_positions(max_positions=5)
    assert sum(bool(ax.get_title()) for ax in few.axes_.flat) == 5
    assert "first 5 of 49" in few.figure_.get_suptitle()
    with pytest.raises(ValueError, match="max_positions"):
        few.plot_positions(max_positions=0)


def _panel_windows(disp):
    """Top-left (row, col) of each small-multiple panel's window, by its title."""
    return {
        panel["title"].get_text(): (
            panel["window"].get_y() + 0.5,
            panel["window"].get_x() + 0.5,
        )
        for panel in disp.panels_
    }


def test_cell_categories_is_pure_arithmetic():
    rows, cols = conv_geometry((3, 4), 2, padding="same")
    expected = np.array([[0, 0, 0, 0, 3]] * 3 + [[3] * 5])
    np.testing.assert_array_equal(cell_categories(rows, cols), expected)
    rows, cols = conv_geometry((8, 5), 3, strides=2)  # valid: row 7 dropped, 5 cols all read
    cat = cell_categories(rows, cols)
    assert np.all(cat[7] == CATEGORY["unread"]) and np.all(cat[:7] == CATEGORY["input"])
    disp = ConvArithmeticDisplay((8, 5), 3, strides=2)
    np.testing.assert_array_equal(disp.cell_categories(), cat)  # the display delegates
    with pytest.raises(TypeError, match="rows"):
        cell_categories((8, 5), cols)


def test_position_is_a_non_negative_cell_and_none_is_the_centre():
    disp = ConvArithmeticDisplay(8, 3, strides=2)  # 3 x 3 output
    assert disp.window(None) == disp.window((1, 1))
    assert disp.window((np.int64(2), np.int32(0))) == ((4, 5, 6), (0, 1, 2))
    for bad in [(-1, -1), (0, -1), (3, 0)]:
        with pytest.raises(ValueError, match="outside"):
            disp.window(bad)
    for bad in [(1.0, 1), (True, 0), "11", 4]:
        with pytest.raises(TypeError, match="position"):
            disp.window(bad)
    disp.plot(position=None)
    assert disp.position_ == (1, 1) and _drawn_taps(disp) == _expected_taps(
        8, 3, 2, 1, (0, 0), (1, 1)
    )
    with pytest.raises(ValueError, match="negative"):
        disp.plot(position=(-1, -1))
    plt.close("all")


def test_update_keeps_the_cell_when_position_is_omitted_and_none_centres_it():
    disp = ConvArithmeticDisplay(9, 3).plot(position=(6, 2))  # 7 x 7 output
    disp.update(padding="same")  # 9 x 9: the cell is kept
    assert disp.position_ == (6, 2)
    assert _drawn_taps(disp) == _expected_taps(9, 3, 1, 1, (1, 1), (6, 2))
    disp.update(strides=3)  # 3 x 3: clipped
    assert disp.position_ == (2, 2)
    disp.update(position=None)  # the centre of the current output
    assert disp.position_ == (1, 1)
    disp.update(input_size=12, position=None)  # the centre of the new output, 4 x 4
    assert disp.position_ == (2, 2)
    assert _drawn_taps(disp) == _expected_taps(12, 3, 3, 1, (0, 0), (2, 2))
    plt.close("all")


def test_update_after_plot_positions_redraws_the_panels_in_their_figure():
    disp = ConvArithmeticDisplay(5, 3).plot()
    diagram_figure = disp.figure_
    disp.plot_positions()
    figure = disp.figure_
    assert figure is not diagram_figure and disp.view_ == "positions"
    assert disp.ax_ is disp.axes_.flat[0] and disp.ax_.figure is figure
    assert disp.artists_ is None and disp.legend_ is None
    assert set(_panel_windows(disp)) == {f"output ({i}, {j})" for i in range(3) for j in range(3)}

    disp.update(padding="same")  # 5 x 5 output: 25 panels, windows start in the padding
    assert disp.figure_ is figure and disp.ax_.figure is figure
    assert disp.ax_ is disp.axes_.flat[0] and all(ax.figure is figure for ax in disp.axes_.flat)
    assert figure.axes == list(disp.axes_.flat)  # the old panels are gone
    windows = _panel_windows(disp)
    assert len(windows) == 25 and windows["output (0, 0)"] == (-1, -1)
    assert windows["output (4, 3)"] == (3, 2)
    panel = disp.panels_[-1]
    assert panel["position"] == (4, 4)
    tx, ty = np.asarray(panel["taps"].get_offsets()).T
    assert sorted(set(ty)) == sorted(set(tx)) == [3, 4, 5]
    assert panel["cells"].get_extent() == pytest.approx((-1.5, 5.5, 5.5, -1.5))
    # the diagram figure was left alone
    assert not any(ax.images[0].get_array().shape[:2] == (7, 7) for ax in diagram_figure.axes)

    disp.plot()  # back to one diagram: update() redraws it, not the panels
    disp.update(strides=2)
    assert disp.view_ == "diagram" and disp.panels_ is None
    assert disp.ax_.figure is disp.figure_ and disp.axes_.shape == (1, 1)
    assert disp.artists_["input"].get_array().shape[:2] == (7, 7)  # same, 5 + 1 + 1
    assert disp.artists_["output"].get_array().shape[:2] == (3, 3)
    plt.close("all")


def test_arguments_are_validated():
    with pytest.raises(TypeError, match="input_size"):
        ConvArithmeticDisplay(5.0, 3).plot()
    with pytest.raises(TypeError, match="kernel_size"):
        ConvArithmeticDisplay(5, "3").plot_positions()
    with pytest.raises(ValueError, match="strides"):
        ConvArithmeticDisplay.from_params(5, 3, strides=0)
    disp = ConvArithmeticDisplay(np.int64(5), np.int32(3), padding="SAME")
    assert disp.output_size_ == (5, 5) and disp.padding == "same"  # resolved once computed
    for kwargs, error, name in [
        (dict(legend="yes"), TypeError, "legend"),
        (dict(labels=1), TypeError, "labels"),
        (dict(arrow=None), TypeError, "arrow"),
        (dict(title=3), TypeError, "title"),
        (dict(ax="left"), TypeError, "ax"),
    ]:
        with pytest.raises(error, match=name):
            disp.plot(**kwargs)
    for kwargs, error, name in [
        (dict(max_positions=2.5), TypeError, "max_positions"),
        (dict(ncols=0), ValueError, "ncols"),
        (dict(figsize=(4, -1)), ValueError, "figsize"),
        (dict(figsize=4), TypeError, "figsize"),
        (dict(figsize=(4, float("nan"))), ValueError, "figsize"),
    ]:
        with pytest.raises(error, match=name):
            disp.plot_positions(**kwargs)
    few = disp.plot_positions(max_positions=np.int64(4), ncols=np.int64(2), figsize=(3, 3.5))
    assert few.axes_.shape == (2, 2) and tuple(few.figure_.get_size_inches()) == (3, 3.5)
    plt.close("all")


def test_init_only_stores_and_the_geometry_is_computed_when_read():
    disp = ConvArithmeticDisplay(3, 5)  # impossible with "valid": found when first needed
    assert disp.input_size == 3 and disp.kernel_size == 5  # as given
    assert ConvArithmeticDisplay("a", 3, padding=None).input_size == "a"  # not checked yet
    assert not hasattr(disp, "figure_")
    with pytest.raises(ValueError, match="kernel"):
        disp.output_size_  # noqa: B018
    with pytest.raises(ValueError, match="kernel"):
        ConvArithmeticDisplay.from_params(3, 5)  # computes at once
    pooled = ConvArithmeticDisplay(6, 2, strides=None)
    assert pooled.strides is None  # stored as given ...
    assert pooled.output_size_ == (3, 3) and pooled.strides == (2, 2)  # ... then resolved


def test_from_params_and_from_result_match_the_constructor():
    from vizcnn.arithmetic import conv_geometry

    eager = ConvArithmeticDisplay.from_params(7, 4, padding="same")
    lazy = ConvArithmeticDisplay(7, 4, padding="same")
    assert eager.padding_ == lazy.padding_ == ((1, 2), (1, 2))
    assert eager.output_size_ == lazy.output_size_ == (7, 7)
    rows, cols = conv_geometry((8, 9), (3, 3), strides=(2, 2))
    built = ConvArithmeticDisplay.from_result(rows, cols)
    assert built.input_size == (8, 9) and built.output_size_ == (3, 4)
    assert built.plot(position=(2, 3)).position_ == (2, 3)
    with pytest.raises(TypeError, match="rows must be an AxisGeometry"):
        ConvArithmeticDisplay.from_result((8, 3), cols)
    plt.close("all")
