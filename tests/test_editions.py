"""One source of truth for the code: the Korean edition runs the English edition's programs.

Every notebook in ``notebooks/ko/`` has an English counterpart in ``notebooks/``; their cells
pair up by position (same count, same types; the English edition's one Korean summary for
readers of Korean, ``## 요약``, has no twin: the Korean edition's summary is its own), and
each pair of code cells is the same program: the same Python tokens once comments and blank
lines are dropped and every string (f-strings included) is a placeholder. The one allowed
difference is the first cell's ``vz.setup_lesson(..., language="ko")``.
"""

from __future__ import annotations

import io
import json
import re
import token
import tokenize
from pathlib import Path

import pytest
from notes_callouts import lessons_in

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
KOREAN = ENGLISH / "ko"
EDITIONS = sorted(KOREAN.glob("*.ipynb"))

STRING = "<string>"
# Python 3.12+ splits an f-string into FSTRING_START, FSTRING_MIDDLE..., FSTRING_END, with the
# tokens of its {expressions} in between; older Pythons give one STRING token
_FSTRING_START = getattr(token, "FSTRING_START", None)
_FSTRING_END = getattr(token, "FSTRING_END", None)
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING}
# the Korean edition's first cell: setup_lesson(..., language="ko"), the tokens after `seed=42`
KOREAN_SETUP = [(token.OP, ","), (token.NAME, "language"), (token.OP, "="), (token.STRING, STRING)]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def code_tokens(code: str) -> list[tuple[int, str]]:
    """``(type, text)`` of every token, comments and blank lines dropped, strings replaced.

    An f-string, in one token or split (3.12+), becomes one placeholder: what a learner
    reads inside it, expressions included, may be written in either language. Adjacent
    string literals, which Python joins into one, become one placeholder too.
    """
    result, depth = [], 0
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type in _DROPPED:
            continue
        if tok.type == _FSTRING_START:
            if depth == 0 and result[-1:] != [(token.STRING, STRING)]:
                result.append((token.STRING, STRING))
            depth += 1
        elif tok.type == _FSTRING_END:
            depth -= 1
        elif depth:
            continue  # inside an f-string
        elif tok.type == token.STRING:
            # adjacent literals are one string ("a" "b" is "ab"): a translation may split a
            # long line where the English one did not
            if result[-1:] != [(token.STRING, STRING)]:
                result.append((token.STRING, STRING))
        elif tok.type == token.NEWLINE:
            result.append((token.NEWLINE, ""))
        else:
            result.append((tok.type, tok.string))
    # a trailing comma before a closing bracket is formatting (ruff adds one when a call no
    # longer fits on a line, and a Korean string can be longer than its English twin)
    closing = {(token.OP, ")"), (token.OP, "]"), (token.OP, "}")}
    return [
        tok
        for tok, following in zip(result, [*result[1:], None], strict=True)
        if not (tok == (token.OP, ",") and following in closing)
    ]


