"""Checks of Keras models and of batches for them (Keras imported on first use).

Finding a layer inside a model is the graph's job: :mod:`vizcnn.graph.lookup`.
"""

from __future__ import annotations

import numpy as np

from vizcnn.validation.arrays import check_inputs


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
    """``x`` as a float32 batch that fits ``model``'s single input: images ``(N, H, W, C)``
    for a 2-D model, sequences ``(N, T, C)`` for a 1-D one.

    A Sequential model built without ``keras.Input`` is built for ``x``'s shape.
    """
    check_model(model)
    axes = _spatial_axes(model)
    if axes not in (1, 2, None):
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {tuple(model.inputs[0].shape)}, not "
            "images (N, H, W, C) nor sequences (N, T, C)"
        )
    x = check_inputs(x, axes, name)
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
    if len(expected) != x.ndim:  # a model built for x: only a custom build gets here
        raise ValueError(f"{name} has shape {x.shape} but model {model.name!r} takes {expected}")
    if expected[-1] is not None and x.shape[-1] != expected[-1]:
        raise ValueError(
            f"{name} has {x.shape[-1]} channels but model {model.name!r} expects "
            f"{expected[-1]} (input shape {expected})"
        )
    grid, want_grid = x.shape[1:-1], expected[1:-1]
    for axis, (got, want) in enumerate(zip(grid, want_grid, strict=True), start=1):
        if want is not None and got != want:
            raise ValueError(
                f"{name} has spatial shape {grid} but model {model.name!r} "
                f"expects {want_grid} (axis {axis})"
            )
    return x.astype("float32", copy=False)


def _spatial_axes(model):
    """2 for a model of images, 1 for a model of sequences (3 for volumes), ``None`` when
    unsure.

    Read from the model's input, or, for a Sequential not built yet, from its first window
    (``Conv1D``'s ``kernel_size`` has one entry, ``Conv2D``'s two).
    """
    try:
        return len(model.inputs[0].shape) - 2
    except (AttributeError, ValueError, IndexError, TypeError):
        pass
    for layer in model.layers:
        window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        if isinstance(window, (tuple, list)) and len(window) in (1, 2):
            return len(window)
    return None
