"""An input image that makes one channel fire as hard as it can: gradient ascent on the
input, with the regularisation (jitter, blur, clipping) that keeps the result a picture
instead of noise.

- :func:`activation_maximization`: one channel;
- :func:`maximize_channels`: several channels at once, as one batch.

The compiled ascent loop itself is in :mod:`~vizcnn.inspection._ascent`.
"""

from __future__ import annotations

import warnings

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.inspection._ascent import POLISH, build_ascent, gaussian_kernel, schedule
from vizcnn.inspection._unit_common import check_channel, compiled, conv_layer, run, usable
from vizcnn.inspection.preflight import check_before_running
from vizcnn.inspection.receptive_field import field_of
from vizcnn.validation import (
    check_int,
    check_ints,
    check_model,
    check_number,
    check_positive_int,
    check_value_range,
    model_inputs,
)

__all__ = ["activation_maximization", "maximize_channels"]

VALUE_RANGE = (0.0, 1.0)  # the default pixel range: the lessons' models take x / 255
_INIT_NOISE = 0.02  # start: mid-grey plus noise of this standard deviation (x value range)
_BLUR_SIGMA = 0.5  # pixels: a light 3x3 Gaussian, enough to damp pixel-level noise


def activation_maximization(
    model,
    layer,
    channel,
    *,
    steps: int = 200,
    learning_rate: float = 0.05,
    seed=0,
    image_shape=None,
    value_range=VALUE_RANGE,
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
        ``low >= high``, an ``image_shape`` the model does not take or too small for
        a window on the way (named, with the smallest size that fits), a layer used more
        than once, or NaN or inf weights on the way to the layer (named).

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
    return _maximize(model, layer, channel_list(channels), "channels", **kwargs)


def channel_list(channels) -> list[int]:
    """``channels`` (an int, a range, an array or a sequence of ints) as a list of ints
    >= 0: one image each, for :func:`maximize_channels` and the display that draws them.
    """
    if isinstance(channels, np.ndarray):
        channels = channels.tolist()
    if isinstance(channels, (str, bytes)) or not hasattr(channels, "__len__"):
        return [check_int(channels, "channels", minimum=0)]  # one int, or a clear TypeError
    channels = list(channels)
    if not channels:
        raise ValueError("channels must name at least one channel, got an empty sequence")
    return [check_int(c, f"channels[{i}]", minimum=0) for i, c in enumerate(channels)]


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
    value_range=VALUE_RANGE,
    jitter=None,
    blur_every=2,
):
    """Gradient ascent of the centre unit of each of ``channels``, one image each."""
    check_model(model)
    path, key, n_channels = conv_layer(model, layer)
    checked = []
    for i, c in enumerate(channels):
        try:
            checked.append(check_channel(c, n_channels, key))
        except (TypeError, ValueError) as exc:
            if channel_name == "channel":
                raise
            raise type(exc)(f"channels[{i}]: {exc}") from None
    steps = check_positive_int(steps, "steps")
    learning_rate = check_number(learning_rate, "learning_rate", above=0)
    seed = check_int(seed, "seed", minimum=0)
    low, high = check_value_range(value_range)
    if jitter is not None:
        jitter = check_int(jitter, "jitter", minimum=0)
    blur_every = check_int(blur_every, "blur_every", minimum=0)
    shape = _image_shape(model, image_shape)
    check_before_running(model, path, shape, name="image_shape")
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
    polish = int(round(steps * POLISH))
    offsets[steps - polish :] = 0
    blur_at = np.zeros(steps, dtype=bool)
    if blur_every:
        blur_at[blur_every - 1 :: blur_every] = True
        blur_at[steps - polish :] = False

    ascend, stages = compiled(model, path, "ascend", build_ascent)
    probe = run(stages, tf.constant(start[None]))
    grid = tuple(int(s) for s in probe.shape[1:3])
    centre = np.zeros(grid, dtype="float32")
    centre[grid[0] // 2, grid[1] // 2] = 1.0
    result = ascend(
        tf.constant(np.repeat(start[None], len(checked), axis=0)),
        tf.one_hot(checked, int(probe.shape[-1]), dtype=tf.float32),
        tf.constant(centre),
        tf.constant(offsets, tf.int32),
        tf.constant(blur_at),
        tf.constant(learning_rate * span * schedule(steps), tf.float32),
        tf.constant([low, high], tf.float32),
        gaussian_kernel(tf, _BLUR_SIGMA, shape[-1]),
    )
    images = result.numpy().astype("float32")
    box = _centre_box(field, grid, shape)
    if box is not None:  # pixels the centre unit cannot see: back to the starting grey
        (top, bottom), (left, right) = box
        outside = np.ones(shape[:2], dtype=bool)
        outside[top : bottom + 1, left : right + 1] = False
        images[:, outside] = start[outside]
    reached = tf.cast(run(stages, tf.constant(images)), tf.float32).numpy()
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
    return rf if usable(rf) else None


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
