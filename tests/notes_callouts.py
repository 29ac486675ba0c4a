"""Reading the lessons' callouts on the learner's notes, for the tests that check them.

A callout is a Markdown cell with a line ``> **노트:** “…”``: the notes' Korean sentence,
verbatim. ``> **노트 정정:**`` in the same cell marks a correction. The code cell right
after a callout checks the claim.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# a lesson file: its number, a letter for a lesson that continues another (04b), a name
LESSON_FILE = re.compile(r"(\d\d)([a-z]?)_\w+\.ipynb")


def lessons_in(folder: Path) -> list[Path]:
    """The lesson notebooks in ``folder``, in course order (04_cnn before 04b_...)."""
    return sorted(p for p in folder.glob("*.ipynb") if LESSON_FILE.fullmatch(p.name))


def lesson_key(path: Path) -> int | str:
    """The glossary's key for a lesson file: 4 for ``04_cnn``, ``"4b"`` for ``04b_...``."""
    number, letter = LESSON_FILE.fullmatch(path.name).groups()
    return f"{int(number)}{letter}" if letter else int(number)


NOTEBOOKS = lessons_in(ROOT / "notebooks")
# the Korean edition, for the checks of its Korean text (the callout checks read NOTEBOOKS)
KOREAN_NOTEBOOKS = lessons_in(ROOT / "notebooks" / "ko")
# the learner's notes, kept in the repository so that a clone checks every quote; the
# shared original (next to the repository, where it exists) must be the same text
NOTES = ROOT / "docs" / "notes" / "cnn-study-notes.ko.md"
SHARED_NOTES = ROOT.parent / "shared" / "notes" / "cnn-study-notes.ko.md"
CHECKED = ROOT / "docs" / "notes_checked.md"
VERDICTS = ("holds", "holds with a caveat", "corrected")

LABEL = "**노트:**"
CORRECTION = "**노트 정정:**"


def normalise(text: str) -> str:
    """Bold markers and ``\\*`` escapes dropped, whitespace collapsed (quotes may wrap)."""
    return " ".join(text.replace("**", "").replace("\\*", "*").split())


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def callouts() -> list[tuple[Path, int, dict]]:
    """Every callout cell: (notebook, index, cell)."""
    return [
        (path, i, cell)
        for path in NOTEBOOKS
        for i, cell in enumerate(cells(path))
        if cell["cell_type"] == "markdown" and LABEL in source(cell)
    ]


_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|(.*)\|(.*)\|(.*)\|\s*$")


def checked_rows() -> list[dict]:
    """The rows of ``docs/notes_checked.md``: number, sentence, lesson file, cell id, verdict."""
    rows = []
    for line in CHECKED.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        number, sentence, lesson, cell, verdict = (g.strip() for g in match.groups())
        if re.fullmatch(r"`[^`]+`", sentence):  # a line of the notes' code, shown as code
            sentence = sentence[1:-1]
        notebook = re.search(r"\((?:\.\./)?notebooks/([^)#]+\.ipynb)", lesson)
        cell_id = re.search(r"`([A-Za-z0-9_-]+)`", cell)
        rows.append(
            {
                "number": int(number),
                "sentence": sentence,
                "notebook": notebook.group(1) if notebook else lesson,
                "cell": cell_id.group(1) if cell_id else cell,
                "verdict": verdict.strip("*"),
            }
        )
    return rows
