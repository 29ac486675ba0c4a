"""What a model costs to run: parameters, multiply-accumulates and FLOPs, layer by layer.

Counted from each layer's configuration and its input and output shapes, not measured:
``layer_costs(model)`` follows the model's graph in order (Sequential and functional models,
nested models, ``keras.ops`` nodes, and layers with ``main_layers``/``skip_layers`` such as
``vz.layers.ResidualUnit``) and asks every layer for its output shape with
``compute_output_spec``. Nothing runs on real data; a ResidualUnit's inner layers, whose
shapes Keras does not keep after a functional call, get theirs from the same walk.

Two kinds of work are kept apart:

``macs``
    Multiply-accumulates of the matrix-multiply-like layers (convolutions, ``Dense``): the
    work a CPU's or GPU's peak FLOP/s figure describes. ``flops = 2 * macs``.
``elementwise``
    One operation per output element for everything else (batch normalization,
    activations, dropout, bias adds, merges such as ``Add``); pooling does one per kernel
    element (``pool_size`` ops per output), global pooling one per input element. These
    run far below peak (they are memory-bound), so they are counted but never added to
    ``flops``.
"""

from __future__ import annotations

import math

from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.inspection.layer_kinds import MERGES, POINTWISE_LAYERS, POINTWISE_OPS
from vizcnn.validation import check_model, model_inputs

# Moves or reshapes data without arithmetic.
_NO_ARITHMETIC = frozenset(
    {
        "InputLayer", "Flatten", "Reshape", "Permute", "RepeatVector", "Identity",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
        "Cropping3D", "Concatenate",
    }
)  # fmt: skip
_POOLING = frozenset(
    {
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    }
)  # fmt: skip
_GLOBAL_POOLING = frozenset(
    {
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    }
)  # fmt: skip
_PER_ELEMENT = (POINTWISE_LAYERS | POINTWISE_OPS) - _NO_ARITHMETIC
COLUMNS = ("type", "output", "params", "macs", "flops", "elementwise")


def layer_costs(model):
    """Parameters and arithmetic of every layer, per image, forward pass.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model with a fixed input size (built from
        ``keras.Input((H, W, C))``). Nested models and layers with ``main_layers`` /
        ``skip_layers`` (``vz.layers.ResidualUnit``) are opened: their inner layers get
        rows of their own, keyed ``"outer/inner"``; the containers themselves get none.

    Returns
    -------
    pandas.DataFrame
        One row per layer call in graph order, indexed by ``layer`` (its name, or
        ``"outer/inner"`` inside a nested model or residual unit; a shared layer's later
        calls add ``"#2"``, ``"#3"``, ...). Columns:

        ``type``
            The layer's class name (``"Add"`` for a residual unit's sum).
        ``output``
            Output shape without the batch axis.
        ``params``
            The layer's own weights, trainable and not (a shared layer's on its first call
            only): the column sums to ``model.count_params()``.
        ``macs``
            Multiply-accumulates per image. Conv: ``kh*kw*(c_in/groups)*c_out*H_out*W_out``
            (zero padding is multiplied too, as the hardware does); depthwise conv:
            ``kh*kw*c_in*depth_multiplier*H_out*W_out``; separable conv: depthwise plus the
            1x1 pointwise conv; transposed conv: ``kh*kw*c_in*c_out*H_in*W_in``; Dense:
            ``in*out`` at every position (on ``(H, W, C)`` input it acts per position).
            Biases cost no MAC.
        ``flops``
            ``2 * macs``: matrix-multiply work only, the kind peak FLOP/s figures measure.
        ``elementwise``
            Operations that are not multiply-accumulates: one per output element for
            batch normalization, activations (also one for a conv's or Dense's fused
            activation and one for its bias), dropout and merges (``n_inputs - 1`` per
            output element); ``pool_size`` per output element for pooling; one per input
            element for global pooling; none for reshaping (Flatten, Reshape, padding,
            cropping, Concatenate).

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model, has no input graph, or is subclassed.
    ValueError
        If ``model`` has no layers, an input size is not fixed, or a layer kind is not
        known (its cost cannot be read from its configuration).

    See Also
    --------
    forward_flops_per_image, training_flops_per_image
    """
    import pandas as pd

    check_model(model)
    inputs = model_inputs(model)
    walk = _CostWalk()
    walk.model(model, list(inputs), prefix="")
    return pd.DataFrame(walk.rows, columns=["layer", *COLUMNS]).set_index("layer")


