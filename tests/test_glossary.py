"""One glossary, one spelling: the lessons' Korean text uses only the glossary's terms."""

from __future__ import annotations

import pytest
from notes_callouts import NOTEBOOKS, cells, source

import vizcnn as vz

glossary = vz.glossary


def korean_text(path):
    """All sources of a lesson (Markdown and code), the notes' quotes taken out."""
    return glossary.strip_quotes("\n".join(source(c) for c in cells(path)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lessons_spell_every_glossary_term_one_way(path):
    assert glossary.spelling_problems(korean_text(path)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_lesson_glossary_lists_the_terms_it_uses(path):
    lesson = int(path.stem[:2])
    listed = {t.korean for t in glossary.table(lesson=lesson).terms}
    used = {t.korean for t in glossary.terms_in(korean_text(path))}
    assert used <= listed, f"used in lesson {lesson} but not in its glossary: {used - listed}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_lesson_renders_its_glossary_from_the_package(path):
    lesson = int(path.stem[:2])
    calls = [s for c in cells(path) if f"vz.glossary.table(lesson={lesson})" in (s := source(c))]
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
    assert glossary.spelling_problems(text) == []
    assert glossary.spelling_problems(text + " 특성맵") == [("특성맵", "특성 맵")]
    two = "> **노트:** “합성곱층” “특성맵” 뒤의 “특성맵”은 인용이 아니다"
    assert glossary.notes_quotes(text + "\n" + two) == [
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
    ("lesson", "error"), [(0, ValueError), ("3", TypeError), (True, TypeError)]
)
def test_bad_lesson_is_a_clear_error(lesson, error):
    with pytest.raises(error, match="lesson"):
        glossary.table(lesson=lesson)


def test_bad_text_is_a_clear_error():
    with pytest.raises(TypeError, match="text"):
        glossary.spelling_problems(None)
