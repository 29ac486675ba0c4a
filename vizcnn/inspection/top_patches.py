"""The images of a dataset that excite one channel most, and the patch its unit sees.

- :func:`top_activating_patches`: run a dataset through the model and keep, for one
  channel, the ``k`` images whose strongest unit fires hardest, with where that unit sits
  and the patch of input it sees (its receptive field);
- :func:`channel_peaks`: the same search for *every* channel of a layer at once, kept as
  each image's peak per channel, so that a widget changing channels ranks the images with
  NumPy alone (:meth:`ChannelPeaks.top` gives the :class:`TopPatches`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from vizcnn.backend import import_tensorflow
from vizcnn.inspection._unit_common import (
    check_channel,
    clipped_boxes,
    compiled,
    conv_layer,
    frozen,
    function,
    run,
    usable,
)
from vizcnn.inspection.activations import warn_unscaled
from vizcnn.inspection.preflight import check_before_running
from vizcnn.inspection.receptive_field import field_of
from vizcnn.validation import check_batch, check_int, check_model, check_positive_int

__all__ = ["ChannelPeaks", "TopPatches", "channel_peaks", "top_activating_patches"]


@dataclass(frozen=True, eq=False)
class TopPatches:
    """The ``k`` images of a dataset that excite one channel most, strongest first.

    What :func:`top_activating_patches` and :meth:`ChannelPeaks.top` return.

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
    positions : numpy.ndarray of int, shape (k, 2), or (k, 1) for a 1-D model
        The unit ``(row, column)`` (``(t,)``) of the layer's feature map where each image
        peaks.
    boxes : numpy.ndarray of int, shape (k, 4), or (k, 2) for a 1-D model
        The receptive field of that unit in input pixels, ``(top, left, bottom, right)``
        with ``bottom`` and ``right`` exclusive, clipped to the image: the image's patch is
        ``x[i, top:bottom, left:right]``. In a 1-D model a window of time ``(start,
        stop)``, ``stop`` exclusive: the patch is ``x[i, start:stop]``.
    patches : list of numpy.ndarray
        Those patches, each ``(bottom - top, right - left, C)`` (``(stop - start, C)``).
        Fields that hang over the image border are clipped, so patches near a border are
        smaller.
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
    x : array-like, shape (N, H, W, C), or (N, T, C) for a 1-D model
        The images (sequences: the patches are then windows of time) to search, as the
        model takes them.
    layer : str or keras.layers.Layer
        A layer with a feature-map output ``(N, H', W', C')`` (``(N, T', C')``): by name
        (``"outer/inner"`` inside a nested model) or object.
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
        ``channel`` outside the layer's channels, ``k`` outside ``1..len(x)``, an ``x``
        the model does not take, a window larger than its input at ``x``'s size (named,
        with the smallest size that fits), a layer used more than once in the model, or
        NaN or inf weights on the way to the layer (named).

    See Also
    --------
    channel_peaks : every channel of the layer at once (for a widget).

    Examples
    --------
    >>> top = vz.top_activating_patches(model, X_valid, "conv2d_1", 5)    # doctest: +SKIP
    >>> top.scores, top.indices, top.boxes[0]                           # doctest: +SKIP
    """
    check_model(model)
    path, key, channels = conv_layer(model, layer)
    channel = check_channel(channel, channels, key)
    batch_size = check_positive_int(batch_size, "batch_size")
    raw, x = x, check_batch(model, x)
    warn_unscaled(model, raw, x, caller="top_activating_patches")
    k = _check_k(k, len(x))
    check_before_running(model, path, x.shape[1:])

    tf = import_tensorflow()
    peaks = compiled(model, path, "peaks", _build_peaks)
    channel_t = tf.constant(channel, tf.int32)
    scores = np.empty(len(x), dtype="float32")
    where = np.empty(len(x), dtype="int64")
    grid = None
    for start in range(0, len(x), batch_size):
        best, argbest, grid = peaks(tf.constant(x[start : start + batch_size]), channel_t)
        scores[start : start + batch_size] = best.numpy()
        where[start : start + batch_size] = argbest.numpy()
    grid = tuple(int(n) for n in grid)
    field = _field_or_warn(model, path, x.shape[1:-1])
    return _top(key, channel, x, scores, where, grid, k, field)


@dataclass(frozen=True, eq=False)
class ChannelPeaks:
    """Each image's strongest response of every channel of one layer.

    What :func:`channel_peaks` returns; :meth:`top` ranks the images for one channel.

    Attributes
    ----------
    layer : str
        The layer's name (``"outer/inner"`` where the bare name is ambiguous).
    scores : numpy.ndarray, shape (N, C)
        ``scores[i, c]``: the maximum of channel ``c``'s feature map on image ``i``.
    where : numpy.ndarray of int, shape (N, C)
        Where that maximum is, as the flat index ``row * W' + column`` of the grid (the
        first such unit where several are equal).
    grid : tuple of int
        ``(H', W')``: the layer's feature-map size for these images.
    finite : bool
        Whether every value of the feature maps was finite (a model whose training
        diverged gives NaN).
    """

    layer: str
    scores: np.ndarray
    where: np.ndarray
    grid: tuple
    finite: bool

    @property
    def channels(self) -> int:
        """How many channels the layer has."""
        return self.scores.shape[1]

    def peak_unit(self, image: int, channel: int) -> tuple:
        """The unit ``(row, column)`` (``(t,)`` in a 1-D model) where ``channel`` peaks on
        image ``image``."""
        return tuple(int(i) for i in np.unravel_index(int(self.where[image, channel]), self.grid))

    def top(self, x, channel, *, k: int = 9, field=None) -> TopPatches:
        """The ``k`` images of ``x`` on which ``channel`` peaks highest.

        What :func:`top_activating_patches` returns for the same images, without running
        the model again.

        Parameters
        ----------
        x : numpy.ndarray, shape (N, H, W, C)
            The images these peaks were computed on (the patches are cut from them).
        channel : int
            In ``0..channels - 1``.
        k : int, default=9
            In ``1..N``.
        field : ReceptiveField, optional
            The layer's field (from :func:`field_of`) for the boxes; None: every box is
            the whole image.

        Returns
        -------
        TopPatches
        """
        if not isinstance(x, np.ndarray) or x.ndim not in (3, 4) or len(x) != len(self.scores):
            raise ValueError(
                f"x must be the {len(self.scores)} images the peaks were computed on, "
                f"got {type(x).__name__} {getattr(x, 'shape', '')}"
            )
        channel = check_channel(channel, self.channels, self.layer)
        k = _check_k(k, len(x))
        return _top(
            self.layer,
            channel,
            x,
            self.scores[:, channel],
            self.where[:, channel],
            self.grid,
            k,
            field,
        )


def channel_peaks(model, x, layer, *, batch_size: int = 256) -> ChannelPeaks:
    """Each image's peak of every channel of ``layer``, and where it is.

    One pass over ``x`` in chunks of ``batch_size``; only the per-image maxima are kept,
    never the feature maps of the whole dataset.

    Parameters
    ----------
    model, x, layer, batch_size
        As for :func:`top_activating_patches`.

    Returns
    -------
    ChannelPeaks

    Raises
    ------
    ValueError
        For a layer whose output is not a feature map, a window larger than its input
        at ``x``'s size (named, with the smallest size that fits), or an ``x`` the model
        does not take; see :func:`top_activating_patches`.
    """
    check_model(model)
    path, key, _ = conv_layer(model, layer)
    batch_size = check_positive_int(batch_size, "batch_size")
    raw, x = x, check_batch(model, x)
    warn_unscaled(model, raw, x, caller="channel_peaks")
    check_before_running(model, path, x.shape[1:])
    tf = import_tensorflow()
    peaks = compiled(model, path, "all peaks", _build_all_peaks)
    scores, where, finite, grid = [], [], True, None
    for start in range(0, len(x), batch_size):
        best, argbest, ok, grid = peaks(tf.constant(x[start : start + batch_size]))
        scores.append(best.numpy())
        where.append(argbest.numpy())
        finite = finite and bool(ok.numpy())
    grid = tuple(int(n) for n in grid)
    return ChannelPeaks(
        layer=key,
        scores=frozen(np.concatenate(scores)),
        where=frozen(np.concatenate(where)),
        grid=grid,
        finite=finite,
    )


def _check_k(k, n: int) -> int:
    k = check_int(k, "k")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n} (x holds {n} images), got {k}")
    return k


def _top(key, channel, x, scores, where, grid, k, field) -> TopPatches:
    """The ``k`` best of one channel's per-image ``scores``, as :class:`TopPatches`."""
    order = np.argsort(-scores, kind="stable")[:k]
    positions = np.stack(np.unravel_index(where[order], grid), axis=1).astype(int)
    boxes = clipped_boxes(field, positions, x.shape[1:-1])
    # copies, not views: a view would keep the whole of x alive as long as the result
    patches = [x[(i, *_slices(box))].copy() for i, box in zip(order, boxes, strict=True)]
    return TopPatches(
        layer=key,
        channel=channel,
        scores=frozen(scores[order].copy()),
        indices=frozen(order.astype(int)),
        positions=frozen(positions),
        boxes=frozen(boxes),
        patches=patches,
    )


