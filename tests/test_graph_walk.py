"""vizcnn.graph.walk: the one walk of a model, in graph order, containers opened or closed."""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.graph.lookup import layer_keys, layers_by_key, path_key
from vizcnn.graph.walk import walk_model


def _keys_and_roles(walk):
    return [(node.key, node.role) for node in walk]


def test_nested_model_is_opened_in_graph_order(nested_cnn):
    walk = walk_model(nested_cnn)
    assert _keys_and_roles(walk) == [
        ("outer_conv", "layer"),
        ("block/inner_conv", "layer"),
        ("block/inner_relu", "layer"),
        ("block", "exit"),
        ("gap", "layer"),
    ]
    nodes = {node.key: node for node in walk}
    # every node reads what an earlier node made: the tensors are the walk's own objects
    assert nodes["outer_conv"].inputs == walk.inputs
    assert nodes["block/inner_conv"].inputs == nodes["outer_conv"].outputs
    assert nodes["block"].outputs == nodes["block/inner_relu"].outputs
    assert nodes["gap"].inputs == nodes["block"].outputs
    assert walk.outputs == nodes["gap"].outputs
    assert tuple(nodes["block/inner_conv"].outputs[0].shape) == (None, 6, 6, 5)
    assert [node.depth for node in walk] == [0, 1, 1, 0, 0]


def test_containers_kept_closed_are_one_node(nested_cnn):
    closed = walk_model(nested_cnn, expand=False)
    assert _keys_and_roles(closed) == [
        ("outer_conv", "layer"),
        ("block", "layer"),
        ("gap", "layer"),
    ]
    assert tuple(closed.nodes[1].outputs[0].shape) == (None, 6, 6, 5)
    chosen = walk_model(nested_cnn, expand=lambda layer: layer.name != "block")
    assert _keys_and_roles(chosen) == _keys_and_roles(closed)
    with pytest.raises(TypeError, match="expand must be True, False or a callable"):
        walk_model(nested_cnn, expand="all")


def test_residual_block_is_opened_with_its_sum(keras):
    inputs = keras.Input((8, 8, 3))
    unit = vz.layers.ResidualUnit(4, strides=2, name="unit")
    model = keras.Model(inputs, unit(inputs))
    walk = walk_model(model)
    assert [key for key, _ in _keys_and_roles(walk)] == [
        "unit/conv1", "unit/bn1", "unit/act1", "unit/conv2", "unit/bn2",
        "unit/skip_conv", "unit/skip_bn", "unit/add", "unit/act_out", "unit",
    ]  # fmt: skip
    nodes = {node.key: node for node in walk}
    assert nodes["unit/add"].role == "sum" and nodes["unit/add"].op is unit
    assert nodes["unit/add"].inputs == (*nodes["unit/bn2"].outputs, *nodes["unit/skip_bn"].outputs)
    assert nodes["unit"].role == "exit"
    assert nodes["unit"].outputs == nodes["unit/act_out"].outputs
    assert tuple(nodes["unit/add"].outputs[0].shape) == (None, 4, 4, 4)
    closed = walk_model(model, expand=False)
    assert _keys_and_roles(closed) == [("unit", "layer")]


def test_keras_ops_nodes_and_shared_layers(keras):
    x = keras.Input((4, 4, 2))
    shared = keras.layers.Dense(3, name="shared")
    y = keras.ops.add(shared(x), shared(keras.layers.ReLU(name="relu")(x)))
    walk = walk_model(keras.Model(x, y))
    calls = [(node.key, node.call) for node in walk]
    add = walk.nodes[-1]
    assert type(add.op).__name__ == "Add" and len(add.inputs) == 2
    assert sorted(calls[:-1]) == [("relu", 1), ("shared", 1), ("shared", 2)]
    assert add.outputs == walk.outputs


def test_subclassed_models_are_opaque_or_refused(keras):
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.conv = keras.layers.Conv2D(2, 3, name="net_conv")

        def call(self, x):
            return self.conv(x)

    net = Net()
    net(np.zeros((1, 6, 6, 1), dtype="float32"))
    with pytest.raises(TypeError, match="'net' \\(Net\\) is a subclassed model"):
        walk_model(net)
    inputs = keras.Input((6, 6, 1))
    outer = keras.Model(inputs, keras.layers.ReLU(name="after")(net(inputs)))
    walk = walk_model(outer)
    assert _keys_and_roles(walk) == [("net", "opaque"), ("after", "layer")]
    assert tuple(walk.nodes[0].outputs[0].shape) == (None, 4, 4, 2)
    with pytest.raises(TypeError, match="subclassed model"):
        vz.receptive_fields(outer)
    with pytest.raises(TypeError, match="subclassed model"):
        vz.layer_costs(outer)


def test_layer_keys_use_the_path_only_where_a_name_repeats(keras):
    block = keras.Sequential(
        [keras.Input((6, 6, 2)), keras.layers.Conv2D(2, 3, name="conv")], name="block"
    )
    inputs = keras.Input((8, 8, 2))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.ReLU(name="relu")(block(x)))
    assert [key for key, _ in layer_keys(model)] == ["conv", "block", "block/conv", "relu"]
    keys = dict(layer_keys(model))
    assert keys["block/conv"][-1] is block.get_layer("conv")
    assert path_key(keys["block/conv"]) == "block/conv"
    # a layer left out by `where` no longer makes the other's name ambiguous
    only = layer_keys(model, where=lambda layer: layer is not model.get_layer("conv"))
    assert [key for key, _ in only] == ["block", "conv", "relu"]
    found = layers_by_key(model)
    assert found["conv"] is model.get_layer("conv")
    assert found["block/conv"] is block.get_layer("conv")
