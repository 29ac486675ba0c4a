"""How often a classifier keeps its answer when the image moves by a few pixels.

Zhang (2019) measured shift invariance of trained classifiers as *consistency*: how often
the predicted class of an image stays the same when the image is shifted. Pooling is
often said to make a CNN shift-invariant; this measures it on the trained network itself.
"""

from __future__ import annotations

import numpy as np

from vizcnn.validation import check_model, check_pixels, check_positive_int

__all__ = ["DIRECTIONS", "prediction_consistency", "shift_images"]

#: The four directions of a shift by ``d`` pixels: down, up, right, left (``(dy, dx)``).
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def shift_images(X, dy: int, dx: int) -> np.ndarray:
    """``X`` moved by ``dy`` rows and ``dx`` columns, filled with zeros (the background).

    Parameters
    ----------
    X : array, shape (N, H, W) or (N, H, W, C)
    dy, dx : int
        Positive: down / right. Pixels pushed out of the frame are lost.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``X``.
    """
    check_pixels(X)  # a batch of finite pixels; the shift keeps the shape it was given
    X = np.asarray(X)
    height, width = X.shape[1], X.shape[2]
    for value, name, size in ((dy, "dy", height), (dx, "dx", width)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if abs(value) >= size:
            raise ValueError(f"{name}={value} moves the whole image out of its {size} pixels")
    out = np.zeros_like(X)
    rows_to = slice(max(dy, 0), height + min(dy, 0))
    rows_from = slice(max(-dy, 0), height + min(-dy, 0))
    cols_to = slice(max(dx, 0), width + min(dx, 0))
    cols_from = slice(max(-dx, 0), width + min(-dx, 0))
    out[:, rows_to, cols_to] = X[:, rows_from, cols_from]
    return out


def prediction_consistency(model, X, y=None, *, shifts=(1, 2, 3), batch_size: int = 256):
    """Share of images whose predicted class survives a shift of 1, 2, 3 ... pixels.

    For each distance ``d`` the images are shifted by ``d`` pixels in each of the four
    directions (:data:`DIRECTIONS`); the consistency is the share of (image, direction)
    pairs whose predicted class equals that of the unshifted image.

    Parameters
    ----------
    model : keras.Model
        A classifier (one output of class scores).
    X : array, shape (N, H, W) or (N, H, W, C)
        Images (``uint8`` pixels are scaled to [0, 1] as :func:`vizcnn.pixels.scale_images`
        does).
    y : array of int, shape (N,), optional
        Labels: adds the accuracy on the shifted images.
    shifts : sequence of int, default=(1, 2, 3)
        Distances in pixels, each at least 1 and smaller than the image.
    batch_size : int, default=256

    Returns
    -------
    pandas.DataFrame
        Indexed by ``shift`` (0 for the unshifted images, then each distance), with columns
        ``consistency`` and, given ``y``, ``accuracy``.
    """
    import pandas as pd

    from vizcnn.prediction import predict_classes

    check_model(model)
    X = check_pixels(X)
    if not isinstance(shifts, (list, tuple)) or not shifts:
        raise TypeError(f"shifts must be a non-empty list of pixel distances, got {shifts!r}")
    shifts = [check_positive_int(d, "shifts[i]") for d in shifts]
    for d in shifts:
        shift_images(X[:1], d, 0), shift_images(X[:1], 0, d)  # checks each distance fits
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must hold one label per image ({len(X)}), got shape {y.shape}")
    reference = predict_classes(model, X, batch_size=batch_size)
    rows = [{"shift": 0, "consistency": 1.0, **_accuracy(reference, y)}]
    for d in shifts:
        moved = [
            predict_classes(model, shift_images(X, d * sy, d * sx), batch_size=batch_size)
            for sy, sx in DIRECTIONS
        ]
        same = np.mean([np.mean(p == reference) for p in moved])
        rows.append(
            {"shift": d, "consistency": float(same), **_accuracy(np.concatenate(moved), y, 4)}
        )
    return pd.DataFrame(rows).set_index("shift")


def _accuracy(predicted, y, repeats: int = 1) -> dict:
    if y is None:
        return {}
    return {"accuracy": float(np.mean(predicted == np.tile(y, repeats)))}
