"""vz.setup_lesson: the lessons' first cell, as one call."""

import random

import matplotlib as mpl
import numpy as np
import pytest

import vizcnn as vz
from vizcnn import language as edition
from vizcnn import style


@pytest.fixture(autouse=True)
def determinism_calls(monkeypatch):
    """Calls to enable_op_determinism, which is spied on: left on, it would change every
    later test of the session; the style is restored for the same reason."""
    tf = vz.import_tensorflow()
    calls = []
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: calls.append(1))
    with mpl.rc_context():
        yield calls


def test_prints_the_versions_and_returns_tensorflow(capsys):
    tf = vz.setup_lesson(seed=0)
    assert tf.__name__ == "tensorflow"
    out = capsys.readouterr().out
    # the exact line the lessons' first cell stores as its output
    assert out == f"TensorFlow {tf.__version__}, Keras {tf.keras.__version__}\n"


def test_seeds_python_numpy_and_tensorflow(capsys):
    def draws():
        # the global NumPy generator is the one keras.utils.set_random_seed seeds
        numpy_draw = np.random.random()  # noqa: NPY002
        return random.random(), numpy_draw, float(tf.random.uniform(()))

    tf = vz.setup_lesson(seed=7)
    first = draws()
    vz.setup_lesson(seed=7)
    assert draws() == first
    vz.setup_lesson(seed=8)
    assert draws() != first


def test_applies_the_style_and_asks_for_determinism(capsys, determinism_calls):
    mpl.rcParams["image.interpolation"] = "bilinear"
    vz.setup_lesson()
    assert mpl.rcParams["image.interpolation"] == "nearest"  # the lessons' style
    assert determinism_calls == [1]


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (1.5, TypeError, "seed must be an int"),
        (True, TypeError, "seed must be an int"),
        ("42", TypeError, "seed must be an int"),
        (-1, ValueError, r"seed must be .*0.*got -1"),
        (2**32, ValueError, r"seed must be .*4294967295.*got 4294967296"),
    ],
)
def test_bad_seed(seed, error, match, determinism_calls, capsys):
    with pytest.raises(error, match=match):
        vz.setup_lesson(seed=seed)
    assert determinism_calls == [] and capsys.readouterr().out == ""  # refused up front


def test_numpy_integer_seed_is_accepted(capsys):
    vz.setup_lesson(seed=np.int64(5))
    first = np.random.random()  # noqa: NPY002 - the global generator is what is seeded
    vz.setup_lesson(seed=5)
    assert np.random.random() == first  # noqa: NPY002


@pytest.fixture
def lesson_language():
    """The lesson language is global: put it (and the style) back after the test."""
    before = edition.get_language()
    yield
    edition.set_language(before)
    style.set_style("en")


def test_the_korean_edition_sets_the_language_and_a_korean_font(capsys, lesson_language):
    tf = vz.setup_lesson(language="ko")
    assert edition.get_language() == "ko"
    assert style.KOREAN_FONT in mpl.rcParams["font.family"][:2]
    # the same first line as the English edition
    assert capsys.readouterr().out == f"TensorFlow {tf.__version__}, Keras {tf.keras.__version__}\n"
    vz.setup_lesson()  # the English edition again: English, matplotlib's own font
    assert edition.get_language() == "en"
    assert style.KOREAN_FONT not in mpl.rcParams["font.family"]


def test_the_english_edition_is_the_default(capsys, lesson_language):
    family = list(mpl.rcParams["font.family"])
    vz.setup_lesson()
    assert edition.get_language() == "en" and list(mpl.rcParams["font.family"]) == family


@pytest.mark.parametrize(
    ("language", "error"), [("kr", ValueError), ("KO", ValueError), (None, TypeError)]
)
def test_bad_language(language, error, determinism_calls, capsys, lesson_language):
    with pytest.raises(error, match=r"language must be .*'en'.*'ko'"):
        vz.setup_lesson(language=language)
    assert determinism_calls == [] and capsys.readouterr().out == ""  # refused up front
    assert edition.get_language() == "en"
