"""Time to accuracy on Fashion-MNIST: wall time, images/s and accuracy per epoch.

For each model and recipe: train from scratch on the 50,000 training images, validate
on the 10,000 validation images after every epoch, and evaluate the 10,000 test images
once at the end (with mirror averaging if the validation set preferred it, as the lessons
do; the book's recipe always predicts plainly). Prints one table row per epoch and a
summary table. Nothing is asserted: speed depends on the machine (and on whatever else
runs on it: the load is printed).

    python benchmarks/time_to_accuracy.py                  # every run below
    python benchmarks/time_to_accuracy.py book --epochs 2  # the book's recipe, 2 epochs
    python benchmarks/time_to_accuracy.py cnn resnet       # the lessons' recipes

The lessons' recipes are the ones notebooks 04 and 05 use, defined once in
``vizcnn.training`` (``CNN_RECIPE``, ``RESNET_RECIPE``):
AdamW with warm-up + cosine learning rate over a time budget, label smoothing 0.1,
horizontal flips, bfloat16 where the CPU has it, batch 256, peak rate 0.003; the CNN with
no shifts and 10 minutes, the ResNet with random 1-pixel shifts and 15 minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

import vizcnn as vz
from vizcnn import training

RUNS = {
    # name: (model factory name, recipe, mixed precision?)
    "book": ("basic_cnn", training.BOOK_RECIPE, False),
    "cnn": ("basic_cnn", training.CNN_RECIPE, True),
    "resnet": ("small_resnet", training.RESNET_RECIPE, True),
}


def run(name, *, epochs=None, minutes=None):
    tf = vz.import_tensorflow()
    keras = tf.keras
    factory, recipe, fast = RUNS[name]
    if epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=epochs)
    if minutes is not None:
        recipe = dataclasses.replace(recipe, minutes=minutes)
    keras.mixed_precision.set_global_policy("float32")
    policy = vz.use_fast_precision(verbose=False) if fast else "float32"
    keras.utils.set_random_seed(42)
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = vz.data.load_fashion_mnist()
    model = getattr(vz.models, factory)()
    load = os.getloadavg()[0]
    result = training.train(model, recipe, (X_train, y_train), (X_valid, y_valid), verbose=0)
    # the lessons decide mirror averaging on validation; the book's recipe predicts plainly
    flip = fast and training.choose_flip_average(model, (X_valid, y_valid)).flip_average
    test = float(np.mean(training.predict_classes(model, X_test, flip_average=flip) == y_test))
    label = f"{name} ({factory}, {recipe.optimizer}, batch {recipe.batch_size}, {policy})"
    label += ", mirror-avg" if flip else ""
    rows, elapsed = [], 0.0
    for i, seconds in enumerate(result.epoch_seconds):
        elapsed += seconds
        rows.append((label, i + 1, elapsed / 60, result.history["val_accuracy"][i]))
    return {
        "label": label,
        "rows": rows,
        "params": model.count_params(),
        "minutes": result.seconds / 60,
        "images_per_second": result.images_per_second,
        "epochs": result.epochs,
        "test": test,
        "load": load,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help=f"some of {list(RUNS)} (default: all)")
    parser.add_argument("--epochs", type=int, help="override the number of epochs")
    parser.add_argument("--minutes", type=float, help="override the time budget")
    args = parser.parse_args(argv)
    unknown = [name for name in args.runs if name not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; choose from {list(RUNS)}")
    results = []
    for name in args.runs or list(RUNS):
        started = time.strftime("%H:%M")
        print(f"[{started}] training {name} ...", flush=True)
        results.append(run(name, epochs=args.epochs, minutes=args.minutes))
    print(f"\n{'run':<58} {'epoch':>5} {'minutes':>8} {'val acc':>8}")
    for res in results:
        for label, epoch, minutes, val in res["rows"]:
            print(f"{label:<58} {epoch:>5} {minutes:>8.2f} {val:>8.4f}")
    header = f"{'run':<58} {'params':>9} {'epochs':>6} {'minutes':>8} {'img/s':>6} {'test':>7}"
    print(f"\n{header} {'load':>5}")
    for r in results:
        print(
            f"{r['label']:<58} {r['params']:>9,d} {r['epochs']:>6.2f} {r['minutes']:>8.2f} "
            f"{r['images_per_second']:>6.0f} {r['test']:>7.4f} {r['load']:>5.2f}"
        )


if __name__ == "__main__":
    main()
