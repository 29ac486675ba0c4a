"""Ask a real Keras layer what shape it returns: the check behind the lessons' formulas.

``vizcnn.arithmetic`` *predicts* output sizes without TensorFlow; this module builds the
actual ``Conv2D`` / ``MaxPool2D`` / ``AveragePooling2D`` and reports what it returns, or
the words it refuses with. TensorFlow is imported on the first call; answers are cached.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from vizcnn.arithmetic.geometry import PADDINGS
from vizcnn.validation import check_int_pair, check_one_of

__all__ = ["LAYERS", "KerasOutputShape", "keras_output_shape"]

LAYERS = ("Conv2D", "MaxPool2D", "AveragePooling2D")


class KerasOutputShape(NamedTuple):
    """What a real Keras layer did with a zero batch ``(1, height, width, 1)``.

    Attributes
    ----------
    shape : tuple of int or None
        The output shape ``(1, height', width', 1)``; None when Keras refused.
    call : str
        The Python expression that was evaluated, e.g.
        ``"keras.layers.Conv2D(1, 3, strides=2, padding='same', dilation_rate=1)"
        "(np.zeros((1, 9, 9, 1)))"``; for a pooling window larger than its input,
        ``"keras.layers.MaxPool2D(9, strides=1, padding='valid')"
        ".compute_output_shape((1, 5, 5, 1))"`` (see :func:`keras_output_shape`).
    error : str or None
        The first line of Keras' refusal, None when it returned a shape.
    """

    shape: tuple | None
    call: str
    error: str | None


def keras_output_shape(
    layer, input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1
) -> KerasOutputShape:
    """Build a real Keras layer and report the shape it returns, or why it refuses.

    Parameters
    ----------
    layer : {"Conv2D", "MaxPool2D", "AveragePooling2D"}
        Which ``keras.layers`` class; a ``Conv2D`` gets one filter.
    input_size : int or (int, int)
        Input ``(height, width)``; the batch is ``np.zeros((1, height, width, 1))``.
    kernel_size : int or (int, int)
        Kernel size (``pool_size`` for pooling).
    strides : int, (int, int) or None, default=1
        ``None`` means ``kernel_size`` (Keras' pooling default).
    padding : {"valid", "same"}, default="valid"
        Case-insensitive, as in Keras.
    dilation_rate : int or (int, int), default=1
        Only ``Conv2D`` has one; pooling layers take ``1``.

    Returns
    -------
    KerasOutputShape
        ``(shape, call, error)``: exactly one of ``shape`` and ``error`` is None.

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind or out of range (sizes below 1, an unknown
        ``layer`` or ``padding``, a ``dilation_rate`` for pooling). Settings that are
        well formed but that Keras refuses (a ``valid`` kernel larger than the input,
        ``strides > 1`` with ``dilation_rate > 1``) are *not* raised: the refusal comes
        back in ``error``.

    Notes
    -----
    A pooling window larger than its input is never *run*: that crashes TensorFlow's CPU
    pooling kernel (a floating point exception that kills the Python process). For those
    settings Keras' shape logic, ``layer.compute_output_shape``, answers instead, and
    ``call`` says so.

    Examples
    --------
    >>> keras_output_shape("Conv2D", 9, 4, strides=2, padding="same").shape  # doctest: +SKIP
    (1, 5, 5, 1)
    >>> keras_output_shape("MaxPool2D", 5, 9).error  # doctest: +SKIP
    'Computed output size would be zero or negative. ...'
    """
    layer = check_one_of(layer, "layer", LAYERS)
    padding = check_one_of(padding, "padding", PADDINGS, ignore_case=True)
    input_size = check_int_pair(input_size, "input_size")
    kernel_size = check_int_pair(kernel_size, "kernel_size")
    strides = kernel_size if strides is None else check_int_pair(strides, "strides")
    dilation_rate = check_int_pair(dilation_rate, "dilation_rate")
    if layer != "Conv2D" and dilation_rate != (1, 1):
        raise ValueError(f"{layer} has no dilation_rate; pass 1, got {dilation_rate}")
    return _ask_keras(layer, input_size, kernel_size, strides, padding, dilation_rate)


@functools.lru_cache(maxsize=1024)
def _ask_keras(layer, input_size, kernel_size, strides, padding, dilation_rate):
    import numpy as np

    from vizcnn.backend import keras as _keras

    keras = _keras()
    args = f"{_text(kernel_size)}, strides={_text(strides)}, padding={padding!r}"
    batch = (1, *input_size, 1)
    if layer == "Conv2D":
        made = f"keras.layers.Conv2D(1, {args}, dilation_rate={_text(dilation_rate)})"
    else:
        made = f"keras.layers.{layer}({args})"
    run = layer == "Conv2D" or all(k <= n for k, n in zip(kernel_size, input_size, strict=True))
    call = f"{made}(np.zeros({batch}))" if run else f"{made}.compute_output_shape({batch})"
    try:  # Keras refuses some settings already when the layer is made
        if layer == "Conv2D":
            instance = keras.layers.Conv2D(
                1, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
            )
        else:
            instance = getattr(keras.layers, layer)(kernel_size, strides=strides, padding=padding)
        if run:
            shape = instance(np.zeros(batch, "float32")).shape
        else:
            shape = instance.compute_output_shape(batch)
    except Exception as exc:  # the refusal is the answer, shown to the learner
        lines = str(exc).strip().splitlines()
        return KerasOutputShape(None, call, lines[0] if lines else type(exc).__name__)
    return KerasOutputShape(tuple(int(n) for n in shape), call, None)


def _text(pair):
    """``3`` for ``(3, 3)``, ``(3, 4)`` otherwise: how one would write it for Keras."""
    return str(pair[0]) if pair[0] == pair[1] else str(pair)
