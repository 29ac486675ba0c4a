"""The lessons' English ↔ Korean terms, in one place and one spelling.

Course material: the glossary belongs to the lessons, not to the drawing library.

Korean terms follow Haesun Park's Korean edition of Géron's *Hands-On Machine Learning*
(핸즈온 머신러닝) where it has one. Where the learner's notes spell a term differently
(깊이 방향 풀링, 특성맵, ...), the notes' spelling is listed beside ours: the lessons quote
the notes verbatim, but their own Korean text uses only the glossary's spelling, and
``tests/test_glossary.py`` fails on any other spelling of a glossary term.

The terms live in a data file shipped with the package, ``vizcnn/data_files/glossary.json``
(one term per line: English, Korean, lessons, meaning, the notes' spelling, variants);
this module reads it once, on import. Each lesson renders its glossary from here::

    vz.glossary.table(lesson=3)

No TensorFlow, no matplotlib: this module is plain data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "TERMS",
    "Term",
    "GlossaryTable",
    "table",
    "spelling_problems",
    "terms_in",
]

LESSONS = (1, 2, 3, 4, 5, 6)
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
    lessons : tuple of int
        The lessons whose glossary lists the term.
    meaning : str
        A short English explanation.
    notes : str, optional
        The notes' spelling, when it differs from ``korean`` (shown in the table).
    variants : tuple of str
        Other spellings that the lessons must not use (besides ``notes`` and ``korean``
        written without its spaces, which are always treated as variants).
    """

    english: str
    korean: str
    lessons: tuple[int, ...]
    meaning: str
    notes: str = ""
    variants: tuple[str, ...] = ()

    def wrong_spellings(self) -> tuple[str, ...]:
        """Spellings of this term that are not :attr:`korean`."""
        wrong = set(self.variants)
        if self.notes:
            wrong.update(s.strip() for s in self.notes.split(","))
        if " " in self.korean:
            wrong.add(self.korean.replace(" ", ""))
        wrong.discard(self.korean)
        # a variant that is part of the right spelling (e.g. "필터" in "필터 크기") would
        # flag correct text, so it is not a variant
        return tuple(sorted(w for w in wrong if w and w not in self.korean))


_TEXT_FIELDS = ("english", "korean", "meaning")


def _term(entry, index: int) -> Term:
    """One entry of the data file as a :class:`Term`; a malformed entry names itself."""
    where = f"{DATA_FILE}: terms[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object, got {type(entry).__name__}")
    unknown = set(entry) - {*_TEXT_FIELDS, "lessons", "notes", "variants"}
    missing = [name for name in (*_TEXT_FIELDS, "lessons") if name not in entry]
    if unknown or missing:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}, missing {missing}")
    lessons, variants = entry["lessons"], entry.get("variants", [])
    texts = [entry[name] for name in _TEXT_FIELDS] + [entry.get("notes", ""), *variants]
    if not all(isinstance(text, str) for text in texts):
        raise ValueError(f"{where}: english, korean, meaning, notes and variants must be text")
    if not lessons or not all(type(n) is int and n in LESSONS for n in lessons):
        raise ValueError(f"{where}: lessons must be a non-empty list from {LESSONS}")
    return Term(
        entry["english"],
        entry["korean"],
        tuple(lessons),
        entry["meaning"],
        entry.get("notes", ""),
        tuple(variants),
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
        For an entry with a missing or unknown field, a field of the wrong type, or a
        lesson that is not one of :data:`LESSONS`.
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


class GlossaryTable:
    """A lesson's glossary; Jupyter shows it as a Markdown table.

    Attributes
    ----------
    terms : list of Term
    lesson : int or None
    """

    def __init__(self, terms, lesson=None):
        self.terms = list(terms)
        self.lesson = lesson

    def rows(self) -> list[tuple[str, str, str]]:
        """``(한국어, English, meaning)`` per term; the notes' spelling in parentheses."""
        return [
            (
                term.korean + (f" (노트: {term.notes})" if term.notes else ""),
                term.english,
                term.meaning,
            )
            for term in self.terms
        ]

    def _repr_markdown_(self) -> str:
        lines = ["| 한국어 | English | meaning |", "| --- | --- | --- |"]
        lines += [f"| {k} | {e} | {m} |" for k, e, m in self.rows()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(f"{k} — {e}" for k, e, _ in self.rows())

    def __len__(self) -> int:
        return len(self.terms)


def table(*, lesson: int | None = None) -> GlossaryTable:
    """The glossary of one lesson (or every term, with ``lesson=None``).

    Parameters
    ----------
    lesson : int, optional
        The lesson number, 1 to 6.

    Returns
    -------
    GlossaryTable
        Shown as a Markdown table in Jupyter; ``.terms`` lists the entries.
    """
    if lesson is None:
        return GlossaryTable(TERMS)
    if isinstance(lesson, bool) or not isinstance(lesson, int):
        raise TypeError(f"lesson must be an int from {LESSONS[0]} to {LESSONS[-1]}, got {lesson!r}")
    if lesson not in LESSONS:
        raise ValueError(f"lesson must be one of {LESSONS}, got {lesson}")
    return GlossaryTable([t for t in TERMS if lesson in t.lessons], lesson=lesson)