def forward_flops_per_image(model) -> int:
    """FLOPs of one image's forward pass: ``layer_costs(model)["flops"].sum()``.

    Matrix-multiply work only (``2 * macs``); elementwise operations are left out (see
    :func:`layer_costs`). For the notes' CNN (``vz.models.basic_cnn()``) this is
    178,932,992: the "about 179 MFLOP per image" figure.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int
    """
    return int(layer_costs(model)["flops"].sum())


def training_flops_per_image(model) -> int:
    """FLOPs to train on one image: ``3 * forward_flops_per_image(model)``.

    The usual rule: the forward pass, then in the backward pass two products of the same
    size per layer, one for the gradient with respect to the layer's input and one for the
    gradient with respect to its weights. (The first layer needs no input gradient, so
    this slightly over-counts; the optimizer's per-weight update and all elementwise work
    are left out, as in :func:`forward_flops_per_image`.) Takes a ``keras.Model``,
    returns an ``int``.
    """
    return 3 * forward_flops_per_image(model)


class _CostWalk:
    """Follow a model's graph with symbolic tensors, one row per layer call."""

    def __init__(self):
        self.keras = _keras()
        self.rows = []
        self.calls = {}  # id(layer) -> number of calls so far

    def model(self, model, inputs, *, prefix):
        keras = self.keras
        if isinstance(model, keras.Sequential):
            value = inputs[0]
            for layer in model.layers:
                value = self.layer(layer, [value], (), prefix=prefix)
            return [value]
        if not keras_internals.has_functional_graph(model):
            raise TypeError(
                f"model {model.name!r} ({type(model).__name__}) is a subclassed model: its "
                "graph is hidden in Python code; use a Sequential or functional model"
            )

        def operation_fn(op):
            return lambda *args, **kwargs: self.layer(op, args, kwargs, prefix=prefix)

        outputs = keras_internals.run_through_graph(model, inputs, operation_fn)
        return _tensors(outputs)

    def layer(self, layer, args, kwargs, *, prefix):
        keras = self.keras
        tensors = _tensors((args, kwargs))
        key = prefix + layer.name
        if isinstance(layer, keras.Model):
            outputs = self.model(layer, tensors, prefix=key + "/")
            return outputs[0] if len(outputs) == 1 else outputs
        if hasattr(layer, "main_layers") and hasattr(layer, "skip_layers"):
            return self._residual(layer, tensors[0], prefix=key + "/")
        output = layer.compute_output_spec(*args, **(kwargs or {}))
        self._record(layer, key, tensors, _tensors(output))
        return output

    def _residual(self, unit, x, *, prefix):
        main = skip = x
        for inner in unit.main_layers:
            main = self.layer(inner, [main], (), prefix=prefix)
        for inner in unit.skip_layers:
            skip = self.layer(inner, [skip], (), prefix=prefix)
        inner_layers = [*unit.main_layers, *unit.skip_layers]
        after = getattr(unit, "activation", None)
        if isinstance(after, self.keras.layers.Layer):
            inner_layers.append(after)
        # weights of the unit's own (none for ResidualUnit) travel with its sum
        own = _params(unit) - sum(_params(inner) for inner in inner_layers)
        out = self.keras.KerasTensor(main.shape, dtype=main.dtype)
        self.rows.append(
            {
                "layer": prefix + "add",
                "type": "Add",
                "output": _per_image(out, prefix + "add"),
                "params": own,
                "macs": 0,
                "flops": 0,
                "elementwise": _size(out, prefix + "add"),
            }
        )
        if isinstance(after, self.keras.layers.Layer):
            out = self.layer(after, [out], (), prefix=prefix)
        return out

    def _record(self, layer, key, inputs, outputs):
        n = self.calls[id(layer)] = self.calls.get(id(layer), 0) + 1
        macs, elementwise = _arithmetic(self.keras, layer, inputs, outputs, key)
        self.rows.append(
            {
                "layer": key if n == 1 else f"{key}#{n}",
                "type": type(layer).__name__,
                "output": _per_image(outputs[0], key) if len(outputs) == 1 else None,
                "params": _params(layer) if n == 1 else 0,
                "macs": macs,
                "flops": 2 * macs,
                "elementwise": elementwise,
            }
        )


