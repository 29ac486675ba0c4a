"""FilterDisplay and FeatureMapDisplay: what they draw, and how they refuse bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import vizcnn as vz


def test_rgb_filters_are_colour_patches_on_one_scale(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(5, 3, name="first")])
    display = vz.FilterDisplay.from_model(model, layer="first")
    kernel = vz.filters(model, "first")
    assert display.mode_ == "rgb"
    assert len(display.images_) == 5
    drawn = np.stack([np.asarray(im.get_array()) for im in display.images_], axis=-1)
    assert drawn.shape == (3, 3, 3, 5)
    # grey (0.5) is a zero weight; the largest |weight| reaches 0 or 1
    np.testing.assert_allclose(drawn, 0.5 + kernel / (2 * np.abs(kernel).max()), rtol=1e-6)
    assert display.axes_.flat[0].get_title() == "0"
    assert "first" in display.figure_._suptitle.get_text()
    assert display.figure_ is display.axes_.flat[0].figure


def test_deeper_filters_are_drawn_per_input_channel(tiny_cnn):
    display = vz.FilterDisplay.from_model(tiny_cnn, layer="conv2", max_filters=2, max_channels=3)
    assert display.mode_ == "channels"
    assert display.axes_.shape == (2, 3)
    kernel = vz.filters(tiny_cnn, "conv2")
    np.testing.assert_array_equal(display.images_[0].get_array(), kernel[:, :, 0, 0])
    np.testing.assert_array_equal(display.images_[4].get_array(), kernel[:, :, 1, 1])
    limit = np.abs(kernel[:, :, :3, :2]).max()
    assert display.images_[0].get_clim() == pytest.approx((-limit, limit))
    assert display.axes_[0, 2].get_title() == "in 2"
    assert display.axes_[1, 0].get_ylabel() == "filter 1"


def test_filter_display_from_layer_and_existing_axes(tiny_cnn):
    fig, axes = plt.subplots(2, 2)
    display = vz.FilterDisplay.from_layer(
        tiny_cnn.get_layer("conv1"), ax=axes, mode="channels", max_filters=1, max_channels=3
    )
    assert display.figure_ is fig
    assert len(display.images_) == 3
    assert not axes[1, 1].get_visible()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_filters": 0}, ValueError, "max_filters must be >= 1"),
        ({"mode": "hsv"}, ValueError, "mode must be"),
        ({"mode": "rgb"}, ValueError, "needs 3 input channels"),
        ({"max_channels": 1.5}, TypeError, "max_channels must be an int"),
    ],
)
def test_filter_display_bad_options(tiny_cnn, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.FilterDisplay.from_model(tiny_cnn, layer="conv2", **kwargs)


def test_filter_display_rejects_non_4d_kernels():
    with pytest.raises(ValueError, match="kernels must be shaped"):
        vz.FilterDisplay(np.zeros((3, 3, 3)))


def test_feature_maps_share_one_colour_scale(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv1", image_index=1)
    maps = vz.feature_maps(tiny_cnn, batch, "conv1")[1]
    assert len(display.images_) == 4
    for channel, image in enumerate(display.images_):
        np.testing.assert_allclose(image.get_array(), maps[..., channel], rtol=1e-6)
        assert image.get_clim() == pytest.approx((0.0, maps.max()))  # ReLU: non-negative
    assert display.axes_.flat[2].get_title() == "conv1 ch 2"
    assert "conv1" in display.figure_._suptitle.get_text()


def test_signed_maps_use_a_symmetric_scale(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2")
    limit = np.abs(vz.feature_maps(tiny_cnn, batch, "conv2")[0]).max()
    assert display.vmin_ == pytest.approx(-limit) and display.vmax_ == pytest.approx(limit)
    assert display.images_[0].get_cmap().name == "RdBu_r"


def test_own_scale_per_map_when_asked(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(
        tiny_cnn, batch, layer="conv1", shared_scale=False, colorbar=False
    )
    maps = vz.feature_maps(tiny_cnn, batch, "conv1")[0]
    for channel, image in enumerate(display.images_):
        assert image.get_clim()[1] == pytest.approx(maps[..., channel].max() or 1.0)


def test_max_maps_and_chosen_channels(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2", max_maps=2)
    assert len(display.images_) == 2
    picked = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2", channels=[5, 1])
    assert [ax.get_title() for ax in picked.axes_.flat[:2]] == ["conv2 ch 5", "conv2 ch 1"]


def test_feature_map_display_in_nested_model(nested_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(nested_cnn, batch, layer="inner_conv", max_maps=3)
    assert display.images_[0].get_array().shape == (6, 6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer": "conv1", "max_maps": 0}, ValueError, "max_maps must be >= 1"),
        ({"layer": "conv1", "channels": [9]}, ValueError, r"channels \[9\] are out of range"),
        ({"layer": "dense"}, ValueError, "need a spatial layer"),
        ({"layer": "conv1", "image_index": 5}, ValueError, "image_index must be in"),
        ({"layer": "nope"}, ValueError, "close names"),
    ],
)
def test_feature_map_display_bad_input(tiny_cnn, batch, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.FeatureMapDisplay.from_model(tiny_cnn, batch, **kwargs)


def test_feature_map_display_needs_one_image_of_maps():
    with pytest.raises(ValueError, match=r"maps must be one image's feature maps"):
        vz.FeatureMapDisplay(np.zeros((2, 4, 4, 3)))


def test_set_style_and_save_fig(tmp_path, tiny_cnn, batch):
    import matplotlib as mpl

    vz.set_style()
    assert mpl.rcParams["image.interpolation"] == "nearest"
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv1")
    path = vz.save_fig(display, tmp_path / "sub" / "maps.png")
    assert path.exists() and path.stat().st_size > 1000
    with pytest.raises(TypeError, match="fig must be"):
        vz.save_fig("figure", tmp_path / "x.png")
