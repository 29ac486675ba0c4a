"""FeatureMapExplorer: driven by setting .value, checked by what it drew and wrote."""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture
def model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(20, 3, padding="same", activation="relu", name="conv1"),
            keras.layers.MaxPool2D(2, name="pool1"),
            keras.layers.Conv2D(6, 3, padding="same", name="conv2"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(2, name="dense"),
        ],
        name="explored",
    )


@pytest.fixture
def images():
    return np.random.default_rng(2).random((4, 8, 8, 3), dtype=np.float32)


def test_offers_only_spatial_layers_and_draws_the_first(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8)
    assert explorer.layer.options == ("conv1", "pool1", "conv2")
    maps = vz.feature_maps(model, images, "conv1")
    for panel in range(8):
        np.testing.assert_allclose(explorer.display_.panel(panel), maps[0, ..., panel], rtol=1e-6)
    assert explorer.plot.value[:4] == b"\x89PNG"
    assert "conv1" in explorer.status.value and "channels 0&ndash;7" in explorer.status.value


def test_image_and_channel_sliders_update_in_place(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8, labels=list("abcd"))
    image_artist, before = explorer.display_.image_, explorer.plot.value
    explorer.image.value = 2
    explorer.first_channel.value = 12
    assert explorer.display_.image_ is image_artist  # same artist: updated, not rebuilt
    assert explorer.channels == list(range(12, 20))
    assert explorer.first_channel.max == 20 - 8
    maps = vz.feature_maps(model, images, "conv1")
    np.testing.assert_allclose(explorer.display_.panel(3), maps[2, ..., 15], rtol=1e-6)
    assert explorer.display_.titles_[0].get_text() == "conv1 ch 12"
    assert "image 2: c" in explorer.status.value
    assert explorer.plot.value != before


def test_changing_layer_redraws_with_the_new_size(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8)
    explorer.first_channel.value = 5
    explorer.layer.value = "conv2"
    assert explorer.error is None
    assert explorer.first_channel.max == 0 and explorer.channels == list(range(6))
    maps = vz.feature_maps(model, images, "conv2")
    assert explorer.display_.panel(0).shape == (4, 4)
    np.testing.assert_allclose(explorer.display_.panel(5), maps[0, ..., 5], rtol=1e-6)
    assert "6 feature maps of 4&times;4" in explorer.status.value


def test_feature_maps_are_computed_once_per_layer(model, images, monkeypatch):
    explorer = vz.FeatureMapExplorer(model, images)
    import vizcnn.inspection as inspection

    def fail(*args, **kwargs):
        raise AssertionError("feature maps recomputed")

    monkeypatch.setattr(inspection, "feature_maps", fail)
    explorer.image.value = 3  # served from the cache


def test_a_failure_is_shown_in_the_widget_not_raised(model, images, monkeypatch):
    explorer = vz.FeatureMapExplorer(model, images)
    import vizcnn.inspection as inspection

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(inspection, "feature_maps", broken)
    explorer.layer.value = "pool1"  # not cached yet: the computation fails
    assert explorer.error == "RuntimeError: out of memory"
    assert "Could not show this" in explorer.status.value


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layers": ["dense"]}, ValueError, r"layers \['dense'\] are not spatial layers"),
        ({"labels": ["a"]}, ValueError, "labels must give one caption per image"),
        ({"max_maps": 0}, ValueError, "max_maps must be >= 1"),
    ],
)
def test_bad_arguments(model, images, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.FeatureMapExplorer(model, images, **kwargs)


def test_bad_images(model):
    with pytest.raises(ValueError, match="images has 1 channels"):
        vz.FeatureMapExplorer(model, np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match="images must be a batch"):
        vz.FeatureMapExplorer(model, np.zeros((8, 8, 3)))


def test_model_without_spatial_layers(keras):
    dense = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="has no layer with"):
        vz.FeatureMapExplorer(dense, np.zeros((1, 8, 8, 3)))
