"""What the unit-response functions share: the layer and channel checks, the compiled
functions cached per model, and the receptive-field boxes of units.

Used by :mod:`~vizcnn.inspection.top_patches` and
:mod:`~vizcnn.inspection.activation_max`.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from vizcnn.graph.lookup import find_layer, path_key
from vizcnn.graph.submodels import output_extractor
from vizcnn.validation import check_int


def layer_key(model, path) -> str:
    """The layer's name, or its ``outer/inner`` path where the bare name is ambiguous."""
    name = path[-1].name
    try:
        if find_layer(model, name) == path:
            return name
    except ValueError:
        pass
    return path_key(path)


def conv_layer(model, layer):
    """``(path, key, channels)`` for a layer whose output is a feature map: ``(N, H, W, C)``
    in a model of images, ``(N, T, C)`` in a model of sequences (the rank of its input)."""
    path = find_layer(model, layer)
    target = path[-1]
    try:
        shape = tuple(target.output.shape)
    except (AttributeError, ValueError):  # a layer never called on a symbolic input
        raise ValueError(
            f"layer {target.name!r} has no known output shape; use a Sequential or "
            "functional model built from keras.Input"
        ) from None
    sequences = len(model.inputs[0].shape) == 3
    if len(shape) != (3 if sequences else 4):
        maps, conv = ("(N, T, C)", "Conv1D") if sequences else ("(N, H, W, C)", "Conv2D")
        raise ValueError(
            f"layer {target.name!r} ({type(target).__name__}) outputs shape {shape}: not a "
            f"convolutional layer; pick a layer whose output is a feature map {maps}, "
            f"such as a {conv}, a pooling layer or a residual unit"
        )
    return path, layer_key(model, path), shape[-1]


def check_channel(channel, channels: int, key: str) -> int:
    """``channel`` as an int in ``0..channels - 1`` (the message names the valid range)."""
    channel = check_int(channel, "channel")
    if channels is not None and not 0 <= channel < channels:
        raise ValueError(
            f"channel must be in 0..{channels - 1} (layer {key!r} has {channels} channels), "
            f"got {channel}"
        )
    if channel < 0:
        raise ValueError(f"channel must be >= 0, got {channel}")
    return channel


def run(stages, x):
    """The chained stages of :func:`output_extractor` applied to ``x``."""
    for stage in stages:
        x = stage(x, training=False)
    return x


# One compiled function per (model, layer, purpose), reused across calls: the channel and
# every setting are tensor arguments, so a notebook looping over channels traces once
# (and TensorFlow does not warn about retracing). Keyed weakly: a model that is dropped
# takes its functions with it.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compiled(model, path, purpose: str, build):
    """``build(stages)`` for this model and layer, built once and cached."""
    per_model = _COMPILED.setdefault(model, {})
    key = (purpose, tuple(id(p) for p in path))
    if key not in per_model:
        per_model[key] = build(output_extractor(model, path))
    return per_model[key]


def function(tf, fn):
    """``tf.function(fn)``, its retracing counted apart from other builds of ``fn``.

    TensorFlow counts traces per Python code object, so one function built for six models
    would warn about "excessive retracing" although each build traced once. A
    ``functools.partial`` has no code object: TensorFlow counts each build on its own.
    """
    return tf.function(functools.partial(fn), reduce_retracing=True)


def frozen(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only (results are shared, not to be edited)."""
    array.setflags(write=False)
    return array


def usable(field) -> bool:
    """Whether a :class:`ReceptiveField` gives each unit a box: not global, and its size
    and start known."""
    return not (field.is_global or None in tuple(field.size) or None in tuple(field.start))


def clipped_boxes(field, positions, image_size) -> np.ndarray:
    """``(top, left, bottom, right)`` per unit of ``positions``, bottom and right
    exclusive, clipped to the image; the whole image for every unit where ``field`` is
    None. For a 1-D ``image_size`` ``(T,)``: ``(start, stop)`` windows of time, ``stop``
    exclusive."""
    if len(image_size) == 1:
        return _clipped_windows(field, positions, image_size[0])
    height, width = image_size
    if field is None:
        return np.tile([0, 0, height, width], (len(positions), 1))
    boxes = []
    for row, col in positions:
        (top, bottom), (left, right) = field.box((int(row), int(col)))
        boxes.append([max(top, 0), max(left, 0), min(bottom + 1, height), min(right + 1, width)])
    return np.asarray(boxes, dtype=int).reshape(-1, 4)


def _clipped_windows(field, positions, steps) -> np.ndarray:
    """``(start, stop)`` per unit ``(t,)`` of ``positions``, clipped to ``0..steps``."""
    if field is None:
        return np.tile([0, steps], (len(positions), 1))
    windows = [field.box((int(t),))[0] for (t,) in positions]
    return np.asarray(
        [[max(first, 0), min(last + 1, steps)] for first, last in windows], dtype=int
    ).reshape(-1, 2)
