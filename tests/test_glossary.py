"""One glossary, one spelling: the lessons' Korean text uses only the glossary's terms."""

from __future__ import annotations

import json
import re
import tomllib
from fnmatch import fnmatch

import pytest
from glossary_quotes import notes_quotes, strip_quotes
from notes_callouts import KOREAN_NOTEBOOKS, NOTEBOOKS, ROOT, cells, lesson_key, source

import vizcnn as vz
from vizcnn import language

glossary = vz.glossary
BOTH_EDITIONS = NOTEBOOKS + KOREAN_NOTEBOOKS
BOTH_IDS = [p.stem for p in NOTEBOOKS] + [f"ko-{p.stem}" for p in KOREAN_NOTEBOOKS]


@pytest.fixture
def korean():
    """The lessons' language set to Korean for one test, and put back after it."""
    before = language.get_language()
    language.set_language("ko")
    yield
    language.set_language(before)


def korean_text(path):
    """All sources of a lesson (Markdown and code), the notes' quotes taken out."""
    return strip_quotes("\n".join(source(c) for c in cells(path)))


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=BOTH_IDS)
def test_lessons_spell_every_glossary_term_one_way(path):
    assert glossary.spelling_problems(korean_text(path)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_lesson_glossary_lists_the_terms_it_uses(path):
    lesson = lesson_key(path)
    listed = {t.korean for t in glossary.table(lesson=lesson).terms}
    used = {t.korean for t in glossary.terms_in(korean_text(path))}
    assert used <= listed, f"used in lesson {lesson} but not in its glossary: {used - listed}"


@pytest.mark.parametrize("path", KOREAN_NOTEBOOKS, ids=[p.stem for p in KOREAN_NOTEBOOKS])
def test_each_korean_lesson_glossary_lists_the_terms_it_uses(path, korean):
    # the whole Korean lesson is Korean text: its table adds the terms of korean_lessons
    lesson = lesson_key(path)
    listed = {t.korean for t in glossary.table(lesson=lesson).terms}
    used = {t.korean for t in glossary.terms_in(korean_text(path))}
    assert used <= listed, f"used in ko/{path.name} but not in its glossary: {used - listed}"


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=BOTH_IDS)
def test_each_lesson_renders_its_glossary_from_the_package(path):
    lesson = lesson_key(path)
    call = f"vz.glossary.table(lesson={json.dumps(lesson)})"  # lesson=4, lesson="4b"
    calls = [s for c in cells(path) if call in (s := source(c))]
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("이 층의 특성맵을 보자.", "특성맵"),
        ("깊이방향 풀링은 채널을 줄인다.", "깊이방향 풀링"),
        ("합성곱층 두 개", "합성곱층"),
        ("FC층 두 개", "FC층"),
        ("경사하강법으로 학습된다", "경사하강법"),
    ],
)
def test_a_variant_spelling_is_caught(text, wrong):
    assert wrong in [w for w, _ in glossary.spelling_problems(text)]


def test_the_notes_quotes_keep_their_spelling():
    text = "> **노트:** “한 특성맵의 픽셀들은 모두 같은 가중치 세트를 공유한다.”\n특성 맵마다"
    assert glossary.spelling_problems(strip_quotes(text)) == []
    assert glossary.spelling_problems(strip_quotes(text + " 특성맵")) == [("특성맵", "특성 맵")]
    # the package checks text as given: quotes are the lessons' convention, the tests' job
    assert glossary.spelling_problems(text) == [("특성맵", "특성 맵")]
    two = "> **노트:** “합성곱층” “특성맵” 뒤의 “특성맵”은 인용이 아니다"
    assert notes_quotes(text + "\n" + two) == [
        "한 특성맵의 픽셀들은 모두 같은 가중치 세트를 공유한다.",
        "합성곱층",
        "특성맵",
    ]


def test_one_spelling_per_term_and_no_term_is_anothers_variant():
    koreans = [t.korean for t in glossary.TERMS]
    assert len(koreans) == len(set(koreans))
    for term in glossary.TERMS:
        for wrong in term.wrong_spellings():
            assert wrong not in koreans, (term.english, wrong)
    # no right spelling would be flagged as a variant of another term
    assert glossary.spelling_problems(" ".join(koreans)) == []


def test_the_table_renders_markdown_with_the_notes_spelling():
    table = glossary.table(lesson=3)
    markdown = table._repr_markdown_()
    assert markdown.startswith("| 한국어 | English | meaning |")
    assert "깊이별 풀링 (노트: 깊이 방향 풀링" in markdown
    assert len(markdown.splitlines()) == len(table) + 2
    assert all(3 in t.lessons for t in table.terms)
    assert len(glossary.table()) == len(glossary.TERMS)


