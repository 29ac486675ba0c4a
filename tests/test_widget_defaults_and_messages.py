"""The explorers' shared base, defaults that adapt to what was given, and the words they
show where a picture alone would say nothing."""

import numpy as np
import pytest

import vizcnn as vz
import vizcnn.inspection as inspection
from vizcnn.inspection import effective_receptive_field
from vizcnn.widgets._explorer_base import ExplorerBase


@pytest.fixture
def model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv1"),
            keras.layers.Conv2D(5, 3, strides=2, padding="same", activation="relu", name="conv2"),
        ],
        name="explored",
    )


@pytest.fixture
def images():
    return np.random.default_rng(2).random((16, 12, 12, 1), dtype=np.float32)


@pytest.fixture
def erf_calls(monkeypatch):
    """The units whose effective field the explorer measures, in order (real gradients)."""
    seen = []

    def counting(model, x, layer, **kwargs):
        seen.append((layer.name, kwargs["position"]))
        return effective_receptive_field(model, x, layer, **kwargs)

    monkeypatch.setattr(inspection, "effective_receptive_field", counting)
    return seen


def test_the_three_explorers_share_one_base(model, images):
    explorers = [
        vz.PaddingStrideExplorer(check_with_keras=False),
        vz.FeatureMapExplorer(model, images[:3]),
        vz.UnitExplorer(model, images[:3]),
    ]
    for explorer in explorers:
        assert isinstance(explorer, ExplorerBase)
        assert explorer.picture.value[:4] == b"\x89PNG" and explorer.error is None


def test_k_adapts_to_fewer_images_than_its_default(model, images):
    explorer = vz.UnitExplorer(model, images[:4])
    assert explorer.k == 4 and len(explorer.top_axes) == 4
    assert len(explorer.top_patches) == 4 and explorer.error is None
    assert sorted(explorer.top_patches.indices) == [0, 1, 2, 3]
    assert vz.UnitExplorer(model, images).k == 9  # enough images: the usual 9
    with pytest.raises(ValueError, match=r"k must be in 1..4 \(images holds 4 images\), got 9"):
        vz.UnitExplorer(model, images[:4], k=9)  # asked for explicitly: still an error


def test_effective_field_waits_for_its_checkbox_and_is_cached(model, images, erf_calls):
    explorer = vz.UnitExplorer(model, images, effective_field=False)
    assert erf_calls == [] and explorer.effective_field is None
    assert not explorer.erf_artist.get_visible() and explorer._erf_message.get_visible()
    assert "effective field: not measured" in explorer.status_html.value
    explorer.row_slider.value = 2  # off: moving the unit measures nothing
    assert erf_calls == []

    explorer.effective_field_checkbox.value = True
    assert erf_calls == [("conv1", (2, 6))]
    expected = effective_receptive_field(model, images[:8], "conv1", position=(2, 6))
    np.testing.assert_allclose(explorer.effective_field, expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(explorer.erf_artist.get_array()), expected, rtol=1e-6)
    assert explorer.erf_artist.get_visible() and "not measured" not in explorer.status_html.value
    explorer.channel_slider.value = 3  # the field is per unit, not per channel: cached
    explorer.row_slider.value = 5
    explorer.row_slider.value = 2  # back to a unit measured before: cached
    assert erf_calls == [("conv1", (2, 6)), ("conv1", (5, 6))]


def test_effective_field_starts_off_on_a_model_with_many_layers(keras, images):
    deep = keras.Sequential(
        [keras.Input((12, 12, 1)), keras.layers.Conv2D(2, 3, padding="same", name="conv")]
        + [keras.layers.Activation("relu", name=f"relu{i}") for i in range(60)]
    )
    explorer = vz.UnitExplorer(deep, images[:4], layers=["conv"])
    assert not explorer.effective_field_checkbox.value and explorer.effective_field is None
    assert explorer.error is None and explorer.top_patches is not None
    small = vz.UnitExplorer(deep, images[:4], layers=["conv"], effective_field=True)
    assert small.effective_field_checkbox.value and small.effective_field is not None
    with pytest.raises(TypeError, match="effective_field"):
        vz.UnitExplorer(deep, images[:4], effective_field="yes")


