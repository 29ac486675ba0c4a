"""The lessons' models: the notes' CNN, the small ResNet we train, and the book's ResNet-34.

All three are Keras models (Sequential or functional) built from ``keras.Input`` (not the deprecated
``input_shape=`` argument), so every layer has a known output shape and the inspection
helpers can walk them. Their output layer computes in float32 even under a mixed-precision
policy (``vz.use_fast_precision()``): a softmax in bfloat16 rounds small probabilities to
zero and the loss to nonsense. Under the default float32 policy that changes nothing.
"""

from __future__ import annotations

from functools import partial

from vizcnn.backend import keras as _keras
from vizcnn.layers.residual_unit import ResidualUnit, conv_before_bn
from vizcnn.validation import check_int, check_ints, check_number, check_positive_int

keras = _keras()

FASHION_MNIST_SHAPE = (28, 28, 1)


def _check_io(input_shape, n_classes):
    """The models' common arguments: ``(height, width, channels)`` and ``n_classes >= 2``."""
    shape = check_ints(input_shape, "input_shape", 3, what="(height, width, channels)")
    return shape, check_int(n_classes, "n_classes", minimum=2)


def _stem(inputs, filters, kernel_size, *, strides=1):
    """Conv (no bias: batch normalisation follows) -> BN -> ReLU, named ``stem_*``."""
    x = conv_before_bn(filters, kernel_size=kernel_size, strides=strides, name="stem_conv")(inputs)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    return keras.layers.Activation("relu", name="stem_relu")(x)


def _softmax_head(n_classes):
    return keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="output")


def basic_cnn(*, input_shape=FASHION_MNIST_SHAPE, n_classes: int = 10, dropout: float = 0.5):
    """The notes' Fashion-MNIST CNN, layer for layer.

    Conv 64@7x7 → MaxPool 2 → Conv 128 → Conv 128 → MaxPool 2 → Conv 256 → Conv 256 →
    MaxPool 2 → Flatten → Dense 128 → Dropout → Dense 64 → Dropout → Dense ``n_classes``
    softmax. Every convolution is the notes' ``DefaultConv2D``: 3x3 (unless given),
    ``same`` padding, ReLU, He-normal initialisation.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
    n_classes : int, default=10
    dropout : float, default=0.5
        Rate of both Dropout layers (the notes' 0.5).

    Returns
    -------
    keras.Model
        Not compiled: the lesson compiles it with the optimizer it is studying.
    """
    input_shape, n_classes = _check_io(input_shape, n_classes)
    dropout = check_number(dropout, "dropout", minimum=0, below=1)
    DefaultConv2D = partial(
        keras.layers.Conv2D,
        kernel_size=3,
        padding="same",
        activation="relu",
        kernel_initializer="he_normal",
    )
    return keras.Sequential(
        [
            keras.Input(input_shape),
            DefaultConv2D(filters=64, kernel_size=7),
            keras.layers.MaxPool2D(pool_size=2, strides=2),
            DefaultConv2D(filters=128),
            DefaultConv2D(filters=128),
            keras.layers.MaxPool2D(pool_size=2, strides=2),
            DefaultConv2D(filters=256),
            DefaultConv2D(filters=256),
            keras.layers.MaxPool2D(pool_size=2, strides=2),
            keras.layers.Flatten(),
            keras.layers.Dense(units=128, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(units=64, activation="relu", kernel_initializer="he_normal"),
            keras.layers.Dropout(dropout),
            _softmax_head(n_classes),
        ],
        name="basic_cnn",
    )


def small_resnet(
    *,
    input_shape=FASHION_MNIST_SHAPE,
    n_classes: int = 10,
    stages=((64, 1), (128, 1), (256, 1)),
    stem_filters: int = 32,
):
    """The ResNet the lessons train: sized for 28x28 images and a laptop CPU.

    A 3x3 stem convolution at full resolution (fine details such as collars and straps
    live in single pixels at 28x28), then one strided residual unit per stage, each halving
    the size: 14x14 with 64 filters, 7x7 with 128, 4x4 with 256. Downsampling early keeps
    the costly convolutions on small maps, where a CPU pays little for width: this
    1.2-million-parameter network trains about as fast as the notes' CNN. Then global
    average pooling and one Dense softmax layer.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
    n_classes : int, default=10
    stages : sequence of (filters, n_units), default=((64, 1), (128, 1), (256, 1))
        Each stage starts with a stride-2 unit (halving height and width) and has
        ``n_units`` residual units in all.
    stem_filters : int, default=32

    Returns
    -------
    keras.Model
    """
    input_shape, n_classes = _check_io(input_shape, n_classes)
    stem_filters = check_positive_int(stem_filters, "stem_filters")
    if not isinstance(stages, (tuple, list)) or not stages:
        raise TypeError(f"stages must be a non-empty list of (filters, n_units), got {stages!r}")
    stages = [
        check_ints(stage, f"stages[{i}]", 2, what="(filters, n_units)")
        for i, stage in enumerate(stages)
    ]
    inputs = keras.Input(input_shape)
    x = _stem(inputs, stem_filters, 3)
    for s, (filters, n_units) in enumerate(stages, start=1):
        for u in range(n_units):
            x = ResidualUnit(filters, strides=2 if u == 0 else 1, name=f"res{s}_{u + 1}")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = _softmax_head(n_classes)(x)
    return keras.Model(inputs, outputs, name="small_resnet")


def resnet34(*, input_shape=(224, 224, 3), n_classes: int = 1000):
    """ResNet-34 as in the book: 7x7/2 stem, max pooling, 3-4-6-3 residual units.

    Stages of 64, 128, 256 and 512 filters; every stage after the first starts with a
    stride-2 unit. About 21.8 million parameters at the default 1000 classes.

    Parameters
    ----------
    input_shape : tuple of int, default=(224, 224, 3)
        ImageNet's. Any size works; small inputs are fine for trying it out.
    n_classes : int, default=1000

    Returns
    -------
    keras.Model
    """
    input_shape, n_classes = _check_io(input_shape, n_classes)
    inputs = keras.Input(input_shape)
    x = _stem(inputs, 64, 7, strides=2)
    x = keras.layers.MaxPool2D(pool_size=3, strides=2, padding="same", name="stem_pool")(x)
    prev_filters = 64
    for i, filters in enumerate([64] * 3 + [128] * 4 + [256] * 6 + [512] * 3):
        strides = 1 if filters == prev_filters else 2
        x = ResidualUnit(filters, strides=strides, name=f"res{i + 1}")(x)
        prev_filters = filters
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = _softmax_head(n_classes)(x)
    return keras.Model(inputs, outputs, name="resnet34")
