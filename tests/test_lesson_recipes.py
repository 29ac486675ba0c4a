"""The benchmark trains with exactly the recipes lessons 04 and 05 teach.

`benchmarks/time_to_accuracy.py` repeats the lessons' `training.Recipe(...)` calls (the
notebooks spell them out for the learner); this keeps the two from drifting apart.
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


def _notebook_recipe(name):
    cells = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    lines = [
        line.strip()
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("recipe = training.Recipe(")
    ]
    assert len(lines) == 1, f"{name}: expected one `recipe = training.Recipe(...)` line"
    return eval(lines[0].removeprefix("recipe = "), {"training": training})


@pytest.mark.parametrize("run, notebook", [("cnn", "04_cnn.ipynb"), ("resnet", "05_resnet.ipynb")])
def test_benchmark_uses_the_lessons_recipe(run, notebook):
    _factory, recipe, _fast = _benchmark_runs()[run]
    assert recipe == _notebook_recipe(notebook)
