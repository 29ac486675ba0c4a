"""What a run is: its declaration, read from data, and the model, recipe and data it names.

Course material: the lessons' trained networks, not part of the drawing library.

A run is declared once, in ``vizcnn/data_files/runs.json`` (and, for a teacher's own runs
or the tests, in a ``runs.json`` inside the folder ``VIZCNN_RUNS`` names, whose entries are
added to the package's and replace those of the same name)::

    "cnn": {"builder": "basic_cnn", "arguments": {"dropout": 0.0},
            "recipe": "CNN_RECIPE", "data": "train", "seeds": [0, 1, 2], "weights": [0]}

``builder`` is a function of :mod:`vizcnn.course.models` (see :data:`BUILDERS`); ``recipe``
the name of a recipe of :mod:`vizcnn.course.recipes`, or a dict of
:class:`~vizcnn.course.recipes.Recipe` fields, optionally with ``"base"`` naming the
recipe it changes; ``data`` a key of the file's ``"data"`` table; ``weights`` the seeds
whose weights ship (the others ship their training record only).
"""

from __future__ import annotations

import dataclasses
import json
import os
from importlib import resources
from pathlib import Path

__all__ = ["BUILDERS", "Declaration", "DataChoice", "declarations", "declaration"]

#: The model builders a declaration may name (functions of :mod:`vizcnn.course.models`).
BUILDERS = (
    "basic_cnn",
    "small_resnet",
    "resnet_like",
    "pooling_cnn",
    "waveform_cnn",
    "spectrogram_cnn",
)
_RECIPES = ("CNN_RECIPE", "RESNET_RECIPE", "BOOK_RECIPE", "SOUND_RECIPE")
_KEYS = {"about", "builder", "arguments", "recipe", "data", "seeds", "weights"}
_SOUND_KEYS = ("source", "noise_seed", "spectrogram")
_SPECTROGRAM_KEYS = ("frame_length", "frame_step", "mel_bins")


@dataclasses.dataclass(frozen=True)
class DataChoice:
    """What a run learns from: the first ``first`` of the training split (all: None) of
    its ``source``, validated after each epoch on the first ``valid_first`` of the
    validation split (see :mod:`vizcnn.course.runs.inputs`).

    For ``source="spoken_digits"``, ``noise_seed`` draws the clips' noise and time shifts,
    and ``spectrogram`` (options of :func:`vizcnn.signal.spectrogram`: ``frame_length``,
    ``frame_step``, ``mel_bins``) turns the waveforms into log-mel images; None keeps them.
    """

    name: str
    split: str = "train"
    first: int | None = None
    about: str = ""
    valid_first: int | None = None
    source: str = "fashion_mnist"
    noise_seed: int = 0
    spectrogram: dict | None = None

    def as_dict(self) -> dict:
        """The choice as a record stores it; a Fashion-MNIST choice as before sound
        existed (without ``source``, ``noise_seed``, ``spectrogram``), so its records match."""
        fields = dataclasses.asdict(self)
        if self.source == "fashion_mnist":
            for key in _SOUND_KEYS:
                del fields[key]
        return fields


@dataclasses.dataclass(frozen=True)
class Declaration:
    """One declared run: how to build, train and feed it, and which seeds to train."""

    name: str
    builder: str
    arguments: dict
    recipe: dict
    data: DataChoice
    seeds: tuple
    weights: tuple
    about: str = ""

    def make_recipe(self):
        """The :class:`~vizcnn.course.recipes.Recipe` this run trains with."""
        from vizcnn.course.recipes import Recipe

        return Recipe(**self.recipe)

    def build_model(self):
        """A fresh, untrained model (seed first with ``keras.utils.set_random_seed``)."""
        from vizcnn.course import models

        return getattr(models, self.builder)(**self.arguments)

    def matches(self, stored: dict) -> bool:
        """Whether ``stored`` (a record's or checkpoint's declaration) describes this run.

        A record written before data choices had ``valid_first`` has no such key; it
        means the whole validation split, as ``valid_first: null`` does.
        """

        def plain(d):
            data = {k: v for k, v in d["data"].items() if not (k == "valid_first" and v is None)}
            return {**{k: d[k] for k in ("builder", "arguments", "recipe")}, "data": data}

        try:
            return plain(stored) == plain(self.as_dict())
        except (KeyError, TypeError, AttributeError):  # not a declaration at all
            return False

    def as_dict(self) -> dict:
        """The declaration as a record stores it (the recipe written out in full)."""
        return {
            "builder": self.builder,
            "arguments": self.arguments,
            "recipe": self.recipe,
            "data": self.data.as_dict(),
        }


def _package_file() -> Path:
    return Path(str(resources.files("vizcnn") / "data_files" / "runs.json"))


def _read(path: Path) -> dict:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the run declarations in {path} cannot be read: {error}") from None
    if not isinstance(content, dict) or not isinstance(content.get("runs", {}), dict):
        raise ValueError(f"{path} must hold an object with a 'runs' object")
    return content


