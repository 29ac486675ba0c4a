"""What one channel of a layer responds to: the images that excite it most, and the image
gradient ascent builds for it.

- :func:`top_activating_patches`: run a dataset through the model and keep, for one
  channel, the ``k`` images whose strongest unit fires hardest, with where that unit sits
  and the patch of input it sees (its receptive field);
- :func:`activation_maximization`: start from grey and change the *input* by gradient
  ascent until the channel's centre unit fires as hard as it can, with the regularisation
  (jitter, blur, clipping) that keeps the result a picture instead of noise.
"""

from __future__ import annotations

import functools
import warnings
import weakref
from dataclasses import dataclass

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.inspection._model_graph import output_extractor
from vizcnn.inspection.receptive_field import field_of
from vizcnn.validation import (
    check_batch,
    check_int,
    check_ints,
    check_model,
    check_number,
    check_positive_int,
    find_layer,
    model_inputs,
)

__all__ = ["TopPatches", "activation_maximization", "maximize_channels", "top_activating_patches"]


# -- shared checks ------------------------------------------------------------------------


def _layer_key(model, path) -> str:
    """The layer's name, or its ``outer/inner`` path where the bare name is ambiguous."""
    name = path[-1].name
    try:
        if find_layer(model, name) == path:
            return name
    except ValueError:
        pass
    return "/".join(p.name for p in path)


def _conv_layer(model, layer):
    """``(path, key, channels)`` for a layer whose output is a feature map ``(N, H, W, C)``."""
    path = find_layer(model, layer)
    target = path[-1]
    try:
        shape = tuple(target.output.shape)
    except (AttributeError, ValueError):  # a layer never called on a symbolic input
        raise ValueError(
            f"layer {target.name!r} has no known output shape; use a Sequential or "
            "functional model built from keras.Input"
        ) from None
    if len(shape) != 4:
        raise ValueError(
            f"layer {target.name!r} ({type(target).__name__}) outputs shape {shape}: not a "
            "convolutional layer; pick a layer whose output is a feature map (N, H, W, C), "
            "such as a Conv2D, a pooling layer or a residual unit"
        )
    return path, _layer_key(model, path), shape[-1]


def _check_channel(channel, channels: int, key: str) -> int:
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


def _run(stages, x):
    """The chained stages of :func:`output_extractor` applied to ``x``."""
    for stage in stages:
        x = stage(x, training=False)
    return x


# One compiled function per (model, layer, purpose), reused across calls: the channel and
# every setting are tensor arguments, so a notebook looping over channels traces once
# (and TensorFlow does not warn about retracing). Keyed weakly: a model that is dropped
# takes its functions with it.
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compiled(model, path, purpose: str, build):
    per_model = _COMPILED.setdefault(model, {})
    key = (purpose, tuple(id(p) for p in path))
    if key not in per_model:
        per_model[key] = build(output_extractor(model, path))
    return per_model[key]


def _build_peaks(stages):
    """``peaks(chunk, channel)``: each image's maximum of the channel, and where it is."""
    tf = import_tensorflow()

    def peaks(chunk, channel):
        maps = tf.cast(tf.gather(_run(stages, chunk), channel, axis=-1), tf.float32)
        flat = tf.reshape(maps, (tf.shape(maps)[0], -1))
        return tf.reduce_max(flat, axis=1), tf.argmax(flat, axis=1), tf.shape(maps)[1:3]

    return _function(tf, peaks)


def _function(tf, fn):
    """``tf.function(fn)``, its retracing counted apart from other builds of ``fn``.

    TensorFlow counts traces per Python code object, so one function built for six models
    would warn about "excessive retracing" although each build traced once. A
    ``functools.partial`` has no code object: TensorFlow counts each build on its own.
    """
    return tf.function(functools.partial(fn), reduce_retracing=True)


