"""The lessons' models: the notes' CNN, the small ResNet we train, and the book's ResNet-34.

Course material: these are the lessons' networks; the drawing library takes any Keras model.

All three are Keras models (Sequential or functional) built from ``keras.Input`` (not the deprecated
``input_shape=`` argument), so every layer has a known output shape and the inspection
helpers can walk them. Their output layer computes in float32 even under a mixed-precision
policy (``vz.use_fast_precision()``): a softmax in bfloat16 rounds small probabilities to
zero and the loss to nonsense. Under the default float32 policy that changes nothing.
"""

from __future__ import annotations

from functools import partial

from vizcnn.arithmetic import conv_output_size
from vizcnn.backend import keras as _keras
from vizcnn.course.models_pooling import pooling_cnn as pooling_cnn  # vz.models.pooling_cnn
from vizcnn.course.models_sound import spectrogram_cnn as spectrogram_cnn  # lesson 07's
from vizcnn.course.models_sound import waveform_cnn as waveform_cnn
from vizcnn.layers.residual_unit import ResidualUnit, conv_before_bn
from vizcnn.validation import (
    check_bool,
    check_int,
    check_ints,
    check_number,
    check_positive_int,
)

keras = _keras()

FASHION_MNIST_SHAPE = (28, 28, 1)

#: The windows of :func:`basic_cnn` along one axis, in order (with or without ``batch_norm``
#: or ``skips``: the same ones): ``(layer, kernel, strides, padding)``. Its three 2x2
#: poolings without padding need an input of at least 8x8; every convolution is ``same``.
BASIC_CNN_WINDOWS = (
    ("the 7x7 Conv2D", 7, 1, "same"),
    ("the 1st MaxPool2D", 2, 2, "valid"),
    ("the 2nd and 3rd Conv2D", 3, 1, "same"),
    ("the 2nd MaxPool2D", 2, 2, "valid"),
    ("the 4th and 5th Conv2D", 3, 1, "same"),
    ("the 3rd MaxPool2D", 2, 2, "valid"),
)


def _first_misfit(size: int, windows):
    """The first of ``windows`` larger than its input along one axis, or ``None``.

    Returns ``(window, the input size it gets)``; pure arithmetic
    (:func:`vizcnn.arithmetic.conv_output_size`), no TensorFlow.
    """
    for window in windows:
        _, kernel, strides, padding = window
        if padding == "valid" and size < kernel:
            return window, size
        size = conv_output_size(size, kernel, strides=strides, padding=padding)
    return None


def _check_fits(model: str, input_shape: tuple, windows) -> None:
    """Raise a ``ValueError`` before building when height or width is too small.

    The message names the layer, the size it would get, its window, and the smallest
    input that works (each axis on its own: height and width do not interact).
    """
    for axis, size in zip(("height", "width"), input_shape[:2], strict=True):
        misfit = _first_misfit(size, windows)
        if misfit is None:
            continue
        (layer, kernel, strides, _), got = misfit
        unit = ("row" if axis == "height" else "column") + ("" if got == 1 else "s")
        smallest = next(n for n in range(1, 2**16) if _first_misfit(n, windows) is None)
        fits = tuple(max(n, smallest) for n in input_shape[:2]) + input_shape[2:]
        raise ValueError(
            f"input_shape {input_shape} is too small for {model}: a {axis} of {size} leaves "
            f"{got} {unit} for {layer} (a {kernel}x{kernel} window, stride {strides}, no padding), "
            f"less than its window; height and width must each be at least {smallest}, "
            f"e.g. input_shape={fits}"
        )


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


def basic_cnn(
    *,
    input_shape=FASHION_MNIST_SHAPE,
    n_classes: int = 10,
    dropout: float = 0.5,
    batch_norm: bool = False,
    skips: bool = False,
):
    """The notes' Fashion-MNIST CNN, layer for layer (or with the notes' ResNet plan).

    Conv 64@7x7 → MaxPool 2 → Conv 128 → Conv 128 → MaxPool 2 → Conv 256 → Conv 256 →
    MaxPool 2 → Flatten → Dense 128 → Dropout → Dense 64 → Dropout → Dense ``n_classes``
    softmax. Every convolution is the notes' ``DefaultConv2D``: 3x3 (unless given),
    ``same`` padding, ReLU, He-normal initialisation.

    ``batch_norm`` and ``skips`` turn the two pairs of 3x3 convolutions into the units of
    :func:`resnet_like` (same widths, same 3x3 kernels): ``conv-BN-ReLU-conv-BN``, then
    ``+ skip`` (``skips=True``), then ReLU. The convolutions lose their bias (the BN after
    each has its own shift), and since each pair changes the channel count (64 → 128,
    128 → 256) its skip is a 1x1 convolution + BN, as in every ResNet. Everything else
    (the 7x7 first layer, the poolings, the dense head) stays the notes'.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        ``(height, width, channels)``; height and width at least 8 (three 2x2 poolings
        without padding: 8 → 4 → 2 → 1).
    n_classes : int, default=10
    dropout : float, default=0.5
        Rate of both Dropout layers (the notes' 0.5).
    batch_norm : bool, default=False
        Batch normalisation after each convolution of the two pairs.
    skips : bool, default=False
        Skip connections around each pair (implies ``batch_norm``).

    Returns
    -------
    keras.Model
        Not compiled: the lesson compiles it with the optimizer it is studying. Sequential
        for the notes' network, functional (explicit ``Add`` layers) with ``batch_norm``
        or ``skips``.

    Raises
    ------
    ValueError
        For an input smaller than 8x8, before any layer is built: the message names the
        pooling layer that would get less than its 2x2 window, and the smallest input.
    """
    input_shape, n_classes = _check_io(input_shape, n_classes)
    dropout = check_number(dropout, "dropout", minimum=0, below=1)
    batch_norm, skips = check_bool(batch_norm, "batch_norm"), check_bool(skips, "skips")
    _check_fits("basic_cnn", input_shape, BASIC_CNN_WINDOWS)
    DefaultConv2D = partial(
        keras.layers.Conv2D,
        kernel_size=3,
        padding="same",
        activation="relu",
        kernel_initializer="he_normal",
    )
    head = [
        keras.layers.Flatten(),
        keras.layers.Dense(units=128, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(units=64, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dropout(dropout),
        _softmax_head(n_classes),
    ]
    if not (batch_norm or skips):
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
                *head,
            ],
            name="basic_cnn",
        )
    inputs = keras.Input(input_shape)
    x = DefaultConv2D(filters=64, kernel_size=7, name="conv1")(inputs)
    x = keras.layers.MaxPool2D(pool_size=2, strides=2, name="pool1")(x)
    x = _unit(x, 128, strides=1, name="block1", skip=skips)
    x = keras.layers.MaxPool2D(pool_size=2, strides=2, name="pool2")(x)
    x = _unit(x, 256, strides=1, name="block2", skip=skips)
    x = keras.layers.MaxPool2D(pool_size=2, strides=2, name="pool3")(x)
    for layer in head:
        x = layer(x)
    name = "basic_cnn_skips" if skips else "basic_cnn_bn"
    return keras.Model(inputs, x, name=name)


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
        Any height and width: every window has ``same`` padding, so even 1x1 fits.
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


