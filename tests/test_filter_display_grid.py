"""FilterDisplay's grid layout (one input channel) and its ``filter_indices`` option."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz


def _kernel(c_in=1, c_out=64, size=7, seed=0):
    return np.random.default_rng(seed).normal(size=(size, size, c_in, c_out)).astype("float32")


def _colorbar_axes(display):
    others = [ax for ax in display.figure_.axes if ax is not display.ax_]
    assert len(others) == 1, others
    return others[0]


def test_one_input_channel_is_drawn_as_a_near_square_grid():
    kernel = _kernel()
    display = vz.FilterDisplay(kernel, layer_name="conv1").plot()
    assert display.mode_ == "grid"
    assert (display.mosaic_.nrows, display.mosaic_.ncols) == (8, 8)
    np.testing.assert_array_equal(display.filter_indices_, np.arange(64))
    for i in (0, 9, 63):
        np.testing.assert_array_equal(display.panel(i), kernel[:, :, 0, i])
    assert [t.get_text() for t in display.ax_.texts] == [str(f) for f in range(64)]
    assert "conv1" in display.ax_.get_title()


def test_grid_respects_ncols():
    display = vz.FilterDisplay(_kernel()).plot(ncols=16)
    assert (display.mosaic_.nrows, display.mosaic_.ncols) == (4, 16)
    np.testing.assert_array_equal(display.panel(17), _kernel()[:, :, 0, 17])  # row 1, col 1


def test_grid_has_one_symmetric_scale_and_a_weight_colour_bar():
    kernel = _kernel(c_out=10)
    kernel[2, 3, 0, 4] = 5.0  # the largest |weight|, positive: the scale must still be signed
    display = vz.FilterDisplay(kernel).plot()
    limit = np.abs(kernel).max()
    assert display.image_.get_clim() == pytest.approx((-limit, limit))
    assert _colorbar_axes(display).get_ylabel() == "weight"


def test_grid_scale_covers_only_the_drawn_filters():
    kernel = _kernel(c_out=10)
    kernel[..., 7] *= 100  # a huge filter that is not drawn must not wash out the rest
    indices = [3, 0, 9]
    display = vz.FilterDisplay(kernel).plot(filter_indices=indices)
    limit = np.abs(kernel[:, :, 0, indices]).max()
    assert display.image_.get_clim() == pytest.approx((-limit, limit))


def test_grid_without_colour_bar():
    display = vz.FilterDisplay(_kernel(c_out=4)).plot(colorbar=False)
    assert display.figure_.axes == [display.ax_]


def test_filter_indices_are_drawn_in_order_and_labelled_with_original_indices():
    kernel = _kernel()
    order = np.array([42, 7, 63, 0, 18])
    display = vz.FilterDisplay(kernel).plot(filter_indices=order)
    np.testing.assert_array_equal(display.filter_indices_, order)
    assert display.mosaic_.nrows * display.mosaic_.ncols >= 5
    for i, f in enumerate(order):
        np.testing.assert_array_equal(display.panel(i), kernel[:, :, 0, f])
    assert [t.get_text() for t in display.ax_.texts] == ["42", "7", "63", "0", "18"]
    assert "5 of 64" in display.ax_.get_title()


def test_max_filters_limits_the_given_indices():
    display = vz.FilterDisplay(_kernel()).plot(filter_indices=[5, 4, 3, 2], max_filters=2)
    np.testing.assert_array_equal(display.filter_indices_, [5, 4])
    assert [t.get_text() for t in display.ax_.texts] == ["5", "4"]


def test_filter_indices_in_channels_mode():
    kernel = _kernel(c_in=4, c_out=6, size=3)
    display = vz.FilterDisplay(kernel).plot(filter_indices=(5, 1), max_channels=2)
    assert display.mode_ == "channels"
    np.testing.assert_array_equal(display.panel(0), kernel[:, :, 0, 5])
    np.testing.assert_array_equal(display.panel(3), kernel[:, :, 1, 1])  # filter 1, channel 1
    labels = [t.get_text() for t in display.ax_.texts]
    assert labels == ["in 0", "in 1", "filter 5", "filter 1"]
    limit = np.abs(kernel[:, :, :2, [5, 1]]).max()
    assert display.image_.get_clim() == pytest.approx((-limit, limit))


def test_filter_indices_in_rgb_mode():
    kernel = _kernel(c_in=3, c_out=6, size=3)
    display = vz.FilterDisplay(kernel).plot(filter_indices=[4, 1])
    assert display.mode_ == "rgb"
    limit = np.abs(kernel[..., [4, 1]]).max()
    np.testing.assert_allclose(display.panel(0), 0.5 + kernel[..., 4] / (2 * limit), rtol=1e-6)
    assert [t.get_text() for t in display.ax_.texts] == ["4", "1"]


def test_grid_mode_draws_one_channel_of_a_deeper_kernel():
    kernel = _kernel(c_in=3, c_out=8, size=3)
    display = vz.FilterDisplay(kernel).plot(mode="grid", channel=2)
    assert display.mode_ == "grid"
    for i in range(8):
        np.testing.assert_array_equal(display.panel(i), kernel[:, :, 2, i])
    limit = np.abs(kernel[:, :, 2]).max()
    assert display.image_.get_clim() == pytest.approx((-limit, limit))
    assert "input channel 2 of 3" in display.ax_.get_title()
    default = vz.FilterDisplay(kernel).plot(mode="grid")
    np.testing.assert_array_equal(default.panel(1), kernel[:, :, 0, 1])


def test_grid_figure_is_compact():
    display = vz.FilterDisplay(_kernel()).plot()
    width, height = display.figure_.get_size_inches() * display.figure_.dpi
    assert width < 800 and height < 800
    old = vz.FilterDisplay(_kernel()).plot(mode="channels")  # one column of 64 rows
    assert height < old.figure_.get_size_inches()[1] * old.figure_.dpi / 2


def test_grid_on_existing_axes():
    fig, ax = plt.subplots()
    display = vz.FilterDisplay(_kernel(c_out=5)).plot(ax=ax)
    assert display.figure_ is fig and display.ax_ is ax
    assert ax.get_images() == [display.image_]


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ([0, 64], ValueError, r"filter_indices\[1\] must be in 0\.\.63"),
        ([-1], ValueError, r"filter_indices\[0\] must be >= 0"),
        ([3, 5, 3], ValueError, "filter_indices must not repeat a filter, but 3"),
        ([], ValueError, "filter_indices must name at least one filter"),
        (np.array([], dtype=int), ValueError, "filter_indices must name at least one filter"),
        ([1.0, 2.0], TypeError, r"filter_indices\[0\] must be an int"),
        (np.array([1.5]), TypeError, r"filter_indices\[0\] must be an int"),
        (["1", "2"], TypeError, r"filter_indices\[0\] must be an int"),
        ("12", TypeError, "filter_indices must be a sequence"),
        (3, TypeError, "filter_indices must be a sequence"),
        ({1, 2}, TypeError, "filter_indices must be a sequence"),
        ([True, False], TypeError, r"filter_indices\[0\] must be an int"),
        (np.array([[1, 2]]), ValueError, "filter_indices must be a 1-D sequence"),
    ],
)
def test_bad_filter_indices(value, error, match):
    with pytest.raises(error, match=match):
        vz.FilterDisplay(_kernel()).plot(filter_indices=value)


def test_numpy_filter_indices_are_accepted():
    display = vz.FilterDisplay(_kernel(c_out=6)).plot(filter_indices=np.array([5, 0], np.int64))
    np.testing.assert_array_equal(display.filter_indices_, [5, 0])
    display = vz.FilterDisplay(_kernel(c_out=6)).plot(filter_indices=range(2, 4))
    np.testing.assert_array_equal(display.filter_indices_, [2, 3])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "grid", "channel": 3}, ValueError, r"channel must be in 0\.\.2"),
        ({"mode": "grid", "channel": -1}, ValueError, "channel must be >= 0"),
        ({"mode": "grid", "channel": 1.0}, TypeError, "channel must be an int"),
        ({"channel": 1}, ValueError, "pass mode='grid'"),  # auto draws RGB patches here
        ({"mode": "channels", "channel": 1}, ValueError, "pass mode='grid'"),
    ],
)
def test_bad_channel(kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.FilterDisplay(_kernel(c_in=3, c_out=4, size=3)).plot(**kwargs)
