"""The shift-invariance family: one small CNN, four ways to halve its grid.

Course material: the network lesson 03 trains to ask whether pooling makes a *trained*
classifier shift-invariant, and which downsampling does it best.

Three convolution stages (32, 64, 128 filters of 3x3, ``same``, ReLU), each followed by a
step that halves the grid (28 → 14 → 7 → 4), then the notes' kind of head (``Flatten``,
``Dense`` 128, ``Dense`` softmax). Only the halving step differs:

``"max"``
    ``MaxPool2D(2)``, the notes' choice;
``"average"``
    ``AveragePooling2D(2)``;
``"strided"``
    a 3x3 convolution with stride 2 (as many filters as its input), learning its own
    downsampling;
``"blur"``
    Zhang's (2019) anti-aliased max pooling: ``MaxPool2D(2, strides=1)`` then
    :class:`vizcnn.layers.BlurPool2D` (a fixed binomial low-pass filter, then stride 2).
"""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.layers.blur_pool import BlurPool2D
from vizcnn.validation import check_int, check_ints, check_one_of

keras = _keras()

DOWNSAMPLING = ("max", "average", "strided", "blur")


def _halve(x, how: str, filters: int, stage: int):
    name = f"down{stage}"
    if how == "max":
        return keras.layers.MaxPool2D(2, padding="same", name=name)(x)
    if how == "average":
        return keras.layers.AveragePooling2D(2, padding="same", name=name)(x)
    if how == "strided":
        return keras.layers.Conv2D(
            filters, 3, strides=2, padding="same", activation="relu",
            kernel_initializer="he_normal", name=name,
        )(x)  # fmt: skip
    x = keras.layers.MaxPool2D(2, strides=1, padding="same", name=f"{name}_max")(x)
    return BlurPool2D(name=name)(x)


def pooling_cnn(*, downsample: str = "max", input_shape=(28, 28, 1), n_classes: int = 10):
    """The small CNN of the shift-invariance comparison, with one kind of downsampling.

    Parameters
    ----------
    downsample : {"max", "average", "strided", "blur"}, default="max"
        How each stage halves the grid (see the module's description).
    input_shape : tuple of int, default=(28, 28, 1)
    n_classes : int, default=10

    Returns
    -------
    keras.Model
        Named ``pooling_cnn_<downsample>``; its halving layers are ``down1`` .. ``down3``.
    """
    downsample = check_one_of(downsample, "downsample", DOWNSAMPLING)
    input_shape = check_ints(input_shape, "input_shape", 3, what="(height, width, channels)")
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    inputs = keras.Input(input_shape)
    x = inputs
    for stage, filters in enumerate((32, 64, 128), start=1):
        x = keras.layers.Conv2D(
            filters, 3, padding="same", activation="relu", kernel_initializer="he_normal",
            name=f"conv{stage}",
        )(x)  # fmt: skip
        x = _halve(x, downsample, filters, stage)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(128, activation="relu", kernel_initializer="he_normal", name="dense")(x)
    # the output in float32 under a mixed policy, as every lesson model's (see vz.models)
    outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=f"pooling_cnn_{downsample}")
