"""Receptive fields: clear errors for what they cannot follow, and every layer kind known."""

import warnings

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.graph import keras_internals

# -- bad input -------------------------------------------------------------------------------


def test_unknown_layer_name(tiny_cnn):
    with pytest.raises(ValueError, match="close names: conv1"):
        vz.empirical_receptive_field(tiny_cnn, "convv1")


def test_position_outside_the_grid(tiny_cnn):
    with pytest.raises(ValueError, match="outside the 4x4 grid"):
        vz.empirical_receptive_field(tiny_cnn, "pool1", position=(4, 0))
    with pytest.raises(ValueError, match="outside"):
        vz.receptive_fields(tiny_cnn)["pool1"].box((0, -1))
    with pytest.raises(TypeError, match="pair of ints"):
        vz.receptive_fields(tiny_cnn)["pool1"].box((1.5, 0))


def test_position_on_a_global_layer(tiny_cnn):
    with pytest.raises(ValueError, match="position must be None"):
        vz.empirical_receptive_field(tiny_cnn, "dense", position=(0, 0))
    with pytest.raises(ValueError, match="position must be None"):
        vz.receptive_fields(tiny_cnn)["gap"].box((0, 0))
    assert vz.empirical_receptive_field(tiny_cnn, "dense").all()


def test_model_without_spatial_input(keras):
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        vz.receptive_fields(model)
    with pytest.raises(TypeError, match="keras.Model"):
        vz.receptive_fields("not a model")


def test_models_without_a_graph(keras):
    unbuilt = keras.Sequential([keras.layers.Conv2D(2, 3)])
    with pytest.raises(TypeError, match=r"no input shape yet.*keras.Input"):
        vz.receptive_fields(unbuilt)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = keras.layers.Conv2D(2, 3)

        def call(self, x):
            return self.conv(x)

    model = Subclassed()
    model(np.zeros((1, 8, 8, 1), dtype="float32"))
    with pytest.raises(TypeError, match="subclassed model"):
        vz.receptive_fields(model)
    with pytest.raises(TypeError, match="subclassed model"):
        vz.empirical_receptive_field(model, model.conv)


def test_unsupported_layer_is_named_with_what_to_do(keras):
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.UpSampling2D(2, name="up"), keras.layers.Conv2D(2, 3)]
    )
    # a layer vizcnn knows but no field describes: the reason, not an invitation to register it
    with pytest.raises(
        ValueError, match=r"'up' \(UpSampling2D\) is not supported.*different sizes"
    ):
        vz.receptive_fields(model)

    class Unknown(keras.layers.Layer):
        def call(self, x):
            return x[:, ::-1]

    unknown = keras.Sequential(
        [keras.Input((8, 8, 1)), Unknown(name="odd"), keras.layers.Conv2D(2, 3)]
    )
    with pytest.raises(ValueError, match=r"'odd' \(Unknown\) is not supported.*Supported"):
        vz.receptive_fields(unknown)
    with pytest.raises(ValueError, match=r"vz\.register_layer_geometry\(TheLayerClass, kind="):
        vz.receptive_fields(unknown)


