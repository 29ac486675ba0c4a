"""Checks of arrays: images, batches of images, pixels as data files hold them, labels."""

from __future__ import annotations

import numpy as np


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


def check_sequences(x, name: str = "x") -> np.ndarray:
    """A batch ``(N, T, C)`` of finite real numbers (sound, text: a 1-D model's input)."""
    hint = "; for one sequence use x[None]" if np.ndim(x) == 2 else ""
    return check_array(
        x, name, ndim=3, shape_text="(N, T, C)", what="a batch for a 1-D model", hint=hint
    )


def check_inputs(x, n_axes: int | None, name: str = "x") -> np.ndarray:
    """A batch for a model with ``n_axes`` spatial axes: 2 -> images ``(N, H, W, C)``,
    1 -> sequences ``(N, T, C)``, ``None`` (not known yet) -> either."""
    if n_axes == 2:
        return check_images(x, name)
    if n_axes == 1:
        return check_sequences(x, name)
    if np.ndim(x) == 3:
        return check_sequences(x, name)
    shape_text = "(N, H, W, C) for a 2-D model or (N, T, C) for a 1-D model"
    return check_array(x, name, ndim=4, shape_text=shape_text, what="a batch")


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


def check_xy(pair, name: str) -> tuple:
    """``(X, y)``: images and as many integer labels (checked as ``make_dataset`` does)."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair (X, y) of images and labels, got {pair!r:.60}")
    X = check_pixels(pair[0], f"{name}[0]")
    try:
        y = check_labels(pair[1], len(X), f"{name}[1]")
    except ValueError as exc:
        raise ValueError(f"{name}: images and labels differ in length or shape: {exc}") from None
    return X, y


def check_captions(labels, n: int, name: str = "labels"):
    """``labels`` as ``n`` strings, one caption per image; None stays None."""
    if labels is None:
        return None
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise TypeError(
            f"{name} must be a sequence with one caption per image, got {type(labels).__name__}"
        )
    if len(labels) != n:
        raise ValueError(f"{name} must give one caption per image ({n}), got {len(labels)}")
    return [str(label) for label in labels]