def resnet_like(
    *,
    units_per_stage: int = 3,
    widths=(16, 32, 64),
    skips: bool = True,
    input_shape=FASHION_MNIST_SHAPE,
    n_classes: int = 10,
):
    """He et al.'s CIFAR ResNet family, or its plain twin (``skips=False``).

    A 3x3 stem convolution, then one stage per entry of ``widths``, each of
    ``units_per_stage`` units: ``conv3x3-BN-ReLU-conv3x3-BN``, ``+ skip``, ReLU. The
    first unit of every stage after the first has stride 2 (halving height and width) and
    a 1x1 projection convolution (+BN) on its skip, so the shapes can be added. Then
    global average pooling and a Dense softmax. With ``n`` units per stage and three
    stages the network has ``6n + 2`` weight layers: 20 for ``n=3``, 56 for ``n=9``
    (He et al. 2015, section 4.2).

    The skips are explicit ``Add`` layers of a functional model (not hidden inside a
    custom layer), so the picture of the graph and the comparison with the plain twin are
    one layer apart: ``skips=False`` builds exactly the same convolution, BN and ReLU
    layers, with the same names, minus the ``Add`` layers and the 1x1 projections.

    Parameters
    ----------
    units_per_stage : int, default=3
        Residual units per stage (``n``).
    widths : sequence of int, default=(16, 32, 64)
        Filters of each stage; the stem has ``widths[0]``.
    skips : bool, default=True
        False builds the plain network.
    input_shape : tuple of int, default=(28, 28, 1)
        Any height and width: every window has ``same`` padding, so even 1x1 fits.
    n_classes : int, default=10

    Returns
    -------
    keras.Model
        Named ``resnet_<layers>`` or ``plain_<layers>``, e.g. ``plain_56``.
    """
    input_shape, n_classes = _check_io(input_shape, n_classes)
    units = check_positive_int(units_per_stage, "units_per_stage")
    skips = check_bool(skips, "skips")
    if not isinstance(widths, (tuple, list)) or not widths:
        raise TypeError(f"widths must be a non-empty tuple of ints, got {widths!r}")
    widths = check_ints(widths, "widths", len(widths), what="a tuple of filters per stage")
    inputs = keras.Input(input_shape)
    x = _stem(inputs, widths[0], 3)
    for s, filters in enumerate(widths, start=1):
        for u in range(1, units + 1):
            x = _unit(
                x, filters, strides=2 if (s > 1 and u == 1) else 1, name=f"s{s}u{u}", skip=skips
            )
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = _softmax_head(n_classes)(x)
    depth = 2 + 2 * units * len(widths)
    return keras.Model(inputs, outputs, name=f"{'resnet' if skips else 'plain'}_{depth}")


def _unit(inputs, filters, *, strides, name, skip):
    """One (residual or plain) unit of :func:`resnet_like`, with layers named ``{name}_*``."""
    z = conv_before_bn(filters, strides=strides, name=f"{name}_conv1")(inputs)
    z = keras.layers.BatchNormalization(name=f"{name}_bn1")(z)
    z = keras.layers.Activation("relu", name=f"{name}_relu1")(z)
    z = conv_before_bn(filters, name=f"{name}_conv2")(z)
    z = keras.layers.BatchNormalization(name=f"{name}_bn2")(z)
    if skip:
        shortcut = inputs
        if strides > 1 or inputs.shape[-1] != filters:
            shortcut = conv_before_bn(
                filters, kernel_size=1, strides=strides, name=f"{name}_skip_conv"
            )(inputs)
            shortcut = keras.layers.BatchNormalization(name=f"{name}_skip_bn")(shortcut)
        z = keras.layers.Add(name=f"{name}_add")([z, shortcut])
    return keras.layers.Activation("relu", name=f"{name}_relu2")(z)
