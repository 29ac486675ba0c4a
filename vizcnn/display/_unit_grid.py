"""The thumbnail grid of the unit-response displays (``unit_response``): drawn once,
then changed in place by their ``update``."""

from __future__ import annotations

import math

import numpy as np

from vizcnn.display._axes import check_axes
from vizcnn.display.images import ImageGridDisplay
from vizcnn.display.screen import screen_image
from vizcnn.validation import check_int, check_value_range

_THUMBNAIL = 1.6  # inches per image
_TITLE = 0.4  # inches the figure grows by per line of its overall title


def value_range_of(value_range, images) -> tuple[float, float]:
    """``(low, high)`` checked, or the images' own range when None."""
    if value_range is None:
        low, high = float(np.min(images)), float(np.max(images))
        return (low, high) if high > low else (low, low + 1.0)
    return check_value_range(value_range)


def draw_grid(display, titles, *, ax, ncols, cmap, value_range) -> None:
    """Draw the display's ``images_`` one Axes each, grey ones from black at
    ``value_range[0]`` to white at ``value_range[1]``; set its ``figure_``, ``axes_``,
    ``titles_`` and ``image_artists_``."""
    images, (low, high) = display.images_, value_range
    drawable = [screen_image(image, value_range=value_range) for image in images]
    grid = ImageGridDisplay.from_result(
        drawable, titles=titles, ax=_axes(ax, len(images), ncols), cmap=cmap, vmin=low, vmax=high
    )
    display.figure_, display.axes_, display.titles_ = grid.figure_, grid.axes_, grid.titles_
    display.image_artists_ = grid.images_


def _axes(ax, n: int, ncols):
    """``ax`` as given, or a new grid of thumbnails: about square, at most 8 across."""
    if ax is not None:
        return check_axes(ax, count=n)
    import matplotlib.pyplot as plt

    ncols = (
        min(8, math.ceil(math.sqrt(n))) if ncols is None else check_int(ncols, "ncols", minimum=1)
    )
    nrows = math.ceil(n / ncols)
    _, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(_THUMBNAIL * ncols + 0.2, (_THUMBNAIL + 0.3) * nrows + 0.1),
        squeeze=False,
        layout="constrained",
    )
    return axes


def suptitle(figure, title: str) -> None:
    width, height = figure.get_size_inches()
    figure.set_size_inches(width, height + _TITLE * (title.count("\n") + 1))
    figure.suptitle(title, fontsize=10)


def redraw_grid(display, titles, *, value_range) -> None:
    """Change the images and titles :func:`draw_grid` drew for ``display``, in place, to
    its ``images_`` (as many as drawn), grey ones on ``value_range``."""
    for artist, image in zip(display.image_artists_, display.images_, strict=True):
        artist.set_data(screen_image(image, value_range=value_range))
        if image.shape[-1] != 3:
            artist.set_clim(*value_range)
    for title, words in zip(display.titles_, titles, strict=True):
        title.set_text(words)


def check_drawn(display) -> None:
    """``update`` changes what ``plot`` drew: a RuntimeError before that."""
    if not hasattr(display, "image_artists_"):
        raise RuntimeError("update() needs the images drawn: call plot() first")


def check_same_count(display, images, what: str) -> None:
    """``update`` reuses the artists: as many images as drawn, or a ValueError."""
    drawn = len(display.image_artists_)
    if len(images) != drawn:
        raise ValueError(
            f"{what} must hold the {drawn} images drawn, got {len(images)}: "
            "plot a new display for another number"
        )
