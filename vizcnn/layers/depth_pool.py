"""Depthwise pooling: pool across groups of neighbouring channels instead of across space.

Keras has no such layer. The book's ``tf.nn.max_pool(..., ksize=(1, 1, 1, k))`` only runs
on a CPU; reshaping the channel axis into ``(groups, pool_size)`` and reducing over the
last axis (the notes' recipe) runs on any device and any Keras backend.
"""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.validation import check_one_of, check_positive_int

keras = _keras()
ops = keras.ops

_MODES = ("max", "avg")


# tf.keras (Keras 3 behind TF's shim) has no `saving` submodule; `utils` exports the same
# registration function as `keras.saving.register_keras_serializable`.
@keras.utils.register_keras_serializable(package="vizcnn")
class DepthPool(keras.layers.Layer):
    """Pool each run of ``pool_size`` consecutive channels into one channel.

    Channels ``0 .. pool_size-1`` become output channel 0, the next ``pool_size`` become
    output channel 1, and so on; the spatial axes are untouched. Like ``MaxPool2D`` it has
    no weights. With a convolution whose filters are transformed copies of one filter (for
    example rotated), max pooling over each group of copies answers "is the pattern here,
    in any of these orientations?", which makes the output invariant to that transform.

    Parameters
    ----------
    pool_size : int, default=2
        How many consecutive channels are pooled into one. The input's channel count
        must be a multiple of it.
    mode : {"max", "avg"}, default="max"
        Maximum or mean over each group.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Input shape
        ``(..., channels)``: channels last, any number of leading axes, channels known.

    Output shape
        ``(..., channels // pool_size)``.

    Examples
    --------
    >>> import numpy as np, vizcnn as vz
    >>> x = np.arange(8, dtype="float32").reshape(1, 1, 1, 8)
    >>> np.asarray(vz.layers.DepthPool(4)(x)).ravel().tolist()
    [3.0, 7.0]
    """

    def __init__(self, pool_size=2, mode="max", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_positive_int(pool_size, "pool_size")
        self.mode = check_one_of(mode, "mode", _MODES)

    def build(self, input_shape):
        self._check_channels(input_shape)
        super().build(input_shape)

    def _check_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(
                f"DepthPool expects inputs shaped (batch, ..., channels), got shape {input_shape}"
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"DepthPool needs a known channel count (the last axis); got shape {input_shape}"
            )
        if channels % self.pool_size:
            raise ValueError(
                f"DepthPool: the input's {channels} channels are not divisible by "
                f"pool_size={self.pool_size}; use a pool_size that divides {channels}"
            )
        return channels

    def call(self, inputs):
        channels = inputs.shape[-1]
        groups = channels // self.pool_size
        # Leading axes may be unknown (batch) until run time, so read them from the tensor.
        lead = ops.shape(inputs)[:-1]
        grouped = ops.reshape(inputs, (*lead, groups, self.pool_size))
        if self.mode == "max":
            return ops.max(grouped, axis=-1)
        return ops.mean(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        channels = self._check_channels(input_shape)
        return (*tuple(input_shape)[:-1], channels // self.pool_size)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "mode": self.mode})
        return config