def _recipe_fields(name: str, recipe, path: Path) -> dict:
    from vizcnn.course import recipes

    if isinstance(recipe, str):
        recipe = {"base": recipe}
    if not isinstance(recipe, dict):
        raise ValueError(f"run {name!r} in {path}: recipe must be a recipe's name or a dict")
    recipe = dict(recipe)
    base = recipe.pop("base", None)
    if base is not None and base not in _RECIPES:
        raise ValueError(
            f"run {name!r} in {path}: unknown recipe {base!r}; known: {', '.join(_RECIPES)}"
        )
    fields = dataclasses.asdict(getattr(recipes, base)) if base else {}
    known = {f.name for f in dataclasses.fields(recipes.Recipe)}
    unknown = sorted(set(recipe) - known)
    if unknown:
        raise ValueError(f"run {name!r} in {path}: unknown recipe fields {unknown}")
    fields.update(recipe)
    recipes.Recipe(**fields)  # checks every value now, naming it
    return fields


def _seeds(name: str, key: str, value, path: Path) -> tuple:
    ok = isinstance(value, list) and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value
    )
    if not ok or len(set(value)) != len(value):
        raise ValueError(f"run {name!r} in {path}: {key} must be distinct ints >= 0")
    return tuple(value)


def _parse(name: str, entry, data: dict, path: Path) -> Declaration:
    if not isinstance(entry, dict):
        raise ValueError(f"run {name!r} in {path} must be an object")
    unknown, missing = set(entry) - _KEYS, {"builder", "recipe", "data", "seeds"} - set(entry)
    if unknown or missing:
        raise ValueError(
            f"run {name!r} in {path}: unknown keys {sorted(unknown)}, missing {sorted(missing)}"
        )
    if entry["builder"] not in BUILDERS:
        raise ValueError(
            f"run {name!r} in {path}: unknown builder {entry['builder']!r}; "
            f"known: {', '.join(BUILDERS)}"
        )
    if entry["data"] not in data:
        raise ValueError(
            f"run {name!r} in {path}: unknown data {entry['data']!r}; known: {sorted(data)}"
        )
    arguments = entry.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ValueError(f"run {name!r} in {path}: arguments must be an object")
    seeds = _seeds(name, "seeds", entry["seeds"], path)
    weights = _seeds(name, "weights", entry.get("weights", []), path)
    if not set(weights) <= set(seeds):
        raise ValueError(f"run {name!r} in {path}: weights must list some of its seeds")
    return Declaration(
        name=name,
        builder=entry["builder"],
        arguments=arguments,
        recipe=_recipe_fields(name, entry["recipe"], path),
        data=data[entry["data"]],
        seeds=seeds,
        weights=weights,
        about=str(entry.get("about", "")),
    )


def _count(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


def _data_choice(key: str, value, path: Path) -> DataChoice:
    """One entry of the ``"data"`` table, checked: every problem names the entry."""
    from vizcnn.course.runs.inputs import SOURCES

    def fail(what):
        raise ValueError(f"data {key!r} in {path}: {what}")

    if not isinstance(value, dict):
        fail("must be an object")
    source = value.get("source", "fashion_mnist")
    if source not in SOURCES:
        fail(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    known = {"split", "first", "valid_first", "about", "source"}
    if source == "spoken_digits":
        known |= {"noise_seed", "spectrogram"}
    unknown = sorted(set(value) - known)
    if unknown:
        fail(f"unknown keys {unknown} for source {source!r}; known: {sorted(known)}")
    if value.get("split", "train") != "train" or not all(
        _count(value.get(k)) for k in ("first", "valid_first")
    ):
        fail("a 'train' split, and 'first' and 'valid_first' positive ints or null")
    noise_seed = value.get("noise_seed", 0)
    if isinstance(noise_seed, bool) or not isinstance(noise_seed, int) or noise_seed < 0:
        fail(f"noise_seed must be an int >= 0, got {noise_seed!r}")
    options = value.get("spectrogram")
    if options is not None and (
        not isinstance(options, dict)
        or set(options) - set(_SPECTROGRAM_KEYS)
        # positive ints; mel_bins null: the linear frequency bins
        or not all(_count(v) and (v is not None or k == "mel_bins") for k, v in options.items())
    ):
        fail(
            f"spectrogram must be null or an object of positive ints {list(_SPECTROGRAM_KEYS)} "
            "(mel_bins may be null)"
        )
    return DataChoice(
        key,
        "train",
        value.get("first"),
        str(value.get("about", "")),
        value.get("valid_first"),
        source,
        noise_seed,
        None if options is None else dict(options),
    )


def _data_choices(content: dict, path: Path) -> dict:
    return {key: _data_choice(key, value, path) for key, value in content.get("data", {}).items()}


def declarations() -> dict[str, Declaration]:
    """Every declared run, by name: the package's, then those of ``$VIZCNN_RUNS/runs.json``.

    Returns
    -------
    dict[str, Declaration]

    Raises
    ------
    ValueError
        For a declaration file that cannot be read or holds an invalid entry (naming the
        file, the run and what is wrong).
    """
    files = [_package_file()]
    extra = os.environ.get("VIZCNN_RUNS", "").strip()
    if extra and (Path(extra) / "runs.json").is_file():
        files.append(Path(extra) / "runs.json")
    data, runs = {}, {}
    for path in files:
        content = _read(path)
        data.update(_data_choices(content, path))
        for name, entry in content.get("runs", {}).items():
            runs[name] = _parse(name, entry, data, path)
    return runs


def declaration(name) -> Declaration:
    """The declaration of run ``name``; an unknown name lists the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a run's name (a str), got {type(name).__name__}")
    known = declarations()
    if name not in known:
        raise ValueError(f"unknown run {name!r}; the declared runs are: {', '.join(known)}")
    return known[name]