# -- top-activating patches ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TopPatches:
    """The ``k`` images of a dataset that excite one channel most, strongest first.

    Attributes
    ----------
    layer : str
        The layer's name (``"outer/inner"`` where the bare name is ambiguous).
    channel : int
        The channel of that layer.
    scores : numpy.ndarray, shape (k,)
        Each image's strongest response of the channel (its maximum over positions),
        descending.
    indices : numpy.ndarray of int, shape (k,)
        Which images of ``x`` they are.
    positions : numpy.ndarray of int, shape (k, 2)
        The unit ``(row, column)`` of the layer's feature map where each image peaks.
    boxes : numpy.ndarray of int, shape (k, 4)
        The receptive field of that unit in input pixels, ``(top, left, bottom, right)``
        with ``bottom`` and ``right`` exclusive, clipped to the image: the image's patch is
        ``x[i, top:bottom, left:right]``.
    patches : list of numpy.ndarray
        Those patches, each ``(bottom - top, right - left, C)``. Fields that hang over the
        image border are clipped, so patches near a border are smaller.
    """

    layer: str
    channel: int
    scores: np.ndarray
    indices: np.ndarray
    positions: np.ndarray
    boxes: np.ndarray
    patches: list

    def __len__(self) -> int:
        return len(self.scores)


