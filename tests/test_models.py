"""The lessons' models and ResidualUnit: structure, shapes, save/load round trips."""

import numpy as np
import pytest

import vizcnn as vz


def _roundtrip(model, x, tmp_path):
    from vizcnn.backend import keras as _keras

    keras = _keras()
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    return loaded


# -- basic_cnn: the notes' network, layer by layer ---------------------------------------
NOTES_CNN = [
    # (class, units/filters, kernel, activation)
    ("Conv2D", 64, (7, 7), "relu"),
    ("MaxPooling2D", None, (2, 2), None),
    ("Conv2D", 128, (3, 3), "relu"),
    ("Conv2D", 128, (3, 3), "relu"),
    ("MaxPooling2D", None, (2, 2), None),
    ("Conv2D", 256, (3, 3), "relu"),
    ("Conv2D", 256, (3, 3), "relu"),
    ("MaxPooling2D", None, (2, 2), None),
    ("Flatten", None, None, None),
    ("Dense", 128, None, "relu"),
    ("Dropout", None, None, None),
    ("Dense", 64, None, "relu"),
    ("Dropout", None, None, None),
    ("Dense", 10, None, "softmax"),
]


def test_basic_cnn_matches_the_notes_layer_by_layer():
    model = vz.models.basic_cnn()
    assert len(model.layers) == len(NOTES_CNN)
    for layer, (cls, size, kernel, activation) in zip(model.layers, NOTES_CNN, strict=True):
        assert type(layer).__name__ == cls, layer.name
        config = layer.get_config()
        if cls == "Conv2D":
            assert config["filters"] == size
            assert tuple(config["kernel_size"]) == kernel
            assert config["padding"] == "same"
            assert config["kernel_initializer"]["class_name"] == "HeNormal"
        if cls == "MaxPooling2D":
            assert tuple(config["pool_size"]) == kernel == tuple(config["strides"])
        if cls == "Dense":
            assert config["units"] == size
        if cls == "Dropout":
            assert config["rate"] == 0.5
        if activation is not None:
            assert config["activation"] == activation
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)
    # 3,200 + 73,856 + 147,584 + 295,168 + 590,080 + 294,976 + 8,256 + 650 (the notes' summary)
    assert model.count_params() == 1_413_834


def test_basic_cnn_options_and_bad_input():
    model = vz.models.basic_cnn(input_shape=(32, 32, 3), n_classes=4, dropout=0.25)
    assert model.output_shape == (None, 4)
    assert [layer.rate for layer in model.layers if hasattr(layer, "rate")] == [0.25, 0.25]
    with pytest.raises(ValueError, match="input_shape"):
        vz.models.basic_cnn(input_shape=(28, 28))
    with pytest.raises(ValueError, match="dropout"):
        vz.models.basic_cnn(dropout=1.0)
    with pytest.raises(TypeError, match="n_classes"):
        vz.models.basic_cnn(n_classes=2.5)
    with pytest.raises(ValueError, match="n_classes"):
        vz.models.basic_cnn(n_classes=1)


def test_output_layer_stays_float32_under_mixed_precision(keras):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = vz.models.small_resnet()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.layers[1].compute_dtype == "bfloat16"
    assert model.get_layer("output").compute_dtype == "float32"
    assert model.output.dtype == "float32"


# -- ResidualUnit -----------------------------------------------------------------------
def test_residual_unit_shapes_and_skip_path(keras):
    x = np.random.default_rng(0).random((2, 8, 8, 4), dtype=np.float32)
    same = vz.layers.ResidualUnit(4)
    assert same(x).shape == (2, 8, 8, 4)
    assert same.skip_layers == []  # identity skip when shapes match
    assert [type(layer).__name__ for layer in same.main_layers] == [
        "Conv2D",
        "BatchNormalization",
        "Activation",
        "Conv2D",
        "BatchNormalization",
    ]
    down = vz.layers.ResidualUnit(6, strides=2)
    assert down(x).shape == (2, 4, 4, 6)
    assert [type(layer).__name__ for layer in down.skip_layers] == [
        "Conv2D",
        "BatchNormalization",
    ]
    assert down.skip_layers[0].kernel.shape == (1, 1, 4, 6)
    assert down.main_layers[0].strides == (2, 2)
    wider = vz.layers.ResidualUnit(8)  # more channels, same size: still a 1x1 projection
    assert wider(x).shape == (2, 8, 8, 8)
    assert wider.skip_layers[0].strides == (1, 1)
    assert down.compute_output_shape((None, 7, 7, 4)) == (None, 4, 4, 6)


