"""Blur pooling (Zhang, 2019, "Making convolutional networks shift-invariant again").

A stride-2 step keeps every other position, so a pattern moved by one pixel can land on a
dropped position and vanish: downsampling *aliases*, and that is why a CNN's prediction
can change when its input moves by a single pixel, pooling or not. Zhang's fix is the
signal-processing one: low-pass filter before subsampling. ``BlurPool2D`` blurs each
channel with a fixed binomial filter (``[1, 2, 1]`` outer itself, over 16) and keeps every
other position. Max pooling becomes ``MaxPool2D(2, strides=1)`` then ``BlurPool2D()``.

It is a ``DepthwiseConv2D`` whose kernel is fixed (not trainable), so every vizcnn tool
already knows its geometry (a 3x3 window, stride 2, ``same`` padding).
"""

from __future__ import annotations

import numpy as np

from vizcnn.backend import keras as _keras
from vizcnn.validation import check_one_of, check_positive_int

keras = _keras()

#: Binomial coefficients: the discrete low-pass filters of Zhang's paper, by size.
BINOMIAL = {2: [1, 1], 3: [1, 2, 1], 4: [1, 3, 3, 1], 5: [1, 4, 6, 4, 1]}


def binomial_kernel(size: int) -> np.ndarray:
    """The ``size x size`` binomial filter, summing to 1 (float32)."""
    if size not in BINOMIAL:
        raise ValueError(f"filter_size must be one of {sorted(BINOMIAL)}, got {size!r}")
    row = np.array(BINOMIAL[size], dtype=np.float64)
    return (np.outer(row, row) / row.sum() ** 2).astype(np.float32)


@keras.utils.register_keras_serializable(package="vizcnn")
class BlurPool2D(keras.layers.DepthwiseConv2D):
    """Blur each channel with a fixed binomial filter, then keep every ``strides``-th position.

    Parameters
    ----------
    filter_size : {2, 3, 4, 5}, default=3
        Width of the binomial filter (3: ``[1, 2, 1]``, Zhang's default for "Tri-3").
    strides : int, default=2
    padding : {"same", "valid"}, default="same"
    **kwargs
        ``name``, ``dtype``, ...

    Examples
    --------
    >>> import numpy as np, vizcnn as vz
    >>> x = np.zeros((1, 4, 4, 1), "float32"); x[0, 2, 2, 0] = 16  # one bright pixel
    >>> np.asarray(vz.layers.BlurPool2D()(x))[0, :, :, 0].tolist()  # all four outputs see it
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, filter_size=3, strides=2, padding="same", **kwargs):
        for key in ("kernel_size", "depth_multiplier", "use_bias", "trainable"):
            kwargs.pop(key, None)  # fixed by what the layer is (from_config passes them)
        self.filter_size = check_positive_int(filter_size, "filter_size")
        binomial_kernel(self.filter_size)  # a wrong size fails here, naming the argument
        if isinstance(strides, (tuple, list)) and len(set(strides)) == 1:
            strides = strides[0]  # from_config: the convolution's (2, 2)
        strides = check_positive_int(strides, "strides")
        padding = check_one_of(padding, "padding", ("same", "valid"))
        super().__init__(
            kernel_size=self.filter_size,
            strides=strides,
            padding=padding,
            depth_multiplier=1,
            use_bias=False,
            trainable=False,
            **kwargs,
        )

    def build(self, input_shape):
        super().build(input_shape)
        channels = input_shape[-1]
        kernel = np.repeat(binomial_kernel(self.filter_size)[:, :, None, None], channels, axis=2)
        self.kernel.assign(kernel)

    def get_config(self):
        # the convolution's own fields stay: vizcnn's graph tools read the window from them
        return {**super().get_config(), "filter_size": self.filter_size}
