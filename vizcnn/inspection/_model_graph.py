"""Find layers in (nested) Keras models, and check the arguments that name them."""

from __future__ import annotations

import difflib

import numpy as np

from vizcnn._tf import keras as _keras


def check_model(model, *, argname: str = "model"):
    """Raise a clear error unless ``model`` is a Keras model with at least one layer."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"{argname} must be a keras.Model, got {type(model).__name__}")
    if not [layer for layer in model.layers if not _is_input_layer(layer)]:
        raise ValueError(f"{argname} is empty: it has no layers to inspect")
    return model


def _is_input_layer(layer) -> bool:
    return type(layer).__name__ == "InputLayer"


def iter_layers(model):
    """Yield ``(path, layer)`` for every layer, depth first, nested models included.

    ``path`` is the tuple of enclosing models' layers (outermost first), then the layer.
    Input layers are skipped; a nested model is yielded before its own layers.
    """
    keras = _keras()
    for layer in model.layers:
        if _is_input_layer(layer):
            continue
        yield (layer,), layer
        if isinstance(layer, keras.Model):
            for path, inner in iter_layers(layer):
                yield (layer, *path), inner


def find_layer(model, layer, *, argname: str = "layer"):
    """Return the path ``(submodel, ..., layer)`` to ``layer`` (a name or a layer object).

    Raises
    ------
    TypeError
        If ``layer`` is neither a string nor a Keras layer.
    ValueError
        If no layer of ``model`` (nested models included) has that name or identity; the
        message lists the closest names.
    """
    keras = _keras()
    check_model(model)
    paths = list(iter_layers(model))
    if isinstance(layer, str):
        for path, candidate in paths:
            if candidate.name == layer:
                return path
        names = [candidate.name for _, candidate in paths]
        close = difflib.get_close_matches(layer, names, n=5, cutoff=0.4) or names[:10]
        raise ValueError(
            f"{argname}={layer!r} is not a layer of model {model.name!r}; "
            f"close names: {', '.join(close)}"
        )
    if isinstance(layer, keras.layers.Layer):
        for path, candidate in paths:
            if candidate is layer:
                return path
        raise ValueError(f"{argname} (layer {layer.name!r}) is not part of model {model.name!r}")
    raise TypeError(
        f"{argname} must be a layer name (str) or a keras layer, got {type(layer).__name__}"
    )


def ensure_built(model, input_shape):
    """Build a Sequential model that was created without ``keras.Input``."""
    keras = _keras()
    try:
        model.inputs  # noqa: B018 -- raises when the model has no graph yet
    except (AttributeError, ValueError):
        if isinstance(model, keras.Sequential):
            model.build((None, *input_shape[1:]))
        else:
            raise TypeError(
                f"model {model.name!r} has no input graph; build it with keras.Input "
                "(functional or Sequential models only)"
            ) from None
    if not model.inputs:
        raise TypeError(f"model {model.name!r} has no inputs")
    return model


def check_batch(model, x, *, argname: str = "x"):
    """Return ``x`` as a float32 NumPy batch that fits the model's (single) input."""
    x = np.asarray(x)
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"{argname} must be a numeric array, got dtype {x.dtype}")
    if x.ndim != 4:
        raise ValueError(
            f"{argname} must be a batch of images shaped (N, H, W, C), got shape {x.shape}; "
            "for one image use image[None]"
        )
    ensure_built(model, x.shape)
    expected = tuple(model.inputs[0].shape)
    if expected[-1] is not None and x.shape[-1] != expected[-1]:
        raise ValueError(
            f"{argname} has {x.shape[-1]} channels but model {model.name!r} expects "
            f"{expected[-1]} (input shape {expected})"
        )
    for axis, (got, want) in enumerate(zip(x.shape[1:3], expected[1:3], strict=True), start=1):
        if want is not None and got != want:
            raise ValueError(
                f"{argname} has spatial shape {x.shape[1:3]} but model {model.name!r} "
                f"expects {expected[1:3]} (axis {axis})"
            )
    return x.astype("float32", copy=False)


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
            node_inputs = layer._inbound_nodes[0].input_tensors
            stages.append(keras.Model(_single(outer.inputs), _single(node_inputs)))
            outer = layer
    return stages


def _single(tensors):
    """Unwrap one-element lists, so Keras does not warn about the input structure."""
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors
