"""FeatureMapExplorer: driven by setting .value, checked by what it drew and wrote."""

import numeric
import numpy as np
import pytest

import vizcnn as vz
import vizcnn.inspection as inspection

# the real function, taken before any test patches inspection.feature_maps (vz.feature_maps
# resolves lazily, so first touching it under a patch would keep the patch)
from vizcnn.inspection import feature_maps

PNG = b"\x89PNG"


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


@pytest.fixture
def computed(monkeypatch):
    """The layer names the explorer computes feature maps for, in order (real maps)."""
    calls, real = [], inspection.feature_maps

    def counting(model, x, layer, **kwargs):
        calls.append(layer.name)
        return real(model, x, layer, **kwargs)

    monkeypatch.setattr(inspection, "feature_maps", counting)
    return calls


def drawn(explorer):
    """The panels drawn now, stacked like feature maps (H, W, panels)."""
    n = len(explorer.channels)
    return np.stack([explorer.display_.panel(i) for i in range(n)], axis=-1)


def test_offers_only_spatial_layers_and_draws_the_first(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8)
    assert explorer.layer_dropdown.options == ("conv1", "pool1", "conv2")
    maps = feature_maps(model, images, "conv1")
    np.testing.assert_allclose(drawn(explorer), maps[0, ..., :8], rtol=1e-6)
    assert explorer.picture.value[:4] == PNG
    assert "conv1" in explorer.status_html.value
    assert "channels 0&ndash;7" in explorer.status_html.value
    assert explorer.error is None
    assert repr(explorer) == "FeatureMapExplorer(layer 'conv1', image 0, channels from 0)"


def test_image_and_channel_sliders_update_in_place(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8, labels=list("abcd"))
    image_artist, before = explorer.display_.image_, explorer.picture.value
    explorer.image_slider.value = 2
    explorer.first_channel_slider.value = 12
    assert explorer.display_.image_ is image_artist  # same artist: updated, not rebuilt
    assert explorer.channels == list(range(12, 20))
    assert explorer.first_channel_slider.max == 20 - 8
    maps = feature_maps(model, images, "conv1")
    np.testing.assert_allclose(drawn(explorer), maps[2, ..., 12:20], rtol=1e-6)
    assert explorer.display_.titles_[0].get_text() == "ch 12"  # the layer: in the title
    assert explorer.display_.ax_.get_title() == "conv1: 8 feature maps, 8x8"
    assert "image 2: c" in explorer.status_html.value
    assert explorer.picture.value != before
    assert repr(explorer) == "FeatureMapExplorer(layer 'conv1', image 2, channels from 12)"


def test_changing_layer_redraws_with_the_new_size(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8)
    explorer.first_channel_slider.value = 5
    explorer.layer_dropdown.value = "conv2"
    assert explorer.error is None
    assert explorer.first_channel_slider.max == 0 and explorer.channels == list(range(6))
    maps = feature_maps(model, images, "conv2")
    assert explorer.display_.panel(0).shape == (4, 4)
    np.testing.assert_allclose(drawn(explorer), maps[0], rtol=1e-6)
    assert "6 feature maps of 4&times;4" in explorer.status_html.value


def test_feature_maps_are_computed_once_per_layer(model, images, computed):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=8)
    assert computed == ["conv1"]
    explorer.image_slider.value = 3
    explorer.first_channel_slider.value = 4
    explorer.layer_dropdown.value = "conv2"
    explorer.layer_dropdown.value = "conv1"  # back: served from the cache
    explorer.image_slider.value = 1
    assert computed == ["conv1", "conv2"]
    # ... and the cached maps are the right ones for what the controls say (conv2's
    # 6 channels moved the first channel back to 0)
    assert explorer.channels == list(range(8))
    maps = feature_maps(model, images, "conv1")
    np.testing.assert_allclose(drawn(explorer), maps[1, ..., :8], rtol=1e-6)


def test_a_failure_is_shown_in_the_widget_not_raised(model, images, monkeypatch):
    real = inspection.feature_maps

    def broken_for_pool1(model, x, layer, **kwargs):
        if layer.name == "pool1":
            raise RuntimeError("out of memory")
        return real(model, x, layer, **kwargs)

    monkeypatch.setattr(inspection, "feature_maps", broken_for_pool1)
    explorer = vz.FeatureMapExplorer(model, images, max_maps=4)
    first_picture = explorer.picture.value

    explorer.layer_dropdown.value = "pool1"  # must not raise
    status = explorer.status_html.value
    assert "Could not compute the feature maps of layer &#x27;pool1&#x27;: out of memory" in status
    assert "Traceback" not in status and "RuntimeError" not in status
    assert explorer.error == "Could not compute the feature maps of layer 'pool1': out of memory"
    assert explorer.display_ is None  # conv1's maps are no longer shown as if pool1's
    assert explorer.picture.value not in (b"", first_picture)
    explorer.image_slider.value = 1  # still broken: the same words again, nothing raised
    assert explorer.error.endswith("out of memory")

    explorer.layer_dropdown.value = "conv2"  # a good layer: the widget works again
    assert explorer.error is None
    assert "Could not" not in explorer.status_html.value
    assert "conv2" in explorer.status_html.value
    assert explorer.picture.value[:4] == PNG and explorer.picture.value != first_picture
    maps = feature_maps(model, images, "conv2")
    np.testing.assert_allclose(drawn(explorer), maps[1, ..., :4], rtol=1e-6)


