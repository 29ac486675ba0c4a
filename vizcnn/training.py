"""The training recipe the lessons use, and a ``train`` helper that times it.

A *recipe* is everything about training except the model: optimizer, learning-rate
schedule, batch size, number of epochs, label smoothing, data augmentation. Lessons 04 and
05 train different models with the same helper, so their numbers compare fairly.

Quick mode (environment variable ``VIZCNN_QUICK=1``, set by ``make test``) trains on a
small subset for a few hundred steps, so a notebook runs in about a minute while still
showing that learning happens. Without it, the full 50,000 training images are used.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path

import numpy as np

# Predictions live in vizcnn.prediction; lessons reach them as training.predict_classes etc.
from vizcnn.prediction import FlipChoice, choose_flip_average, predict_classes, predict_proba
from vizcnn.validation import (
    check_bool,
    check_int,
    check_model,
    check_number,
    check_one_of,
    check_positive_int,
    check_xy,
)

__all__ = [
    "BOOK_RECIPE",
    "CNN_RECIPE",
    "RESNET_RECIPE",
    "LESSON_MODELS",
    "FlipChoice",
    "Recipe",
    "TrainingResult",
    "augment_batch",
    "check_recipe",
    "choose_flip_average",
    "compile_for",
    "is_quick",
    "one_cycle",
    "prebuild_optimizer",
    "step_recorder",
    "predict_classes",
    "predict_proba",
    "quick_subset",
    "train",
]

# Quick mode: this many training / validation images, epochs, and at most this batch size.
# Small batches give ~190 steps, enough for batch normalisation's running averages to settle
# (momentum 0.99): 3,000 images in batches of 32 test as well as 6,000 in batches of 64
# (small ResNet 0.66, notes' CNN 0.80 on 2,000 test images) in 60% of the time.
QUICK_TRAIN, QUICK_VALID, QUICK_EPOCHS, QUICK_BATCH = 3_000, 1_000, 2, 32
OPTIMIZERS = ("adamw", "nadam", "sgd")


def is_quick() -> bool:
    """Whether ``VIZCNN_QUICK`` asks for the short, subset training of ``make test``."""
    return os.environ.get("VIZCNN_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def quick_subset(data, n: int = QUICK_VALID, *, name: str = "data", quick=None) -> tuple:
    """``data``, an ``(X, y)`` pair, cut to its first ``n`` items in quick mode.

    Quick mode (``make test``) demonstrates on subsets; a full run uses everything.
    :func:`train` cuts its training and validation sets this way, and a lesson that
    evaluates or decides on a set calls it too, so that the two modes differ in one place.

    Parameters
    ----------
    data : (X, y)
        Images and labels.
    n : int, default=QUICK_VALID
        How many items quick mode keeps.
    name : str, default="data"
        The argument's name in error messages.
    quick : bool, optional
        Default: read ``VIZCNN_QUICK``.

    Returns
    -------
    (X, y)
    """
    X, y = check_xy(data, name)
    n = check_positive_int(n, "n")
    quick = is_quick() if quick is None else check_bool(quick, "quick")
    return (X[:n], y[:n]) if quick else (X, y)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to train (everything but the model).

    Parameters
    ----------
    epochs : int, default=10
        Passes over the training set; with ``minutes``, the most that may run.
    minutes : float, optional
        A wall-clock budget (validation included): train until it is spent, with the
        learning-rate schedule following the *time* used rather than the step count, so the
        run anneals properly on a fast or a slow computer alike. Ignored in quick mode.
    batch_size : int, default=256
        Larger batches keep a CPU's cores busier (more images per second) and cost fewer
        optimizer updates; 256 still gives ~200 updates per epoch of 50,000 images.
    learning_rate : float, default=2e-3
        Peak learning rate, reached after the warm-up.
    warmup : float, default=0.05
        Fraction of the training spent warming up linearly from 0 to the peak: the first
        steps of a freshly initialised network have large, badly aimed gradients.
    weight_decay : float, default=5e-4
        AdamW's decoupled weight decay (shrinks weights a little every step).
    label_smoothing : float, default=0.1
        Train towards 0.9 for the right class instead of 1.0: the network stops pushing
        its logits to extremes, which generalises better.
    max_shift : int, default=2
        Random translations of up to this many pixels (0: none).
    flip : bool, default=True
        Random horizontal flips (clothes are left-right symmetric enough).
    optimizer : {"adamw", "nadam", "sgd"}, default="adamw"
        ``"adamw"`` follows the warm-up + cosine ("one cycle") schedule; ``"nadam"`` and
        ``"sgd"`` use Keras' defaults and a constant rate (the book's and the notes'
        choices), ignoring ``learning_rate``, ``warmup`` and ``weight_decay``.
    """

    epochs: int = 10
    minutes: float | None = None
    batch_size: int = 256
    learning_rate: float = 2e-3
    warmup: float = 0.05
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    max_shift: int = 2
    flip: bool = True
    optimizer: str = "adamw"

    def __post_init__(self):
        checked = {
            "optimizer": check_one_of(self.optimizer, "optimizer", OPTIMIZERS),
            "epochs": check_positive_int(self.epochs, "epochs"),
            "batch_size": check_positive_int(self.batch_size, "batch_size"),
            "minutes": None
            if self.minutes is None
            else check_number(self.minutes, "minutes", above=0),
            "learning_rate": check_number(self.learning_rate, "learning_rate", above=0),
            "warmup": check_number(self.warmup, "warmup", minimum=0, below=1),
            "weight_decay": check_number(self.weight_decay, "weight_decay", minimum=0),
            "label_smoothing": check_number(
                self.label_smoothing, "label_smoothing", minimum=0, below=1
            ),
            "max_shift": check_int(self.max_shift, "max_shift", minimum=0),
            "flip": check_bool(self.flip, "flip"),
        }
        for name, value in checked.items():
            if isinstance(getattr(self, name), np.generic):  # NumPy scalar: a plain Python
                object.__setattr__(self, name, value)  # value repr's and saves as JSON


#: The book's recipe: the notes' CNN, Nadam, batch 32, no augmentation, 10 epochs.
BOOK_RECIPE = Recipe(
    epochs=10, batch_size=32, label_smoothing=0.0, max_shift=0, flip=False, optimizer="nadam"
)
#: Lesson 04's recipe for the notes' CNN (and the benchmark's ``cnn`` run): four epochs
#: (a schedule by steps), batch 256, peak rate 0.003, flips but no shifts. Chosen on the
#: validation set with ``benchmarks/recipe_search.py`` (lesson 06 shows the search).
CNN_RECIPE = Recipe(epochs=4, batch_size=256, learning_rate=3e-3, max_shift=0)
#: Lesson 05's recipe for the small ResNet (the benchmark's ``resnet`` run): eight epochs,
#: random 1-pixel shifts, and batches of 128 at a peak rate of 0.002 (twice the updates per
#: epoch: validation .9370 against .9354 with lesson 04's 256 and 0.003).
RESNET_RECIPE = Recipe(epochs=8, batch_size=128, learning_rate=2e-3, max_shift=1)
#: The lesson models' own settings that belong to the recipe, not to the architecture: the
#: notes' CNN keeps its layers, but its two Dropout layers are off (rate 0) for a four-epoch
#: run, in which the network still underfits (recipe search: validation .9025 with the
#: notes' 0.5, .9174 with 0.2, .9229 with 0).
LESSON_MODELS = {"cnn": {"dropout": 0.0}, "resnet": {}}


def check_recipe(recipe) -> Recipe:
    """``recipe`` if it is a :class:`Recipe` (its fields are checked when it is made)."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a vizcnn.training.Recipe, got {type(recipe).__name__}")
    return recipe


def one_cycle(progress: float, *, peak: float, warmup: float) -> float:
    """Learning rate at ``progress`` in [0, 1]: linear warm-up, then cosine decay to 0."""
    progress = min(max(progress, 0.0), 1.0)
    if warmup and progress < warmup:
        return peak * progress / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (progress - warmup) / (1 - warmup)))


@dataclasses.dataclass
class TrainingResult:
    """What :func:`train` measured.

    Attributes
    ----------
    history : dict[str, list[float]]
        Keras' per-epoch metrics (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``).
        A run stopped by its time budget ends with a partial epoch.
    epoch_seconds : list[float]
        Wall time of each epoch, validation included.
    seconds : float
        Total wall time of ``fit`` (compilation of the first step included).
    images : int
        Training images processed.
    train_size : int
        Images in the training set (``images / train_size`` = epochs run).
    quick : bool
        Whether this was a quick-mode run.
    test_accuracy : float, optional
        Filled in by the lesson once, after training (the test set is used once).
    params : int, optional
        The model's parameter count.
    flip_average : bool, optional
        Whether ``test_accuracy`` averages each image with its mirror image (chosen on the
        validation set, see :func:`choose_flip_average`).
    """

    history: dict
    epoch_seconds: list
    seconds: float
    images: int
    train_size: int
    quick: bool
    test_accuracy: float | None = None
    params: int | None = None
    flip_average: bool | None = None

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds

    @property
    def epochs(self) -> float:
        return self.images / self.train_size

    def to_json(self, path) -> None:
        """Save as a small JSON file (for comparisons in a later lesson)."""
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=1) + "\n")

    @classmethod
    def from_json(cls, path) -> TrainingResult:
        return cls(**json.loads(Path(path).read_text()))


def augment_batch(x, *, max_shift: int = 2, flip: bool = True):
    """Randomly shift and flip each image of a batch (TensorFlow, runs inside ``tf.data``).

    Shifts pad the batch with zeros (the background) by ``max_shift`` pixels and cut a
    28x28 window at a random offset per image, with two gathers: cheap on a CPU, unlike
    per-image interpolation.

    Parameters
    ----------
    x : tf.Tensor, shape (B, H, W, C)
    max_shift : int
    flip : bool

    Returns
    -------
    tf.Tensor, same shape as ``x``
    """
    from vizcnn.backend import import_tensorflow

    tf = import_tensorflow()
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    if max_shift:
        s = max_shift
        padded = tf.pad(x, [[0, 0], [s, s], [s, s], [0, 0]])
        dy = tf.random.uniform([batch, 1], 0, 2 * s + 1, dtype=tf.int32)
        dx = tf.random.uniform([batch, 1], 0, 2 * s + 1, dtype=tf.int32)
        rows = dy + tf.range(height)[None]  # (B, H): the rows each image keeps
        cols = dx + tf.range(width)[None]
        x = tf.gather(padded, rows, axis=1, batch_dims=1)
        x = tf.gather(x, cols, axis=2, batch_dims=1)
    if flip:
        mirror = tf.random.uniform([batch, 1, 1, 1]) < 0.5
        x = tf.where(mirror, tf.reverse(x, axis=[2]), x)
    return x


def _datasets(recipe, train, valid, n_classes, seed):
    from vizcnn.backend import import_tensorflow
    from vizcnn.data import make_dataset

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
        valid_ds = make_dataset(*valid, batch_size=256).map(lambda x, y: (x, labels(y)))
    return train_ds, valid_ds


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


def compile_for(model, recipe: Recipe):
    """Compile ``model`` with the recipe's optimizer and loss (the rate is set per step)."""
    from vizcnn.backend import keras as _keras

    keras = _keras()
    if recipe.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(learning_rate=0.0, weight_decay=recipe.weight_decay)
    elif recipe.optimizer == "nadam":
        optimizer = keras.optimizers.Nadam()
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


def _tracker(recipe, *, steps_per_epoch, epochs, train_size, budget):
    """A Keras callback: sets the one-cycle rate before each step, times epochs, counts
    images and, with a ``budget`` in seconds, stops when the next validation would
    overrun it."""
    from vizcnn.backend import keras as _keras

    total_steps = epochs * steps_per_epoch

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


def train(model, recipe: Recipe, train, valid=None, *, quick=None, seed=42, verbose=2):
    """Compile ``model`` for ``recipe`` and fit it, timing every epoch.

    Parameters
    ----------
    model : keras.Model
        Ending in a softmax over ``n_classes`` units.
    recipe : Recipe
    train : (X, y)
        Training images ``(N, 28, 28)`` uint8 and labels ``(N,)``.
    valid : (X, y), optional
        Validation set, evaluated after every epoch.
    quick : bool, optional
        Subset training (``QUICK_TRAIN`` images, ``QUICK_EPOCHS`` epochs, batches of at
        most ``QUICK_BATCH``, no time budget); default: read ``VIZCNN_QUICK``.
    seed : int, default=42
        Shuffling seed.
    verbose : int, default=2
        Keras' ``fit`` verbosity (2: one line per epoch).

    Returns
    -------
    TrainingResult
    """
    check_model(model)
    check_recipe(recipe)
    quick = is_quick() if quick is None else check_bool(quick, "quick")
    seed = None if seed is None else check_int(seed, "seed")
    verbose = check_int(verbose, "verbose", minimum=0, maximum=2)
    X, y = quick_subset(train, QUICK_TRAIN, name="train", quick=quick)
    if valid is not None:
        valid = quick_subset(valid, QUICK_VALID, name="valid", quick=quick)
    epochs, budget = recipe.epochs, None if recipe.minutes is None else 60 * recipe.minutes
    if quick:
        epochs, budget = min(epochs, QUICK_EPOCHS), None
        recipe = dataclasses.replace(recipe, batch_size=min(recipe.batch_size, QUICK_BATCH))
    n_classes = model.output_shape[-1]
    train_ds, valid_ds = _datasets(recipe, (X, y), valid, n_classes, seed)
    steps = -(-len(X) // recipe.batch_size)
    compile_for(model, recipe)
    tracker = _tracker(
        recipe, steps_per_epoch=steps, epochs=epochs, train_size=len(X), budget=budget
    )
    start = time.perf_counter()
    history = model.fit(
        train_ds,
        validation_data=valid_ds,
        epochs=epochs,
        callbacks=[tracker],
        verbose=verbose,
        shuffle=False,  # the dataset already reshuffles every epoch
    )
    seconds = time.perf_counter() - start
    return TrainingResult(
        history={k: [float(v) for v in vs] for k, vs in history.history.items()},
        epoch_seconds=[float(s) for s in tracker.seconds],
        seconds=float(seconds),
        images=int(tracker.images),
        train_size=len(X),
        quick=quick,
        params=int(model.count_params()),
    )
