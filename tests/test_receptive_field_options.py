"""Receptive fields: the convolution path, unknown input sizes, augmentation layers and the
walk's messages, on small models (the real keras.applications models are in
test_receptive_field_real_models.py)."""

import numpy as np
import pytest

import vizcnn as vz


def _bbox(mask):
    ys, xs = np.nonzero(mask)
    return (int(ys.min()), int(ys.max())), (int(xs.min()), int(xs.max()))


def _squeeze_excite(keras):
    layers = keras.layers
    inputs = keras.Input((16, 16, 4))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    s = layers.GlobalAveragePooling2D(keepdims=True, name="squeeze")(x)
    s = layers.Conv2D(4, 1, activation="sigmoid", name="excite")(s)
    y = layers.Multiply(name="scale")([x, s])
    return keras.Model(inputs, layers.Conv2D(2, 3, name="after")(y), name="se")


def test_convolution_path_leaves_the_squeeze_branch_out(keras):
    model = _squeeze_excite(keras)
    full = vz.receptive_fields(model)
    conv = vz.receptive_fields(model, path="convolution")
    assert full["scale"].is_global and full["after"].is_global  # the default: every pixel
    assert full == vz.receptive_fields(model, path="full")
    assert conv["scale"].size == conv["conv"].size == (3, 3)
    assert conv["after"].size == (5, 5) and conv["after"].jump == (1, 1)
    assert "global branch of 'scale' is left out" in conv["after"].note
    assert conv["squeeze"].is_global  # the branch itself stays global
    # the exact box follows the convolution path only
    assert conv["after"].box_in_image((0, 0)) == ((0, 3), (0, 3))  # "same": one row of zeros
    table = vz.receptive_field_table(model, path="convolution")
    assert table.loc["after", "size"] == (5, 5)
    assert vz.receptive_field_table(model).loc["after", "size"] == (16, 16)
    # the gradient sees the full field, as the default says
    assert vz.empirical_receptive_field(model, "after", position=(0, 0)).all()


def test_bad_path_is_refused_before_any_walk(keras, tiny_cnn):
    with pytest.raises(ValueError, match="path must be one of 'full', 'convolution'"):
        vz.receptive_fields(tiny_cnn, path="conv")
    with pytest.raises(TypeError, match="path must be one of"):
        vz.receptive_field_table(tiny_cnn, path=1)
    image = np.zeros((8, 8, 3), dtype="float32")
    with pytest.raises(ValueError, match="path must be one of"):
        vz.ReceptiveFieldDisplay.from_model(tiny_cnn, image, layer="conv2", path="global")


def _residual_units(keras, input_shape):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="stem")(inputs)
    x = vz.layers.ResidualUnit(8, name="ru1")(x)
    x = vz.layers.ResidualUnit(16, strides=2, name="ru2")(x)
    y = keras.layers.Conv2D(4, 1, strides=2, padding="same", name="one_by_one")(inputs)
    return keras.Model(inputs, [x, vz.layers.ResidualUnit(8, name="ru3")(y)])


def test_unknown_input_size_keeps_sizes_and_jumps_after_merges(keras):
    model = _residual_units(keras, (None, None, 3))
    fields = vz.receptive_fields(model)
    sized = {n: vz.receptive_fields(model, input_size=(n, n + 1)) for n in (32, 33, 34, 35)}
    for name, rf in fields.items():
        assert rf.grid == (None, None)
        for other in sized.values():
            assert (rf.size, rf.jump) == (other[name].size, other[name].jump), name
            for start, known in zip(rf.start, other[name].start, strict=True):
                assert start is None or start == known, name
    assert fields["ru1"].size == (11, 11) and fields["ru2"].size == (23, 23)
    assert fields["ru2"].jump == (4, 4)
    # TF's same padding puts its extra zero where the input size says: stem's start moves
    assert {other["stem"].start for other in sized.values()} == {(0, 1), (1, 0)}
    assert fields["stem"].start == (None, None) and "input_size" in fields["ru2"].note
    # a 1x1 window starts on pixel 0 for every size: known, and so is the unit after it
    assert fields["one_by_one"].start == (0, 0) and fields["one_by_one"].note == ""
    assert fields["ru3"].start == sized[32]["ru3"].start


def test_pool_window_larger_than_its_input_names_the_layer_and_sizes(keras):
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((None, None, 1)),
            layers.Conv2D(2, 3, name="conv"),
            layers.MaxPool2D(4, name="pool"),
        ]
    )
    with pytest.raises(
        ValueError,
        match=r"'pool' \(MaxPooling2D, pool_size \(4, 4\)\) is larger than its 3x3 input for "
        r"images of 5x5 pixels \(input_size\): the smallest that fits is 6x6 pixels",
    ):
        vz.receptive_fields(model, input_size=(5, 5))
    conv = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(2, 7, name="big")])
    with pytest.raises(
        ValueError, match=r"'big' \(Conv2D, kernel_size \(7, 7\)\) is larger than its 6x9 input"
    ):
        vz.receptive_fields(conv, input_size=(6, 9))
    crop = keras.Sequential([keras.Input((None, None, 1)), layers.Cropping2D(3, name="crop")])
    with pytest.raises(ValueError, match=r"'crop' \(Cropping2D\) cannot take its 6x6 input"):
        vz.receptive_fields(crop, input_size=(6, 6))


def test_augmentation_layers_pass_the_field_and_cost_nothing(keras):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((12, 13, 3)),
            layers.RandomFlip(name="flip"),
            layers.RandomRotation(0.1, name="rotate"),
            layers.RandomZoom(0.1, name="zoom"),
            layers.RandomTranslation(0.1, 0.1, name="shift"),
            layers.RandomContrast(0.1, name="contrast"),
            layers.Conv2D(2, 3, strides=2, name="conv"),
            layers.Conv2D(2, 3, name="conv2"),
        ]
    )
    fields = vz.receptive_fields(model)
    for name in ("flip", "rotate", "zoom", "shift", "contrast"):
        assert fields[name].size == (1, 1) and fields[name].grid == (12, 13)
    assert fields["conv2"].size == (7, 7)
    for position in [(0, 0), (2, 3), (1, 2)]:
        mask = vz.empirical_receptive_field(model, "conv2", position=position)
        assert _bbox(mask) == fields["conv2"].box_in_image(position)
    costs = vz.layer_costs(model)
    assert (costs.loc[["flip", "rotate", "zoom", "shift", "contrast"], "elementwise"] == 0).all()
    assert costs["params"].sum() == model.count_params()
    table = vz.receptive_field_table(model)
    assert table.loc["zoom", "type"] == "RandomZoom"
