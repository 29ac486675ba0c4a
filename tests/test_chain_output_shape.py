"""Shape inference before running: an empty grid is named without running the layer.

On some CPUs (oneDNN's pooling on AMX machines) an empty pooling output is not an empty
array but an error naming no layer; feature_maps, the unit explorer and activation
maximization ask `chain_output_shape` first.
"""

import numpy as np
import pytest

import vizcnn as vz
from vizcnn.inspection._model_graph import chain_output_shape


@pytest.fixture(scope="module")
def chain(keras):
    inputs = keras.Input((None, None, 3))
    h = keras.layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    h = keras.layers.MaxPool2D(4, name="pool")(h)
    return keras.Model(inputs, keras.layers.Conv2D(2, 3, name="conv2")(h))


@pytest.mark.parametrize(
    ("layer", "shape", "expected"),
    [
        ("conv1", (3, 3, 3), (3, 3, 4)),
        ("pool", (40, 40, 3), (10, 10, 4)),
        ("pool", (3, 3, 3), (0, 0, 4)),  # a 4x4 window on 3x3: no grid
        ("conv2", (3, 3, 3), (0, 0, 2)),  # empty from the pooling on
        ("conv2", (40, 40, 3), (8, 8, 2)),
        ("conv2", (6, 6, 3), None),  # a 3x3 window on 1x1: negative, running names it
    ],
)
def test_shapes_of_a_chain(chain, layer, shape, expected):
    assert chain_output_shape(chain, chain.get_layer(layer), shape) == expected


def test_a_branching_model_is_not_a_chain(keras):
    inputs = keras.Input((None, None, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", name="a")(inputs)
    b = keras.layers.Conv2D(4, 1, name="b")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="add")([a, b]))
    assert chain_output_shape(model, model.get_layer("add"), (8, 8, 3)) is None


def test_feature_maps_names_the_empty_layer_before_running(chain):
    small = np.zeros((1, 3, 3, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"layer 'conv2' produces an empty output \(0, 0, 2\)"):
        vz.feature_maps(chain, small, "conv2")


def test_activation_maximization_names_the_empty_grid(chain):
    with pytest.raises(ValueError, match=r"layer 'pool' produces an empty feature map \(0, 0\)"):
        vz.activation_maximization(chain, "pool", 0, steps=2, image_shape=(3, 3, 3))