def _slices(box):
    """The slices of one box: ``(top, left, bottom, right)`` or a window ``(start, stop)``."""
    if len(box) == 2:
        return (slice(box[0], box[1]),)
    top, left, bottom, right = box
    return slice(top, bottom), slice(left, right)


def _field_or_warn(model, path, image_size):
    """The layer's usable receptive field, or None (whole-image boxes), warning when the
    walk does not know a layer."""
    try:
        _, field = field_of(model, path[-1], input_size=tuple(image_size))
    except ValueError as exc:
        warnings.warn(
            f"the receptive field of layer {path[-1].name!r} is unknown ({exc}); "
            "boxes and patches cover the whole image",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return field if usable(field) else None


def _build_peaks(stages):
    """``peaks(chunk, channel)``: each image's maximum of the channel, and where it is."""
    tf = import_tensorflow()

    def peaks(chunk, channel):
        maps = tf.cast(tf.gather(run(stages, chunk), channel, axis=-1), tf.float32)
        flat = tf.reshape(maps, (tf.shape(maps)[0], -1))
        # the grid: (H', W') of a 2-D model, (T',) of a 1-D one
        return tf.reduce_max(flat, axis=1), tf.argmax(flat, axis=1), tf.shape(maps)[1:]

    return function(tf, peaks)


def _build_all_peaks(stages):
    """``peaks(chunk)``: each image's maximum of every channel, where it is, whether all
    values were finite, and the grid."""
    tf = import_tensorflow()

    def peaks(chunk):
        maps = tf.cast(run(stages, chunk), tf.float32)
        shape = tf.shape(maps)
        flat = tf.reshape(maps, (shape[0], -1, shape[-1]))
        finite = tf.reduce_all(tf.math.is_finite(maps))
        return tf.reduce_max(flat, axis=1), tf.argmax(flat, axis=1), finite, shape[1:-1]

    return function(tf, peaks)