def test_silent_channels_are_named_not_left_blank(keras):
    keras.utils.set_random_seed(0)
    relu = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, activation="relu", name="conv")]
    )
    kernel, _ = relu.get_layer("conv").get_weights()
    relu.get_layer("conv").set_weights([np.zeros_like(kernel), np.array([-1.0, 0.5, -1.0])])
    x = np.random.default_rng(0).random((2, 6, 6, 1), dtype=np.float32)
    explorer = vz.FeatureMapExplorer(relu, x)
    assert explorer.error is None and explorer.display_ is not None
    assert (
        explorer.note
        == "Channels 0, 2 are 0 everywhere on image 0 (a blank panel: no response to this image)."
    )
    assert "Channels 0, 2 are 0 everywhere" in explorer.status_html.value

    relu.get_layer("conv").set_weights([np.zeros_like(kernel), np.full(3, -1.0)])
    dead = vz.FeatureMapExplorer(relu, x)
    assert dead.note.startswith("Every map shown is 0 everywhere on image 0")
    assert "do not respond to this image at all" in dead.status_html.value


def test_an_empty_feature_map_is_a_clear_message(keras):
    inputs = keras.Input((None, None, 3))
    h = keras.layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    h = keras.layers.MaxPool2D(4, name="pool")(h)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="conv2")(h))
    small = np.random.default_rng(0).random((2, 3, 3, 3), dtype=np.float32)
    explorer = vz.FeatureMapExplorer(model, small)
    explorer.layer_dropdown.value = "pool"  # 3x3 images, a 4x4 window: no grid left
    assert explorer.display_ is None
    assert "'pool' (MaxPooling2D, pool_size (4, 4)) is larger than its 3x3 input" in explorer.error
    assert "Nothing drawn." in explorer.status_html.value
    explorer.layer_dropdown.value = "conv1"
    assert explorer.error is None and explorer.display_ is not None

    medium = np.random.default_rng(0).random((2, 6, 6, 3), dtype=np.float32)
    explorer = vz.FeatureMapExplorer(model, medium)
    explorer.layer_dropdown.value = "conv2"  # 1x1 after the pool: a 3x3 window cannot fit
    assert "'conv2' (Conv2D, kernel_size (3, 3)) is larger than its 1x1 input" in explorer.error
    assert "the smallest that fits is 12x12 pixels" in explorer.error
    for noise in ("\x1b", "{{function_node", "Arguments received", "Traceback"):
        assert noise not in explorer.error
    explorer.layer_dropdown.value = "pool"
    assert explorer.error is None


def test_unit_explorer_on_an_empty_grid_says_so(keras):
    inputs = keras.Input((None, None, 1))
    h = keras.layers.Conv2D(2, 3, padding="same", name="conv1")(inputs)
    model = keras.Model(inputs, keras.layers.MaxPool2D(4, name="pool")(h))
    x = np.random.default_rng(0).random((3, 3, 3, 1), dtype=np.float32)
    explorer = vz.UnitExplorer(model, x)
    explorer.layer_dropdown.value = "pool"  # must not raise
    assert explorer.error == (
        "Could not compute the feature maps of layer 'pool': layer 'pool' (MaxPooling2D, "
        "pool_size (4, 4)) is larger than its 3x3 input for images of 3x3 pixels (x): the "
        "smallest that fits is 4x4 pixels; use larger images, a smaller window or "
        "padding='same'"
    )
    assert explorer.top_patches is None and not explorer.image_axes.get_visible()
    explorer.layer_dropdown.value = "conv1"
    assert explorer.error is None and explorer.image_axes.get_visible()
