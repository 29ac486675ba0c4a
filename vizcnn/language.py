"""The lessons' language: one setting that every helper producing learner text reads.

Course material: the lessons come in two editions, English (``notebooks/``) and Korean
(``notebooks/ko/``), with the same code. The first cell of a lesson sets the language
(``vz.setup_lesson(language="ko")``); helpers that write text a learner reads, and
:func:`vizcnn.style.set_style`, take it from here.

No TensorFlow, no matplotlib: this module is a plain setting.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "check_language", "get_language", "set_language"]

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
