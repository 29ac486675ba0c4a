"""The lessons quote the learner's notes where they check them, and docs/notes_checked.md
lists every such check."""

from __future__ import annotations

import re

import pytest
from glossary_quotes import notes_quotes
from notes_callouts import (
    CORRECTION,
    NOTEBOOKS,
    NOTES,
    ROOT,
    SHARED_NOTES,
    VERDICTS,
    callouts,
    cells,
    checked_rows,
    normalise,
    source,
)

CALLOUTS = callouts()
IDS = [f"{path.stem}:{cell['id']}" for path, _, cell in CALLOUTS]


@pytest.mark.skipif(not SHARED_NOTES.exists(), reason="no shared copy of the notes here")
def test_the_repository_copy_of_the_notes_is_the_shared_original():
    assert NOTES.read_text(encoding="utf-8") == SHARED_NOTES.read_text(encoding="utf-8")


def test_there_are_callouts_in_every_lesson_that_the_notes_cover():
    lessons = {path.stem[:2] for path, _, _ in CALLOUTS}
    assert {"01", "02", "03", "04", "05", "07"} <= lessons


@pytest.mark.parametrize(("path", "index", "cell"), CALLOUTS, ids=IDS)
def test_callout_quotes_the_notes_verbatim(path, index, cell):
    notes = normalise(NOTES.read_text(encoding="utf-8"))
    found = notes_quotes(source(cell))
    assert found, "a 노트: callout quotes the notes inside “…”"
    for quote in found:
        for part in normalise(quote).split("…"):
            assert part.strip() in notes, f"not in the notes verbatim: {part!r}"


@pytest.mark.parametrize(("path", "index", "cell"), CALLOUTS, ids=IDS)
def test_callout_is_followed_by_a_check(path, index, cell):
    after = cells(path)[index + 1]
    assert after["cell_type"] == "code", "the cell after a callout checks the claim"
    assert re.search(r"^\s*assert\b", source(after), re.MULTILINE), "…with an assert"


@pytest.mark.parametrize(("path", "index", "cell"), CALLOUTS, ids=IDS)
def test_callout_is_bilingual(path, index, cell):
    text = source(cell)
    assert re.search("[a-zA-Z]{3,}", text.replace("노트", "")), "an English line for everyone"
    if CORRECTION in text:
        korean, english = text.split(CORRECTION, 1)[1].split("*Correction:*", 1)
        assert re.search("[가-힣]", korean) and english.strip()


def test_every_callout_has_its_row_and_every_row_its_callout():
    rows = checked_rows()
    assert len(rows) >= 25
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    by_cell = {(path.name, cell["id"]): cell for path, _, cell in CALLOUTS}
    listed = {(r["notebook"], r["cell"]) for r in rows}
    assert set(by_cell) == listed, "rows and callouts differ: " + str(set(by_cell) ^ listed)
    notes = normalise(NOTES.read_text(encoding="utf-8"))
    for row in rows:
        assert (ROOT / "notebooks" / row["notebook"]).exists()
        assert row["verdict"] in VERDICTS, row
        cell = by_cell[(row["notebook"], row["cell"])]
        corrected = CORRECTION in source(cell)
        assert (row["verdict"] == "corrected") == corrected, row
        for part in normalise(row["sentence"]).split("…"):
            assert part.strip() in notes, f"row {row['number']}: not in the notes: {part!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_lesson_has_a_korean_summary(path):
    summaries = [
        source(c)
        for c in cells(path)
        if c["cell_type"] == "markdown" and source(c).lstrip().startswith("## 요약")
    ]
    assert len(summaries) == 1
    assert len(re.findall("[가-힣]", summaries[0])) > 150, "a summary, in Korean"
