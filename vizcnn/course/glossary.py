"""The lessons' English ↔ Korean terms, in one place and one spelling.

Course material: the glossary belongs to the lessons, not to the drawing library.

Korean terms follow Haesun Park's Korean edition of Géron's *Hands-On Machine Learning*
(핸즈온 머신러닝) where it has one. Where the learner's notes spell a term differently
(깊이 방향 풀링, 특성맵, ...), the notes' spelling is listed beside ours: the lessons quote
the notes verbatim, but their own Korean text uses only the glossary's spelling, and
``tests/test_glossary.py`` fails on any other spelling of a glossary term.

The terms live in a data file shipped with the package, ``vizcnn/data_files/glossary.json``
(one term per line: English, Korean, lessons, meanings in both languages, the notes' spelling,
variants, and the chapter of the Korean translation's notebooks that uses the spelling);
this module reads it once, on import. Each lesson renders its glossary from here::

    vz.glossary.table(lesson=3)

The table follows the lessons' language (:func:`vizcnn.language.get_language`, read when it
is rendered): in Korean it gives each term's Korean meaning and its source, and also lists
the terms that only the lesson's Korean edition uses (``korean_lessons``).

No TensorFlow, no matplotlib: this module is plain data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from vizcnn.language import get_language, text

__all__ = [
    "TERMS",
    "Term",
    "GlossaryTable",
    "table",
    "spelling_problems",
    "terms_in",
]

#: The lessons, in order: a number each, and "4b" for lesson 04b (the second half of
#: lesson 04's arc, in its own notebook: ``04b_inside_the_cnn.ipynb``).
LESSONS = (1, 2, 3, 4, "4b", 5, 6, 7)
#: Where the terms live, inside the package.
DATA_FILE = "data_files/glossary.json"


@dataclass(frozen=True)
class Term:
    """One entry: the English term, its one Korean spelling, and where it is used.

    Parameters
    ----------
    english : str
        The English term, as the lessons write it.
    korean : str
        The Korean spelling every lesson uses.
    lessons : tuple of int or str
        The lessons whose glossary lists the term (the English lesson uses it): numbers,
        and ``"4b"`` (see :data:`LESSONS`).
    meaning : str
        A short English explanation.
    notes : str, optional
        The notes' spelling, when it differs from ``korean`` (shown in the table).
    variants : tuple of str
        Other spellings that the lessons must not use (besides ``notes``, ``book_spelling``
        and ``korean`` written without its spaces, which are always treated as variants).
    meaning_ko : str
        The short explanation in Korean (the Korean table's 뜻).
    korean_lessons : tuple of int or str
        Lessons whose Korean edition uses the term although the English one does not: the
        Korean table lists it there too, the English table does not.
    book : str, optional
        The chapter (``"14장"``) of the Korean *Hands-On Machine Learning* notebooks that uses
        the term; empty where they do not.
    book_spelling : str, optional
        The spelling of that chapter, where it is not ``korean``.
    """

    english: str
    korean: str
    lessons: tuple[int | str, ...]
    meaning: str
    notes: str = ""
    variants: tuple[str, ...] = ()
    meaning_ko: str = ""
    korean_lessons: tuple[int | str, ...] = ()
    book: str = ""
    book_spelling: str = ""

    def wrong_spellings(self) -> tuple[str, ...]:
        """Spellings of this term that are not :attr:`korean`."""
        wrong = set(self.variants)
        if self.notes:
            wrong.update(s.strip() for s in self.notes.split(","))
        if self.book_spelling:
            wrong.add(self.book_spelling)
        if " " in self.korean:
            wrong.add(self.korean.replace(" ", ""))
        wrong.discard(self.korean)
        # a variant that is part of the right spelling (e.g. "필터" in "필터 크기") would
        # flag correct text, so it is not a variant
        return tuple(sorted(w for w in wrong if w and w not in self.korean))


_TEXT_FIELDS = ("english", "korean", "meaning", "meaning_ko")
_OPTIONAL_FIELDS = ("korean_lessons", "notes", "variants", "book", "book_spelling")
_CHAPTER = re.compile(r"[1-9][0-9]?장")


def _is_lesson(value) -> bool:
    # type(...) in (int, str): True == 1, so a bool would otherwise pass for lesson 1
    return type(value) in (int, str) and value in LESSONS


def _lesson_list(value) -> bool:
    return isinstance(value, list) and all(_is_lesson(n) for n in value)


def _term(entry, index: int) -> Term:
    """One entry of the data file as a :class:`Term`; a malformed entry names itself."""
    where = f"{DATA_FILE}: terms[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object, got {type(entry).__name__}")
    unknown = set(entry) - {*_TEXT_FIELDS, "lessons", *_OPTIONAL_FIELDS}
    missing = [name for name in (*_TEXT_FIELDS, "lessons") if name not in entry]
    if unknown or missing:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}, missing {missing}")
    lessons, variants = entry["lessons"], entry.get("variants", [])
    korean_lessons = entry.get("korean_lessons", [])
    optional = [entry.get(name, "") for name in ("notes", "book", "book_spelling")]
    texts = [entry[name] for name in _TEXT_FIELDS] + optional
    if not all(isinstance(text, str) for text in texts) or not isinstance(variants, list):
        raise ValueError(
            f"{where}: english, korean, meaning, meaning_ko, notes, variants, book and "
            "book_spelling must be text"
        )
    if not all(isinstance(text, str) for text in variants):
        raise ValueError(f"{where}: variants must be text")
    if not entry["meaning_ko"].strip():
        raise ValueError(f"{where}: meaning_ko must not be empty")
    if not _lesson_list(lessons):
        raise ValueError(f"{where}: lessons must be a list from {LESSONS}")
    if not _lesson_list(korean_lessons):
        raise ValueError(f"{where}: korean_lessons must be a list from {LESSONS}")
    # korean_lessons adds the lessons the English tables leave out; a lesson in both is a typo
    if set(lessons) & set(korean_lessons):
        raise ValueError(
            f"{where}: korean_lessons repeats lessons "
            f"{sorted(set(lessons) & set(korean_lessons), key=LESSONS.index)}"
        )
    if not lessons and not korean_lessons:
        raise ValueError(f"{where}: lessons must be a non-empty list (or korean_lessons)")
    book, book_spelling = entry.get("book", ""), entry.get("book_spelling", "")
    if book and not _CHAPTER.fullmatch(book):
        raise ValueError(f"{where}: book must be a chapter such as '14장', got {book!r}")
    if book_spelling and (not book or book_spelling == entry["korean"]):
        raise ValueError(f"{where}: book_spelling needs book and differs from korean")
    return Term(
        entry["english"],
        entry["korean"],
        tuple(lessons),
        entry["meaning"],
        entry.get("notes", ""),
        tuple(variants),
        entry["meaning_ko"],
        tuple(korean_lessons),
        book,
        book_spelling,
    )


def load_terms() -> tuple[Term, ...]:
    """Read the glossary's data file (``vizcnn/data_files/glossary.json``).

    Returns
    -------
    tuple of Term
        In the file's order, which is the order of every table.

    Raises
    ------
    ValueError
        For an entry with a missing or unknown field, a field of the wrong type, a lesson
        that is not one of :data:`LESSONS`, or a ``book`` that is not a chapter.
    """
    text = resources.files("vizcnn").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tuple(_term(entry, i) for i, entry in enumerate(json.loads(text)["terms"]))


TERMS: tuple[Term, ...] = load_terms()

_HANGUL = re.compile("[가-힣]")


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def spelling_problems(text: str) -> list[tuple[str, str]]:
    """Glossary terms spelled another way in ``text``.

    Parameters
    ----------
    text : str
        Markdown or code, checked as given: a caller that lets quotations keep another
        spelling takes them out first (the tests do so for the notes' verbatim quotes).

    Returns
    -------
    list of (str, str)
        ``(wrong spelling, glossary spelling)`` pairs, in the order of :data:`TERMS`.
    """
    text = _check_text(text)
    return [
        (wrong, term.korean)
        for term in TERMS
        for wrong in term.wrong_spellings()
        if _HANGUL.search(wrong) and wrong in text
    ]


def terms_in(text: str) -> list[Term]:
    """The glossary terms whose Korean spelling occurs in ``text``.

    Parameters
    ----------
    text : str
        Checked as given (see :func:`spelling_problems`).

    Returns
    -------
    list of Term
        In the order of :data:`TERMS`. A term found only inside a longer one ("평균 풀링"
        in "전역 평균 풀링", "배치" in "배치 정규화") is not counted.
    """
    checked = _check_text(text)
    found = []
    # longest first, each occurrence blanked once counted
    for term in sorted(TERMS, key=lambda t: -len(t.korean)):
        if _HANGUL.search(term.korean) and term.korean in checked:
            found.append(term)
            checked = checked.replace(term.korean, "\0")
    return [term for term in TERMS if term in found]


def _source(term: Term, language: str) -> str:
    """The 출처 cell: the book's chapter, with its spelling where it differs."""
    if not term.book:
        return ""
    if term.book_spelling:
        return text(
            "glossary.book_spelling",
            language=language,
            chapter=term.book,
            spelling=term.book_spelling,
        )
    return text("glossary.book", language=language, chapter=term.book)


class GlossaryTable:
    """A lesson's glossary; Jupyter shows it as a Markdown table.

    It follows the lessons' language when it is read or shown: in Korean, its terms include
    those of the lesson's ``korean_lessons`` and its table has the columns
    ``| 한국어 | English | 뜻 | 출처 |``.

    Parameters
    ----------
    terms : iterable of Term
        The English edition's terms.
    lesson : int, optional
    korean_terms : iterable of Term, optional
        The Korean edition's terms; by default the same as ``terms``.

    Attributes
    ----------
    terms : list of Term
        The terms of the current language.
    lesson : int or None
    """

    def __init__(self, terms, lesson=None, korean_terms=None):
        self.english_terms = list(terms)
        self.korean_terms = self.english_terms if korean_terms is None else list(korean_terms)
        self.lesson = lesson

    @property
    def terms(self) -> list[Term]:
        return self.korean_terms if get_language() == "ko" else self.english_terms

    def header(self) -> tuple[str, ...]:
        """The column names in the current language."""
        language = get_language()
        names = ["korean", "english", "meaning"] + (["source"] if language == "ko" else [])
        return tuple(text(f"glossary.{name}", language=language) for name in names)

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple per term, the columns of :meth:`header`; the notes' spelling in parentheses.

        English: ``(한국어, English, meaning)``; Korean: ``(한국어, English, 뜻, 출처)``.
        """
        language = get_language()
        rows = []
        for term in self.korean_terms if language == "ko" else self.english_terms:
            notes = text("glossary.notes", language=language, notes=term.notes)
            korean = term.korean + (f" ({notes})" if term.notes else "")
            if language == "ko":
                rows.append((korean, term.english, term.meaning_ko, _source(term, language)))
            else:
                rows.append((korean, term.english, term.meaning))
        return rows

    def _repr_markdown_(self) -> str:
        header = self.header()
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(f"{row[0]} — {row[1]}" for row in self.rows())

    def __len__(self) -> int:
        return len(self.terms)


def table(*, lesson: int | None = None) -> GlossaryTable:
    """The glossary of one lesson (or every term, with ``lesson=None``).

    Parameters
    ----------
    lesson : int or str, optional
        A lesson of :data:`LESSONS`: its number, 1 to 7, or ``"4b"``.

    Returns
    -------
    GlossaryTable
        Shown as a Markdown table in Jupyter; ``.terms`` lists the entries. In Korean
        (:func:`vizcnn.language.get_language`, read when it is shown) it also lists the
        terms of the lesson's ``korean_lessons``, in the file's order.
    """
    if lesson is None:
        return GlossaryTable(TERMS)
    if not _is_lesson(lesson):
        # a number out of range is the wrong value; anything else ("3", True) the wrong type
        error = ValueError if type(lesson) is int else TypeError
        raise error(f"lesson must be one of {LESSONS}, got {lesson!r}")
    return GlossaryTable(
        [t for t in TERMS if lesson in t.lessons],
        lesson=lesson,
        korean_terms=[t for t in TERMS if lesson in t.lessons or lesson in t.korean_lessons],
    )
