"""What a model costs to run: parameters, multiply-accumulates and FLOPs, layer by layer.

Counted from each layer's configuration and its input and output shapes, not measured:
``layer_costs(model)`` is a fold over the one model walk (:func:`vizcnn.graph.walk.walk_model`:
Sequential and functional models, nested models, ``keras.ops`` nodes, and layers with
``main_layers``/``skip_layers`` such as ``vz.layers.ResidualUnit``, every layer asked for
its output shape with ``compute_output_spec``). Nothing runs on real data. How each layer
kind is counted comes from :func:`vizcnn.graph.layer_kinds.cost_rule`.

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

from vizcnn.graph.layer_kinds import DECLARE_HINT, cost_rule
from vizcnn.graph.walk import subclassed_error, walk_model
from vizcnn.validation import check_model, model_inputs

COLUMNS = ("type", "output", "params", "macs", "flops", "elementwise")


def layer_costs(model):
    """Parameters and arithmetic of every layer, per image, forward pass.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model with a fixed input size (built from
        ``keras.Input((H, W, C))``, or ``keras.Input((T, C))`` for a 1-D model). Nested
        models and layers with ``main_layers`` / ``skip_layers``
        (``vz.layers.ResidualUnit``) are opened: their inner layers get rows of their own,
        keyed ``"outer/inner"``; the containers themselves get none.

    Returns
    -------
    pandas.DataFrame
        A :class:`~vizcnn.inspection._shown_table.ShownTable`: its columns are named as
        below in every language, and Jupyter shows the headers in the lesson's language.
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
            (``k*(c_in/groups)*c_out*T_out`` in 1-D; zero padding is multiplied too, as the
            hardware does); depthwise conv:
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
            cropping, Concatenate) and for the augmentation layers (``RandomFlip``, ...),
            the identity at inference. A custom layer declared with
            :func:`vizcnn.register_layer_geometry` counts one operation per output element
            (``"per_position"``), none (``"identity"``) or one per input element
            (``"global"``), and its weights in ``params``.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model, has no input graph, or is subclassed.
    ValueError
        If ``model`` has no layers, an input size is not fixed, or a layer kind is not
        known (its cost cannot be read from its configuration; the message says how to
        declare a custom layer).

    See Also
    --------
    forward_flops_per_image, training_flops_per_image
    """
    import pandas as pd

    from vizcnn.inspection._shown_table import shown_table

    check_model(model)
    model_inputs(model)
    rows = [_row(node) for node in walk_model(model) if node.role != "exit"]
    table = pd.DataFrame(rows, columns=["layer", *COLUMNS]).set_index("layer")
    return shown_table(table, "layer_costs")


def _row(node):
    """The cost row of one node of the walk."""
    if node.role == "opaque":
        raise subclassed_error(node.op)
    if node.role == "sum":  # a block's main + skip: the block's own weights travel with it
        block = node.op
        inner = [*block.main_layers, *block.skip_layers]
        after = getattr(block, "activation", None)
        if after is not None and hasattr(after, "weights"):
            inner.append(after)
        out = node.outputs[0]
        return {
            "layer": node.key,
            "type": "Add",
            "output": _per_image(out, node.key),
            "params": _params(block) - sum(_params(layer) for layer in inner),
            "macs": 0,
            "flops": 0,
            "elementwise": _size(out, node.key),
        }
    layer, key, outputs = node.op, node.key, list(node.outputs)
    macs, elementwise = _arithmetic(layer, list(node.inputs), outputs, key)
    return {
        "layer": key if node.call == 1 else f"{key}#{node.call}",
        "type": type(layer).__name__,
        "output": _per_image(outputs[0], key) if len(outputs) == 1 else None,
        "params": _params(layer) if node.call == 1 else 0,
        "macs": macs,
        "flops": 2 * macs,
        "elementwise": elementwise,
    }


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


def _arithmetic(layer, inputs, outputs, key):
    """``(macs, elementwise)`` of one call, per image."""
    rule = cost_rule(layer)
    out = sum(_size(t, key) for t in outputs)
    if rule in ("conv", "transpose", "depthwise", "separable", "dense"):
        config = layer.get_config()
        return _macs(rule, config, inputs, outputs, key, out), _bias_and_activation(config, out)
    if rule in ("none", "identity"):
        return 0, 0
    if rule == "pooling":
        return 0, math.prod(_as_tuple(layer.get_config()["pool_size"])) * out
    if rule == "global_pooling":
        return 0, sum(_size(t, key) for t in inputs)
    if rule == "merge":
        if len(inputs) < 2:  # one tensor and a constant: pointwise
            return 0, out
        return 0, (len(inputs) - 1) * out
    if rule == "elementwise":  # DepthPool reads pool_size channels per output
        return 0, max(out, *(_size(t, key) for t in inputs))
    name = type(layer).__name__
    if _params(layer):
        raise ValueError(
            f"layer {key!r} ({name}) has weights but vizcnn does not know its arithmetic; "
            "layer_costs counts convolutions, Dense, pooling, per-element layers and "
            f"merges; {DECLARE_HINT}"
        )
    raise ValueError(
        f"layer {key!r} ({name}) is not supported by layer_costs: its cost cannot be read "
        "from its configuration. Supported: convolutions (also depthwise, separable, "
        "transposed), Dense, pooling, global pooling, per-element layers and keras.ops, "
        "merges, reshaping layers, augmentation layers, nested models and residual units; "
        f"{DECLARE_HINT}"
    )


def _macs(rule, config, inputs, outputs, key, out):
    """Multiply-accumulates of a convolution or Dense call, per image."""
    kernel = math.prod(config.get("kernel_size", ()))
    if rule == "dense":
        shape = _per_image(inputs[0], key)
        return math.prod(shape[:-1]) * shape[-1] * config["units"]
    if rule == "depthwise":
        return kernel * out
    c_in, spatial_in = _channels(inputs[0], config, key)
    c_out, spatial = _channels(outputs[0], config, key)
    if rule == "conv":
        return kernel * (c_in // config.get("groups", 1)) * c_out * spatial
    if rule == "transpose":
        return kernel * c_in * c_out * spatial_in
    middle = c_in * config["depth_multiplier"]  # separable: depthwise, then 1x1 pointwise
    return kernel * middle * spatial + middle * c_out * spatial


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
