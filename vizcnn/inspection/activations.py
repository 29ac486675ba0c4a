"""What a layer computes: its feature maps for a batch, and its filters."""

from __future__ import annotations

import numpy as np

from vizcnn.backend import keras as _keras
from vizcnn.inspection._model_graph import output_extractor
from vizcnn.validation import check_batch, check_positive_int, find_layer


def feature_maps(model, x, layer, *, batch_size: int = 64) -> np.ndarray:
    """Outputs of ``layer`` for the batch ``x``.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model; nested models are searched.
    x : array-like, shape (N, H, W, C)
        A batch of inputs the model accepts.
    layer : str or keras.layers.Layer
        The layer whose output to return, by name or object.
    batch_size : int, default=64
        Inputs run through the model in chunks of this size.

    Returns
    -------
    np.ndarray
        The layer's output, shaped ``(N, H', W', C')`` for spatial layers.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    path = find_layer(model, layer)
    x = check_batch(model, x)
    out = x
    for stage in output_extractor(model, path):
        chunks = [out[i : i + batch_size] for i in range(0, max(len(out), 1), batch_size)]
        out = np.concatenate([np.asarray(stage(chunk, training=False)) for chunk in chunks])
    if 0 in out.shape[1:]:
        # e.g. a 9x9 pooling on a 3x3 input: Keras returns an empty array, not an error
        raise ValueError(
            f"layer {path[-1].name!r} produces an empty output {out.shape[1:]} for x of "
            f"shape {x.shape[1:]}: a window larger than its input (padding='valid'); use a "
            "larger input, a smaller window or padding='same'"
        )
    return out.astype("float32", copy=False)


def filters(layer_or_model, layer=None) -> np.ndarray:
    """The kernel of a convolution layer, shaped ``(kh, kw, c_in, c_out)``.

    Parameters
    ----------
    layer_or_model : keras.layers.Layer or keras.Model
        A convolution layer, or a model that contains it.
    layer : str or keras.layers.Layer, optional
        Required when ``layer_or_model`` is a model: which layer.

    Returns
    -------
    np.ndarray
        A float32 copy of the kernel. Depthwise kernels ``(kh, kw, c_in, multiplier)`` are
        returned as they are stored.
    """
    keras = _keras()
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
    kernel = getattr(target, "depthwise_kernel", None)
    if kernel is None:
        kernel = getattr(target, "kernel", None)
    if kernel is None:
        raise ValueError(
            f"layer {target.name!r} ({type(target).__name__}) has no kernel; "
            "pick a convolution layer such as Conv2D"
        )
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            f"layer {target.name!r} has a {kernel.ndim}-D kernel {kernel.shape}; "
            "filters() expects a 2-D convolution (kh, kw, c_in, c_out)"
        )
    return kernel.astype("float32")
