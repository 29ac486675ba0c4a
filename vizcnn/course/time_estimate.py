"""How long will training take on *this* computer? Measure a few steps, then predict.

Course material: the lessons' time estimates, not part of the drawing library.

Lessons train for a number of epochs, the same everywhere; how many minutes that takes
depends on the CPU (AVX-512 with native bfloat16 runs the lessons' CNN several times faster
than AVX2 in float32). Before a full run, a lesson measures this machine's training and
prediction speed on a throw-away copy of the model and says what the run will cost here.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from vizcnn.language import text
from vizcnn.validation import check_int, check_model, check_positive_int

__all__ = ["TimeEstimate", "estimate_training_time"]


@dataclasses.dataclass(frozen=True)
class TimeEstimate:
    """A measured speed and the time it predicts.

    Attributes
    ----------
    train_images_per_second, predict_images_per_second : float
        Measured on this machine, at the recipe's batch size (prediction: batches of 256).
    epochs : int
    minutes : float
        ``epochs`` passes over ``train_size`` images plus a validation pass per epoch.
    cpu : dict
        :func:`vizcnn.backend.cpu_info`: the CPU model, its speed-relevant flags, cores.
    precision : str
        The Keras dtype policy in force (``float32`` or ``mixed_bfloat16``).
    """

    train_images_per_second: float
    predict_images_per_second: float
    epochs: int
    minutes: float
    cpu: dict
    precision: str

    def __str__(self) -> str:
        # in the lessons' language when printed, not when measured
        flags = ", ".join(self.cpu.get("flags", [])) or text("estimate.no_flags")
        return text(
            "estimate.summary",
            minutes=self.minutes,
            epochs=self.epochs,
            cpu=self.cpu.get("cpu", text("estimate.unknown_cpu")),
            flags=flags,
            precision=self.precision,
            rate=self.train_images_per_second,
        )


def estimate_training_time(
    model, recipe, *, train_size: int = 50_000, valid_size: int = 10_000, steps: int = 5
) -> TimeEstimate:
    """Predict the wall time of ``training.train(model, recipe, ...)`` on this machine.

    A copy of ``model`` (fresh weights: the model itself is not touched) is compiled with
    the recipe and trained for ``steps`` batches after two warm-up batches (the first ones
    build the graph); prediction speed is measured likewise.

    Parameters
    ----------
    model : keras.Model
    recipe : vizcnn.training.Recipe
        Its ``batch_size`` and ``epochs`` are used.
    train_size, valid_size : int
        Images per epoch, and validation images evaluated after every epoch.
    steps : int, default=5
        Timed batches (more: a steadier number, a longer wait).

    Returns
    -------
    TimeEstimate
    """
    from vizcnn.backend import cpu_info, keras
    from vizcnn.course.training import check_recipe, compile_for

    check_model(model)
    check_recipe(recipe)
    train_size = check_positive_int(train_size, "train_size")
    valid_size = check_int(valid_size, "valid_size", minimum=0)
    steps = check_positive_int(steps, "steps")
    k = keras()
    copy = k.models.clone_model(model)
    compile_for(copy, recipe)
    shape = tuple(model.inputs[0].shape[1:])
    n_classes = model.output_shape[-1]
    rng = np.random.default_rng(0)
    x = rng.random((recipe.batch_size, *shape), dtype=np.float32)
    labels = rng.integers(0, n_classes, recipe.batch_size)
    y = np.eye(n_classes, dtype="float32")[labels] if recipe.label_smoothing > 0 else labels
    train_rate = _rate(lambda: copy.train_on_batch(x, y), steps, len(x))
    x_valid = rng.random((256, *shape), dtype=np.float32)
    predict_rate = _rate(lambda: copy.predict_on_batch(x_valid), steps, len(x_valid))
    seconds = recipe.epochs * (train_size / train_rate + valid_size / predict_rate)
    return TimeEstimate(
        train_images_per_second=train_rate,
        predict_images_per_second=predict_rate,
        epochs=recipe.epochs,
        minutes=seconds / 60,
        cpu=cpu_info(),
        precision=k.mixed_precision.global_policy().name,
    )


def _rate(step, steps, batch):
    """Images per second of ``step`` (one batch), after two warm-up calls; the median of
    the timed calls, so one slow call (another program) does not decide."""
    for _ in range(2):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return batch / float(np.median(times))
