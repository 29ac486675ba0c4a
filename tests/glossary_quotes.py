"""The notes' verbatim quotes in a lesson, for the tests that check spelling and quotes.

A lesson quotes the learner's notes inside “…” right after a ``**노트:**`` label; those
quotes keep the notes' own spelling, so the glossary's spelling check
(:func:`vizcnn.course.glossary.spelling_problems`) runs on the text with them taken out
(:func:`strip_quotes`), and ``test_notes_callouts.py`` checks each quote
(:func:`notes_quotes`) against the notes. One definition serves both.
"""

from __future__ import annotations

import re

# one or more “…” (with spaces or … between them) right after a **노트:** label
_QUOTE = re.compile(r"\*\*노트:\*\*\s*((?:“[^”]*”[\s…]*)+)")
_ONE_QUOTE = re.compile(r"“([^”]*)”")


def notes_quotes(text: str) -> list[str]:
    """The notes' sentences that ``text`` quotes: each “…” right after a ``**노트:**`` label.

    Parameters
    ----------
    text : str
        A lesson's Markdown (or all its sources joined).

    Returns
    -------
    list of str
        The quoted sentences, without their quotation marks, in the order they appear.
    """
    return [quote for m in _QUOTE.finditer(text) for quote in _ONE_QUOTE.findall(m.group(1))]


def strip_quotes(text: str) -> str:
    """``text`` without the notes' verbatim quotes (the “…” after a ``**노트:**`` label).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``text`` with each quoted run replaced by the bare label ``**노트:** ``.
    """
    return _QUOTE.sub("**노트:** ", text)
