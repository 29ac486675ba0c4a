"""Grids of small image panels, shared by the filter and feature-map displays."""

from __future__ import annotations

import math

import numpy as np


def grid_shape(n: int, ncols: int | None = None) -> tuple[int, int]:
    """Rows and columns for ``n`` panels: close to 16:9 unless ``ncols`` is given."""
    if ncols is None:
        ncols = min(n, max(1, math.ceil(math.sqrt(n * 16 / 9))))
    if ncols < 1:
        raise ValueError(f"ncols must be >= 1, got {ncols}")
    return math.ceil(n / ncols), ncols


def panel_axes(
    n: int, *, ax=None, ncols: int | None = None, panel_size: float = 1.3, aspect: float = 1.0
):
    """Return ``(figure, axes)`` with ``axes`` a 2-D array of at least ``n`` Axes.

    ``ax`` may be None (a new figure) or a sequence/array of existing Axes (at least
    ``n``). Unused panels are hidden. ``aspect`` is height / width of one panel's image,
    so a new figure wastes no space between wide panels.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        nrows, ncols = grid_shape(n, ncols)
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(panel_size * ncols + 0.8, panel_size * aspect * nrows + 0.3 * nrows + 0.5),
            squeeze=False,
        )
    else:
        axes = np.atleast_2d(np.asarray(ax, dtype=object))
        if axes.size < n:
            raise ValueError(f"ax must hold at least {n} Axes for {n} panels, got {axes.size}")
        fig = axes.flat[0].figure
    for extra in axes.flat[n:]:
        extra.set_visible(False)
    for panel in axes.flat[:n]:
        panel.set_xticks([])
        panel.set_yticks([])
        panel.spines[:].set_visible(False)  # an image needs no frame
    return fig, axes


def check_positive_int(value, argname: str):
    """Raise a clear error unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{argname} must be an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{argname} must be >= 1, got {value}")
    return int(value)
