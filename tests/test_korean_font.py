"""Korean in figures: vz.set_style(language="ko") selects a font with Hangul."""

import sys
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

import vizcnn as vz
from vizcnn import language, style

MISSING_GLYPH = "missing from font"


@pytest.fixture(autouse=True)
def restored():
    """The style and the language are global: every test leaves them as it found them."""
    before = language.get_language()
    with mpl.rc_context():
        yield
    language.set_language(before)
    style.set_style("en")
    plt.close("all")


def _glyph_warnings_of_a_korean_figure():
    """Draw a figure with Korean (and a negative tick label) and render it."""
    fig, ax = plt.subplots()
    ax.plot([-1, 0, 1], [1, 0, 1], label="특성 맵의 응답")
    ax.set_title("합성곱 층의 수용장 −3 × 3")
    ax.set_xlabel("입력의 이동 (픽셀)")
    ax.set_ylabel("출력의 상대 변화")
    ax.legend()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if MISSING_GLYPH in str(w.message)]


def test_korean_style_draws_every_glyph():
    style.set_style(language="ko")
    assert mpl.rcParams["font.sans-serif"][:2] == ["DejaVu Sans", style.KOREAN_FONT]
    assert _glyph_warnings_of_a_korean_figure() == []


def _logged_font_problems_of_a_korean_figure(caplog):
    """Mathtext ticks (a log scale's 10^-2) and a bold title: matplotlib logs these."""
    fig, ax = plt.subplots()
    ax.semilogy([1, 2, 3], [1e-3, 1e-2, 1e-1])
    ax.set_title("손실(로그 척도)", fontweight="bold")
    with caplog.at_level("WARNING", logger="matplotlib"):
        fig.canvas.draw()
    plt.close(fig)
    return [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")]


def test_korean_style_draws_log_ticks_and_bold_titles(caplog):
    style.set_style(language="ko")
    assert _logged_font_problems_of_a_korean_figure(caplog) == []


def test_with_nanumgothic_first_a_log_tick_loses_its_minus(caplog):
    # the check above can fail: NanumGothic has no U+2212, which mathtext asks the first font for
    style.set_style(language="ko")
    mpl.rcParams["font.family"] = [style.KOREAN_FONT, "DejaVu Sans"]
    logged = _logged_font_problems_of_a_korean_figure(caplog)
    assert any("does not have a glyph" in message for message in logged), logged


def test_without_the_korean_style_hangul_is_missing():
    # the check above can fail: matplotlib's own fonts have no Hangul
    style.set_style()
    warned = _glyph_warnings_of_a_korean_figure()
    assert warned and all("Glyph" in message for message in warned), warned


def test_the_english_style_puts_the_font_back():
    default = list(mpl.rcParams["font.sans-serif"])
    style.set_style(language="ko")
    style.set_style(language="ko")  # twice: still one Korean font in front
    assert mpl.rcParams["font.sans-serif"].count(style.KOREAN_FONT) == 1
    style.set_style(language="en")
    assert list(mpl.rcParams["font.sans-serif"]) == default


def test_set_style_without_arguments_changes_no_font():
    # the English lessons' committed figures depend on it
    fonts = (mpl.rcParams["font.family"], list(mpl.rcParams["font.sans-serif"]))
    style.set_style()
    assert (mpl.rcParams["font.family"], list(mpl.rcParams["font.sans-serif"])) == fonts
    assert mpl.rcParams["image.interpolation"] == "nearest"


def test_set_style_follows_the_lesson_language():
    language.set_language("ko")
    style.set_style()
    assert mpl.rcParams["font.sans-serif"][:2] == ["DejaVu Sans", style.KOREAN_FONT]


def test_the_font_is_found_without_importing_its_package():
    # importing koreanize_matplotlib would restyle matplotlib (and needs distutils)
    sys.modules.pop("koreanize_matplotlib", None)
    path = style.korean_font_path()
    assert path.name == "NanumGothic.ttf" and path.is_file()
    style.register_korean_font()
    assert "koreanize_matplotlib" not in sys.modules


def test_a_missing_font_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(style, "_KOREAN_FONT_PACKAGE", "no_such_font_package")
    fonts = list(mpl.rcParams["font.sans-serif"])
    with pytest.raises(ModuleNotFoundError, match="pip install koreanize-matplotlib"):
        style.set_style(language="ko")
    assert list(mpl.rcParams["font.sans-serif"]) == fonts  # nothing changed


@pytest.mark.parametrize(("value", "error"), [("kr", ValueError), ("", ValueError), (1, TypeError)])
def test_bad_language_is_a_clear_error(value, error):
    with pytest.raises(error, match="language must be"):
        style.set_style(language=value)
    with pytest.raises(error, match="language must be"):
        language.set_language(value)
    assert language.get_language() == "en"


def test_the_language_setting():
    assert language.get_language() == "en"
    assert language.set_language("ko") == "ko" == language.get_language()
    assert vz.style.set_style is style.set_style