def test_residual_unit_adds_its_input(keras):
    """With the main path's last BN scaled to 0, the unit is relu(x): the identity idea."""
    x = np.random.default_rng(1).normal(size=(2, 5, 5, 3)).astype("float32")
    unit = vz.layers.ResidualUnit(3)
    unit(x)
    bn2 = unit.main_layers[-1]
    bn2.gamma.assign(np.zeros(3, "float32"))
    np.testing.assert_allclose(np.asarray(unit(x, training=False)), np.maximum(x, 0), atol=1e-6)


def test_residual_unit_config_and_bad_arguments(keras):
    unit = vz.layers.ResidualUnit(16, strides=2, activation="elu", name="ru")
    config = unit.get_config()
    assert (config["filters"], config["strides"], config["activation"]) == (16, 2, "elu")
    clone = vz.layers.ResidualUnit.from_config(config)
    assert (clone.filters, clone.strides, clone.name) == (16, 2, "ru")
    with pytest.raises(TypeError, match="filters"):
        vz.layers.ResidualUnit(3.5)
    with pytest.raises(ValueError, match="strides"):
        vz.layers.ResidualUnit(8, strides=0)
    with pytest.raises(ValueError, match="channels"):
        vz.layers.ResidualUnit(8)(np.zeros((2, 4, 4), "float32"))


def test_residual_unit_model_saves_and_loads(keras, tmp_path):
    inputs = keras.Input((8, 8, 3))
    outputs = vz.layers.ResidualUnit(4, strides=2, name="ru")(inputs)
    model = keras.Model(inputs, outputs, name="one_unit")
    x = np.random.default_rng(2).random((3, 8, 8, 3), dtype=np.float32)
    loaded = _roundtrip(model, x, tmp_path)
    unit = loaded.get_layer("ru")
    assert isinstance(unit, vz.layers.ResidualUnit)
    assert len(unit.skip_layers) == 2


# -- save/load of the three lesson models -------------------------------------------------
def test_basic_cnn_saves_and_loads(tmp_path):
    x = np.random.default_rng(3).random((4, 28, 28, 1), dtype=np.float32)
    _roundtrip(vz.models.basic_cnn(), x, tmp_path)


def test_small_resnet_structure_and_roundtrip(tmp_path):
    model = vz.models.small_resnet()
    units = [layer for layer in model.layers if isinstance(layer, vz.layers.ResidualUnit)]
    assert [(u.filters, u.strides) for u in units] == [(64, 2), (128, 2), (256, 2)]
    assert model.get_layer("gap").output.shape == (None, 256)
    assert units[-1].output.shape == (None, 4, 4, 256)
    x = np.random.default_rng(4).random((4, 28, 28, 1), dtype=np.float32)
    _roundtrip(model, x, tmp_path)


def test_small_resnet_options():
    model = vz.models.small_resnet(stem_filters=8, stages=((8, 1), (16, 2), (32, 1)))
    units = [layer for layer in model.layers if isinstance(layer, vz.layers.ResidualUnit)]
    assert [(u.filters, u.strides) for u in units] == [(8, 2), (16, 2), (16, 1), (32, 2)]
    assert units[-1].output.shape == (None, 4, 4, 32)
    with pytest.raises(ValueError, match="stages"):
        vz.models.small_resnet(stages=((8, 0),))


