"""Convolution and pooling arithmetic: output sizes and TensorFlow's ``same`` padding.

Pure Python and NumPy (no TensorFlow): these functions say *before* running a
layer what shape ``keras.layers.Conv2D``, ``MaxPool2D`` and ``AveragePooling2D`` will
return, and how ``padding="same"`` splits its zeros.

Every function takes either plain ``int`` sizes (one axis) or tuples with one entry per
spatial axis, e.g. ``(height, width)``; an ``int`` next to a tuple is used for every axis,
as Keras does. With tuples the result is a tuple too.

Conventions (all TensorFlow's, checked against Keras in ``tests/test_arithmetic.py``):

- A dilated kernel spans ``dilation_rate * (kernel_size - 1) + 1`` input cells.
- ``valid``: no padding; the window only visits whole positions, so up to ``strides - 1``
  (plus any shortfall of the last window) trailing cells are silently dropped.
- ``same``: ``ceil(input_size / strides)`` outputs; the padding needed is split with the
  smaller half *before* and the extra cell, when the total is odd, *after*.
- Pooling layers use ``strides=None``, which means "the kernel (pool) size", as
  ``MaxPool2D(pool_size)`` does by default. Convolutions default to ``strides=1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizcnn.validation import check_one_of, check_positive_int

__all__ = [
    "AxisGeometry",
    "axis_window",
    "explicit_padding",
    "conv_geometry",
    "conv_output_size",
    "dropped_cells",
    "same_padding",
]

PADDINGS = ("valid", "same")
# What one axis of a layer's window may use: Keras' 1-D convolutions also take "causal"
# (every zero before the sequence, so unit t reads steps t and earlier only).
AXIS_PADDINGS = (*PADDINGS, "causal")


def conv_output_size(input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
    """Output size of a convolution or pooling layer, exactly as Keras computes it.

    Parameters
    ----------
    input_size : int or tuple of int
        Input size along each spatial axis (``(height, width)`` for images).
    kernel_size : int or tuple of int
        Kernel size (``pool_size`` for pooling layers).
    strides : int, tuple of int or None, default=1
        Step between neighbouring windows. ``None`` means ``kernel_size``, the default
        of Keras' pooling layers.
    padding : {"valid", "same"}, default="valid"
        ``"valid"``: no padding; ``"same"``: zeros so that the output has
        ``ceil(input_size / strides)`` cells. Case-insensitive, like Keras.
    dilation_rate : int or tuple of int, default=1
        Spacing between the kernel's taps (1 = an ordinary, dense kernel).

    Returns
    -------
    int or tuple of int
        The output size: an ``int`` when every argument is an ``int``, else a tuple.

    Raises
    ------
    ValueError
        For sizes below 1 or not integers, an unknown ``padding``, tuples of different
        lengths, a (dilated) kernel larger than a ``valid`` input, or ``strides > 1``
        together with ``dilation_rate > 1`` (Keras' ``Conv2D`` rejects that too).

    Examples
    --------
    >>> conv_output_size(70, 3)
    68
    >>> conv_output_size((70, 120), 3, strides=2, padding="same")
    (35, 60)
    >>> conv_output_size(7, 2, strides=None)  # MaxPool2D(2): the last row is dropped
    3
    """
    axes = _axes(input_size, kernel_size, strides, padding, dilation_rate)
    return _unpack([a.output_size for a in axes], axes.scalar)


def same_padding(input_size, kernel_size, *, strides=1, dilation_rate=1):
    """How ``padding="same"`` splits its zeros: ``(before, after)`` per axis.

    TensorFlow pads ``total = max((out - 1) * strides + span - input_size, 0)`` cells,
    where ``out = ceil(input_size / strides)`` and ``span`` is the dilated kernel's extent;
    ``before = total // 2`` and ``after = total - before``, so an odd total puts the extra
    cell *after* (bottom / right). (Some other libraries put it before.)

    Parameters
    ----------
    input_size, kernel_size, strides, dilation_rate
        As in :func:`conv_output_size` (``strides=None`` means ``kernel_size``).

    Returns
    -------
    tuple
        ``(before, after)`` for ``int`` arguments; with tuples, one ``(before, after)``
        pair per axis, e.g. ``((top, bottom), (left, right))`` -- the format
        ``keras.layers.ZeroPadding2D(padding=...)`` takes.

    Examples
    --------
    >>> same_padding(70, 3)
    (1, 1)
    >>> same_padding(70, 4)  # odd total: the extra zero goes after
    (1, 2)
    >>> same_padding((5, 6), 3, strides=2)
    ((1, 1), (0, 1))
    """
    axes = _axes(input_size, kernel_size, strides, "same", dilation_rate)
    return _unpack([(a.pad_before, a.pad_after) for a in axes], axes.scalar)


def dropped_cells(input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
    """Trailing input cells that no window reaches (silently ignored by the layer).

    With ``valid`` padding and ``strides > 1`` the last window often stops short of the
    end; ``same`` padding can drop cells too when the stride is larger than the kernel.

    Parameters
    ----------
    input_size, kernel_size, strides, padding, dilation_rate
        As in :func:`conv_output_size`.

    Returns
    -------
    int or tuple of int
        Number of cells at the end (bottom / right) of each axis that no window covers.

    Examples
    --------
    >>> dropped_cells(7, 2, strides=2)
    1
    """
    axes = _axes(input_size, kernel_size, strides, padding, dilation_rate)
    return _unpack([a.dropped for a in axes], axes.scalar)


@dataclass(frozen=True)
class AxisGeometry:
    """Everything about one spatial axis of a window: convolution, pooling, padding, cropping.

    Coordinates are input coordinates: ``0 .. input_size - 1`` are real cells, negative
    ones and those ``>= input_size`` are padding. This one class serves the output-size
    arithmetic, the diagrams and the receptive-field recurrences
    (:mod:`vizcnn.arithmetic.fields`); ``ZeroPadding2D`` is a kernel of 1 with
    ``padding="explicit"`` and ``Cropping2D`` the same with negative padding.

    Attributes
    ----------
    input_size : int or None
        Cells along this axis (``None``: not fixed by the model).
    kernel_size, strides, dilation_rate : int
        The settings (``strides`` already resolved from ``None``).
    padding : str
        ``"valid"``, ``"same"``, ``"causal"`` (1-D convolutions) or ``"explicit"``.
    pad_before, pad_after : int or None
        Padding cells before (top / left) and after (bottom / right); negative for
        cropping; ``None`` when they depend on an unknown input size (``same``, stride > 1).
    output_size : int or None
        Number of output cells (``None`` when the input size is unknown).
    span : int
        Input cells covered by one dilated window: ``dilation_rate * (kernel_size - 1) + 1``.
    dropped : int or None
        Trailing real input cells that no window covers.
    """

    input_size: int | None
    kernel_size: int
    strides: int
    padding: str
    dilation_rate: int
    pad_before: int | None
    pad_after: int | None
    output_size: int | None
    dropped: int | None

    @property
    def span(self) -> int:
        return self.dilation_rate * (self.kernel_size - 1) + 1

    def window_start(self, index):
        """Input coordinate of the first tap of output cell ``index``."""
        return int(self.tap_coordinates([index])[0, 0])

    def taps(self, index):
        """Input coordinates read by output cell ``index`` (padding ones included)."""
        return tuple(int(t) for t in self.tap_coordinates([index])[0])

    def tap_coordinates(self, indices) -> np.ndarray:
        """Input coordinates of every tap of the output cells ``indices``: shape
        ``(len(indices), kernel_size)``, padding coordinates included."""
        if self.pad_before is None:
            raise ValueError(
                "where the windows start depends on the input size (same padding with "
                "strides > 1); give the input size"
            )
        indices = np.asarray(indices, dtype=int).reshape(-1)
        if self.output_size is not None and indices.size:
            bad = indices[(indices < 0) | (indices >= self.output_size)]
            if bad.size:
                raise ValueError(
                    f"position must be in 0..{self.output_size - 1} on this axis, got {bad[0]}"
                )
        taps = np.arange(self.kernel_size) * self.dilation_rate
        return indices[:, None] * self.strides - self.pad_before + taps[None, :]

    def inputs_read(self, needed) -> np.ndarray:
        """Which real input cells the ``needed`` output cells read (padding excluded).

        Parameters
        ----------
        needed : array-like of bool, shape (output_size,)

        Returns
        -------
        np.ndarray of bool, shape (input_size,)
        """
        if self.input_size is None:
            raise ValueError("the exact field needs the input size; pass input_size=")
        taps = self.tap_coordinates(np.flatnonzero(needed)).ravel()
        read = np.zeros(self.input_size, dtype=bool)
        read[taps[(taps >= 0) & (taps < self.input_size)]] = True
        return read

    def read_cells(self):
        """Real input coordinates read by at least one tap of some window."""
        return [int(c) for c in np.flatnonzero(self.inputs_read(np.ones(self.output_size, bool)))]


def axis_window(input_size, kernel_size, *, strides, padding, dilation_rate=1) -> AxisGeometry:
    """The geometry of a convolution or pooling layer along one axis, input size optional.

    With ``input_size=None`` the output size is unknown; so is the ``same`` padding split
    when ``strides > 1`` (``pad_before``/``pad_after`` are ``None`` then, never guessed).
    ``padding`` is one of :data:`AXIS_PADDINGS`: ``"causal"`` as Keras' 1-D convolutions
    pad (every zero before the axis).
    """
    padding = check_one_of(padding, "padding", AXIS_PADDINGS, ignore_case=True)
    if padding == "causal":
        return _causal_axis(input_size, kernel_size, strides, dilation_rate)
    if input_size is not None:
        return conv_geometry(
            input_size, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
        )[0]
    kernel_size, strides, dilation_rate = _window_ints(kernel_size, strides, dilation_rate)
    span = dilation_rate * (kernel_size - 1) + 1
    if padding == "valid":
        before = after = 0
    elif strides == 1:
        # With stride 1 TensorFlow's split does not depend on the input size (always
        # span - 1 zeros), so any stand-in size gives the right answer.
        stand_in = conv_geometry(span, kernel_size, padding="same", dilation_rate=dilation_rate)
        before, after = stand_in[0].pad_before, stand_in[0].pad_after
    else:
        before = after = None
    return AxisGeometry(
        None, kernel_size, strides, padding, dilation_rate, before, after, None, None
    )


def _window_ints(kernel_size, strides, dilation_rate) -> tuple[int, int, int]:
    """The window's three numbers along one axis, each checked a positive int."""
    return (
        check_positive_int(kernel_size, "kernel_size"),
        check_positive_int(strides, "strides"),
        check_positive_int(dilation_rate, "dilation_rate"),
    )


def _causal_axis(input_size, kernel_size, strides, dilation_rate) -> AxisGeometry:
    """``padding="causal"`` (Keras' 1-D convolutions): all ``span - 1`` zeros before the
    axis, none after, then a ``valid`` window, so ``ceil(input_size / strides)`` outputs
    and output ``t`` reads nothing after input ``t * strides``. The split never depends on
    the input size."""
    kernel_size, strides, dilation_rate = _window_ints(kernel_size, strides, dilation_rate)
    before = dilation_rate * (kernel_size - 1)
    if input_size is None:
        return AxisGeometry(
            None, kernel_size, strides, "causal", dilation_rate, before, 0, None, None
        )
    n = check_positive_int(input_size, "input_size")
    padded = _axis(n + before, kernel_size, strides, dilation_rate, "valid", axis=None)
    dropped = max(n - ((padded.output_size - 1) * strides + 1), 0)
    return AxisGeometry(
        n, kernel_size, strides, "causal", dilation_rate, before, 0, padded.output_size, dropped
    )


def explicit_padding(input_size, before: int, after: int) -> AxisGeometry:
    """``ZeroPadding2D`` (positive ``before``/``after``) or ``Cropping2D`` (negative) on
    one axis: a window of one cell."""
    out = None if input_size is None else input_size + before + after
    if out is not None and out < 1:
        raise ValueError(f"cropping removes all {input_size} cells of an axis")
    return AxisGeometry(input_size, 1, 1, "explicit", 1, before, after, out, 0)


class _Axes(list):
    scalar = True


def conv_geometry(input_size, kernel_size, *, strides=1, padding="valid", dilation_rate=1):
    """The full per-axis geometry (padding, output size, window taps) of a layer.

    Takes the arguments of :func:`conv_output_size` and returns a list of
    :class:`AxisGeometry`, one entry per spatial axis (one entry for ``int`` arguments).
    """
    return list(_axes(input_size, kernel_size, strides, padding, dilation_rate))


def _axes(input_size, kernel_size, strides, padding, dilation_rate):
    """Validate the arguments and compute the geometry of every axis."""
    padding = check_one_of(padding, "padding", PADDINGS, ignore_case=True)
    args = {
        "input_size": input_size,
        "kernel_size": kernel_size,
        "strides": kernel_size if strides is None else strides,
        "dilation_rate": dilation_rate,
    }
    lengths = {len(v) for v in args.values() if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        given = ", ".join(f"{k}={v!r}" for k, v in args.items() if isinstance(v, (tuple, list)))
        raise ValueError(f"tuple arguments must have one entry per axis (same length): {given}")
    is_tuple = bool(lengths)
    n_axes = lengths.pop() if lengths else 1
    if n_axes == 0:
        empty = ", ".join(k for k, v in args.items() if isinstance(v, (tuple, list)))
        raise ValueError(f"{empty}: tuple arguments need at least one axis, got empty tuples")
    per_axis = {name: _per_axis(name, value, n_axes) for name, value in args.items()}
    # Keras' convolution layers refuse this pair (on any axes), so we do too.
    if max(per_axis["strides"]) > 1 and max(per_axis["dilation_rate"]) > 1:
        raise ValueError(
            "strides > 1 cannot be combined with dilation_rate > 1 (Keras rejects it too): "
            f"got strides={args['strides']!r}, dilation_rate={dilation_rate!r}"
        )
    axes = _Axes(
        _axis(*(per_axis[name][i] for name in args), padding, axis=i if is_tuple else None)
        for i in range(n_axes)
    )
    axes.scalar = not is_tuple
    return axes


def _axis(n, k, s, d, padding, *, axis):
    span = d * (k - 1) + 1
    if padding == "valid":
        if span > n:
            where = "" if axis is None else f" on axis {axis}"
            dilated = f" (dilated to span {span})" if d > 1 else ""
            raise ValueError(
                f"kernel_size {k}{dilated} is larger than input_size {n}{where}: "
                "with padding='valid' no window fits; use padding='same' or a smaller kernel"
            )
        out = (n - span) // s + 1
        before = after = 0
    else:
        out = -(-n // s)  # ceil(n / s) without floats
        total = max((out - 1) * s + span - n, 0)
        before, after = total // 2, total - total // 2
    last_read = (out - 1) * s - before + span  # one past the last window's last cell
    dropped = max(n - last_read, 0)
    return AxisGeometry(n, k, s, padding, d, before, after, out, dropped)


def _per_axis(name, value, n_axes):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n_axes
    return tuple(check_positive_int(v, name) for v in values)


def _unpack(values, scalar):
    return values[0] if scalar else tuple(values)
