"""Pixels as a model takes them: ``uint8`` images scaled to float32 in [0, 1].

Library half: any image model reads pixels this way (the course's ``vz.data`` re-exports
:func:`scale_images` and scales its ``tf.data`` batches with the same constant).
"""

from __future__ import annotations

import numpy as np

from vizcnn.validation import check_pixels

__all__ = ["UINT8_SCALE", "scale_images"]

#: One constant for every scaling of ``uint8`` pixels, so all of them give the same floats.
UINT8_SCALE = np.float32(1 / 255)


def scale_images(X):
    """Images as a model takes them: float32 ``(N, H, W, C)``, ``uint8`` scaled to [0, 1].

    The same scaling :func:`make_dataset` applies per batch, so a model trained on its
    batches sees the same values here.

    Parameters
    ----------
    X : array-like, shape (N, H, W) or (N, H, W, C)
        ``uint8`` images (0-255) are multiplied by ``1/255``; any other real dtype is
        cast to float32 unchanged. 3-D input gets a channel axis of 1.

    Returns
    -------
    np.ndarray, float32, shape (N, H, W, C)

    Raises
    ------
    TypeError
        If ``X`` is not a numeric array (bools and complex numbers included).
    ValueError
        If ``X`` is not 3-D or 4-D, is empty, or holds NaN or infinite values.
    """
    array = check_pixels(X)
    out = array.astype(np.float32)  # always a copy: the caller's array is left alone
    if array.dtype == np.uint8:
        out *= UINT8_SCALE
    return out
