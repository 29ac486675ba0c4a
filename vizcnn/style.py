"""One look for every lesson figure (matplotlib only, no TensorFlow)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib as mpl

from vizcnn.language import check_language, get_language

# Colour maps used across displays, named once so every lesson agrees.
SIGNED_CMAP = "RdBu_r"  # weights and activations that can be negative: 0 is white
ACTIVATION_CMAP = "viridis"  # non-negative feature maps
IMAGE_CMAP = "gray"

_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.figsize": (8, 4.5),
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.interpolation": "nearest",  # pixels stay pixels: no smoothing of feature maps
    "image.cmap": ACTIVATION_CMAP,
    "legend.frameon": False,
}


#: The Korean edition's font: NanumGothic, shipped by the ``koreanize-matplotlib`` package
#: (a dependency). matplotlib's own fonts have no Hangul.
KOREAN_FONT = "NanumGothic"
_KOREAN_FONT_PACKAGE = "koreanize_matplotlib"
_KOREAN_FONT_FILE = Path("fonts") / "NanumGothic.ttf"
# matplotlib's own DejaVu Sans first, NanumGothic for what it lacks (Hangul): text falls
# back along the family list glyph by glyph, but mathtext (a log scale's 10^-2 ticks) uses
# the first font alone, and NanumGothic has no U+2212 MINUS SIGN.
_KOREAN_FAMILY = ["DejaVu Sans", KOREAN_FONT]
# what the Korean style changed, so that the English style can put it back
_KOREAN_KEYS = ("font.family", "font.sans-serif")
_before_korean: dict | None = None


def korean_font_path() -> Path:
    """The NanumGothic font file that ``koreanize-matplotlib`` ships.

    The package is located, not imported: importing it changes matplotlib's settings
    (its import calls ``koreanize()``), and the lessons choose their font themselves.

    Raises
    ------
    ModuleNotFoundError
        If ``koreanize-matplotlib`` is not installed (``pip install koreanize-matplotlib``).
    """
    spec = importlib.util.find_spec(_KOREAN_FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the Korean lessons' font comes from the koreanize-matplotlib package, which is "
            "not installed: pip install koreanize-matplotlib",
            name=_KOREAN_FONT_PACKAGE,
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / _KOREAN_FONT_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(f"koreanize-matplotlib has no {_KOREAN_FONT_FILE}: reinstall it")


def register_korean_font() -> str:
    """Add NanumGothic to matplotlib's font manager (once); returns its family name."""
    from matplotlib import font_manager

    path = korean_font_path()
    known = {Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    # every weight the package ships (Bold for bold titles), not only the regular one
    for weight in sorted(path.parent.glob("NanumGothic*.ttf")):
        if weight not in known:
            font_manager.fontManager.addfont(str(weight))
    return KOREAN_FONT


def set_style(language: str | None = None) -> None:
    """Apply the lessons' matplotlib style (sizes, pixel-exact images, quiet spines).

    Parameters
    ----------
    language : {"en", "ko"}, optional
        The lesson's language; by default the one :func:`vizcnn.language.get_language`
        returns (``"en"`` unless a lesson set it). ``"ko"`` also selects a font with Hangul
        (NanumGothic, from the ``koreanize-matplotlib`` package), so that Korean titles,
        labels and legends do not turn into missing-glyph boxes. ``"en"`` leaves the font
        as matplotlib has it, and puts back what an earlier ``"ko"`` changed.

    Raises
    ------
    ValueError
        If ``language`` is not ``"en"`` or ``"ko"``.
    """
    global _before_korean
    language = get_language() if language is None else check_language(language)
    if language == "ko":
        register_korean_font()  # before anything changes: a missing package changes nothing
    mpl.rcParams.update(_RC)
    korean_now = list(mpl.rcParams["font.sans-serif"][:2]) == _KOREAN_FAMILY
    if language == "ko":
        if not korean_now:
            _before_korean = {key: mpl.rcParams[key] for key in _KOREAN_KEYS}
            sans = [f for f in mpl.rcParams["font.sans-serif"] if f not in _KOREAN_FAMILY]
            mpl.rcParams["font.sans-serif"] = [*_KOREAN_FAMILY, *sans]
        # named, not "sans-serif": matplotlib falls back glyph by glyph only along the
        # families named in font.family (a generic name resolves to one font)
        mpl.rcParams["font.family"] = [*_KOREAN_FAMILY, "sans-serif"]
    else:
        if korean_now and _before_korean is not None:
            mpl.rcParams.update(_before_korean)  # what the Korean style replaced
        _before_korean = None


def save_fig(fig, path, **kwargs) -> Path:
    """Save ``fig`` (a Figure or anything with ``figure_``) to ``path``, creating folders.

    Returns
    -------
    pathlib.Path
        Where the figure was written.
    """
    figure = getattr(fig, "figure_", fig)
    if not hasattr(figure, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure or a display, got {type(fig).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, **kwargs)
    return path
