"""Time to accuracy on Fashion-MNIST: accuracy per epoch, and what the epochs cost here.

For each model and recipe: train from scratch on the 50,000 training images for the
recipe's epochs (a schedule by steps, so accuracy per epoch is the same on any machine up
to noise), validate on the 10,000 validation images after every epoch, and evaluate the
10,000 test images once at the end (with mirror averaging where the validation set
preferred it, as the lessons do; the book's recipe predicts plainly). Nothing is asserted.

    python benchmarks/time_to_accuracy.py cnn resnet --seeds 3   # the lessons' recipes
    python benchmarks/time_to_accuracy.py book --epochs 2        # the book's, 2 epochs

Every finished run is appended at once to ``benchmarks/results/time_to_accuracy.json``
(``{"machine": {...}, "runs": [...]}``), so a slow machine keeps what it measured. The
machine entry names the CPU, its flags and its measured peak (``utilization.py``).

The lessons' recipes are the ones notebooks 04 and 05 use, defined once in
``vizcnn.course.training`` (``CNN_RECIPE``, ``RESNET_RECIPE``, with ``LESSON_MODELS`` for the
models' own settings).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

import vizcnn as vz
from vizcnn import training

RESULTS = Path(__file__).resolve().parent / "results" / "time_to_accuracy.json"
TARGETS = {"cnn": 0.92, "resnet": 0.94, "book": 0.92}  # validation accuracy to reach

RUNS = {
    # name: (model factory name, model keyword arguments, recipe, fast precision?)
    "book": ("basic_cnn", {}, training.BOOK_RECIPE, False),
    "cnn": ("basic_cnn", training.LESSON_MODELS["cnn"], training.CNN_RECIPE, True),
    "resnet": ("small_resnet", training.LESSON_MODELS["resnet"], training.RESNET_RECIPE, True),
}


def run(name, *, seed=42, epochs=None):
    """Train one run from scratch; return its record (see the module docstring)."""
    tf = vz.import_tensorflow()
    keras = tf.keras
    factory, kwargs, recipe, fast = RUNS[name]
    if epochs is not None:
        recipe = dataclasses.replace(recipe, epochs=epochs)
    keras.mixed_precision.set_global_policy("float32")
    policy = vz.use_fast_precision(verbose=False) if fast else "float32"
    keras.utils.set_random_seed(seed)
    (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = vz.data.load_fashion_mnist()
    model = getattr(vz.models, factory)(**kwargs)
    result = training.train(
        model, recipe, (X_train, y_train), (X_valid, y_valid), seed=seed, verbose=0
    )
    # the lessons decide mirror averaging on validation; the book's recipe predicts plainly
    flip = fast and training.choose_flip_average(model, (X_valid, y_valid)).flip_average
    y_pred = training.predict_classes(model, X_test, flip_average=flip)
    return {
        "run": name,
        "seed": seed,
        "model": factory,
        "model_kwargs": kwargs,
        "recipe": dataclasses.asdict(recipe),
        "epochs": result.epochs,
        "minutes": result.seconds / 60,
        "test_accuracy": float(np.mean(y_pred == y_test)),
        "mirror_averaged": bool(flip),
        "val_accuracy": result.history["val_accuracy"],
        "epoch_seconds": result.epoch_seconds,
        "images_per_second": result.images_per_second,
        "params": result.params,
        "precision": policy,
        "finished": time.strftime("%Y-%m-%d %H:%M"),
    }


def minutes_to(record, target):
    """Minutes of training until validation accuracy first reached ``target`` (or None)."""
    elapsed = 0.0
    for seconds, accuracy in zip(record["epoch_seconds"], record["val_accuracy"], strict=True):
        elapsed += seconds
        if accuracy >= target:
            return elapsed / 60
    return None


def machine():
    """The CPU, its flags and, when ``utilization.py`` has measured it, its peak."""
    entry = vz.backend.cpu_info()
    peaks = RESULTS.parent / "utilization.json"
    if peaks.exists():
        measured = json.loads(peaks.read_text()).get("peaks", {})
        entry["peak_gflops"] = {
            dtype: {"matmul": round(p["matmul_gflops"], 1), "conv3x3": round(p["conv_gflops"], 1)}
            for dtype, p in measured.items()
        }
    return entry


def save(record):
    """Append ``record`` to the results file (the machine entry is refreshed)."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    data["machine"] = machine()
    data["runs"].append(record)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help=f"some of {list(RUNS)} (default: cnn resnet)")
    parser.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0, 1, ... per run")
    args = parser.parse_args(argv)
    unknown = [name for name in args.runs if name not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; choose from {list(RUNS)}")
    info = vz.backend.cpu_info()
    print(f"CPU: {info['cpu']} ({', '.join(info['flags'])}; {info['cores']} cores)")
    records = []
    for name in args.runs or ["cnn", "resnet"]:
        for seed in range(args.seeds):
            print(f"[{time.strftime('%H:%M')}] {name}, seed {seed} ...", flush=True)
            record = run(name, seed=seed, epochs=args.epochs)
            save(record)
            records.append(record)
            val = " ".join(f"{v:.4f}" for v in record["val_accuracy"])
            print(f"  val per epoch {val}; test {record['test_accuracy']:.4f}", flush=True)
    print(f"\n{'run':<7} {'seed':>4} {'epochs':>6} {'min':>6} {'img/s':>6} {'val':>7} {'test':>7}")
    for r in records:
        print(
            f"{r['run']:<7} {r['seed']:>4} {r['epochs']:>6.2f} {r['minutes']:>6.2f} "
            f"{r['images_per_second']:>6.0f} {r['val_accuracy'][-1]:>7.4f} "
            f"{r['test_accuracy']:>7.4f}"
        )
    for name in dict.fromkeys(r["run"] for r in records):
        mine = [r for r in records if r["run"] == name]
        tests = np.array([r["test_accuracy"] for r in mine])
        reach = [minutes_to(r, TARGETS[name]) for r in mine]
        shown = ", ".join("not reached" if m is None else f"{m:.1f}" for m in reach)
        print(
            f"{name}: test {tests.mean():.4f} ± {tests.std():.4f} over {len(mine)} seeds; "
            f"minutes to {TARGETS[name]:.0%} validation: {shown}"
        )


if __name__ == "__main__":
    main()
