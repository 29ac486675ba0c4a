"""feature_maps / filters on Sequential, functional and nested models, and their errors."""

import numeric
import numpy as np
import pytest

import vizcnn as vz


def test_feature_maps_match_running_the_layers_by_hand(tiny_cnn, batch):
    maps = vz.feature_maps(tiny_cnn, batch, "pool1")
    expected = tiny_cnn.get_layer("pool1")(tiny_cnn.get_layer("conv1")(batch))
    assert maps.shape == (3, 4, 4, 4)
    np.testing.assert_allclose(maps, np.asarray(expected), rtol=1e-5, atol=1e-6)


def test_feature_maps_accept_a_layer_object(tiny_cnn, batch):
    by_name = vz.feature_maps(tiny_cnn, batch, "conv2")
    by_object = vz.feature_maps(tiny_cnn, batch, tiny_cnn.get_layer("conv2"))
    np.testing.assert_array_equal(by_name, by_object)


def test_feature_maps_inside_a_nested_model(nested_cnn, batch):
    maps = vz.feature_maps(nested_cnn, batch, "inner_relu")
    block = nested_cnn.get_layer("block")
    expected = block(nested_cnn.get_layer("outer_conv")(batch))
    assert maps.shape == (3, 6, 6, 5)
    assert (maps >= 0).all()
    np.testing.assert_allclose(maps, np.asarray(expected), rtol=1e-5, atol=1e-6)


def test_feature_maps_in_chunks_equal_one_pass(tiny_cnn):
    x = np.random.default_rng(1).random((7, 8, 8, 3), dtype=np.float32)
    np.testing.assert_allclose(  # chunks of 2 and one batch of 7: other kernels, same sums
        vz.feature_maps(tiny_cnn, x, "conv1", batch_size=2),
        vz.feature_maps(tiny_cnn, x, "conv1"),
        **numeric.conv_layer(x, tiny_cnn.get_layer("conv1").kernel),
    )


def test_feature_maps_build_a_sequential_without_input(keras, batch):
    model = keras.Sequential([keras.layers.Conv2D(2, 3, name="c")])
    assert vz.feature_maps(model, batch, "c").shape == (3, 6, 6, 2)


def test_filters_are_the_layer_kernel(tiny_cnn):
    kernel = vz.filters(tiny_cnn, "conv2")
    assert kernel.shape == (3, 3, 4, 6)
    np.testing.assert_array_equal(kernel, np.asarray(tiny_cnn.get_layer("conv2").kernel))
    np.testing.assert_array_equal(vz.filters(tiny_cnn.get_layer("conv2")), kernel)


def test_filters_in_nested_model(nested_cnn):
    assert vz.filters(nested_cnn, "inner_conv").shape == (3, 3, 4, 5)


def test_unknown_layer_lists_close_names(tiny_cnn, batch):
    with pytest.raises(
        ValueError,
        match=r"layer=.conv3. is not a layer of model .tiny_cnn.; close names: conv2, conv1",
    ):
        vz.feature_maps(tiny_cnn, batch, "conv3")


def test_foreign_layer_object_is_rejected(tiny_cnn, nested_cnn, batch):
    with pytest.raises(ValueError, match="not part of model"):
        vz.feature_maps(tiny_cnn, batch, nested_cnn.get_layer("outer_conv"))


def test_layer_of_wrong_type(tiny_cnn, batch):
    with pytest.raises(TypeError, match="layer must be a layer name"):
        vz.feature_maps(tiny_cnn, batch, 3)


def test_layer_without_kernel(tiny_cnn):
    with pytest.raises(ValueError, match=r"'pool1' \(MaxPooling2D\) has no kernel"):
        vz.filters(tiny_cnn, "pool1")


def test_dense_kernel_is_not_a_filter(tiny_cnn):
    with pytest.raises(ValueError, match="2-D convolution"):
        vz.filters(tiny_cnn, "dense")


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((8, 8, 3)), ValueError, r"x must be a batch .* got shape \(8, 8, 3\)"),
        (np.zeros((2, 8, 8, 1)), ValueError, "x has 1 channels but model 'tiny_cnn' expects 3"),
        (np.zeros((2, 9, 8, 3)), ValueError, "spatial shape"),
        (np.array([["a"]]), TypeError, "x must be a numeric array"),
    ],
)
def test_bad_batches(tiny_cnn, x, error, match):
    with pytest.raises(error, match=match):
        vz.feature_maps(tiny_cnn, x, "conv1")


def test_empty_model(keras, batch):
    with pytest.raises(ValueError, match="model is empty"):
        vz.feature_maps(keras.Sequential([]), batch, "c")


def test_not_a_model(batch):
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        vz.feature_maps("model", batch, "c")


def test_filters_argument_errors(tiny_cnn):
    with pytest.raises(ValueError, match="layer is required"):
        vz.filters(tiny_cnn)
    with pytest.raises(ValueError, match="layer must be None"):
        vz.filters(tiny_cnn.get_layer("conv1"), "conv1")
    with pytest.raises(TypeError, match="layer_or_model must be"):
        vz.filters(np.zeros(3))


