"""vizcnn.graph.layer_kinds: one taxonomy (grid effect, cost rule, drawing), and custom
layers declared with vz.register_layer_geometry."""

import pytest

import vizcnn as vz
from vizcnn.graph import keras_internals
from vizcnn.graph import layer_kinds as kinds


@pytest.mark.parametrize(
    ("make", "effect", "rule"),
    [
        (lambda L: L.Conv2D(2, 3), "window", "conv"),
        (lambda L: L.DepthwiseConv2D(3), "window", "depthwise"),
        (lambda L: L.SeparableConv2D(2, 3), "window", "separable"),
        (lambda L: L.MaxPooling2D(2), "window", "pooling"),
        (lambda L: L.ZeroPadding2D(1), "window", "none"),
        (lambda L: L.Cropping2D(1), "window", "none"),
        (lambda L: L.Dense(2), "per_position", "dense"),
        (lambda L: L.BatchNormalization(), "per_position", "elementwise"),
        (lambda L: L.Add(), "per_position", "merge"),
        (lambda L: L.Concatenate(), "per_position", "none"),
        (lambda L: L.Flatten(), "global", "none"),
        (lambda L: L.GlobalAveragePooling2D(), "global", "global_pooling"),
        (lambda L: L.RandomFlip(), "identity", "identity"),
        (lambda L: L.RandomRotation(0.1), "identity", "identity"),
        (lambda L: L.RandomZoom(0.1), "identity", "identity"),
        (lambda L: L.RandomTranslation(0.1, 0.1), "identity", "identity"),
        (lambda L: L.RandomContrast(0.1), "identity", "identity"),
        (lambda L: L.Identity(), "identity", "none"),
        (lambda L: L.Conv1D(2, 3), "window", "conv"),
        (lambda L: L.Conv3D(2, 3), None, "conv"),
        (lambda L: L.Conv2DTranspose(2, 3), None, "transpose"),
        (lambda L: L.UpSampling2D(2), None, None),
    ],
)
def test_every_kind_has_one_grid_effect_and_one_cost_rule(keras, make, effect, rule):
    layer = make(keras.layers)
    assert kinds.grid_effect(layer) == effect
    assert kinds.cost_rule(layer) == rule
    assert kinds.is_spatial(layer) == (effect == "window")


def test_subclasses_are_their_parents_kind_and_blocks_are_recognised(keras):
    class MyConv(keras.layers.Conv2D):
        pass

    assert kinds.grid_effect(MyConv(2, 3)) == "window"
    assert kinds.is_merge(keras.layers.Multiply()) and not kinds.is_merge(MyConv(2, 3))
    assert kinds.is_block(vz.layers.ResidualUnit(4))
    assert not kinds.is_block(MyConv(2, 3))


def test_drawing_categories(keras):
    expected = {
        "InputLayer": "input",
        "Conv2D": "conv",
        "DepthwiseConv2D": "conv",
        "BatchNormalization": "norm",
        "ReLU": "activation",
        "MaxPooling2D": "pool",
        "Dense": "dense",
        "Add": "merge",
        "Flatten": "reshape",
        "ZeroPadding2D": "reshape",
        "Dropout": "dropout",
        "GaussianNoise": "dropout",
        "LayerScale": "other",
    }
    assert {name: kinds.drawing_category(name) for name in expected} == expected


