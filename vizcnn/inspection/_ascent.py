"""The gradient-ascent loop of :mod:`~vizcnn.inspection.activation_max`, compiled once
per (model, layer): the step-size schedule, the ReLU gradient that wakes silent units, and
the light blur between steps.
"""

from __future__ import annotations

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.inspection._unit_common import function, run

POLISH = 0.1  # the last 10% of the steps run without jitter and blur
_FLOOR = 0.3  # the step size decays to this fraction of learning_rate (see `schedule`)
_WAKE_RELU = "VizcnnWakeRelu"  # the registered name of the ReLU gradient below


def schedule(steps: int) -> np.ndarray:
    """Each step's size, relative to ``learning_rate``.

    A cosine decay from 1 to 0.3 over the main steps, then, over the last tenth (no
    jitter, no blur), a linear decay from 0.5 to 0: large steps find the pattern, small
    ones sharpen it without adding pixel noise.
    """
    polish = int(round(steps * POLISH))
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


def build_ascent(stages):
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
                maps = tf.cast(run(stages, shifted), tf.float32)  # (n, H', W', C')
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

    return function(tf, ascend), stages


def gaussian_kernel(tf, sigma: float, channels: int):
    """A 3x3 normalised Gaussian as a depthwise kernel ``(3, 3, channels, 1)``."""
    line = np.exp(-(np.arange(-1, 2) ** 2) / (2 * sigma**2))
    kernel = np.outer(line, line)
    kernel = (kernel / kernel.sum()).astype("float32")
    return tf.constant(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)))


def _blur(tf, image, kernel):
    """Blur with edge pixels repeated (no dark frame from zero padding)."""
    padded = tf.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    return tf.nn.depthwise_conv2d(padded, kernel, strides=[1, 1, 1, 1], padding="VALID")
