"""Cut a model's graph at one layer: its feature maps, and a value computed *from* them.

Grad-CAM differentiates a score with respect to a layer's output, so that output must be
a tensor the gradient tape watches and the score must be computed from that very tensor.
:func:`plan_cut` builds the two halves as Keras sub-models; paths that bypass the layer
(skip connections) still run from the model input.
"""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals

__all__ = ["plan_cut"]


def single(tensors):
    """Unwrap one-element lists, so Keras does not warn about the input structure."""
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


def plan_cut(model, path, target):
    """A function ``run(x, tape) -> (features, target value)`` for a graph cut at a layer.

    Parameters
    ----------
    model : keras.Model
        A functional or Sequential model (built, with a single input).
    path : tuple of keras.layers.Layer
        The enclosing nested models, outermost first, then the layer to cut at (as
        ``vizcnn.graph.lookup.find_layer`` returns it).
    target : KerasTensor
        A symbolic tensor of ``model``'s own graph that depends on the layer's output.

    Returns
    -------
    callable
        ``run(x, tape)``: ``features`` is ``path[-1]``'s output, watched by ``tape``;
        the target value is computed from those very features.

    Raises
    ------
    ValueError
        If ``target`` cannot be computed from the model input and the layer's output.

    Notes
    -----
    One sub-model computes the feature maps, a second takes the model input *and* the
    maps and computes ``target``. Nested models are entered one level at a time, since a
    layer's output belongs to the graph that directly holds it.
    """
    keras = _keras()
    inputs = single(model.inputs)
    first, rest = path[0], path[1:]
    if rest:  # enter the nested model `first`
        entry = single(keras_internals.call_inputs(first))
        pre = None if entry is inputs else keras.Model(inputs, entry)
        inner = plan_cut(first, rest, single(first.outputs))
        cut = single(keras_internals.call_outputs(first))
    else:
        cut = first.output
        pre = keras.Model(inputs, cut)
        inner = None
    if target is cut:
        post = None
    else:
        try:
            post = keras.Model([inputs, cut], target)
        except ValueError as exc:
            raise ValueError(
                f"cannot compute the class scores of model {model.name!r} from layer "
                f"{first.name!r}: {exc}; a keras.Sequential built with .build() (or by its "
                "first fit) cannot be cut yet: start it with keras.Input(shape) instead"
            ) from None

    def run(x, tape):
        if inner is None:
            features = pre(x, training=False)
            tape.watch(features)
            value = features
        else:
            features, value = inner(x if pre is None else pre(x, training=False), tape)
        return features, (value if post is None else post([x, value], training=False))

    return run
