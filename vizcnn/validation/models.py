"""Checks of Keras models and of batches for them (Keras imported on first use).

Finding a layer inside a model is the graph's job: :mod:`vizcnn.graph.lookup`.
"""

from __future__ import annotations

import numpy as np

from vizcnn.validation.arrays import check_images


def _keras():
    from vizcnn.backend import keras

    return keras()


def check_model(model, name: str = "model"):
    """``model`` if it is a Keras model with at least one layer besides its input."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(model).__name__}")
    if not [layer for layer in model.layers if not _is_input_layer(layer)]:
        raise ValueError(f"{name} is empty: it has no layers to inspect")
    return model


def _is_input_layer(layer) -> bool:
    return type(layer).__name__ == "InputLayer"


def model_inputs(model):
    """The model's symbolic inputs, or a clear error when it has none yet."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise TypeError(
            f"model {model.name!r} has no input shape yet; start it with keras.Input((H, W, C))"
        )
    return inputs


def check_batch(model, x, *, name: str = "x") -> np.ndarray:
    """``x`` as a float32 batch that fits ``model``'s single image input.

    A Sequential model built without ``keras.Input`` is built for ``x``'s shape.
    """
    check_model(model)
    x = check_images(x, name)
    keras = _keras()
    try:
        model.inputs  # noqa: B018 -- raises when the model has no graph yet
    except (AttributeError, ValueError):
        if not isinstance(model, keras.Sequential):
            raise TypeError(
                f"model {model.name!r} has no input graph; build it with keras.Input "
                "(functional or Sequential models only)"
            ) from None
        model.build((None, *x.shape[1:]))
    expected = tuple(model_inputs(model)[0].shape)
    if len(expected) != 4:
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {expected}, not images (N, H, W, C)"
        )
    if expected[-1] is not None and x.shape[-1] != expected[-1]:
        raise ValueError(
            f"{name} has {x.shape[-1]} channels but model {model.name!r} expects "
            f"{expected[-1]} (input shape {expected})"
        )
    for axis, (got, want) in enumerate(zip(x.shape[1:3], expected[1:3], strict=True), start=1):
        if want is not None and got != want:
            raise ValueError(
                f"{name} has spatial shape {x.shape[1:3]} but model {model.name!r} "
                f"expects {expected[1:3]} (axis {axis})"
            )
    return x.astype("float32", copy=False)
