"""Receptive fields measured with gradients.

:func:`empirical_receptive_field` finds which pixels are *wired* to a unit (on the linear
probe copy, :mod:`~vizcnn.inspection.probe`), independently of the graph walk, so the two
can be compared. :func:`effective_receptive_field` measures how *strongly* each pixel acts
on a unit of the real model (Luo et al., 2016).
"""

from __future__ import annotations

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.graph.lookup import find_layer
from vizcnn.graph.submodels import output_extractor
from vizcnn.inspection.preflight import check_before_running, check_input_fits
from vizcnn.inspection.probe import linear_probe, same_path
from vizcnn.inspection.receptive_field import input_grid
from vizcnn.validation import check_batch, check_int, check_position, model_inputs

__all__ = ["effective_receptive_field", "empirical_receptive_field"]


def empirical_receptive_field(model, layer, *, position=None, input_size=None) -> np.ndarray:
    """Which input pixels can change one unit of ``layer``, measured with gradients.

    The gradient of a unit with respect to one random input misses pixels: where a ReLU
    is off, or a max pool takes another value, the gradient is zero although the pixel is
    wired to the unit. Whether a pixel is wired to a unit is a property of the graph, not
    of the weights, so we measure it on a *probe copy* of the model whose every path
    carries a positive weight:

    - max pooling becomes average pooling over the same windows (global max pooling
      becomes global average pooling; ``Maximum``/``Minimum``/``Multiply``/``Subtract``
      merges become ``Add``), so every window position gets gradient, and no minus sign
      can cancel two paths;
    - activations, normalization, dropout, rescaling and ``DepthPool`` become the
      identity (they act per position), layers' own ``activation=`` becomes linear, and
      so do ``keras.ops`` nonlinearities applied in a functional graph;
    - every kernel is filled with a positive constant, biases with 0, batch
      normalization with gamma 1, beta 0, mean 0, variance 1;
    - it computes in float64, on an all-zero input.

    The copy is then *linear*, and the gradient of the unit (summed over its channels)
    with respect to pixel ``p`` is the sum, over every path from ``p`` to the unit, of
    the product of the path's weights: all positive, so it is ``> 0`` exactly when such a
    path exists. Padding contributes no path. The constants are scaled (``1 / (c_in *
    sqrt(kh * kw))``) so that the smallest product stays far from float64's underflow for
    hundreds of layers; that is the only limit. Custom layers are copied through their
    config, so a custom layer with a hidden max or a hard-coded ReLU inside may still
    block gradient: check such layers with :func:`receptive_fields`.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model taking images ``(N, H, W, C)``, or sequences
        ``(N, T, C)`` (a 1-D model: the mask is then 1-D).
    layer : str or keras.layers.Layer
        The layer whose unit to measure (nested models are searched).
    position : tuple of int, optional
        ``(i, j)`` on the layer's output grid (one step ``t`` or ``(t,)`` for a 1-D
        model). Default: the centre unit ``(H_out // 2, W_out // 2)``. Must be None for
        layers without a grid (``Dense`` after ``Flatten``, global pooling).
    input_size : tuple of int, optional
        ``(H, W)`` (``T`` for a 1-D model), required when the model's input size is not
        fixed.

    Returns
    -------
    np.ndarray of bool, shape (H, W), or (T,) for a 1-D model
        ``True`` for the input pixels (steps) the unit depends on.
    """
    path = find_layer(model, layer)
    grid = input_grid(model, input_size)
    if None in grid:
        raise ValueError(
            f"model {model.name!r} does not fix its input size {grid}; pass input_size=(H, W)"
        )
    _check_unit(path[-1], position, rank=len(grid) + 2)
    channels = model_inputs(model)[0].shape[-1] or 1
    check_input_fits(model, (*grid, channels), name="input_size")
    return _measured_masks(model, path, grid, [position])[0]


