"""The one conversion of an image to what ``imshow`` draws, for every display and widget.

``imshow`` draws a 2-D array through a colour map, and an RGB array as colours: ``uint8``
in 0-255 or floats in [0, 1], clipping anything else. A float RGB image in 0-255 (the
pixels before ``/ 255``) is therefore drawn almost white, and a standardised one
(negative values) almost black: this module rescales both for drawing only, and
:func:`warn_if_pixels` says so, in the words ``vz.feature_maps`` uses for the same
mistake.
"""

from __future__ import annotations

import warnings

import numpy as np

from vizcnn.language import text

__all__ = ["looks_like_pixels", "screen_image", "warn_if_pixels"]

_PIXEL_MAX = 255.0


def looks_like_pixels(image) -> bool:
    """Whether a float RGB ``image`` holds 0-255 pixel values (a value above 1.5, none
    below 0): what ``imshow`` would clip to white."""
    array = np.asarray(image)
    if array.ndim < 3 or array.shape[-1] != 3 or not np.issubdtype(array.dtype, np.floating):
        return False
    if array.size == 0:
        return False
    low, high = float(np.min(image)), float(np.max(image))
    return low >= 0.0 and 1.5 < high <= _PIXEL_MAX


def warn_if_pixels(images, *, name: str, caller: str, stacklevel: int = 3) -> bool:
    """Warn (once per call) when float RGB ``images`` hold 0-255 pixels; return whether.

    ``images`` is one image, a batch, or a list of images.
    """
    listed = images if isinstance(images, (list, tuple)) else [images]
    peaks = [float(np.max(image)) for image in listed if looks_like_pixels(image)]
    if not peaks:
        return False
    peak = f"{max(peaks):.4g}"
    message = text("display.pixels_0_255", language="en", caller=caller, name=name, peak=peak)
    warnings.warn(message, UserWarning, stacklevel=stacklevel)
    return True


def screen_image(image, *, value_range=None):
    """``image`` as ``imshow`` draws it: 2-D (grey, through a colour map) or RGB.

    Parameters
    ----------
    image : array-like, shape (H, W) or (H, W, C)
        NumPy masked arrays keep their mask (masked pixels are drawn in the colour
        map's "bad" colour).
    value_range : pair of float, optional
        The pixel range drawn black to white. RGB images are scaled from it into [0, 1];
        grey images are returned as they are (the caller sets ``vmin``/``vmax``).

    Returns
    -------
    numpy.ndarray
        - ``(H, W)``: grey (``C`` = 1), or the mean of the channels when ``C`` is neither
          1 nor 3 (no screen shows 2 or 4+ channels as colours);
        - ``(H, W, 3)``: ``uint8`` as it is, floats in [0, 1] as they are, float pixels
          in 0-255 divided by 255, any other range (standardised pixels) stretched to
          [0, 1] per image.
    """
    masked = np.ma.isMaskedArray(image)
    image = image if masked else np.asarray(image)
    if image.ndim == 2:
        return image
    channels = image.shape[-1]
    if channels == 1:
        return image[..., 0]
    if channels != 3:
        return image.mean(axis=-1)
    if value_range is not None:
        low, high = (float(v) for v in value_range)
        return ((image.astype("float32") - low) / (high - low)).clip(0.0, 1.0)
    if image.dtype == np.uint8:
        return image
    image = image.astype("float32")
    if looks_like_pixels(image):
        return image / np.float32(_PIXEL_MAX)
    low, high = float(image.min()), float(image.max())
    if low < 0 or high > 1:  # e.g. standardised pixels: stretched for drawing only
        return (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image
