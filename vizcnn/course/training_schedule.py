"""The learning-rate schedule, the optimizer set-up and the Keras callbacks of ``train``.

Course material: part of the lessons' training loop (lessons 04-06), reached through
:mod:`vizcnn.course.training` (``training.one_cycle``, ``training.compile_for``, ...).
"""

from __future__ import annotations

import math
import time

from vizcnn.course.recipes import check_recipe
from vizcnn.validation import check_number, check_positive_int

__all__ = [
    "compile_for",
    "one_cycle",
    "prebuild_optimizer",
    "schedule_tracker",
    "step_recorder",
]


def one_cycle(progress: float, *, peak: float, warmup: float) -> float:
    """Learning rate at ``progress`` in [0, 1]: linear warm-up, then cosine decay to 0.

    Parameters
    ----------
    progress : float
        The fraction of training done (of the steps, or of the time budget); values
        outside [0, 1] are clipped.
    peak : float
        The rate reached at the end of the warm-up (``>= 0``).
    warmup : float
        The fraction of training spent warming up, in [0, 1).

    Returns
    -------
    float
    """
    progress = check_number(progress, "progress")
    peak = check_number(peak, "peak", minimum=0)
    warmup = check_number(warmup, "warmup", minimum=0, below=1)
    progress = min(max(progress, 0.0), 1.0)
    if warmup and progress < warmup:
        return peak * progress / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (progress - warmup) / (1 - warmup)))


def step_recorder():
    """A Keras callback that records every batch's own loss and every epoch's wall time.

    Keras reports, after each batch, the *running mean* of the loss over the epoch so far;
    the callback undoes the averaging (``k * mean_k - (k - 1) * mean_(k-1)``), so a curve
    of ``step_loss`` shows what each optimizer step saw, not a smoothed epoch average.

    Returns
    -------
    keras.callbacks.Callback
        With attributes ``step_loss`` (list of float, one per batch, across epochs) and
        ``epoch_seconds`` (list of float), filled during ``fit``.
    """
    from vizcnn.backend import keras as _keras

    keras = _keras()

    class StepRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.step_loss, self.epoch_seconds = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._start, self._mean, self._seen = time.perf_counter(), 0.0, 0

        def on_train_batch_end(self, batch, logs=None):
            mean, k = float(logs["loss"]), self._seen + 1
            self.step_loss.append(k * mean - self._seen * self._mean)
            self._mean, self._seen = mean, k

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_seconds.append(time.perf_counter() - self._start)

    return StepRecorder()


def compile_for(model, recipe):
    """Compile ``model`` with the recipe's optimizer and loss (the rate is set per step).

    Parameters
    ----------
    model : keras.Model
    recipe : vizcnn.training.Recipe

    Returns
    -------
    keras.Model
        ``model``, compiled, its optimizer built when the model is (see
        :func:`prebuild_optimizer`).
    """
    check_recipe(recipe)
    from vizcnn.backend import keras as _keras

    keras = _keras()
    if recipe.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(learning_rate=0.0, weight_decay=recipe.weight_decay)
    elif recipe.optimizer == "nadam":
        optimizer = keras.optimizers.Nadam()
    elif recipe.optimizer == "adam":  # a constant rate
        optimizer = keras.optimizers.Adam(learning_rate=recipe.learning_rate)
    elif recipe.optimizer == "momentum":  # He et al.'s SGD, at a constant rate
        decay = recipe.weight_decay or None
        optimizer = keras.optimizers.SGD(recipe.learning_rate, momentum=0.9, weight_decay=decay)
    else:
        optimizer = keras.optimizers.SGD()
    if recipe.label_smoothing > 0:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy()
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    prebuild_optimizer(model)
    return model


def prebuild_optimizer(model) -> None:
    """Create the optimizer's slot variables now, before ``fit`` traces its first step.

    A ``tf.function`` that creates variables on its first call is traced a second time, so
    building the optimizer inside ``fit`` costs one extra trace of the whole training step:
    about 1.5 s of the 13 s that quick mode spends on a 26-layer network (2-core AMD EPYC).
    The variables start at zero either way, so the results are the same.

    Parameters
    ----------
    model : keras.Model
        Compiled; a model that is not built yet is left alone (``fit`` builds both).
    """
    if model.built and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def schedule_tracker(recipe, *, steps_per_epoch: int, epochs: int, train_size: int, budget):
    """A Keras callback that runs the recipe's schedule during ``fit`` and measures it.

    It sets the one-cycle rate before each step (AdamW only), times epochs, counts
    images and, with a ``budget`` in seconds, stops when the next validation would
    overrun it.

    Parameters
    ----------
    recipe : vizcnn.training.Recipe
    steps_per_epoch, epochs, train_size : int
        The run's shape (``epochs * steps_per_epoch`` steps in a schedule by steps).
    budget : float or None
        Seconds of wall time (validation included); ``None``: a schedule by steps.

    Returns
    -------
    keras.callbacks.Callback
        With ``seconds`` (per epoch) and ``images`` (processed), filled during ``fit``.
    """
    check_recipe(recipe)
    steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    total_steps = check_positive_int(epochs, "epochs") * steps_per_epoch
    train_size = check_positive_int(train_size, "train_size")
    if budget is not None:
        budget = check_number(budget, "budget", above=0)
    from vizcnn.backend import keras as _keras

    class Tracker(_keras().callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()
            self.seconds, self.images, self.step = [], 0, 0
            self.validation_seconds = 0.0

        def progress(self):
            if budget is None:
                return self.step / total_steps
            return (time.perf_counter() - self.start + self.validation_seconds) / budget

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()
            self.epoch_steps = 0

        def on_train_batch_begin(self, batch, logs=None):
            if recipe.optimizer == "adamw":
                lr = one_cycle(self.progress(), peak=recipe.learning_rate, warmup=recipe.warmup)
                self.model.optimizer.learning_rate.assign(lr)

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            self.epoch_steps += 1
            self.last_batch_end = time.perf_counter()
            # Leave room for the validation that follows (its time is known after epoch 1).
            if budget is not None and self.progress() >= 1:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.seconds.append(now - self.epoch_start)
            self.validation_seconds = now - self.last_batch_end
            full = self.epoch_steps == steps_per_epoch
            self.images += train_size if full else self.epoch_steps * recipe.batch_size

    return Tracker()
