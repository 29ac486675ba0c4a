"""Data augmentation and the ``tf.data`` pipelines that :func:`vizcnn.course.training.train` feeds.

Course material: part of the lessons' training loop (lessons 04-06), reached through
:mod:`vizcnn.course.training` (``training.augment_batch``).
"""

from __future__ import annotations

import functools

from vizcnn.validation import check_bool, check_int

__all__ = ["augment_batch", "training_datasets"]

#: Batch size of the validation pipeline (evaluation only: no gradients, no updates).
VALID_BATCH = 256


def _check_batch_shape(x) -> None:
    """``x`` is an array or tensor of rank 4; a tensor of unknown rank is left to TF."""
    what = "an array or tensor of shape (batch, height, width, channels)"
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"x must be {what}, got {type(x).__name__}")
    try:
        rank = len(shape)
    except (TypeError, ValueError):  # a symbolic tensor whose rank is not known yet
        return
    if rank != 4:
        raise ValueError(f"x must be {what}, got shape {tuple(shape)}")


def _stateless_uniform(tf, stream, shape, minval=0, maxval=None, dtype=None):
    """``tf.random.uniform``'s call, drawn from a stateless ``stream`` seed."""
    dtype = tf.float32 if dtype is None else dtype
    return tf.random.stateless_uniform(shape, stream, minval, maxval, dtype=dtype)


def augment_batch(x, *, max_shift: int = 2, flip: bool = True, seed=None):
    """Randomly shift and flip each image of a batch (TensorFlow, runs inside ``tf.data``).

    Shifts pad the batch with zeros (the background) by ``max_shift`` pixels and cut a
    window of the original size at a random offset per image, with two gathers: cheap on a
    CPU, unlike per-image interpolation.

    Parameters
    ----------
    x : tf.Tensor or numpy.ndarray, shape (B, H, W, C)
    max_shift : int, default=2
        Largest shift in pixels, along each axis (``>= 0``; 0: no shifts).
    flip : bool, default=True
        Mirror each image left-right with probability 1/2.
    seed : tf.Tensor or tuple of two ints, optional
        A stateless seed ``(a, b)``: the same seed gives the same shifts and flips, whatever
        ran before (the run store's trainer derives it from the run's seed, the epoch and
        the batch, so a resumed run sees the same augmentation as an uninterrupted one).
        ``None``: TensorFlow's stateful generator.

    Returns
    -------
    tf.Tensor, same shape as ``x``

    Raises
    ------
    TypeError
        For a ``max_shift`` that is not an int, a ``flip`` that is not a bool, or an ``x``
        without a shape.
    ValueError
        For a negative ``max_shift``, or an ``x`` that is not a batch of images (rank 4).
        Both are raised before any TensorFlow work.
    """
    max_shift = check_int(max_shift, "max_shift", minimum=0)
    flip = check_bool(flip, "flip")
    _check_batch_shape(x)
    from vizcnn.backend import import_tensorflow

    tf = import_tensorflow()
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    if seed is None:
        uniform = [tf.random.uniform] * 3
    else:  # three independent stateless streams from one seed
        streams = tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3))
        uniform = [functools.partial(_stateless_uniform, tf, stream) for stream in streams]
    if max_shift:
        s = max_shift
        padded = tf.pad(x, [[0, 0], [s, s], [s, s], [0, 0]])
        dy = uniform[0]([batch, 1], 0, 2 * s + 1, dtype=tf.int32)
        dx = uniform[1]([batch, 1], 0, 2 * s + 1, dtype=tf.int32)
        rows = dy + tf.range(height)[None]  # (B, H): the rows each image keeps
        cols = dx + tf.range(width)[None]
        x = tf.gather(padded, rows, axis=1, batch_dims=1)
        x = tf.gather(x, cols, axis=2, batch_dims=1)
    if flip:
        mirror = uniform[2]([batch, 1, 1, 1]) < 0.5
        x = tf.where(mirror, tf.reverse(x, axis=[2]), x)
    return x


def training_datasets(recipe, train, valid, n_classes: int, seed):
    """The training and validation pipelines of ``recipe``.

    Parameters
    ----------
    recipe : vizcnn.training.Recipe
        Its batch size, augmentation (``max_shift``, ``flip``) and label smoothing (which
        needs one-hot labels: Keras smooths only categorical ones).
    train : (X, y)
        Checked training images and labels.
    valid : (X, y) or None
        Checked validation images and labels.
    n_classes : int
        Classes of the model's output (the width of one-hot labels).
    seed : int or None
        Shuffling seed.

    Returns
    -------
    (tf.data.Dataset, tf.data.Dataset or None)
        Shuffled, augmented training batches; validation batches of :data:`VALID_BATCH`.
    """
    from vizcnn.backend import import_tensorflow
    from vizcnn.course.data import make_dataset

    tf = import_tensorflow()
    one_hot = recipe.label_smoothing > 0  # Keras smooths only one-hot (categorical) labels

    def labels(y):
        return tf.one_hot(y, n_classes) if one_hot else y

    def train_map(x, y):
        if recipe.max_shift or recipe.flip:
            x = augment_batch(x, max_shift=recipe.max_shift, flip=recipe.flip)
        return x, labels(y)

    train_ds = make_dataset(*train, batch_size=recipe.batch_size, shuffle=True, seed=seed)
    train_ds = train_ds.map(train_map, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    valid_ds = None
    if valid is not None:
        valid_ds = make_dataset(*valid, batch_size=VALID_BATCH).map(lambda x, y: (x, labels(y)))
    return train_ds, valid_ds
