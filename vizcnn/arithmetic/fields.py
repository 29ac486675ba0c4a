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

Every step is an :class:`~vizcnn.arithmetic.geometry.AxisGeometry`, with ``padding="same"``
resolved as TensorFlow does (the extra zero *after*); with ``strides > 1`` that split
depends on the input size, so when the size is unknown ``start`` is ``None``, not a guess.
Merges (``Add``, ``Concatenate``) take the union of their inputs' fields.

The formulas above describe an infinite grid. Near the border a layer may drop rows
(``valid`` padding with a stride that does not fit, ``Cropping2D``) and a later layer pad
them back with zeros, so the *theoretical* box clipped to the image can hold pixels no path
reaches. The graph walk traces one unit back through the real grids instead and
gives the exact pixels, one axis at a time (:meth:`AxisGeometry.inputs_read`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vizcnn.arithmetic.geometry import AxisGeometry
from vizcnn.validation import check_position

__all__ = [
    "AxisField",
    "ReceptiveField",
    "apply_window",
    "input_axis",
    "union_axes",
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


def input_axis(grid: int | None) -> AxisField:
    """The field of the input pixels themselves: size 1, jump 1, pixel ``i`` at ``i``."""
    return AxisField(size=1, jump=1, start=0, grid=grid)


def apply_window(axis: AxisField, window: AxisGeometry) -> AxisField:
    """The field after ``window`` (one axis), from the field ``axis`` of its input."""
    size = None if axis.size is None else axis.size + (window.span - 1) * axis.jump
    if axis.start is None or window.pad_before is None:
        start = None
    else:
        start = _tidy(axis.start + ((window.span - 1) / 2 - window.pad_before) * axis.jump)
    return AxisField(size, axis.jump * window.strides, start, window.output_size)


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


def _clip(box, input_size):
    clipped = []
    for (lo, hi), n in zip(box, input_size, strict=True):
        lo, hi = max(lo, 0), hi if n is None else min(hi, n - 1)
        if lo > hi:
            return None
        clipped.append((lo, hi))
    return tuple(clipped)
