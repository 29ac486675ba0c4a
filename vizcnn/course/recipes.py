"""The training recipes the lessons use, defined once: everything about training but the model.

Course material: the recipes belong to the lessons (04-06) and the benchmarks, not to the
drawing library.

A *recipe* is the optimizer, the learning-rate schedule, the batch size, the number of
epochs, label smoothing and data augmentation. Lessons 04 and 05 train different models
with the same :func:`vizcnn.course.training.train`, so their numbers compare fairly. The lessons
reach everything here through :mod:`vizcnn.course.training` (``training.CNN_RECIPE``, ...).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vizcnn.validation import (
    check_bool,
    check_int,
    check_number,
    check_one_of,
    check_positive_int,
)

__all__ = [
    "BOOK_RECIPE",
    "CNN_RECIPE",
    "LESSON_MODELS",
    "OPTIMIZERS",
    "RESNET_RECIPE",
    "Recipe",
    "SOUND_RECIPE",
    "check_recipe",
]

OPTIMIZERS = ("adamw", "nadam", "sgd", "adam", "momentum")


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
    optimizer : {"adamw", "nadam", "sgd", "adam", "momentum"}, default="adamw"
        ``"adamw"`` follows the warm-up + cosine ("one cycle") schedule; ``"nadam"`` and
        ``"sgd"`` use Keras' defaults and a constant rate (the book's and the notes'
        choices), ignoring ``learning_rate``, ``warmup`` and ``weight_decay``. ``"adam"``
        (the degradation experiment's) and ``"momentum"`` (SGD with momentum 0.9, He et
        al.'s) run at the constant ``learning_rate``, ``"momentum"`` with
        ``weight_decay`` (``warmup`` is ignored).
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
#: epoch). A choice, not a measured gain: against lesson 04's 256 at 0.003 (the run
#: ``resnet_batch256``), three seeds of each differ by less than 0.2 points, in opposite
#: directions on validation and test (lesson 06).
RESNET_RECIPE = Recipe(epochs=8, batch_size=128, learning_rate=2e-3, max_shift=1)
#: Lesson 07's recipe for its two networks of sound (``waveform_cnn``, ``spectrogram_cnn``):
#: Adam at a constant 0.001, batches of 32 (68 updates per epoch of 2,160 clips), no label
#: smoothing, and neither shifts nor flips here: the spoken digits already place each word
#: at a random time, and a word played backwards is no longer the word.
SOUND_RECIPE = Recipe(
    epochs=15,
    batch_size=32,
    learning_rate=1e-3,
    warmup=0.0,
    weight_decay=0.0,
    label_smoothing=0.0,
    max_shift=0,
    flip=False,
    optimizer="adam",
)
#: The lesson models' own settings that belong to the recipe, not to the architecture: the
#: notes' CNN keeps its layers, but its two Dropout layers are off (rate 0) for a four-epoch
#: run, in which the network still underfits (recipe search: validation .9025 with the
#: notes' 0.5, .9174 with 0.2, .9229 with 0).
LESSON_MODELS = {"cnn": {"dropout": 0.0}, "resnet": {}}


def check_recipe(recipe) -> Recipe:
    """``recipe`` if it is a :class:`Recipe` (its fields are checked when it is made).

    Parameters
    ----------
    recipe : Recipe

    Returns
    -------
    Recipe
        ``recipe`` itself.

    Raises
    ------
    TypeError
        If ``recipe`` is anything else (a dict of settings, say).
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a vizcnn.training.Recipe, got {type(recipe).__name__}")
    return recipe
