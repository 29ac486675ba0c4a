"""The degradation experiment of He et al. (2015): does a deeper network train worse?

Course material: lesson 05's experiment, not part of the drawing library.

He et al. noticed that a 56-layer *plain* network (convolutions, batch normalisation and
ReLUs stacked, no skips) reaches a *higher training loss* than a 20-layer one, although the
deeper net could copy the shallower one and set its extra layers to the identity. Not
overfitting (the training loss is worse), and not vanishing gradients (batch normalisation
keeps them healthy, which they checked): the optimiser just fails to find the good
solution. Skip connections make the identity the default, and the problem goes away.

:func:`degradation_experiment` trains the plain and residual twins of
:func:`vizcnn.course.models.resnet_like` at several depths with one recipe, on the same images in
the same order, and returns their training curves (quick mode and ``RETRAIN`` in the
lesson). The lesson's full-size networks are runs of the store (``plain_56_momentum``, ...),
trained once by ``python -m vizcnn.runs train``; :func:`loss_band` turns their records into
one curve per network with the spread over seeds. :func:`gradient_norms` measures the
per-layer gradients at initialisation.
"""

from __future__ import annotations

import numpy as np

from vizcnn.validation import check_bool, check_int, check_number, check_positive_int, check_xy

__all__ = [
    "degradation_experiment",
    "degradation_run",
    "gradient_norms",
    "loss_band",
    "run_name",
]


def run_name(units_per_stage: int, *, skips: bool, stages: int = 3) -> str:
    """``"resnet_56"`` / ``"plain_20"``: the kind and weight-layer count (``6n + 2``)."""
    return f"{'resnet' if skips else 'plain'}_{2 + 2 * stages * units_per_stage}"


def _scaled(X):
    from vizcnn.course.data import scale_images

    return scale_images(X)


