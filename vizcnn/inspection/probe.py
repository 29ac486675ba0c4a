"""The linear probe: a copy of a model in which every wired pixel reaches a unit.

Used by :func:`~vizcnn.inspection.measured_field.empirical_receptive_field` (see its
docstring for why and how). Which layers it linearises comes from
:mod:`vizcnn.graph.layer_kinds`, the taxonomy the receptive-field walk uses too.
"""

from __future__ import annotations

import functools
import math
import weakref

import numpy as np

from vizcnn.backend import keras as _keras
from vizcnn.graph.layer_kinds import probe_replacement
from vizcnn.graph.lookup import iter_layers
from vizcnn.graph.walk import has_graph, subclassed_error

__all__ = ["linear_probe", "same_path"]

_PROBES = weakref.WeakKeyDictionary()


def _identity_op(x, *args, **kwargs):
    return x


def _add_op(x1, x2, *args, **kwargs):
    return _keras().ops.add(x1, x2)


def linear_probe(model, grid):
    """The linear, positive-weight float64 copy of ``model`` (cached per model and size)."""
    keras = _keras()
    signature = (grid, tuple(id(layer) for _, layer in iter_layers(model)))
    cached = _PROBES.get(model)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    channels = model.inputs[0].shape[-1]
    previous = keras.config.dtype_policy()
    # Layers that custom layers create inside themselves take the global policy.
    keras.config.set_dtype_policy("float64")
    try:
        probe = _clone(model, keras.Input(batch_shape=(None, *grid, channels), dtype="float64"))
    finally:
        keras.config.set_dtype_policy(previous)
    for variable in probe.weights:
        _fill(variable)
    _PROBES[model] = (signature, probe, channels)
    return probe, channels


def _clone(model, inputs):
    keras = _keras()
    if not has_graph(model):
        raise subclassed_error(
            model, "empirical receptive fields need a Sequential or functional model"
        )
    return keras.models.clone_model(model, input_tensors=inputs, clone_function=_linear_copy)


def _linear_copy(layer):
    keras = _keras()
    replacement = probe_replacement(layer)  # the taxonomy says what the layer is
    if not isinstance(layer, keras.layers.Layer):  # a keras.ops operation in the graph
        if replacement == "identity":
            return _identity_op
        if replacement == "add":
            return _add_op
        return layer  # stateless: reuse it
    if isinstance(layer, keras.Model):
        shape = tuple(layer.inputs[0].shape)
        return _clone(layer, keras.Input(batch_shape=shape, dtype="float64"))
    config = layer.get_config()
    common = {"name": layer.name, "dtype": "float64"}
    if replacement in ("AveragePooling2D", "AveragePooling1D"):  # max pooling, averaged
        keep = ("pool_size", "strides", "padding", "data_format")
        return getattr(keras.layers, replacement)(**{k: config[k] for k in keep}, **common)
    if replacement in ("GlobalAveragePooling2D", "GlobalAveragePooling1D"):
        return getattr(keras.layers, replacement)(
            data_format=config.get("data_format"), keepdims=config.get("keepdims", False), **common
        )
    if replacement == "identity":  # pointwise layers and augmentation
        return _pass_through_class()(**common)
    if replacement == "add":
        return keras.layers.Add(**common)
    config["dtype"] = "float64"
    if "activation" in config:
        config["activation"] = "linear"
    return type(layer).from_config(config)


@functools.cache
def _pass_through_class():
    keras = _keras()

    class _PassThrough(keras.layers.Layer):
        """The identity, accepting whatever keyword arguments the replaced layer took."""

        def call(self, inputs, **kwargs):
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

    return _PassThrough


def _fill(variable):
    """Positive kernels, zero biases, identity batch normalization (see the docstring)."""
    if not np.issubdtype(np.dtype(variable.dtype), np.floating):
        return  # e.g. random-seed state
    name = variable.name.split("/")[-1].split(":")[0]
    shape = tuple(variable.shape)
    if name in ("bias", "beta", "moving_mean"):
        value = 0.0
    elif name in ("gamma", "moving_variance"):
        value = 1.0
    # kernels are (*window, c_in, c_out): (kh, kw, ...) in 2-D, (k, ...) in 1-D, () for
    # Dense; depthwise ones (*window, c_in, multiplier) sum over the window only
    elif name == "depthwise_kernel":
        value = 1.0 / math.sqrt(math.prod(shape[:-2]))
    elif name in ("pointwise_kernel", "kernel") and len(shape) >= 2:
        value = 1.0 / (shape[-2] * math.sqrt(math.prod(shape[:-2])))
    else:
        return
    variable.assign(np.full(shape, value, dtype=variable.dtype))


def same_path(probe, path):
    """The probe copy's layers along ``path`` (found by name, one nesting level at a time)."""
    container, result = probe, []
    for layer in path:
        container = container.get_layer(layer.name)
        result.append(container)
    return tuple(result)
