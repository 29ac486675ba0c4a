"""Mosaics: many small panels drawn as ONE image on one Axes.

Thirty-two separate Axes cost matplotlib ~1 s to create and lay out; one mosaic image
with NaN gutters costs a few milliseconds, and updates in place with ``set_data``.
The displays that do draw one Axes per image share :func:`given_axes`.
"""

from __future__ import annotations

import math

import numpy as np

from vizcnn.display._axes import check_ax, check_axes
from vizcnn.validation import check_positive_int

GAP = 1  # gutter between panels, in pixels of the panels themselves


def grid_shape(n: int, ncols: int | None = None, *, aspect: float = 1.0) -> tuple[int, int]:
    """Rows and columns for ``n`` panels, each ``aspect`` = height / width."""
    if ncols is None:  # a wide mosaic (about 5:2), with as few empty slots as possible
        ideal = math.sqrt(n * aspect * 2.5)
        candidates = range(max(1, math.floor(ideal) - 2), min(n, math.ceil(ideal) + 2) + 1)
        ncols = min(candidates, key=lambda c: c * math.ceil(n / c) - n + abs(c - ideal))
    ncols = check_positive_int(ncols, "ncols")
    return math.ceil(n / ncols), ncols


class Mosaic:
    """Where each panel sits in a mosaic of ``nrows x ncols`` panels of ``h x w`` pixels."""

    def __init__(self, nrows: int, ncols: int, h: int, w: int, *, row_gap=GAP, col_gap=GAP):
        self.nrows, self.ncols, self.h, self.w = nrows, ncols, h, w
        self.row_gap, self.col_gap = row_gap, col_gap
        self.height = nrows * h + (nrows - 1) * row_gap
        self.width = ncols * w + (ncols - 1) * col_gap

    def origin(self, row: int, col: int) -> tuple[int, int]:
        return row * (self.h + self.row_gap), col * (self.w + self.col_gap)

    def slices(self, row: int, col: int) -> tuple[slice, slice]:
        top, left = self.origin(row, col)
        return slice(top, top + self.h), slice(left, left + self.w)

    def assemble(self, panels, positions, depth: int | None = None) -> np.ndarray:
        """Place ``panels[i]`` at ``positions[i] = (row, col)``; gutters are NaN."""
        shape = (self.height, self.width) if depth is None else (self.height, self.width, depth)
        mosaic = np.full(shape, np.nan, dtype="float32")
        for panel, (row, col) in zip(panels, positions, strict=True):
            mosaic[self.slices(row, col)] = panel
        return mosaic

    def extract(self, mosaic, row: int, col: int) -> np.ndarray:
        return np.asarray(mosaic)[self.slices(row, col)]


def new_axes(ax, *, width_px: int, height_px: int, scale: float, extra_width: float = 0.0):
    """Use ``ax`` or make a figure sized so one mosaic pixel is ``scale`` inches."""
    import matplotlib.pyplot as plt

    if check_ax(ax) is not None:
        return ax.figure, ax
    figsize = (width_px * scale + extra_width + 0.4, height_px * scale + 0.7)
    fig, ax = plt.subplots(figsize=figsize, layout="none")
    fig.subplots_adjust(
        left=0.02,
        right=1 - (extra_width + 0.1) / figsize[0],
        bottom=0.02,
        top=1 - 0.55 / figsize[1],
    )
    return fig, ax


def given_axes(ax, n: int):
    """The figure of ``ax`` and ``ax`` as an object array, checked to hold ``n`` Axes.

    For the displays that draw one image per Axes into Axes the caller made.
    """
    axes = check_axes(ax, count=n)
    return axes.flat[0].figure, axes


def bare(ax) -> None:
    """An image panel needs no ticks or frame."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)


def transparent_gutters(cmap):
    """``cmap`` (name or Colormap) with NaN drawn transparent, so gutters stay empty."""
    import matplotlib as mpl

    base = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    return base.with_extremes(bad=(0, 0, 0, 0))