def test_resnet34_structure_and_roundtrip(tmp_path):
    full = vz.models.resnet34()
    # ResNet-34 is known for its ~21.8 million parameters (He et al. 2015, ImageNet head)
    assert 21.7e6 < full.count_params() < 21.9e6
    model = vz.models.resnet34(input_shape=(32, 32, 3), n_classes=5)
    units = [layer for layer in model.layers if isinstance(layer, vz.layers.ResidualUnit)]
    assert [u.filters for u in units] == [64] * 3 + [128] * 4 + [256] * 6 + [512] * 3
    assert [u.strides for u in units].count(2) == 3
    assert units[-1].output.shape == (None, 1, 1, 512)
    x = np.random.default_rng(5).random((2, 32, 32, 3), dtype=np.float32)
    _roundtrip(model, x, tmp_path)


# -- inputs too small for a window ---------------------------------------------------------
def _walk(size, windows):
    """Output size along one axis, by vizcnn.arithmetic (the arithmetic the check uses)."""
    for _, kernel, strides, padding in windows:
        size = vz.arithmetic.conv_output_size(size, kernel, strides=strides, padding=padding)
    return size


@pytest.mark.parametrize("variant", [{}, {"skips": True}])
def test_basic_cnn_windows_are_the_models_own(variant):
    # the check's table of windows must be the network's: the feature maps that reach the
    # Flatten layer have the size the arithmetic predicts, on a size that drops cells
    model = vz.models.basic_cnn(input_shape=(9, 23, 1), **variant)
    flatten = next(layer for layer in model.layers if type(layer).__name__ == "Flatten")
    windows = vz.models.BASIC_CNN_WINDOWS
    assert tuple(flatten.input.shape) == (None, _walk(9, windows), _walk(23, windows), 256)
    pools = [layer for layer in model.layers if type(layer).__name__ == "MaxPooling2D"]
    valid = [w for w in windows if w[3] == "valid"]
    assert [(p.pool_size, p.strides, p.padding) for p in pools] == [
        ((k, k), (s, s), pad) for _, k, s, pad in valid
    ]


@pytest.mark.parametrize(
    ("shape", "variant", "message"),
    [
        (
            (4, 4, 1),
            {},
            "input_shape (4, 4, 1) is too small for basic_cnn: a height of 4 leaves 1 row for "
            "the 3rd MaxPool2D (a 2x2 window, stride 2, no padding), less than its window; "
            "height and width must each be at least 8, e.g. input_shape=(8, 8, 1)",
        ),
        (
            (28, 3, 3),
            {"batch_norm": True},
            "a width of 3 leaves 1 column for the 2nd MaxPool2D",
        ),
        ((1, 30, 1), {"skips": True}, "a height of 1 leaves 1 row for the 1st MaxPool2D"),
        ((7, 30, 2), {}, "at least 8, e.g. input_shape=(8, 30, 2)"),
    ],
)
def test_basic_cnn_too_small_an_input_names_the_layer_and_the_smallest(shape, variant, message):
    with pytest.raises(ValueError) as error:
        vz.models.basic_cnn(input_shape=shape, **variant)
    assert message in str(error.value)
    assert "Computed output size" not in str(error.value)  # ours, not Keras' from inside


def test_basic_cnn_smallest_input_builds():
    model = vz.models.basic_cnn(input_shape=(8, 8, 1))
    assert model.output_shape == (None, 10)
    assert _walk(8, vz.models.BASIC_CNN_WINDOWS) == 1  # 8 -> 4 -> 2 -> 1


@pytest.mark.parametrize("build", ["small_resnet", "resnet_like"])
def test_resnets_take_even_a_1x1_input(build):
    # every window of these has same padding: nothing can be larger than its input
    model = getattr(vz.models, build)(input_shape=(1, 1, 1))
    assert model.output_shape == (None, 10)
    x = np.ones((2, 1, 1, 1), "float32")
    assert model.predict(x, verbose=0).shape == (2, 10)
