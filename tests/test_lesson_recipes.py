"""Lessons 04/05 and the benchmark train with the same recipes, defined once.

The recipes live in ``vizcnn.course.training`` (``CNN_RECIPE``, ``RESNET_RECIPE``); the notebooks
and ``benchmarks/time_to_accuracy.py`` refer to them by name, so they cannot drift apart.
"""

import importlib.util
import json
from pathlib import Path

import pytest

from vizcnn import training

ROOT = Path(__file__).resolve().parents[1]


def _benchmark_runs():
    spec = importlib.util.spec_from_file_location(
        "time_to_accuracy", ROOT / "benchmarks" / "time_to_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RUNS


def _code(notebook):
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize(
    ("run", "notebook", "recipe"),
    [("cnn", "04_cnn.ipynb", "CNN_RECIPE"), ("resnet", "05_resnet.ipynb", "RESNET_RECIPE")],
)
def test_lesson_and_benchmark_share_one_recipe(run, notebook, recipe):
    _factory, model_kwargs, benchmark_recipe, _fast = _benchmark_runs()[run]
    assert model_kwargs is training.LESSON_MODELS[run]
    assert benchmark_recipe is getattr(training, recipe)
    code = _code(notebook)
    assert f"recipe = training.{recipe}" in code
    assert "training.Recipe(" not in code  # no second definition hiding in the lesson


def test_the_lesson_recipes_differ_only_in_epochs_shifts_and_batch():
    a, b = training.CNN_RECIPE, training.RESNET_RECIPE
    assert (a.epochs, a.max_shift, a.batch_size) == (4, 0, 256)
    assert (b.epochs, b.max_shift, b.batch_size) == (8, 1, 128)
    assert a.minutes is None and b.minutes is None  # schedules by steps, the same everywhere
    same = ("warmup", "weight_decay", "label_smoothing")
    assert all(getattr(a, name) == getattr(b, name) for name in (*same, "flip", "optimizer"))