def top_activating_patches(model, x, layer, channel, *, k: int = 9, batch_size: int = 256):
    """The ``k`` images of ``x`` on which one channel of ``layer`` fires hardest.

    Each image is scored by the channel's strongest unit (the maximum of its feature map
    over all positions); for the best ``k`` images we also report where that unit is, and
    the patch of the image it sees. Looking at those patches side by side shows what the
    channel detects.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model; nested models are searched.
    x : array-like, shape (N, H, W, C)
        The images to search, as the model takes them.
    layer : str or keras.layers.Layer
        A layer with a feature-map output ``(N, H', W', C')``: by name (``"outer/inner"``
        inside a nested model) or object.
    channel : int
        The channel of ``layer``, in ``0..C' - 1``.
    k : int, default=9
        How many images to keep, in ``1..N``.
    batch_size : int, default=256
        Images run through the model in chunks of this size; only each image's maximum
        is kept, never the feature maps of the whole dataset.

    Returns
    -------
    TopPatches
        ``scores``, ``indices``, ``positions``, ``boxes`` and ``patches`` of the ``k``
        images, strongest first (ties keep the order of ``x``), with ``layer`` and
        ``channel``.

    Raises
    ------
    TypeError
        For a ``channel``, ``k`` or ``batch_size`` that is not an int, or an ``x`` that is
        not a numeric array.
    ValueError
        For a layer whose output is not a feature map (``Dense``, ``Flatten``...), a
        ``channel`` outside the layer's channels, ``k`` outside ``1..len(x)``, or an ``x``
        the model does not take.

    Examples
    --------
    >>> top = vz.top_activating_patches(model, X_valid, "conv2d_1", 5)    # doctest: +SKIP
    >>> top.scores, top.indices, top.boxes[0]                           # doctest: +SKIP
    """
    check_model(model)
    path, key, channels = _conv_layer(model, layer)
    channel = _check_channel(channel, channels, key)
    batch_size = check_positive_int(batch_size, "batch_size")
    x = check_batch(model, x)
    k = check_int(k, "k")
    if not 1 <= k <= len(x):
        raise ValueError(f"k must be in 1..{len(x)} (x holds {len(x)} images), got {k}")

    tf = import_tensorflow()
    peaks = _compiled(model, path, "peaks", _build_peaks)
    channel_t = tf.constant(channel, tf.int32)
    scores = np.empty(len(x), dtype="float32")
    where = np.empty(len(x), dtype="int64")
    grid = None
    for start in range(0, len(x), batch_size):
        best, argbest, grid = peaks(tf.constant(x[start : start + batch_size]), channel_t)
        scores[start : start + batch_size] = best.numpy()
        where[start : start + batch_size] = argbest.numpy()
    grid = tuple(int(n) for n in grid)
    order = np.argsort(-scores, kind="stable")[:k]
    positions = np.stack(np.unravel_index(where[order], grid), axis=1).astype(int)
    boxes = _boxes(model, path, positions, x.shape[1:3])
    # copies, not views: a view would keep the whole of x alive as long as the result
    patches = [x[i, t:b, left:r].copy() for i, (t, left, b, r) in zip(order, boxes, strict=True)]
    return TopPatches(
        layer=key,
        channel=channel,
        scores=_frozen(scores[order]),
        indices=_frozen(order.astype(int)),
        positions=_frozen(positions),
        boxes=_frozen(boxes),
        patches=patches,
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _boxes(model, path, positions, image_size) -> np.ndarray:
    """The receptive field of each unit, ``(top, left, bottom, right)``, clipped."""
    height, width = image_size
    whole = np.tile([0, 0, height, width], (len(positions), 1))
    try:
        _, rf = field_of(model, path[-1], input_size=tuple(image_size))
    except ValueError as exc:
        warnings.warn(
            f"the receptive field of layer {path[-1].name!r} is unknown ({exc}); "
            "boxes and patches cover the whole image",
            RuntimeWarning,
            stacklevel=3,
        )
        return whole
    if rf.is_global or None in tuple(rf.size) or None in tuple(rf.start):
        return whole
    boxes = []
    for row, col in positions:
        (top, bottom), (left, right) = rf.box((int(row), int(col)))
        boxes.append([max(top, 0), max(left, 0), min(bottom + 1, height), min(right + 1, width)])
    return np.asarray(boxes, dtype=int).reshape(-1, 4)


# -- activation maximisation --------------------------------------------------------------

_INIT_NOISE = 0.02  # start: mid-grey plus noise of this standard deviation (x value range)
_BLUR_SIGMA = 0.5  # pixels: a light 3x3 Gaussian, enough to damp pixel-level noise
_POLISH = 0.1  # the last 10% of the steps run without jitter and blur
_FLOOR = 0.3  # the step size decays to this fraction of learning_rate (see _schedule)
_WAKE_RELU = "VizcnnWakeRelu"  # the registered name of the ReLU gradient below


def activation_maximization(
    model,
    layer,
    channel,
    *,
    steps: int = 200,
    learning_rate: float = 0.05,
    seed=0,
    image_shape=None,
    value_range=(0.0, 1.0),
    jitter=None,
    blur_every: int = 2,
):
    """An input image that makes one channel's centre unit fire as hard as it can.

    Gradient ascent on the *input*: start from mid-grey plus a little noise, then repeat
    ``steps`` times: shift the image by a few random pixels (``jitter``), compute the
    activation of the channel's centre unit (the unit in the middle of its feature map),
    and move the pixels a step along the gradient. Left alone, gradient ascent finds
    high-frequency noise the unit happens to like; three regularisers keep the result a
    picture: the jitter (a pattern must work at several offsets), a light blur every
    ``blur_every`` steps, and clipping to ``value_range`` (the pixels the model was
    trained on). The last tenth of the steps runs without jitter and blur, with steps
    shrinking to zero, so the pattern settles exactly on the centre unit. Pixels outside
    the unit's receptive field cannot change it: they are set back to the starting grey,
    so the picture shows exactly what the unit sees.

    The first step moves the pixels that influence the unit by ``learning_rate`` times
    the width of ``value_range`` (root mean square): the gradient is normalised, so the
    step does not depend on how large the layer's activations are. The step then decays
    (cosine) to 0.3 times that by the last tenth of the steps. A ReLU unit silent on grey
    has no gradient at all; where every gradient through a ReLU is zero, the silent
    units the gradient would push up pass it anyway (the "redirected ReLU" of Olah et al.,
    2017), so ascent can wake the unit; elsewhere the gradient is the ordinary one.

    Parameters
    ----------
    model : keras.Model
        A Sequential or functional model taking images; nested models and custom layers
        such as ``vz.layers.ResidualUnit`` are fine, and so is a ``mixed_bfloat16``
        policy (the image itself is kept and updated in float32).
    layer : str or keras.layers.Layer
        A layer with a feature-map output ``(N, H', W', C')``, by name or object.
    channel : int
        The channel to maximise, in ``0..C' - 1``.
    steps : int, default=200
        Gradient-ascent steps.
    learning_rate : float, default=0.05
        The first step's size, as a fraction of the width of ``value_range``.
    seed : int, default=0
        Seeds the starting noise and the jitter offsets: the same seed gives the same
        image.
    image_shape : tuple of int, optional
        ``(H, W, C)`` of the image; default the model's input shape (required when the
        model does not fix its input size).
    value_range : pair of float, default=(0.0, 1.0)
        ``(low, high)`` pixel values the model was trained on; the image stays inside.
    jitter : int, optional
        The largest random shift, in pixels, along each axis at each step (0: none).
        Default: an eighth of the unit's receptive field (and of the image), so a
        first-layer unit that sees 5x5 pixels is not jittered and one that sees 20x20
        pixels is shifted by up to 2.
    blur_every : int, default=2
        Blur the image lightly every this many steps (0: never).

    Returns
    -------
    numpy.ndarray
        The image, float32, shaped ``image_shape``.

    Raises
    ------
    TypeError
        For arguments of the wrong kind (a float ``channel``, a string ``steps``...).
    ValueError
        For a layer whose output is not a feature map, a ``channel`` outside its
        channels, ``steps < 1``, ``learning_rate <= 0``, ``value_range`` with
        ``low >= high``, or an ``image_shape`` the model does not take.

    Warns
    -----
    RuntimeWarning
        When the centre unit is still exactly 0 at the end: a ReLU channel that fires on
        no input in ``value_range`` (a "dead" channel).

    See Also
    --------
    maximize_channels : the same for several channels at once (one batch, faster).

    Examples
    --------
    >>> image = vz.activation_maximization(model, "conv2d_1", 5)        # doctest: +SKIP
    >>> vz.show_images([image])                                       # doctest: +SKIP
    """
    settings = dict(
        steps=steps,
        learning_rate=learning_rate,
        seed=seed,
        image_shape=image_shape,
        value_range=value_range,
        jitter=jitter,
        blur_every=blur_every,
    )
    return _maximize(model, layer, [channel], "channel", **settings)[0]


def maximize_channels(model, layer, channels, **kwargs) -> np.ndarray:
    """:func:`activation_maximization` for several channels at once, as one batch.

    Every image starts from the same seeded noise and follows the same jitter, so image
    ``i`` is (up to float rounding) ``activation_maximization(model, layer, channels[i])``.
    ``kwargs`` are those of :func:`activation_maximization`.

    Returns
    -------
    numpy.ndarray
        ``(len(channels), H, W, C)``, float32.
    """
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__"):
        raise TypeError(
            f"channels must be a sequence of ints, got {type(channels).__name__} {channels!r:.60}"
        )
    if len(channels) == 0:
        raise ValueError("channels must name at least one channel, got an empty sequence")
    return _maximize(model, layer, list(channels), "channels", **kwargs)


def _check_value_range(value_range) -> tuple[float, float]:
    if not isinstance(value_range, (tuple, list, np.ndarray)):
        raise TypeError(
            f"value_range must be a pair (low, high) of numbers, got "
            f"{type(value_range).__name__} {value_range!r:.60}"
        )
    if len(value_range) != 2:
        raise ValueError(f"value_range must be a pair (low, high), got {len(value_range)} values")
    low = check_number(value_range[0], "value_range[0]")
    high = check_number(value_range[1], "value_range[1]")
    if not low < high:
        raise ValueError(f"value_range must have low < high, got ({low}, {high})")
    return low, high


def _image_shape(model, image_shape) -> tuple[int, int, int]:
    expected = tuple(model_inputs(model)[0].shape)
    if len(expected) != 4:
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {expected}, not images (N, H, W, C)"
        )
    if image_shape is None:
        if None in expected[1:]:
            raise ValueError(
                f"model {model.name!r} takes images of any size {expected[1:]}: pass "
                "image_shape=(H, W, C)"
            )
        return tuple(int(n) for n in expected[1:])
    shape = check_ints(image_shape, "image_shape", 3, what="(height, width, channels)")
    for axis, (got, want) in enumerate(zip(shape, expected[1:], strict=True)):
        if want is not None and got != want:
            raise ValueError(
                f"image_shape={shape} does not fit model {model.name!r}, which takes "
                f"images shaped {expected[1:]} (axis {axis})"
            )
    return shape


