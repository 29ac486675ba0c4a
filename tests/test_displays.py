"""FilterDisplay and FeatureMapDisplay: what they draw, and how they refuse bad input."""

import matplotlib.pyplot as plt
import numeric
import numpy as np
import pytest

import vizcnn as vz


def test_rgb_filters_are_colour_patches_on_one_scale(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(5, 3, name="first")])
    display = vz.FilterDisplay.from_model(model, layer="first")
    kernel = vz.filters(model, "first")
    assert display.mode_ == "rgb"
    drawn = np.stack([display.panel(i) for i in range(5)], axis=-1)
    assert drawn.shape == (3, 3, 3, 5)
    # grey (0.5) is a zero weight; the largest |weight| reaches 0 or 1
    np.testing.assert_allclose(drawn, 0.5 + kernel / (2 * np.abs(kernel).max()), rtol=1e-6)
    labels = [t.get_text() for t in display.ax_.texts]
    assert labels == ["0", "1", "2", "3", "4"]
    assert "first" in display.ax_.get_title()
    assert display.figure_ is display.ax_.figure


def test_deeper_filters_are_drawn_per_input_channel(tiny_cnn):
    display = vz.FilterDisplay.from_model(tiny_cnn, layer="conv2", max_filters=2, max_channels=3)
    assert display.mode_ == "channels"
    kernel = vz.filters(tiny_cnn, "conv2")
    np.testing.assert_array_equal(display.panel(0), kernel[:, :, 0, 0])
    np.testing.assert_array_equal(display.panel(4), kernel[:, :, 1, 1])  # filter 1, channel 1
    limit = np.abs(kernel[:, :, :3, :2]).max()
    assert display.image_.get_clim() == pytest.approx((-limit, limit))
    labels = [t.get_text() for t in display.ax_.texts]
    assert labels == ["in 0", "in 1", "in 2", "filter 0", "filter 1"]


def test_filter_display_from_layer_on_existing_axes(tiny_cnn):
    fig, ax = plt.subplots()
    display = vz.FilterDisplay.from_layer(
        tiny_cnn.get_layer("conv1"), ax=ax, mode="channels", max_filters=1, max_channels=3
    )
    assert display.figure_ is fig and display.ax_ is ax
    assert ax.get_images() == [display.image_]
    assert display.image_.get_array().shape == (3, 3 * 3 + 2)  # 3 panels, 1-pixel gutters


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
    with pytest.raises(ValueError, match=r"kernels must be 4-D shaped \(kh, kw, c_in, c_out\)"):
        vz.FilterDisplay.from_result(np.zeros((3, 3, 3)))


def test_feature_maps_share_one_colour_scale(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv1", image_index=1)
    maps = vz.feature_maps(tiny_cnn, batch, "conv1")[1]
    assert len(display.titles_) == 4
    # the display ran one image, this the batch: another oneDNN kernel, another sum order
    tolerance = numeric.conv_layer(batch, tiny_cnn.get_layer("conv1").kernel)
    for channel in range(4):
        np.testing.assert_allclose(display.panel(channel), maps[..., channel], **tolerance)
    assert display.image_.get_clim() == pytest.approx((0.0, maps.max()))  # ReLU: non-negative
    # the layer is named once, above the mosaic; each panel names its channel only
    assert display.titles_[2].get_text() == "ch 2"
    assert display.ax_.get_title() == "conv1: 4 feature maps, 8x8"
    texts = [t.get_text() for t in display.titles_]
    assert not any("conv1" in text for text in texts)


def test_signed_maps_use_a_symmetric_scale(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2")
    limit = np.abs(vz.feature_maps(tiny_cnn, batch, "conv2")[0]).max()
    assert display.vmin_ == pytest.approx(-limit) and display.vmax_ == pytest.approx(limit)
    assert display.image_.get_cmap().name == "RdBu_r"


def test_own_scale_per_map_when_asked(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(
        tiny_cnn, batch, layer="conv1", shared_scale=False, colorbar=False
    )
    maps = vz.feature_maps(tiny_cnn, batch, "conv1")[0]
    atol = numeric.conv_layer(batch, tiny_cnn.get_layer("conv1").kernel)["atol"]
    for channel in range(4):  # each panel scaled to its own maximum
        peak = maps[..., channel].max()
        expected = maps[..., channel] / peak if peak > 0 else maps[..., channel]
        # m' / p' - m / p: the maps' and the peak's errors, each at most atol, over p
        scaled = 2 * atol / peak if peak > 0 else atol
        np.testing.assert_allclose(display.panel(channel), expected, rtol=0, atol=scaled)
    assert display.image_.get_clim() == (0.0, 1.0)


def test_max_maps_and_chosen_channels(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2", max_maps=2)
    assert len(display.titles_) == 2
    picked = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv2", channels=[5, 1])
    assert [t.get_text() for t in picked.titles_] == ["ch 5", "ch 1"]
    maps = vz.feature_maps(tiny_cnn, batch, "conv2")[0]
    np.testing.assert_allclose(picked.panel(0), maps[..., 5], rtol=1e-6)


def test_feature_map_display_in_nested_model(nested_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(nested_cnn, batch, layer="inner_conv", max_maps=3)
    assert display.panel(0).shape == (6, 6)


def test_set_maps_updates_in_place(tiny_cnn, batch):
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv1", max_maps=2)
    image = display.image_
    other = vz.feature_maps(tiny_cnn, batch, "conv1")[2][..., [3, 0]]
    display.set_maps(other, channels=[3, 0])
    assert display.image_ is image  # same artist, new data
    np.testing.assert_allclose(display.panel(0), other[..., 0], rtol=1e-6)
    assert display.titles_[0].get_text() == "ch 3"
    assert display.ax_.get_title().startswith("conv1: ")
    display.set_maps(other, channels=[3, 0], layer_name="conv1 again")
    assert display.ax_.get_title() == "conv1 again: 2 feature maps, 8x8"
    with pytest.raises(ValueError, match="maps must keep the drawn shape"):
        display.set_maps(other[..., :1])


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
        vz.FeatureMapDisplay.from_result(np.zeros((2, 4, 4, 3)))


def test_set_style_and_save_fig(tmp_path, tiny_cnn, batch):
    import matplotlib as mpl

    vz.set_style()
    assert mpl.rcParams["image.interpolation"] == "nearest"
    display = vz.FeatureMapDisplay.from_model(tiny_cnn, batch, layer="conv1")
    path = vz.save_fig(display, tmp_path / "sub" / "maps.png")
    assert path.exists() and path.stat().st_size > 1000
    with pytest.raises(TypeError, match="fig must be"):
        vz.save_fig("figure", tmp_path / "x.png")
