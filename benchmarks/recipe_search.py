"""Recipe search on the validation set: one training run per call, one JSON line per run.

Trains a lesson model on the 50,000 training images for a fixed number of epochs (the
schedule follows steps, not wall time), validates after every epoch and at the end with
and without mirror averaging. The test set is never read here: recipes are chosen on
validation, and ``time_to_accuracy.py`` reads the test set once per final run.

    python benchmarks/recipe_search.py cnn --epochs 4 --dropout 0.2 --tag "dropout .2"

Each run appends to ``benchmarks/results/recipe_search.jsonl``: the model, every recipe
setting, validation accuracy per epoch, seconds per epoch, images/s, the CPU and its
flags. Lesson 06's speedrun table is read from that file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import vizcnn as vz
from vizcnn import training

RESULTS = Path(__file__).resolve().parent / "results" / "recipe_search.jsonl"
MODELS = {"cnn": "basic_cnn", "resnet": "small_resnet"}


def run(args) -> dict:
    tf = vz.import_tensorflow()
    keras = tf.keras
    keras.mixed_precision.set_global_policy("float32")
    policy = vz.use_fast_precision(verbose=False) if args.precision == "fast" else "float32"
    keras.utils.set_random_seed(args.seed)
    train, valid, _test = vz.data.load_fashion_mnist()
    kwargs = {} if args.dropout is None else {"dropout": args.dropout}
    model = getattr(vz.models, MODELS[args.model])(**kwargs)
    recipe = dataclasses.replace(
        training.Recipe(),
        epochs=args.epochs,
        minutes=None,
        batch_size=args.batch,
        learning_rate=args.lr,
        warmup=args.warmup,
        weight_decay=args.wd,
        label_smoothing=args.ls,
        max_shift=args.shift,
        flip=not args.no_flip,
        optimizer=args.optimizer,
    )
    result = training.train(model, recipe, train, valid, quick=False, seed=args.seed, verbose=2)
    choice = training.choose_flip_average(model, valid)
    return {
        "tag": args.tag,
        "model": args.model,
        "dropout": args.dropout,
        "seed": args.seed,
        "precision": policy,
        "recipe": dataclasses.asdict(recipe),
        "params": result.params,
        "val_accuracy": result.history["val_accuracy"],
        "train_accuracy": result.history["accuracy"],
        "val_plain": choice.plain,
        "val_mirror_averaged": choice.averaged,
        "epoch_seconds": result.epoch_seconds,
        "images_per_second": result.images_per_second,
        "machine": vz.backend.cpu_info(),
        "finished": time.strftime("%Y-%m-%d %H:%M"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--dropout", type=float, default=None)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=float, default=0.05)
    parser.add_argument("--wd", type=float, default=5e-4)
    parser.add_argument("--ls", type=float, default=0.1)
    parser.add_argument("--shift", type=int, default=0)
    parser.add_argument("--no-flip", action="store_true")
    parser.add_argument("--optimizer", default="adamw")
    parser.add_argument("--precision", choices=("fast", "float32"), default="fast")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tag", default="")
    args = parser.parse_args(argv)
    record = run(args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(record) + "\n")
    val = " ".join(f"{v:.4f}" for v in record["val_accuracy"])
    print(
        f"{args.tag}: val per epoch {val}; plain {record['val_plain']:.4f}, "
        f"mirror {record['val_mirror_averaged']:.4f}; {record['images_per_second']:.0f} img/s"
    )


if __name__ == "__main__":
    main()
