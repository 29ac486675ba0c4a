"""Numbers that cannot be trusted are refused in words, before anything runs.

NaN weights (a training that diverged) gave an all-zero Grad-CAM, inf top-patch scores and
-3.4e38 feature maps without a word; a shared layer's feature maps were its first use's.
"""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture
def cnn(keras):
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv1")(inputs)
    h = keras.layers.MaxPool2D(2, name="pool")(h)
    h = keras.layers.Conv2D(4, 3, padding="same", name="conv2")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    model = keras.Model(inputs, keras.layers.Dense(3, name="out")(h), name="cnn")
    return model


X = np.random.default_rng(0).random((4, 8, 8, 1), dtype=np.float32)


def _poison(layer, value):
    kernel, bias = layer.get_weights()
    kernel.flat[[0, 5]] = value
    layer.set_weights([kernel, bias])


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m: vz.grad_cam(m, X), id="grad_cam"),
        pytest.param(lambda m: vz.GradCamDisplay.from_model(m, X), id="GradCamDisplay"),
        pytest.param(lambda m: vz.feature_maps(m, X, "conv2"), id="feature_maps"),
        pytest.param(lambda m: vz.top_activating_patches(m, X, "conv2", 0, k=2), id="top"),
        pytest.param(lambda m: vz.inspection.channel_peaks(m, X, "conv2"), id="peaks"),
        pytest.param(
            lambda m: vz.activation_maximization(m, "conv2", 0, steps=2), id="activation_max"
        ),
    ],
)
def test_weights_not_finite_are_named(cnn, call, value):
    _poison(cnn.get_layer("conv1"), value)
    counts = "2 NaN, 0 inf" if np.isnan(value) else "0 NaN, 2 inf"
    pattern = rf"layer 'conv1' of model 'cnn' holds NaN or infinite weights \({counts}"
    with pytest.raises(ValueError, match=pattern):
        call(cnn)


def test_only_the_layers_on_the_way_count(cnn):
    """A NaN after the layer does not touch its maps; Grad-CAM reads the output, so it
    counts every layer."""
    _poison(cnn.get_layer("out"), np.nan)
    maps = vz.feature_maps(cnn, X, "conv2")
    assert np.isfinite(maps).all()
    untrusted = r"layer 'out' of model 'cnn' holds NaN or infinite weights"
    with pytest.raises(ValueError, match=untrusted):
        vz.grad_cam(cnn, X)


def test_a_shared_layer_is_refused_with_its_number_of_uses(keras):
    inputs = keras.Input((8, 8, 1))
    shared = keras.layers.Conv2D(1, 3, padding="same", name="shared")
    twice = shared(shared(inputs))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1, name="after")(twice), name="m")
    x = np.random.default_rng(1).random((2, 8, 8, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=r"layer 'shared' is used 2 times in model 'm'"):
        vz.feature_maps(model, x, "shared")
    with pytest.raises(ValueError, match=r"layer 'shared' is used 2 times"):
        vz.top_activating_patches(model, x, "shared", 0, k=1)
    assert vz.feature_maps(model, x, "after").shape == (2, 8, 8, 2)  # others still work