def test_register_layer_geometry_declares_a_custom_layer(keras):
    class Gate(keras.layers.Layer):
        def call(self, x):
            return x * keras.ops.sigmoid(x)

    class Blur(keras.layers.Layer):  # a custom global operation
        def call(self, x):
            return x - keras.ops.mean(x, axis=(1, 2), keepdims=True)

    def model():
        inputs = keras.Input((10, 10, 2))
        x = keras.layers.Conv2D(3, 3, name="conv")(inputs)
        x = Gate(name="gate")(x)
        x = keras.layers.Conv2D(3, 3, name="after")(x)
        return keras.Model(inputs, Blur(name="blur")(x))

    with pytest.raises(ValueError, match=r"'gate' \(Gate\).*vz.register_layer_geometry"):
        vz.receptive_fields(model())
    with pytest.raises(ValueError, match=r"'gate' \(Gate\).*vz.register_layer_geometry"):
        vz.layer_costs(model())
    assert vz.register_layer_geometry(Gate, kind="per_position") is Gate
    vz.register_layer_geometry(Blur, kind="global")
    fields = vz.receptive_fields(model())
    assert fields["gate"].size == fields["conv"].size == (3, 3)
    assert fields["after"].size == (5, 5)
    assert fields["blur"].is_global and "'blur'" in fields["blur"].note
    costs = vz.layer_costs(model())
    assert costs.loc["gate", "elementwise"] == 8 * 8 * 3  # one per output element
    assert costs.loc["blur", "elementwise"] == 6 * 6 * 3  # one per input element
    assert costs.loc["gate", "macs"] == 0

    class SubGate(Gate):
        pass

    assert kinds.grid_effect(SubGate()) == "per_position"
    vz.register_layer_geometry(SubGate, kind="identity")  # the nearest class wins
    assert kinds.grid_effect(SubGate()) == "identity"
    assert kinds.grid_effect(Gate()) == "per_position"


def test_register_layer_geometry_bad_arguments(keras):
    with pytest.raises(TypeError, match=r"layer_class must be a layer class.*got ReLU"):
        vz.register_layer_geometry(keras.layers.ReLU(), kind="per_position")
    with pytest.raises(ValueError, match=r"kind must be one of 'per_position', 'identity'"):
        vz.register_layer_geometry(keras.layers.ReLU, kind="window")
    with pytest.raises(TypeError, match="kind must be one of"):
        vz.register_layer_geometry(keras.layers.ReLU, kind=None)
    assert kinds.grid_effect(keras.layers.ReLU()) == "per_position"  # nothing registered


@pytest.mark.parametrize(
    ("make", "kernel", "scales", "probe"),
    [
        (lambda L: L.Conv2D(2, 3), "conv", False, None),
        (lambda L: L.Conv1D(2, 3), "conv", False, None),
        (lambda L: L.Conv2DTranspose(2, 3), "transpose", False, None),
        (lambda L: L.DepthwiseConv2D(3), "depthwise", False, None),
        (lambda L: L.SeparableConv2D(2, 3), "separable", False, None),
        (lambda L: L.Dense(2), None, False, None),
        (lambda L: L.Rescaling(1 / 255), None, True, "identity"),
        (lambda L: L.Normalization(), None, True, "identity"),
        (lambda L: L.ReLU(), None, False, "identity"),
        (lambda L: L.RandomFlip(), None, False, "identity"),
        (lambda L: L.Maximum(), None, False, "add"),
        (lambda L: L.Add(), None, False, None),
        (lambda L: L.MaxPooling2D(2), None, False, "AveragePooling2D"),
        (lambda L: L.GlobalMaxPooling2D(), None, False, "GlobalAveragePooling2D"),
        (lambda L: L.AveragePooling2D(2), None, False, None),
    ],
)
def test_what_a_layer_is_for_filters_scaling_and_the_probe(keras, make, kernel, scales, probe):
    layer = make(keras.layers)
    assert kinds.kernel_kind(layer) == kernel
    assert kinds.scales_input(layer) is scales
    assert kinds.probe_replacement(layer) == probe
    assert not kinds.is_input_layer(layer)


def test_kinds_follow_subclasses_and_keras_ops(keras):
    class MySeparable(keras.layers.SeparableConv2D):
        pass

    class MyScaling(keras.layers.Rescaling):
        pass

    assert kinds.kernel_kind(MySeparable(2, 3)) == "separable"
    assert kinds.scales_input(MyScaling(0.5))
    h = keras.ops.leaky_relu(keras.Input((5, 5, 1)))
    assert kinds.probe_replacement(keras_internals.producer(h)[0]) == "identity"
    assert kinds.is_input_layer(keras.layers.InputLayer(shape=(5, 5, 1)))
