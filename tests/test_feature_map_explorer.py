"""FeatureMapExplorer: controls drive what is drawn; bad input is shown, not raised."""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture
def images():
    return np.random.default_rng(3).random((4, 8, 8, 3), dtype=np.float32)


@pytest.fixture
def explorer(tiny_cnn, images):
    return vz.FeatureMapExplorer(tiny_cnn, images, titles=list("abcd"), max_maps=4)


def test_lists_spatial_layers_and_draws_the_first(explorer, tiny_cnn, images):
    assert explorer.error is None
    assert list(explorer.layer.options) == ["conv1", "pool1", "conv2"]  # not gap/dense
    expected = vz.feature_maps(tiny_cnn, images, "conv1")[0]
    np.testing.assert_allclose(explorer.maps, expected[..., :4], rtol=1e-6)
    np.testing.assert_allclose(explorer.display_.panel(2), expected[..., 2], rtol=1e-6)
    assert explorer.picture.value[:4] == b"\x89PNG"
    assert explorer.ax_image_.get_title() == "image 0: a"
    assert "conv1" in explorer.info.value and "8x8x4" in explorer.info.value


def test_image_slider_updates_in_place(explorer, tiny_cnn, images):
    display, png = explorer.display_, explorer.picture.value
    explorer.image.value = 2
    assert explorer.display_ is display  # same mosaic, new data
    expected = vz.feature_maps(tiny_cnn, images, "conv1")[2]
    np.testing.assert_allclose(explorer.maps, expected[..., :4], rtol=1e-6)
    np.testing.assert_allclose(explorer.input_image_.get_array(), images[2])
    assert explorer.ax_image_.get_title() == "image 2: c"
    assert explorer.picture.value != png


def test_layer_and_channels(explorer, tiny_cnn, images):
    explorer.layer.value = "conv2"  # 4x4x6: a new layout on the same axes
    assert explorer.display_.ax_ is explorer.ax_maps_
    assert explorer.n_channels.max == 4 and explorer.first_channel.max == 6 - 4
    explorer.n_channels.value = 2
    explorer.first_channel.value = 3
    expected = vz.feature_maps(tiny_cnn, images, "conv2")[0]
    np.testing.assert_allclose(explorer.maps, expected[..., 3:5], rtol=1e-6)
    assert explorer.display_.channels == [3, 4]
    assert "channels 3 to 4" in explorer.info.value
    assert explorer.display_.ax_.get_title().startswith("conv2: channels 3-4 of 6, 4x4")
    explorer.layer.value = "conv1"  # 4 channels: sliders clamp, maps stay in range
    assert explorer.first_channel.value <= 4 - explorer.n_channels.value
    np.testing.assert_allclose(explorer.maps.shape, (8, 8, explorer.n_channels.value))


def test_nested_model_layers(nested_cnn, batch):
    explorer = vz.FeatureMapExplorer(nested_cnn, batch)
    assert list(explorer.layer.options) == ["outer_conv", "block", "inner_conv", "inner_relu"]
    explorer.layer.value = "inner_relu"
    expected = vz.feature_maps(nested_cnn, batch, "inner_relu")[0]
    np.testing.assert_allclose(explorer.maps, expected[..., : explorer.n_channels.value])


@pytest.mark.parametrize(
    ("model_is_ok", "images", "titles", "message"),
    [
        (True, np.zeros((2, 8, 8)), None, "images must be a batch"),
        (True, np.zeros((2, 8, 8, 1)), None, "1 channels"),
        (True, np.zeros((2, 8, 8, 3)), ["one"], "titles must give one caption"),
        (False, np.zeros((2, 8, 8, 3)), None, "model must be a keras.Model"),
    ],
)
def test_bad_input_is_shown(tiny_cnn, model_is_ok, images, titles, message):
    model = tiny_cnn if model_is_ok else "not a model"
    explorer = vz.FeatureMapExplorer(model, images, titles=titles)
    assert message in explorer.error
    assert "Cannot show this" in explorer.info.value
    assert explorer.image.disabled and explorer.layer.disabled
    assert explorer.display_ is None


def test_model_without_feature_maps(keras):
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
    explorer = vz.FeatureMapExplorer(model, np.zeros((1, 4, 4, 1)))
    assert "no layer with feature maps" in explorer.error


def test_max_maps_is_checked(tiny_cnn, images):
    with pytest.raises(ValueError, match="max_maps"):
        vz.FeatureMapExplorer(tiny_cnn, images, max_maps=0)
