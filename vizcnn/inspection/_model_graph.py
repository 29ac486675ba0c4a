"""Sub-models that compute one (possibly nested) layer's output from the model input."""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals


def output_extractor(model, path):
    """A list of Keras models that, chained, map the model input to ``path[-1]``'s output.

    Nested models are entered one level at a time, because a layer's symbolic output
    belongs to the graph of the model that directly contains it.
    """
    keras = _keras()
    stages = []
    outer = model
    for depth, layer in enumerate(path):
        if depth == len(path) - 1:
            stages.append(keras.Model(_single(outer.inputs), layer.output))
        else:  # enter the nested model: first compute its input inside `outer`
            node_inputs = keras_internals.call_inputs(layer)
            stages.append(keras.Model(_single(outer.inputs), _single(node_inputs)))
            outer = layer
    return stages


def _single(tensors):
    """Unwrap one-element lists, so Keras does not warn about the input structure."""
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors
