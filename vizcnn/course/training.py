"""The lessons' training loop: ``train``, quick mode, and what a run measured.

Course material: the recipes and the training loop belong to the lessons (04-06) and the
benchmarks, not to the drawing library.

A *recipe* (:class:`Recipe`) is everything about training except the model: optimizer,
learning-rate schedule, batch size, number of epochs, label smoothing, data augmentation.
Lessons 04 and 05 train different models with the same helper, so their numbers compare
fairly.

Quick mode (environment variable ``VIZCNN_QUICK=1``, set by ``make test``) trains on a
small subset for a few hundred steps, so a notebook runs in about a minute while still
showing that learning happens. Without it, the full 50,000 training images are used.

This module is the one the lessons import (``from vizcnn import training``); it gathers
the pieces, each in a module of its own:

- :mod:`vizcnn.course.recipes`: :class:`Recipe` and the lessons' recipes (``CNN_RECIPE``, ...);
- :mod:`vizcnn.course.training_schedule`: the one-cycle schedule, compiling, the callbacks;
- :mod:`vizcnn.course.training_data`: augmentation and the ``tf.data`` pipelines;
- :mod:`vizcnn.prediction`: predictions and mirror averaging.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from vizcnn.course.recipes import (
    BOOK_RECIPE,
    CNN_RECIPE,
    LESSON_MODELS,
    RESNET_RECIPE,
    SOUND_RECIPE,
    Recipe,
    check_recipe,
)
from vizcnn.course.recipes import OPTIMIZERS as OPTIMIZERS  # re-exported: training.OPTIMIZERS
from vizcnn.course.training_data import augment_batch, training_datasets
from vizcnn.course.training_schedule import (
    compile_for,
    one_cycle,
    prebuild_optimizer,
    schedule_tracker,
    step_recorder,
)

# Predictions live in vizcnn.prediction; lessons reach them as training.predict_classes etc.
from vizcnn.prediction import FlipChoice, choose_flip_average, predict_classes, predict_proba
from vizcnn.validation import check_bool, check_int, check_model, check_positive_int, check_xy

__all__ = [
    "BOOK_RECIPE",
    "CNN_RECIPE",
    "RESNET_RECIPE",
    "SOUND_RECIPE",
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
    train_ds, valid_ds = training_datasets(recipe, (X, y), valid, n_classes, seed)
    steps = -(-len(X) // recipe.batch_size)
    compile_for(model, recipe)
    tracker = schedule_tracker(
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