def without_korean_setup(tokens: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """``tokens`` with one ``, language="ko"`` of a ``setup_lesson(...)`` call taken out."""
    for i, tok in enumerate(tokens):
        if tok == (token.NAME, "setup_lesson"):
            depth = 0
            for j in range(i + 1, len(tokens)):
                depth += {"(": 1, ")": -1}.get(tokens[j][1], 0) if tokens[j][0] == token.OP else 0
                if depth == 1 and tokens[j : j + 4] == KOREAN_SETUP:
                    return tokens[:j] + tokens[j + 4 :]
                if depth == 0:
                    break
    return tokens


def _korean_setup_value(code: str) -> str | None:
    """The string given as ``language=`` to ``setup_lesson`` in ``code``, if any."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)]
    for i, tok in enumerate(toks):
        if tok.string == "language" and i + 2 < len(toks) and toks[i + 1].string == "=":
            return toks[i + 2].string
    return None


def mirrored(english_cells: list[dict]) -> list[dict]:
    """The English cells the Korean edition mirrors: all but its Korean summary (``## 요약``)."""
    return [
        c
        for c in english_cells
        if not (c["cell_type"] == "markdown" and source(c).lstrip().startswith("## 요약"))
    ]


def differences(english: Path, korean: Path) -> list[str]:
    """Why the two editions are not the same program (empty when they are)."""
    en, ko = mirrored(cells(english)), cells(korean)
    if len(en) != len(ko):
        return [f"{len(en)} cells in English, {len(ko)} in Korean"]
    problems = []
    first_code = next((i for i, c in enumerate(en) if c["cell_type"] == "code"), None)
    for i, (a, b) in enumerate(zip(en, ko, strict=True)):
        if a["cell_type"] != b["cell_type"]:
            problems.append(f"cell {i}: {a['cell_type']} in English, {b['cell_type']} in Korean")
            continue
        if a["cell_type"] != "code":
            continue
        ko_tokens = code_tokens(source(b))
        if i == first_code:
            if _korean_setup_value(source(b)) not in ('"ko"', "'ko'"):
                problems.append(f"cell {i}: the first cell must call setup_lesson(language='ko')")
            ko_tokens = without_korean_setup(ko_tokens)
        en_tokens = code_tokens(source(a))
        if en_tokens != ko_tokens:
            at = next(
                (k for k, (x, y) in enumerate(zip(en_tokens, ko_tokens, strict=False)) if x != y),
                min(len(en_tokens), len(ko_tokens)),
            )
            problems.append(
                f"cell {i} ({a.get('id')}): token {at} differs: English "
                f"{en_tokens[at : at + 3]}, Korean {ko_tokens[at : at + 3]}"
            )
        tags = (a.get("metadata", {}).get("tags", []), b.get("metadata", {}).get("tags", []))
        if tags[0] != tags[1]:
            problems.append(f"cell {i}: tags {tags[0]} in English, {tags[1]} in Korean")
    return problems


def test_there_is_a_korean_edition():
    assert EDITIONS, "notebooks/ko/ holds no lesson"


def test_every_lesson_has_a_korean_twin():
    lessons = [p.name for p in lessons_in(ENGLISH)]
    assert len(lessons) == 8  # 01-07, and 04b beside 04
    assert [p.name for p in EDITIONS] == lessons


@pytest.mark.parametrize("korean", EDITIONS, ids=lambda p: p.name)
def test_the_english_counterpart_exists(korean):
    assert (ENGLISH / korean.name).is_file(), f"no notebooks/{korean.name} for {korean}"


@pytest.mark.parametrize("korean", EDITIONS, ids=lambda p: p.name)
def test_each_code_cell_is_its_english_counterparts_program(korean):
    assert differences(ENGLISH / korean.name, korean) == []


# the check itself, on small programs: it must see what it is there to see


@pytest.mark.parametrize(
    ("english", "korean"),
    [
        ('print("two photos")  # comment', 'print("사진 두 장")  # 주석'),
        ('print(f"{n} maps", n)', 'print(f"특성 맵 {n}개", n)'),
        ("x = 1\n\n# note\ny = 2", "x = 1\ny = 2  # 노트"),
        ("s = 'a' 'b'", 's = "가" "나"'),
    ],
)
def test_strings_and_comments_may_differ(english, korean):
    assert code_tokens(english) == code_tokens(korean)


@pytest.mark.parametrize(
    ("english", "korean"),
    [
        ("x = images.shape", "x = image.shape"),  # one identifier
        ("x = 1", "x = 2"),
        ("f(a, b)", "f(b, a)"),
        ('print("a")', 'print("a", "b")'),  # one more string is one more token
        ("x = 1\ny = 2", "x = 1; y = 2"),
        ("vz.setup_lesson(seed=42)", 'vz.setup_lesson(seed=42, language="ko")'),  # not for free
    ],
)
def test_code_differences_are_caught(english, korean):
    assert code_tokens(english) != code_tokens(korean)


def test_only_the_setup_call_may_gain_the_language():
    en = code_tokens("tf = vz.setup_lesson(seed=42)")
    assert without_korean_setup(code_tokens('tf = vz.setup_lesson(seed=42, language="ko")')) == en
    # elsewhere the argument is a difference
    other = code_tokens('tf = vz.other(seed=42, language="ko")')
    assert without_korean_setup(other) != code_tokens("tf = vz.other(seed=42)")


def test_a_changed_identifier_in_a_copy_is_caught(tmp_path):
    """The real check fails on a copy of a Korean lesson with one identifier renamed."""
    korean = EDITIONS[0]
    nb = json.loads(korean.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell = code[-1]
    text = source(cell)
    name = next(
        t.string
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type == token.NAME
    )
    cell["source"] = [text.replace(name, name + "_renamed", 1)]
    copy = tmp_path / korean.name
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert differences(ENGLISH / korean.name, korean) == []
    found = differences(ENGLISH / korean.name, copy)
    assert len(found) == 1 and f"{name}_renamed" in found[0]


# the Korean edition is Korean: every lesson has its twin, and its prose is Korean throughout

_NOT_PROSE = re.compile(
    r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]+>|https?://\S+", re.DOTALL
)


def korean_share(markdown: str) -> float:
    """Korean words among the words of ``markdown``'s prose (code, maths, links dropped)."""
    words = re.findall(r"[^\W\d_]+", _NOT_PROSE.sub(" ", markdown))
    korean = sum(any("\uac00" <= ch <= "\ud7a3" for ch in word) for word in words)
    return korean / len(words) if words else 1.0


@pytest.mark.parametrize("korean", EDITIONS, ids=lambda p: p.name)
def test_every_markdown_cell_of_the_korean_edition_is_korean(korean):
    # a Korean sentence with an English term in parentheses stays far above one half
    english_left = [
        (c.get("id"), round(korean_share(source(c)), 2))
        for c in cells(korean)
        if c["cell_type"] == "markdown" and korean_share(source(c)) < 0.5
    ]
    assert english_left == []


def test_the_korean_share_tells_the_languages_apart():
    assert korean_share("합성곱 층(convolutional layer)은 필터를 이미지 위로 옮긴다.") > 0.5
    assert korean_share("A convolutional layer slides its filters over the image (필터).") < 0.5
    assert korean_share("`model.fit(dataset)` 호출은 $y = Wx$ 를 계산한다") == 1.0
