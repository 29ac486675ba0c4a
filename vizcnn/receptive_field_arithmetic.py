"""Receptive-field arithmetic over plain layer specs (no TensorFlow).

One spatial axis at a time, a unit of a layer is described by three numbers
(Araujo, Norris & Sim, *Computing receptive fields of convolutional neural networks*,
Distill 2019):

- ``size``: how many input pixels the unit sees (its receptive field),
- ``jump``: how many input pixels lie between neighbouring units (the effective stride),
- ``start``: the input coordinate of the centre of unit 0 (may be ``x.5`` for even kernels,
  and negative when the field of unit 0 hangs over zero padding).

Every grid operation Keras has for images is a *window* ``(kernel, strides, dilation,
pad_before)``: convolution and pooling, but also ``ZeroPadding2D`` (kernel 1, ``pad_before``
= the padding) and ``Cropping2D`` (kernel 1, ``pad_before`` = minus the cropping). A window
maps a field like this (``span = dilation * (kernel - 1) + 1``)::

    size  = size_in + (span - 1) * jump_in
    jump  = jump_in * strides
    start = start_in + ((span - 1) / 2 - pad_before) * jump_in

``padding="same"`` is resolved with :func:`vizcnn.arithmetic.conv_geometry` (TensorFlow's
split, the extra zero *after*); with ``strides > 1`` it depends on the input size, so when
that size is unknown ``start`` is ``None`` instead of a guess. Merges (``Add``,
``Concatenate``) take the union of their inputs' fields.

The formulas above describe an infinite grid. Near the border a layer may drop rows
(``valid`` padding with a stride that does not fit, ``Cropping2D``) and a later layer pad
them back with zeros, so the *theoretical* box clipped to the image can hold pixels no path
reaches. :func:`window_inputs` walks one unit back through the real grids instead and
gives the exact pixels, one axis at a time.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vizcnn.arithmetic import conv_geometry

__all__ = [
    "AxisField",
    "ReceptiveField",
    "Window",
    "apply_window",
    "check_position",
    "conv_window",
    "input_axis",
    "pad_window",
    "union_axes",
    "window_inputs",
]


@dataclass(frozen=True)
class AxisField:
    """The receptive field of one layer's units along one axis.

    Attributes
    ----------
    size : int or None
        Input pixels one unit sees (``None`` only after merging fields whose offsets are
        unknown).
    jump : int
        Input pixels between neighbouring units.
    start : float or None
        Input coordinate of the centre of unit 0; ``None`` when it depends on an unknown
        input size.
    grid : int or None
        Number of units along this axis (``None`` when the input size is unknown).
    """

    size: int | None
    jump: int
    start: float | None
    grid: int | None


@dataclass(frozen=True)
class Window:
    """A convolution, pooling, padding or cropping step along one axis.

    ``pad_before`` is ``None`` when it cannot be known (``same`` padding, ``strides > 1``,
    unknown input size). Cropping is a negative ``pad_before``/``pad_after``.
    """

    kernel_size: int
    strides: int
    dilation_rate: int
    pad_before: int | None
    pad_after: int | None
    input_grid: int | None
    output_grid: int | None

    @property
    def span(self) -> int:
        return self.dilation_rate * (self.kernel_size - 1) + 1


def input_axis(grid: int | None) -> AxisField:
    """The field of the input pixels themselves: size 1, jump 1, pixel ``i`` at ``i``."""
    return AxisField(size=1, jump=1, start=0, grid=grid)


def conv_window(
    grid: int | None, kernel_size: int, *, strides: int, padding: str, dilation_rate: int = 1
) -> Window:
    """The :class:`Window` of a Keras convolution or pooling layer along one axis.

    Parameters
    ----------
    grid : int or None
        Input size along this axis (``None``: unknown).
    kernel_size, strides, dilation_rate : int
        The layer's settings along this axis (``pool_size`` for pooling).
    padding : {"valid", "same"}
        The layer's padding.
    """
    padding = padding.lower()
    if grid is not None:
        geometry = conv_geometry(
            grid, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
        )[0]
        return Window(
            kernel_size,
            strides,
            dilation_rate,
            geometry.pad_before,
            geometry.pad_after,
            grid,
            geometry.output_size,
        )
    if padding == "valid":
        before = after = 0
    elif strides == 1:
        # With stride 1 TensorFlow's split does not depend on the input size (always
        # span - 1 zeros), so any stand-in size gives the right answer.
        span = dilation_rate * (kernel_size - 1) + 1
        geometry = conv_geometry(
            span, kernel_size, strides=1, padding="same", dilation_rate=dilation_rate
        )[0]
        before, after = geometry.pad_before, geometry.pad_after
    else:
        before = after = None
    return Window(kernel_size, strides, dilation_rate, before, after, None, None)


def pad_window(grid: int | None, before: int, after: int) -> Window:
    """``ZeroPadding2D`` (positive) or ``Cropping2D`` (negative) along one axis."""
    out = None if grid is None else grid + before + after
    if out is not None and out < 1:
        raise ValueError(f"cropping removes all {grid} cells of an axis")
    return Window(1, 1, 1, before, after, grid, out)


def apply_window(axis: AxisField, window: Window) -> AxisField:
    """The field after ``window`` (one axis), from the field ``axis`` of its input."""
    size = None if axis.size is None else axis.size + (window.span - 1) * axis.jump
    if axis.start is None or window.pad_before is None:
        start = None
    else:
        start = _tidy(axis.start + ((window.span - 1) / 2 - window.pad_before) * axis.jump)
    return AxisField(size, axis.jump * window.strides, start, window.output_grid)


def union_axes(axes: list[AxisField], *, what: str = "merge") -> AxisField:
    """The union of the fields that a merge (``Add``, ``Concatenate``...) combines.

    Raises
    ------
    ValueError
        If the inputs have different jumps or grids: their units are not aligned, so
        "the same position" means different things in each branch.
    """
    jumps = {a.jump for a in axes}
    if len(jumps) > 1:
        raise ValueError(
            f"{what} merges branches with different jumps {sorted(jumps)}: their units "
            "are not aligned on the input, so no single receptive field describes them"
        )
    grids = {a.grid for a in axes if a.grid is not None}
    if len(grids) > 1:
        raise ValueError(f"{what} merges branches with different grid sizes {sorted(grids)}")
    grid = grids.pop() if grids else None
    if any(a.start is None or a.size is None for a in axes):
        sizes = {a.size for a in axes}
        if len(sizes) == 1 and len({a.start for a in axes}) == 1:
            return AxisField(axes[0].size, axes[0].jump, axes[0].start, grid)
        return AxisField(None, axes[0].jump, None, grid)  # offsets unknown: no guess
    lo = min(a.start - (a.size - 1) / 2 for a in axes)
    hi = max(a.start + (a.size - 1) / 2 for a in axes)
    return AxisField(int(round(hi - lo)) + 1, axes[0].jump, _tidy((lo + hi) / 2), grid)


def window_inputs(window: Window, needed: np.ndarray) -> np.ndarray:
    """Which input cells the needed output cells read (exact, padding excluded).

    Parameters
    ----------
    window : Window
        The step, with known ``pad_before`` and ``input_grid``.
    needed : np.ndarray of bool, shape (output_grid,)
        The output cells whose inputs we want.

    Returns
    -------
    np.ndarray of bool, shape (input_grid,)
        ``True`` where some tap of a needed output cell lands on a real input cell.
    """
    if window.pad_before is None or window.input_grid is None:
        raise ValueError("the exact field needs the input size; pass input_size=")
    units = np.flatnonzero(needed)
    taps = (
        units[:, None] * window.strides
        - window.pad_before
        + np.arange(window.kernel_size)[None, :] * window.dilation_rate
    ).ravel()
    taps = taps[(taps >= 0) & (taps < window.input_grid)]
    out = np.zeros(window.input_grid, dtype=bool)
    out[taps] = True
    return out


def _tidy(value: float) -> float | int:
    """Whole numbers as int, so tables show ``3`` rather than ``3.0``."""
    return int(value) if float(value).is_integer() else float(value)


@dataclass(frozen=True)
class ReceptiveField:
    """What the units of one layer see of the model's input, per axis ``(height, width)``.

    Attributes
    ----------
    size : tuple
        Input pixels one unit sees along each axis. For layers that mix all positions
        (``Flatten``, ``Dense``, global pooling) the whole input.
    jump : tuple of int or None
        Input pixels between neighbouring units (the effective stride); ``None`` for
        layers that mix all positions.
    start : tuple or None
        Input coordinate of the centre of unit ``(0, 0)``; an entry is ``None`` when it
        depends on an input size the model does not fix.
    grid : tuple or None
        The layer's output grid ``(units down, units across)``; entries ``None`` when
        unknown, ``None`` for layers without a grid.
    input_size : tuple
        The model's input ``(height, width)`` (entries ``None`` when not fixed).
    note : str
        Why something is unknown or global; empty otherwise.
    """

    size: tuple
    jump: tuple | None
    start: tuple | None
    grid: tuple | None
    input_size: tuple
    note: str = ""
    _locate: Callable | None = field(default=None, repr=False, compare=False)

    @property
    def is_global(self) -> bool:
        """Whether every unit sees the whole input (``Flatten``, ``Dense``, global pooling)."""
        return self.jump is None

    def _position(self, position):
        if self.is_global:
            if position is not None:
                raise ValueError(
                    "position must be None for a layer that mixes all positions "
                    f"(it has no grid), got {position!r}"
                )
            return None
        if position is None:
            if None in self.grid:
                raise ValueError("the layer's grid size is unknown: give position=(i, j)")
            return tuple(n // 2 for n in self.grid)
        return check_position(position, self.grid)

    def center(self, position=None) -> tuple:
        """Input coordinates ``(y, x)`` of the centre of the unit's field.

        ``position=None`` means the centre unit ``(grid_h // 2, grid_w // 2)``.
        """
        position = self._position(position)
        if position is None:
            return tuple((n - 1) / 2 for n in self.input_size)
        if self.start is None or None in self.start:
            raise ValueError(f"the field's offset is unknown: {self.note}")
        return tuple(
            _tidy(s + i * j) for s, i, j in zip(self.start, position, self.jump, strict=True)
        )

    def box(self, position=None) -> tuple:
        """The theoretical field of one unit: ``((top, bottom), (left, right))``, inclusive.

        Coordinates may lie outside the image (negative, or ``>= input_size``) where the
        field hangs over zero padding. ``position=None`` means the centre unit.
        """
        position = self._position(position)
        if position is None:
            return tuple((0, n - 1) for n in self.input_size)
        center = self.center(position)
        if None in self.size:
            raise ValueError(f"the field's size is unknown: {self.note}")
        return tuple(
            (int(round(c - (s - 1) / 2)), int(round(c + (s - 1) / 2)))
            for c, s in zip(center, self.size, strict=True)
        )

    def box_in_image(self, position=None):
        """The exact bounding box of the input pixels that can change the unit.

        Found by walking the unit back through every layer's real grid (padding and
        dropped border cells excluded), one axis at a time. It equals :meth:`box` clipped
        to the image except where a layer drops border cells that a later layer pads back.

        Returns
        -------
        tuple or None
            ``((top, bottom), (left, right))`` inclusive, or ``None`` when the unit sees
            only padding.
        """
        position = self._position(position)
        if self._locate is None:  # built by hand: no graph to walk, clip the box instead
            return _clip(self.box(position), self.input_size)
        return self._locate(position)


def check_position(position, grid) -> tuple:
    """``position`` as a tuple of two ints inside ``grid``, or a clear error."""
    if (
        not isinstance(position, (tuple, list, np.ndarray))
        or len(position) != 2
        or not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in position)
    ):
        raise TypeError(f"position must be a pair of ints (i, j), got {position!r}")
    position = tuple(int(p) for p in position)
    for axis, (p, n) in enumerate(zip(position, grid, strict=True)):
        if n is not None and not 0 <= p < n:
            raise ValueError(
                f"position {position} is outside the layer's {grid[0]}x{grid[1]} grid "
                f"(axis {axis} must be in 0..{n - 1})"
            )
    return position


def _clip(box, input_size):
    clipped = []
    for (lo, hi), n in zip(box, input_size, strict=True):
        lo, hi = max(lo, 0), hi if n is None else min(hi, n - 1)
        if lo > hi:
            return None
        clipped.append((lo, hi))
    return tuple(clipped)