def test_an_unknown_layer_leaves_the_fields_before_it_known(keras):
    # a unit's field depends only on the layers between it and the input: a Lambda after
    # the first convolution leaves that convolution's 3x3 field, and makes later ones unknown
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            layers.Conv2D(2, 3, name="first"),
            layers.Lambda(lambda t: 2.0 * t, name="twice"),
            layers.Conv2D(2, 3, name="after"),
        ]
    )
    _, first = vz.inspection.field_of(model, "first")
    assert (first.size, first.jump, first.grid) == ((3, 3), (1, 1), (8, 8))
    for later in ("twice", "after"):
        with pytest.raises(ValueError, match=r"'twice' \(Lambda\) is not supported"):
            vz.inspection.field_of(model, later)
    with pytest.raises(ValueError, match=r"'twice' \(Lambda\) is not supported"):
        vz.receptive_fields(model)  # the whole table still needs every layer
    x = np.random.default_rng(0).random((4, 10, 10, 1)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "field unknown, whole image" warning
        boxes = vz.top_activating_patches(model, x, "first", 0, k=3).boxes
    assert (boxes[:, 2] - boxes[:, 0] == 3).all() and (boxes[:, 3] - boxes[:, 1] == 3).all()


def test_an_unknown_branch_leaves_the_other_branch_known(keras):
    layers = keras.layers
    inputs = keras.Input((9, 9, 1))
    side = layers.Conv2DTranspose(1, 3, name="side")(inputs)  # no receptive-field rule
    main = layers.Conv2D(1, 5, name="main")(inputs)
    model = keras.Model(inputs, [layers.Flatten()(side), layers.Flatten()(main)])
    assert vz.inspection.field_of(model, "main")[1].size == (5, 5)
    with pytest.raises(ValueError, match=r"'side' \(Conv2DTranspose\)"):
        vz.inspection.field_of(model, "side")


def test_merging_branches_with_different_jumps(keras):
    layers = keras.layers
    inputs = keras.Input((8, 8, 1))
    a = layers.Conv2D(2, 2, strides=2, name="strided")(inputs)  # 4x4, jump 2
    b = layers.Conv2D(2, 5, name="dense")(inputs)  # 4x4, jump 1
    model = keras.Model(inputs, layers.Add(name="merge")([a, b]))
    with pytest.raises(ValueError, match="'merge'.*different jumps"):
        vz.receptive_fields(model)


def test_bad_input_size_and_multi_input_models(keras, tiny_cnn):
    with pytest.raises(ValueError, match="input_size must be a pair"):
        vz.receptive_fields(tiny_cnn, input_size=(8,))
    with pytest.raises(ValueError, match="contradicts"):
        vz.receptive_fields(tiny_cnn, input_size=(9, 8))
    a, b = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    two = keras.Model([a, b], keras.layers.Add()([a, b]))
    with pytest.raises(ValueError, match="2 inputs"):
        vz.receptive_fields(two)


# keras.ops nodes of a functional graph, as Keras records them: every kind the shared table
# (vizcnn.graph.layer_kinds) lists must work through the walk AND the gradient probe.
_OPS = {
    "LeakyRelu": lambda ops, t: ops.leaky_relu(t),
    "Elu": lambda ops, t: ops.elu(t),
    "Selu": lambda ops, t: ops.selu(t),
    "Softplus": lambda ops, t: ops.softplus(t),
    "Softsign": lambda ops, t: ops.softsign(t),
    "LogSoftmax": lambda ops, t: ops.log_softmax(t),
    "Clip": lambda ops, t: ops.clip(t, 0.0, 1.0),
    "HardSigmoid": lambda ops, t: ops.hard_sigmoid(t),
    "Absolute": lambda ops, t: ops.abs(t),
    "Negative": lambda ops, t: ops.negative(t),
    "Square": lambda ops, t: ops.square(t),
    "Power": lambda ops, t: ops.power(t, 2.0),
    "Divide": lambda ops, t: ops.divide(t, 2.0),
    "Maximum": lambda ops, t: ops.maximum(t, ops.negative(t)),
}


@pytest.mark.parametrize("op_name", sorted(_OPS))
def test_keras_ops_are_known_to_the_walk_and_the_probe(keras, op_name):
    from vizcnn.graph.layer_kinds import PER_POSITION

    assert op_name in PER_POSITION
    inputs = keras.Input((9, 9, 1))
    h = keras.layers.Conv2D(2, 3, name="c1")(inputs)
    h = _OPS[op_name](keras.ops, h)
    # the class name Keras records for the op is what the taxonomy must list
    assert type(keras_internals.producer(h)[0]).__name__ == op_name
    out = keras.layers.Conv2D(1, 3, name="c2")(h)
    model = keras.Model(inputs, out)
    field = vz.receptive_fields(model)["c2"]
    assert field.size == (5, 5)
    rows, cols = np.nonzero(vz.empirical_receptive_field(model, "c2", position=(0, 0)))
    measured = ((rows.min(), rows.max()), (cols.min(), cols.max()))
    assert measured == field.box_in_image((0, 0)) == ((0, 4), (0, 4))
