"""The resumable trainer of the run store: one epoch at a time, a checkpoint after each.

Course material: the lessons' trained networks, not part of the drawing library.

What makes a run resumable, and the same whether or not it was interrupted:

- the order of the images in epoch ``e`` is a permutation drawn from ``(seed, e)``
  alone, and the augmentation of batch ``b`` from ``(seed, e, b)`` (stateless random
  numbers): nothing depends on how many epochs this process has run;
- the checkpoint after every epoch holds the weights, every optimizer variable (its step
  count, moments and velocities) and the curves so far, in float32, in the cache outside
  the repository; ``progress.json`` names the newest one and is replaced last, so a
  process killed at any moment leaves the last finished epoch resumable;
- the one-cycle learning rate follows the global step, which the checkpoint restores.

A finished run is evaluated on its data choice's test split (Fashion-MNIST's 10,000 test
images; the spoken digits' unheard voices) with its weights as stored (float16), in
float32, and written to the store: the weights first, then the record, so a record
always describes complete weights.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from vizcnn.course.runs import store
from vizcnn.course.runs.declarations import declaration

__all__ = ["train_run"]


def _commit() -> str:
    """The commit the code was trained from (``+dirty`` when it has uncommitted changes)."""
    root = Path(__file__).resolve().parents[3]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "vizcnn"],
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    if head.returncode:
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _machine(tf) -> dict:
    from vizcnn.backend import cpu_info

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return {"gpu": details.get("device_name", gpus[0].name), **cpu_info()}
    return cpu_info()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        if seconds >= 3600
        else (f"{seconds // 60}m{seconds % 60:02d}s")
    )


def _callbacks(keras, recipe, *, epoch, epochs, steps, label, out):
    """The schedule (AdamW's one cycle by global step), timing and a progress bar."""
    from vizcnn.course.training_schedule import one_cycle

    class Epoch(keras.callbacks.Callback):
        def on_epoch_begin(self, _, logs=None):
            self.start = self.last = time.perf_counter()
            self.shown = -1
            self.step_loss, self.mean = [], 0.0

        def on_train_batch_begin(self, batch, logs=None):
            if recipe.optimizer == "adamw":
                progress = (epoch * steps + batch) / (epochs * steps)
                rate = one_cycle(progress, peak=recipe.learning_rate, warmup=recipe.warmup)
                self.model.optimizer.learning_rate.assign(rate)

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()
            done = batch + 1
            # Keras reports the epoch's running mean; this step's own loss undoes it
            mean = float(logs["loss"])
            self.step_loss.append(done * mean - batch * self.mean)
            self.mean = mean
            tenth = 10 * done // steps
            if out is None or (tenth == self.shown and done != steps):
                return
            self.shown = tenth
            rate = done * recipe.batch_size / (self.last - self.start)
            left = ((epochs - epoch) * steps - done) * recipe.batch_size / rate
            bar = "#" * tenth + "." * (10 - tenth)
            out.write(
                f"{label}: epoch {epoch + 1}/{epochs} [{bar}] {rate:,.0f} images/s, "
                f"about {_duration(left)} left\n"
            )
            out.flush()

        def on_epoch_end(self, _, logs=None):
            self.train_seconds = self.last - self.start
            self.seconds = time.perf_counter() - self.start

    return Epoch()


def _epoch_dataset(tf, X, y, recipe, *, seed, epoch, n_classes):
    """Epoch ``epoch``'s batches: an order and augmentation drawn from the seed alone."""
    from vizcnn.course.data import without_autotuning
    from vizcnn.course.training_data import augment_batch
    from vizcnn.pixels import UINT8_SCALE

    order = np.random.default_rng([seed, epoch]).permutation(len(X))
    stream = np.int64(seed) * 1_000_003 + epoch

    def batch_of(index, rows):
        x = tf.cast(tf.gather(X, rows), tf.float32)
        if X.dtype == tf.uint8:  # images scaled as they are used; sound is already float
            x = x * UINT8_SCALE
        if recipe.max_shift or recipe.flip:
            pair = tf.stack([tf.constant(stream, tf.int64), tf.cast(index, tf.int64)])
            x = augment_batch(x, max_shift=recipe.max_shift, flip=recipe.flip, seed=pair)
        labels = tf.gather(y, rows)
        if recipe.label_smoothing > 0:  # Keras smooths only one-hot labels
            labels = tf.one_hot(labels, n_classes)
        return x, labels

    dataset = tf.data.Dataset.from_tensor_slices(order).batch(recipe.batch_size).enumerate()
    dataset = dataset.map(batch_of, num_parallel_calls=2, deterministic=True)
    return dataset.with_options(without_autotuning())


def _save_checkpoint(folder: Path, model, epoch: int, progress: dict) -> None:
    arrays = {f"w{i:04d}": v.numpy() for i, v in enumerate(model.weights)}
    arrays.update({f"o{i:04d}": v.numpy() for i, v in enumerate(model.optimizer.variables)})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    name = f"epoch_{epoch}.npz"
    store.write_atomic(folder / name, buffer.getvalue())
    store.write_atomic(folder / "progress.json", json.dumps({**progress, "file": name}).encode())
    for old in folder.glob("epoch_*.npz"):
        if old.name != name:
            old.unlink(missing_ok=True)


def read_progress(folder: Path) -> dict | None:
    """The checkpoint's progress (epochs done, curves so far), or None where there is none."""
    try:
        return json.loads((folder / "progress.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _restore(folder: Path, progress: dict, model) -> bool:
    """Load the checkpoint into ``model`` and its optimizer; False if it does not fit."""
    try:
        with np.load(folder / progress["file"]) as saved:
            weights = [saved[f"w{i:04d}"] for i in range(len(model.weights))]
            slots = [saved[f"o{i:04d}"] for i in range(len(model.optimizer.variables))]
    except (OSError, KeyError, ValueError):
        return False
    variables = [*model.weights, *model.optimizer.variables]
    if any(tuple(v.shape) != a.shape for v, a in zip(variables, weights + slots, strict=True)):
        return False
    for variable, array in zip(variables, weights + slots, strict=True):
        variable.assign(array)
    return True


def _evaluate(keras, declared, arrays, X_test, y_test):
    """Test accuracy of stored weights in float32, and how many images are near a tie."""
    from vizcnn.course.runs.evaluation import accuracy_and_fragile

    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    try:
        model = declared.build_model()
        model.set_weights(arrays)
        return accuracy_and_fragile(model, X_test, y_test)
    finally:
        keras.mixed_precision.set_global_policy(policy)


def train_run(name, seed: int = 0, *, stop_after: int | None = None, out=sys.stderr):
    """Train run ``name`` with ``seed``, resuming its checkpoint, and store the result.

    Parameters
    ----------
    name : str
        A declared run (see :mod:`vizcnn.course.runs.declarations`).
    seed : int, default=0
        Initial weights, image order and augmentation all follow from it.
    stop_after : int, optional
        Stop (as if interrupted) once this many epochs have run in this call; the
        checkpoint stays, and the next call continues.
    out : file, optional
        Where the progress bar goes (``None``: silent).

    Returns
    -------
    dict or None
        The run's record, or None when stopped by ``stop_after`` before the end.
    """
    from vizcnn.backend import import_tensorflow, use_fast_precision

    declared = declaration(name)
    target = store.run_dir(name, seed)
    if (target / store.RECORD).exists():
        return store.read_record(target)
    tf = import_tensorflow()
    keras = tf.keras
    tf.config.experimental.enable_op_determinism()
    policy = keras.mixed_precision.global_policy().name
    try:
        return _train(tf, declared, seed, use_fast_precision(verbose=False), stop_after, out)
    finally:  # the caller's policy again (a lesson or a test may train in float32)
        keras.mixed_precision.set_global_policy(policy)


def _check_fit(declared, model, given: tuple) -> None:
    """The model must take the examples its data choice gives: a ValueError naming both."""
    taken = tuple(model.input_shape[1:])
    if given != taken:
        raise ValueError(
            f"run {declared.name!r}: its data {declared.data.name!r} gives examples shaped "
            f"{given}, its model {declared.builder}({declared.arguments}) takes {taken}; "
            "declare a data choice of that shape, or the builder's input_shape"
        )


def _train(tf, declared, seed, precision, stop_after, out):
    from vizcnn.course.runs.inputs import load_arrays, model_input
    from vizcnn.course.training_schedule import compile_for

    name, keras = declared.name, tf.keras
    recipe = declared.make_recipe()
    (X, y), (X_valid, y_valid), (X_test, y_test) = load_arrays(declared.data)
    X_all = tf.constant(X[..., None] if X.dtype == np.uint8 else X)  # a channel for images
    keras.utils.set_random_seed(seed)
    model = declared.build_model()
    _check_fit(declared, model, tuple(X_all.shape[1:]))
    compile_for(model, recipe)
    n_classes = model.output_shape[-1]
    folder = store.cache_dir() / name / f"seed_{seed}"
    progress = read_progress(folder)
    fresh = {"declaration": declared.as_dict(), "epochs": [], "history": {}}
    if progress is None or not declared.matches(progress.get("declaration", {})):
        progress = fresh
    elif not _restore(folder, progress, model):
        print(f"{name} seed {seed}: its checkpoint does not fit, starting again", file=out)
        progress = fresh
    y_all = tf.constant(y.astype("int32"))
    one_hot = np.eye(n_classes, dtype="float32")[y_valid]
    valid = (model_input(X_valid), y_valid if recipe.label_smoothing == 0 else one_hot)
    steps = -(-len(X) // recipe.batch_size)
    label = f"{name} seed {seed}"
    ran = 0
    for epoch in range(len(progress["epochs"]), recipe.epochs):
        if stop_after is not None and ran >= stop_after:
            return None
        dataset = _epoch_dataset(
            tf, X_all, y_all, recipe, seed=seed, epoch=epoch, n_classes=n_classes
        )
        timer = _callbacks(
            keras, recipe, epoch=epoch, epochs=recipe.epochs, steps=steps, label=label, out=out
        )
        fit = model.fit(
            dataset,
            validation_data=valid,
            validation_batch_size=256,
            epochs=1,
            verbose=0,
            shuffle=False,  # the dataset holds the epoch's own order
            callbacks=[timer],
        )
        for key, values in fit.history.items():
            progress["history"].setdefault(key, []).append(float(values[-1]))
        progress.setdefault("step_loss", []).extend(timer.step_loss)
        progress["epochs"].append(
            {
                "seconds": timer.seconds,
                "train_seconds": timer.train_seconds,
                "images_per_second": len(X) / timer.train_seconds,
                "precision": precision,
                "machine": _machine(tf),
            }
        )
        _save_checkpoint(folder, model, epoch, progress)
        ran += 1
        if out is not None:
            history = progress["history"]
            print(
                f"{label}: epoch {epoch + 1}/{recipe.epochs} done, validation accuracy "
                f"{history['val_accuracy'][-1]:.4f}",
                file=out,
            )
    return _finish(tf, declared, seed, model, progress, (X_test, y_test), len(X), out)


def _finish(tf, declared, seed, model, progress, test, train_size, out):
    """Store the float16 weights (seeds that ship them) and the record, weights first."""
    names = [v.path for v in model.weights]
    encoded = store.encode_weights([v.numpy() for v in model.weights], names)
    stored, _ = store.decode_weights(encoded, "the weights just trained")
    keras = tf.keras
    accuracy, fragile = _evaluate(keras, declared, stored, *test)
    target = store.run_dir(declared.name, seed)
    kept = store.write_weights(target, encoded) if seed in declared.weights else None
    epochs = progress["epochs"]
    record = {
        "format": store.FORMAT,
        "name": declared.name,
        "seed": seed,
        "about": declared.about,
        **declared.as_dict(),
        "train_size": train_size,
        "params": int(model.count_params()),
        "history": progress["history"],
        "step_loss": progress.get("step_loss", []),
        "epoch_seconds": [e["seconds"] for e in epochs],
        "images_per_second": train_size * len(epochs) / sum(e["train_seconds"] for e in epochs),
        "test_accuracy": accuracy,
        "test_size": len(test[1]),
        "test_near_ties": fragile,
        "precision": sorted({e["precision"] for e in epochs}),
        "machine": epochs[-1]["machine"],
        "machines": sorted({e["machine"].get("gpu") or e["machine"]["cpu"] for e in epochs}),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "commit": _commit(),
        "weights": kept,
    }
    store.write_record(target, record)
    if out is not None:
        minutes = sum(record["epoch_seconds"]) / 60
        print(
            f"{declared.name} seed {seed}: test accuracy {accuracy:.4f}, "
            f"{minutes:.1f} min, stored in {target}",
            file=out,
        )
    return record
