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


def chain_output_shape(model, layer, shape):
    """``layer``'s output shape (no batch axis) for an input of ``shape``, without running it.

    Keras' shape inference, layer after layer, for a model that is a plain chain (each
    layer reads the one before it). Where a window leaves no grid (a 4x4 pooling on a 3x3
    map), Keras' inference raises; this gives that axis 0 instead, which is what the
    layer returns when it runs on most CPUs (oneDNN's pooling on others raises a cryptic
    error, so callers ask here first). ``None`` where the model is not such a chain, a
    layer cannot say its shape, or a size would be negative (running names that case).
    """
    keras = _keras()
    layers = [lay for lay in model.layers if not isinstance(lay, keras.layers.InputLayer)]
    if layer not in layers:
        return None
    spec = keras.KerasTensor((1, *shape), dtype="float32")
    for i, current in enumerate(layers[: layers.index(layer) + 1]):
        before = _single(model.inputs) if i == 0 else layers[i - 1].output
        if current.input is not before:
            return None  # a branch or a merge: not a chain
        try:
            spec = current.compute_output_spec(spec)
        except ValueError as exc:
            if "output size" not in str(exc):
                return None
            grid = _valid_grid(current, tuple(spec.shape[1:-1]))
            if grid is None or min(grid) < 0:
                return None
            # empty from here on: later layers keep the empty grid
            channels = getattr(layer, "filters", None) or spec.shape[-1]
            return (*grid, channels) if 0 in grid else None
        except Exception:  # a custom layer that cannot say its shape
            return None
        if not hasattr(spec, "shape"):
            return None
    return tuple(spec.shape[1:])


def inferred_output_shape(model, path, shape):
    """``path[-1]``'s output shape for inputs of ``shape``, where shape inference can say it.

    Asked before running, because an empty grid is not an empty array on every CPU:
    oneDNN's pooling (the kernels of AMX CPUs among others) refuses an empty output with
    an error that names no layer. ``None`` for a model of fixed image size (Keras checked
    its windows when building it), a layer inside a nested model, or a model that is not
    a plain chain: callers then run the model and read the shape.
    """
    if len(path) != 1 or None not in tuple(_single(model.inputs).shape[1:-1]):
        return None
    return chain_output_shape(model, path[-1], shape)


def _valid_grid(layer, grid):
    """The output grid of a convolution or pooling layer with ``padding='valid'``."""
    window = getattr(layer, "pool_size", None) or getattr(layer, "kernel_size", None)
    if window is None or getattr(layer, "padding", None) != "valid" or None in grid:
        return None
    strides = getattr(layer, "strides", None) or window
    dilation = getattr(layer, "dilation_rate", None) or (1,) * len(window)
    return tuple(
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(grid, window, strides, dilation, strict=True)
    )