@pytest.mark.parametrize(
    ("lesson", "error"),
    [(0, ValueError), (8, ValueError), ("3", TypeError), ("4c", TypeError), (True, TypeError)],
)
def test_bad_lesson_is_a_clear_error(lesson, error):
    with pytest.raises(error, match="lesson"):
        glossary.table(lesson=lesson)


def test_bad_text_is_a_clear_error():
    with pytest.raises(TypeError, match="text"):
        glossary.spelling_problems(None)


def _committed_glossary_output(path, lesson):
    """The committed ``text/markdown`` and ``text/plain`` of the lesson's glossary cell."""
    call = f"vz.glossary.table(lesson={json.dumps(lesson)})"
    [cell] = [c for c in cells(path) if call in source(c)]
    [output] = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
    return {kind: "".join(output["data"][kind]) for kind in ("text/markdown", "text/plain")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_lesson_glossary_prints_exactly_its_committed_output(path):
    # nbval compares these outputs strictly, and lessons 04-06 cannot be re-run cheaply:
    # the table must render byte for byte what the lesson shows
    lesson = lesson_key(path)
    committed = _committed_glossary_output(path, lesson)
    table = glossary.table(lesson=lesson)
    assert table._repr_markdown_() == committed["text/markdown"]
    assert repr(table) == committed["text/plain"]


def _data_file_entries():
    path = ROOT / "vizcnn" / glossary.DATA_FILE
    return json.loads(path.read_text(encoding="utf-8"))["terms"]


@pytest.mark.parametrize("lesson", [None, *glossary.LESSONS])
def test_each_table_is_the_data_file_in_its_order(lesson):
    # computed from the raw file, independently of vizcnn.course.glossary's reading of it
    entries = [e for e in _data_file_entries() if lesson is None or lesson in e["lessons"]]
    korean = [e["korean"] + (f" (노트: {e['notes']})" if e.get("notes") else "") for e in entries]
    expected = ["| 한국어 | English | meaning |", "| --- | --- | --- |"] + [
        f"| {k} | {e['english']} | {e['meaning']} |" for k, e in zip(korean, entries, strict=True)
    ]
    table = glossary.table(lesson=lesson)
    assert table._repr_markdown_() == "\n".join(expected)
    plain = [f"{k} — {e['english']}" for k, e in zip(korean, entries, strict=True)]
    assert repr(table) == "\n".join(plain)
    assert [t.variants for t in table.terms] == [tuple(e.get("variants", ())) for e in entries]


def test_the_glossary_keys_are_the_lesson_files_in_order():
    # 04b_inside_the_cnn.ipynb is lesson "4b", between 4 and 5; no key without its notebook
    assert [lesson_key(p) for p in NOTEBOOKS] == list(glossary.LESSONS)
    assert [lesson_key(p) for p in KOREAN_NOTEBOOKS] == list(glossary.LESSONS)


def test_lesson_04b_has_its_own_glossary():
    lesson_04 = {t.english for t in glossary.table(lesson=4).terms}
    lesson_04b = {t.english for t in glossary.table(lesson="4b").terms}
    # what moved to 04b (the confusion matrix, Grad-CAM, units) left lesson 04's table
    assert {"confusion matrix", "Grad-CAM", "activation maximization"} <= lesson_04b - lesson_04
    assert {"dropout", "label smoothing", "warm-up"} <= lesson_04 - lesson_04b


def test_every_lesson_has_a_glossary_and_every_term_a_lesson():
    assert all(len(glossary.table(lesson=n)) >= 5 for n in glossary.LESSONS)
    for t in glossary.TERMS:
        lessons = {*t.lessons, *t.korean_lessons}
        assert lessons and lessons <= set(glossary.LESSONS), t.english
        assert not set(t.lessons) & set(t.korean_lessons), t.english


@pytest.mark.parametrize("lesson", [None, *glossary.LESSONS])
def test_each_korean_table_is_the_data_file_in_its_order(lesson, korean):
    def listed(e):
        return lesson is None or lesson in e["lessons"] or lesson in e.get("korean_lessons", [])

    entries = [e for e in _data_file_entries() if listed(e)]
    column = [e["korean"] + (f" (노트: {e['notes']})" if e.get("notes") else "") for e in entries]
    sources = [
        (f"『핸즈온 머신러닝』 {e['book']}" if e.get("book") else "")
        + (f": {e['book_spelling']}" if e.get("book_spelling") else "")
        for e in entries
    ]
    expected = ["| 한국어 | English | 뜻 | 출처 |", "| --- | --- | --- | --- |"] + [
        f"| {k} | {e['english']} | {e['meaning_ko']} | {s} |"
        for k, e, s in zip(column, entries, sources, strict=True)
    ]
    table = glossary.table(lesson=lesson)
    assert table._repr_markdown_() == "\n".join(expected)
    plain = [f"{k} — {e['english']}" for k, e in zip(column, entries, strict=True)]
    assert repr(table) == "\n".join(plain)
    assert len(table) == len(entries)


def test_the_table_follows_the_language_when_it_is_shown():
    table = glossary.table(lesson=3)
    english = table._repr_markdown_()
    before = language.get_language()
    try:
        language.set_language("ko")
        # made in English, shown in Korean: the language is read when it is shown
        assert table._repr_markdown_().startswith("| 한국어 | English | 뜻 | 출처 |")
        assert len(table) > len(table.english_terms)
        assert "| 깊이별 풀링 (노트: 깊이 방향 풀링" in table._repr_markdown_()
    finally:
        language.set_language(before)
    assert table._repr_markdown_() == english


def test_the_korean_table_shows_the_book_and_its_other_spelling(korean):
    same = glossary.Term("stride", "스트라이드", (2,), "a step", meaning_ko="걸음", book="14장")
    other = glossary.Term(
        "stride", "스트라이드", (2,), "a step", meaning_ko="걸음", book="14장", book_spelling="보폭"
    )
    unknown = glossary.Term("stride", "스트라이드", (2,), "a step", meaning_ko="걸음")
    rows = glossary.GlossaryTable([same, other, unknown]).rows()
    assert [row[3] for row in rows] == [
        "『핸즈온 머신러닝』 14장",
        "『핸즈온 머신러닝』 14장: 보폭",
        "",
    ]
    # the book's other spelling is not the lessons' spelling
    assert "보폭" in other.wrong_spellings()


def test_every_term_has_a_korean_meaning_in_the_glossary_spelling():
    for term in glossary.TERMS:
        assert re.search("[가-힣]", term.meaning_ko), term.english
        assert glossary.spelling_problems(term.meaning_ko) == [], term.english
        assert term.book == "" or re.fullmatch(r"[1-9][0-9]?장", term.book), term.english


def test_the_data_file_is_shipped_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["vizcnn"]
    assert any(fnmatch(glossary.DATA_FILE, pattern) for pattern in patterns)


GOOD = {
    "english": "stride",
    "korean": "스트라이드",
    "lessons": [2],
    "meaning": "a step",
    "meaning_ko": "한 걸음",
}


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        (["stride"], "must be an object"),
        ({k: v for k, v in GOOD.items() if k != "meaning"}, "missing \\['meaning'\\]"),
        ({**GOOD, "lesson": [2]}, "unknown fields \\['lesson'\\]"),
        ({**GOOD, "lessons": []}, "lessons must be a non-empty list"),
        ({**GOOD, "lessons": [8]}, "lessons must be"),
        ({**GOOD, "lessons": [True]}, "lessons must be"),
        ({**GOOD, "lessons": ["4c"]}, "lessons must be"),
        ({**GOOD, "variants": ["a", 3]}, "must be text"),
        ({**GOOD, "notes": None}, "must be text"),
        ({k: v for k, v in GOOD.items() if k != "meaning_ko"}, "missing \\['meaning_ko'\\]"),
        ({**GOOD, "meaning_ko": ["한 걸음"]}, "meaning_ko.* must be text"),
        ({**GOOD, "meaning_ko": " "}, "meaning_ko must not be empty"),
        ({**GOOD, "korean_lessons": [8]}, "korean_lessons must be a list from"),
        ({**GOOD, "korean_lessons": 3}, "korean_lessons must be a list"),
        ({**GOOD, "korean_lessons": [2, 3]}, "korean_lessons repeats lessons \\[2\\]"),
        ({**GOOD, "lessons": [], "korean_lessons": []}, "non-empty"),
        ({**GOOD, "book": "14"}, "book must be a chapter"),
        ({**GOOD, "book": 14}, "must be text"),
        ({**GOOD, "book_spelling": "보폭"}, "book_spelling needs book"),
        ({**GOOD, "book": "14장", "book_spelling": "스트라이드"}, "differs from korean"),
    ],
)
def test_a_malformed_data_file_entry_names_itself(entry, match):
    with pytest.raises(ValueError, match=match) as error:
        glossary._term(entry, 4)
    assert "glossary.json: terms[4]" in str(error.value)
    assert glossary._term(GOOD, 0) == glossary.Term(
        "stride", "스트라이드", (2,), "a step", meaning_ko="한 걸음"
    )


def test_a_term_only_the_korean_edition_uses_is_valid():
    term = glossary._term({**GOOD, "lessons": [], "korean_lessons": [3], "book": "14장"}, 0)
    assert (term.lessons, term.korean_lessons, term.book) == ((), (3,), "14장")


def test_terms_in_skips_a_term_inside_a_longer_one():
    found = [t.korean for t in glossary.terms_in("전역 평균 풀링과 배치 정규화")]
    assert found == ["전역 평균 풀링", "배치 정규화"]
    with pytest.raises(TypeError, match="text"):
        glossary.terms_in(b"bytes")
