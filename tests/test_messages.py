"""The learner-facing text helpers write: one data file per area, both languages, same fields."""

from __future__ import annotations

import json
import string

import pytest

from vizcnn import language
from vizcnn.language import MESSAGES, messages, text

ALL = messages()
HANGUL = range(0xAC00, 0xD7A4)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_there_are_messages():
    assert len(ALL) > 10


@pytest.mark.parametrize("key", sorted(ALL))
def test_both_templates_fill_the_same_fields(key):
    assert fields(ALL[key]["en"]) == fields(ALL[key]["ko"]), key


@pytest.mark.parametrize("key", sorted(ALL))
def test_the_korean_template_is_korean_unless_it_is_only_symbols(key):
    ko = ALL[key]["ko"]
    letters = [c for c in ko if c.isalpha()]
    if any(ord(c) in HANGUL for c in ko) or not letters:
        return
    # a template that needs no translation (a symbol, a unit) is the same in both
    assert ko == ALL[key]["en"], f"{key}: Korean template {ko!r} has no Hangul"


def test_text_follows_the_language_setting():
    key = next(k for k in sorted(ALL) if ALL[k]["en"] != ALL[k]["ko"] and not fields(ALL[k]["en"]))
    before = language.get_language()
    try:
        language.set_language("ko")
        assert text(key) == ALL[key]["ko"]
        language.set_language("en")
        assert text(key) == ALL[key]["en"]
        assert text(key, language="ko") == ALL[key]["ko"]
    finally:
        language.set_language(before)


def test_an_unknown_key_names_the_data_files():
    with pytest.raises(KeyError, match="data_files/messages"):
        text("no.such.message")


@pytest.fixture
def message_dir(tmp_path, monkeypatch):
    """An empty folder read as the message data files, the cache cleared around the test."""
    monkeypatch.setattr(language, "MESSAGES", tmp_path)
    language.messages.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    language.messages.cache_clear()


def test_a_key_defined_twice_is_refused(message_dir):
    for name in ("a.json", "b.json"):
        (message_dir / name).write_text(json.dumps({"same.key": {"en": "x", "ko": "엑스"}}))
    with pytest.raises(ValueError, match="same.key"):
        language.messages()


def test_a_message_missing_a_language_is_refused(message_dir):
    (message_dir / "a.json").write_text(json.dumps({"only.english": {"en": "x"}}))
    with pytest.raises(ValueError, match="only.english"):
        language.messages()


def test_every_data_file_is_a_flat_table_of_messages():
    for path in MESSAGES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(set(v) == {"en", "ko"} for v in data.values()), path.name
