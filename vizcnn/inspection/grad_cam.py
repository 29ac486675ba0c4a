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

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.backend import keras as _keras
from vizcnn.graph import keras_internals
from vizcnn.validation import (
    check_batch,
    check_bool,
    check_model,
    check_positive_int,
    find_layer,
    iter_layers,
)

__all__ = ["grad_cam"]


def grad_cam(model, x, *, layer=None, class_index=None, resize=True, batch_size=128):
    """Grad-CAM heatmaps: which places of each image raise the score of a class.

    Parameters
    ----------
    model : keras.Model
        A classifier (Sequential or functional; nested models are searched) taking
        images ``(N, H, W, C)`` and returning one score per class ``(N, n_classes)``.
    x : array-like, shape (N, H, W, C)
        The images, as the model takes them.
    layer : str or keras.layers.Layer, optional
        The layer whose feature maps are weighted: any layer with a 4-D output
        ``(N, H', W', C')``; ``"outer/inner"`` names a layer inside a nested model.
        Default: the last layer with a 4-D output (nested models included), where the
        maps are the most class-specific; for ``small_resnet`` that is ``"res3_1"``.
    class_index : int or array-like of int, optional
        The class to explain: one class for every image, or one per image ``(N,)``.
        Default: each image's predicted class (the highest score).
    resize : bool, default=True
        Resize the maps (bilinear) to the input's ``H x W``, to lay them over the
        images; False returns them at the layer's resolution ``H' x W'``.
    batch_size : int, default=128
        Images are run through the model in chunks of this size.

    Returns
    -------
    np.ndarray, float32, shape (N, H, W) or (N, H', W')
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
        outside ``0..n_classes - 1`` or not one per image; a model whose output is
        not ``(N, n_classes)``.

    Notes
    -----
    What is differentiated:

    - the model ends in a ``Dense`` layer (the lessons' models: ``Dense`` with a
      softmax): its *pre-activation* ``h @ kernel + bias``, computed here in float32
      from the Dense's input ``h``: the logits;
    - it ends in a softmax ``Activation`` or ``Softmax`` layer: that layer's input;
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
    check_model(model)
    x = check_batch(model, x)  # builds a Sequential given no Input, so layers have outputs
    head, n_classes = _class_head(model)
    path = _default_layer(model) if layer is None else find_layer(model, layer)
    _check_spatial(path[-1])
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
        if resize and tuple(cam.shape[1:3]) != x.shape[1:3]:
            cam = tf.image.resize(cam[..., None], x.shape[1:3], method="bilinear")[..., 0]
        maps.append(np.asarray(cam, dtype="float32"))
    maps = np.concatenate(maps)
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


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
    run = _plan(model, path, head.tensor)
    layer, model_name = path[-1].name, model.name  # the closure must not hold the model

    def step(x, classes):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            features, before = run(x, tape)
            scores = head.scores(before)
            if predicted:
                classes = tf.argmax(scores, axis=-1)
            # images are independent (inference mode): the gradient of the sum with
            # respect to image n's maps is the gradient of image n's own score
            total = tf.reduce_sum(tf.gather(scores, classes, axis=1, batch_dims=1))
        grads = tape.gradient(total, features)
        if grads is None:
            raise ValueError(
                f"layer {layer!r} does not feed the class scores of model {model_name!r}: "
                "pick a layer on the way to the output"
            )
        weights = tf.reduce_mean(tf.cast(grads, tf.float32), axis=(1, 2), keepdims=True)
        return tf.nn.relu(tf.reduce_sum(weights * tf.cast(features, tf.float32), axis=-1))

    signature = [
        tf.TensorSpec((None, *shape), tf.float32),
        tf.TensorSpec((None,), tf.int64),
    ]
    return tf.function(step, input_signature=signature)


class _Head:
    """The tensor the scores are computed from, and how (see grad_cam's Notes)."""

    def __init__(self, tensor, dense=None):
        self.tensor = tensor
        self.dense = dense

    def scores(self, value):
        tf = import_tensorflow()
        value = tf.cast(value, tf.float32)
        if self.dense is None:
            return value
        logits = tf.matmul(value, tf.cast(self.dense.kernel, tf.float32))
        if self.dense.bias is not None:
            logits = logits + tf.cast(self.dense.bias, tf.float32)
        return logits


def _class_head(model):
    """Where the class scores come from, and how many classes there are."""
    keras = _keras()
    outputs = model.outputs
    if len(outputs) != 1:
        raise ValueError(
            f"grad_cam needs a model with one output (the class scores); model "
            f"{model.name!r} has {len(outputs)}"
        )
    output = outputs[0]
    shape = tuple(output.shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"grad_cam needs a classifier: model {model.name!r} returns shape {shape}, "
            "not (N, n_classes)"
        )
    operation, node_index = keras_internals.producer(output)
    inputs = keras_internals.call_inputs(operation, node_index)
    if isinstance(operation, keras.layers.Dense):
        return _Head(inputs[0], dense=operation), shape[-1]
    softmax = isinstance(operation, keras.layers.Softmax) or (
        isinstance(operation, keras.layers.Activation)
        and getattr(operation.activation, "__name__", "") == "softmax"
    )
    if softmax and len(inputs) == 1:
        return _Head(inputs[0]), shape[-1]
    return _Head(output), shape[-1]


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # a layer called more than once
        return None


def _default_layer(model):
    """The path to the last layer with a 4-D output, nested models included."""
    found = None
    for path, layer in iter_layers(model):
        if _output_rank(layer) == 4:
            found = path
    if found is None:
        raise ValueError(
            f"model {model.name!r} has no layer with a 4-D output (N, H, W, C): "
            "Grad-CAM needs a convolutional layer"
        )
    return found


def _check_spatial(layer):
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError):
        raise ValueError(
            f"layer {layer.name!r} is called more than once in the model; grad_cam needs "
            "a layer with one output"
        ) from None
    if len(shape) != 4:
        raise ValueError(
            f"layer {layer.name!r} is not a convolutional layer: its output has shape "
            f"{shape}, and Grad-CAM needs feature maps (N, H, W, C)"
        )


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


