"""vz.show_images / ImageGridDisplay: what was drawn, and how bad input is refused."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz
from vizcnn.display import ImageGridDisplay


def visible(display):
    return [ax for ax in display.axes_.flat if ax.get_visible()]


def test_grey_uint8_batch_on_a_fixed_0_255_scale():
    images = np.random.default_rng(0).integers(0, 200, (4, 28, 28), dtype=np.uint8)
    display = vz.show_images(images, titles=["a", "b", "c", "d"])
    assert isinstance(display, ImageGridDisplay)
    assert display.axes_.shape == (1, 4)
    assert len(visible(display)) == 4
    assert [t.get_text() for t in display.titles_] == ["a", "b", "c", "d"]
    assert [ax.get_title() for ax in display.axes_.flat] == ["a", "b", "c", "d"]
    for drawn, image in zip(display.images_, images, strict=True):
        np.testing.assert_array_equal(drawn.get_array(), image)
        assert drawn.get_cmap().name == "gray"
        assert drawn.get_clim() == (0, 255)  # pixel values, not stretched per image
    assert not display.axes_[0, 0].axison  # no ticks, no frame
    assert display.figure_ is display.axes_[0, 0].figure


def test_one_channel_floats_are_squeezed_and_scaled_per_image():
    images = np.random.default_rng(1).random((3, 5, 7, 1)).astype("float32")
    display = vz.show_images(images)
    for drawn, image in zip(display.images_, images, strict=True):
        assert drawn.get_array().shape == (5, 7)
        assert drawn.get_clim() == pytest.approx((image.min(), image.max()))
    assert [t.get_text() for t in display.titles_] == ["", "", ""]


def test_rgb_images_ignore_the_colour_map():
    images = np.random.default_rng(2).random((2, 6, 9, 3))
    display = vz.show_images(images, cmap="viridis")
    assert [d.get_array().shape for d in display.images_] == [(6, 9, 3), (6, 9, 3)]
    np.testing.assert_allclose(display.images_[1].get_array(), images[1])


def test_a_list_of_images_of_different_sizes_and_kinds():
    rgb = np.random.default_rng(3).random((70, 120, 3))
    grey = np.arange(12.0).reshape(3, 4)
    single = np.ones((5, 5, 1), dtype=np.uint8)
    display = vz.show_images(
        [rgb, grey, single], titles=["rgb", "grey", None], cmap="viridis", vmin=0, vmax=20
    )
    shapes = [d.get_array().shape for d in display.images_]
    assert shapes == [(70, 120, 3), (3, 4), (5, 5)]
    assert display.images_[1].get_cmap().name == "viridis"
    assert display.images_[1].get_clim() == (0, 20)
    assert display.images_[2].get_clim() == (0, 20)  # given limits win over uint8's
    assert [t.get_text() for t in display.titles_] == ["rgb", "grey", ""]


def test_a_batch_of_tiny_images_is_not_taken_for_one_image():
    kernels = np.random.default_rng(4).normal(size=(8, 3, 3))  # eight 3x3 filters
    assert len(vz.show_images(kernels).images_) == 8


def test_masked_pixels_are_left_out_not_refused():
    picture = np.arange(16.0).reshape(4, 4)
    picture[1, 2] = np.nan
    cmap = mpl.colormaps["gray"].with_extremes(bad="orange")
    display = vz.show_images([np.ma.masked_invalid(picture)], cmap=cmap, vmin=0, vmax=15)
    drawn = display.images_[0].get_array()
    assert drawn.mask.sum() == 1 and drawn.mask[1, 2]
    np.testing.assert_array_equal(drawn[0], [0, 1, 2, 3])
    rgba = display.images_[0].to_rgba(drawn)
    assert tuple(rgba[1, 2]) == pytest.approx((1.0, 0.647, 0.0, 1.0), abs=1e-3)  # orange


def test_nan_error_suggests_a_mask():
    with pytest.raises(ValueError, match=r"images\[0\] holds 1 NaN") as info:
        vz.show_images([np.array([[0.0, np.nan]])])
    assert "np.ma.masked_invalid" in " ".join(info.value.__notes__)


def test_ncols_makes_rows_and_hides_empty_slots():
    display = vz.show_images(np.zeros((5, 4, 4)), ncols=np.int64(2))
    assert display.axes_.shape == (3, 2)
    assert len(visible(display)) == 5
    assert not display.axes_[2, 1].get_visible()


@pytest.mark.parametrize(
    ("shape", "grid"),
    [
        ((3, 28, 28), (1, 3)),
        ((12, 28, 28), (2, 6)),  # rows of equal length
        ((20, 28, 28), (2, 10)),  # the lessons' two examples per class
        ((6, 70, 120), (2, 3)),  # wide images: fewer per row
    ],
)
def test_default_grid(shape, grid):
    assert vz.show_images(np.zeros(shape)).axes_.shape == grid


def test_draws_into_given_axes():
    fig, axes = plt.subplots(1, 3)
    display = vz.show_images(np.zeros((2, 4, 4)), ax=axes)
    assert display.figure_ is fig
    assert display.images_[0].axes is axes[0] and display.images_[1].axes is axes[1]
    assert not axes[2].get_visible()


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        ([], {}, ValueError, "images is empty"),
        (np.zeros((0, 4, 4)), {}, ValueError, "images is empty"),
        (np.zeros((4, 4)), {}, ValueError, r"images must be a batch shaped \(N, H, W\)"),
        (np.zeros((1, 2, 4, 4, 1)), {}, ValueError, "images must be a batch"),
        (np.zeros((70, 120, 3)), {}, ValueError, "looks like one image"),
        (np.zeros((28, 28, 1)), {}, ValueError, "looks like one image"),
        (np.zeros((2, 4, 4, 2)), {}, ValueError, r"images\[0\] has 2 channels"),
        ([np.zeros((4, 4)), np.zeros(4)], {}, ValueError, r"images\[1\] must be shaped"),
        ([np.zeros((4, 4)), np.zeros((0, 4))], {}, ValueError, r"images\[1\] is empty"),
        ([np.zeros((4, 4)), np.full((4, 4), np.nan)], {}, ValueError, r"images\[1\] holds 16"),
        (np.full((2, 3, 3), np.inf), {}, ValueError, r"images\[0\] holds 9 NaN or infinite"),
        (np.full((1, 3, 3), "a"), {}, TypeError, r"images\[0\] must be a numeric array"),
        (["not an image"], {}, TypeError, r"images\[0\] must be an image array"),
        ("cat.png", {}, TypeError, "images must be an array"),
        (np.zeros((2, 4, 4)), {"titles": ["one"]}, ValueError, r"one title per image \(2\)"),
        (np.zeros((2, 4, 4)), {"titles": "ab"}, TypeError, "titles must be a sequence"),
        (np.zeros((2, 4, 4)), {"ncols": 0}, ValueError, "ncols must be"),
        (np.zeros((2, 4, 4)), {"ncols": 1.5}, TypeError, "ncols must be an int"),
        (np.zeros((2, 4, 4)), {"ncols": True}, TypeError, "ncols must be an int"),
        (np.zeros((2, 4, 4)), {"vmin": np.nan}, ValueError, "vmin must be a finite number"),
        (np.zeros((2, 4, 4)), {"ax": [None]}, TypeError, r"ax must be a matplotlib Axes"),
    ],
)
def test_bad_input(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.show_images(images, **kwargs)