def degradation_run(
    units_per_stage: int,
    *,
    skips: bool,
    train,
    valid=None,
    epochs: int = 3,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose: int = 0,
) -> dict:
    """Train one network of the experiment and return its history.

    Adam at a constant rate, float32, no augmentation, no regularisation: the experiment is
    about *optimisation*, so the recipe is the plainest that trains every network. The
    weights (``seed``) and the order of the images are the same for every call.

    Parameters
    ----------
    units_per_stage : int
        ``n`` of :func:`vizcnn.course.models.resnet_like` (weight layers ``6n + 2``).
    skips : bool
        The residual net (True) or its plain twin (False).
    train : (X, y)
        ``uint8`` images ``(N, 28, 28)`` and labels.
    valid : (X, y), optional
        Evaluated after every epoch.
    epochs, batch_size, learning_rate, seed, verbose
        The recipe.

    Returns
    -------
    dict
        ``loss`` and ``accuracy`` per epoch (means over the epoch, as Keras reports
        them), ``step_loss`` (the loss of every single batch), ``val_loss`` and
        ``val_accuracy`` when ``valid`` is given, ``epoch_seconds``, ``steps_per_epoch``,
        ``layers`` (weight layers) and ``params``.
    """
    from vizcnn.backend import keras as _keras
    from vizcnn.course.data import make_dataset
    from vizcnn.course.models import resnet_like
    from vizcnn.course.training import prebuild_optimizer, step_recorder

    keras = _keras()
    units = check_positive_int(units_per_stage, "units_per_stage")
    skips = check_bool(skips, "skips")
    X, y = check_xy(train, "train")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    learning_rate = check_number(learning_rate, "learning_rate", above=0)
    seed = check_int(seed, "seed")
    keras.utils.set_random_seed(seed)  # same initial weights for the same architecture
    X = _scaled(X)
    model = resnet_like(units_per_stage=units, skips=skips, input_shape=X.shape[1:])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    prebuild_optimizer(model)
    train_ds = make_dataset(X, y, batch_size=batch_size, shuffle=True, seed=seed)
    valid_ds = None
    if valid is not None:
        Xv, yv = check_xy(valid, "valid")
        valid_ds = make_dataset(_scaled(Xv), yv, batch_size=512)
    recorder = step_recorder()
    fit = model.fit(  # shuffle=False: the dataset shuffles itself, with its seed
        train_ds,
        validation_data=valid_ds,
        epochs=epochs,
        verbose=verbose,
        shuffle=False,
        callbacks=[recorder],
    )
    history = {key: [float(v) for v in values] for key, values in fit.history.items()}
    history.update(
        step_loss=recorder.step_loss,
        epoch_seconds=recorder.epoch_seconds,
        steps_per_epoch=-(-len(X) // batch_size),
        layers=2 + 6 * units,
        params=int(model.count_params()),
    )
    return history


def degradation_experiment(
    *, depths=(3, 9), train, valid=None, verbose: int = 0, **recipe
) -> dict[str, dict]:
    """Train plain and residual networks at each depth with one recipe.

    Parameters
    ----------
    depths : sequence of int, default=(3, 9)
        Units per stage: 3 and 9 give the 20- and 56-layer networks of He et al.
    train, valid : (X, y)
        The same data for every network.
    verbose : int, default=0
    **recipe
        ``epochs``, ``batch_size``, ``learning_rate``, ``seed`` of :func:`degradation_run`.

    Returns
    -------
    dict[str, dict]
        ``{"plain_20": history, "resnet_20": history, "plain_56": ..., ...}``.
    """
    if not isinstance(depths, (tuple, list)) or not depths:
        raise TypeError(f"depths must be a non-empty tuple of ints, got {depths!r}")
    results = {}
    for units in depths:
        for skips in (False, True):
            name = run_name(check_positive_int(units, "depths[i]"), skips=skips)
            results[name] = degradation_run(
                units, skips=skips, train=train, valid=valid, verbose=verbose, **recipe
            )
    return results


def gradient_norms(model, x, y) -> dict[str, float]:
    """The norm of the loss gradient for every convolution kernel, input to output.

    Measured on one batch with the model in training mode (batch normalisation uses the
    batch's statistics, as during training), for a freshly built model: do gradients
    shrink towards the first layers (vanish) or grow (explode)?

    Parameters
    ----------
    model : keras.Model
        Ending in a softmax.
    x : array, shape (N, H, W, C)
        Scaled images.
    y : array, shape (N,)
        Integer labels.

    Returns
    -------
    dict[str, float]
        Layer name -> L2 norm of ``dL/dkernel``, in the order the layers are applied.
    """
    import tensorflow as tf

    from vizcnn.graph.lookup import iter_layers
    from vizcnn.validation import check_batch, check_model

    check_model(model)
    kernels = [
        (layer.name, layer.kernel)
        for _, layer in iter_layers(model)
        if type(layer).__name__ == "Conv2D" and "skip" not in layer.name
    ]
    if not kernels:
        raise ValueError("model has no Conv2D layer to measure gradients of")
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    x = check_batch(model, x)
    with tf.GradientTape() as tape:
        loss = loss_fn(np.asarray(y), model(x, training=True))
    grads = tape.gradient(loss, [kernel for _, kernel in kernels])
    return {name: float(tf.norm(g)) for (name, _), g in zip(kernels, grads, strict=True)}


def loss_band(records) -> dict:
    """Every step's training loss of several seeds, smoothed, as a mean and a min-max band.

    Each seed's per-batch losses are averaged over a moving window of one epoch of steps
    (a single batch's loss jumps with the batch; an epoch's mean is what Keras reports), then
    the seeds are combined step by step.

    Parameters
    ----------
    records : list of RunRecord or dict
        The records of one run's seeds (:func:`vizcnn.runs.record`), or histories from
        :func:`degradation_run`; all with the same number of steps and epochs.

    Returns
    -------
    dict
        ``step`` (the last step of each window, from 1), ``mean``, ``low`` and ``high``
        (arrays of one length), ``seeds`` (how many records), ``epoch_loss`` (each seed's
        mean loss per epoch, as Keras reports it: shape ``(seeds, epochs)``) and ``final``
        (its last column, as a list).
    """
    if not isinstance(records, (list, tuple)) or not records:
        raise TypeError(f"records must be a non-empty list of run records, got {records!r}")
    curves, per_epoch, sizes = [], [], set()
    for record in records:
        stored = getattr(record, "raw", record)  # a RunRecord keeps what was stored in raw
        history = getattr(record, "history", record)
        steps = np.asarray(stored["step_loss"], dtype=float)
        epochs = len(history["loss"])
        if epochs == 0 or steps.size % epochs:
            raise ValueError(f"records: {steps.size} step losses do not split into {epochs} epochs")
        window = steps.size // epochs
        sizes.add(steps.size)
        curves.append(np.convolve(steps, np.ones(window) / window, mode="valid"))
        per_epoch.append([float(loss) for loss in history["loss"]])
    if len(sizes) > 1:
        raise ValueError("records: the seeds have different numbers of steps")
    stacked = np.stack(curves)
    return {  # the first window ends at step `window`
        "step": np.arange(window, window + stacked.shape[1]),
        "mean": stacked.mean(axis=0),
        "low": stacked.min(axis=0),
        "high": stacked.max(axis=0),
        "seeds": len(records),
        "epoch_loss": np.array(per_epoch),
        "final": [losses[-1] for losses in per_epoch],
    }
