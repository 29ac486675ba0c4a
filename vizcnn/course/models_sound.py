"""Lesson 07's two networks for sound: one hears the waveform, one looks at its spectrogram.

Course material: the networks of lesson 07 ("convolution is not only for images"), trained
once by the run store on the spoken digits (:func:`vizcnn.data.load_spoken_digits`).

:func:`waveform_cnn` reads the raw samples ``(8000, 1)`` of one second at 8 kHz. Its first
layer, ``filterbank``, is a Conv1D of long kernels (80 samples: 10 ms) with stride 4: each
kernel is a learnt band-pass filter, and the lesson plots their frequency responses. Then
small Conv1D blocks (kernel 3, BatchNormalization, ReLU, MaxPooling1D 4) shrink time
1981 → 496 → 124 → 31 → 8 steps, and a global average over time feeds the softmax (the M5
network of Dai et al. 2017, narrower: 39 k weights).

:func:`spectrogram_cnn` reads a log-mel spectrogram ``(frames, mel bands, 1)``
(:func:`vizcnn.signal.spectrogram`; 98 frames of 25 ms every 10 ms, 40 bands, by default):
an image to a Conv2D network like the lessons' others (27 k weights). Its input passes a
BatchNormalization first (``input_norm``): log magnitudes sit around -11 to +4, not 0 to 1.
Its head averages over time only, keeping the bands apart: with a global average over
both axes it reached 52 % test accuracy after 15 epochs, with this head 95 % (one run each,
seed 0).

Layer names are stable (``filterbank``, ``block1_conv`` ..., ``gap``, ``output``): the lesson
reads them.
"""

from __future__ import annotations

from vizcnn.backend import keras as _keras
from vizcnn.validation import check_int, check_ints, check_positive_int

keras = _keras()

__all__ = ["SPECTROGRAM_SHAPE", "WAVEFORM_SHAPE", "spectrogram_cnn", "waveform_cnn"]

#: One second at 8 kHz, one channel: what :func:`waveform_cnn` hears.
WAVEFORM_SHAPE = (8000, 1)
#: The log-mel spectrogram of one second at 8 kHz, 25 ms frames every 10 ms, 40 mel bands:
#: ``1 + (8000 - 200) // 80 = 98`` frames (what the run store's data choice computes).
SPECTROGRAM_SHAPE = (98, 40, 1)


def _check_widths(widths) -> tuple:
    if not isinstance(widths, (list, tuple)) or not widths:
        raise ValueError(f"widths must be a non-empty list of filter counts, got {widths!r}")
    return tuple(check_positive_int(w, f"widths[{i}]") for i, w in enumerate(widths))


def _block(x, conv, filters, *, name, pool):
    """conv (no bias: BN shifts) → BatchNormalization → ReLU → max pooling."""
    x = conv(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
             name=f"{name}_conv")(x)  # fmt: skip
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
    return pool(name=f"{name}_pool")(x)


def _head(x, n_classes, gap, name, inputs):
    x = gap(name="gap")(x)
    # the output in float32 under a mixed policy, as every lesson model's (see vz.models)
    outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def waveform_cnn(
    *,
    filters: int = 32,
    kernel_size: int = 80,
    stride: int = 4,
    widths=(32, 64, 128),
    input_shape=WAVEFORM_SHAPE,
    n_classes: int = 10,
):
    """A raw-waveform Conv1D network: a learnt filter bank, then small Conv1D blocks.

    Parameters
    ----------
    filters : int, default=32
        Kernels of the ``filterbank`` layer (band-pass filters it may learn).
    kernel_size : int, default=80
        Samples per filter-bank kernel (80 at 8 kHz: 10 ms; its frequency resolution is
        about ``sample_rate / kernel_size`` = 100 Hz).
    stride : int, default=4
        Step of the filter bank (4: its outputs come at 2 kHz).
    widths : sequence of int, default=(32, 64, 128)
        Filters of each Conv1D block after the filter bank (kernel 3, then max pooling 4).
    input_shape : tuple of int, default=(8000, 1)
        ``(samples, channels)``.
    n_classes : int, default=10

    Returns
    -------
    keras.Model
        Named ``waveform_cnn``; layers ``filterbank`` (Conv1D, kernels shaped
        ``(kernel_size, channels, filters)``), ``filterbank_bn``, ``filterbank_relu``,
        ``filterbank_pool``, ``block1_conv`` ... ``blockN_pool``, ``gap``, ``output``.
    """
    filters = check_positive_int(filters, "filters")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = check_positive_int(stride, "stride")
    widths = _check_widths(widths)
    input_shape = check_ints(input_shape, "input_shape", 2, what="(samples, channels)")
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    if input_shape[0] < kernel_size:
        raise ValueError(
            f"input_shape {input_shape} holds {input_shape[0]} samples, fewer than one "
            f"filter-bank kernel (kernel_size={kernel_size})"
        )
    inputs = keras.Input(input_shape)
    # valid padding: every filter-bank output sees real samples only; same-padded pooling
    # keeps at least one step for any input length
    pool = keras.layers.MaxPooling1D
    x = keras.layers.Conv1D(filters, kernel_size, strides=stride, use_bias=False,
                            kernel_initializer="he_normal", name="filterbank")(inputs)  # fmt: skip
    x = keras.layers.BatchNormalization(name="filterbank_bn")(x)
    x = keras.layers.Activation("relu", name="filterbank_relu")(x)
    x = pool(4, padding="same", name="filterbank_pool")(x)
    for i, width in enumerate(widths, start=1):
        x = _block(x, keras.layers.Conv1D, width, name=f"block{i}",
                   pool=lambda name: pool(4, padding="same", name=name))  # fmt: skip
    return _head(x, n_classes, keras.layers.GlobalAveragePooling1D, "waveform_cnn", inputs)


def spectrogram_cnn(*, widths=(16, 32, 64), input_shape=SPECTROGRAM_SHAPE, n_classes: int = 10):
    """A Conv2D network on log-mel spectrograms: blocks of 3x3 convolutions and pooling.

    Parameters
    ----------
    widths : sequence of int, default=(16, 32, 64)
        Filters of each block (3x3 Conv2D, BatchNormalization, ReLU, 2x2 max pooling).
    input_shape : tuple of int, default=(98, 40, 1)
        ``(frames, mel bands, channels)``, as :func:`vizcnn.signal.spectrogram` returns
        them (time down the rows, frequency across).
    n_classes : int, default=10

    Returns
    -------
    keras.Model
        Named ``spectrogram_cnn``; layers ``input_norm``, ``block1_conv`` ...
        ``blockN_pool``, ``bands`` (a reshape to ``(frames, bands x filters)``), ``gap``
        (the average over time), ``output``.
    """
    widths = _check_widths(widths)
    input_shape = check_ints(input_shape, "input_shape", 3, what="(frames, bands, channels)")
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    inputs = keras.Input(input_shape)
    x = keras.layers.BatchNormalization(name="input_norm")(inputs)
    for i, width in enumerate(widths, start=1):
        x = _block(x, keras.layers.Conv2D, width, name=f"block{i}", pool=_pool2d)
    # average over time only: which band a feature came from stays (a 2x2 pooled 3x3
    # network sees too few bands to tell low from high, and a plain GAP forgets it)
    _, _, bands, channels = x.shape
    x = keras.layers.Reshape((-1, bands * channels), name="bands")(x)
    return _head(x, n_classes, keras.layers.GlobalAveragePooling1D, "spectrogram_cnn", inputs)


def _pool2d(name):
    return keras.layers.MaxPool2D(2, padding="same", name=name)
