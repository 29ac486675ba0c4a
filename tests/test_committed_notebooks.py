"""The committed lessons are products: run in order, no machine paths, no leftovers."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted(
    p
    for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("**/*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
MACHINE_PATH = re.compile(r"(/home/|/root/|/work/|/tmp/|/Users/|site-packages|[A-Z]:\\\\)")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_ran_once_in_order(path):
    counts = [c["execution_count"] for c in _cells(path) if c["cell_type"] == "code"]
    assert None not in counts, f"{path.name}: a code cell was never run"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_output_shows_a_machine_path(path):
    for cell in _cells(path):
        for output in cell.get("outputs", []):
            text = json.dumps({k: v for k, v in output.items() if k != "data"})
            text += "".join(output.get("data", {}).get("text/plain", ""))
            match = MACHINE_PATH.search(text)
            assert match is None, f"{path.name} cell {cell['id']}: {match and match.group()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_placeholder_text_is_left(path):
    for cell in _cells(path):
        source = "".join(cell["source"])
        assert not re.search(r"\b(TODO|FIXME|XXX|[A-Z]+_TEXT\d?|[A-Z]+_BULLET)\b|[⟪⟫]", source), (
            f"{path.name} cell {cell['id']}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbval_markers_are_cell_tags_not_code(path):
    # the learner reads the code; nbval reads the tags
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert "NBVAL" not in "".join(cell["source"]), f"{path.name} cell {cell['id']}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_text_speaks_to_the_learner_not_about_the_project(path):
    words = re.compile(r"\b(committed|commits?|issue tracker|this project)\b", re.IGNORECASE)
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            match = words.search("".join(cell["source"]))
            assert match is None, f"{path.name} cell {cell['id']}: {match and match.group()}"
