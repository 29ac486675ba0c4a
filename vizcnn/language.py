"""The lessons' language: one setting that every helper producing learner text reads.

Course material: the lessons come in two editions, English (``notebooks/``) and Korean
(``notebooks/ko/``), with the same code. The first cell of a lesson sets the language
(``vz.setup_lesson(language="ko")``); helpers that write text a learner reads, and
:func:`vizcnn.style.set_style`, take it from here.

Text a helper writes for a learner (titles, axis labels, table headers, status lines) lives
in data files, ``vizcnn/data_files/messages/*.json``: each file maps a key to its English and
Korean templates, and :func:`text` picks the one of the current language. Keys are unique
across the files.

No TensorFlow, no matplotlib: this module is a plain setting and a lookup.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "check_language",
    "get_language",
    "set_language",
    "messages",
    "text",
]

MESSAGES = Path(__file__).resolve().parent / "data_files" / "messages"

#: The editions: English and Korean.
LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"

_current = DEFAULT_LANGUAGE


def check_language(language) -> str:
    """``language`` if it is one of :data:`LANGUAGES`; a clear error otherwise.

    Raises
    ------
    TypeError
        If ``language`` is not a str.
    ValueError
        If it is not ``"en"`` or ``"ko"``.
    """
    if not isinstance(language, str):
        raise TypeError(f"language must be a str, 'en' or 'ko', got {type(language).__name__}")
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'en' (English) or 'ko' (Korean), got {language!r}")
    return language


def get_language() -> str:
    """The lessons' language now: ``"en"`` (the default) or ``"ko"``."""
    return _current


def set_language(language: str) -> str:
    """Set the lessons' language (``"en"`` or ``"ko"``); returns it.

    Raises
    ------
    TypeError, ValueError
        See :func:`check_language`; the setting is left unchanged.
    """
    global _current
    _current = check_language(language)
    return _current


@cache
def messages() -> dict[str, dict[str, str]]:
    """Every message: ``{key: {"en": template, "ko": template}}``, from the data files.

    Raises
    ------
    ValueError
        If a key is defined in two files, or a message lacks one of :data:`LANGUAGES`.
    """
    found: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(MESSAGES.glob("*.json")):
        for key, templates in json.loads(path.read_text(encoding="utf-8")).items():
            if key in found:
                raise ValueError(f"message {key!r} is defined in {where[key]} and {path.name}")
            missing = [lang for lang in LANGUAGES if not isinstance(templates.get(lang), str)]
            if missing:
                raise ValueError(f"message {key!r} in {path.name} has no text for {missing}")
            found[key], where[key] = templates, path.name
    return found


def text(key: str, /, *, language: str | None = None, **fields) -> str:
    """The message ``key`` in the lessons' language, its ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        A key of :func:`messages`, for example ``"history.title"``.
    language : {"en", "ko"}, optional
        By default the current one (:func:`get_language`).
    **fields
        Values for the template's ``{placeholders}`` (``str.format`` syntax).

    Raises
    ------
    KeyError
        If no data file defines ``key``.
    """
    language = _current if language is None else check_language(language)
    try:
        template = messages()[key][language]
    except KeyError:
        raise KeyError(f"no message {key!r} in vizcnn/data_files/messages/*.json") from None
    return template.format(**fields) if fields else template
