"""Grad-CAM: where in the image the evidence for a class lies.

Selvaraju et al. (2017), *Grad-CAM: visual explanations from deep networks via
gradient-based localization*. For a class ``k`` and a convolutional layer with feature
maps ``A_c`` (``c`` = channel):

1. the gradient of the class score ``y_k`` with respect to every unit of every map;
2. one weight per channel, the spatial mean of that gradient:
   ``w_c = mean_ij d y_k / d A_c[i, j]``;
3. the map ``ReLU(sum_c w_c A_c)``: the places whose features push the score up.

The score ``y_k`` is the class's *logit*, the score before the softmax (the paper's
choice). Differentiating the probability instead would mix in every other class
(``d p_k = p_k (d y_k - sum_j p_j d y_j)``) and vanish for confident predictions.

For a network that ends in global average pooling and one Dense layer, Grad-CAM at the
last convolutional layer is the class activation map (CAM, Zhou et al., 2016),
``sum_c W[c, k] A_c``, up to the positive factor ``1 / (H' W')``.
"""

from __future__ import annotations

import numbers
import weakref
from typing import NamedTuple

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.graph.lookup import find_layer
from vizcnn.graph.submodels import plan_cut
from vizcnn.inspection.activations import check_image_model, warn_unscaled
from vizcnn.inspection.grad_cam_layer import (
    check_spatial,
    default_layer,
    grad_cam_layer,
    warn_if_one_cell,
)
from vizcnn.inspection.preflight import check_before_running
from vizcnn.prediction import check_single_output
from vizcnn.validation import (
    check_batch,
    check_bool,
    check_positive_int,
)

__all__ = ["grad_cam", "grad_cam_layer"]


def grad_cam(model, x, *, layer=None, class_index=None, resize=True, batch_size=128):
    """Grad-CAM heatmaps: which places of each image raise the score of a class.

    Parameters
    ----------
    model : keras.Model
        A classifier (Sequential or functional; nested models are searched) with one
        input, images ``(N, H, W, C)`` or sequences ``(N, T, C)`` (a 1-D model: sound,
        text), and one output: one score per class
        ``(N, n_classes)``, or a binary head ``(N, 1)`` (a sigmoid or a logit), which
        counts as two classes: 1 where ``p >= 0.5``, else 0.
    x : array-like, shape (N, H, W, C), or (N, T, C) for a 1-D model
        The images, as the model takes them. uint8 pixels (or values above 1.5) for a
        model that starts without a ``Rescaling`` or ``Normalization`` layer draw a
        warning: such a model was most likely trained on ``x / 255``.
    layer : str or keras.layers.Layer, optional
        The layer whose feature maps are weighted: any layer with a 4-D output
        ``(N, H', W', C')`` (a 3-D output ``(N, T', C')`` in a 1-D model); ``"outer/inner"``
        names a layer inside a nested model.
        Default: :func:`grad_cam_layer`, the last layer (nested models included) whose
        output is a grid larger than 1x1, where the maps are the most class-specific;
        for ``small_resnet`` that is ``"res3_1"``, for ``MobileNetV3Small`` the last
        layer before its global pooling. A layer with a 1x1 grid gives a constant map:
        asking for one draws a warning that names the default.
    class_index : int or array-like of int, optional
        The class to explain: one class for every image, or one per image ``(N,)``.
        Default: each image's predicted class (the highest score). For a binary head,
        class 1 is explained by its logit ``z`` and class 0 by ``-z``.
    resize : bool, default=True
        Resize the maps (bilinear) to the input's ``H x W``, to lay them over the
        images; False returns them at the layer's resolution ``H' x W'``.
    batch_size : int, default=128
        Images are run through the model in chunks of this size.

    Returns
    -------
    np.ndarray, float32, shape (N, H, W) or (N, H', W'); (N, T) or (N, T') for a 1-D model
        (resized linearly along time)
        One map per image, ``>= 0``, scaled so that its maximum is 1. A map that is
        zero everywhere (no place of the image raises the score) stays zero.

    Raises
    ------
    TypeError
        ``model`` not a Keras model; ``layer`` neither a name nor a layer;
        ``class_index`` not an int nor an array of ints; ``resize`` not a bool.
    ValueError
        ``x`` not a batch the model takes; ``layer`` not a layer of the model, not
        4-D ("not a convolutional layer"), or not feeding the output; ``class_index``
        outside ``0..n_classes - 1`` or not one per image; a model with several inputs
        or outputs, a ``channels_first`` layer, or an output that is not
        ``(N, n_classes)``; a model whose every 4-D layer is a 1x1 grid.

    Notes
    -----
    What is differentiated:

    - the model ends in a ``Dense`` layer (the lessons' models: ``Dense`` with a
      softmax; ``Dense(1, "sigmoid")``): its *pre-activation* ``h @ kernel + bias``,
      computed here in float32 from the Dense's input ``h``: the logits;
    - it ends in a softmax or sigmoid ``Activation`` or a ``Softmax`` layer: that
      layer's input;
    - anything else: the model's output as it is (already logits if the model has no
      softmax; probabilities if a softmax hides in a custom or nested last layer).

    Under a mixed-precision policy (``vz.use_fast_precision()``) the network runs in its
    own precision (bfloat16); the feature maps and gradients are cast to float32 before
    they are combined.

    Examples
    --------
    >>> model = vz.models.small_resnet()                          # doctest: +SKIP
    >>> maps = vz.grad_cam(model, x[:8])                           # doctest: +SKIP
    >>> maps.shape                                                 # doctest: +SKIP
    (8, 28, 28)
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    resize = check_bool(resize, "resize")
    checked = check_grad_cam_input(model, x, layer=layer)
    return grad_cam_of(checked, class_index=class_index, resize=resize, batch_size=batch_size)


class GradCamInput(NamedTuple):
    """What :func:`check_grad_cam_input` checked: the batch as the model takes it, the
    path to the layer whose maps are weighted, and the class scores' head."""

    model: object
    x: np.ndarray
    path: tuple
    head: object
    n_classes: int


