"""What a layer computes: its feature maps for a batch, and its filters.

Also the checks of careless inputs that every image-in, maps-out function shares
(:func:`check_image_model`, :func:`warn_unscaled`), made before any TensorFlow work.
"""

from __future__ import annotations

import warnings

import numpy as np

from vizcnn.backend import keras as _keras
from vizcnn.graph.layer_kinds import kernel_kind, scales_input
from vizcnn.graph.lookup import find_layer, iter_layers, path_key
from vizcnn.graph.submodels import output_extractor
from vizcnn.inspection.preflight import check_before_running
from vizcnn.validation import (
    check_batch,
    check_model,
    check_one_of,
    check_positive_int,
)

#: How many layers from the input are searched for a Rescaling or Normalization layer.
_FIRST_LAYERS = 6


def feature_maps(model, x, layer, *, batch_size: int = 64) -> np.ndarray:
    """Outputs of ``layer`` for the batch ``x``.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model with one input (channels last): images for a
        2-D model, sequences (sound, text) for a 1-D one; nested models are searched.
    x : array-like, shape (N, H, W, C), or (N, T, C) for a 1-D model
        A batch of inputs the model accepts. uint8 pixels (or values above 1.5) given
        to a model that starts without a ``Rescaling`` or ``Normalization`` layer draw a
        warning: such a model was most likely trained on ``x / 255``.
    layer : str or keras.layers.Layer
        The layer whose output to return, by name or object.
    batch_size : int, default=64
        Inputs run through the model in chunks of this size.

    Returns
    -------
    np.ndarray
        The layer's output, shaped ``(N, H', W', C')`` for spatial layers of a 2-D model,
        ``(N, T', C')`` for those of a 1-D model.

    Raises
    ------
    ValueError
        A model with several inputs or a ``channels_first`` layer; ``x`` not a batch
        the model takes; a layer whose window is larger than its input at ``x``'s size
        (named, with the smallest size that fits); a layer used more than once in the
        model; NaN or inf weights on the way to the layer (the layer named).
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    path = find_layer(model, layer)
    check_image_model(model, caller="feature_maps")
    raw = x
    x = check_batch(model, x)
    warn_unscaled(model, raw, x, caller="feature_maps")
    check_before_running(model, path, x.shape[1:])
    out = x
    for stage in output_extractor(model, path):
        chunks = [out[i : i + batch_size] for i in range(0, max(len(out), 1), batch_size)]
        out = np.concatenate([np.asarray(stage(chunk, training=False)) for chunk in chunks])
    return out.astype("float32", copy=False)


def check_image_model(model, *, caller: str) -> None:
    """Refuse what vizcnn cannot read right, before TensorFlow runs.

    Raises
    ------
    TypeError
        ``model`` not a Keras model.
    ValueError
        The model takes several inputs, or a layer uses ``data_format="channels_first"``
        (its maps would be read as ``(N, H, W, C)`` and come out wrong).
    """
    check_model(model)
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):  # a Sequential without Input: check_batch builds it
        inputs = []
    if len(inputs) > 1:
        raise ValueError(
            f"{caller} needs a model with one image input; model {model.name!r} takes "
            f"{len(inputs)} inputs: build a one-input model around the part to inspect"
        )
    for path, layer in iter_layers(model):
        if getattr(layer, "data_format", None) == "channels_first":
            key = path_key(path)
            raise ValueError(
                f"{caller} reads images and maps as (N, H, W, C), but layer {key!r} of model "
                f"{model.name!r} uses data_format='channels_first': rebuild the model with "
                "data_format='channels_last' (the Keras default)"
            )


def warn_unscaled(model, raw, x: np.ndarray, *, caller: str) -> None:
    """A one-line warning when pixels look like 0-255 and the model does not rescale.

    ``raw`` is ``x`` as the user gave it (for its dtype), ``x`` the checked float batch.
    """
    uint8 = getattr(raw, "dtype", None) == np.uint8
    peak = float(x.max()) if x.size else 0.0
    # negative values mean preprocessed input (keras.applications' preprocess_input), not pixels
    if (not uint8 and peak <= 1.5) or (x.size and float(x.min()) < 0):
        return
    first = [layer for _, layer in iter_layers(model)][:_FIRST_LAYERS]
    if any(scales_input(layer) for layer in first):
        return
    what = "uint8 pixels" if uint8 else f"values up to {peak:.4g}"
    warnings.warn(
        f"{caller}: x holds {what} but model {model.name!r} starts with no Rescaling or "
        "Normalization layer; if it was trained on pixels in [0, 1], pass "
        "vz.data.scale_images(x)",
        UserWarning,
        stacklevel=3,
    )


def filters(layer_or_model, layer=None, *, part: str | None = None) -> np.ndarray:
    """The kernel of a convolution layer, shaped ``(kh, kw, c_in, c_out)`` (``(k, c_in,
    c_out)`` for a 1-D convolution such as ``Conv1D``).

    Parameters
    ----------
    layer_or_model : keras.layers.Layer or keras.Model
        A convolution layer (built), or a model that contains it.
    layer : str or keras.layers.Layer, optional
        Required when ``layer_or_model`` is a model: which layer.
    part : {"depthwise", "pointwise"}, optional
        For a ``SeparableConv2D`` (or ``SeparableConv1D``), which of its two kernels.
        Default: the depthwise one (the spatial filters); ``"pointwise"`` is its 1x1
        mixing of channels, ``(1, 1, c_in * multiplier, c_out)`` (``(1, c_in *
        multiplier, c_out)`` in 1-D). Only a separable layer takes it.

    Returns
    -------
    np.ndarray
        A float32 copy of the kernel. Depthwise kernels (``DepthwiseConv2D``, the
        depthwise part of ``SeparableConv2D``, and their 1-D twins) are returned as they
        are stored, ``(kh, kw, c_in, multiplier)`` (``(k, c_in, multiplier)`` in 1-D): one
        spatial kernel per input channel and multiplier, output channel
        ``c * multiplier + m``.

    Raises
    ------
    TypeError
        ``layer_or_model`` neither a layer nor a model.
    ValueError
        A layer without a kernel, one not built yet, a kernel that is neither a 2-D nor a
        1-D convolution's, or ``part`` for a layer that is not separable.
    """
    keras = _keras()
    if part is not None:
        part = check_one_of(part, "part", ("depthwise", "pointwise"))
    if isinstance(layer_or_model, keras.Model):
        if layer is None:
            raise ValueError("layer is required when filters() is given a model")
        target = find_layer(layer_or_model, layer)[-1]
    elif isinstance(layer_or_model, keras.layers.Layer):
        if layer is not None:
            raise ValueError("layer must be None when filters() is given a layer")
        target = layer_or_model
    else:
        raise TypeError(
            f"layer_or_model must be a keras layer or model, got {type(layer_or_model).__name__}"
        )
    separable = kernel_kind(target) == "separable"
    if part is not None and not separable:
        raise ValueError(
            f"part={part!r} picks a kernel of a SeparableConv2D or SeparableConv1D; layer "
            f"{target.name!r} is a "
            f"{type(target).__name__}: leave part=None"
        )
    if not target.built and kernel_kind(target) is not None:
        raise ValueError(
            f"layer {target.name!r} ({type(target).__name__}) is not built yet, so it has no "
            "weights: call it on an input, put it in a model with keras.Input, or call "
            "layer.build((None, H, W, C)) (a 1-D layer: (None, T, C)) first"
        )
    if separable:
        kernel = target.pointwise_kernel if part == "pointwise" else target.depthwise_kernel
    else:
        kernel = getattr(target, "depthwise_kernel", None)
        if kernel is None:
            kernel = getattr(target, "kernel", None)
    if kernel is None:
        raise ValueError(
            f"layer {target.name!r} ({type(target).__name__}) has no kernel; "
            "pick a convolution layer such as Conv2D"
        )
    kernel = np.asarray(kernel)
    if kernel.ndim not in (3, 4):
        raise ValueError(
            f"layer {target.name!r} has a {kernel.ndim}-D kernel {kernel.shape}; "
            "filters() expects a 2-D convolution (kh, kw, c_in, c_out) or a 1-D one "
            "(k, c_in, c_out)"
        )
    return kernel.astype("float32")


def is_depthwise(layer, part: str | None = None) -> bool:
    """Whether ``filters(layer, part=part)`` returns a depthwise kernel."""
    kind = kernel_kind(layer)
    if kind == "separable":
        return part != "pointwise"
    return kind == "depthwise"
