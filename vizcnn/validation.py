"""Argument checks for every public entry point: one wording, one meaning per word.

Every check names the argument, says what was expected and what came, and raises
``TypeError`` for the wrong kind of value or ``ValueError`` for a wrong value of the right
kind, before any TensorFlow work starts. NumPy scalars count as the Python numbers they
hold (``np.int64(3)`` is an int); ``bool`` is never a number here, although Python says
``True == 1``.

Words that mean the same everywhere:

``position``
    One unit ``(row, column)`` on a layer's output grid: two non-negative integers inside
    the grid. ``None`` means the centre unit ``(rows // 2, columns // 2)``.
``layer``
    A layer object, or its name; ``"outer/inner"`` names a layer inside a nested model
    (the keys :func:`vizcnn.receptive_fields` returns where a name repeats).
``x``
    A batch of images ``(N, H, W, C)``, finite numbers. ``image`` is one ``(H, W, C)``.

This module imports no TensorFlow; the model checks import Keras when first called.
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

__all__ = [
    "check_array",
    "check_batch",
    "check_bool",
    "check_figsize",
    "check_image",
    "check_int",
    "check_int_pair",
    "check_labels",
    "check_pixels",
    "check_ints",
    "check_model",
    "check_number",
    "check_one_of",
    "check_position",
    "check_positive_int",
    "find_layer",
    "iter_layers",
]


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


def check_int_pair(value, name: str, *, minimum: int = 1, allow_int: bool = True) -> tuple:
    """``value`` as ``(int, int)``; a single int means the same on both axes (Keras' way)."""
    if allow_int and _is_int(value):
        value = (value, value)
    what = "an int or a pair of ints" if allow_int else "a pair of ints"
    return check_ints(value, name, 2, minimum=minimum, what=what)


def check_position(position, grid, *, name: str = "position") -> tuple:
    """One unit of a layer's output grid, as ``(row, column)``.

    Parameters
    ----------
    position : pair of int or None
        ``None`` means the centre unit ``(rows // 2, columns // 2)``.
    grid : pair of int or None
        The layer's output ``(rows, columns)``; entries ``None`` when unknown (then only
        the lower bound is checked, and ``None`` cannot be resolved).

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


def _finite(array: np.ndarray, name: str) -> None:
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} holds {bad} NaN or infinite values; every value must be finite")


def _numeric(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}") from exc
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array


def check_array(
    value,
    name: str,
    *,
    ndim: int,
    shape_text: str,
    what: str = "an array",
    finite: bool = True,
    hint: str = "",
) -> np.ndarray:
    """``value`` as a non-empty NumPy array of real numbers with ``ndim`` axes.

    Parameters
    ----------
    shape_text, what : str
        For the message: ``f"{name} must be {what} shaped {shape_text}"``.
    finite : bool, default=True
        Reject NaN and infinite values (a display of a broken model passes False, and
        warns instead).
    hint : str
        Added to the wrong-shape message.
    """
    array = _numeric(value, name)
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be {what} shaped {shape_text}, got shape {array.shape}{hint}"
        )
    if 0 in array.shape:
        raise ValueError(f"{name} is empty: shape {array.shape}")
    if finite:
        _finite(array, name)
    return array


def check_image(image, name: str = "image") -> np.ndarray:
    """One image ``(H, W, C)`` of finite real numbers, as a NumPy array."""
    hint = "; for a batch x pass x[0]" if np.ndim(image) == 4 else ""
    return check_array(image, name, ndim=3, shape_text="(H, W, C)", what="one image", hint=hint)


def check_images(x, name: str = "x") -> np.ndarray:
    """A batch ``(N, H, W, C)`` of finite real numbers with at least one image."""
    hint = "; for one image use image[None]" if np.ndim(x) == 3 else ""
    return check_array(
        x, name, ndim=4, shape_text="(N, H, W, C)", what="a batch of images", hint=hint
    )


def check_pixels(X, name: str = "X") -> np.ndarray:
    """Images as data files hold them: ``(N, H, W)`` or ``(N, H, W, C)``, ``uint8`` or
    floats, finite; returned 4-D (3-D gets ``C = 1``), values unchanged."""
    try:
        array = np.asarray(X)
    except (ValueError, TypeError):  # ragged nested lists
        raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}") from None
    if array.dtype.kind not in "uif":  # bool, complex, strings and objects are not pixels
        raise TypeError(
            f"{name} must hold real numbers (uint8 0-255 or floats), got dtype {array.dtype}"
        )
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be images shaped (N, H, W) or (N, H, W, C), got shape {array.shape}"
        )
    return check_images(array[..., None] if array.ndim == 3 else array, name)


def check_labels(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as ``n`` integer class labels, shape ``(n,)``."""
    try:
        labels = np.asarray(y)
    except (ValueError, TypeError):
        raise TypeError(f"{name} must be an array of integer labels") from None
    if labels.dtype.kind not in "ui":
        raise TypeError(
            f"{name} must hold integer labels, got dtype {labels.dtype} (use y.astype('int32'))"
        )
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"{name} must be labels shaped (N,) with N = len(X) = {n}, got shape {labels.shape}"
        )
    return labels