def check_grad_cam_input(model, x, *, layer=None) -> GradCamInput:
    """Every check of :func:`grad_cam` on the model, ``x`` and ``layer``, before any
    TensorFlow work, the one walk of the model at ``x``'s size included.

    Split from :func:`grad_cam_of` for a caller that runs the model in between
    (``GradCamDisplay`` predicts first), so that the model is walked once.
    """
    check_image_model(model, caller="grad_cam")
    raw = x
    x = check_batch(model, x)  # builds a Sequential given no Input, so layers have outputs
    check_single_output(model, caller="grad_cam")
    head, n_classes = _class_head(model)
    path = default_layer(model) if layer is None else find_layer(model, layer)
    check_spatial(path[-1], x.ndim)
    if layer is not None:
        warn_if_one_cell(model, path[-1])
    warn_unscaled(model, raw, x, caller="grad_cam")
    check_before_running(model, path, x.shape[1:], to_output=True)
    return GradCamInput(model, x, path, head, n_classes)


def grad_cam_of(checked: GradCamInput, *, class_index=None, resize=True, batch_size=128):
    """:func:`grad_cam` of an input :func:`check_grad_cam_input` has checked (``resize``
    and ``batch_size`` checked by the caller)."""
    model, x, path, head, n_classes = checked
    chosen = _check_class_index(class_index, len(x), n_classes)
    step = _cached_step(model, path, head, predicted=chosen is None, shape=x.shape[1:])

    tf = import_tensorflow()
    maps = []
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        classes = (
            np.zeros(len(chunk), "int64") if chosen is None else chosen[start : start + batch_size]
        )
        cam = step(tf.constant(chunk), tf.constant(classes))
        if resize and tuple(cam.shape[1:]) != x.shape[1:-1]:
            cam = _resize(tf, cam, x.shape[1:-1])
        maps.append(np.asarray(cam, dtype="float32"))
    maps = np.concatenate(maps)
    peak = maps.max(axis=tuple(range(1, maps.ndim)), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def _resize(tf, cam, size):
    """Maps ``(N, H', W')`` to ``(N, H, W)`` bilinearly; ``(N, T')`` to ``(N, T)`` linearly
    (the same resize on a grid one column wide, so both use TF's half-pixel centres)."""
    if len(size) == 2:
        return tf.image.resize(cam[..., None], size, method="bilinear")[..., 0]
    return tf.image.resize(cam[..., None, None], (size[0], 1), method="bilinear")[..., 0, 0]


# model -> {(layer path, predicted?, input shape): traced step}. The steps hold the
# model's layers, never the model itself, so a model that is deleted leaves the cache.
_STEPS = weakref.WeakKeyDictionary()


def _cached_step(model, path, head, *, predicted: bool, shape):
    """One traced step per model, layer and input shape (tracing costs ~1 s, and a
    notebook calling grad_cam in a loop would otherwise warn about retracing)."""
    steps = _STEPS.setdefault(model, {})
    key = (tuple(id(layer) for layer in path), predicted, tuple(shape))
    if key not in steps:
        steps[key] = _grad_cam_step(model, path, head, predicted=predicted, shape=shape)
    return steps[key]


def _grad_cam_step(model, path, head, *, predicted: bool, shape):
    """A ``tf.function`` ``(x, classes) -> ReLU(sum_c w_c A_c)`` at the layer's resolution.

    Traced, not eager: eager TensorFlow computes a convolution's *filter* gradient along
    with its input gradient, and TF 2.21's oneDNN filter gradient of a 1x1 stride-2
    convolution (every ResNet's downsampling skip) corrupts memory for some batch sizes,
    killing the Python process. In a traced function the unused filter gradient is pruned.
    """
    tf = import_tensorflow()
    run = plan_cut(model, path, head.tensor)
    layer, model_name = path[-1].name, model.name  # the closure must not hold the model

    def step(x, classes):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            features, before = run(x, tape)
            scores = head.scores(before)
            if predicted:
                classes = head.predicted(scores)
            # images are independent (inference mode): the gradient of the sum with
            # respect to image n's maps is the gradient of image n's own score
            total = tf.reduce_sum(tf.gather(scores, classes, axis=1, batch_dims=1))
        grads = tape.gradient(total, features)
        if grads is None:
            raise ValueError(
                f"layer {layer!r} does not feed the class scores of model {model_name!r}: "
                "pick a layer on the way to the output"
            )
        # the mean over the grid: (H', W') in 2-D, (T',) in 1-D
        grid_axes = tuple(range(1, len(shape)))
        weights = tf.reduce_mean(tf.cast(grads, tf.float32), axis=grid_axes, keepdims=True)
        return tf.nn.relu(tf.reduce_sum(weights * tf.cast(features, tf.float32), axis=-1))

    signature = [
        tf.TensorSpec((None, *shape), tf.float32),
        tf.TensorSpec((None,), tf.int64),
    ]
    return tf.function(step, input_signature=signature)


class _Head:
    """The tensor the scores are computed from, and how (see grad_cam's Notes).

    A binary head's one logit ``z`` becomes two scores, ``(-z, z)``: class 0's and
    class 1's.
    """

    def __init__(self, tensor, dense=None, *, binary=False):
        self.tensor = tensor
        self.dense = dense
        self.binary = binary

    def scores(self, value):
        tf = import_tensorflow()
        value = tf.cast(value, tf.float32)
        if self.dense is not None:
            value = tf.matmul(value, tf.cast(self.dense.kernel, tf.float32))
            if self.dense.bias is not None:
                value = value + tf.cast(self.dense.bias, tf.float32)
        return tf.concat([-value, value], axis=-1) if self.binary else value

    def predicted(self, scores):
        """The predicted classes: the highest score; class 1 where ``z >= 0`` (binary)."""
        tf = import_tensorflow()
        if self.binary:
            return tf.cast(scores[:, 1] >= 0, tf.int64)
        return tf.argmax(scores, axis=-1)


def _class_head(model):
    """Where the class scores come from, and how many classes there are."""
    keras = _keras()
    output = model.outputs[0]
    shape = tuple(output.shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"grad_cam needs a classifier: model {model.name!r} returns shape {shape}, "
            "not (N, n_classes)"
        )
    binary = shape[-1] == 1
    n_classes = 2 if binary else shape[-1]
    operation, node_index = keras_internals.producer(output)
    inputs = keras_internals.call_inputs(operation, node_index)
    if isinstance(operation, keras.layers.Dense):
        return _Head(inputs[0], dense=operation, binary=binary), n_classes
    squashing = "sigmoid" if binary else "softmax"
    squashed = isinstance(operation, keras.layers.Softmax) or (
        isinstance(operation, keras.layers.Activation)
        and getattr(operation.activation, "__name__", "") == squashing
    )
    if squashed and len(inputs) == 1:
        return _Head(inputs[0], binary=binary), n_classes
    return _Head(output, binary=binary), n_classes


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_class_index(class_index, n: int, n_classes: int):
    """``None``, or one class per image as an int64 array, each in ``0..n_classes - 1``."""
    if class_index is None:
        return None
    what = f"in 0..{n_classes - 1} (the model has {n_classes} classes)"
    if _is_int(class_index):
        if not 0 <= class_index < n_classes:
            raise ValueError(f"class_index must be {what}, got {class_index}")
        return np.full(n, int(class_index), dtype="int64")
    if not isinstance(class_index, (list, tuple, np.ndarray)):
        raise TypeError(
            "class_index must be an int, an array of ints (one per image) or None, got "
            f"{type(class_index).__name__} {class_index!r:.60}"
        )
    try:
        array = np.asarray(class_index)
    except (ValueError, TypeError):  # ragged nested lists
        raise TypeError("class_index must be an int or a 1-D array of ints") from None
    if array.dtype.kind not in "iu" and not (array.size == 0 and array.dtype.kind == "f"):
        raise TypeError(f"class_index must hold ints, got dtype {array.dtype}")
    if array.shape != (n,):
        raise ValueError(
            f"class_index must be one int, or one per image: shape ({n},) for the {n} "
            f"images of x, got shape {array.shape}"
        )
    bad = np.flatnonzero((array < 0) | (array >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"class_index[{i}] must be {what}, got {int(array[i])}")
    return array.astype("int64")