def _check_unit(layer, position, channel=None, *, rank=4):
    """Check ``position`` and ``channel`` against the layer's symbolic output, before any
    TensorFlow work (what the shape leaves unknown is checked again on the real output).
    ``rank`` is the model input's: an output of that rank has a grid of units."""
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError):  # shared layer or several outputs: checked later
        return
    if len(shape) == rank:
        if position is not None:
            check_position(position, shape[1:-1])
    elif position is not None:
        raise ValueError(
            f"position must be None for layer {layer.name!r}: its output {shape} has no "
            f"spatial grid, got {position!r}"
        )
    if channel is not None:
        check_int(
            channel, "channel", minimum=0, maximum=None if shape[-1] is None else shape[-1] - 1
        )


def _measured_masks(model, path, grid, positions):
    """Masks for several units of one layer, in one backward pass (one batch row each)."""
    tf = import_tensorflow()
    probe, channels = linear_probe(model, grid)
    probe_path = same_path(probe, path)
    stages = output_extractor(probe, probe_path)
    x = tf.zeros((len(positions), *grid, channels), dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = x
        for stage in stages:
            out = stage(out, training=False)
        selector = _selector(out.shape, positions, path[-1].name, rank=len(grid) + 2)
        unit = tf.reduce_sum(tf.cast(out, tf.float64) * selector)
    grad = tape.gradient(unit, x)
    return np.asarray(tf.reduce_sum(tf.abs(grad), axis=-1)) > 0


def _selector(shape, positions, name, *, rank):
    """Weights picking unit ``positions[n]`` (all its channels) in batch row ``n``; an
    output of the model input's ``rank`` has a grid of units, (H, W) or (T,)."""
    shape = tuple(shape)
    if len(shape) == rank:
        weights = np.zeros((len(positions), *shape[1:-1], 1))
        for n, position in enumerate(positions):
            weights[(n, *check_position(position, shape[1:-1]), 0)] = 1.0
        return weights
    for position in positions:
        if position is not None:
            raise ValueError(
                f"position must be None for layer {name!r}: its output {shape} has no "
                f"spatial grid, got {position!r}"
            )
    return np.ones((len(positions), *shape[1:]))


def effective_receptive_field(model, x, layer, *, position=None, channel=None) -> np.ndarray:
    """How strongly each input pixel acts on one unit: ``|d unit / d input|``.

    Luo et al. (2016), *Understanding the effective receptive field in deep CNNs*: on a
    trained network the gradient is concentrated in a roughly Gaussian blob far smaller
    than the theoretical field.

    Parameters
    ----------
    model : keras.Model
        The real model (its own weights and nonlinearities).
    x : array-like, shape (N, H, W, C)
        Inputs at which to take the gradient; the result is averaged over them.
    layer : str or keras.layers.Layer
        The layer whose unit to follow.
    position : tuple of int, optional
        The unit; default the centre unit.
    channel : int, optional
        One channel of the unit; default the sum over its channels.

    Returns
    -------
    np.ndarray, shape (H, W)
        Mean over ``x`` of the gradient's absolute value, summed over input channels.
    """
    path = find_layer(model, layer)
    x = check_batch(model, x)
    _check_unit(path[-1], position, channel, rank=x.ndim)
    check_before_running(model, path, x.shape[1:])
    tf = import_tensorflow()
    x = tf.constant(x)
    stages = output_extractor(model, path)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = x
        for stage in stages:
            out = stage(out, training=False)
        selector = _selector(out.shape, [position] * x.shape[0], path[-1].name, rank=x.ndim)
        if channel is not None:
            channels = out.shape[-1]
            channel = check_int(channel, "channel", minimum=0, maximum=channels - 1)
            selector = selector * np.eye(channels)[channel]
        unit = tf.reduce_sum(tf.cast(out, tf.float32) * tf.constant(selector, tf.float32))
    grad = tape.gradient(unit, x)
    return np.asarray(tf.reduce_mean(tf.reduce_sum(tf.abs(grad), axis=-1), axis=0))
