"""``python -m vizcnn.runs list | train NAME ... [--seeds 0 1 2] | verify | estimate NAME``.

Course material: the lessons' trained networks, not part of the drawing library.

- ``list``: each declared run, shipped / partial / missing, with its epochs, seeds, test
  accuracy and size on disk;
- ``train``: a queue, one run and seed after another, resuming checkpoints, with a
  progress bar (epochs, images/s, time left); long queues run in the background::

      nohup nice python -m vizcnn.runs train cnn resnet --seeds 0 1 2 > train.log 2>&1 &

- ``verify``: every shipped network predicts its test set again (its data choice's: the
  10,000 Fashion-MNIST test images, or the spoken digits' unheard voices) and must
  reproduce its recorded test accuracy (within its near ties, see
  :mod:`vizcnn.course.runs.evaluation`); a damaged file fails by name;
- ``estimate``: how long a run would take to train on this computer (measured).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from vizcnn.course.runs import declarations, shipped_seeds
from vizcnn.course.runs.store import cache_dir, read_record, run_dir, store_dir
from vizcnn.course.runs.trainer import read_progress


def _size(name: str) -> int:
    folder = store_dir() / name
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def list_runs(out=sys.stdout) -> list[dict]:
    """Print and return one row per declared run."""
    rows = []
    for name, declared in declarations().items():
        shipped = shipped_seeds(name)
        started = [
            s
            for s in declared.seeds
            if s not in shipped and read_progress(cache_dir() / name / f"seed_{s}")
        ]
        accuracies = [read_record(run_dir(name, s))["test_accuracy"] for s in shipped]
        status = (
            "shipped"
            if set(declared.seeds) <= set(shipped)
            else ("partial" if shipped or started else "missing")
        )
        accuracy = (
            f"{np.mean(accuracies):.4f}"
            + (f" ± {np.std(accuracies, ddof=1):.4f}" if len(accuracies) > 1 else "")
            if accuracies
            else "-"
        )
        rows.append(
            {
                "run": name,
                "status": status,
                "epochs": declared.make_recipe().epochs,
                "seeds": f"{len(shipped)}/{len(declared.seeds)}"
                + (f" (+{len(started)} started)" if started else ""),
                "weights": ",".join(map(str, sorted(set(declared.weights) & set(shipped)))) or "-",
                "test accuracy": accuracy,
                "MB": f"{_size(name) / 1e6:.2f}",
            }
        )
    widths = (
        {key: max(len(key), *(len(str(r[key])) for r in rows)) for key in rows[0]} if rows else {}
    )
    print("  ".join(key.ljust(w) for key, w in widths.items()), file=out)
    for row in rows:
        print("  ".join(str(row[key]).ljust(w) for key, w in widths.items()), file=out)
    total = sum(_size(name) for name in declarations())
    print(f"store: {store_dir()}  ({total / 1e6:.2f} MB)", file=out)
    return rows


def train_queue(names, seeds=None, out=sys.stderr) -> None:
    """Train each run for each seed (default: its declared seeds), one after another."""
    from vizcnn.course.runs.trainer import train_run

    known = declarations()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown runs {unknown}; the declared runs are: {', '.join(known)}")
    for name in names:
        for seed in seeds if seeds is not None else known[name].seeds:
            train_run(name, seed, out=out)


def verify(out=sys.stdout) -> int:
    """Check every shipped network against its record; returns the number of failures."""
    from vizcnn.backend import import_tensorflow
    from vizcnn.course.runs import load
    from vizcnn.course.runs.evaluation import accuracy_and_fragile
    from vizcnn.course.runs.inputs import load_arrays

    keras = import_tensorflow().keras
    keras.mixed_precision.set_global_policy("float32")  # as the record measured it
    tests = {}  # each test set once (it does not depend on first / valid_first)
    failures = checked = 0
    for name, declared in declarations().items():
        for seed in shipped_seeds(name):
            stored = read_record(run_dir(name, seed))
            if not stored["weights"]:
                continue
            checked += 1
            try:
                model, _ = load(name, seed, compile=False)
            except ValueError as error:  # a damaged file: named in the message
                print(f"FAIL {name} seed {seed}: {error}", file=out)
                failures += 1
                continue
            choice = declared.data
            key = (choice.source, choice.noise_seed, repr(choice.spectrogram))
            if key not in tests:
                tests[key] = load_arrays(choice)[2]
            X_test, y_test = tests[key]
            accuracy, near = accuracy_and_fragile(model, X_test, y_test)
            moved = round(abs(accuracy - stored["test_accuracy"]) * len(y_test))
            allowed = max(near, stored.get("test_near_ties", 0))
            verdict = "ok  " if moved <= allowed else "FAIL"
            failures += verdict == "FAIL"
            print(
                f"{verdict} {name} seed {seed}: test accuracy {accuracy:.4f}, recorded "
                f"{stored['test_accuracy']:.4f} ({moved} more or fewer correct answers; "
                f"{allowed} near ties may move it)",
                file=out,
            )
    print(f"{checked} shipped networks checked, {failures} failed", file=out)
    return failures


def estimate(names, out=sys.stdout) -> None:
    """Measure how long each run would train here."""
    from vizcnn.backend import import_tensorflow, use_fast_precision
    from vizcnn.course.runs import declaration
    from vizcnn.course.runs.inputs import sizes
    from vizcnn.course.time_estimate import estimate_training_time

    import_tensorflow()
    use_fast_precision(verbose=False)
    for name in names:
        declared = declaration(name)
        model = declared.build_model()
        train_size, valid_size = sizes(declared.data)
        found = estimate_training_time(
            model, declared.make_recipe(), train_size=train_size, valid_size=valid_size
        )
        print(f"{name}: {found}", file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vizcnn.runs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="each run: shipped / partial / missing")
    train = commands.add_parser("train", help="train runs, one after another (resumable)")
    train.add_argument("names", nargs="+")
    train.add_argument("--seeds", nargs="+", type=int, help="default: each run's declared seeds")
    commands.add_parser("verify", help="each shipped network reproduces its test accuracy")
    timing = commands.add_parser("estimate", help="how long training takes on this computer")
    timing.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "list":
        list_runs()
    elif args.command == "train":
        train_queue(args.names, args.seeds)
    elif args.command == "verify":
        return 1 if verify() else 0
    else:
        estimate(args.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
