"""Checks of plain values: ints, numbers, bools, options, pairs, a ``position``, a pixel range."""

from __future__ import annotations

import math
import numbers

import numpy as np


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]``.

    Raises
    ------
    TypeError
        For anything that is not an integer (bools, floats and strings included).
    ValueError
        For an integer outside the range.
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {_shown(value)}")
    value = int(value)
    too_low = minimum is not None and value < minimum
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        if minimum is not None and maximum is not None:
            expected = f"in {minimum}..{maximum}"
        else:
            expected = f">= {minimum}" if too_low else f"<= {maximum}"
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def check_positive_int(value, name: str, *, maximum: int | None = None) -> int:
    """``value`` as an ``int >= 1`` (see :func:`check_int`)."""
    return check_int(value, name, minimum=1, maximum=maximum)


def check_number(
    value,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    below: float | None = None,
    above: float | None = None,
) -> float:
    """``value`` as a finite ``float``; ``minimum``/``maximum`` inclusive, ``above``/``below``
    exclusive bounds."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_shown(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    if above is not None and not value > above:
        raise ValueError(f"{name} must be > {above}, got {value}")
    if below is not None and not value < below:
        raise ValueError(f"{name} must be < {below}, got {value}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` as a ``bool`` (``True``/``False`` or a NumPy bool; not ``"no"`` or ``0``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {_shown(value)}")
    return bool(value)


def check_one_of(value, name: str, options, *, ignore_case: bool = False):
    """``value`` if it is one of ``options`` (strings compared case-blind on request)."""
    if ignore_case and isinstance(value, str):
        for option in options:
            if isinstance(option, str) and option.lower() == value.lower():
                return option
    elif value in options and not isinstance(value, (bool, np.bool_)):
        return value
    if not isinstance(value, str) and all(isinstance(o, str) for o in options):
        raise TypeError(
            f"{name} must be one of {', '.join(map(repr, options))}, "
            f"got {type(value).__name__} {_shown(value)}"
        )
    raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {_shown(value)}")


def check_ints(value, name: str, length: int, *, minimum: int = 1, what: str = "") -> tuple:
    """``value`` as a tuple of ``length`` ints, each ``>= minimum``."""
    what = what or f"a tuple of {length} ints"
    if not isinstance(value, (tuple, list, np.ndarray)):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {_shown(value)}")
    if len(value) != length:
        raise ValueError(f"{name} must be {what}, got {len(value)} values: {_shown(value)}")
    return tuple(check_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(value))


def check_figsize(figsize, name: str = "figsize") -> tuple:
    """``(width, height)`` in inches: two positive finite numbers."""
    if not isinstance(figsize, (tuple, list, np.ndarray)):
        raise TypeError(f"{name} must be a pair (width, height) of numbers, got {figsize!r}")
    if len(figsize) != 2:
        raise ValueError(f"{name} must be a pair (width, height), got {len(figsize)} values")
    return tuple(check_number(v, f"{name}[{i}]", above=0) for i, v in enumerate(figsize))


def check_value_range(value_range, name: str = "value_range") -> tuple[float, float]:
    """``(low, high)``, two finite numbers with ``low < high``: a range of pixel values."""
    if not isinstance(value_range, (tuple, list, np.ndarray)):
        raise TypeError(
            f"{name} must be a pair (low, high) of numbers, got "
            f"{type(value_range).__name__} {value_range!r:.60}"
        )
    if len(value_range) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {len(value_range)} values")
    low = check_number(value_range[0], f"{name}[0]")
    high = check_number(value_range[1], f"{name}[1]")
    if not low < high:
        raise ValueError(f"{name} must have low < high, got ({low}, {high})")
    return low, high


def check_int_pair(value, name: str, *, minimum: int = 1, allow_int: bool = True) -> tuple:
    """``value`` as ``(int, int)``; a single int means the same on both axes (Keras' way)."""
    if allow_int and _is_int(value):
        value = (value, value)
    what = "an int or a pair of ints" if allow_int else "a pair of ints"
    return check_ints(value, name, 2, minimum=minimum, what=what)


def check_position(position, grid, *, name: str = "position") -> tuple:
    """One unit of a layer's output grid, as ``(row, column)`` (``(t,)`` on a 1-D grid).

    Parameters
    ----------
    position : pair of int, int, or None
        ``None`` means the centre unit ``(rows // 2, columns // 2)``. On a 1-D grid (a
        ``grid`` of one entry) one step ``t``, as an int or ``(t,)``.
    grid : tuple of int or None
        The layer's output ``(rows, columns)``, or ``(steps,)``; entries ``None`` when
        unknown (then only the lower bound is checked, and ``None`` cannot be resolved).

    Raises
    ------
    TypeError
        For anything but a pair of integers (floats are not truncated).
    ValueError
        For a unit outside the grid (negative indices included: they do not count from the
        end here), or ``None`` on a grid of unknown size.
    """
    if position is None:
        if grid is None or None in tuple(grid):
            raise ValueError(f"{name}=None means the centre unit, but the grid size is unknown")
        return tuple(int(n) // 2 for n in grid)
    if grid is not None and len(tuple(grid)) == 1:
        return _check_step(position, tuple(grid)[0], name)
    if not isinstance(position, (tuple, list, np.ndarray)) or not all(_is_int(p) for p in position):
        raise TypeError(f"{name} must be a pair of ints (row, column) or None, got {position!r}")
    if len(position) != 2:
        raise ValueError(f"{name} must be a pair (row, column), got {len(position)} values")
    position = tuple(int(p) for p in position)
    for axis, (p, n) in enumerate(zip(position, grid, strict=True)):
        if p < 0 or (n is not None and p >= n):
            size = "x".join("?" if g is None else str(g) for g in grid)
            limit = "" if n is None else f"..{n - 1}"
            raise ValueError(
                f"{name} {position} is outside the {size} grid (axis {axis} must be in "
                f"0{limit}; negative indices are not allowed)"
            )
    return position


def _check_step(position, steps, name):
    """One unit of a 1-D layer's grid of ``steps`` units: an int ``t`` or ``(t,)``."""
    if _is_int(position):
        position = (position,)
    if not isinstance(position, (tuple, list, np.ndarray)) or not all(_is_int(p) for p in position):
        raise TypeError(
            f"{name} must be an int t (or (t,)) on a 1-D grid, or None, got {position!r}"
        )
    if len(position) != 1:
        raise ValueError(
            f"{name} must be one step t (or (t,)) on a 1-D grid, got {len(position)} values"
        )
    t = int(position[0])
    if t < 0 or (steps is not None and t >= steps):
        limit = "" if steps is None else f"..{steps - 1}"
        raise ValueError(
            f"{name} {t} is outside the grid of {'?' if steps is None else steps} steps (it "
            f"must be in 0{limit}; negative indices are not allowed)"
        )
    return (t,)