def _single(tensors):
    """Unwrap one-element lists, so Keras does not warn about the input structure."""
    return tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors


def _plan(model, path, target):
    """``run(x, tape) -> (features, target value)``, with ``features`` (``path[-1]``'s
    output) watched by ``tape`` and ``target`` computed *from* them.

    The graph is cut at the layer: one sub-model computes the feature maps, a second
    takes the model input *and* the maps and computes ``target``, so paths that bypass
    the layer (skip connections) still run from the input. Nested models are entered one
    level at a time, since a layer's output belongs to the graph that directly holds it.
    """
    keras = _keras()
    inputs = _single(model.inputs)
    first, rest = path[0], path[1:]
    if rest:  # enter the nested model `first`
        entry = _single(keras_internals.call_inputs(first))
        pre = None if entry is inputs else keras.Model(inputs, entry)
        inner = _plan(first, rest, _single(first.outputs))
        cut = _single(keras_internals.call_outputs(first))
    else:
        cut = first.output
        pre = keras.Model(inputs, cut)
        inner = None
    if target is cut:
        post = None
    else:
        try:
            post = keras.Model([inputs, cut], target)
        except ValueError as exc:
            raise ValueError(
                f"cannot compute the class scores of model {model.name!r} from layer "
                f"{first.name!r}: {exc}"
            ) from None

    def run(x, tape):
        if inner is None:
            features = pre(x, training=False)
            tape.watch(features)
            value = features
        else:
            features, value = inner(x if pre is None else pre(x, training=False), tape)
        return features, (value if post is None else post([x, value], training=False))

    return run
