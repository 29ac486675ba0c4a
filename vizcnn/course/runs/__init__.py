"""The run store: the trained networks the lessons load, each with its training record.

Course material: the lessons' trained networks, not part of the drawing library.

A run is declared once in data (``vizcnn/data_files/runs.json``), trained by the resumable
trainer (``python -m vizcnn.runs train NAME``) and stored as package data, so a wheel
carries it. Lessons load it::

    model, record = vz.runs.load("cnn", seed=0)
    curves = vz.runs.history("cnn", seeds=[0, 1, 2])  # no weights loaded

``VIZCNN_RUNS=/some/dir`` points the store at another folder (a teacher's own runs).
"""

from __future__ import annotations

import dataclasses

from vizcnn.course.runs.declarations import Declaration, declaration, declarations
from vizcnn.course.runs.store import DamagedRunError, read_record, read_weights, run_dir, store_dir
from vizcnn.course.training import TrainingResult
from vizcnn.validation import check_int

__all__ = [
    "DamagedRunError",
    "Declaration",
    "MissingRunError",
    "RunRecord",
    "declarations",
    "history",
    "load",
    "record",
    "shipped_seeds",
]


class MissingRunError(LookupError):
    """A declared run (or seed) that has not been trained into the store yet."""


@dataclasses.dataclass
class RunRecord(TrainingResult):
    """A stored run's record: what :class:`~vizcnn.course.training.TrainingResult` holds, and more.

    Attributes
    ----------
    name, seed
        The run.
    machine : dict
        Where it trained (:func:`vizcnn.backend.cpu_info`, or a GPU's name).
    precision : list of str
        The Keras dtype policies its epochs ran under.
    raw : dict
        The whole record as stored (recipe, versions, commit, ...).
    """

    name: str = ""
    seed: int = 0
    machine: dict = dataclasses.field(default_factory=dict)
    precision: list = dataclasses.field(default_factory=list)
    raw: dict = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def from_record(cls, stored: dict) -> RunRecord:
        epochs = len(stored["history"].get("loss", []))
        return cls(
            history=stored["history"],
            epoch_seconds=stored["epoch_seconds"],
            seconds=float(sum(stored["epoch_seconds"])),
            images=stored["train_size"] * epochs,
            train_size=stored["train_size"],
            quick=False,
            test_accuracy=stored["test_accuracy"],
            params=stored["params"],
            name=stored["name"],
            seed=stored["seed"],
            machine=stored["machine"],
            precision=stored["precision"],
            raw=stored,
        )


def _check_seed(seed) -> int:
    return check_int(seed, "seed", minimum=0)


def shipped_seeds(name: str) -> list[int]:
    """The seeds of run ``name`` whose record is in the store."""
    declared = declaration(name)
    folder = store_dir() / declared.name
    found = [int(p.name[5:]) for p in folder.glob("seed_*") if (p / "record.json").exists()]
    return sorted(found)


def _missing(name: str, seed: int) -> MissingRunError:
    """The error for a run not in the store: how to train it, and how long that takes
    here (measured on a few batches, as the lessons' estimates are)."""
    declared = declaration(name)
    recipe = declared.make_recipe()
    from vizcnn.course.runs.inputs import sizes

    images, valid = sizes(declared.data)
    try:
        from vizcnn.backend import import_tensorflow
        from vizcnn.course.time_estimate import estimate_training_time

        import_tensorflow()
        found = estimate_training_time(
            declared.build_model(), recipe, train_size=images, valid_size=valid
        )
        cost = f"that takes {found}"
    except Exception as error:  # the estimate is a courtesy: never hide the real message
        cost = f"`python -m vizcnn.runs estimate {name}` measures how long ({error})"
    return MissingRunError(
        f"run {name!r} seed {seed} is not in the store ({store_dir()}). Train it with "
        f"`python -m vizcnn.runs train {name} --seeds {seed}`: {recipe.epochs} epochs of "
        f"{images:,} images; {cost}"
    )


def record(name: str, seed: int = 0) -> RunRecord:
    """The training record of run ``name``, seed ``seed`` (no weights are read)."""
    declaration(name)
    seed = _check_seed(seed)
    folder = run_dir(name, seed)
    if not (folder / "record.json").exists():
        raise _missing(name, seed)
    return RunRecord.from_record(read_record(folder))


def history(name: str, seeds=None):
    """The per-epoch curves of run ``name``, one row per seed and epoch, without weights.

    Parameters
    ----------
    name : str
    seeds : int or list of int, optional
        Default: every seed in the store.

    Returns
    -------
    pandas.DataFrame
        Columns ``seed``, ``epoch`` (from 1), then each metric (``loss``, ``accuracy``,
        ``val_loss``, ``val_accuracy``) and ``seconds`` (that epoch's wall time).
    """
    import pandas as pd

    if seeds is None:
        seeds = shipped_seeds(name)
    elif not isinstance(seeds, (list, tuple)):
        seeds = [seeds]
    rows = []
    for seed in seeds:
        run = record(name, seed)
        for epoch, seconds in enumerate(run.epoch_seconds):
            metrics = {key: values[epoch] for key, values in run.history.items()}
            rows.append({"seed": run.seed, "epoch": epoch + 1, **metrics, "seconds": seconds})
    if not rows:
        raise _missing(name, 0)
    return pd.DataFrame(rows)


def load(name: str, seed: int = 0, *, compile: bool = True):
    """The trained model of run ``name`` (seed ``seed``) and its record.

    The weights are checked against the SHA-256 in the record before they are used, and
    against the shapes of the declared model layer by layer.

    Parameters
    ----------
    name : str
        A declared run (an unknown name lists the known ones).
    seed : int, default=0
    compile : bool, default=True
        Compile the model with its recipe's loss and metrics (for ``model.evaluate``).

    Returns
    -------
    (keras.Model, RunRecord)

    Raises
    ------
    MissingRunError
        If the run is declared but not trained yet (the message says how to train it).
    DamagedRunError
        If its weights are missing, altered or do not fit the declared model.
    """
    declared = declaration(name)
    seed = _check_seed(seed)
    folder = run_dir(name, seed)
    if not (folder / "record.json").exists():
        raise _missing(name, seed)
    stored = read_record(folder)
    arrays, names = read_weights(folder, stored)
    from vizcnn.backend import import_tensorflow

    import_tensorflow()
    model = declared.build_model()
    if len(arrays) != len(model.weights):
        raise DamagedRunError(
            f"{folder / 'weights.npz'} holds {len(arrays)} arrays, the declared model "
            f"{declared.builder}({declared.arguments}) has {len(model.weights)} weights"
        )
    for variable, array, stored_name in zip(model.weights, arrays, names, strict=True):
        if tuple(variable.shape) != array.shape:
            raise DamagedRunError(
                f"{folder / 'weights.npz'}: weight {stored_name!r} has shape {array.shape}, "
                f"the declared model's layer {variable.path.rsplit('/', 1)[0]!r} expects "
                f"{tuple(variable.shape)}"
            )
    for variable, array in zip(model.weights, arrays, strict=True):
        variable.assign(array)
    if compile:
        from vizcnn.course.training_schedule import compile_for

        compile_for(model, declared.make_recipe())
    return model, RunRecord.from_record(stored)
