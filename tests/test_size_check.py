"""One size check before running: every compute entry names the window that does not fit
and the smallest input that does, before TensorFlow runs.

TensorFlow's own error ("Negative dimension size ... {{node ...}}") names no layer, and on
some CPUs (oneDNN's pooling on AMX machines) an empty pooling output is an error too.
"""

import numpy as np
import pytest

import vizcnn as vz


@pytest.fixture(scope="module")
def free(keras):
    """A classifier of any image size: 3x3 valid conv, 4x4 pool, 3x3 valid conv.

    By hand: n -> n - 2 -> (n - 2) // 4 -> (n - 2) // 4 - 2 >= 1, so n >= 14.
    """
    inputs = keras.Input((None, None, 1))
    h = keras.layers.Conv2D(4, 3, name="conv1")(inputs)
    h = keras.layers.MaxPool2D(4, name="pool")(h)
    h = keras.layers.Conv2D(4, 3, name="conv2")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(h), name="free")


TOO_SMALL = r"layer 'conv2' \(Conv2D, kernel_size \(3, 3\)\) is larger than its 2x2 input"
SMALLEST = r"the smallest that fits is 14x14 pixels"


def _x(n):
    return np.random.default_rng(0).random((2, n, n, 1), dtype=np.float32)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m, x: vz.grad_cam(m, x), id="grad_cam"),
        pytest.param(lambda m, x: vz.GradCamDisplay.from_model(m, x), id="GradCamDisplay"),
        pytest.param(lambda m, x: vz.feature_maps(m, x, "conv2"), id="feature_maps"),
        pytest.param(lambda m, x: vz.top_activating_patches(m, x, "conv2", 0, k=1), id="top"),
        pytest.param(lambda m, x: vz.inspection.channel_peaks(m, x, "conv2"), id="peaks"),
        pytest.param(
            lambda m, x: vz.effective_receptive_field(m, x, "conv2"), id="effective_field"
        ),
    ],
)
def test_every_entry_names_the_layer_and_the_smallest_size(free, call):
    with pytest.raises(ValueError, match=TOO_SMALL) as info:
        call(free, _x(12))
    message = str(info.value)
    assert "images of 12x12 pixels (x)" in message
    assert "the smallest that fits is 14x14 pixels" in message
    assert "Negative dimension" not in message and "{{node" not in message


def test_the_smallest_size_does_fit(free):
    """The size the message gives runs, one less does not (checked by running)."""
    assert vz.grad_cam(free, _x(14)).shape == (2, 14, 14)
    with pytest.raises(ValueError, match=SMALLEST):
        vz.feature_maps(free, _x(13), "conv2")


def test_image_shape_and_input_size_are_named(free):
    with pytest.raises(ValueError, match=r"images of 3x3 pixels \(image_shape\)"):
        vz.activation_maximization(free, "pool", 0, steps=2, image_shape=(3, 3, 1))
    with pytest.raises(ValueError, match=r"images of 10x10 pixels \(input_size\): " + SMALLEST):
        vz.receptive_fields(free, input_size=(10, 10))
    with pytest.raises(ValueError, match=r"images of 6x6 pixels \(input_size\)"):
        vz.empirical_receptive_field(free, "conv2", input_size=(6, 6))


def test_the_pooling_that_leaves_no_grid_is_named(free):
    """A 4x4 pool on a 3x3 map: Keras returns an empty array on most CPUs, an error on
    oneDNN's AMX ones; either way it is refused before running."""
    with pytest.raises(ValueError, match=r"layer 'pool' \(MaxPooling2D, pool_size \(4, 4\)\)"):
        vz.feature_maps(free, _x(5), "pool")


def test_each_axis_gets_its_own_smallest_size(keras):
    inputs = keras.Input((None, None, 1))
    h = keras.layers.Conv2D(2, (5, 1), name="tall")(inputs)
    h = keras.layers.MaxPool2D((1, 3), name="wide")(h)
    model = keras.Model(inputs, h)
    with pytest.raises(ValueError, match=r"smallest that fits is 5x3 pixels"):
        vz.feature_maps(model, np.zeros((1, 4, 2, 1), "float32"), "wide")


def test_a_1d_model_is_told_in_steps(keras):
    inputs = keras.Input((None, 1))
    pooled = keras.layers.MaxPooling1D(8, name="pool")(keras.layers.Conv1D(2, 3, name="c")(inputs))
    model = keras.Model(inputs, pooled)
    with pytest.raises(
        ValueError, match=r"sequences of 6 steps \(x\): the smallest that fits is 10 steps"
    ):
        vz.inspection.channel_peaks(model, np.zeros((2, 6, 1), "float32"), "pool")


def test_inside_a_nested_model_the_key_is_named(keras):
    inner_in = keras.Input((None, None, 2))
    inner = keras.Model(inner_in, keras.layers.MaxPool2D(4, name="pool")(inner_in), name="inner")
    inputs = keras.Input((None, None, 1))
    model = keras.Model(inputs, inner(keras.layers.Conv2D(2, 3, name="c")(inputs)))
    x = np.zeros((1, 5, 5, 1), "float32")
    with pytest.raises(ValueError, match=r"layer 'inner/pool' .* smallest that fits is 6x6"):
        vz.feature_maps(model, x, "inner/pool")
    assert vz.feature_maps(model, x, "c").shape == (1, 3, 3, 2)  # before the pool: fine


def test_a_window_after_the_layer_does_not_stop_its_maps(free):
    """conv2 cannot fit 12x12 images, but the maps before it can be computed."""
    assert vz.feature_maps(free, _x(12), "pool").shape == (2, 2, 2, 4)
    peaks = vz.inspection.channel_peaks(free, _x(12), "conv1")
    assert peaks.grid == (10, 10)


def test_the_grad_cam_display_checks_the_size_once(free, monkeypatch):
    """GradCamDisplay.from_model predicts before it computes the maps, so it checks first;
    the maps' own function must not walk the model a second time."""
    from vizcnn.inspection import preflight

    shapes = []
    real = preflight.check_input_fits

    def counted(model, shape, **kwargs):
        shapes.append(tuple(shape))
        return real(model, shape, **kwargs)

    monkeypatch.setattr(preflight, "check_input_fits", counted)
    display = vz.GradCamDisplay.from_model(free, _x(14))
    assert display.heatmaps_.shape == (2, 14, 14)
    assert shapes == [(14, 14, 1)]
