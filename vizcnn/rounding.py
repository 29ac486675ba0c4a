"""Numbers as a lesson prints them: only the digits that hold on every CPU.

Another CPU, instruction set or batch size makes oneDNN add float32 sums in another
order, so a computed number moves in its last digits (a gradient norm of a 56-layer
network at initialisation moved from 137 to 138 between an AMD and an Intel CPU). A lesson
prints what the learner reads, and its committed outputs are compared strictly, so it
prints the digits that survive that move, and asserts the claim it makes from them.
No TensorFlow here.
"""

from __future__ import annotations

import math

from vizcnn import validation


def significant(x, digits: int = 2) -> str:
    """``x`` rounded to ``digits`` significant digits, written without an exponent.

    Parameters
    ----------
    x : float
        A finite number.
    digits : int, default=2
        Significant digits to keep, ``>= 1``.

    Returns
    -------
    str
        For example ``significant(138.4) == "140"``, ``significant(0.8417) == "0.84"``,
        ``significant(3.03) == "3.0"``, ``significant(12345, 3) == "12,300"``.
    """
    x = _finite(x, "x")
    digits = validation.check_int(digits, "digits", minimum=1, maximum=17)
    if x == 0:
        return "0" if digits == 1 else "0." + "0" * (digits - 1)
    exponent = math.floor(math.log10(abs(float(f"{x:.{digits}g}"))))
    places = digits - 1 - exponent  # negative: round to tens, hundreds, ...
    return f"{round(x, places):,.{max(places, 0)}f}"


def power_of_ten_below(x) -> int:
    """The largest power of ten not above ``x`` (``x >= 1``): ``2_387_190 -> 1_000_000``.

    For claims such as "the loss fell more than a millionfold", which hold while the
    exact factor moves from one CPU to another.
    """
    x = _finite(x, "x")
    if x < 1:
        raise ValueError(f"x must be at least 1 for a power of ten below it; got {x!r}")
    power = 10 ** math.floor(math.log10(x))
    return power * 10 if power * 10 <= x else power  # log10 may round just below an integer


def _finite(x, name: str) -> float:
    # NumPy and TensorFlow scalars convert; text, bools and arrays of several values don't
    if isinstance(x, (bool, str, bytes)) or not hasattr(x, "__float__") or getattr(x, "ndim", 0):
        raise TypeError(f"{name} must be a real number; got {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x!r}")
    return x