def _arithmetic(keras, layer, inputs, outputs, key):
    """``(macs, elementwise)`` of one call, per image."""
    name = type(layer).__name__
    layers = keras.layers
    out = sum(_size(t, key) for t in outputs)
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        config = layer.get_config()
        c_in, _ = _channels(inputs[0], config, key)
        c_out, spatial = _channels(outputs[0], config, key)
        macs = math.prod(config["kernel_size"]) * (c_in // config.get("groups", 1)) * c_out
        return macs * spatial, _bias_and_activation(config, out)
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        config = layer.get_config()
        c_in, spatial_in = _channels(inputs[0], config, key)
        c_out, _ = _channels(outputs[0], config, key)
        macs = math.prod(config["kernel_size"]) * c_in * c_out * spatial_in
        return macs, _bias_and_activation(config, out)
    if isinstance(layer, (layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        config = layer.get_config()
        return math.prod(config["kernel_size"]) * out, _bias_and_activation(config, out)
    if isinstance(layer, (layers.SeparableConv1D, layers.SeparableConv2D)):
        config = layer.get_config()
        c_in, _ = _channels(inputs[0], config, key)
        c_out, spatial = _channels(outputs[0], config, key)
        middle = c_in * config["depth_multiplier"]
        depthwise = math.prod(config["kernel_size"]) * middle * spatial
        return depthwise + middle * c_out * spatial, _bias_and_activation(config, out)
    if isinstance(layer, layers.Dense):
        config = layer.get_config()
        shape = _per_image(inputs[0], key)
        positions = math.prod(shape[:-1])
        return positions * shape[-1] * config["units"], _bias_and_activation(config, out)
    if name in _NO_ARITHMETIC:
        return 0, 0
    if name in _POOLING:
        return 0, math.prod(_as_tuple(layer.get_config()["pool_size"])) * out
    if name in _GLOBAL_POOLING:
        return 0, sum(_size(t, key) for t in inputs)
    if name in MERGES:
        if len(inputs) < 2:  # one tensor and a constant: pointwise
            return 0, out
        return 0, (len(inputs) - 1) * out
    if name in _PER_ELEMENT:  # DepthPool reads pool_size channels per output
        return 0, max(out, *(_size(t, key) for t in inputs))
    if _params(layer):
        raise ValueError(
            f"layer {key!r} ({name}) has weights but vizcnn does not know its arithmetic; "
            "layer_costs counts convolutions, Dense, pooling, per-element layers and merges"
        )
    raise ValueError(
        f"layer {key!r} ({name}) is not supported by layer_costs: its cost cannot be read "
        "from its configuration. Supported: convolutions (also depthwise, separable, "
        "transposed), Dense, pooling, global pooling, per-element layers and keras.ops, "
        "merges, reshaping layers, nested models and residual units"
    )


def _bias_and_activation(config, out):
    """One op per output element for a bias, one more for a fused non-linear activation."""
    activation = config.get("activation")
    linear = activation in (None, "linear") or (
        isinstance(activation, dict) and activation.get("config") == "linear"
    )
    return out * (int(bool(config.get("use_bias", False))) + int(not linear))


def _channels(tensor, config, key):
    """``(channels, number of spatial positions)`` of one image of ``tensor``."""
    shape = _per_image(tensor, key)
    if config.get("data_format") == "channels_first":
        return shape[0], math.prod(shape[1:])
    return shape[-1], math.prod(shape[:-1])


def _per_image(tensor, key):
    """One image's shape (no batch axis), all sizes known."""
    shape = tuple(tensor.shape[1:])
    if any(n is None for n in shape):
        raise ValueError(
            f"layer {key!r} sees a tensor of shape {tuple(tensor.shape)}, of unknown size; "
            "layer_costs needs a fixed input size: build the model from "
            "keras.Input((H, W, C))"
        )
    return tuple(int(n) for n in shape)


def _size(tensor, key):
    return math.prod(_per_image(tensor, key))


def _params(layer) -> int:
    """All weights (``keras.ops`` nodes have none)."""
    return sum(math.prod(w.shape) for w in getattr(layer, "weights", ()))


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _tensors(structure):
    """The symbolic tensors in a nested structure of args, kwargs and outputs."""
    if isinstance(structure, (list, tuple)):
        return [t for item in structure for t in _tensors(item)]
    if isinstance(structure, dict):
        return [t for item in structure.values() for t in _tensors(item)]
    return [structure] if hasattr(structure, "shape") and hasattr(structure, "dtype") else []
