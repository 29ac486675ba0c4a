"""The one check of ``ax`` that every display runs, before it computes anything.

A display draws image panels, boxes and arrows on flat 2-D Axes. What else a learner
may pass (a string, a list where one Axes belongs, Axes of two figures, a 3-D or polar
Axes) used to reach matplotlib and fail there with an ``AttributeError``, or draw a
blank or distorted picture; here it is a ``TypeError`` / ``ValueError`` naming ``ax``.
``from_model`` calls these first, so a wrong ``ax`` costs no TensorFlow work.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_ax", "check_axes"]


def _one(ax, name: str):
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}"
        )
    # 3-D and polar Axes subclass Axes, but an image there is drawn on a plane in
    # perspective or warped around a circle: refuse them by their projection's name
    if ax.name != "rectilinear":
        raise ValueError(
            f"{name} must be an ordinary 2-D Axes, got one with projection {ax.name!r}: "
            "make it with plt.subplots() (no projection=...)"
        )
    return ax


def check_ax(ax, *, name: str = "ax"):
    """``ax`` if it is None or one flat 2-D Axes (for displays that draw on one Axes).

    Raises
    ------
    TypeError
        ``ax`` is not an Axes: a string, a list or array of Axes, a Figure.
    ValueError
        ``ax`` is a 3-D, polar or other projected Axes.
    """
    if ax is None:
        return None
    if isinstance(ax, (list, tuple, np.ndarray)):
        raise TypeError(
            f"{name} must be one matplotlib Axes, got a {type(ax).__name__} of them: "
            "this display draws on a single Axes (pass e.g. axes[0])"
        )
    return _one(ax, name)


def check_axes(
    ax, *, count: int | None = None, exact: bool = False, per: str = "image", name: str = "ax"
):
    """``ax`` (one Axes or array-like of Axes) as an object array, or None.

    Every Axes must be a flat 2-D Axes, and all must belong to one figure (the display
    stores one ``figure_``). With ``count``, ``ax`` must hold at least ``count`` Axes
    (exactly ``count`` when ``exact``): one Axes per ``per`` (image, panel, metric).

    Raises
    ------
    TypeError
        ``ax`` (or one of its items) is not an Axes.
    ValueError
        A projected Axes, Axes of two figures, or too few (or too many) Axes.
    """
    if ax is None:
        return None
    if isinstance(ax, (str, bytes)) or not (
        isinstance(ax, (list, tuple, np.ndarray)) or hasattr(ax, "figure")
    ):
        raise TypeError(
            f"{name} must be a matplotlib Axes or an array of them (e.g. from "
            f"plt.subplots(1, n)), got {type(ax).__name__}"
        )
    axes = np.empty(1, dtype=object) if hasattr(ax, "figure") else None
    if axes is not None:
        axes[0] = ax
    else:
        try:
            axes = np.asarray(ax, dtype=object)
        except ValueError as exc:  # ragged nesting
            raise TypeError(
                f"{name} must be an array of Axes, got a ragged {type(ax).__name__}"
            ) from exc
    for i, item in enumerate(axes.flat):
        _one(item, name if axes.size == 1 else f"{name}[{i}]")
    if axes.size == 0:
        raise ValueError(f"{name} must hold at least one Axes, got none")
    figures = {id(item.figure) for item in axes.flat}
    if len(figures) > 1:
        raise ValueError(
            f"{name} must hold Axes of one figure, got Axes of {len(figures)} figures: "
            "make them with one plt.subplots(...) call"
        )
    if count is not None:
        if exact and axes.size != count:
            raise ValueError(f"{name} must hold {count} Axes, one Axes per {per}, got {axes.size}")
        if axes.size < count:
            raise ValueError(
                f"{name} must hold at least {count} Axes (one per {per}), got {axes.size}"
            )
    return axes