# -- models and layers (Keras imported on first use) ---------------------------------------


def _keras():
    from vizcnn.backend import keras

    return keras()


def check_model(model, name: str = "model"):
    """``model`` if it is a Keras model with at least one layer besides its input."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(model).__name__}")
    if not [layer for layer in model.layers if not _is_input_layer(layer)]:
        raise ValueError(f"{name} is empty: it has no layers to inspect")
    return model


def _is_input_layer(layer) -> bool:
    return type(layer).__name__ == "InputLayer"


def iter_layers(model):
    """Yield ``(path, layer)`` for every layer, depth first, nested models included.

    ``path`` is the tuple of enclosing models' layers (outermost first), then the layer.
    Input layers are skipped; a nested model is yielded before its own layers.
    """
    keras = _keras()
    for layer in model.layers:
        if _is_input_layer(layer):
            continue
        yield (layer,), layer
        if isinstance(layer, keras.Model):
            for path, inner in iter_layers(layer):
                yield (layer, *path), inner


def find_layer(model, layer, *, name: str = "layer"):
    """The path ``(submodel, ..., layer)`` to ``layer`` inside ``model``.

    Parameters
    ----------
    layer : str or keras.layers.Layer
        A layer object, its name, or ``"outer/inner"`` for a layer inside a nested model.

    Raises
    ------
    TypeError
        If ``layer`` is neither a string nor a Keras layer.
    ValueError
        If no layer of ``model`` (nested models included) matches; the message lists the
        closest names.
    """
    keras = _keras()
    check_model(model)
    paths = list(iter_layers(model))
    if isinstance(layer, str):
        for path, candidate in paths:
            if candidate.name == layer:
                return path
        if "/" in layer:
            for path, _ in paths:
                if "/".join(p.name for p in path) == layer:
                    return path
        names = [candidate.name for _, candidate in paths]
        close = difflib.get_close_matches(layer, names, n=5, cutoff=0.4) or names[:10]
        raise ValueError(
            f"{name}={layer!r} is not a layer of model {model.name!r}; "
            f"close names: {', '.join(close)}"
        )
    if isinstance(layer, keras.layers.Layer):
        for path, candidate in paths:
            if candidate is layer:
                return path
        raise ValueError(f"{name} (layer {layer.name!r}) is not part of model {model.name!r}")
    raise TypeError(
        f"{name} must be a layer name (str) or a keras layer, got {type(layer).__name__}"
    )


def model_inputs(model):
    """The model's symbolic inputs, or a clear error when it has none yet."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise TypeError(
            f"model {model.name!r} has no input shape yet; start it with keras.Input((H, W, C))"
        )
    return inputs


def check_batch(model, x, *, name: str = "x") -> np.ndarray:
    """``x`` as a float32 batch that fits ``model``'s single image input.

    A Sequential model built without ``keras.Input`` is built for ``x``'s shape.
    """
    check_model(model)
    x = check_images(x, name)
    keras = _keras()
    try:
        model.inputs  # noqa: B018 -- raises when the model has no graph yet
    except (AttributeError, ValueError):
        if not isinstance(model, keras.Sequential):
            raise TypeError(
                f"model {model.name!r} has no input graph; build it with keras.Input "
                "(functional or Sequential models only)"
            ) from None
        model.build((None, *x.shape[1:]))
    expected = tuple(model_inputs(model)[0].shape)
    if len(expected) != 4:
        raise ValueError(
            f"model {model.name!r} takes inputs shaped {expected}, not images (N, H, W, C)"
        )
    if expected[-1] is not None and x.shape[-1] != expected[-1]:
        raise ValueError(
            f"{name} has {x.shape[-1]} channels but model {model.name!r} expects "
            f"{expected[-1]} (input shape {expected})"
        )
    for axis, (got, want) in enumerate(zip(x.shape[1:3], expected[1:3], strict=True), start=1):
        if want is not None and got != want:
            raise ValueError(
                f"{name} has spatial shape {x.shape[1:3]} but model {model.name!r} "
                f"expects {expected[1:3]} (axis {axis})"
            )
    return x.astype("float32", copy=False)