def test_nan_feature_maps_are_a_warning_not_a_blank_figure(model, images):
    kernel, bias = model.get_layer("conv2").get_weights()
    model.get_layer("conv2").set_weights([np.full_like(kernel, np.nan), bias])
    explorer = vz.FeatureMapExplorer(model, images, max_maps=4)
    assert explorer.error is None  # conv1 is fine
    explorer.layer_dropdown.value = "conv2"
    assert "NaN or infinite" in explorer.error and "'conv2'" in explorer.error
    assert "NaN or infinite" in explorer.status_html.value
    assert explorer.display_ is None
    explorer.layer_dropdown.value = "pool1"
    assert explorer.error is None and explorer.display_ is not None


def test_layers_by_object_and_nested_key(nested_cnn, batch):
    explorer = vz.FeatureMapExplorer(
        nested_cnn, batch, layers=[nested_cnn.get_layer("outer_conv"), "block/inner_conv"]
    )
    assert explorer.layer_dropdown.options == ("outer_conv", "inner_conv")
    explorer.layer_dropdown.value = "inner_conv"
    assert explorer.error is None
    maps = feature_maps(nested_cnn, batch, "inner_conv")
    np.testing.assert_allclose(drawn(explorer), maps[0], rtol=1e-6)


def test_default_layers_include_nested_ones(nested_cnn, batch):
    explorer = vz.FeatureMapExplorer(nested_cnn, batch)
    assert explorer.layer_dropdown.options == ("outer_conv", "inner_conv", "inner_relu")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layers": ["dense"]}, ValueError, r"layers \['dense'\] are not spatial layers"),
        ({"layers": ["nope"]}, ValueError, r"layers\[0\]='nope' is not a layer"),
        ({"layers": [3]}, TypeError, r"layers\[0\] must be a layer name"),
        ({"layers": "conv1"}, TypeError, "layers must be a list"),
        ({"layers": []}, ValueError, "layers is empty"),
        ({"labels": ["a"]}, ValueError, r"one caption per image \(4\), got 1"),
        ({"labels": "abcd"}, TypeError, "labels must be a sequence"),
        ({"max_maps": 0}, ValueError, "max_maps must be"),
        ({"max_maps": 2.0}, TypeError, "max_maps must be an int"),
        ({"max_maps": True}, TypeError, "max_maps must be an int"),
    ],
)
def test_bad_arguments(model, images, kwargs, error, match):
    with pytest.raises(error, match=match):
        vz.FeatureMapExplorer(model, images, **kwargs)


def test_numpy_integers_are_accepted(model, images):
    explorer = vz.FeatureMapExplorer(model, images, max_maps=np.int64(3))
    assert explorer.max_maps == 3 and explorer.channels == [0, 1, 2]


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros((2, 8, 8, 1)), ValueError, "images has 1 channels"),
        (np.zeros((8, 8, 3)), ValueError, "images must be a batch"),
        (np.zeros((0, 8, 8, 3)), ValueError, "images is empty"),
        (np.full((1, 8, 8, 3), np.nan), ValueError, "images holds 192 NaN"),
    ],
)
def test_bad_images(model, bad, error, match):
    with pytest.raises(error, match=match):
        vz.FeatureMapExplorer(model, bad)


def test_bad_model():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.FeatureMapExplorer("model", np.zeros((1, 8, 8, 3)))


def test_model_without_spatial_layers(keras):
    dense = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="has no layer with"):
        vz.FeatureMapExplorer(dense, np.zeros((1, 8, 8, 3)))


def test_many_images_keep_a_bounded_cache(model, monkeypatch):
    """Maps are computed for blocks of images around the one shown, and the cache is
    capped: 5,000 images used to keep every layer's maps of every image (4.2 GB)."""
    import vizcnn.widgets.feature_map as module

    many = np.random.default_rng(3).random((40, 8, 8, 3), dtype=np.float32)
    per_image = feature_maps(model, many[:1], "conv1")[0].nbytes  # 8 * 8 * 20 * 4 bytes
    # blocks of 5 images once the size is known, at most 3 blocks' worth cached
    monkeypatch.setattr(module, "_BLOCK_BYTES", 5 * per_image, raising=False)
    monkeypatch.setattr(module, "_CACHE_BYTES", 15 * per_image, raising=False)
    sizes, real = [], inspection.feature_maps

    def counting(model, x, layer, **kwargs):
        sizes.append(len(x))
        return real(model, x, layer, **kwargs)

    monkeypatch.setattr(inspection, "feature_maps", counting)
    explorer = vz.FeatureMapExplorer(model, many, max_maps=4)
    reference = feature_maps(model, many, "conv1")
    # blocks of 5 against a batch of 40: another oneDNN kernel may sum in another order
    close = numeric.conv_layer(many, model.get_layer("conv1").get_weights()[0])
    for index in (0, 9, 17, 39, 23, 2):
        explorer.image_slider.value = index
        np.testing.assert_allclose(drawn(explorer), reference[index, ..., :4], **close)
        cached = sum(maps.nbytes for maps in explorer._maps.values())
        assert cached <= 15 * per_image + 8 * per_image  # the cap, plus the newest block
    assert max(sizes) <= 8 < len(many)  # never every image at once
    explorer.image_slider.value = 1  # in the block of image 2, computed last: no new call
    assert len(sizes) == 6
