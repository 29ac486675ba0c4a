"""One look for every lesson figure (matplotlib only, no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

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


def set_style() -> None:
    """Apply the lessons' matplotlib style (sizes, pixel-exact images, quiet spines)."""
    mpl.rcParams.update(_RC)


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