def _maximize(
    model,
    layer,
    channels,
    channel_name,
    *,
    steps=200,
    learning_rate=0.05,
    seed=0,
    image_shape=None,
    value_range=(0.0, 1.0),
    jitter=None,
    blur_every=2,
):
    """Gradient ascent of the centre unit of each of ``channels``, one image each."""
    check_model(model)
    path, key, n_channels = _conv_layer(model, layer)
    checked = []
    for i, c in enumerate(channels):
        try:
            checked.append(_check_channel(c, n_channels, key))
        except (TypeError, ValueError) as exc:
            if channel_name == "channel":
                raise
            raise type(exc)(f"channels[{i}]: {exc}") from None
    steps = check_positive_int(steps, "steps")
    learning_rate = check_number(learning_rate, "learning_rate", above=0)
    seed = check_int(seed, "seed", minimum=0)
    low, high = _check_value_range(value_range)
    if jitter is not None:
        jitter = check_int(jitter, "jitter", minimum=0)
    blur_every = check_int(blur_every, "blur_every", minimum=0)
    shape = _image_shape(model, image_shape)
    field = _field(model, path, shape)
    if jitter is None:
        jitter = _default_jitter(field, shape)
    if jitter >= min(shape[:2]):
        raise ValueError(
            f"jitter must be smaller than the image ({shape[0]}x{shape[1]}), got {jitter}"
        )

    tf = import_tensorflow()
    span = high - low
    # everything random is drawn here, from one seeded NumPy generator
    rng = np.random.default_rng(seed)
    start = (low + high) / 2 + _INIT_NOISE * span * rng.standard_normal(shape)
    start = np.clip(start, low, high).astype("float32")
    offsets = rng.integers(-jitter, jitter + 1, size=(steps, 2))
    polish = int(round(steps * _POLISH))
    offsets[steps - polish :] = 0
    blur_at = np.zeros(steps, dtype=bool)
    if blur_every:
        blur_at[blur_every - 1 :: blur_every] = True
        blur_at[steps - polish :] = False

    ascend, stages = _compiled(model, path, "ascend", _build_ascent)
    probe = _run(stages, tf.constant(start[None]))
    grid = tuple(int(s) for s in probe.shape[1:3])
    if 0 in grid:
        raise ValueError(
            f"layer {key!r} produces an empty feature map {grid} for images shaped {shape}"
        )
    centre = np.zeros(grid, dtype="float32")
    centre[grid[0] // 2, grid[1] // 2] = 1.0
    result = ascend(
        tf.constant(np.repeat(start[None], len(checked), axis=0)),
        tf.one_hot(checked, int(probe.shape[-1]), dtype=tf.float32),
        tf.constant(centre),
        tf.constant(offsets, tf.int32),
        tf.constant(blur_at),
        tf.constant(learning_rate * span * _schedule(steps), tf.float32),
        tf.constant([low, high], tf.float32),
        _gaussian_kernel(tf, _BLUR_SIGMA, shape[-1]),
    )
    images = result.numpy().astype("float32")
    box = _centre_box(field, grid, shape)
    if box is not None:  # pixels the centre unit cannot see: back to the starting grey
        (top, bottom), (left, right) = box
        outside = np.ones(shape[:2], dtype=bool)
        outside[top : bottom + 1, left : right + 1] = False
        images[:, outside] = start[outside]
    reached = tf.cast(_run(stages, tf.constant(images)), tf.float32).numpy()
    silent = [c for i, c in enumerate(checked) if reached[i, grid[0] // 2, grid[1] // 2, c] == 0]
    if silent:
        warnings.warn(
            f"the centre unit of channel(s) {silent} of layer {key!r} is still silent (0) "
            f"after {steps} steps of gradient ascent: the channel may be dead (firing on no "
            f"input in value_range={(low, high)})",
            RuntimeWarning,
            stacklevel=3,
        )
    return images


def _field(model, path, shape):
    """The layer's :class:`ReceptiveField` for images of ``shape``, or None if unknown."""
    try:
        _, rf = field_of(model, path[-1], input_size=tuple(shape[:2]))
    except ValueError:  # a layer the receptive-field walk does not know
        return None
    if rf.is_global or None in tuple(rf.size) or None in tuple(rf.start):
        return None
    return rf


def _default_jitter(field, shape) -> int:
    """An eighth of the layer's receptive field, and of the image (2 if unknown)."""
    if field is None:
        return 2
    return int(min(min(field.size), *shape[:2]) // 8)


def _centre_box(field, grid, shape):
    """The centre unit's field, clipped to the image: ``((top, bottom), (left, right))``."""
    if field is None or tuple(field.grid) != tuple(grid):
        return None
    (top, bottom), (left, right) = field.box((grid[0] // 2, grid[1] // 2))
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, shape[0] - 1), min(right, shape[1] - 1)
    return None if top > bottom or left > right else ((top, bottom), (left, right))


def _schedule(steps: int) -> np.ndarray:
    """Each step's size, relative to ``learning_rate``.

    A cosine decay from 1 to 0.3 over the main steps, then, over the last tenth (no
    jitter, no blur), a linear decay from 0.5 to 0: large steps find the pattern, small
    ones sharpen it without adding pixel noise.
    """
    polish = int(round(steps * _POLISH))
    main = steps - polish
    t = np.arange(main) / max(main - 1, 1)
    cosine = _FLOOR + (1 - _FLOOR) * 0.5 * (1 + np.cos(np.pi * t))
    return np.concatenate([cosine, np.linspace(0.5, 0.0, polish, endpoint=False)])


def _register_wake_relu(tf) -> None:
    """Register the ReLU gradient that wakes silent units (once per process).

    A ReLU whose input is negative passes no gradient, so on an image where a unit (or
    every unit on its path through one layer) is silent, plain gradient ascent cannot
    start. Where the ordinary ReLU gradient of an image is zero everywhere, this one
    passes the gradient through the silent units it would push *up*; everywhere else it
    is the ordinary gradient. The forward pass is unchanged.
    """

    def wake_relu(op, grad):
        x = op.inputs[0]
        zeros = tf.zeros_like(grad)
        ordinary = tf.where(x > 0, grad, zeros)
        redirected = tf.where((x > 0) | (grad > 0), grad, zeros)
        flat = tf.reshape(ordinary, (tf.shape(ordinary)[0], -1))
        silent = tf.reduce_all(flat == 0, axis=1)  # per image
        silent = tf.reshape(silent, tf.concat([[-1], tf.ones_like(tf.shape(x)[1:])], 0))
        return tf.where(silent, redirected, ordinary)

    try:
        tf.RegisterGradient(_WAKE_RELU)(wake_relu)
    except KeyError:  # registered already
        pass


def _build_ascent(stages):
    """The gradient-ascent loop for one layer, every setting a tensor argument."""
    tf = import_tensorflow()
    _register_wake_relu(tf)

    def ascend(image, select, centre, offsets, blur_at, step, bounds, kernel):
        # image (n, H, W, C); select (n, C') one-hot channels; centre (H', W') one-hot
        centre = centre[None, :, :, None]
        for i in tf.range(tf.shape(offsets)[0]):
            shifted = tf.roll(image, shift=offsets[i], axis=[1, 2])
            graph = tf.compat.v1.get_default_graph()
            with graph.gradient_override_map({"Relu": _WAKE_RELU}):
                maps = tf.cast(_run(stages, shifted), tf.float32)  # (n, H', W', C')
            objective = tf.reduce_sum(tf.reduce_sum(maps * centre, axis=[1, 2]) * select)
            # tf.gradients, not a GradientTape: only it honours the gradient override
            grad = tf.gradients(objective, image)[0]
            # pixels pinned at a bound by the gradient cannot move: leave them out, then
            # scale so the pixels that can move do so by `step` (root mean square)
            pinned = ((image <= bounds[0]) & (grad < 0)) | ((image >= bounds[1]) & (grad > 0))
            grad = tf.where(pinned, tf.zeros_like(grad), grad)
            moving = tf.reduce_sum(tf.cast(grad != 0, tf.float32), axis=[1, 2, 3], keepdims=True)
            power = tf.reduce_sum(tf.square(grad), axis=[1, 2, 3], keepdims=True)
            image = image + step[i] * grad / (tf.sqrt(power / tf.maximum(moving, 1.0)) + 1e-12)
            if blur_at[i]:
                image = _blur(tf, image, kernel)
            image = tf.clip_by_value(image, bounds[0], bounds[1])
        return image

    return _function(tf, ascend), stages


def _gaussian_kernel(tf, sigma: float, channels: int):
    """A 3x3 normalised Gaussian as a depthwise kernel ``(3, 3, channels, 1)``."""
    line = np.exp(-(np.arange(-1, 2) ** 2) / (2 * sigma**2))
    kernel = np.outer(line, line)
    kernel = (kernel / kernel.sum()).astype("float32")
    return tf.constant(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)))


def _blur(tf, image, kernel):
    """Blur with edge pixels repeated (no dark frame from zero padding)."""
    padded = tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    return tf.nn.depthwise_conv2d(padded, kernel, strides=[1, 1, 1, 1], padding="VALID")