def test_outer_inner_keys_work_as_layer_everywhere(keras, batch):
    """Where a nested layer's name repeats, receptive_fields keys it "outer/inner"; that
    key is a valid ``layer=`` for every function that takes a layer."""

    def block(name):
        return keras.Sequential(
            [keras.Input((8, 8, 3)), keras.layers.Conv2D(3, 3, padding="same", name="conv")],
            name=name,
        )

    keras.utils.set_random_seed(2)
    inputs = keras.Input((8, 8, 3))
    outputs = block("second")(block("first")(inputs))
    model = keras.Model(inputs, outputs, name="twice")
    keys = list(vz.receptive_fields(model))
    assert "first/conv" in keys and "second/conv" in keys
    second = model.get_layer("second").get_layer("conv")
    assert vz.inspection.find_layer(model, "second/conv")[-1] is second
    np.testing.assert_allclose(
        vz.feature_maps(model, batch, "second/conv"), vz.feature_maps(model, batch, second)
    )
    np.testing.assert_array_equal(vz.filters(model, "second/conv"), vz.filters(second))
    assert vz.empirical_receptive_field(model, "second/conv").sum() == 25  # two 3x3: 5x5
    assert vz.empirical_receptive_field(model, "first/conv").sum() == 9
    np.testing.assert_allclose(
        vz.effective_receptive_field(model, batch, "second/conv"),
        vz.effective_receptive_field(model, batch, second),
    )
    display = vz.FeatureMapDisplay.from_model(model, batch, layer="second/conv")
    assert display.layer_name == "conv"
    field = vz.ReceptiveFieldDisplay.from_model(model, batch[0], layer="second/conv")
    assert field.field.size == (5, 5)


def test_a_name_used_twice_is_an_error_naming_the_paths(keras):
    def block(name):
        return keras.Sequential(
            [keras.Input((8, 8, 3)), keras.layers.Conv2D(3, 3, padding="same", name="conv")],
            name=name,
        )

    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, block("b")(block("a")(inputs)))
    with pytest.raises(ValueError, match="names 2 layers .* a/conv, b/conv"):
        vz.inspection.find_layer(model, "conv")


# --------------------------------------------------------------------------- careless inputs


def test_channels_first_is_refused_before_running(keras, batch):
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, data_format="channels_first", name="c")]
    )
    with pytest.raises(ValueError, match=r"layer 'c' .* uses data_format='channels_first'"):
        vz.feature_maps(model, batch, "c")


@pytest.mark.parametrize(
    ("window", "layer", "pattern"),
    [
        ("MaxPool2D", "after", r"'pool' \(MaxPooling2D, pool_size \(9, 9\)\)"),
        ("AveragePooling2D", "pool", r"'pool' \(AveragePooling2D, pool_size \(9, 9\)\)"),
        ("Conv2D", "pool", r"'pool' \(Conv2D, kernel_size \(9, 9\)\)"),
    ],
)
def test_a_window_larger_than_its_input_names_the_layer_and_sizes(keras, window, layer, pattern):
    make = getattr(keras.layers, window)
    first = make(2, 9, name="pool") if window == "Conv2D" else make(9, name="pool")
    model = keras.Sequential(
        [keras.Input((None, None, 3)), first, keras.layers.Conv2D(2, 1, name="after")]
    )
    x = np.zeros((2, 6, 6, 3), dtype="float32")
    with pytest.raises(ValueError, match=pattern) as caught:
        vz.feature_maps(model, x, layer)
    assert (
        "is larger than its 6x6 input for images of 6x6 pixels (x): the smallest that fits "
        "is 9x9 pixels" in str(caught.value)
    )
    assert vz.feature_maps(model, np.zeros((1, 9, 9, 3), "float32"), layer).shape[1:3] == (1, 1)


def test_a_model_with_two_inputs_is_refused(keras, batch):
    left, right = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    both = keras.layers.Add()(
        [keras.layers.Conv2D(2, 3, name="c")(left), keras.layers.Conv2D(2, 3)(right)]
    )
    model = keras.Model([left, right], both, name="pair")
    with pytest.raises(ValueError, match="feature_maps needs a model with one image input; "):
        vz.feature_maps(model, batch, "c")


def test_an_unbuilt_convolution_is_told_to_build_first(keras):
    layer = keras.layers.Conv2D(4, 3, name="fresh")
    with pytest.raises(ValueError, match=r"layer 'fresh' \(Conv2D\) is not built yet"):
        vz.filters(layer)
    with pytest.raises(ValueError, match="not built yet"):
        vz.FilterDisplay.from_layer(layer)
    layer.build((None, 8, 8, 2))
    assert vz.filters(layer).shape == (3, 3, 2, 4)


def test_pixels_in_0_255_warn_unless_the_model_rescales(keras, tiny_cnn, batch):
    with pytest.warns(UserWarning, match=r"feature_maps: x holds uint8 pixels .*'tiny_cnn'"):
        vz.feature_maps(tiny_cnn, (batch * 255).astype("uint8"), "conv1")
    with pytest.warns(UserWarning, match=r"x holds values up to 1\.99"):
        vz.feature_maps(tiny_cnn, batch * 2, "conv1")
    rescaled = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(2, 3)]
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vz.feature_maps(rescaled, batch * 255, rescaled.layers[-1])
        vz.feature_maps(tiny_cnn, batch, "conv1")  # [0, 1]: no warning
        # preprocess_input's output (negative values, e.g. ResNet50's 'caffe' mode): no warning
        vz.feature_maps(tiny_cnn, batch * 255 - 120, "conv1")
